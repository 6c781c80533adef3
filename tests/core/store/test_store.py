"""The rules store, on SQLite and on PostgreSQL: versions, publishing, refusals, concurrency, faults, audit,
overrides and NCCI data."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from storekit import with_pa, write_cms_files

from derm_core.admin import Rejected, default_raw
from derm_core.engine import check_claim, data_versions
from derm_core.live import CurrentRuleset
from derm_core.models import Claim
from derm_core.ruleset import UnitLimitRow, default_ruleset
from derm_core.store import open_store
from derm_core.store.core import HEAD_REVISION, Conflict
from derm_core.store.ncci_db import load_dir, loaded_files

HERE = Path(__file__).parent


def test_a_new_store_starts_at_the_shipped_ruleset(store):
    first = store.current()
    assert first.number == 1 and first.author == "derm"
    assert first.ruleset.prior_authorization == default_ruleset().prior_authorization
    assert first.ruleset.version == "1"
    assert store.history()[0].number == 1


def test_migrations_head_matches_the_code():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import derm_core.store.core as core

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(core.__file__).with_name("migrations")))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION


def test_publish_makes_a_new_immutable_version_with_diff_author_reason(store):
    base = store.current()
    start = time.perf_counter()
    done = store.publish(with_pa(base.ruleset, "Acme Health", "96920-96922", "Excimer needs PA"), author="ann", reason="Acme memo", base=1)
    elapsed = time.perf_counter() - start
    assert done.version is not None and done.version.number == 2
    assert [str(c) for c in done.changes] == ["+ Prior Authorization: Payer=Acme Health, Code=96920-96922, Note=Excimer needs PA"]
    v2 = store.get(2)
    assert (v2.author, v2.reason, v2.parent) == ("ann", "Acme memo", 1)
    assert v2.ruleset.version == "2" and v2.created_at.tzinfo is not None
    assert store.get(1).ruleset.prior_authorization == base.ruleset.prior_authorization  # the old version is untouched
    assert store.audit_log(1)[0].action == "publish" and store.audit_log(1)[0].allowed
    assert elapsed < 5, f"publish took {elapsed:.2f} s"
    print(f"publish (validate + rule cases + commit): {elapsed * 1000:.0f} ms on {store.dialect}")


def test_an_invalid_candidate_is_refused_with_every_problem_and_nothing_changes(store):
    store.current()
    raw = default_raw()
    raw["prior_authorization"].append({"payer": "Acme", "code": "96920-9692"})
    raw["unit_limits"].append({"code": "17000", "max_units": -1})
    raw["rule_overrides"].append({"rule": "DRM999", "enabled": False})
    with pytest.raises(Rejected) as refused:
        store.publish(raw, author="ann", reason="bad")
    where = {(p.table, p.row, p.column) for p in refused.value.problems}
    assert ("Prior Authorization", len(raw["prior_authorization"]) + 1, "Code") in where
    assert ("Unit Limits", 2, "Max Units") in where
    assert store.head() == 1
    entry = store.audit_log(1)[0]
    assert not entry.allowed and entry.actor == "ann" and entry.detail["refused"]


def test_a_candidate_that_breaks_a_rules_own_cases_is_refused(store):
    current = store.current().ruleset
    broken = current.model_copy(update={"unit_limits": [UnitLimitRow(code="17000-17004", max_units=0)]})
    with pytest.raises(Rejected) as refused:
        store.publish(broken, author="ann", reason="zero units")
    assert any(p.table == "Rule cases" and "DRM050" in p.why for p in refused.value.problems)
    assert store.head() == 1


def test_rule_overrides_are_not_run_against_the_cases(store):
    raw = default_raw()
    raw["rule_overrides"].append({"rule": "DRM950", "enabled": False})  # would break DRM950's own fail cases
    assert store.publish(raw, author="ann", reason="PA checks off while the list is reviewed").version is not None


def test_no_changes_publishes_nothing(store):
    current = store.current()
    done = store.publish(current.ruleset, author="ann", reason="same")
    assert done.version is None and done.changes == [] and store.head() == 1


def test_a_stale_base_is_a_clean_conflict(store):
    v1 = store.current().ruleset
    store.publish(with_pa(v1, "A", "96920"), author="ann", reason="first", base=1)
    with pytest.raises(Conflict):
        store.publish(with_pa(v1, "B", "96921"), author="bob", reason="second", base=1)
    assert store.head() == 2 and not store.audit_log(1)[0].allowed


def test_rollback_is_a_new_version(store):
    v1 = store.current().ruleset
    store.publish(with_pa(v1, "A", "96920"), author="ann", reason="add")
    done = store.rollback(1, author="bob")
    assert done.version is not None and done.version.number == 3
    assert store.get(3).ruleset.prior_authorization == v1.prior_authorization
    assert store.get(3).reason == "Rollback to version 1" and store.audit_log(1)[0].action == "rollback"


def test_two_publishers_at_once_give_consecutive_versions_never_a_mixed_ruleset(db_url):
    open_store(db_url).current()
    stores = [open_store(db_url) for _ in range(2)]
    v1 = stores[0].current().ruleset
    candidates = [with_pa(v1, "Payer A", "96920"), with_pa(v1, "Payer B", "96921")]
    for s, c in zip(stores, candidates, strict=True):
        s.publish(c, author="warm", reason="warm", dry_run=True)
    gate = threading.Barrier(2)
    results: list[object] = [None, None]

    def publish(i: int) -> None:
        gate.wait()
        results[i] = stores[i].publish(candidates[i], author=f"admin{i}", reason="race")

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert stores[0].head() == 3
    versions = {stores[0].get(n).author: stores[0].get(n) for n in (2, 3)}
    assert set(versions) == {"admin0", "admin1"}
    for i, c in enumerate(candidates):
        assert versions[f"admin{i}"].ruleset.prior_authorization == c.prior_authorization  # whole, never mixed
    for s in stores:
        s.close()


def _publisher(db_url: str, payer: str, base: str, go: Path, pause: float | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(HERE / "publisher.py"), db_url, payer, base, str(go), *([str(pause)] if pause else [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_processes_from_the_same_version_one_wins_one_is_refused(db_url, tmp_path):
    store = open_store(db_url)
    store.current()
    go = tmp_path / "go"
    procs = [_publisher(db_url, name, "1", go) for name in ("Payer A", "Payer B")]
    time.sleep(1.5)  # both are up and waiting
    go.touch()
    outcomes = [json.loads(p.communicate(timeout=60)[0].strip().splitlines()[-1]) for p in procs]
    assert sorted(next(iter(o)) for o in outcomes) == ["conflict", "published"]
    assert store.head() == 2
    store.close()


@pytest.mark.slow
def test_a_publisher_killed_inside_its_transaction_leaves_the_previous_version_current(db_url, tmp_path):
    store = open_store(db_url)
    store.current()
    go = tmp_path / "go"
    go.touch()
    proc = _publisher(db_url, "Killed Payer", "none", go, pause=60)
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    while "inside the transaction" not in proc.stderr.readline():
        assert time.monotonic() < deadline and proc.poll() is None, "the publisher never reached its transaction"
    proc.kill()
    proc.wait(10)
    assert store.head() == 1
    assert all(r.payer != "Killed Payer" for r in store.current().ruleset.prior_authorization)
    done = store.publish(with_pa(store.current().ruleset, "Next Payer", "96920"), author="ann", reason="after the crash")
    assert done.version is not None and done.version.number == 2  # consecutive: no gap, no half-written version
    store.close()


def test_overrides_are_kept_with_who_when_why_and_counted_per_rule(store):
    for claim in ("C1", "C2"):
        store.add_override(user="bea", reason="Separate lesion, documented", rule="drm050", claim_ref=claim, line=1, ruleset_version="1")
    store.add_override(user="cal", reason="Payer confirmed by phone", rule="DRM950", claim_ref="C3")
    assert store.override_counts() == [("DRM050", 2), ("DRM950", 1)]
    rows = store.overrides("DRM950")
    assert rows[0]["user"] == "cal" and rows[0]["claim_ref"] == "C3" and rows[0]["at"].tzinfo is not None
    with pytest.raises(Rejected):
        store.add_override(user="bea", reason="", rule="DRM999", claim_ref="C4")
    assert store.audit_log(1)[0].action == "override"


def _claim(dos: str, *lines: dict) -> Claim:
    return Claim.model_validate(
        {"payer": {"type": "medicare"}, "date_of_service": dos, "diagnoses": ["L57.0", "D48.5", "L91.0"], "lines": list(lines)}
    )


BIOPSY = {"code": "11102", "dx": ["D48.5"], "facts": {"biopsy_method": "tangential"}}
AK = {"code": "17000", "dx": ["L57.0"], "facts": {"lesion_count": 1, "pathology": "premalignant"}}


def test_ncci_files_load_with_checksums_counts_and_dates_and_the_checks_use_them_by_date(store, tmp_path):
    folder = write_cms_files(tmp_path / "cms")
    results = {r.name: r for r in load_dir(store, folder, loaded_by="ann")}
    ptp = results["ccipra-v320r0-f1.txt"]
    assert (ptp.kind, ptp.quarter, ptp.loaded, ptp.rejected, ptp.status) == ("ptp", "2026Q1", 3, 1, "loaded")
    assert ptp.min_effective == date(2019, 1, 1) and ptp.max_deletion == date(2025, 1, 1) and ptp.deleted_rows == 1
    assert len(ptp.sha256 or "") == 64 and "line 7" in ptp.rejected_examples[0]
    mue = next(r for r in results.values() if r.kind == "mue")
    assert (mue.quarter, mue.loaded, mue.rejected) == ("2026Q1", 3, 1)
    assert not any("ccioph" in name for name in results)  # hospital files are not for practitioners
    assert {f["quarter"] for f in loaded_files(store)} == {"2026Q1"}

    ruleset = store.ruleset()
    assert data_versions(ruleset)["ncci"] == "2026Q1"
    report = check_claim(_claim("2026-03-02", BIOPSY, AK), ruleset)
    pair = next(f for f in report.findings if f.rule == "DRM070")
    assert pair.source == "NCCI PTP 2026Q1" and pair.lines == [0, 1] and pair.category == "bundling"
    assert all(u.check != "NCCI" for u in report.unchecked)
    units = check_claim(_claim("2026-03-02", {"code": "J3301", "units": 12, "dx": ["L91.0"], "facts": {"drug_mg": 120}}), ruleset)
    assert next(f for f in units.findings if f.rule == "DRM071").source == "NCCI MUE 2026Q1, MAI 3"

    later = check_claim(_claim("2026-05-04", BIOPSY, AK), ruleset)
    assert not any(f.rule == "DRM070" for f in later.findings)
    assert any(u.check == "DRM070" and "2026-05-04" in u.reason for u in later.unchecked)  # never a silent pass

    again = load_dir(store, folder)
    assert {r.status for r in again if r.kind} == {"unchanged"}


def test_without_ncci_files_the_report_says_ncci_was_not_checked(store):
    report = check_claim(_claim("2026-03-02", BIOPSY, AK), store.ruleset())
    assert any(u.check == "NCCI" for u in report.unchecked)
    assert not any(f.rule == "DRM070" for f in report.findings)


def test_a_changed_file_replaces_the_quarter_and_front_ends_notice(store, tmp_path):
    folder = write_cms_files(tmp_path / "cms")
    current = CurrentRuleset(db_url=store.url, interval=0)
    assert current.get()._ncci is None
    load_dir(store, folder)
    assert current.get()._ncci is not None
    text = (folder / "ccipra-v320r0-f1.txt").read_text(encoding="latin-1").replace("\t1\tMisuse", "\t0\tMisuse")
    (folder / "ccipra-v320r0-f1.txt").write_text(text, encoding="latin-1")
    assert {r.status for r in load_dir(store, folder) if r.kind == "ptp"} == {"replaced"}
    assert len([f for f in loaded_files(store) if f["kind"] == "ptp"]) == 1
    ruleset = current.get()
    edit = ruleset._ncci.pairs(["11102", "17000"], date(2026, 3, 2))
    assert [e.modifier for e in edit] == [0]


@pytest.mark.slow
def test_front_ends_see_a_new_version_within_seconds_without_restart(db_url):
    writer = open_store(db_url)
    writer.current()
    current = CurrentRuleset(db_url=db_url, interval=1.0)
    assert current.get().version == "1"
    writer.publish(with_pa(writer.current().ruleset, "Acme", "96920"), author="ann", reason="new PA")
    published = time.monotonic()
    while current.get().version != "2":
        assert time.monotonic() - published < 10, "not seen within 10 seconds"
        time.sleep(0.05)
    latency = time.monotonic() - published
    print(f"new version seen after {latency * 1000:.0f} ms (poll interval 1 s) on {writer.dialect}")
    start = time.perf_counter()
    for _ in range(200):
        current.refresh()
    print(f"version check: {(time.perf_counter() - start) / 200 * 1000:.2f} ms")
    writer.close()
