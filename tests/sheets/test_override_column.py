"""The Override Reason column: the biller accepts a finding with a reason; it stays visible but no longer counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from charge_sheets import check_sheet

HEADER = ["Claim ID", "DOS", "Payer Type", "CPT", "Mod 1", "Units", "Dx 1", "Override Reason"]


def sheet(tmp_path: Path, reason: str | None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["C1", date(2026, 3, 2), "medicare", "99213", None, 1, "L40.0", reason])
    ws.append(["C1", date(2026, 3, 2), "medicare", "11102", None, 1, "D48.5", None])
    path = tmp_path / "charges.xlsx"
    wb.save(path)
    return path


def rows(path: Path) -> list[dict]:
    ws = openpyxl.load_workbook(path)["Sheet"]
    values = list(ws.iter_rows(values_only=True))
    head = list(values[0])
    return [dict(zip(head, r, strict=False)) for r in values[1:]]


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_override_reason_is_honoured(tmp_path, mode):
    out = tmp_path / "out.xlsx"
    check_sheet(sheet(tmp_path, "E/M documented apart; payer accepts"), out, mode=mode)
    visit, biopsy = rows(out)
    assert visit["Check Status"] == "clean"
    assert biopsy["Check Status"] == "clean" and "DRM801 (overridden):" in biopsy["Check Findings"]  # one finding, overridden once
    assert "DRM801 (overridden):" in visit["Check Findings"]
    assert not visit["Check Fix"]


def test_without_a_reason_the_finding_counts(tmp_path):
    out = tmp_path / "out.xlsx"
    check_sheet(sheet(tmp_path, None), out)
    visit = rows(out)[0]
    assert visit["Check Status"] == "error" and visit["Check Findings"].startswith("DRM801:")
