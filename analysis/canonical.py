"""The provider-neutral models: what each provider's answer is normalised into, and the merged
analysis document (schema 1.1) that the database team stores as is.

A section whose provider did not succeed is `None` in the document: never zeros, never invented.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, computed_field, model_validator

from analysis.policy import PolicyReport

SCHEMA_VERSION: Literal["1.1"] = "1.1"


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
    added with defaults (schema 1.x is additive). A field renamed since 1.0 is read from its old
    name when the new one is absent (`RENAMED`), stored or not, so what this code wrote, old
    names included, always reads back."""

    model_config = ConfigDict(extra="forbid")

    RENAMED: ClassVar[dict[str, str]] = {}
    """Fields renamed since schema 1.0: new name -> old name."""

    @model_validator(mode="before")
    @classmethod
    def _known_fields_of_stored(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        if cls.RENAMED:
            data = dict(data)
            for new, old in cls.RENAMED.items():
                if old in data:
                    data.setdefault(new, data.pop(old))
        if not (info.context or {}).get("stored"):
            return data
        if cls.model_config.get("extra") == "allow":
            return data
        known = {field.alias or name for name, field in cls.model_fields.items()}
        return {key: value for key, value in data.items() if key in known}


class Media(_Section):
    """Measured from the file itself."""

    duration_seconds: float | None = Field(description="Length of the recording, in seconds.")
    width: int | None = Field(description="Picture width, in pixels.")
    height: int | None = Field(description="Picture height, in pixels.")
    has_audio: bool = Field(description="Whether the recording has a sound track.")
    has_video: bool = Field(description="Whether the recording has a picture.")
    container: str = Field(description="File format: webm, mkv, mp4, mov, avi or ts.")
    video_codec: str | None = Field(default=None, description="FFmpeg's name of the video codec.")
    audio_codec: str | None = Field(default=None, description="FFmpeg's name of the audio codec.")
    frame_rate: float | None = Field(default=None, description="Frames per second.")
    size_bytes: int = Field(description="Size of the uploaded file, in bytes.")
    sha256: str = Field(description="SHA-256 of the uploaded file, hex.")


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


def _score(what: str) -> Any:
    return Field(
        default=None,
        ge=1,
        le=10,
        description=f"{what}: Twelve Labs score on a 1-10 scale (10 best); null when the model "
        "could not judge.",
    )


class Assessment(_Section):
    """Twelve Labs (Pegasus) scores, integers on a 1-10 scale; `None` where the model could not
    judge. Not comparable with Interhuman's 0-100 values."""

    confidence: Score | None = _score("How confident the candidate comes across")
    clarity: Score | None = _score("How clearly the answer is expressed")
    speech_rate: Score | None = _score("How well paced the speech is (a judgement, not a count)")
    eye_contact: Score | None = _score("Eye contact with the camera")
    body_language: Score | None = _score("Posture and gestures")
    voice_tone: Score | None = _score("Tone of voice")
    relevance_to_question: Score | None = _score("How relevant the answer is to the question")
    key_points: list[str] = Field(
        default_factory=list, description="Main points of the answer, as the model saw them."
    )
    summary: str | None = Field(default=None, description="The model's summary of the answer.")
    model: str = Field(description="The Twelve Labs model that scored (e.g. pegasus1.5).")
    input: Literal["original", "proxy"] = Field(
        default="original",
        description="`proxy`: a smaller transcoded copy was analysed instead of the upload.",
    )
    policy: Literal["standard", "eu"] | None = Field(
        default=None, description="The ANALYSIS_POLICY the model was asked under."
    )


Probability = Literal["low", "medium", "high"]


def _seconds(edge: str) -> Any:
    return Field(description=f"{edge}, in seconds from the start of the answer.")


_SPAN_RENAMED = {"start_seconds": "start", "end_seconds": "end"}


def _renamed(new: str) -> str:
    return (
        f"Deprecated: the schema 1.0 name of `{new}`, with the same value (in seconds). Still "
        f"written throughout schema 1.x so that readers of 1.0 keep working, dropped in 2.0: "
        f"read `{new}` (a document stored as 1.0 has only this name)."
    )


def _either_spelling(schema: dict[str, Any]) -> None:
    """The published (serialization) schema takes a span written by 1.1 (both spellings) or
    by 1.0 (`start` and `end` only)."""
    required = schema.get("required", [])
    if "start" not in required:  # the validation schema, which reads only the new names
        return
    both = {*_SPAN_RENAMED, *_SPAN_RENAMED.values()}
    schema["required"] = [name for name in required if name not in both]
    schema["anyOf"] = [
        {"required": list(_SPAN_RENAMED)},
        {"required": list(_SPAN_RENAMED.values())},
    ]


class _Span(_Section):
    """A stretch of the answer Interhuman describes. Schema 1.0 named its times `start` and
    `end`; 1.1 names them with their unit, `start_seconds` and `end_seconds`, and writes the
    old names beside them so that readers of 1.0 keep working (a minor version only adds).
    A stored section with only `start` and `end` reads into the new fields."""

    model_config = ConfigDict(json_schema_extra=_either_spelling)

    RENAMED: ClassVar[dict[str, str]] = _SPAN_RENAMED

    start_seconds: float = _seconds("Start")
    end_seconds: float = _seconds("End")

    @computed_field(  # type: ignore[prop-decorator]
        description=_renamed("start_seconds"), json_schema_extra={"deprecated": True}
    )
    @property
    def start(self) -> float:
        return self.start_seconds

    @computed_field(  # type: ignore[prop-decorator]
        description=_renamed("end_seconds"), json_schema_extra={"deprecated": True}
    )
    @property
    def end(self) -> float:
        return self.end_seconds


class Signal(_Span):
    """One behavioural signal Interhuman saw, over a stretch of the answer."""

    type: str = Field(description="Interhuman's signal type, kept as sent (e.g. confidence).")
    probability: Probability | None = Field(
        default=None, description="How likely the signal is: low, medium or high."
    )
    rationale: str | None = Field(default=None, description="Why Interhuman saw it.")


class EngagementWindow(_Span):
    """Interhuman's engagement state over a stretch of the answer."""

    state: str = Field(description="Interhuman's engagement state, kept as sent.")


_QUALITY = "Interhuman value on a 0-100 scale (100 best); not comparable with 1-10 scores."


class QualityValues(_Section):
    """Interhuman conversation quality, each on a 0-100 scale."""

    model_config = ConfigDict(extra="allow")

    quality_index: float | None = Field(default=None, description=f"Overall. {_QUALITY}")
    clarity: float | None = Field(default=None, description=f"Clarity. {_QUALITY}")
    authority: float | None = Field(default=None, description=f"Authority. {_QUALITY}")
    energy: float | None = Field(default=None, description=f"Energy. {_QUALITY}")
    rapport: float | None = Field(default=None, description=f"Rapport. {_QUALITY}")
    learning: float | None = Field(default=None, description=f"Learning. {_QUALITY}")


class QualityWindow(_Span):
    """Interhuman's conversation quality over a stretch of the answer."""

    values: dict[str, float | None] = Field(description=f"Values in this window. {_QUALITY}")


class ConversationQuality(_Section):
    overall: QualityValues | None = Field(default=None, description="Over the whole answer.")
    timeline: list[QualityWindow] = Field(
        default_factory=list, description="The same values over consecutive windows."
    )


class Behavior(_Section):
    """Interhuman: behavioural signals with rationale, engagement, conversation quality (0-100)."""

    signals: list[Signal] = Field(default_factory=list, description="Behavioural signals.")
    engagement: list[EngagementWindow] = Field(
        default_factory=list, description="Engagement over time."
    )
    conversation_quality: ConversationQuality | None = Field(
        default=None, description="Conversation quality, 0-100 scale."
    )
    model: str | None = Field(
        default=None, description="The Interhuman API that analysed (e.g. interhuman-v2)."
    )
    input: Literal["original", "proxy"] = Field(
        default="original",
        description="`proxy`: a smaller transcoded copy was analysed instead of the upload.",
    )


TimestampKind = Literal["word", "segment", "none"]
Coverage = Literal["covered", "partly", "missing"]


class _TimedText(_Section):
    text: str = Field(description="The words as the engine wrote them.")
    start_seconds: float = _seconds("Start")
    end_seconds: float = _seconds("End")


class TranscriptWord(_TimedText):
    """One word and when it was said."""


class TranscriptSegment(_TimedText):
    """A stretch of speech (about a sentence) and when it was said."""


class Transcript(_Section):
    """What was said in the answer, as a speech-to-text engine heard it."""

    text: str = Field(description="The whole answer's text, pieces joined in order.")
    language: str | None = Field(
        description="The language the engine detected or was told, as the engine names it."
    )
    words: list[TranscriptWord] | None = Field(
        description="Every word with its time, when the engine gives word timestamps; else null."
    )
    segments: list[TranscriptSegment] = Field(
        default_factory=list, description="Stretches of speech with their times (may be empty)."
    )
    provider: str = Field(description="The engine: `openai` (compatible API) or `pocketsphinx`.")
    model: str = Field(description="The engine's model, as configured.")
    timestamps: TimestampKind = Field(
        description="How finely times are known: `word`, `segment` or `none`."
    )


class WordsPerMinute(_Section):
    speaking: float | None = Field(
        description="Words per minute of speaking time (pauses left out); null when unknown."
    )
    overall: float | None = Field(
        description="Words per minute over the whole answer, pauses included; null when unknown."
    )
    word_count: int = Field(description="How many words the transcript has.")


class FillerWords(_Section):
    count: int = Field(description="How many filler words and phrases the transcript has, in all.")
    by_word: dict[str, int] = Field(
        description='How many of each: "um", "uh", "er", "you know", "like" (only those found).'
    )


class PointJudgement(_Section):
    """One expected point and whether the answer covers it."""

    point: str = Field(description="The expected point, as the question states it.")
    status: Coverage = Field(description="`covered`, `partly` or `missing`.")
    quotes: list[str] = Field(description="Verbatim quotes from the transcript (checked).")
    note: str | None = Field(default=None, description="Why the judgement was changed, if it was.")


class Evaluation(_Section):
    """An advisory judgement of the answer's words against the question's expected points
    (a chat model; its quotes are checked to be in the transcript). Only the words go in."""

    advisory: Literal[True] = Field(
        default=True, description="Always true: a model's opinion for a reviewer, not a decision."
    )
    points: list[PointJudgement] = Field(description="One judgement per expected point, in order.")
    covered: int = Field(description="How many points were judged covered.")
    partly: int = Field(description="How many points were judged partly covered.")
    missing: int = Field(description="How many points were judged missing.")
    summary: str = Field(description="How well the answer meets the question, in short.")
    strengths: list[str] = Field(description="What the answer does well.")
    gaps: list[str] = Field(description="What a strong answer has that this one lacks.")
    model: str = Field(description="The chat model that judged.")
    prompt_version: str = Field(description="The version of the instructions it was given.")


class Speech(_Section):
    """Measured locally from the audio track (energy-based voice activity), not a model's guess;
    the word counts come from the transcript."""

    speaking_seconds: float = Field(description="Time someone is audibly speaking, in seconds.")
    speaking_ratio: float = Field(description="Speaking time over the answer's length, 0-1.")
    pause_count: int = Field(
        description="How many pauses of 0.3 seconds or more there are between stretches of speech."
    )
    longest_pause_seconds: float = Field(description="The longest pause, in seconds.")
    mean_loudness_dbfs: float | None = Field(
        description="Loudness of the speech, in dBFS (0 = full scale); null when nobody speaks."
    )
    words_per_minute: WordsPerMinute | None = Field(
        default=None, description="Speech rate from the transcript; null without a transcript."
    )
    filler_words: FillerWords | None = Field(
        default=None, description="Filler words in the transcript; null without a transcript."
    )


class ProviderError(_Section):
    code: str = Field(description="A stable machine code (the provider's own, or ours).")
    message: str = Field(description="What went wrong, for a person.")


class ProviderReport(_Section):
    status: ProviderStatus = Field(
        description="pending, running, succeeded, failed or skipped (not configured)."
    )
    error: ProviderError | None = Field(default=None, description="Why it failed or was skipped.")
    remote_ids: dict[str, str] = Field(
        default_factory=dict, description="Ids of the copies the provider keeps (for erasure)."
    )
    attempts: int = Field(default=0, description="How many times the step was tried.")
    notes: list[str] = Field(default_factory=list, description="What a reviewer should know.")


class QuestionRef(_Section):
    id: str | None = Field(description="The question's id in the interview's snapshot.")
    text: str | None = Field(description="The question as the candidate was asked it.")


class AnalysisDocument(_Section):
    """The merged analysis, as served at `GET /analyses/{id}` and written to results/.

    Schema 1.1 adds `transcript`, `evaluation`, `policy`, the word counts of `speech` and
    `behavior.model` to 1.0, and names the times of Interhuman's spans with their unit
    (`start_seconds`, `end_seconds`, with 1.0's `start` and `end` still written beside them); a
    stored 1.0 document reads as is (the new fields are null, the times read from the old
    names)."""

    schema_version: Literal["1.0", "1.1"] = Field(
        default=SCHEMA_VERSION, description="Version of this document's shape."
    )
    analysis_id: str = Field(description="The analysis (one per recording).")
    interview_id: str = Field(description="The interview the answer belongs to.")
    recording_id: str = Field(description="The uploaded recording of the answer.")
    question: QuestionRef | None = Field(description="What the answer answers; null if unknown.")
    status: AnalysisStatus = Field(
        description="queued, running, then succeeded (every configured provider did), partial "
        "(some did) or failed (none did)."
    )
    created_at: datetime = Field(description="When the recording was queued (UTC).")
    completed_at: datetime | None = Field(description="When the analysis ended (UTC).")
    media: Media | None = Field(description="Measured from the file itself.")
    assessment: Assessment | None = Field(description="Scores, each on a 1-10 scale.")
    behavior: Behavior | None = Field(
        description="Behavioural signals, engagement, and conversation quality on a 0-100 scale."
    )
    speech: Speech | None = Field(
        description="Measured from the audio; the word counts from the transcript."
    )
    transcript: Transcript | None = Field(default=None, description="What was said.")
    evaluation: Evaluation | None = Field(
        default=None,
        description="An advisory judgement of the words against the question's expected points "
        "(null without a transcript).",
    )
    policy: PolicyReport | None = Field(
        default=None,
        description="The ANALYSIS_POLICY applied, and which outputs it withheld and why.",
    )
    providers: dict[str, ProviderReport] = Field(
        description="Each step's status, error and remote copies."
    )

    @classmethod
    def section_names(cls) -> list[str]:
        """The fields that providers fill (every field that is not the document's own)."""
        return [name for name in cls.model_fields if name not in _ENVELOPE]


_ENVELOPE = frozenset(
    {
        "policy",
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
    schema["required"] = ["schema_version", *schema["required"]]  # a 1.0 document has it too
    properties = schema["properties"]
    for section, source in section_sources.items():
        properties[section]["description"] = (
            f"{properties[section]['description']} From {source}; null when {source} did not "
            "succeed or was not configured."
        )
    properties["providers"]["propertyNames"] = {"enum": providers}
    properties["providers"]["description"] = "Each provider's status, error and remote copies."
    return schema
