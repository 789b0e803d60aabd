"""Whether an interview offers the survey: its question set's compliance settings, snapshotted
into the interview when it starts (`Interview.compliance`, a JSON object with `bias_audit`).
Off unless a set turns it on."""

from typing import Any


def bias_audit_enabled(interview: Any) -> bool:
    """True when the interview's compliance snapshot turns the bias audit survey on."""
    compliance = getattr(interview, "compliance", None) or {}
    return isinstance(compliance, dict) and compliance.get("bias_audit") is True
