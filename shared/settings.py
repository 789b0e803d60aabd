"""The one settings object, read from the environment or `.env` and validated at start-up."""

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

GIB = 1024**3

DEFAULT_NOTICE = (
    "What we record: a video with sound of each answer you submit. Practice answers stay in "
    "your browser and are never sent. "
    "Who analyses it: this service measures each video itself (length, picture, speaking time, "
    "pauses, loudness). When the employer has enabled them, Twelve Labs scores confidence, "
    "clarity, speech rate, eye contact, body language, voice tone and relevance to the question, "
    "and Interhuman describes behavioural signals, engagement and conversation quality. These "
    "results are advisory: people at the employer review your answers and make every decision. "
    "How long it is kept: until the hiring process ends, and never longer than the employer's "
    "retention period. "
    "Your rights: you can ask the employer who invited you to see or delete your recordings and "
    "their analyses at any time; deletion removes them here and at the providers. "
    "If you do not agree, nothing is recorded."
)


class Settings(BaseSettings):
    """Every setting of the system. Empty values count as unset."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = None
    auto_migrate: bool = True
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    api_keys: str = Field(default="", description="Comma-separated bootstrap admin keys.")
    # The staff key store both services share; unset: DATABASE_URL, else DATA_DIR/keys.db.
    keys_database_url: str | None = None
    # The interview API's own credential for the question API (role `service`).
    service_api_key: SecretStr | None = None
    # When set, GET /metrics wants `Authorization: Bearer <token>`.
    metrics_token: SecretStr | None = None

    # Ports `interview-backend serve` (and so `make run`) gives the two services.
    question_api_port: int = Field(default=8001, ge=1, le=65535)
    interview_api_port: int = Field(default=8002, ge=1, le=65535)

    # Question API
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_seconds: float = 60.0
    openai_max_retries: int = 2
    openai_deadline_seconds: float = 120.0  # one /generate, retries and the re-ask included
    question_fallback: Literal["none", "offline"] = "none"

    # Interview API
    question_api_url: str = ""  # unset: the question API on this machine, QUESTION_API_PORT
    question_api_timeout_seconds: float = 10.0
    max_upload_bytes: int = 2 * GIB
    # An upload whose body sends nothing for this long is closed and what it wrote removed.
    upload_idle_timeout_seconds: float = Field(default=30.0, gt=0)
    # How often a running interview API removes unfinished uploads older than ORPHAN_GRACE_SECONDS.
    orphan_sweep_interval_seconds: float = Field(default=900.0, gt=0)

    # Invitations and the candidate page
    public_base_url: str | None = None  # the invitation links' base; else the request's own
    invitation_days: int = Field(default=7, ge=1, le=90)  # default validity of an invitation
    notice_version: str = Field(default="2026-01", min_length=1, max_length=64)
    notice_text: str = Field(default=DEFAULT_NOTICE, min_length=1)
    # No recording is stored or analysed without a given consent for a notice version.
    consent_required: bool = True
    # Interviews are erased this many days after they ended (unset: kept until erased).
    retention_days: int | None = Field(default=None, ge=1, le=3650)
    retention_sweep_seconds: float = Field(default=3600, gt=0)  # how often the worker checks
    upload_expiry_seconds: float = Field(default=24 * 3600, gt=0)  # an unfinished upload's life
    upload_sweep_seconds: float = Field(default=600, gt=0)  # how often expired ones are removed

    # Analysis providers
    twelvelabs_api_key: SecretStr | None = None
    twelvelabs_base_url: str = "https://api.twelvelabs.io/v1.3"
    twelvelabs_model: str = "pegasus1.5"
    twelvelabs_concurrency: int = 2
    # Let Twelve Labs fetch the recording from a presigned storage URL (S3 storage reachable from
    # the internet) instead of uploading the bytes; no 200 MB limit, so no proxy below 4 GB.
    twelvelabs_upload_from_url: bool = False
    interhuman_api_key: SecretStr | None = None
    interhuman_key_id: str | None = None
    interhuman_key_secret: SecretStr | None = None
    interhuman_base_url: str = "https://api.interhuman.ai"
    interhuman_concurrency: int = 2
    # `eu`: no provider is asked for emotion or affect inference (see analysis/policy.py)
    analysis_policy: Literal["standard", "eu"] = "standard"
    # Transcription: an OpenAI-compatible /v1/audio/transcriptions (key and URL default to the
    # OpenAI ones), else the offline engine when TRANSCRIPTION_OFFLINE is on, else skipped.
    transcription_api_key: SecretStr | None = None
    transcription_base_url: str | None = None
    transcription_model: str = "whisper-1"
    transcription_language: str | None = None  # ISO-639-1, e.g. "en"; unset = detected
    transcription_chunk_seconds: float = Field(default=600.0, ge=30, le=1400)
    transcription_audio_format: Literal["ogg", "mp3"] = "ogg"
    transcription_timeout_seconds: float = 300.0
    transcription_offline: bool = False
    transcription_concurrency: int = 2
    # Answer evaluation against the expected points (needs OPENAI_API_KEY and a transcript)
    evaluation_model: str | None = None  # unset = OPENAI_MODEL
    evaluation_timeout_seconds: float = 60.0
    analysis_webhook_url: str | None = None
    analysis_webhook_secret: SecretStr | None = None
    run_worker_in_api: bool = True
    worker_concurrency: int = 2
    worker_lease_seconds: float = 60.0
    worker_max_claims: int = Field(default=5, ge=1)  # then the job fails: job_attempts_exhausted
    outbox_max_attempts: int = Field(default=12, ge=1)  # deletions and webhooks, then `failed`
    worker_poll_seconds: float = 1.0
    worker_metrics_port: int | None = None
    # How far apart status requests start (then further apart; see the README)
    twelvelabs_poll_seconds: float = Field(default=1.0, gt=0)
    interhuman_poll_seconds: float = Field(default=1.0, gt=0)
    orphan_grace_seconds: float = 3600.0

    # Storage: recordings and results. STORAGE_URL unset or file:// -> the DATA_DIR folder;
    # s3://bucket/optional/prefix -> an S3-compatible bucket (S3_ENDPOINT_URL for MinIO etc.).
    # Unset AWS_* credentials fall back to boto3's usual chain (profile, instance or task role).
    storage_url: str | None = None
    s3_endpoint_url: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: SecretStr | None = None
    aws_session_token: SecretStr | None = None  # with temporary (STS) credentials
    aws_region: str = "us-east-1"
    s3_part_size: int = Field(default=8 * 1024**2, ge=5 * 1024**2, le=5 * GIB)
    s3_create_bucket: bool = False

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object, info: object) -> object:
        # `OPENAI_API_KEY=` in a .env file means "not configured", never an empty key.
        if isinstance(value, str) and value.strip() == "":
            field = cls.model_fields[info.field_name]  # type: ignore[attr-defined]
            return field.default
        return value

    @model_validator(mode="after")
    def _question_api_on_its_port(self) -> Self:
        if not self.question_api_url:
            self.question_api_url = f"http://127.0.0.1:{self.question_api_port}"
        return self

    @property
    def transcription_key(self) -> SecretStr | None:
        """TRANSCRIPTION_API_KEY, else the OpenAI key."""
        return self.transcription_api_key or self.openai_api_key

    @property
    def transcription_url(self) -> str | None:
        """TRANSCRIPTION_BASE_URL, else the OpenAI base URL (None: OpenAI itself)."""
        return self.transcription_base_url or self.openai_base_url

    @property
    def service_key(self) -> str | None:
        return self.service_api_key.get_secret_value() if self.service_api_key else None

    @property
    def api_key_list(self) -> list[str]:
        return [key.strip() for key in self.api_keys.split(",") if key.strip()]

    def database_url_for(self, service: str) -> str:
        """`DATABASE_URL` when set, else the service's own SQLite file under `DATA_DIR`. The key
        store (`keys`) both services share can have its own `KEYS_DATABASE_URL`; the audit
        trail they share (`audit`) lives in the key store's database."""
        if service == "audit":
            service = "keys"
        if service == "keys" and self.keys_database_url:
            return self.keys_database_url
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{service}.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
