"""``check_sheet_isolated``: the check in a child process, as the Slack bot runs it, so that a reader that aborts
(native code) or runs out of memory never takes the host down."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import charge_sheets.isolated as isolated
from derm_core.ruleset import default_ruleset
from derm_core.sheets.workbook import SheetError

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "sheets" / "corpus"


@pytest.mark.slow
def test_the_child_checks_the_sheet_and_reports_progress(tmp_path):
    seen: list[tuple[int, int]] = []
    out = tmp_path / "checked.xlsx"
    summary = isolated.check_sheet_isolated(
        CORPUS / "03_crystal_charge_detail.xlsx", out, default_ruleset(), progress=lambda d, t: seen.append((d, t))
    )
    assert out.exists() and summary.claims == 20 and summary.row_kinds["subtotal"] == 3
    assert seen and seen[-1][0] == seen[-1][1]


@pytest.mark.slow
def test_a_file_the_checker_refuses_is_a_sheet_error(tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_bytes(b"%PDF-1.7 not a workbook")
    with pytest.raises(SheetError, match=r"notes\.xlsx: not an Excel workbook"):
        isolated.check_sheet_isolated(bad, tmp_path / "out.xlsx", default_ruleset())


@pytest.mark.slow
def test_a_child_that_aborts_is_a_sheet_error_and_the_host_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(isolated, "CHILD", [sys.executable, "-c", "import os; os.abort()"])
    (tmp_path / ".out.999.tmp.xlsx").write_bytes(b"half written")
    with pytest.raises(SheetError, match="could not be read"):
        isolated.check_sheet_isolated(CORPUS / "01_ema_charge_export.xlsx", tmp_path / "out.xlsx", default_ruleset())
    assert not (tmp_path / "out.xlsx").exists() and not list(tmp_path.glob(".out.*"))
