"""Fixtures of the analysis tests."""

from collections.abc import AsyncIterator

import pytest

from analysis.models import metadata
from shared.db import Database
from shared.settings import Settings


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    """The interview API's database (which holds the pipeline's tables), on SQLite."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url_for("interview_api"))
    await database.create_all(metadata)
    yield database
    await database.dispose()
