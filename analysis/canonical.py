"""The provider-neutral models: what each provider's answer is normalised into, and the merged
analysis document (schema 1.0) that the database team stores as is.

A section whose provider did not succeed is `None` in the document: never zeros, never invented.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

SCHEMA_VERSION = "1.0"


class ProviderStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class AnalysisStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"


STORED: dict[str, Any] = {"stored": True}
"""Validation context for reading what was stored (`Model.model_validate(data, context=STORED)`)."""


class _Section(BaseModel):
    """Strict on what is built now (an unknown field is a bug), lenient on what was stored: a
    stored document or section is read with the fields this code knows, so a field a later
    version removes or renames never turns an old analysis into an error. Fields are only ever
    added with defaults (schema 1.x is additive)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_fields_of_stored(cls, data: Any, info: ValidationInfo) -> Any:
        if not (info.context or {}).get("stored") or not isinstance(data, dict):
            return data
        if cls.model_config.get("extra") == "allow":
            return data
        known = {field.alias or name for name, field in cls.model_fields.items()}
        return {key: value for key, value in data.items() if key in known}


class Media(_Section):
    """Measured from the file itself."""

    duration_seconds: float | None
    width: int | None
    height: int | None
    has_audio: bool
    has_video: bool
    container: str
    video_codec: str | None = None
    audio_codec: str | None = None
    frame_rate: float | None = None
    size_bytes: int
    sha256: str


Score = int  # 1-10, validated where the provider's answer is parsed
SCORE_FIELDS = (
    "confidence",
    "clarity",
    "speech_rate",
    "eye_contact",
    "body_language",
    "voice_tone",
    "relevance_to_question",
)


class Assessment(_Section):
    """Twelve Labs (Pegasus) scores, integers 1-10; `None` where the model could not judge."""

    confidence: Score | None = Field(default=None, ge=1, le=10)
    clarity: Score | None = Field(default=None, ge=1, le=10)
    speech_rate: Score | None = Field(default=None, ge=1, le=10)
    eye_contact: Score | None = Field(default=None, ge=1, le=10)
    body_language: Score | None = Field(default=None, ge=1, le=10)
    voice_tone: Score | None = Field(default=None, ge=1, le=10)
    relevance_to_question: Score | None = Field(default=None, ge=1, le=10)
    key_points: list[str] = Field(default_factory=list)
    summary: str | None = None
    model: str
    input: Literal["original", "proxy"] = "original"


Probability = Literal["low", "medium", "high"]


class Signal(_Section):
    type: str  # kept as sent: types the code does not know are kept, not dropped
    start: float
    end: float
    probability: Probability | None = None
    rationale: str | None = None


class EngagementWindow(_Section):
    start: float
    end: float
    state: str


class QualityValues(_Section):
    model_config = ConfigDict(extra="allow")

    quality_index: float | None = None
    clarity: float | None = None
    authority: float | None = None
    energy: float | None = None
    rapport: float | None = None
    learning: float | None = None


class QualityWindow(_Section):
    start: float
    end: float
    values: dict[str, float | None]


class ConversationQuality(_Section):
    overall: QualityValues | None = None
    timeline: list[QualityWindow] = Field(default_factory=list)


class Behavior(_Section):
    """Interhuman: behavioural signals with rationale, engagement, conversation quality (0-100)."""

    signals: list[Signal] = Field(default_factory=list)
    engagement: list[EngagementWindow] = Field(default_factory=list)
    conversation_quality: ConversationQuality | None = None
    input: Literal["original", "proxy"] = "original"


class Speech(_Section):
    """Measured locally from the audio track (energy-based voice activity), not a model's guess."""

    speaking_seconds: float
    speaking_ratio: float
    pause_count: int
    longest_pause_seconds: float
    mean_loudness_dbfs: float | None


class ProviderError(_Section):
    code: str
    message: str


class ProviderReport(_Section):
    status: ProviderStatus
    error: ProviderError | None = None
    remote_ids: dict[str, str] = Field(default_factory=dict)
    attempts: int = 0
    notes: list[str] = Field(default_factory=list)


class QuestionRef(_Section):
    id: str | None
    text: str | None


class AnalysisDocument(_Section):
    """The merged analysis, as served at `GET /analyses/{id}` and written to results/."""

    schema_version: Literal["1.0"] = "1.0"
    analysis_id: str
    interview_id: str
    recording_id: str
    question: QuestionRef | None
    status: AnalysisStatus
    created_at: datetime
    completed_at: datetime | None
    media: Media | None
    assessment: Assessment | None
    behavior: Behavior | None
    speech: Speech | None
    providers: dict[str, ProviderReport]

    @classmethod
    def section_names(cls) -> list[str]:
        """The fields that providers fill (every field that is not the document's own)."""
        return [name for name in cls.model_fields if name not in _ENVELOPE]


_ENVELOPE = frozenset(
    {
        "schema_version",
        "analysis_id",
        "interview_id",
        "recording_id",
        "question",
        "status",
        "created_at",
        "completed_at",
        "providers",
    }
)


def document_json_schema(section_sources: dict[str, str], providers: list[str]) -> dict[str, Any]:
    """The JSON Schema of the merged document; `section_sources` names the provider of each
    section, `providers` the keys `providers` may have (see `analysis.registry`)."""
    schema = AnalysisDocument.model_json_schema(mode="serialization")
    schema["$id"] = "analysis-v1.json"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    properties = schema["properties"]
    for section, source in section_sources.items():
        properties[section]["description"] = (
            f"From {source}; null when {source} did not succeed or was not configured."
        )
    properties["providers"]["propertyNames"] = {"enum": providers}
    properties["providers"]["description"] = "Each provider's status, error and remote copies."
    return schema
