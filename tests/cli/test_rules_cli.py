"""The admin's commands (contracts section 6): the rules workbook round trip, refusals with sheet/row/column,
history, diff, rollback, snapshot, overrides and `derm data load`; and `derm check` reading the store."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from storekit import rvu_zip, write_cms_files
from typer.testing import CliRunner

from derm_cli.main import app
from derm_core import live
from derm_core.rulebook import export_workbook, read_workbook
from derm_core.ruleset import default_ruleset

runner = CliRunner()
PA_CLAIM = {"claim_id": "PA-1", "payer": {"type": "commercial", "name": "Acme Health"}, "date_of_service": "2026-03-02",
            "diagnoses": ["L40.0"], "lines": [{"code": "96920", "facts": {"area_sq_cm": 200}}]}  # fmt: skip


def run(*args: str):
    return runner.invoke(app, list(args))


def add_pa_row(path: Path, payer: str, code: str, note: str) -> None:
    book = load_workbook(path)
    book["Prior Authorization"].append([payer, None, code, note])
    book.save(path)


def test_the_workbook_has_instructions_first_and_one_sheet_per_table_with_drop_downs(tmp_path):
    path = tmp_path / "rules.xlsx"
    export_workbook(default_ruleset(), path, base=4, rule_ids=["DRM050", "DRM950"])
    book = load_workbook(path)
    assert book.sheetnames[:7] == [
        "Instructions",
        "Prior Authorization",
        "Payer Policies",
        "Unit Limits",
        "Cosmetic",
        "Rule Overrides",
        "FAQ",
    ]
    assert book["Lists"].sheet_state == "hidden"
    pa = book["Prior Authorization"]
    assert [c.value for c in pa[1]][:4] == ["Payer", "Payer Type", "Code", "Note"]
    assert pa.freeze_panes == "A2"
    formulas = {dv.formula1 for dv in pa.data_validations.dataValidation}
    assert any("Lists" in (f or "") for f in formulas)
    overrides = {dv.formula1 for dv in book["Rule Overrides"].data_validations.dataValidation}
    assert len(overrides) >= 3  # payer type, enabled, severity, rule
    assert read_workbook(path).base == 4


def test_export_then_import_unchanged_is_no_changes(db):
    path = db / "rules.xlsx"
    assert run("rules", "export", str(path)).exit_code == 0
    result = run("rules", "import", str(path), "--author", "Ann", "--reason", "nothing")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "no changes"
    assert json.loads(run("rules", "history", "--format", "json").stdout)[0]["version"] == 1


def test_import_prints_the_diff_dry_run_publishes_nothing_then_publishes_and_check_uses_it(db):
    claims = db / "claim.json"
    claims.write_text(json.dumps(PA_CLAIM))
    before = json.loads(run("check", str(claims), "--format", "json").stdout)
    assert not any(f["rule"] == "DRM950" for f in before["claims"][0]["findings"])

    path = db / "rules.xlsx"
    run("rules", "export", str(path))
    add_pa_row(path, "Acme Health", "96920-96922", "Excimer laser: PA from 2026")
    dry = run("rules", "import", str(path), "--author", "Ann", "--reason", "Acme memo", "--dry-run")
    assert dry.exit_code == 0 and "+ Prior Authorization: Payer=Acme Health, Code=96920-96922" in dry.stdout
    assert "Nothing was published" in dry.stdout
    assert len(json.loads(run("rules", "history", "--format", "json").stdout)) == 1

    done = run("rules", "import", str(path), "--author", "Ann", "--reason", "Acme memo")
    assert done.exit_code == 0 and "Published version 2." in done.stdout
    live.reset()
    after = json.loads(run("check", str(claims), "--format", "json").stdout)
    assert after["ruleset"]["version"] == "2"
    pa = next(f for f in after["claims"][0]["findings"] if f["rule"] == "DRM950")
    assert pa["category"] == "prior_auth"

    history = json.loads(run("rules", "history", "--format", "json").stdout)
    newest = history[0]
    assert (newest["version"], newest["author"], newest["reason"], newest["changes"]) == (2, "Ann", "Acme memo", 1)
    assert "Acme Health" in run("rules", "diff", "1", "2").stdout

    stale = run("rules", "import", str(path), "--author", "Bob", "--reason", "old copy")  # exported from version 1
    assert stale.exit_code == 2 and "version 2 is current" in stale.stderr


def test_an_invalid_workbook_is_refused_whole_naming_sheet_row_and_column(db):
    path = db / "rules.xlsx"
    run("rules", "export", str(path))
    book = load_workbook(path)
    book["Prior Authorization"].append(["Acme Health", "commercial", "96920-9692", "bad range"])
    bad_row = book["Prior Authorization"].max_row
    limits = book["Unit Limits"]
    limits.append(["*", None, "17000", "lots"])
    limits.cell(row=1, column=9, value="Comments")
    book["Rule Overrides"].append(["*", None, "DRM999", "no"])
    book["Payer Policies"].append(["Acme Health", "commercial", "17380", "sometimes", None, "msg", "warning"])
    book.save(path)

    result = run("rules", "import", str(path), "--author", "Ann", "--reason", "several edits")
    assert result.exit_code == 2
    err = result.stderr
    assert f"Prior Authorization, row {bad_row}, column Code:" in err
    assert "Unit Limits, row 1, column Comments: unknown column" in err
    live.reset()
    assert json.loads(run("rules", "history", "--format", "json").stdout)[0]["version"] == 1  # nothing changed
    audit = json.loads(run("rules", "audit", "--format", "json").stdout)
    assert audit[0]["allowed"] is False and audit[0]["actor"] == "Ann"

    limits.delete_cols(9)
    book.save(path)
    result = run("rules", "import", str(path), "--author", "Ann", "--reason", "several edits")
    err = result.stderr
    assert result.exit_code == 2
    for where in (
        f"Prior Authorization, row {bad_row}, column Code:",
        f"Unit Limits, row {limits.max_row}, column Max Units:",
        f"Payer Policies, row {book['Payer Policies'].max_row}, column Kind:",
    ):
        assert where in err, err
    assert "nothing was published" in err


def test_not_a_workbook_is_refused(db):
    path = db / "rules.xlsx"
    path.write_text("not a workbook")
    result = run("rules", "import", str(path), "--author", "Ann", "--reason", "x")
    assert result.exit_code == 2 and "cannot be read as an Excel workbook" in result.stderr


def test_rollback_snapshot_and_check_with_rules_file(db):
    path = db / "rules.xlsx"
    run("rules", "export", str(path))
    add_pa_row(path, "Acme Health", "96920", "")
    run("rules", "import", str(path), "--author", "Ann", "--reason", "add")
    rolled = run("rules", "rollback", "1", "--author", "Bob")
    assert rolled.exit_code == 0 and "Published version 3" in rolled.stdout and "- Prior Authorization" in rolled.stdout
    live.reset()
    snap = db / "current.json"
    assert run("rules", "snapshot", "-o", str(snap)).exit_code == 0
    assert json.loads(snap.read_text())["version"] == "3"

    claims = db / "claim.json"
    claims.write_text(json.dumps(PA_CLAIM))
    doc = json.loads(run("check", str(claims), "--rules", str(snap), "--format", "json").stdout)
    assert doc["ruleset"]["version"] == "3"


def test_a_corrupt_rules_file_falls_back_with_a_warning(db):
    bad = db / "broken.json"
    bad.write_text("{ not json")
    claims = db / "claim.json"
    claims.write_text(json.dumps(PA_CLAIM))
    result = run("check", str(claims), "--rules", str(bad), "--format", "json")
    assert result.exit_code in (0, 1)
    assert "warning" in result.stderr and "broken.json cannot be used" in result.stderr
    assert json.loads(result.stdout)["ruleset"]["version"] == "1"  # the store's current version


def test_overrides_recorded_and_counted(db):
    assert (
        run(
            "rules", "override", "DRM050", "--claim", "C-1", "--line", "0", "--reason", "Two sites, documented", "--author", "bea"
        ).exit_code
        == 0
    )
    run("rules", "override", "DRM050", "--claim", "C-2", "--reason", "Same", "--author", "bea")
    counts = json.loads(run("rules", "overrides", "--format", "json").stdout)
    assert counts == [{"rule": "DRM050", "overrides": 2}]
    assert run("rules", "override", "DRM999", "--claim", "C-3", "--reason", "x").exit_code == 2


def test_data_load_reports_checksums_counts_and_dates(db):
    folder = write_cms_files(db / "cms")
    result = run("data", "load", str(folder), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    ptp = rows["ccipra-v320r0-f1.txt"]
    assert (ptp["loaded"], ptp["rejected"], ptp["min_effective"], ptp["max_deletion"]) == (3, 1, "2019-01-01", "2025-01-01")
    assert len(ptp["sha256"]) == 64
    status = json.loads(run("data", "status", "--format", "json").stdout)
    assert {(f["kind"], f["quarter"]) for f in status} == {("ptp", "2026Q1"), ("mue", "2026Q1")}
    empty = db / "empty"
    empty.mkdir()
    assert run("data", "load", str(empty)).exit_code == 2


def test_data_load_takes_the_fee_schedule_table_and_status_lists_its_year(db):
    folder = db / "rvu"
    folder.mkdir()
    rvu_zip(folder / "RVU26A.zip")
    result = run("data", "load", str(folder), "--format", "json")
    assert result.exit_code == 0, result.output
    loaded = [r for r in json.loads(result.stdout) if r["status"] == "loaded"]
    assert [(r["kind"], r["quarter"], r["loaded"]) for r in loaded] == [("pfs", "2026", 2)]
    status = json.loads(run("data", "status", "--format", "json").stdout)
    assert [(f["kind"], f["year"], f["rows_loaded"]) for f in status] == [("pfs", 2026, 2)]
    assert "2026" in run("data", "status").stdout
