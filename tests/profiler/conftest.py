"""Profiler test fixtures: a migrated database in the test's data folder."""

from __future__ import annotations

import pytest

from app.config import database_url, resolve_paths
from app.db.database import open_database
from app.profiler.store import ProfilerStore


@pytest.fixture
def database():
    db = open_database(database_url(resolve_paths().ensure()))
    yield db
    db.dispose()


@pytest.fixture
def store(database):
    return ProfilerStore(database)
