"""Rows out of a workbook: every sheet's values (calamine, openpyxl read-only or the csv module), merged cells
filled, the header found and each charge row read. The rest of the code sees rows and claims, not cells."""

from __future__ import annotations

import contextlib
import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from derm_core.sheets.columns import HEADER_SCAN_ROWS, OWN_COLUMNS, SAMPLE_ROWS, ColumnMap, find_header, is_charge_sheet
from derm_core.sheets.rows import ChargeRow, RowReader, absent_values
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
    """Every sheet of the file, its rows as plain values. A workbook whose cells are scattered over a range far larger
    than they fill (a stray value in XFD1048576) is read with openpyxl's streaming reader, row by row, never as the
    dense range calamine would allocate (``Source.sparse``, measured by ``inspect_input`` before any parser runs)."""
    if source.kind == "csv":
        yield SheetIn(sheet_title(source.path.stem), csv_rows(source.path))
        return
    if (engine == "openpyxl" or source.sparse) and source.kind in ("xlsx", "xlsm"):
        wb = open_workbook(source.path, read_only=True, data_only=True, keep_links=False)
        try:
            for ws in wb.worksheets:
                ws.reset_dimensions()  # rows as long as their last cell, not padded to a claimed used range
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


def csv_encoding(path: Path) -> str:
    """UTF-8 (with or without a BOM) when the whole file decodes as UTF-8, else Windows-1252, else Latin-1 (which
    reads any byte). The whole file is read, in chunks: the first accented character may come after many lines.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as fh:
    ...     _ = fh.write(b"a,b" + b"," * 70000 + "Lef\u00e8vre".encode("cp1252"))
    >>> csv_encoding(Path(fh.name))
    'cp1252'
    """
    import codecs

    decoders = {name: codecs.getincrementaldecoder(name)() for name in ("utf-8-sig", "cp1252")}
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            for name in list(decoders):
                try:
                    decoders[name].decode(chunk)
                except UnicodeDecodeError:
                    del decoders[name]
            if not decoders:
                return "latin-1"
    for name in decoders:
        try:
            decoders[name].decode(b"", final=True)
            return name
        except UnicodeDecodeError:
            continue
    return "latin-1"


def csv_rows(path: Path) -> Rows:
    encoding = csv_encoding(path)
    with path.open("rb") as fh:
        raw = fh.read(65536)
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


class MergedFiller:
    """Copies a merged range's value into each of its cells, so that a Claim ID merged over three rows counts on
    each of them. A range merged across one row below the header (a banner, a group header) stays one value in
    its first cell: ``header_row`` says where the header is, once it is known."""

    def __init__(self, ranges: Sequence[tuple[tuple[int, int], tuple[int, int]]]):
        self.header_row = HEADER_SCAN_ROWS
        self.by_row: dict[int, list[tuple[int, int, int, bool]]] = {}  # row -> (first row, first col, last col, one row only)
        for (r1, c1), (r2, c2) in ranges:
            if r2 - r1 <= 10_000:
                for r in range(r1, r2 + 1):
                    self.by_row.setdefault(r, []).append((r1, c1, c2, r1 == r2))
        self.tops: dict[tuple[int, int], Any] = {}

    def __call__(self, index: int, values: list[Any]) -> list[Any]:
        spans = self.by_row.get(index)
        if not spans:
            return values
        values = list(values)
        for r1, c1, c2, one_row in spans:
            if one_row and index > self.header_row:
                continue
            if r1 == index:
                self.tops[(r1, c1)] = values[c1] if c1 < len(values) else None
            top = self.tops.get((r1, c1))
            if len(values) <= c2:
                values += [""] * (c2 + 1 - len(values))
            for c in range(c1, c2 + 1):
                if values[c] in (None, ""):
                    values[c] = top
        return values


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
    kinds: Counter[str] = field(default_factory=Counter)  # report rows (not charge lines) by kind
    grouping: str = ""  # how rows were grouped into claims, in words
    payer_plans: dict[str, str] = field(default_factory=dict)  # payer -> how it was typed
    unknown_payers: set[str] = field(default_factory=set)
    filled: int = 0  # follow-on lines that took their encounter's values from the line above
    absent: frozenset[str] = frozenset()  # values the sheet has no column for (rows.absent_values)
    table_width: int = 0  # columns used by the header and the charge lines (the Check columns go after them)
    drawings_end: int = 0  # the first column right of the images and charts on the sheet (the full path keeps them)


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
    payers: Sequence[Any] | None = None,
) -> SheetScan | None:
    """Read one sheet's rows: find the header, read every charge row. ``keep`` sees every raw row (the fast path spools them).

    Returns None for a sheet this tool wrote itself (Summary, FAQ).
    """
    fill = MergedFiller(sheet.merged)
    head: list[list[Any]] = []
    for values in sheet.rows:
        head.append(values)
        if len(head) >= HEADER_SCAN_ROWS + SAMPLE_ROWS:
            break
    if _is_ours(head):
        for _ in sheet.rows:
            pass
        return None
    columns = find_header([fill(i, v) for i, v in enumerate(head)])
    fill.header_row = columns.header_row if columns is not None else -1
    scan = SheetScan(sheet.name, index, columns if is_charge_sheet(columns) else None, [], 0, 0, sheet.hidden)
    reader = RowReader(scan.columns, index, text_dates_are_normal, payers=payers) if scan.columns else None
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
        if reader is None or i < header_row:
            continue
        if i == header_row:
            scan.table_width = max(scan.table_width, last)
            continue
        formula = formula_in_code(i, code_col) if formula_in_code else False
        row = reader.read(i, fill(i, values), code_is_formula=formula)
        if row is not None:
            scan.rows.append(row)
            scan.table_width = max(scan.table_width, last)
        if step is not None:
            step()
    scan.height = i + 1
    if reader is not None and scan.columns is not None:
        scan.notes += sorted(reader.notes)
        scan.notes += [f"{sheet.name}: {n}" for n in scan.columns.notes]
        scan.kinds, scan.grouping, scan.filled = reader.kinds, reader.grouping, reader.filled
        scan.payer_plans, scan.unknown_payers = reader.payer_plans, reader.unknown_payers
        scan.absent = absent_values(scan.columns)
    return scan


def _chain(head: list[list[Any]], rest: Iterable[list[Any]]) -> Iterator[list[Any]]:
    yield from head
    yield from rest


def sheet_title(stem: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", stem)[:31] or "Charges"
