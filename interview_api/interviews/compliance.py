"""The compliance settings an interview runs under: the notice its candidate reads, how many days
after it ends it is erased, the analysis policy, and whether the bias audit survey is asked.

A question set may set each (the question API's `compliance`); what it leaves null comes from
the global settings (NOTICE_VERSION and NOTICE_TEXT, RETENTION_DAYS, ANALYSIS_POLICY; the bias
audit is off by default). An interview keeps the effective values, every key resolved, from the
moment it starts (or its candidate opens the invitation): later edits never reach it.
"""

from typing import Any

from pydantic import BaseModel, Field

from analysis.policy import PolicyName
from shared.settings import Settings


class Notice(BaseModel):
    version: str
    text: str


class SetCompliance(BaseModel):
    """A question set's `compliance` as the question API answers it (null: the global one)."""

    notice: Notice | None = None
    retention_days: int | None = None
    analysis_policy: PolicyName | None = None
    bias_audit: bool = False


class Compliance(BaseModel):
    """The effective settings of one interview, as it keeps them."""

    notice: Notice = Field(description="The notice its candidate is shown and consents to.")
    retention_days: int | None = Field(
        description="Days after it ends until it is erased; null: kept until someone erases it."
    )
    analysis_policy: PolicyName = Field(description='"standard" or "eu" (no emotion inference).')
    bias_audit: bool = Field(description="Whether its candidate is asked the bias audit survey.")


def resolve(of_set: SetCompliance | None, settings: Settings) -> Compliance:
    """The set's settings where it has them, the global ones elsewhere."""
    of_set = of_set or SetCompliance()
    return Compliance(
        notice=of_set.notice or Notice(version=settings.notice_version, text=settings.notice_text),
        retention_days=of_set.retention_days
        if of_set.retention_days is not None
        else settings.retention_days,
        analysis_policy=of_set.analysis_policy or settings.analysis_policy,
        bias_audit=of_set.bias_audit,
    )


def of_interview(snapshot: dict[str, Any] | None, settings: Settings) -> Compliance:
    """An interview's settings: its snapshot, or the global settings for an interview from
    before snapshots were kept."""
    if snapshot is None:
        return resolve(None, settings)
    return Compliance.model_validate(snapshot)
