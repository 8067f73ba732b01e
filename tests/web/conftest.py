"""Fixtures for the web tests: the fictional sample store (see web_sample.py), apps and clients over it."""

from __future__ import annotations

import pytest
from web_sample import build_sample_store


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory):
    """Path of a closed DuckDB file holding the fictional sample."""
    from nadzor.store import Store

    path = tmp_path_factory.mktemp("web") / "sample.duckdb"
    with Store.open(path) as s:
        build_sample_store(s)
    return path


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory):
    """Path of a migrated store with no rows at all."""
    from nadzor.store import Store

    path = tmp_path_factory.mktemp("web-empty") / "empty.duckdb"
    Store.open(path).close()
    return path


@pytest.fixture(scope="session")
def reader(sample_db):
    from nadzor.store import Store
    from nadzor.web.queries import Reader

    s = Store.open(sample_db, read_only=True)
    yield Reader.from_store(s)
    s.close()


@pytest.fixture(scope="session")
def client(sample_db):
    from fastapi.testclient import TestClient

    from nadzor.web.app import create_app

    with TestClient(create_app(sample_db)) as c:
        yield c


@pytest.fixture(scope="session")
def empty_client(empty_db):
    from fastapi.testclient import TestClient

    from nadzor.web.app import create_app

    with TestClient(create_app(empty_db)) as c:
        yield c
