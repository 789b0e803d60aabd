"""Fixtures every test area shares: isolated settings and a retry policy that never sleeps."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.http import RetryPolicy
from shared.settings import Settings, get_settings

_PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "TWELVELABS_API_KEY",
    "INTERHUMAN_API_KEY",
    "INTERHUMAN_KEY_ID",
    "INTERHUMAN_KEY_SECRET",
    "API_KEYS",
    "ANALYSIS_WEBHOOK_URL",
    "DATA_DIR",
)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees a developer's real keys or `.env`, and each gets its own DATA_DIR."""
    for name in _PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, log_format="text")  # type: ignore[call-arg]


class RecordedSleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> RecordedSleeps:
    """The waits a retry policy asked for, without waiting."""
    return RecordedSleeps()


@pytest.fixture
def fast_policy(sleeps: RecordedSleeps) -> RetryPolicy:
    return RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8.0, deadline=60.0, sleep=sleeps)
