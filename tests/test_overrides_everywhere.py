"""One claim, one stored override, four front ends: ``derm check``, the Slack bot, a charge sheet and the Excel
functions all mark the same finding overridden and give the claim the same status (``derm_core.service``)."""

from __future__ import annotations

import json
import shutil
from datetime import date

import openpyxl
import pytest
from typer.testing import CliRunner

from charge_sheets import check_sheet
from derm_cli.main import app
from derm_core import live
from derm_core.store import open_store
from excel_addin.functions import DERM_CHECK
from slack_bot.bot import DermBot

CLAIM = {
    "claim_id": "OV-1",
    "payer": {"type": "medicare"},
    "date_of_service": "2026-03-02",
    "diagnoses": ["L57.0"],
    "lines": [{"code": "99213"}, {"code": "17000", "facts": {"lesion_count": 1}}],
}
ROWS = [
    ["Claim ID", "DOS", "Payer Type", "CPT", "Units", "Dx 1", "Lesion Count"],
    ["OV-1", date(2026, 3, 2), "medicare", "99213", 1, "L57.0", None],
    ["OV-1", date(2026, 3, 2), "medicare", "17000", 1, "L57.0", 1],
]


@pytest.fixture
def overridden(tmp_path, monkeypatch):
    """A rules store holding one override of the missing-25 finding (DRM801) for claim OV-1."""
    url = f"sqlite:///{tmp_path / 'rules.db'}"
    monkeypatch.setenv("DERM_RULES_DB", url)
    live.reset()
    store = open_store(url)
    store.add_override(user="bea", reason="Visit documented apart from the procedure", rule="DRM801", claim_ref="OV-1")
    yield
    store.close()
    live.reset()


def test_the_same_override_applies_in_all_four_front_ends(overridden, tmp_path):
    # 1. derm check
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps([CLAIM]))
    result = CliRunner().invoke(app, ["check", str(claims), "--format", "json"])
    [report] = json.loads(result.stdout)["claims"]
    drm801 = next(f for f in report["findings"] if f["rule"] == "DRM801")
    assert drm801["override"]["user"] == "bea" and report["status"] == "clean" and result.exit_code == 0

    # 2. Slack: the pasted claim names its id
    reply = DermBot(sheet_checker=None).check("claim OV-1 99213 L57.0; 17000 L57.0; medicare 2026-03-02")
    text = json.dumps(reply.messages)
    assert "Overridden" in text and "DRM801" in text and ":white_check_mark:" in text

    # 3. a charge sheet
    wb = openpyxl.Workbook()
    for row in ROWS:
        wb.active.append(row)
    wb.save(tmp_path / "charges.xlsx")
    summary = check_sheet(tmp_path / "charges.xlsx", tmp_path / "checked.xlsx")
    assert summary.by_status == {"error": 0, "warning": 0, "clean": 1}
    ws = openpyxl.load_workbook(tmp_path / "checked.xlsx")["Sheet"]
    assert [ws.cell(r, 8).value for r in (2, 3)] == ["clean", "clean"] and "DRM801 (overridden)" in ws.cell(2, 9).value

    # 4. the Excel functions
    out = DERM_CHECK(ROWS)
    assert [out[1][0], out[2][0]] == ["clean", "clean"] and "DRM801 (overridden)" in out[1][1]


def test_without_the_override_the_finding_counts(tmp_path, monkeypatch):
    monkeypatch.setenv("DERM_RULES_DB", f"sqlite:///{tmp_path / 'empty.db'}")
    live.reset()
    try:
        out = DERM_CHECK(ROWS)
        assert [out[1][0], out[2][0]] == ["error", "error"]
        reply = DermBot(sheet_checker=None).check("claim OV-1 99213 L57.0; 17000 L57.0; medicare 2026-03-02")
        assert "Overridden" not in json.dumps(reply.messages)
    finally:
        live.reset()


@pytest.mark.slow
def test_the_same_override_applies_on_spark(overridden, tmp_path):
    """``derm check --spark``: the stored override goes to the executors with the ruleset; the finding is marked
    overridden, the claim is clean (exit 0), as in the four front ends above."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (openjdk-17-jre-headless)")
    import pyarrow as pa
    import pyarrow.parquet as pq

    from derm_core.spark.lines import flatten

    other = {**CLAIM, "claim_id": "OV-2"}  # the same claim under another id: no override, the finding counts
    pq.write_table(pa.Table.from_pylist(list(flatten([CLAIM, other]))), tmp_path / "lines.parquet")
    result = CliRunner().invoke(app, ["check", "--spark", "local[2]", str(tmp_path / "lines.parquet"), str(tmp_path / "out")])
    assert result.exit_code == 1, result.output  # OV-2 still has its error
    assert "1 overridden on 1 claims" in result.output
    rows = {(r["claim_id"], r["rule"]): r for r in pq.read_table(tmp_path / "out").to_pylist()}
    mine, theirs = rows[("OV-1", "DRM801")], rows[("OV-2", "DRM801")]
    assert mine["override"]["user"] == "bea" and mine["override"]["source"] == "store" and mine["status"] == "clean"
    assert theirs["override"] is None and theirs["status"] == "error"
