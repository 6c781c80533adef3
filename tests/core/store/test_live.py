"""The current ruleset for front ends: a snapshot file or the store, the last good version when the source breaks."""

from __future__ import annotations

import json
import os

from storekit import with_pa

from derm_core.live import CurrentRuleset
from derm_core.ruleset import default_ruleset
from derm_core.store import open_store


def _snapshot(path, version: str, payer: str) -> None:
    ruleset = with_pa(default_ruleset(), payer, "96920").model_copy(update={"version": version})
    path.write_text(ruleset.model_dump_json())


def test_a_snapshot_file_is_reloaded_when_it_changes_and_kept_when_it_breaks(tmp_path):
    path = tmp_path / "rules.json"
    _snapshot(path, "7", "Acme")
    warnings: list[str] = []
    current = CurrentRuleset(path, db_url="none", interval=0, warn=warnings.append)
    assert current.get().version == "7"
    _snapshot(path, "8", "Beta")
    os.utime(path, ns=(1, 10**18))  # a new modification time even on coarse file systems
    assert current.get().version == "8"

    path.write_text('{"version": "9", "effective": "2026-01-01", "prior_authorization": [{"code": "96920-9"}]}')
    assert current.get().version == "8" and len(warnings) == 1
    assert "cannot be used" in warnings[0] and "last good ruleset, version 8" in warnings[0]
    current.get()
    assert len(warnings) == 1  # said once, not at every check

    path.unlink()
    assert current.get().version == "8" and "is missing" in warnings[-1]


def test_a_broken_file_on_first_load_falls_back_to_the_store_or_the_shipped_ruleset(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text("not json at all {")
    warnings: list[str] = []
    assert CurrentRuleset(path, db_url="none", warn=warnings.append).get().version == default_ruleset().version
    assert "using the shipped ruleset" in warnings[0]

    url = f"sqlite:///{tmp_path / 'rules.db'}"
    store = open_store(url)
    store.publish(with_pa(store.current().ruleset, "Acme", "96920"), author="ann", reason="x")
    assert CurrentRuleset(path, db_url=url, warn=warnings.append).get().version == "2"
    assert "the rules store's current version, version 2" in warnings[-1]
    store.close()


def test_a_store_that_cannot_be_reached_does_not_stop_checking(tmp_path):
    warnings: list[str] = []
    current = CurrentRuleset(db_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2", warn=warnings.append)
    assert current.get().version == default_ruleset().version
    assert "the rules store cannot be read" in warnings[0] and "shipped ruleset" in warnings[0]


def test_the_shipped_ruleset_when_no_store_exists():
    assert CurrentRuleset().get().version == default_ruleset().version  # the test data folder has no store


def test_snapshot_round_trips_through_the_service(tmp_path):
    from derm_core.service import ruleset as load_ruleset
    from derm_core.web import snapshot

    body, etag = snapshot(with_pa(default_ruleset(), "Acme", "96920"))
    path = tmp_path / "current.json"
    path.write_bytes(body)
    assert load_ruleset(path).prior_authorization[-1].payer == "Acme"
    assert json.loads(body)["ncci_quarter"] is None and etag.startswith('"2026.11.1-')
