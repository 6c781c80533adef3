"""Charge sheets without patient identifiers, for what goes back to Slack.

Before a sheet dropped in a DM is checked, the bot writes a copy without the columns that hold patient identifiers,
and checks that copy, so the annotated workbook it uploads holds none of them:

* by header: names, dates of birth, SSNs, phones, addresses, e-mails, member and subscriber ids (``IDENTIFIER_HEADERS``);
* by content, where the header is silent (a column the sheet reader does not recognise, or no header at all): every
  cell is read by the PHI detector (``derm_core.phi``), with the header as context, and a column with any identifier
  in it is removed; a column there was no time left to read is removed too;
* the patient column the reader groups rows into claims by (``Patient``, ``MRN``, ``Account``) is kept with each
  patient replaced by ``P1``, ``P2``, ... so that the check comes out exactly as on the original;
* sheets without charge lines are left out, and so are the rows above the header (titles such as "Charges for ...").
  Left-out rows stay empty, so row numbers match the original.

:class:`Stripped` says what was removed; the reply names the columns by letter, and by header text only when that
text is itself free of identifiers.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any, Literal

from derm_core.phi import find_phi
from derm_core.sheets.columns import HEADER_SCAN_ROWS, find_header, is_charge_sheet, normalise_header
from derm_core.sheets.read import FAQ_TITLE, SUMMARY_TITLE, MergedFiller, SheetIn, read_sheets
from derm_core.sheets.values import text
from derm_core.sheets.workbook import SheetError, inspect_input

SCAN_SECONDS = 15.0  # for the content of the silent columns of one workbook; what is left unread is removed

# Headers of columns that hold patient identifiers (compared as ``normalise_header`` makes them).
IDENTIFIER_HEADERS = frozenset(
    normalise_header(h)
    for h in [
        "\n    Name",
        "Patient Name",
        "Pt Name",
        "Full Name",
        "First Name",
        "Last Name",
        "First",
        "Last",
        "Middle Name",
        "Middle Initial",
        "MI",
        "FName",
        "LName",
        "Surname\n    ",
        "Given Name",
        "Family Name",
        "Patient First Name",
        "Patient Last Name",
        "Patient First",
        "Patient Last",
        "Last, First",
        "Name (Last, First)\n    ",
        "DOB",
        "Date of Birth",
        "Birth Date",
        "Birthdate",
        "Birthday",
        "Patient DOB",
        "Pt DOB",
        "Age\n    ",
        "SSN",
        "Social Security",
        "Social Security Number",
        "Social Security No",
        "SS#",
        "SSN#",
        "Patient SSN\n    ",
        "Phone",
        "Phone Number",
        "Phone No",
        "Telephone",
        "Tel",
        "Home Phone",
        "Cell",
        "Cell Phone",
        "Mobile",
        "Mobile Phone",
        "Work Phone",
        "Contact Number\n    ",
        "Email",
        "E-mail",
        "Email Address",
        "Patient Email\n    ",
        "Address",
        "Street",
        "Street Address",
        "Address 1",
        "Address 2",
        "Address Line 1",
        "Address Line 2",
        "Addr",
        "City",
        "State",
        "Zip",
        "Zip Code",
        "ZIP+4\n    ",
        "Postal Code",
        "Home Address",
        "Patient Address\n    ",
        "Member ID",
        "Member",
        "Member No",
        "Member Number",
        "Member #",
        "Subscriber",
        "Subscriber ID",
        "Subscriber Name",
        "Subscriber No",
        "Insured\n    ",
        "Insured ID",
        "Insured Name",
        "Policy",
        "Policy No",
        "Policy Number",
        "Policy #",
        "Policy ID",
        "Policyholder",
        "Insurance ID",
        "Ins ID\n    ",
        "Medicare ID",
        "Medicare Number",
        "MBI",
        "HICN",
        "Medicaid ID",
        "Medicaid Number",
        "Beneficiary ID",
        "Health Plan ID",
        "Card ID",
        "ID Number\n    ",
        "Guarantor",
        "Guarantor Name",
        "Guarantor Account",
        "Responsible Party",
        "Emergency Contact",
        "Next of Kin",
        "Spouse",
        "Parent",
        "Guardian\n    ",
        "Medical Record",
        "Medical Record Number",
        "Med Rec No",
        "Chart",
        "Chart Number",
        "Patient Number",
        "Pt ID",
        "Patient No",
        "Person ID",
        "Visit\n    ",
        "Visit Number",
        "Encounter Number",
        "Encounter #",
        "Account #",
        "Acct #",
        "Acct No",
        "Driver License",
        "License Number",
        "Photo\n    ",
    ]
    if h.strip()
)
# Columns the reader recognises that may still hold a name or a story: judged by header and content like any other.
SCREENED_FIELDS = frozenset({"patient_name", "notes", "description"})
PATIENT_FIELD = "patient_id"  # the reader groups rows into claims by it when there is no claim id


@dataclass(frozen=True)
class Column:
    sheet: str
    letter: str
    header: str | None  # None when the header is blank or holds an identifier itself
    why: Literal["header", "content", "unread", "pseudonym"]

    def label(self) -> str:
        return f"{self.letter} ({self.header})" if self.header else self.letter


@dataclass
class Stripped:
    """What :func:`strip_identifiers` wrote and left out."""

    path: Path
    removed: list[Column] = field(default_factory=list)
    pseudonymised: list[Column] = field(default_factory=list)
    sheets_left_out: int = 0
    title_rows: int = 0  # rows above a header, left empty

    @property
    def changed(self) -> bool:
        return bool(self.removed or self.pseudonymised or self.sheets_left_out or self.title_rows)


def column_letter(index: int) -> str:
    """``0`` -> ``A``, ``27`` -> ``AB``.

    >>> column_letter(0), column_letter(27)
    ('A', 'AB')
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_text(value: Any) -> str | None:
    if isinstance(value, datetime | date):
        return value.strftime("%m/%d/%Y")  # as a biller would see a date of birth
    return text(value)


@dataclass
class _Plan:
    header_row: int
    keep: list[int]  # source columns written, in order
    pseudonym: int | None  # the source column whose values become P1, P2, ...
    removed: list[Column]


def _plan(sheet: SheetIn, deadline: float) -> _Plan | None:
    """Read one sheet (streaming) and decide which columns to keep; None for a sheet without charge lines."""
    fill = MergedFiller(sheet.merged)
    head: list[list[Any]] = []
    for i, values in enumerate(sheet.rows):
        head.append(fill(i, values))
        if len(head) >= HEADER_SCAN_ROWS:
            break
    columns = find_header(head) if not (head and head[0] and head[0][0] in (SUMMARY_TITLE, FAQ_TITLE)) else None
    if columns is None or not is_charge_sheet(columns):
        for _ in sheet.rows:  # drain the reader
            pass
        return None
    recognised = {col: f for f, col in columns.fields.items() if f not in SCREENED_FIELDS}
    silent: dict[int, str | None] = {}  # columns whose header says nothing we know -> header text
    removed: dict[int, Column] = {}
    pseudonym = None
    width = max((len(r) for r in head), default=0)

    def shown(col: int) -> str | None:
        header = columns.headers.get(col)
        return header if header and not find_phi(header) else None

    def consider(col: int) -> None:
        header = columns.headers.get(col)
        if col in recognised or col in silent or col in removed:
            return
        if normalise_header(header) in IDENTIFIER_HEADERS:
            removed[col] = Column(sheet.name, column_letter(col), shown(col), "header")
        else:
            silent[col] = header

    for col in range(width):
        consider(col)
    seen: dict[int, set[str]] = {}
    rows = _chain(head, sheet.rows)
    for i, raw in enumerate(rows):
        if i <= columns.header_row:
            continue
        values = fill(i, raw) if i >= len(head) else raw
        for col in range(width, len(values)):  # a column wider than the header rows
            consider(col)
        width = max(width, len(values))
        if time.monotonic() > deadline:
            continue
        for col, header in list(silent.items()):
            value = _cell_text(values[col]) if col < len(values) else None
            if value is None or value in seen.setdefault(col, set()):
                continue
            seen[col].add(value)
            if find_phi(value) or (header and find_phi(f"{header}: {value}")):
                removed[col] = Column(sheet.name, column_letter(col), shown(col), "content")
                del silent[col]
    if time.monotonic() > deadline:
        for col in list(silent):
            removed[col] = Column(sheet.name, column_letter(col), shown(col), "unread")
            del silent[col]
    if PATIENT_FIELD in columns.fields:
        pseudonym = columns.fields[PATIENT_FIELD]
    keep = [c for c in range(width) if c not in removed]
    return _Plan(columns.header_row, keep, pseudonym, [removed[c] for c in sorted(removed)])


def _chain(head: list[list[Any]], rest: Iterable[list[Any]]) -> Iterator[list[Any]]:
    yield from head
    yield from rest


def strip_identifiers(source: Path, dest: Path) -> Stripped:
    """Write ``dest`` (.xlsx): ``source``'s charge sheets without their identifier columns (see the module's notes).
    When there is nothing to take out, nothing is written and ``Stripped.path`` is ``source`` itself (its formatting
    kept). Raises ``SheetError`` for a file that is not a usable workbook, as ``check_sheet`` would."""
    import xlsxwriter

    src = inspect_input(source)
    deadline = time.monotonic() + SCAN_SECONDS
    try:
        plans = [(sheet.name, sheet.hidden, _plan(sheet, deadline)) for sheet in read_sheets(src, "calamine")]
    except Exception:  # a damaged workbook that passed the screening: the library's message may quote cells
        raise SheetError(f"{source.name}: the workbook could not be read; open it in Excel and save it again") from None
    if all(plan is not None and not plan.removed and plan.pseudonym is None and not plan.header_row for _, _, plan in plans):
        return Stripped(source)  # nothing to take out: the original is checked, its formatting kept
    result = Stripped(dest)
    patients: dict[str, str] = {}
    book = xlsxwriter.Workbook(str(dest), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    try:
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        for index, sheet in enumerate(read_sheets(src, "calamine")):
            name, hidden, plan = plans[index]
            if plan is None:
                result.sheets_left_out += 1
                continue
            ws = book.add_worksheet(name[:31])
            if hidden:
                ws.hide()
            fill = MergedFiller(sheet.merged)
            fill.header_row = plan.header_row
            result.removed += plan.removed
            if plan.pseudonym is not None:
                result.pseudonymised.append(Column(name, column_letter(plan.pseudonym), None, "pseudonym"))
            result.title_rows += plan.header_row
            for r, raw in enumerate(sheet.rows):
                if r < plan.header_row:
                    continue  # titles above the header may name the patient: left empty
                values = fill(r, raw)
                for c, col in enumerate(plan.keep):
                    value = values[col] if col < len(values) else None
                    if value is None or value == "":
                        continue
                    if col == plan.pseudonym and r > plan.header_row:
                        value = patients.setdefault(str(text(value)), f"P{len(patients) + 1}")
                    _write(ws, r, c, value, date_format)
        if not book.worksheets():
            book.add_worksheet("Charges")
    finally:
        book.close()
    return result


def _write(ws: Any, r: int, c: int, value: Any, date_format: Any) -> None:
    if isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value)
    elif isinstance(value, datetime | date):
        ws.write_datetime(r, c, value if isinstance(value, datetime) else datetime(value.year, value.month, value.day), date_format)
    elif isinstance(value, clock):
        ws.write_string(r, c, value.isoformat())
    else:
        ws.write_string(r, c, str(value))
