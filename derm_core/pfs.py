"""The CMS Physician Fee Schedule relative value file (PPRRVU, a year's ``RVUnnX`` release): per code, the global
period and the PC/TC, multiple-procedure, bilateral and assistant-at-surgery indicators, and whether Medicare pays it.

CMS publishes it under a licence (it carries CPT descriptors), so it is never shipped: ``derm data load DIR`` loads
the file an admin downloaded, and for the years it covers the loaded values win over the code table's defaults
(``codes.yaml``). A code the table does not hold but the file does is then known for its global period and
indicators.

Layout (CSV or XLSX, after a few title and copyright lines): a header row naming ``HCPCS``, ``MOD``, ``STATUS CODE``
(or ``CODE``), ``PCTC IND``, ``GLOB DAYS``, ``MULT PROC``, ``BILAT SURG``, ``ASST SURG`` among others; one row per code
and modifier (the rows with a modifier, 26/TC/53, are the components and are not needed here).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .codes import CodeInfo

if TYPE_CHECKING:
    from .ruleset import Ruleset

# header words -> field (a header cell may be split over two rows, e.g. "GLOB" / "DAYS")
_COLUMNS = {"hcpcs": "code", "mod": "modifier", "status": "status", "pctc": "pctc", "glob": "global_days", "mult": "mult_proc"}
_COLUMNS |= {"bilat": "bilateral", "asst": "assistant"}
_CODE = re.compile(r"^[0-9A-Z]{4}[0-9A-Z]$")
NOT_PAID = frozenset("I")  # status I: not valid for Medicare (another code is used); B, N, R, X are handled by other rules


@dataclass(frozen=True, slots=True)
class PfsRow:
    """One code's fee-schedule indicators for a year."""

    code: str
    year: int
    status: str
    global_days: str | None
    pctc: str | None
    mult_proc: int | None
    bilateral: int | None
    assistant: int | None


def year_from_name(name: str) -> int | None:
    """The fee-schedule year a CMS file name states: ``PPRRVU26_JAN.csv`` or ``RVU26A.zip`` -> 2026.

    >>> year_from_name("PPRRVU26_JAN.csv"), year_from_name("rvu25d.zip:PPRRVU2025_Oct.csv"), year_from_name("notes.txt")
    (2026, 2025, None)
    """
    m = re.search(r"(?:PPRRVU|RVU)(\d{4}|\d{2})", name, re.I)
    if not m:
        return None
    y = int(m[1])
    return y if y > 999 else 2000 + y


def read_rows(rows: Iterator[list[str]], year: int) -> Iterator[tuple[int, PfsRow | None, str | None]]:
    """(line number, the row or None, why it was rejected) for each code row of a PPRRVU table, modifier rows skipped.

    >>> rows = iter([["HCPCS", "MOD", "DESCRIPTION", "STATUS CODE", "PCTC IND", "GLOB DAYS", "MULT PROC", "BILAT SURG", "ASST SURG"],
    ...              ["17000", "", "x", "A", "0", "010", "2", "0", "1"], ["88305", "26", "x", "A", "6", "XXX", "9", "9", "9"]])
    >>> [r.global_days for _, r, _ in read_rows(rows, 2026)]
    ['010']
    """
    header: dict[str, int] | None = None
    previous: list[str] = []
    for n, cells in enumerate(rows, 1):
        cells = [c.strip() for c in cells]
        if header is None:
            header = _header(cells, previous)
            previous = cells
            continue
        code = cells[header["code"]].upper() if header["code"] < len(cells) else ""
        if not _CODE.match(code):
            continue  # a note, a blank line, a repeated header
        if "modifier" in header and header["modifier"] < len(cells) and cells[header["modifier"]]:
            continue
        try:
            yield n, _row(code, year, cells, header), None
        except (ValueError, IndexError) as e:
            yield n, None, str(e) or "missing columns"


def _header(cells: list[str], previous: list[str]) -> dict[str, int] | None:
    """The column of each field when ``cells`` (with the row above, for split headers) is the header row."""
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        words = f"{previous[i] if i < len(previous) else ''} {cell}".lower()
        for key, field in _COLUMNS.items():
            if field not in found and re.search(rf"\b{key}", words) and (field != "status" or "code" in words or "status" in words):
                found[field] = i
    return found if {"code", "global_days"} <= found.keys() else None


def _row(code: str, year: int, cells: list[str], header: dict[str, int]) -> PfsRow:
    def get(field: str) -> str:
        i = header.get(field)
        return cells[i] if i is not None and i < len(cells) else ""

    def number(field: str) -> int | None:
        v = get(field)
        if v in ("", "9"):
            return None  # 9: the concept does not apply
        if not v.isdigit():
            raise ValueError(f"{field} is not an indicator: {v!r}")
        return int(v)

    glob = get("global_days").upper() or None
    if glob is not None and not re.fullmatch(r"\d{3}|[XYZM]{3}", glob):
        raise ValueError(f"global days is not a global period: {glob!r}")
    return PfsRow(
        code, year, get("status").upper()[:1], glob, get("pctc") or None, number("mult_proc"), number("bilateral"), number("assistant")
    )


def read_csv(raw: bytes, year: int) -> Iterator[tuple[int, PfsRow | None, str | None]]:
    text = raw.decode("utf-8-sig", errors="replace")
    yield from read_rows(csv.reader(io.StringIO(text)), year)


def is_pfs_file(name: str) -> bool:
    """Whether a file in a CMS download is the relative value table itself (``PPRRVU...``), not GPCI or the others.

    >>> is_pfs_file("RVU26A.zip:PPRRVU2026_Jan_nonQPP.csv"), is_pfs_file("RVU26A.zip:GPCI2026.csv")
    (True, False)
    """
    return re.search(r"PPRRVU", name.rsplit(":", 1)[-1], re.I) is not None


def read_file(raw: bytes, name: str, year: int) -> Iterator[tuple[int, PfsRow | None, str | None]]:
    """The code rows of a PPRRVU table in any of CMS's formats (CSV, tab-delimited text, XLSX)."""
    from .ncci import _cells

    yield from read_rows(_cells(raw, name), year)


class PfsTables:
    """Fee-schedule indicators by year and code, held in memory (the store loads them into this).

    >>> t = PfsTables([PfsRow("10060", 2026, "A", "010", "0", 2, 0, 1)])
    >>> t.info("10060", 2026, None).global_days, t.info("10060", 2025, None)
    ('010', None)
    """

    def __init__(self, rows: list[PfsRow]):
        self._rows = {(r.year, r.code): r for r in rows}
        self._merged: dict[tuple[str, int], CodeInfo | None] = {}
        self.years = sorted({r.year for r in rows})
        self.label = ", ".join(f"RVU{y % 100:02d}" for y in self.years)

    def row(self, code: str, year: int) -> PfsRow | None:
        return self._rows.get((year, code))

    def info(self, code: str, year: int, info: CodeInfo | None) -> CodeInfo | None:
        """``info`` (the table's entry for ``code``) with the year's loaded indicators in place of the table's defaults;
        for a code the table lacks but the file holds, a minimal entry (family ``fee_schedule``) so that global-period
        and modifier rules can run."""
        key = (code, year)
        if key not in self._merged:
            self._merged[key] = self._merge(code, year, info)
        return self._merged[key]

    def _merge(self, code: str, year: int, info: CodeInfo | None) -> CodeInfo | None:
        row = self._rows.get((year, code))
        if row is None:
            return info
        base = info or CodeInfo(code=code, desc="(from the CMS fee schedule file)", family="fee_schedule", source=(f"RVU{year % 100:02d}",))
        medicare = base.medicare
        if row.status in NOT_PAID and not medicare:
            medicare = {"status": "invalid", "use": [], "note": f"Medicare does not pay {code} (fee schedule status {row.status})."}
        return replace(
            base,
            global_days=row.global_days or base.global_days,
            pctc=row.pctc == "1" if row.pctc else base.pctc,
            mult_proc=row.mult_proc if row.mult_proc is not None else base.mult_proc,
            bilateral=row.bilateral if row.bilateral is not None else base.bilateral,
            assistant=row.assistant if row.assistant is not None else base.assistant,
            medicare=medicare,
            source=(*base.source, f"RVU{year % 100:02d}"),
        )


def with_pfs(ruleset: Ruleset, tables: PfsTables | None) -> Ruleset:
    """A copy of ``ruleset`` whose rules see the loaded fee-schedule indicators (None: none loaded)."""
    copy = ruleset.model_copy(update={"pfs_years": tables.label if tables else None})
    copy._pfs = tables
    copy._ncci = ruleset._ncci
    return copy
