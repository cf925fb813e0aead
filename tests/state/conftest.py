"""Store factories for the state tests: each test gets its own SQLite file or PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reconciler.state.factory import open_store
from reconciler.state.store import StateStore

Factory = Callable[[], StateStore]


def _closing_factory(location: str, workspace: Path) -> Iterator[Factory]:
    opened: list[StateStore] = []

    def make() -> StateStore:
        store = open_store(location, workspace=workspace)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def sqlite_location(tmp_path: Path) -> str:
    return str(tmp_path / ".tailor" / "state.db")


@pytest.fixture
def sqlite_factory(sqlite_location: str, tmp_path: Path) -> Iterator[Factory]:
    yield from _closing_factory(sqlite_location, tmp_path)


@pytest.fixture
def postgres_location(postgres_schema_dsn: str) -> str:
    return postgres_schema_dsn


@pytest.fixture
def postgres_factory(postgres_location: str, tmp_path: Path) -> Iterator[Factory]:
    yield from _closing_factory(postgres_location, tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_factory(request: pytest.FixtureRequest) -> Factory:
    """Both backends, for tests that must hold for each."""
    name = "sqlite_factory" if request.param == "sqlite" else "postgres_factory"
    factory: Factory = request.getfixturevalue(name)
    return factory
