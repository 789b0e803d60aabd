"""Fixtures of the analysis tests."""

from collections.abc import AsyncIterator

import pytest

import analysis.models  # noqa: F401 (registers the tables)
import interview_api.interviews.models  # noqa: F401 (the hooks read the interview's snapshot)
from shared.db import Database, tables_of
from shared.settings import Settings


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    """The interview API's database (which holds the pipeline's tables), on SQLite."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url_for("interview_api"))
    await database.create_all(tables_of("analysis", "interview_api"))
    yield database
    await database.dispose()
