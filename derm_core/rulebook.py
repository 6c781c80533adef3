"""The rules workbook: the admin tables as an Excel workbook that admins edit and import again.

An Instructions sheet first, then one sheet per table (``admin.TABLES``), with drop-down lists for the
fixed vocabularies. Exporting and importing an unchanged workbook gives exactly the same ruleset ("no changes").
Reading never stops at the first problem: every problem is returned with its sheet, row and column.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from .admin import TABLES, Problem, Table
from .models import PayerType
from .ruleset import Ruleset

BASE_LABEL = "Exported from version"
LISTS_SHEET = "Lists"
YES, NO = "yes", "no"
LIST_FIELDS = {"questions", "codes", "modifiers", "rules", "references"}
DATE_FIELDS = {"effective_from", "effective_to", "reviewed"}
STRIPPED = {"payer", "payer_type", "code", "kind", "severity", "rule", "id", "topic"}  # identifiers: spaces are typos
CHOICES = {
    "payer_type": [t.value for t in PayerType],
    "kind": ["not_covered", "requires_modifier", "allowed_pos", "note"],
    "severity": ["error", "warning", "info"],
    "enabled": [YES, NO],
}
WIDTHS = {"payer": 24, "code": 14, "note": 60, "message": 60, "answer": 80, "questions": 50, "references": 40, "title": 40, "value": 14}

INSTRUCTIONS = """\
How to use this workbook
1. Edit the rows on the sheets that follow; each sheet is one table of the ruleset. Add a row to add a rule, delete a row to remove one.
2. Payer: the payer's name as it appears on claims (any capitalisation), or * for every payer. Payer Type: leave empty for all types.
3. Code: one code (96920), a range of codes of the same length (96920-96922), or * for every code.
4. Effective From / Effective To: optional dates (YYYY-MM-DD) that limit a row to dates of service in that period.
5. Cells with a drop-down accept only the listed values. In list cells (FAQ Questions, Codes, Rules, References) put one item per line (Alt+Enter).
6. Save, then import: derm rules import rules.xlsx --author "Your Name" --reason "Why" --dry-run (check the changes), then again without --dry-run to publish.
   In Slack: upload the file to the bot, read the changes, press Publish.
7. A workbook with any problem is refused whole, with the sheet, row and column of every problem; nothing changes until it imports cleanly.
8. If someone else published since this workbook was exported, the import is refused: export again and redo your edits.

Sheets
- Prior Authorization: codes that need prior authorization for a payer (Payer, Code, Note).
- Payer Policies: payer-specific rules. Kind: not_covered, requires_modifier (Value = the modifier), allowed_pos (Value = place-of-service codes, comma-separated), note.
- Unit Limits: the most units a payer pays for a code per date of service (overrides the code's own limit).
- Cosmetic: codes a payer treats as cosmetic.
- Rule Overrides: turn a rule off (Enabled = no) or change its severity for one payer or payer type. `derm rule` lists the rules.
- FAQ: the answers the Slack bot and `derm ask` give. Questions, Codes, Rules and References hold one item per line.
- Payers: how payer names on claims and charge sheets are typed (medicare, medicaid, commercial, self_pay). Payer: a name, or a
  pattern with * such as *medicare advantage*; the most specific row wins. Plan: what kind of plan it is (Medicare Advantage ...).
  A payer that matches no row is flagged in the charge-sheet Summary."""


def _cell_value(table: Table, name: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list):
        return "\n".join(map(str, value)) if value else None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str) and value == "":
        return None
    return value


def export_workbook(
    ruleset: Ruleset, path: str | Path, *, base: int | None = None, about: str = "", rule_ids: list[str] | None = None
) -> None:
    """Write ``ruleset``'s admin tables to ``path``. ``base``: the store version it comes from (checked on import)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    info = book.active
    assert info is not None
    info.title = INSTRUCTIONS_SHEET
    info["A1"] = "Dermatology billing rules"
    info["A1"].font = Font(bold=True, size=14)
    info["A3"], info["B3"] = BASE_LABEL, base
    info["A4"], info["B4"] = "Ruleset", f"{ruleset.version} (effective {ruleset.effective.isoformat()})"
    if about:
        info["A5"], info["B5"] = "Published", about
    for i, line in enumerate(INSTRUCTIONS.splitlines(), start=7):
        info.cell(row=i, column=1, value=line).font = Font(bold=line in ("How to use this workbook", "Sheets"))
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 60

    lists = book.create_sheet(LISTS_SHEET)
    list_ranges = {}
    for col, (name, values) in enumerate([*CHOICES.items(), ("rule", rule_ids or [])], start=1):
        letter = get_column_letter(col)
        lists.cell(row=1, column=col, value=name)
        for r, v in enumerate(values, start=2):
            lists.cell(row=r, column=col, value=v)
        list_ranges[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${max(2, len(values) + 1)}"
    lists.sheet_state = "hidden"

    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for table in TABLES:
        ws = book.create_sheet(table.sheet)
        rows = getattr(ruleset, table.field)
        fields = [f for _, f in table.columns]
        ws.append([h for h, _ in table.columns])
        for cell in ws[1]:
            cell.font, cell.fill = Font(bold=True), header_fill
        for row in rows:
            data = row.model_dump()
            ws.append([_cell_value(table, f, data.get(f)) for f in fields])
        last = max(len(rows) + 500, 1000)
        for col, name in enumerate(fields, start=1):
            letter = get_column_letter(col)
            ws.column_dimensions[letter].width = WIDTHS.get(name, 16)
            span = f"{letter}2:{letter}{last}"
            if name in DATE_FIELDS:
                for (cell,) in ws.iter_rows(min_row=2, max_row=len(rows) + 1, min_col=col, max_col=col):
                    cell.number_format = "yyyy-mm-dd"
                dv = DataValidation(type="date", operator="greaterThan", formula1="DATE(1990,1,1)", allow_blank=True)
                dv.error, dv.prompt = "A date such as 2026-01-31", "YYYY-MM-DD"
            elif name == "max_units":
                dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
                dv.error = "A whole number, 0 or more"
            elif name in list_ranges and not (name == "rule" and table.field == "faq"):
                dv = DataValidation(type="list", formula1=f"={list_ranges[name]}", allow_blank=True)
                dv.error = "Pick a value from the list"
            else:
                if name in ("code", "id"):
                    for (cell,) in ws.iter_rows(min_row=2, max_row=len(rows) + 1, min_col=col, max_col=col):
                        cell.number_format = "@"
                if name in LIST_FIELDS or name in ("answer", "note", "message"):
                    for (cell,) in ws.iter_rows(min_row=2, max_row=len(rows) + 1, min_col=col, max_col=col):
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                continue
            dv.showErrorMessage = True
            dv.add(span)
            ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{len(rows) + 1}"
    book.move_sheet(LISTS_SHEET, offset=len(TABLES))
    book.save(path)


INSTRUCTIONS_SHEET = "Instructions"
_SHEET_NAME = re.compile(r"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"")


def sheet_names(path: str | Path) -> list[str]:
    """The sheet names of an .xlsx package, read from its ``xl/workbook.xml`` alone (no cell is parsed, so this
    is cheap and safe on any upload); [] when the file is not a workbook."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("xl/workbook.xml")
            if info.file_size > 1024 * 1024:
                return []
            xml = zf.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return []
    return [html.unescape(n) for n in _SHEET_NAME.findall(xml)]


def looks_like_rulebook(path: str | Path) -> bool:
    """A rules workbook (``export_workbook``'s layout) rather than a charge sheet: an Instructions sheet and a
    table sheet, or three of the table sheets. A workbook with a sheet missing still counts, so that its
    problems are listed instead of it being read as charges.

    >>> import tempfile
    >>> from derm_core.ruleset import default_ruleset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     export_workbook(default_ruleset(), Path(tmp) / "rules.xlsx")
    ...     looks_like_rulebook(Path(tmp) / "rules.xlsx")
    True
    """
    names = set(sheet_names(path))
    tables = sum(1 for t in TABLES if t.sheet in names)
    return tables >= 3 or (INSTRUCTIONS_SHEET in names and tables >= 1)


@dataclass
class ReadResult:
    raw: dict[str, Any]
    base: int | None
    rows: dict[str, list[int]] = field(default_factory=dict)  # table field -> sheet row of each data row
    problems: list[Problem] = field(default_factory=list)

    def row_number(self, table: str, index: int) -> int:
        numbers = self.rows.get(table, [])
        return numbers[index] if index < len(numbers) else index + 2

    def all_problems(self) -> list[Problem]:
        """The layout problems and, so that one round of fixes is enough, the value problems in the readable cells."""
        if not self.problems:
            return []
        from .admin import Rejected, validate_candidate

        try:
            validate_candidate(self.raw, self.row_number, run_cases=False)
        except Rejected as e:
            return self.problems + [p for p in e.problems if p not in self.problems]
        return self.problems


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def _convert(name: str, value: Any) -> Any:
    """A cell's value as the row model expects it (pydantic reports what is still wrong)."""
    if isinstance(value, str) and name in STRIPPED:
        value = value.strip()
    if name in LIST_FIELDS:
        return [p.strip() for p in _text(value).split("\n") if p.strip()]
    if name in DATE_FIELDS:
        if isinstance(value, datetime):
            return value.date()
        return value.strip() if isinstance(value, str) else value
    if name == "enabled":
        text = _text(value).strip().lower()
        return {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}.get(text, value)
    if name == "max_units":
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _text(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value


def read_workbook(path: str | Path) -> ReadResult:
    """Read a rules workbook into ruleset data, with every problem (sheet, row, column, why)."""
    from .sheets.workbook import SheetError, open_workbook

    result = ReadResult({"version": "candidate", "effective": date.today().isoformat()}, None)
    try:
        book = open_workbook(Path(path), data_only=True)
    except (SheetError, OSError) as e:
        result.problems.append(Problem("Workbook", None, None, f"cannot be read as an Excel workbook (.xlsx): {e}"))
        return result
    if INSTRUCTIONS_SHEET in book.sheetnames:
        labels = 0
        for label, value in book[INSTRUCTIONS_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
            labels += label == BASE_LABEL
            if label == BASE_LABEL and value not in (None, ""):
                try:
                    result.base = int(_text(value))
                except ValueError:
                    result.problems.append(Problem("Instructions", None, BASE_LABEL, f"not a version number: {value!r}"))
        if not labels:  # without it, a publish made meanwhile would be silently overwritten
            why = f"the cell A3 '{BASE_LABEL}' (and the version next to it in B3) is missing; export the rules again and redo the edits"
            result.problems.append(Problem("Instructions", 3, "A", why))
    for table in TABLES:
        if table.sheet not in book.sheetnames:
            if not table.optional:
                result.problems.append(Problem(table.sheet, None, None, "sheet missing"))
            continue
        result.raw[table.field], result.rows[table.field] = _read_sheet(book[table.sheet], table, result.problems)
    book.close()
    return result


def _read_sheet(ws: Any, table: Table, problems: list[Problem]) -> tuple[list[dict[str, Any]], list[int]]:
    """The sheet's data rows by field, and their sheet row numbers. A value under a header cell that cannot be
    read (empty, or beyond the last header) is a problem naming the cell: dropping it would drop an admin's edit."""
    from openpyxl.utils import get_column_letter

    by_header = {h.casefold(): f for h, f in table.columns}
    rows_iter = ws.iter_rows(values_only=True)
    header = next(rows_iter, None) or ()
    columns: list[str | None] = []
    for value in header:
        name = _text(value).strip() if value is not None else ""
        if not name:
            columns.append(None)
            continue
        known = by_header.get(name.casefold())
        if known is None:
            problems.append(Problem(table.sheet, 1, name, f"unknown column; the columns are {_layout(table)}"))
        if known is not None and known in columns:
            problems.append(Problem(table.sheet, 1, name, "column appears twice"))
        columns.append(known)
    required = [f for f, info in table.model.model_fields.items() if info.is_required()]
    for f in required:
        if f not in columns:
            problems.append(Problem(table.sheet, 1, table.header(f), "column missing"))
    headerless: dict[int, list[int]] = {}  # column index -> sheet rows with a value under an unreadable header
    out, numbers = [], []
    for n, values in enumerate(rows_iter, start=2):
        if all(_blank(v) for v in values):
            continue
        row = {}
        for i, value in enumerate(values):
            column = columns[i] if i < len(columns) else None
            if column is None:
                if not _blank(value) and (i >= len(header) or _blank(header[i])):
                    headerless.setdefault(i, []).append(n)
                continue
            if value is None or (isinstance(value, str) and value == ""):
                continue
            row[column] = _convert(column, value)
        out.append(row)
        numbers.append(n)
    for i, found in headerless.items():
        cell = f"{get_column_letter(i + 1)}1"
        rows = f"row {found[0]}" if len(found) == 1 else f"rows {found[0]}-{found[-1]}"
        problems.append(
            Problem(
                table.sheet,
                1,
                get_column_letter(i + 1),
                f"the header cell {cell} is empty, but the column has values ({len(found)} in {rows}) that would be ignored; "
                f"type the column's name back in {cell} (the columns are {_layout(table)}) or clear the column",
            )
        )
    return out, numbers


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _layout(table: Table) -> str:
    return ", ".join(h for h, _ in table.columns)
