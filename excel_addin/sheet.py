"""Charge-sheet workbooks in and out: the one module that reads and writes cells.

``check_sheet`` reads a charge sheet (.xlsx, .xlsm or .csv), checks its claims with the rules core
and writes an annotated copy with ``Check Status``, ``Check Findings`` and ``Check Fix`` columns
(contracts section 4), a ``Summary`` sheet with a native chart and a ``FAQ`` sheet whose lookup
cell works with ordinary formulas. The input file is only ever read.

Two paths:

* **full** (up to ``FULL_PATH_MAX_ROWS`` rows): openpyxl loads the workbook and keeps its
  formats, formulas, comments and validations; offending cells get a comment and a fill.
  openpyxl drops images, charts and shapes, and the output says so.
* **fast** (larger sheets): python-calamine (or openpyxl read-only beyond ``CALAMINE_MAX_XML``)
  reads values, XlsxWriter writes them back in constant memory with the Check columns.

Values come from calamine in both paths (a formula's last calculated value), so both give the
same findings.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import pickle
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

from pydantic import BaseModel, Field

from derm_core.engine import all_rules
from derm_core.ruleset import Ruleset, load_ruleset

from .charges import SHEET_RULES, ChargeRow, Checks, RowReader, RowResult, Tally, claim_label, start_checks
from .columns import HEADER_SCAN_ROWS, OWN_COLUMNS, SYNONYMS, ColumnMap, find_header, is_charge_sheet
from .faq_match import best_entry, keywords
from .worker import Worker

FULL_PATH_MAX_ROWS = 20_000
PARALLEL_MIN_ROWS, PARALLEL_MAX_ROWS = 50_000, 400_000  # a worker process: faster, but its rules tables cost ~200 MB more
FULL_PATH_MAX_XML = 24 * 1024**2  # worksheet XML bytes; openpyxl needs ~20x that in memory
CALAMINE_MAX_XML = 240 * 1024**2  # calamine holds the whole sheet: about 1.8x its XML in memory
MAX_UNCOMPRESSED = 2 * 1024**3
MAX_RATIO = 200  # real sheets compress 5-30x; zip bombs 1000x
EXCEL_MAX_ROWS, EXCEL_MAX_COLS = 1_048_576, 16_384
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
DANGEROUS_FIRST = frozenset("".join(DANGEROUS_START))
SUMMARY_TITLE, FAQ_TITLE = "Charge sheet check", "Coding FAQ"
STATUS_COLOURS = {"error": ("FFC7CE", "9C0006"), "warning": ("FFEB9C", "9C5700"), "clean": ("C6EFCE", "006100")}
STATUS_MEANING = {
    "error": "Likely denied or rejected as billed: correct before sending.",
    "warning": "Review: may be denied, or needs documentation or a modifier.",
    "clean": "No problems found (info notes may remain).",
}
FULL_NOT_KEPT = ["images, charts and shapes (openpyxl drops them when it saves a workbook)"]
FAST_NOT_KEPT = [
    "cell formats, fonts, fills and borders",
    "formulas (their last calculated values are kept)",
    "comments, merged cells, hidden rows and column widths",
    "data validation and conditional formatting of the original",
    "images, charts and shapes",
    "comments and fills on the offending cells (see the Check Findings column)",
]

Mode = Literal["auto", "full", "fast"]
Progress = Callable[[int, int], None]


class SheetError(ValueError):
    """A charge sheet that cannot be used. The message names the file (and sheet, row, column when known)."""


class RowIssue(BaseModel):
    """A row with an error or a warning, for the Summary's list of rows to fix (1-based sheet row)."""

    sheet: str
    row: int
    claim: str
    code: str
    status: str
    findings: str
    fix: str


class SheetSummary(BaseModel):
    """What ``check_sheet`` did: counts for a reply, and everything the Summary sheet shows."""

    input: str
    output: str
    path: Literal["full", "fast"]
    sheets: list[str]
    rows_checked: int
    claims: int
    by_status: dict[str, int] = Field(description="claims by status")
    rows_by_status: dict[str, int]
    findings_by_rule: dict[str, int]
    findings_by_category: dict[str, int]
    findings_by_code: dict[str, int]
    top_fixes: list[tuple[str, str, int]] = Field(description="(rule, fix, claims)")
    to_fix: list[RowIssue] = Field(default_factory=list, description="the first rows with errors, then warnings")
    columns_recognised: dict[str, str] = Field(description="header -> field")
    columns_ignored: list[str]
    kept: str
    not_kept: list[str]
    notes: list[str]
    ruleset_version: str
    seconds: float = 0.0


# ----------------------------------------------------------------------------- inspecting the input


@dataclass
class Source:
    path: Path
    kind: Literal["xlsx", "xlsm", "csv"]
    worksheet_xml: int = 0  # uncompressed bytes of all worksheets
    rows_estimate: int = 0
    has_drawings: bool = False


def inspect_input(path: Path) -> Source:
    """Say what the file is, refusing anything that is not a usable charge sheet (checked before any parser sees it)."""
    name = path.name
    if not path.is_file():
        raise SheetError(f"{name}: no such file")
    with path.open("rb") as fh:
        head = fh.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if _ole_is_encrypted(path):
            raise SheetError(
                f"{name}: the workbook is password-protected. Open it in Excel, remove the password (File > Info > Protect Workbook) and save a copy."
            )
        raise SheetError(
            f"{name}: an old Excel 97-2003 workbook (.xls). Open it in Excel and save it as .xlsx (File > Save As > Excel Workbook)."
        )
    if suffix == ".csv":
        with path.open("rb") as fh:
            sample = fh.read(65536)
        if b"\x00" in sample:
            raise SheetError(f"{name}: not a text CSV file (it holds binary data)")
        lines = _count_lines(path)
        if lines > EXCEL_MAX_ROWS:
            raise SheetError(f"{name}: {lines:,} rows; an Excel sheet holds at most {EXCEL_MAX_ROWS:,}. Split the file.")
        return Source(path, "csv", rows_estimate=lines, worksheet_xml=path.stat().st_size * 3)
    if suffix not in (".xlsx", ".xlsm", ".xls"):
        raise SheetError(f"{name}: only .xlsx, .xlsm and .csv charge sheets are read")
    if not head.startswith(b"PK"):
        raise SheetError(f"{name}: not an Excel workbook ({_looks_like(head)}). Save the charge sheet from Excel as .xlsx.")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                what = "a Word document" if "word/document.xml" in names else "a zip archive"
                raise SheetError(f"{name}: not an Excel workbook (it is {what} renamed to {suffix})")
            total = sum(i.file_size for i in infos)
            for i in infos:
                if i.file_size > 10 * 1024**2 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                    raise SheetError(
                        f"{name}: refused: {i.filename} would expand {i.file_size // max(i.compress_size, 1):,} times (a zip bomb?)"
                    )
            if total > MAX_UNCOMPRESSED or len(infos) > 10_000:
                raise SheetError(
                    f"{name}: refused: {total / 1024**3:.1f} GB uncompressed in {len(infos):,} parts is more than a charge sheet holds"
                )
            sheets = [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
            rows = sum(_dimension_rows(zf, i) for i in sheets)
            drawings = any(n.startswith(("xl/charts/", "xl/media/")) or re.match(r"xl/drawings/drawing\d+\.xml$", n) for n in names)
    except zipfile.BadZipFile:
        raise SheetError(f"{name}: the file is damaged (not a readable Excel package). Open it in Excel and save it again.") from None
    kind: Literal["xlsx", "xlsm"] = "xlsm" if "xl/vbaProject.bin" in names or suffix == ".xlsm" else "xlsx"
    return Source(path, kind, sum(i.file_size for i in sheets), rows, drawings)


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def _ole_is_encrypted(path: Path) -> bool:
    """Password-protected .xlsx files are OLE containers with an ``EncryptedPackage`` stream."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as fh:
        return marker in fh.read(8 * 1024**2)


def _looks_like(head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "it is a PDF"
    if head[:5].lower() in (b"<!doc", b"<html"):
        return "it is a web page"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "it is a text file; name it .csv if it is a CSV export"
    return "the content is not a spreadsheet"


def _dimension_rows(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Rows of a worksheet from its ``<dimension ref="A1:L100001"/>``, or a guess from its size."""
    with zf.open(info) as fh:
        start = fh.read(4096).decode("utf-8", "replace")
    m = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', start)
    return int(m.group(1)) if m else info.file_size // 200


# ----------------------------------------------------------------------------- reading rows

Rows = Iterator[list[Any]]


@dataclass
class SheetIn:
    name: str
    rows: Rows  # dense from row 0 (A1); values as calamine / openpyxl / csv give them
    hidden: bool = False
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def _read_sheets(source: Source, engine: Literal["calamine", "openpyxl"]) -> Iterator[SheetIn]:
    if source.kind == "csv":
        yield SheetIn(_title(source.path.stem), _csv_rows(source.path))
        return
    if engine == "openpyxl":
        import openpyxl

        wb = openpyxl.load_workbook(source.path, read_only=True, data_only=True, keep_links=False)
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


def _csv_rows(path: Path) -> Rows:
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


def _csv_value(value: str) -> Any:
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


# ----------------------------------------------------------------------------- cell styles, shared by both writers

STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "size": 16, "color": "1F3864"},
    "subtitle": {"italic": True, "color": "595959"},
    "h2": {"bold": True, "size": 12, "color": "1F3864"},
    "th": {"bold": True, "color": "FFFFFF", "fill": "1F3864", "wrap": True, "valign": "top", "border": True},
    "td": {"valign": "top", "border": True},
    "wrap": {"wrap": True, "valign": "top", "border": True},
    "num": {"valign": "top", "num_format": "#,##0", "border": True},
    "input": {"fill": "FFF2CC", "bold": True, "wrap": True, "border": True, "valign": "top"},
    "answer": {"wrap": True, "valign": "top", "border": True, "fill": "F2F2F2"},
    "date": {"num_format": "m/d/yyyy"},
    "quoted": {"quote": True},
    "hint": {"italic": True, "color": "595959", "wrap": True, "valign": "top"},
}
STYLES |= {s: {"fill": fill, "color": font, "bold": True, "border": True, "valign": "top"} for s, (fill, font) in STATUS_COLOURS.items()}


def _openpyxl_style(spec: dict[str, Any]) -> dict[str, Any]:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    out: dict[str, Any] = {}
    if {"bold", "italic", "size", "color"} & spec.keys():
        out["font"] = Font(
            bold=spec.get("bold", False), italic=spec.get("italic", False), size=spec.get("size", 11), color=spec.get("color")
        )
    if "fill" in spec:
        out["fill"] = PatternFill("solid", fgColor=spec["fill"])
    if "wrap" in spec or "valign" in spec:
        out["alignment"] = Alignment(wrap_text=spec.get("wrap", False), vertical=spec.get("valign"))
    if spec.get("border"):
        thin = Side(style="thin", color="BFBFBF")
        out["border"] = Border(left=thin, right=thin, top=thin, bottom=thin)
    if "num_format" in spec:
        out["number_format"] = spec["num_format"]
    if spec.get("quote"):
        out["quotePrefix"] = True
    return out


def _xlsx_format(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, target in (("bold", "bold"), ("italic", "italic"), ("size", "font_size"), ("wrap", "text_wrap"), ("num_format", "num_format")):
        if key in spec:
            out[target] = spec[key]
    if "color" in spec:
        out["font_color"] = "#" + spec["color"]
    if "fill" in spec:
        out["bg_color"] = "#" + spec["fill"]
    if "valign" in spec:
        out["valign"] = "vcenter" if spec["valign"] == "center" else spec["valign"]
    if spec.get("border"):
        out |= {"border": 1, "border_color": "#BFBFBF"}
    if spec.get("quote"):
        out["quote_prefix"] = True
    return out


def is_dangerous(value: Any) -> bool:
    """A text a spreadsheet could take for a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return first).

    >>> is_dangerous("=HYPERLINK(1)"), is_dangerous("-25"), is_dangerous(-25), is_dangerous("17000")
    (True, True, False, False)
    """
    return isinstance(value, str) and value.startswith(DANGEROUS_START)


class Out(Protocol):
    """The few things the Summary, FAQ and template sheets need, in either writer. Rows and columns are 0-based."""

    def put(self, row: int, col: int, value: Any, style: str | None = None) -> None: ...
    def formula(self, row: int, col: int, formula: str, style: str | None = None, value: Any = None) -> None: ...
    def merge(self, row: int, col: int, last_col: int, value: Any, style: str | None = None) -> None: ...
    def widths(self, widths: Mapping[int, float]) -> None: ...
    def hide_columns(self, cols: Iterable[int]) -> None: ...
    def height(self, row: int, points: float) -> None: ...
    def freeze(self, row: int, col: int = 0) -> None: ...
    def bar_chart(self, title: str, header_row: int, first: int, last: int, colours: list[str], at: tuple[int, int]) -> None: ...
    def landscape(self) -> None: ...


class OpenpyxlOut:
    """``Out`` on an openpyxl worksheet (normal mode)."""

    def __init__(self, ws: Any):
        self.ws = ws
        self._styles: dict[str, dict[str, Any]] = {}

    def _apply(self, cell: Any, style: str | None) -> None:
        if style:
            for attr, value in self._styles.setdefault(style, _openpyxl_style(STYLES[style])).items():
                setattr(cell, attr, value)

    def put(self, row: int, col: int, value: Any, style: str | None = None) -> None:
        cell = self.ws.cell(row + 1, col + 1)
        cell.value = value
        if is_dangerous(value):
            cell.data_type = "s"
            cell.quotePrefix = True
        self._apply(cell, style)

    def formula(self, row: int, col: int, formula: str, style: str | None = None, value: Any = None) -> None:
        cell = self.ws.cell(row + 1, col + 1)
        cell.value = formula
        self._apply(cell, style)

    def merge(self, row: int, col: int, last_col: int, value: Any, style: str | None = None) -> None:
        for c in range(col, last_col + 1):
            self.put(row, c, value if c == col else None, style)
        self.ws.merge_cells(start_row=row + 1, start_column=col + 1, end_row=row + 1, end_column=last_col + 1)

    def widths(self, widths: Mapping[int, float]) -> None:
        from openpyxl.utils import get_column_letter

        for col, width in widths.items():
            self.ws.column_dimensions[get_column_letter(col + 1)].width = width

    def hide_columns(self, cols: Iterable[int]) -> None:
        from openpyxl.utils import get_column_letter

        for col in cols:
            self.ws.column_dimensions[get_column_letter(col + 1)].hidden = True

    def height(self, row: int, points: float) -> None:
        self.ws.row_dimensions[row + 1].height = points

    def freeze(self, row: int, col: int = 0) -> None:
        self.ws.freeze_panes = self.ws.cell(row + 1, col + 1).coordinate

    def bar_chart(self, title: str, header_row: int, first: int, last: int, colours: list[str], at: tuple[int, int]) -> None:
        from openpyxl.chart import BarChart, Reference
        from openpyxl.chart.marker import DataPoint

        chart = BarChart()
        chart.title, chart.legend, chart.height, chart.width = title, None, 4.6, 11
        chart.add_data(Reference(self.ws, min_col=2, min_row=header_row + 1, max_row=last + 1), titles_from_data=True)
        chart.set_categories(Reference(self.ws, min_col=1, min_row=first + 1, max_row=last + 1))
        for i, colour in enumerate(colours):
            point = DataPoint(idx=i)
            point.graphicalProperties.solidFill = colour
            chart.series[0].dPt.append(point)
        chart.x_axis.delete = chart.y_axis.delete = False
        self.ws.add_chart(chart, self.ws.cell(at[0] + 1, at[1] + 1).coordinate)

    def landscape(self) -> None:
        _print_setup(self.ws)


class XlsxOut:
    """``Out`` on an XlsxWriter worksheet. Cells are buffered and written in row order (constant-memory mode needs that)."""

    def __init__(self, wb: Any, ws: Any):
        self.wb, self.ws = wb, ws
        self._ops: list[tuple[int, int, Callable[[], Any]]] = []
        self._formats: dict[tuple[str | None, bool], Any] = {}

    def fmt(self, style: str | None, quote: bool = False) -> Any:
        if style is None and not quote:
            return None
        if (style, quote) not in self._formats:
            spec = dict(STYLES.get(style or "", {})) | ({"quote": True} if quote else {})
            self._formats[(style, quote)] = self.wb.add_format(_xlsx_format(spec))
        return self._formats[(style, quote)]

    def put(self, row: int, col: int, value: Any, style: str | None = None) -> None:
        fmt = self.fmt(style, is_dangerous(value))
        if isinstance(value, str):
            self._ops.append((row, col, lambda: self.ws.write_string(row, col, value, fmt)))
        else:
            self._ops.append((row, col, lambda: self.ws.write(row, col, value, fmt)))

    def formula(self, row: int, col: int, formula: str, style: str | None = None, value: Any = None) -> None:
        fmt = self.fmt(style)
        self._ops.append((row, col, lambda: self.ws.write_formula(row, col, formula, fmt, value)))

    def merge(self, row: int, col: int, last_col: int, value: Any, style: str | None = None) -> None:
        fmt = self.fmt(style, is_dangerous(value))
        self._ops.append((row, col, lambda: self.ws.merge_range(row, col, row, last_col, value, fmt)))

    def widths(self, widths: Mapping[int, float]) -> None:
        for col, width in widths.items():
            self.ws.set_column(col, col, width)

    def hide_columns(self, cols: Iterable[int]) -> None:
        for col in cols:
            self.ws.set_column(col, col, None, None, {"hidden": True})

    def height(self, row: int, points: float) -> None:
        self._ops.append((row, -1, lambda: self.ws.set_row(row, points)))

    def freeze(self, row: int, col: int = 0) -> None:
        self.ws.freeze_panes(row, col)

    def bar_chart(self, title: str, header_row: int, first: int, last: int, colours: list[str], at: tuple[int, int]) -> None:
        chart = self.wb.add_chart({"type": "column"})
        name = self.ws.get_name()
        chart.add_series(
            {
                "name": [name, header_row, 1],
                "categories": [name, first, 0, last, 0],
                "values": [name, first, 1, last, 1],
                "points": [{"fill": {"color": "#" + c}} for c in colours],
            }
        )
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        self.ws.insert_chart(at[0], at[1], chart, {"x_scale": 0.86, "y_scale": 0.6})

    def landscape(self) -> None:
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 0)
        self.ws.set_margins(0.4, 0.4, 0.75, 0.75)
        self.ws.set_header("&L&A&RChecked &D", {"margin": 0.3})
        self.ws.set_footer("&RPage &P of &N", {"margin": 0.3})

    def close(self) -> None:
        for _, _, op in sorted(self._ops, key=lambda o: (o[0], o[1])):
            op()


PRINT_ONE_PAGE_WIDTH = 220  # characters of column width that still print readably on one landscape page


def _print_setup(ws: Any, title_row: int | None = None, wide: bool = False) -> None:
    """Landscape, one page wide (two for a wide sheet, first column repeated), header row on every page,
    legend and page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = (2 if wide else 1), 0
    if wide:
        ws.page_setup.pageOrder = "overThenDown"
        ws.print_title_cols = "A:A"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.page_margins.header = ws.page_margins.footer = 0.3
    if title_row is not None:
        ws.print_title_rows = f"{title_row + 1}:{title_row + 1}"
    ws.oddHeader.left.text = "&A"
    ws.oddHeader.right.text = "Checked &D"
    ws.oddFooter.left.text = "Check Status: error = red, warning = amber, clean = green"
    ws.oddFooter.right.text = "Page &P of &N"


# ----------------------------------------------------------------------------- Summary and FAQ sheets


def text_height(texts: Iterable[tuple[str | None, float]], line: float = 15.0) -> float:
    """Row height in points for wrapped texts in columns of the given widths (LibreOffice does not fit rows itself).

    >>> text_height([("short", 10), ("a longer text " * 8, 20)])
    75.0
    """
    lines = 1
    for text, width in texts:
        if text:
            per_line = max(int(width * 1.25), 1)
            lines = max(lines, sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n")))
    return lines * line


def write_summary(out: Out, s: SheetSummary) -> None:
    """The Summary sheet: counts, a chart and legend, the rows to fix first, findings by category, rule, code and fix."""
    rules = all_rules()
    widths = {0: 24, 1: 11, 2: 11, 3: 72}
    out.widths(widths)
    out.put(0, 0, SUMMARY_TITLE, "title")
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    out.merge(1, 0, 3, f"{Path(s.input).name} · checked {when} · ruleset {s.ruleset_version} · {s.path} path", "subtitle")
    kept = f"Kept: {s.kept}" + (f" Not kept: {'; '.join(s.not_kept)}." if s.not_kept else "")
    out.merge(2, 0, 3, kept, "hint")
    out.height(2, text_height([(kept, 118)]))
    for row, (label, value) in enumerate(
        (("Rows checked", s.rows_checked), ("Claims", s.claims), ("Sheets checked", ", ".join(s.sheets))), 4
    ):
        out.put(row, 0, label, "th")
        out.merge(row, 1, 2, value, "num" if isinstance(value, int) else "td")
    for col, title in enumerate(("Status", "Claims", "Rows")):
        out.put(8, col, title, "th")
    for row, status in enumerate(("error", "warning", "clean"), 9):
        out.put(row, 0, status, status)
        out.put(row, 1, s.by_status.get(status, 0), "num")
        out.put(row, 2, s.rows_by_status.get(status, 0), "num")
    out.bar_chart("Claims by status", 8, 9, 11, [STATUS_COLOURS[k][1] for k in ("error", "warning", "clean")], (3, 3))
    row = 13
    out.put(row, 0, "What the colours mean", "h2")
    for status in ("error", "warning", "clean"):
        row += 1
        out.put(row, 0, status, status)
        out.merge(row, 1, 3, STATUS_MEANING[status], "td")

    row += 2
    out.put(
        row,
        0,
        f"Rows to fix ({len(s.to_fix)} shown{'; filter Check Status for all' if len(s.to_fix) < s.rows_by_status.get('error', 0) + s.rows_by_status.get('warning', 0) else ''})",
        "h2",
    )
    row += 1
    for col, title in enumerate(("Claim · code", "Sheet row", "Status", "Findings and fix")):
        out.put(row, col, title, "th")
    for item in s.to_fix:
        row += 1
        detail = item.findings + (f"\nFix: {item.fix}" if item.fix else "")
        out.put(row, 0, f"{item.claim} · {item.code}" if item.code else item.claim, "td")
        out.put(row, 1, f"{item.sheet}!{item.row}" if len(s.sheets) > 1 else item.row, "num")
        out.put(row, 2, item.status, item.status)
        out.put(row, 3, detail, "wrap")
        out.height(row, text_height([(detail, widths[3])]))
    if not s.to_fix:
        row += 1
        out.merge(row, 0, 3, "Nothing to fix.", "td")

    def table(title: str, heads: tuple[str, str, str], items: Iterable[tuple[str, int, str]], start: int) -> int:
        start += 2
        out.put(start, 0, title, "h2")
        start += 1
        out.put(start, 0, heads[0], "th")
        out.put(start, 1, heads[1], "th")
        out.merge(start, 2, 3, heads[2], "th")
        for name, count, detail in items:
            start += 1
            out.put(start, 0, name, "td")
            out.put(start, 1, count, "num")
            out.merge(start, 2, 3, detail, "wrap")
            out.height(start, text_height([(detail, widths[2] + widths[3])]))
        return start

    def title_of(rule: str) -> str:
        return rules[rule].title if rule in rules else SHEET_RULES.get(rule, "")

    def category_of(rule: str) -> str:
        return rules[rule].category.value if rule in rules else "data_quality"

    by_cat = ((c, n, ", ".join(sorted(r for r in s.findings_by_rule if category_of(r) == c))) for c, n in s.findings_by_category.items())
    row = table("Findings by category", ("Category", "Findings", "Rules"), by_cat, row)
    row = table(
        "Findings by rule",
        ("Rule", "Findings", "What it checks"),
        ((r, n, title_of(r)) for r, n in list(s.findings_by_rule.items())[:20]),
        row,
    )
    row = table(
        "Findings by code", ("Code", "Findings", "Code"), ((c, n, _code_label(c)) for c, n in list(s.findings_by_code.items())[:15]), row
    )
    row = table("Top fixes", ("Rule", "Claims", "Fix"), ((r, n, fix) for r, fix, n in s.top_fixes[:12]), row)
    row += 2
    out.put(row, 0, "Columns", "h2")
    for label, text in (
        ("Recognised", ", ".join(f"{h} ({f})" for h, f in s.columns_recognised.items())),
        ("Ignored", ", ".join(s.columns_ignored) or "none"),
        ("Notes", "\n".join(s.notes) or "none"),
    ):
        row += 1
        out.put(row, 0, label, "th")
        out.merge(row, 1, 3, text, "wrap")
        out.height(row, text_height([(text, widths[1] + widths[2] + widths[3])]))
    out.landscape()


def _code_label(code: str) -> str:
    from derm_core.codes import lookup

    info = lookup(code)
    return info.desc if info else ""


FAQ_FIRST_ROW = 10  # 0-based row of the first entry
FAQ_WORDS = 20
FAQ_EXAMPLE = "how do I bill 16 AKs"
_PUNCTUATION = "?,'/;:()\".!"


def write_faq(out: Out, ruleset: Ruleset) -> None:
    """The FAQ sheet: every knowledge-base entry, and a lookup cell answered by ordinary formulas (no add-in).

    The question is lower-cased, stripped of punctuation and split into words (hidden column J); each entry
    scores the words found among its keywords (hidden columns G and H); the best score's answer is shown.
    """
    entries = ruleset.faq
    first, last = FAQ_FIRST_ROW, FAQ_FIRST_ROW + max(len(entries), 1) - 1
    out.widths({0: 22, 1: 14, 2: 38, 3: 90, 4: 16, 5: 18, 6: 30, 7: 6, 9: 12})
    answer_height = max((text_height([(e.answer, 126)]) for e in entries), default=60.0)
    out.put(0, 0, FAQ_TITLE, "title")
    out.put(
        1,
        0,
        f"Knowledge base of ruleset {ruleset.version}: {len(entries)} answers. Type a question or a code in the yellow cell.",
        "subtitle",
    )
    out.put(3, 0, "Question or code", "th")
    out.merge(3, 1, 3, FAQ_EXAMPLE, "input")
    out.height(3, 30)
    cleaned = "$B$4"
    for ch in _PUNCTUATION:
        cleaned = f'SUBSTITUTE({cleaned},"{ch.replace(chr(34), chr(34) * 2)}"," ")'
    out.formula(0, 9, f"=TRIM(LOWER({cleaned}))")
    for k in range(FAQ_WORDS):
        out.formula(k + 1, 9, f'=TRIM(MID(SUBSTITUTE($J$1," ",REPT(" ",100)),{k * 100 + 1},100))')
    words_ref = f"$J$2:$J${FAQ_WORDS + 1}"
    scores = f"$H${first + 1}:$H${last + 1}"
    best = f"MATCH(MAX({scores}),{scores},0)"
    entry, score = best_entry(FAQ_EXAMPLE, entries)
    none = "No entry matches: try a code such as 17004, or words such as biopsy, Mohs, modifier 25."

    def pick(col: str) -> str:
        return f'=IF(TRIM($B$4)="","",IF(MAX({scores})=0,"{none}",INDEX(${col}${first + 1}:${col}${last + 1},{best})))'

    for row, label, letter, style, cached in (
        (4, "Best match", "C", "td", entry.title if entry else none),
        (5, "Answer", "D", "answer", entry.answer if entry else none),
        (6, "Entry", "A", "td", entry.id if entry else none),
    ):
        out.put(row, 0, label, "th")
        out.merge(row, 1, 3, "", style)
        out.formula(row, 1, pick(letter), style, cached if score else none)
    out.height(5, answer_height)
    out.merge(
        7, 0, 3, "Works in Excel and LibreOffice without any add-in. With the Excel add-in, =DERM_FAQ(B4) asks the full FAQ search.", "hint"
    )
    for col, title in enumerate(("Entry", "Topic", "Title", "Answer", "Codes", "Rules", "Keywords", "Score")):
        out.put(first - 1, col, title, "th")
    for i, e in enumerate(entries):
        r = first + i
        out.put(r, 0, e.id, "td")
        out.put(r, 1, e.topic, "td")
        out.put(r, 2, e.title, "wrap")
        out.put(r, 3, e.answer, "wrap")
        out.put(r, 4, ", ".join(e.codes), "wrap")
        out.put(r, 5, ", ".join(e.rules), "wrap")
        out.height(r, text_height([(e.id, 22), (e.title, 38), (e.answer, 90), (", ".join(e.codes), 16), (", ".join(e.rules), 18)]))
        out.put(r, 6, keywords(e), None)
        out.formula(r, 7, f'=SUMPRODUCT(--ISNUMBER(SEARCH(" "&{words_ref}&" "," "&G{r + 1}&" ")))', None, 0)
    out.hide_columns([6, 7, 9])
    out.freeze(first)
    out.landscape()


def _summary_counts(tally: Tally) -> dict[str, Any]:
    return {
        "rows_checked": tally.rows,
        "claims": tally.claims,
        "by_status": {k: tally.claims_by_status.get(k, 0) for k in ("error", "warning", "clean")},
        "rows_by_status": {k: tally.rows_by_status.get(k, 0) for k in ("error", "warning", "clean")},
        "findings_by_rule": dict(tally.by_rule.most_common()),
        "findings_by_category": dict(tally.by_category.most_common()),
        "findings_by_code": dict(tally.by_code.most_common(50)),
        "top_fixes": [(rule, fix, n) for (rule, fix), n in tally.fixes.most_common(20)],
    }


# ----------------------------------------------------------------------------- the full path (openpyxl, keeps the workbook)

OUR_AUTHOR = "derm sheet check"
FINDINGS_WIDTH, FIX_WIDTH = 55, 45


def _check_columns(scan: SheetScan) -> tuple[int, int, int]:
    """0-based columns of Check Status, Check Findings, Check Fix: reused from an earlier check, else after the data."""
    assert scan.columns is not None
    fields = scan.columns.fields
    free = max([scan.width] + [fields[k] + 1 for k in OWN_COLUMNS if k in fields])
    cols = []
    for key in OWN_COLUMNS:
        if key in fields:
            cols.append(fields[key])
        else:
            cols.append(free)
            free += 1
    if free > EXCEL_MAX_COLS:
        raise SheetError(f"sheet {scan.name}: no room for the Check columns after column {scan.width}")
    return cols[0], cols[1], cols[2]


def _open_full(source: Source) -> Any:
    import openpyxl

    if source.kind == "csv":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = _title(source.path.stem)
        for values in _csv_rows(source.path):
            ws.append([_csv_value(v) for v in values])
        for cell in ws._cells.values():  # a CSV field is text: never let it become a formula
            if is_dangerous(cell.value):
                cell.data_type, cell.quotePrefix = "s", True
        return wb
    try:
        return openpyxl.load_workbook(source.path, keep_vba=source.kind == "xlsm", keep_links=True, rich_text=False)
    except Exception as err:  # openpyxl raises many types for damaged parts
        raise SheetError(f"{source.path.name}: the workbook is damaged and cannot be opened ({err.__class__.__name__}: {err})") from None


def _formula_cells(wb: Any) -> dict[str, set[tuple[int, int]]]:
    """0-based (row, column) of every formula cell, by sheet."""
    return {ws.title: {(r - 1, c - 1) for (r, c), cell in ws._cells.items() if cell.data_type == "f"} for ws in wb.worksheets}


def _annotate(wb: Any, scan: SheetScan, results: Iterable[RowResult], done: Callable[[int], None]) -> None:
    """Write the Check columns into one openpyxl sheet, comment and fill the offending cells, format the sheet."""
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    assert scan.columns is not None
    ws, cols = wb[scan.name], scan.columns
    status_col, findings_col, fix_col = _check_columns(scan)
    h = cols.header_row + 1  # 1-based header row
    header_style = _openpyxl_style(STYLES["th"])
    for col, title in ((status_col, "Check Status"), (findings_col, "Check Findings"), (fix_col, "Check Fix")):
        cell = ws.cell(h, col + 1, title)
        for attr, value in header_style.items():
            setattr(cell, attr, value)
        for r in range(h + 1, scan.height + 1):  # a re-check replaces the old values
            if (r, col + 1) in ws._cells:
                ws.cell(r, col + 1).value = None
    for cell in ws._cells.values():  # comments we wrote in an earlier check go; the user's stay
        if cell.comment is not None and cell.comment.author == OUR_AUTHOR:
            cell.comment = None
    wrap = Alignment(wrap_text=True)  # bottom-aligned like the user's cells in a taller row
    fills = {sev: PatternFill("solid", fgColor=STATUS_COLOURS[sev][0]) for sev in ("error", "warning")}
    for row, result in zip(scan.rows, results, strict=True):
        r = row.row + 1
        for col, value in ((status_col, result.status), (findings_col, result.findings), (fix_col, result.fix)):
            cell = ws.cell(r, col + 1, value or None)
            if is_dangerous(value):
                cell.data_type, cell.quotePrefix = "s", True
            cell.alignment = wrap
        needed = text_height([(result.findings, FINDINGS_WIDTH), (result.fix, FIX_WIDTH)])
        if needed > 15 and (ws.row_dimensions[r].height or 0) < needed:
            ws.row_dimensions[r].height = needed
        by_cell: dict[int, list[tuple[str, str]]] = {}
        for fld, severity, text in result.marks:
            by_cell.setdefault(_mark_column(cols, fld), []).append((severity, text))
        for col, marks in by_cell.items():
            target = ws.cell(r, col + 1)
            text = "\n\n".join(dict.fromkeys(t for _, t in marks))
            if target.comment is not None:  # the user's own note stays first
                text = f"{target.comment.text}\n\n{text}"
            comment = Comment(text, OUR_AUTHOR)
            comment.width, comment.height = 340, min(60 + 15 * (text.count("\n") + len(text) // 50), 400)
            target.comment = comment
            target.fill = fills["error" if any(s == "error" for s, _ in marks) else "warning"]
        done(1)
    last_row = max(scan.height, h + 1)
    letter = get_column_letter(status_col + 1)
    for status, (fill, font) in STATUS_COLOURS.items():  # exclusive conditions: LibreOffice shows only the first match
        rule = CellIsRule(
            operator="equal", formula=[f'"{status}"'], fill=PatternFill("solid", bgColor=fill), font=Font(color=font, bold=True)
        )
        ws.conditional_formatting.add(f"{letter}{h + 1}:{letter}{last_row}", rule)
    ws.freeze_panes = f"A{h + 1}"
    last_col = get_column_letter(max(status_col, findings_col, fix_col) + 1)
    if ws.tables:
        scan.notes.append(f"{scan.name}: the sheet holds an Excel table, so no filter was added over it")
    else:
        ws.auto_filter.ref = f"A{h}:{last_col}{last_row}"
    _fit_widths(ws, scan, {status_col: 12, findings_col: FINDINGS_WIDTH, fix_col: FIX_WIDTH})
    hidden = sum(1 for r, dim in ws.row_dimensions.items() if dim.hidden and h < r <= scan.height)
    if hidden:
        scan.notes.append(f"{scan.name}: {hidden} hidden row{'s' if hidden > 1 else ''} checked too (they stay hidden)")
    _print_setup(ws, cols.header_row, wide=_sheet_width(ws, scan) > PRINT_ONE_PAGE_WIDTH)


def _sheet_width(ws: Any, scan: SheetScan) -> float:
    from openpyxl.utils import get_column_letter

    return sum(ws.column_dimensions[get_column_letter(c + 1)].width or 9 for c in range(scan.width + 3))


def _mark_column(cols: ColumnMap, fld: str) -> int:
    """The column a finding's comment goes on: the field's own column, else the code column."""
    options = {"mods": ("mod1", "modifiers"), "dx": ("dx1", "diagnoses", "dx_pointer"), "payer_type": ("payer_type", "payer_name")}.get(
        fld, (fld,)
    )
    return next((cols.fields[o] for o in options if o in cols.fields), cols.fields["code"])


def _fit_widths(ws: Any, scan: SheetScan, ours: dict[int, float]) -> None:
    """Fit columns the user has not sized to their contents (capped); our columns get fixed widths."""
    from openpyxl.utils import get_column_letter

    for col in range(max(scan.width, *ours) + 1):
        letter = get_column_letter(col + 1)
        sized = letter in ws.column_dimensions and ws.column_dimensions[letter].width not in (None, 13)
        if col in ours:
            ws.column_dimensions[letter].width = ours[col]
        elif not sized:
            ws.column_dimensions[letter].width = _width_of(scan, col)


def _width_of(scan: SheetScan, col: int) -> float:
    """Fits the header and the first rows below it (not a title above it), between 6 and 30 characters."""
    start = scan.columns.header_row if scan.columns else 0
    sample = scan.sample[start:]
    longest = max(
        (len(_shown(r[col])) + (4 if isinstance(r[col], int | float) else 0) for r in sample if col < len(r) and r[col] not in (None, "")),
        default=4,
    )
    return float(min(max(longest + 2, 8), 30))


def _shown(value: Any) -> str:
    if isinstance(value, datetime | date):
        return "12/31/2026"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).split("\n")[0]


def _title(stem: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", stem)[:31] or "Charges"


# ----------------------------------------------------------------------------- the fast path (values only, constant memory)


class _Spool:
    """Raw rows on disk between reading and writing, so a million rows never sit in memory."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by check_sheet)

    def add(self, _index: int, values: list[Any]) -> None:
        pickle.dump(values, self.file, pickle.HIGHEST_PROTOCOL)  # one pickle per row: no memo shared across rows

    def rows(self, count: int) -> Iterator[list[Any]]:
        for _ in range(count):
            yield pickle.load(self.file)

    def rewind(self) -> None:
        self.file.flush()
        self.file.seek(0)


def _write_fast(source: Source, scans: list[SheetScan], results: SheetResults, spool: _Spool, wb: Any, done: Callable[[int], None]) -> None:
    """Every sheet's values from the spool, with the Check columns, into an XlsxWriter workbook."""
    fmt = {name: wb.add_format(_xlsx_format(STYLES[name])) for name in ("th", "date", "quoted")}
    wrap = wb.add_format({"text_wrap": True})
    spool.rewind()
    for scan in scans:
        ws = wb.add_worksheet(scan.name)
        if scan.hidden:
            ws.hide()
        pending = zip(scan.rows, results.of(scan), strict=True)  # in row order
        next_row, next_result = next(pending, (None, None))
        header, own = -1, (-1, -1, -1)
        if scan.columns is not None:
            header, own = scan.columns.header_row, _check_columns(scan)
            for col in range(scan.width):
                ws.set_column(col, col, _width_of(scan, col))
            for col, width in zip(own, (12, FINDINGS_WIDTH, FIX_WIDTH), strict=True):
                ws.set_column(col, col, width, wrap if width > 12 else None)
        write_string, write_number = ws.write_string, ws.write_number  # the hot loop: plain type dispatch
        csv_source, quoted, date_format = source.kind == "csv", fmt["quoted"], fmt["date"]
        for r, values in enumerate(spool.rows(scan.height)):
            result = None
            if next_row is not None and next_row.row == r:
                result = next_result
                next_row, next_result = next(pending, (None, None))
            if result is not None and (len(result.findings) > FINDINGS_WIDTH or len(result.fix) > FIX_WIDTH or "\n" in result.findings):
                ws.set_row(r, text_height([(result.findings, FINDINGS_WIDTH), (result.fix, FIX_WIDTH)]))
            for c, value in enumerate(values):
                if value is None or value == "" or c in own:
                    continue
                if csv_source:
                    value = _csv_value(value)
                kind = type(value)
                if kind is str:
                    write_string(r, c, value, quoted if value[0] in DANGEROUS_FIRST else (fmt["th"] if r == header else None))
                elif kind is float or kind is int:
                    write_number(r, c, value)
                elif kind is bool:
                    ws.write_boolean(r, c, value)
                elif isinstance(value, datetime | date):
                    ws.write_datetime(r, c, value, date_format)
                else:
                    write_string(r, c, str(value))
            if r == header:
                for col, title in zip(own, OWN_COLUMNS.values(), strict=True):
                    write_string(r, col, title, fmt["th"])
            elif result is not None:
                for col, value in zip(own, result[:3], strict=True):
                    if value:
                        write_string(r, col, value, quoted if value[0] in DANGEROUS_FIRST else None)
                done(1)
        if scan.columns is not None:
            last_row = max(scan.height - 1, header + 1)
            for status, (fill, font) in STATUS_COLOURS.items():
                cf = wb.add_format({"bg_color": "#" + fill, "font_color": "#" + font, "bold": True})
                ws.conditional_format(
                    header + 1, own[0], last_row, own[0], {"type": "cell", "criteria": "==", "value": f'"{status}"', "format": cf}
                )
            ws.freeze_panes(header + 1, 0)
            ws.autofilter(header, 0, last_row, max(own))
            ws.repeat_rows(header)
            ws.set_landscape()
            wide = sum(_width_of(scan, c) for c in range(scan.width)) + 12 + FINDINGS_WIDTH + FIX_WIDTH > PRINT_ONE_PAGE_WIDTH
            ws.fit_to_pages(2 if wide else 1, 0)
            if wide:
                ws.print_across()
                ws.repeat_columns(0)
            ws.set_margins(0.4, 0.4, 0.75, 0.75)
            ws.set_header("&L&A&RChecked &D", {"margin": 0.3})
            ws.set_footer("&LCheck Status: error = red, warning = amber, clean = green&RPage &P of &N", {"margin": 0.3})


# ----------------------------------------------------------------------------- check_sheet


class _Progress:
    """Rows read, checked and written, reported now and then as (done, total)."""

    def __init__(self, callback: Progress | None, total: int):
        self.callback, self.total, self.done, self._next = callback, max(total, 1), 0, 0

    def __call__(self, n: int = 1) -> None:
        self.done += n
        if self.callback is not None and self.done >= self._next:
            self._next = self.done + max(self.total // 200, 1)
            self.callback(min(self.done, self.total), self.total)

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(self.total, self.total)


def _check_output(source: Source, output_path: Path, force: bool) -> None:
    suffix = output_path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm"):
        raise SheetError(f"{output_path.name}: the output must be an .xlsx (or .xlsm) file")
    if suffix == ".xlsm" and source.kind != "xlsm":
        raise SheetError(f"{output_path.name}: only a macro workbook (.xlsm) can be written as .xlsm; use .xlsx")
    if output_path.resolve() == source.path.resolve():
        raise SheetError(f"{output_path.name}: the output must be a new file; the charge sheet itself is never changed")
    if output_path.exists() and not force:
        raise SheetError(f"{output_path.name}: already exists; use --force to replace it")
    if not output_path.parent.is_dir():
        raise SheetError(f"{output_path.name}: the folder {output_path.parent} does not exist")


def check_sheet(
    input_path: Path,
    output_path: Path,
    ruleset: Ruleset | None = None,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    mode: Mode = "auto",
    workers: int | None = None,
) -> SheetSummary:
    """Check every claim of a charge sheet and write the annotated copy to ``output_path``.

    Raises :class:`SheetError` for a file that cannot be used (named in the message), for an existing
    output without ``force``, and when no sheet has a procedure-code column. ``progress(done, total)``
    is called as rows are read, checked and written. ``mode`` forces the full or the fast path.
    A sheet of ``PARALLEL_MIN_ROWS`` to ``PARALLEL_MAX_ROWS`` rows is checked by this process and one worker process
    (``python -m excel_addin.worker``) on a machine with two cores or more; ``workers=1`` keeps everything in process.

    Example: ``check_sheet(Path("charges.xlsx"), Path("charges.checked.xlsx")).by_status``
    gives ``{"error": 3, "warning": 5, "clean": 40}``.
    """
    started = time.perf_counter()
    input_path, output_path = Path(input_path), Path(output_path)
    source = inspect_input(input_path)
    _check_output(source, output_path, force)
    ruleset = ruleset or load_ruleset()
    fast = mode == "fast" or (mode == "auto" and (source.rows_estimate > FULL_PATH_MAX_ROWS or source.worksheet_xml > FULL_PATH_MAX_XML))
    engine: Literal["calamine", "openpyxl"] = "openpyxl" if source.worksheet_xml > CALAMINE_MAX_XML else "calamine"
    ticker = _Progress(progress, 3 * max(source.rows_estimate, 1))
    with _worker_pool(fast and PARALLEL_MIN_ROWS <= source.rows_estimate <= PARALLEL_MAX_ROWS and workers != 1) as worker:
        return _check(source, output_path, ruleset, fast, engine, ticker, worker, started)


@contextlib.contextmanager
def _worker_pool(wanted: bool) -> Iterator[Worker | None]:
    """A worker process for half of the claim checks, started now so that its imports overlap the reading."""
    if not wanted or (os.cpu_count() or 1) < 2:
        yield None
        return
    worker = Worker()
    try:
        yield worker
    finally:
        worker.close()


def _check(
    source: Source,
    output_path: Path,
    ruleset: Ruleset,
    fast: bool,
    engine: Literal["calamine", "openpyxl"],
    ticker: _Progress,
    worker: Worker | None,
    started: float,
) -> SheetSummary:
    input_path = source.path

    wb = None if fast else _open_full(source)
    formulas = _formula_cells(wb) if wb is not None and source.kind != "csv" else {}
    spool = _Spool() if fast else None
    scans: list[SheetScan] = []
    try:
        for index, sheet in enumerate(_read_sheets(source, engine)):
            in_code = formulas.get(sheet.name)
            scan = scan_sheet(
                sheet,
                index,
                text_dates_are_normal=source.kind == "csv",
                formula_in_code=(lambda r, c, f=in_code: (r, c) in f) if in_code else None,  # type: ignore[misc]
                keep=spool.add if spool else None,
                step=ticker,
            )
            if scan is not None:
                scans.append(scan)
    except Exception as err:  # calamine and openpyxl raise their own types for damaged parts
        if spool is not None:
            spool.file.close()
        if isinstance(err, SheetError):
            raise
        raise SheetError(f"{input_path.name}: the workbook is damaged and cannot be read ({err.__class__.__name__}: {err})") from None

    charge = [s for s in scans if s.columns is not None]
    if not charge:
        if spool is not None:
            spool.file.close()
        raise SheetError(
            f"{input_path.name}: no procedure code column found (looked for a header such as CPT, Procedure Code, HCPCS or Code "
            f"in the first {HEADER_SCAN_ROWS} rows of: {', '.join(s.name for s in scans) or 'no sheets'})"
        )
    all_rows = [r for s in charge for r in s.rows]
    ticker.total = ticker.done + 2 * len(all_rows)
    base = ticker.done
    checks = start_checks(all_rows, ruleset, detail=not fast, progress=lambda n: ticker(base + n - ticker.done), worker=worker)
    del all_rows
    results = SheetResults(checks)
    for scan in charge:  # the rows were the sheets' rows one after the other
        results.offsets[scan.index] = results.size
        results.size += len(scan.rows)

    def summary() -> SheetSummary:
        tally = checks.wait().tally
        made = SheetSummary(
            to_fix=_rows_to_fix(charge, results),
            input=str(input_path),
            output=str(output_path),
            path="fast" if fast else "full",
            sheets=[s.name for s in charge],
            **_summary_counts(tally),
            columns_recognised={h: f for s in charge if s.columns for h, f in s.columns.recognised.items()},
            columns_ignored=list(dict.fromkeys(h for s in charge if s.columns for h in s.columns.ignored)),
            kept=(
                "values and the Check columns (the fast path for large sheets)."
                if fast
                else "your data, formats, formulas, comments, validations and conditional formats; offending cells get a comment and a fill."
            ),
            not_kept=FAST_NOT_KEPT if fast else FULL_NOT_KEPT,
            notes=list(dict.fromkeys(n for s in scans for n in s.notes)),
            ruleset_version=ruleset.version,
        )
        if not fast and source.has_drawings:
            made.notes.append("The workbook has images, charts or shapes: the checked copy does not (your original keeps them).")
        if fast and engine == "openpyxl":
            made.notes.append("Very large workbook: read with openpyxl in read-only mode; merged cells are not filled down.")
        if source.kind == "xlsm" and output_path.suffix.lower() == ".xlsx":
            made.notes.append("Macros are not in the .xlsx copy; write to .xlsm to keep them.")
        if fast and source.kind == "xlsm" and output_path.suffix.lower() == ".xlsm":
            made.notes.append("Macros were copied to the checked workbook.")
        made.seconds = round(time.perf_counter() - started, 2)
        return made

    tmp = output_path.with_name(f".{output_path.stem}.{os.getpid()}.tmp{output_path.suffix}")
    try:
        if fast:
            assert spool is not None
            done = _save_fast(source, scans, results, spool, tmp, ticker, summary, ruleset)
        else:
            for scan in charge:
                _annotate(wb, scan, results.of(scan), ticker)
            done = summary()
            _save_full(wb, tmp, done, ruleset)
        os.replace(tmp, output_path)
    finally:
        checks.wait()  # never leave the worker's answer unread
        if spool is not None:
            spool.file.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    ticker.finish()
    done.seconds = round(time.perf_counter() - started, 2)
    return done


@dataclass
class SheetResults:
    """The check results of every charge sheet's rows (sheet after sheet), read as the writers need them."""

    checks: Checks
    offsets: dict[int, int] = field(default_factory=dict)  # sheet index -> position of its first row
    size: int = 0

    def of(self, scan: SheetScan) -> Iterator[RowResult]:
        """The results of one sheet's rows, in row order; waits for the worker only when it reaches its rows."""
        start = self.offsets.get(scan.index, 0)
        for k in range(len(scan.rows)):
            yield self.checks.result(start + k)


TO_FIX_ROWS = 40


def _rows_to_fix(scans: list[SheetScan], results: SheetResults) -> list[RowIssue]:
    picked: list[RowIssue] = []
    for wanted in ("error", "warning"):
        for scan in scans:
            for row, result in zip(scan.rows, results.of(scan), strict=True):
                if result.status == wanted and len(picked) < TO_FIX_ROWS:
                    claim = claim_label(row)
                    picked.append(
                        RowIssue(
                            sheet=scan.name,
                            row=row.row + 1,
                            claim=claim,
                            code=row.code,
                            status=wanted,
                            findings=result.findings,
                            fix=result.fix,
                        )
                    )
    return picked


def _save_full(wb: Any, tmp: Path, summary: SheetSummary, ruleset: Ruleset) -> None:
    for ws in list(wb.worksheets):  # our Summary and FAQ from an earlier check are replaced
        if ws.cell(1, 1).value in (SUMMARY_TITLE, FAQ_TITLE):
            wb.remove(ws)
    names = list(wb.sheetnames)
    write_summary(OpenpyxlOut(wb.create_sheet(_free_name(names, "Summary"), 0)), summary)
    write_faq(OpenpyxlOut(wb.create_sheet(_free_name(names, "FAQ"))), ruleset)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    wb.active = 0
    wb.active.sheet_view.tabSelected = True
    wb.save(tmp)


def _save_fast(
    source: Source,
    scans: list[SheetScan],
    results: SheetResults,
    spool: _Spool,
    tmp: Path,
    ticker: _Progress,
    summary: Callable[[], SheetSummary],
    ruleset: Ruleset,
) -> SheetSummary:
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    wb = xlsxwriter.Workbook(str(tmp), options)
    if source.kind == "xlsm" and tmp.suffix.lower() == ".xlsm":
        with zipfile.ZipFile(source.path) as zf, contextlib.suppress(KeyError):
            wb.add_vba_project(io.BytesIO(zf.read("xl/vbaProject.bin")), is_stream=True)
    names = [s.name for s in scans]
    summary_out = XlsxOut(wb, wb.add_worksheet(_free_name(names, "Summary")))
    _write_fast(source, scans, results, spool, wb, ticker)
    faq_out = XlsxOut(wb, wb.add_worksheet(_free_name(names, "FAQ")))
    write_faq(faq_out, ruleset)
    done = summary()
    write_summary(summary_out, done)
    summary_out.close()
    faq_out.close()
    wb.close()
    return done


def _free_name(taken: list[str], name: str) -> str:
    n, candidate = 2, name
    while candidate.lower() in (t.lower() for t in taken):
        candidate, n = f"{name} {n}", n + 1
    return candidate


# ----------------------------------------------------------------------------- template


TEMPLATE_COLUMNS: list[tuple[str, str, float]] = [
    ("claim_id", "Groups lines into one claim. Leave empty to group by Patient ID and DOS.", 12),
    ("patient_id", "Your patient or account number (no names needed).", 12),
    ("dos", "Date of service, as a date.", 12),
    ("payer_type", "medicare, medicaid, commercial or self_pay.", 13),
    ("payer_name", "Payer name as on the claim, e.g. Medicare Part B.", 20),
    ("npi", "Rendering provider NPI, 10 digits.", 13),
    ("code", "CPT or HCPCS code, e.g. 17000. Typed as text so leading zeros stay.", 10),
    ("mod1", "First modifier, e.g. 25, 59, XS.", 8),
    ("mod2", "Second modifier.", 8),
    ("units", "Units, a whole number (default 1).", 7),
    ("dx1", "First ICD-10-CM code for this line, e.g. L57.0.", 10),
    ("dx2", "Second ICD-10-CM code.", 10),
    ("prior_auth", "Prior authorization number, when one was obtained.", 12),
    ("lesion_count", "Lesions treated on this line (destruction, injections, skin tags).", 9),
    ("site", "Body site: face, scalp, trunk, arm, leg, hand, ...", 11),
    ("size_cm", "Excised diameter in cm (lesion plus margins).", 9),
    ("pathology", "benign, premalignant, malignant, in_situ or pending.", 13),
    ("charge", "Billed amount.", 10),
]
TEMPLATE_EXAMPLES = [
    ["EX-1001", "PT-0001", date(2026, 3, 2), "medicare", "Medicare Part B", "1234567893", "99213", "25", "", 1, "L40.0", "", "", None, "", None, "", 120.0],
    ["EX-1001", "PT-0001", date(2026, 3, 2), "medicare", "Medicare Part B", "1234567893", "17000", "", "", 1, "L57.0", "", "", 1, "face", None, "premalignant", 95.0],
]  # fmt: skip


def write_template(output_path: Path, *, force: bool = False) -> Path:
    """An empty charge sheet with the recognised headers, drop-down lists, input hints and two example rows."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from derm_core.codes import modifiers
    from derm_core.models import Pathology, PayerType, Site

    output_path = Path(output_path)
    if output_path.suffix.lower() != ".xlsx":
        raise SheetError(f"{output_path.name}: the template is an .xlsx file")
    if output_path.exists() and not force:
        raise SheetError(f"{output_path.name}: already exists; use --force to replace it")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Charges"
    lists = wb.create_sheet("Lists")
    choices = {
        "payer_type": [p.value for p in PayerType],
        "mod": sorted(modifiers()),
        "site": list(get_args(Site)),
        "pathology": list(get_args(Pathology)),
    }
    ranges = {}
    for col, (key, values) in enumerate(choices.items(), 1):
        lists.cell(1, col, key).font = openpyxl.styles.Font(bold=True)
        for r, v in enumerate(values, 2):
            lists.cell(r, col, v).data_type = "s"
        letter = get_column_letter(col)
        ranges[key] = f"Lists!${letter}$2:${letter}${len(values) + 1}"
    lists.sheet_state = "hidden"
    out = OpenpyxlOut(ws)
    last = 1000
    for col, (fld, hint, width) in enumerate(TEMPLATE_COLUMNS):
        out.put(0, col, SYNONYMS[fld][0], "th")
        ws.cell(1, col + 1).comment = Comment(hint, "derm sheet template")
        letter = get_column_letter(col + 1)
        ws.column_dimensions[letter].width = width + 4
        listed = "mod" if fld.startswith("mod") else fld
        dv = (
            DataValidation(type="list", formula1=ranges[listed], allow_blank=True) if listed in ranges else DataValidation(allow_blank=True)
        )
        if fld in ("units", "lesion_count"):
            dv = DataValidation(type="whole", operator="between", formula1="0", formula2="999", allow_blank=True)
            dv.error, dv.errorTitle, dv.showErrorMessage = "Enter a whole number.", "Whole number", True
        elif fld == "dos":
            dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
            dv.error, dv.errorTitle, dv.showErrorMessage = "Enter the date of service as a date.", "Date", True
        elif listed in ranges:
            dv.error, dv.errorTitle = f"Choose a value from the list ({', '.join(choices[listed][:6])}...).", SYNONYMS[fld][0]
            dv.showErrorMessage = fld != "mod1" and fld != "mod2"  # rare modifiers may still be typed
        dv.promptTitle, dv.prompt, dv.showInputMessage = SYNONYMS[fld][0][:32], hint[:255], True
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
        if fld in ("code", "mod1", "mod2", "dx1", "dx2", "npi", "patient_id", "claim_id"):
            for r in range(2, last + 1):
                ws.cell(r, col + 1).number_format = "@"
        elif fld == "dos":
            for r in range(2, last + 1):
                ws.cell(r, col + 1).number_format = "m/d/yyyy"
    for r, example in enumerate(TEMPLATE_EXAMPLES, 1):
        for c, value in enumerate(example):
            if value not in (None, ""):
                ws.cell(r + 1, c + 1).value = value
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(TEMPLATE_COLUMNS))}{last}"
    _print_setup(ws, 0)
    tmp = output_path.with_name(f".{output_path.stem}.{os.getpid()}.tmp.xlsx")
    wb.save(tmp)
    os.replace(tmp, output_path)
    return output_path
