"""Overrides in reports: the stored overrides of a claim fill its findings' ``override`` (who, when, why) after
``check_claim`` (``derm_core.service``), overridden findings stop counting toward the status, and
``derm check`` shows them; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from derm_cli.main import app
from derm_core import live
from derm_core.engine import check_claim
from derm_core.ruleset import default_ruleset
from derm_core.service import apply_overrides as mark_overridden
from derm_core.service import stored_overrides
from derm_core.textclaim import parse_claim_text

CLAIM = "99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02"


def checked(claim_id: str | None = "A1001"):
    claim = parse_claim_text(CLAIM).claim.model_copy(update={"claim_id": claim_id})
    return claim, check_claim(claim, default_ruleset())


def apply_overrides(reports, claim_ids, url):
    """Each report with the overrides stored for its claim id (``service.check`` does this after checking)."""
    stored = stored_overrides(claim_ids, url=url)
    return [mark_overridden(r, stored.get(i, ())) if i else r for r, i in zip(reports, claim_ids, strict=True)]


def finding(report, rule):
    return next(f for f in report.findings if f.rule == rule)


def test_stored_overrides_fill_the_findings_and_leave_the_status_to_the_rest(store, db_url):
    claim, report = checked()
    assert report.status == "error"
    drm050, drm110 = finding(report, "DRM050"), finding(report, "DRM110")
    store.add_override(user="slack:U1", reason="Two sites, documented", rule="DRM050", claim_ref="A1001", line=drm050.lines[0])
    store.add_override(user="bea", reason="Another claim", rule="DRM110", claim_ref="A1002")
    [done] = apply_overrides([report], [claim.claim_id], url=db_url)
    o = finding(done, "DRM050").override
    assert o is not None and (o.user, o.reason) == ("slack:U1", "Two sites, documented") and o.day.startswith("20")
    assert finding(done, "DRM110").override is None, "another claim's override does not apply"
    assert done.status == "error", "DRM110 is still an error"
    assert report.findings[0].override is None, "the engine's report is not changed in place"

    store.add_override(user="cal", reason="Payer confirmed", rule="DRM110", claim_ref="A1001")  # no line: the whole claim
    [done] = apply_overrides([report], ["A1001"], url=db_url)
    remaining = {f.severity for f in done.findings if f.override is None}
    assert finding(done, "DRM110").override.user == "cal"
    assert done.status == ("warning" if "warning" in remaining else "clean")
    assert done.model_dump(mode="json")["findings"][0]["override"] is not None, "the report JSON carries it"
    assert drm110.lines


def test_an_override_for_another_line_does_not_apply(store, db_url):
    _claim, report = checked()
    lines = finding(report, "DRM050").lines
    store.add_override(user="bea", reason="Other line", rule="DRM050", claim_ref="A1001", line=max(lines) + 5)
    [done] = apply_overrides([report], ["A1001"], url=db_url)
    assert finding(done, "DRM050").override is None


def test_the_newest_override_wins_and_claims_without_an_id_are_left_alone(store, db_url):
    _claim, report = checked()
    store.add_override(user="old", reason="First reason", rule="DRM050", claim_ref="A1001")
    store.add_override(user="new", reason="Second reason", rule="DRM050", claim_ref="A1001")
    _, anonymous = checked(None)
    done, untouched = apply_overrides([report, anonymous], ["A1001", None], url=db_url)
    assert finding(done, "DRM050").override.user == "new"
    assert untouched == anonymous, "the engine's claim-1 is not an id to look up"


def test_the_claim_ref_index_exists(store):
    assert "ix_overrides_claim_ref" in {ix["name"] for ix in inspect(store.engine).get_indexes("overrides")}


def test_mark_overridden_is_pure():
    _, report = checked()
    assert mark_overridden(report, []) is report


def test_an_unreadable_store_leaves_the_report_as_it_is_with_a_warning(tmp_path, caplog):
    _, report = checked()
    bad = tmp_path / "not-a-db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with caplog.at_level(logging.WARNING, logger="derm_core.rules"):
        [done] = apply_overrides([report], ["A1001"], url=f"sqlite:///{bad}")
    live.reset()
    assert done == report
    assert "overrides not applied" in caplog.text


def test_derm_check_shows_the_overrides_of_its_claims(store, db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DERM_RULES_DB", db_url)
    claim, _report = checked()
    store.add_override(user="bea", reason="Two sites, documented", rule="DRM050", claim_ref="A1001")
    path = tmp_path / "claims.json"
    path.write_text(json.dumps([claim.model_dump(mode="json"), {**claim.model_dump(mode="json"), "claim_id": "A2"}]))
    try:
        result = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
        table = CliRunner().invoke(app, ["check", str(path)])
        text = CliRunner().invoke(app, ["check", "--text", f"claim A1001 {CLAIM}", "--format", "json"])
    finally:
        live.reset()
    doc = json.loads(result.stdout)
    first, second = doc["claims"]
    assert next(f for f in first["findings"] if f["rule"] == "DRM050")["override"]["reason"] == "Two sites, documented"
    assert all(f.get("override") is None for f in second["findings"])
    assert "Overridden by bea" in table.stdout
    pasted = json.loads(text.stdout)["claims"][0]
    assert pasted["claim_id"] == "A1001" and next(f for f in pasted["findings"] if f["rule"] == "DRM050")["override"]


@pytest.mark.parametrize(
    ("text", "claim_id"),
    [
        ("claim A1001 17000 L57.0", "A1001"),
        ("claim# 2026-0042 17000 L57.0", "2026-0042"),
        ("claim:A-77/3 17000 L57.0", "A-77/3"),
        ("17000 L57.0 medicare claim Q1", "Q1"),
        ("claim 17000 L57.0", None),  # a procedure code, not an id
        ("claim J3301 L57.0", None),
        ("claim L57.0 17000", None),  # a diagnosis
        ("check claim for 17000 L57.0", None),
    ],
)
def test_pasted_claims_name_their_id(text, claim_id):
    parsed = parse_claim_text(text)
    assert parsed.claim.claim_id == claim_id
    assert parsed.claim.lines and not parsed.not_understood
