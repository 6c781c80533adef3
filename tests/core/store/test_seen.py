"""Slack requests already handled: ``first_time`` records a key once, across store connections (another process, a
restart), and old keys are pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from derm_core.store import open_store
from derm_core.store.schema import slack_seen


def test_a_key_is_new_once_across_connections_and_old_keys_are_pruned(db_url):
    first, second = open_store(db_url), open_store(db_url)
    assert first.first_time("event:Ev1") is True
    assert first.first_time("event:Ev1") is False
    assert second.first_time("event:Ev1") is False, "another connection (a restarted bot) sees it too"
    assert second.first_time("event:Ev2") is True

    with first.writing() as conn:  # age the first key past what is kept
        conn.execute(update(slack_seen).where(slack_seen.c.key == "event:Ev1").values(at=datetime.now(UTC) - timedelta(days=30)))
    first.SEEN_PRUNE_EVERY = 1
    assert first.first_time("event:Ev3") is True
    with first.engine.connect() as conn:
        keys = set(conn.execute(select(slack_seen.c.key)).scalars())
        assert conn.execute(select(func.count()).select_from(slack_seen)).scalar() == 2
    assert keys == {"event:Ev2", "event:Ev3"}
    first.close()
    second.close()
