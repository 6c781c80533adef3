"""The store suite runs twice: on an SQLite file and on a real PostgreSQL server (``DERM_TEST_PG_URL``, which
``.ci/run`` starts). In CI (``CI=true``) a missing PostgreSQL fails the run instead of skipping."""

from __future__ import annotations

import itertools
import os

import pytest

from derm_core import live
from derm_core.store import normalise_url, open_store

PG_ENV = "DERM_TEST_PG_URL"
_names = itertools.count()


def pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_ENV} is not set: in CI the store tests must run on PostgreSQL (.ci/run starts one)")
        pytest.skip(f"{PG_ENV} is not set (.ci/run starts a PostgreSQL server and sets it)")
    return normalise_url(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty store URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rules.db'}"
        live.reset()
        return
    import sqlalchemy as sa

    base = pg_base_url()
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"derm_test_{os.getpid()}_{next(_names)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    live.reset()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    yield s
    s.close()
