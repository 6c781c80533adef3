"""CMS NCCI data: the practitioner procedure-to-procedure (PTP) and medically-unlikely-edit (MUE) files,
read in the layouts CMS publishes, and the lookup the bundling and units rules use by date of service.

CMS's files carry licensed CPT content, so they are never shipped: an admin downloads them each quarter
and ``derm data load DIR`` stores them (``derm_core.store``). The rules see them only through
:class:`NcciData`, attached to a ruleset with :func:`with_ncci`; :class:`NcciTables` is the in-memory
implementation used by the rules' own cases and by small deployments.

Layouts (as CMS publishes them, after a few title and copyright lines):

- PTP, tab-delimited text (or the same columns in CSV/XLSX): ``Column 1``, ``Column 2``,
  ``*=in existence prior to 1996``, ``Effective Date`` (YYYYMMDD), ``Deletion Date`` (YYYYMMDD, ``*`` when
  none), ``Modifier`` (0 not allowed, 1 allowed, 9 not applicable), ``PTP Edit Rationale``.
- MUE, CSV (or XLSX): ``HCPCS/CPT Code``, ``Practitioner Services MUE Values``, ``MUE Adjudication Indicator``
  (``1 Line Edit``, ``2 Date of Service Edit: Policy``, ``3 Date of Service Edit: Clinical``), ``MUE Rationale``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from .ruleset import Ruleset

Kind = Literal["ptp", "mue"]

# Modifiers that may bypass a PTP edit whose modifier indicator is 1 (NCCI Policy Manual, chapter I).
PTP_MODIFIERS = frozenset(
    {"24", "25", "27", "57", "58", "59", "78", "79", "91", "XE", "XS", "XP", "XU", "E1", "E2", "E3", "E4", "FA", "TA"}
    | {"LT", "RT", "LC", "LD", "LM", "RC", "RI"}
    | {f"F{i}" for i in range(1, 10)}
    | {f"T{i}" for i in range(1, 10)}
)


# --- quarters ----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, the period one CMS quarterly file covers.

    >>> q = Quarter.parse("2026q2"); (q.label, q.start, q.end)
    ('2026Q2', datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    """

    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = re.fullmatch(r"\s*(\d{4})\s*-?\s*Q([1-4])\s*", text, re.I)
        if not m:
            raise ValueError(f"not a quarter such as 2026Q1: {text!r}")
        return cls(int(m[1]), int(m[2]))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        nxt = date(self.year + 1, 1, 1) if self.q == 4 else date(self.year, 3 * self.q + 1, 1)
        return nxt - timedelta(days=1)

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def quarter_from_name(name: str) -> Quarter | None:
    """The quarter a CMS file name states: ``..._Eff_04-01-2026.csv`` (MUE) or ``ccipra-v321r0-f1.txt`` (PTP
    version 32.1: versions count from 2.0 in 1996, four releases a year). None when the name says nothing.

    >>> quarter_from_name("MCR_MUE_PractitionerServices_Eff_04-01-2026.csv").label
    '2026Q2'
    >>> quarter_from_name("ccipra-v320r0-f1.txt").label
    '2026Q1'
    """
    m = re.search(r"(\d{2})-(\d{2})-(\d{4})", name)
    if m:
        return Quarter.of(date(int(m[3]), int(m[1]), int(m[2])))
    m = re.search(r"v(\d{2})(\d)r\d", name, re.I)
    if m and int(m[2]) < 4:
        return Quarter(1994 + int(m[1]), int(m[2]) + 1)
    m = re.search(r"(\d{4})[-_ ]?q([1-4])", name, re.I)
    return Quarter(int(m[1]), int(m[2])) if m else None


# --- rows --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PtpEdit:
    column1: str
    column2: str
    effective: date
    deletion: date | None
    modifier: int  # 0 not allowed, 1 allowed, 9 not applicable
    rationale: str = ""

    def active(self, day: date) -> bool:
        """In effect on ``day``: from its effective date up to (not including) its deletion date."""
        return self.effective <= day and (self.deletion is None or day < self.deletion)


@dataclass(frozen=True, slots=True)
class MueEdit:
    code: str
    value: int
    mai: int  # 1 line edit, 2 date-of-service policy, 3 date-of-service clinical
    rationale: str = ""


@dataclass
class CmsFile:
    """One CMS PTP or MUE file, opened: its kind and checksum; ``records()`` streams its rows."""

    name: str
    kind: Kind
    sha256: str
    _rows: Iterator[tuple[int, list[str]]]

    def records(self) -> Iterator[tuple[int, PtpEdit | MueEdit | None, str | None]]:
        """(line number, the edit or None, why it was rejected or None) for each non-blank data row."""
        parse = _ptp_row if self.kind == "ptp" else _mue_row
        for n, cells in self._rows:
            if not any(c.strip() for c in cells):
                continue
            try:
                yield n, parse(cells), None
            except (ValueError, IndexError) as e:
                yield n, None, str(e) or "missing columns"


_CODE = re.compile(r"^[0-9A-Z]{4}[0-9A-Z]$")


def _date(text: str) -> date | None:
    text = text.strip()
    if text in ("", "*"):
        return None
    if re.fullmatch(r"\d{8}", text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}( 00:00:00)?", text):
        return date.fromisoformat(text[:10])
    raise ValueError(f"not a date (YYYYMMDD): {text!r}")


def _cells(raw: bytes, name: str) -> Iterator[list[str]]:
    """The rows of a text, CSV or XLSX file as lists of strings."""
    if name.lower().endswith(".xlsx"):
        from .sheets.workbook import open_workbook

        book = open_workbook(raw, name, read_only=True, data_only=True)
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell_text(v) for v in row]
        book.close()
        return
    text = raw.decode("utf-8-sig", errors="replace")
    # CMS's text files are tab-delimited, its CSV files comma-separated (their title lines have commas too)
    yield from csv.reader(io.StringIO(text), delimiter="\t" if "\t" in text[:20_000] else ",")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y%m%d"))
    return str(value)


def _kind_of(header: str) -> Kind | None:
    h = re.sub(r"\s+", " ", header).lower()
    if "column 1" in h and "column 2" in h:
        return "ptp"
    if "mue" in h and ("hcpcs" in h or "cpt" in h):
        return "mue"
    return None


def open_file(raw: bytes, name: str) -> CmsFile | None:
    """Open one CMS file (its bytes and name); None when it is neither a PTP nor an MUE table.

    Title, copyright and header lines before the first data row are skipped; after it, every row that
    does not parse is a rejected record (with its line number and the reason).
    """
    rows = enumerate(_cells(raw, name), start=1)
    kind: Kind | None = None
    for n, cells in rows:
        kind = kind or _kind_of(" ".join(c for c in cells if c))
        if kind and cells and _CODE.match(cells[0].strip().upper()) and sum(1 for c in cells if c.strip()) >= 2:
            return CmsFile(name, kind, hashlib.sha256(raw).hexdigest(), itertools.chain([(n, cells)], rows))
        if n > 100:
            break
    return None


def _ptp_row(cells: list[str]) -> PtpEdit:
    c1, c2 = cells[0].strip().upper(), cells[1].strip().upper()
    if not (_CODE.match(c1) and _CODE.match(c2)):
        raise ValueError(f"column 1/2 are not codes: {c1!r}, {c2!r}")
    effective = _date(cells[3])
    if effective is None:
        raise ValueError("effective date missing")
    modifier = cells[5].strip()
    if modifier not in ("0", "1", "9"):
        raise ValueError(f"modifier indicator must be 0, 1 or 9, not {modifier!r}")
    rationale = cells[6].strip() if len(cells) > 6 else ""
    return PtpEdit(c1, c2, effective, _date(cells[4]), int(modifier), rationale)


def _mue_row(cells: list[str]) -> MueEdit:
    code = cells[0].strip().upper()
    if not _CODE.match(code):
        raise ValueError(f"not a code: {code!r}")
    value = cells[1].strip()
    if not value.isdigit():
        raise ValueError(f"MUE value is not a whole number: {value!r}")
    mai = cells[2].strip()[:1]
    if mai not in ("1", "2", "3"):
        raise ValueError(f"MUE adjudication indicator must start with 1, 2 or 3: {cells[2]!r}")
    return MueEdit(code, int(value), int(mai), cells[3].strip() if len(cells) > 3 else "")


_SKIP_NAMES = re.compile(r"(ccioph|hospital|\bOPH\b|-oph-|facility|\bDME\b|_dme_|supplier)", re.I)
_DATA_SUFFIXES = (".txt", ".csv", ".xlsx")


DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError, KeyError)


def damage_note(error: BaseException) -> str:
    """Why a downloaded file cannot be read, in words for an admin (no exception class names)."""
    if isinstance(error, zipfile.BadZipFile | EOFError | zlib.error):
        return "the download is damaged or incomplete (not a readable zip); download it again from CMS"
    if isinstance(error, NotImplementedError):
        return "the zip uses a compression this tool cannot read; unpack it and load the folder"
    return str(error).split("\n")[0][:300] or "cannot be read"


def read_dir(folder: Path) -> Iterator[tuple[str, bytes | None, str]]:
    """(name, bytes, "") of each data file in ``folder``, zip members included; hospital and DME files skipped.
    A file that cannot be read (a truncated download, an HTML page saved as .zip) comes as (name, None, why),
    so that the other files still load."""
    for path in sorted(folder.iterdir()):
        if _SKIP_NAMES.search(path.name):
            continue
        if path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as z:
                    members = [m for m in sorted(z.namelist()) if m.lower().endswith(_DATA_SUFFIXES) and not _SKIP_NAMES.search(m)]
                    for member in members:
                        try:
                            raw = z.read(member)
                        except DAMAGED as e:
                            yield f"{path.name}:{member}", None, damage_note(e)
                            continue
                        yield f"{path.name}:{member}", raw, ""
            except DAMAGED as e:
                yield path.name, None, damage_note(e)
        elif path.suffix.lower() in _DATA_SUFFIXES and path.is_file():
            try:
                yield path.name, path.read_bytes(), ""
            except OSError as e:
                yield path.name, None, damage_note(e)


# --- the lookup the rules use ---------------------------------------------------------------------


class NcciData(Protocol):
    """What the NCCI rules ask: which loaded quarter covers a date, and the edits in effect then."""

    label: str  # the quarters loaded, e.g. "2026Q1" (reports name it)

    def quarter(self, kind: Kind, day: date) -> str | None:
        """The label of the loaded quarter of ``kind`` that covers ``day``; None when none does."""
        ...

    def pairs(self, codes: Iterable[str], day: date) -> list[PtpEdit]:
        """PTP edits in effect on ``day`` whose two codes are both among ``codes``."""
        ...

    def mue(self, code: str, day: date) -> MueEdit | None: ...


class NcciTables:
    """NCCI edits held in memory, by quarter (the rules' own cases use it; the store has its own).

    >>> t = NcciTables({"2026Q1": [PtpEdit("11102", "17000", date(2020, 1, 1), None, 1)]}, {})
    >>> t.quarter("ptp", date(2026, 2, 1)), t.quarter("ptp", date(2026, 4, 1)), t.quarter("mue", date(2026, 2, 1))
    ('2026Q1', None, None)
    >>> [e.column2 for e in t.pairs(["17000", "11102"], date(2026, 2, 1))]
    ['17000']
    """

    def __init__(self, ptp: dict[str, list[PtpEdit]], mue: dict[str, list[MueEdit]]):
        self._ptp = {Quarter.parse(q): _by_pair(rows) for q, rows in ptp.items()}
        self._mue = {Quarter.parse(q): {r.code: r for r in rows} for q, rows in mue.items()}
        self.label = ", ".join(sorted({q.label for q in [*self._ptp, *self._mue]}))

    def quarter(self, kind: Kind, day: date) -> str | None:
        q = Quarter.of(day)
        return q.label if q in (self._ptp if kind == "ptp" else self._mue) else None

    def pairs(self, codes: Iterable[str], day: date) -> list[PtpEdit]:
        table = self._ptp.get(Quarter.of(day), {})
        present = sorted(set(codes))
        return [e for a in present for b in present if a != b for e in table.get((a, b), ()) if e.active(day)]

    def mue(self, code: str, day: date) -> MueEdit | None:
        return self._mue.get(Quarter.of(day), {}).get(code)

    @classmethod
    def from_case(cls, data: dict) -> NcciTables:
        """From a rule case file's ``ncci`` block: ``{quarter, ptp: [{column1, column2, effective, deletion, modifier}], mue: [...]}``."""
        q = str(data["quarter"])
        ptp = [
            PtpEdit(
                str(r["column1"]), str(r["column2"]), _as_date(r["effective"]) or date.min, _as_date(r.get("deletion")), int(r["modifier"])
            )
            for r in data.get("ptp", [])
        ]
        mue = [MueEdit(str(r["code"]), int(r["value"]), int(r["mai"])) for r in data.get("mue", [])]
        return cls({q: ptp}, {q: mue})


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _by_pair(rows: Iterable[PtpEdit]) -> dict[tuple[str, str], list[PtpEdit]]:
    out: dict[tuple[str, str], list[PtpEdit]] = {}
    for r in rows:
        out.setdefault((r.column1, r.column2), []).append(r)
    return out


def with_ncci(ruleset: Ruleset, data: NcciData | None) -> Ruleset:
    """A copy of ``ruleset`` whose NCCI rules use ``data`` (None: no NCCI file loaded)."""
    copy = ruleset.model_copy(update={"ncci_quarter": data.label if data else None})
    copy._ncci = data
    return copy
