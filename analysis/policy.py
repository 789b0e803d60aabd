"""ANALYSIS_POLICY (or a question set's `analysis_policy`): what the providers may be asked.

Each analysis carries its interview's policy to the providers (`VideoInput.analysis_policy`).

`standard` asks for everything. `eu` asks no provider for emotion or affect inference (the EU AI
Act, Art. 5(1)(f), prohibits emotion recognition in recruitment): Twelve Labs is not asked for
confidence, voice tone, body language or eye contact (the prompt and the response schema drop
them), and the Interhuman step is off, because every signal type it returns (confidence, stress,
frustration, interest, ...) and its engagement states are inferred affective states, and its API
cannot be asked for a subset of them. What stays: content, relevance to the question, key
points, clarity and pace of speech, transcripts, the evaluation against expected points, the
local measurements.
"""

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

PolicyName = Literal["standard", "eu"]

_AFFECT = "infers an affective state or emotion from the face, voice or body"

# Every output the EU policy withholds, and why.
EU_WITHHELD: dict[str, str] = {
    "assessment.confidence": f"self-assurance read from delivery: {_AFFECT}",
    "assessment.voice_tone": f"warmth and expressiveness of the voice: {_AFFECT}",
    "assessment.body_language": f"posture and gestures judged as open or closed: {_AFFECT}",
    "assessment.eye_contact": f"gaze read as engagement: {_AFFECT}",
    "behavior": "Interhuman's signals (confidence, stress, frustration, interest, ...), "
    "engagement states and conversation quality (energy, rapport) are affective states; its "
    "API cannot be asked for a subset, so the step is not run",
}

# Twelve Labs' scores the EU policy does not ask for.
EU_WITHHELD_SCORES = tuple(
    output.removeprefix("assessment.") for output in EU_WITHHELD if output.startswith("assessment.")
)

INTERHUMAN_OFF = (
    "Not run under the eu analysis policy: every Interhuman output infers emotions or affective "
    "states, and its API cannot narrow them."
)


class WithheldOutput(BaseModel):
    output: str = Field(description="The output not asked for, e.g. `assessment.voice_tone`.")
    reason: str = Field(description="Why the policy withholds it.")


class PolicyReport(BaseModel):
    """Recorded in every merged document: the policy its providers were asked under."""

    name: PolicyName = Field(
        description="The policy of the interview (its question set's, else ANALYSIS_POLICY): "
        "`standard` or `eu`."
    )
    withheld: list[WithheldOutput] = Field(
        description="Outputs no provider was asked for under this policy, and why."
    )


def report(name: PolicyName) -> PolicyReport:
    withheld = EU_WITHHELD if name == "eu" else {}
    return PolicyReport(
        name=name, withheld=[WithheldOutput(output=k, reason=v) for k, v in withheld.items()]
    )


def stored_policy(value: str | None) -> PolicyName | None:
    """A policy name as a row stores it; None when the row has none (queued before)."""
    if value == "eu":
        return "eu"
    if value == "standard":
        return "standard"
    return None


def asked_scores(name: PolicyName, scores: Sequence[str]) -> list[str]:
    """The scores a provider may be asked for under the policy."""
    if name == "eu":
        return [score for score in scores if score not in EU_WITHHELD_SCORES]
    return list(scores)
