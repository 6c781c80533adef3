"""The store suite runs twice: on an SQLite file and on a real PostgreSQL server (``DERM_TEST_PG_URL``, which
``.ci/run`` starts). In CI (``CI=true``) a missing PostgreSQL fails the run instead of skipping."""

from __future__ import annotations

import itertools
import os

import pytest
from storekit import pg_base_url, pg_database

from derm_core import live
from derm_core.store import open_store

_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty store URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rules.db'}"
        live.reset()
        return
    with pg_database(pg_base_url("the store tests"), f"derm_test_{os.getpid()}_{next(_names)}") as url:
        yield url


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    yield s
    s.close()
