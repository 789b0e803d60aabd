"""Consent: the versioned notice, the gate before any recording, withdrawal."""
