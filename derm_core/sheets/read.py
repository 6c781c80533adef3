"""Rows out of a workbook: every sheet's values (calamine, openpyxl read-only or the csv module), merged cells
filled, the header found and each charge row read. The rest of the code sees rows and claims, not cells."""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from derm_core.sheets.columns import HEADER_SCAN_ROWS, OWN_COLUMNS, ColumnMap, find_header, is_charge_sheet
from derm_core.sheets.rows import ChargeRow, RowReader
from derm_core.sheets.workbook import Source, open_workbook

SUMMARY_TITLE, FAQ_TITLE = "Charge sheet check", "Coding FAQ"  # the sheets we add (skipped when a checked copy is checked again)

# ----------------------------------------------------------------------------- reading rows

Rows = Iterator[list[Any]]


@dataclass
class SheetIn:
    name: str
    rows: Rows  # dense from row 0 (A1); values as calamine / openpyxl / csv give them
    hidden: bool = False
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def read_sheets(source: Source, engine: Literal["calamine", "openpyxl"]) -> Iterator[SheetIn]:
    if source.kind == "csv":
        yield SheetIn(sheet_title(source.path.stem), csv_rows(source.path))
        return
    if engine == "openpyxl":
        wb = open_workbook(source.path, read_only=True, data_only=True, keep_links=False)
        try:
            for ws in wb.worksheets:
                rows = (list(r) for r in ws.iter_rows(values_only=True))
                yield SheetIn(ws.title, rows, hidden=ws.sheet_state != "visible")
        finally:
            wb.close()
        return
    import python_calamine as pc

    with pc.CalamineWorkbook.from_path(str(source.path)) as wb:
        for meta in wb.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            yield SheetIn(meta.name, _calamine_rows(sheet), meta.visible != pc.SheetVisibleEnum.Visible, sheet.merged_cell_ranges or [])
            del sheet


def _calamine_rows(sheet: Any) -> Rows:
    r0, c0 = sheet.start or (0, 0)
    for _ in range(r0):
        yield []
    pad = [""] * c0
    for row in sheet.iter_rows():
        yield pad + row if c0 else row


def csv_rows(path: Path) -> Rows:
    raw = path.read_bytes()[:65536]
    encoding = "utf-8-sig"
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        encoding = "cp1252"
    try:
        dialect: Any = csv.Sniffer().sniff(raw.decode(encoding, "replace"), delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    with path.open(encoding=encoding, newline="") as fh:
        yield from csv.reader(fh, dialect)


def csv_value(value: str) -> Any:
    """A CSV field as Excel would type it: numbers that round-trip become numbers, everything else stays text."""
    if value[:1].isdigit() or value[:1] in "-.":
        with contextlib.suppress(ValueError):
            n = float(value)
            if repr(n) == value or (n.is_integer() and str(int(n)) == value):
                return int(n) if n.is_integer() else n
    return value


def _merged_filler(ranges: Sequence[tuple[tuple[int, int], tuple[int, int]]]) -> Callable[[int, list[Any]], list[Any]]:
    """Copy a merged range's value into each of its cells, so a merged Claim ID or header counts on every row."""
    by_row: dict[int, list[tuple[int, int, int]]] = {}
    for (r1, c1), (r2, c2) in ranges:
        if r2 - r1 <= 10_000:
            for r in range(r1, r2 + 1):
                by_row.setdefault(r, []).append((r1, c1, c2))
    tops: dict[tuple[int, int], Any] = {}

    def fill(index: int, values: list[Any]) -> list[Any]:
        spans = by_row.get(index)
        if not spans:
            return values
        values = list(values)
        for r1, c1, c2 in spans:
            if r1 == index:
                tops[(r1, c1)] = values[c1] if c1 < len(values) else None
            top = tops.get((r1, c1))
            if len(values) <= c2:
                values += [""] * (c2 + 1 - len(values))
            for c in range(c1, c2 + 1):
                if values[c] in (None, ""):
                    values[c] = top
        return values

    return fill


@dataclass
class SheetScan:
    """One sheet after reading: its column map (None if it is not a charge sheet) and its charge rows."""

    name: str
    index: int
    columns: ColumnMap | None
    rows: list[ChargeRow]
    width: int  # columns holding data
    height: int
    hidden: bool = False
    notes: list[str] = field(default_factory=list)
    sample: list[list[Any]] = field(default_factory=list)  # first rows, to fit column widths


def _is_ours(head: Sequence[Sequence[Any]]) -> bool:
    return bool(head) and bool(head[0]) and head[0][0] in (SUMMARY_TITLE, FAQ_TITLE)


def scan_sheet(
    sheet: SheetIn,
    index: int,
    *,
    text_dates_are_normal: bool = False,
    formula_in_code: Callable[[int, int], bool] | None = None,
    keep: Callable[[int, list[Any]], None] | None = None,
    step: Callable[[], None] | None = None,
) -> SheetScan | None:
    """Read one sheet's rows: find the header, read every charge row. ``keep`` sees every raw row (the fast path spools them).

    Returns None for a sheet this tool wrote itself (Summary, FAQ).
    """
    fill = _merged_filler(sheet.merged)
    head: list[list[Any]] = []
    for values in sheet.rows:
        head.append(values)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if _is_ours(head):
        for _ in sheet.rows:
            pass
        return None
    columns = find_header([fill(i, v) for i, v in enumerate(head)])
    scan = SheetScan(sheet.name, index, columns if is_charge_sheet(columns) else None, [], 0, 0, sheet.hidden)
    reader = RowReader(scan.columns, index, text_dates_are_normal) if scan.columns else None
    header_row = scan.columns.header_row if scan.columns else -1
    code_col = scan.columns.fields["code"] if scan.columns else -1
    own = {scan.columns.fields[k] for k in OWN_COLUMNS if k in scan.columns.fields} if scan.columns else set()
    i = -1
    for i, values in enumerate(_chain(head, sheet.rows)):
        if keep is not None:
            keep(i, values)
        last = len(values)
        while last and (values[last - 1] in (None, "") or last - 1 in own):
            last -= 1
        scan.width = max(scan.width, last)
        if len(scan.sample) < 300:
            scan.sample.append(values)
        if reader is None or i <= header_row:
            continue
        formula = formula_in_code(i, code_col) if formula_in_code else False
        row = reader.read(i, fill(i, values), code_is_formula=formula)
        if row is not None:
            scan.rows.append(row)
        if step is not None:
            step()
    scan.height = i + 1
    if reader is not None:
        scan.notes += sorted(reader.notes)
        scan.notes += [f"{sheet.name}: {n}" for n in scan.columns.notes] if scan.columns else []
    return scan


def _chain(head: list[list[Any]], rest: Iterable[list[Any]]) -> Iterator[list[Any]]:
    yield from head
    yield from rest


def sheet_title(stem: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", stem)[:31] or "Charges"
