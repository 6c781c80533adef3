"""The full path: openpyxl loads the whole workbook and keeps its formats, formulas, comments and validations;
the Check columns are added and offending cells get a comment and a fill."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from derm_core.sheets.columns import OWN_COLUMNS, ColumnMap
from derm_core.sheets.read import SheetScan, csv_value, read_sheets, sheet_title
from derm_core.sheets.rows import RowResult
from derm_core.sheets.workbook import EXCEL_MAX_COLS, SheetError, Source, open_workbook

from .write import (
    FINDINGS_WIDTH,
    FIX_WIDTH,
    PRINT_ONE_PAGE_WIDTH,
    STATUS_COLOURS,
    STYLES,
    is_dangerous,
    openpyxl_style,
    print_setup,
    text_height,
)

OUR_AUTHOR = "derm sheet check"


def check_columns(scan: SheetScan) -> tuple[int, int, int]:
    """0-based columns of Check Status, Check Findings, Check Fix: reused from an earlier check, else after the data."""
    assert scan.columns is not None
    fields = scan.columns.fields
    free = max([scan.table_width or scan.width, scan.drawings_end] + [fields[k] + 1 for k in OWN_COLUMNS if k in fields])
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


def open_full(source: Source) -> Any:
    """The openpyxl workbook the full path annotates: the workbook itself, or for a CSV, .xls or .ods file a new
    workbook holding its values (sheet by sheet, hidden sheets hidden)."""
    import openpyxl

    if source.kind in ("csv", "xls", "ods"):
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for sheet in read_sheets(source, "calamine"):
            ws = wb.create_sheet(sheet.name[:31])
            if sheet.hidden:
                ws.sheet_state = "hidden"
            for values in sheet.rows:
                ws.append([csv_value(v) if source.kind == "csv" and isinstance(v, str) else v for v in values])
        for ws in wb.worksheets:
            for cell in ws._cells.values():  # a text value stays text: never let it become a formula
                if is_dangerous(cell.value):
                    cell.data_type, cell.quotePrefix = "s", True
        if not wb.worksheets:
            wb.create_sheet(sheet_title(source.path.stem))
        return wb
    return open_workbook(source.path, keep_vba=source.kind == "xlsm", keep_links=True, rich_text=True)


def formula_cells(wb: Any) -> dict[str, set[tuple[int, int]]]:
    """0-based (row, column) of every formula cell, by sheet."""
    return {ws.title: {(r - 1, c - 1) for (r, c), cell in ws._cells.items() if cell.data_type == "f"} for ws in wb.worksheets}


def annotate(wb: Any, scan: SheetScan, results: Iterable[RowResult], done: Callable[[int], None]) -> None:
    """Write the Check columns into one openpyxl sheet, comment and fill the offending cells, format the sheet."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    assert scan.columns is not None
    ws, cols = wb[scan.name], scan.columns
    status_col, findings_col, fix_col = check_columns(scan)
    h = cols.header_row + 1  # 1-based header row
    header_style = openpyxl_style(STYLES["th"])
    for col, title in ((status_col, "Check Status"), (findings_col, "Check Findings"), (fix_col, "Check Fix")):
        cell = ws.cell(h, col + 1, title)
        for attr, value in header_style.items():
            setattr(cell, attr, value)
    for key, col in zip(OWN_COLUMNS, (status_col, findings_col, fix_col), strict=True):
        if key not in cols.fields:
            continue
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
            if isinstance(target, MergedCell):  # a merged cell takes no comment: the code cell, else none
                target = ws.cell(r, cols.fields["code"] + 1)
                if isinstance(target, MergedCell):
                    continue
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
    if ws.freeze_panes is None and not ws.sheet_view.pane:  # the user's own panes stay as they were
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
    code = cols.fields["code"]
    first = min(
        [code] + [cols.fields[f] for f in ("claim_id", "patient_id", "patient_name") if f in cols.fields and code - cols.fields[f] < 4]
    )
    repeat = f"{get_column_letter(first + 1)}:{get_column_letter(code + 1)}"  # the claim and the code print beside the Check columns
    print_setup(ws, cols.header_row, wide=_sheet_width(ws, scan) > PRINT_ONE_PAGE_WIDTH, repeat_cols=repeat)


def _sheet_width(ws: Any, scan: SheetScan) -> float:
    from openpyxl.utils import get_column_letter

    return sum(ws.column_dimensions[get_column_letter(c + 1)].width or 9 for c in range(scan.width + 3))


def _mark_column(cols: ColumnMap, fld: str) -> int:
    """The column a finding's comment goes on: the field's own column, else the code column."""
    options = {"mods": ("mod1", "modifiers"), "dx": ("dx1", "diagnoses", "dx_pointer"), "payer_type": ("payer_type", "payer_name")}.get(
        fld, (fld,)
    )
    return next((cols.fields[o] for o in options if o in cols.fields), cols.fields["code"])


def split_column_ranges(ws: Any, upto: int) -> None:
    """Give every column up to ``upto`` (1-based) its own width entry: a grouped ``<col min max>`` range that a new
    width falls inside would otherwise be written as two overlapping ranges, which Excel repairs."""
    import copy

    from openpyxl.utils import get_column_letter

    for key, dim in list(ws.column_dimensions.items()):
        lo, hi = dim.min or 0, dim.max or 0
        if not lo or hi <= lo:
            continue
        for col in range(lo, min(hi, upto) + 1):
            one = copy.copy(dim)
            one.index, one.min, one.max = get_column_letter(col), col, col
            ws.column_dimensions[get_column_letter(col)] = one
        if hi > upto:
            rest = copy.copy(dim)
            rest.index, rest.min, rest.max = get_column_letter(upto + 1), upto + 1, hi
            ws.column_dimensions[get_column_letter(upto + 1)] = rest
        if get_column_letter(lo) != key:
            del ws.column_dimensions[key]


def _fit_widths(ws: Any, scan: SheetScan, ours: dict[int, float]) -> None:
    """Fit columns the user has not sized to their contents (capped); our columns get fixed widths."""
    from openpyxl.utils import get_column_letter

    split_column_ranges(ws, max(scan.width, *ours) + 1)
    for col in range(max(scan.width, *ours) + 1):
        letter = get_column_letter(col + 1)
        sized = letter in ws.column_dimensions and ws.column_dimensions[letter].width not in (None, 13)
        if col in ours:
            ws.column_dimensions[letter].width = ours[col]
        elif not sized:
            ws.column_dimensions[letter].width = width_of(scan, col)


def width_of(scan: SheetScan, col: int) -> float:
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
