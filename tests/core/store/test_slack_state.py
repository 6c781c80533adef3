"""The Slack bot's state in the store, shared by every replica: uploads waiting for Publish or Cancel (taken once,
whoever asks first; expired after a day), and settings made in Slack."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from derm_core.store import open_store
from derm_core.store.schema import slack_pending


def test_an_upload_held_by_one_connection_is_taken_once_by_another(db_url):
    first, second = open_store(db_url), open_store(db_url)
    body = {"filename": "rules.xlsx", "read": {"raw": {"prior_authorization": [{"effective": date(2026, 3, 1)}]}}}
    first.hold_pending("tok1", body)
    seen = second.pending("tok1")
    assert seen is not None and seen["filename"] == "rules.xlsx"
    assert seen["read"]["raw"]["prior_authorization"][0]["effective"] == "2026-03-01", "dates kept as ISO text"
    assert first.pending("nope") is None

    assert second.take_pending("tok1") == seen
    assert first.take_pending("tok1") is None and second.take_pending("tok1") is None, "taken once"
    assert first.pending("tok1") is None
    assert first.pending("tok1", taken=True) == seen, "a taken upload can still be read (its review's ts)"
    assert second.update_pending("tok1", {**seen, "review_ts": "1700.1"})
    assert first.pending("tok1", taken=True)["review_ts"] == "1700.1"

    first.hold_pending("tok1", seen)  # put back (the publish could not run): waiting again
    assert second.take_pending("tok1") == seen
    assert not first.update_pending("never-held", {})
    first.close()
    second.close()


def test_of_many_clicks_at_once_exactly_one_takes_the_upload(db_url):
    stores = [open_store(db_url) for _ in range(4)]
    stores[0].hold_pending("race", {"n": 1})
    got: list[object] = []
    barrier = threading.Barrier(len(stores))

    def click(store) -> None:
        barrier.wait()
        got.append(store.take_pending("race"))

    threads = [threading.Thread(target=click, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(map(str, got)) == ["None", "None", "None", "{'n': 1}"]
    for s in stores:
        s.close()


def test_old_uploads_expire_and_at_most_pending_max_are_kept(db_url):
    store = open_store(db_url)
    store.hold_pending("old", {"n": 0}, created_at=datetime.now(UTC) - timedelta(hours=25))
    assert store.pending("old") is None and store.take_pending("old") is None, "older than a day: gone"
    store.PENDING_MAX = 3
    for n in range(5):
        store.hold_pending(f"t{n}", {"n": n}, created_at=datetime.now(UTC) - timedelta(minutes=10 - n))
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(slack_pending)).scalar() == 3
    assert [store.pending(f"t{n}") is not None for n in range(5)] == [False, False, True, True, True], "the oldest go first"
    store.close()


def test_settings_made_in_slack_are_shared_replaced_and_audited(db_url):
    first, second = open_store(db_url), open_store(db_url)
    assert first.slack_setting("denials_digest") is None
    first.set_slack_setting("denials_digest", {"channel": "C0DIGEST"}, set_by="slack:UADMIN1")
    stored = second.slack_setting("denials_digest")
    assert stored is not None and stored["value"] == {"channel": "C0DIGEST"} and stored["set_by"] == "slack:UADMIN1"
    assert stored["set_at"].tzinfo is not None
    second.set_slack_setting("denials_digest", {"channel": None}, set_by="slack:UADMIN2")
    assert first.slack_setting("denials_digest")["value"] == {"channel": None}
    entry = first.audit_log(1)[0]
    assert (entry.actor, entry.action, entry.detail) == ("slack:UADMIN2", "slack_setting", {"key": "denials_digest"})
    first.close()
    second.close()
