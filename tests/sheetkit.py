"""Helpers for the charge-sheet tests: build workbooks from tests/fixtures/sheets/*.yaml, read checked ones back."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import python_calamine as pc
import yaml
from testpaths import FIXTURES

SHEETS = FIXTURES / "sheets"


def load_spec(name: str) -> dict[str, Any]:
    return yaml.safe_load((SHEETS / name).read_text(encoding="utf-8"))


def build_workbook(spec: dict[str, Any], path: Path) -> Path:
    """A workbook as a biller would leave it: banners, merged cells, hidden rows, text dates, formulas."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in spec["sheets"]:
        ws = wb.create_sheet(sheet["name"])
        text = set(sheet.get("text", []))
        for r, row in enumerate(sheet["rows"], 1):
            for c, value in enumerate(row, 1):
                if value is None:
                    continue
                cell = ws.cell(r, c)
                cell.value = value
                if isinstance(value, date):
                    cell.number_format = "mm/dd/yyyy"
                if cell.coordinate in text or (isinstance(value, str) and value.startswith("=")):
                    cell.data_type = "s"  # typed text, never a formula
        for coordinate, formula in (sheet.get("formulas") or {}).items():
            ws[coordinate] = formula
        for cells in sheet.get("merged", []):
            ws.merge_cells(cells)
        for r in sheet.get("hidden_rows", []):
            ws.row_dimensions[r].hidden = True
        ws.column_dimensions["B"].width = 14  # a width the user chose: kept
    wb.save(path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_columns(header: list[Any]) -> tuple[int, int, int]:
    return header.index("Check Status"), header.index("Check Findings"), header.index("Check Fix")


def read_openpyxl(path: Path, sheet: str, header_row: int) -> dict[int, tuple[Any, Any, Any]]:
    """1-based row -> (status, findings, fix), read with openpyxl."""
    ws = openpyxl.load_workbook(path)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    s, f, x = check_columns(list(rows[header_row - 1]))
    return {i: (row[s], row[f], row[x]) for i, row in enumerate(rows, 1) if i > header_row}


def read_calamine(path: Path, sheet: str, header_row: int) -> dict[int, tuple[Any, Any, Any]]:
    """The same, read with python-calamine (empty cells come back as '')."""
    rows = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    s, f, x = check_columns(list(rows[header_row - 1]))
    return {i: (row[s] or None, row[f] or None, row[x] or None) for i, row in enumerate(rows, 1) if i > header_row}


def cell(path: Path, sheet: str, coordinate: str) -> Any:
    return openpyxl.load_workbook(path)[sheet][coordinate]
