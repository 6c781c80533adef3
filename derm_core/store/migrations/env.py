"""Alembic environment. The store runs migrations itself (``RulesStore.migrate``) on a connection it
passes in ``config.attributes["connection"]``; ``alembic -x url=...`` also works for a hand-run upgrade."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from derm_core.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")


def _run(conn) -> None:
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=conn.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the store's URL: alembic -x url=sqlite:///rules.db upgrade head")
    with create_engine(url).begin() as conn:
        _run(conn)
