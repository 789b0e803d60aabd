"""The consent a test interview starts with: given, for the default notice."""

CONSENT = {"consent": {"given": True, "notice_version": "2026-01"}}
