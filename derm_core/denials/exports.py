"""Denial and remittance exports of practice-management systems (CSV or XLSX), one row per service line or
per adjustment, with columns recognised by header name and synonyms.

Patient columns (name, member id, birth date) are never read: only the columns below are. A row's reason
cell may hold several codes (``CO-97; CO-16``); an amount cell may hold as many amounts (``80; 20``).
Without an adjustment amount, the unpaid part of the line (billed minus paid) goes to the first code.
Rows that repeat a line (same claim and line number, or same code, modifiers, date and amounts) add their
adjustments to that line.

>>> header_map(["Claim #", "CPT", "Mod", "Billed Amt", "Paid", "Denial Code", "Patient Name"])
{'claim_id': 0, 'code': 1, 'modifiers': 2, 'billed': 3, 'paid': 4, 'reason': 5}
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from .model import Adjustment, ReadProblem, ReadResult, RemitClaim, RemitLine

SYNONYMS: dict[str, tuple[str, ...]] = {
    "claim_id": (
        "claim id",
        "claim",
        "claim #",
        "claim no",
        "claim number",
        "encounter",
        "encounter id",
        "patient control number",
        "pcn",
        "ticket",
    ),
    "line": ("line", "line #", "line no", "line number", "svc line"),
    "payer": ("payer", "payer name", "insurance", "insurance company", "carrier", "plan", "primary insurance", "insurer"),
    "provider": ("provider", "rendering provider", "rendering", "physician", "doctor", "rendering npi", "provider npi", "provider name"),
    "dos": ("dos", "date of service", "service date", "svc date", "from date", "date"),
    "paid_on": ("paid date", "payment date", "check date", "remit date", "remittance date", "posted date", "era date", "deposit date"),
    "code": ("cpt", "cpt code", "procedure", "procedure code", "hcpcs", "cpt/hcpcs", "service code", "code"),
    "modifiers": ("modifier", "modifiers", "mod", "mods", "modifier 1", "mod 1", "mod1"),
    "modifier2": ("modifier 2", "mod 2", "mod2"),
    "modifier3": ("modifier 3", "mod 3", "mod3"),
    "modifier4": ("modifier 4", "mod 4", "mod4"),
    "units": ("units", "unit", "qty", "quantity", "days/units"),
    "billed": ("billed", "billed amt", "billed amount", "charge", "charges", "charge amount", "amount billed", "total charge"),
    "allowed": ("allowed", "allowed amount", "allowed amt", "allowable"),
    "paid": ("paid", "paid amount", "paid amt", "payment", "payment amount", "insurance paid", "ins paid", "amount paid"),
    "group": ("group", "group code", "adjustment group", "adj group", "cas group"),
    "reason": (
        "reason",
        "reason code",
        "reason codes",
        "carc",
        "denial code",
        "denial codes",
        "adjustment reason",
        "adj reason",
        "adjustment code",
        "adjustment codes",
        "adj code",
        "denial reason code",
    ),
    "adj_amount": (
        "adjustment amount",
        "adjustment",
        "adj amount",
        "adj amt",
        "denied amount",
        "denial amount",
        "amount denied",
        "write off",
    ),
    "remarks": ("remark", "remarks", "remark code", "remark codes", "rarc", "rarcs"),
    "status": ("status", "claim status"),
}
_LOOKUP = {syn: key for key, syns in SYNONYMS.items() for syn in syns}
_REASON = re.compile(r"^(?:(CO|PR|OA|PI|CR)\s*[-:]?\s*)?([A-Z]?\d{1,3})$")
_STATUS = {"paid": "1", "processed": "1", "denied": "4", "denial": "4", "reversal": "22", "reversed": "22"}


def _norm(header: Any) -> str:
    return re.sub(r"[\s_]+", " ", str(header or "")).strip().casefold()


def header_map(headers: Sequence[Any]) -> dict[str, int]:
    """Our field name -> column index, for the headers we recognise (the first column wins)."""
    out: dict[str, int] = {}
    for i, h in enumerate(headers):
        key = _LOOKUP.get(_norm(h))
        if key is not None and key not in out:
            out[key] = i
    return out


def _money(v: Any) -> float | None:
    if v is None or v == "":
        return None
    if isinstance(v, int | float):
        return float(v)
    s = str(v).strip().replace("$", "").replace(",", "")
    neg = s.startswith("(") and s.endswith(")")
    s = s.strip("()")
    if not s:
        return None
    x = float(s)
    return -x if neg else x


def _date(v: Any) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = str(v).strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y%m%d", "%d-%b-%Y"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise ValueError("not a date")


def _code(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():  # a code typed as a number
        v = int(v)
    return str(v or "").strip().upper()


def _split(v: Any) -> list[str]:
    return [p.strip() for p in re.split(r"[;|,/]", str(v or "")) if p.strip()] if not isinstance(v, int | float) else [_code(v)]


def _adjustments(row: Sequence[Any], cols: dict[str, int], billed: float, paid: float) -> list[Adjustment]:
    reasons = _split(_cell(row, cols, "reason"))
    if not reasons:
        return []
    default_group = _code(_cell(row, cols, "group"))
    raw_amounts = _cell(row, cols, "adj_amount")
    amounts = [_money(a) for a in (re.split(r"[;|]", raw_amounts) if isinstance(raw_amounts, str) else [raw_amounts])]
    out = []
    for i, token in enumerate(reasons):
        m = _REASON.match(token.upper().replace(" ", ""))
        if m is None:
            raise ValueError("reason code not understood")
        amount = amounts[i] if len(amounts) == len(reasons) else (amounts[0] if i == 0 else 0.0)
        if amount is None:
            amount = max(billed - paid, 0.0) if i == 0 else 0.0
        out.append(Adjustment(m.group(1) or default_group, m.group(2), amount))
    return out


def _cell(row: Sequence[Any], cols: dict[str, int], key: str) -> Any:
    i = cols.get(key)
    return row[i] if i is not None and i < len(row) else None


def rows_to_claims(rows: Iterable[Sequence[Any]], cols: dict[str, int], source: str, first_row: int = 2) -> ReadResult:
    """Claims from data rows under a recognised header. Unusable rows are reported by row number."""
    out = ReadResult(files=1)
    claims: dict[str, RemitClaim] = {}
    lines: dict[tuple[Any, ...], RemitLine] = {}
    for n, row in enumerate(rows, first_row):
        if not any(c not in (None, "") for c in row):
            continue
        try:
            code = _code(_cell(row, cols, "code"))
            if not code:
                raise ValueError("no procedure code")
            billed = _money(_cell(row, cols, "billed")) or 0.0
            paid = _money(_cell(row, cols, "paid")) or 0.0
            mods = tuple(m.upper() for k in ("modifiers", "modifier2", "modifier3", "modifier4") for m in _split(_cell(row, cols, k)))
            dos = _date(_cell(row, cols, "dos"))
            units = _money(_cell(row, cols, "units")) or 1.0
            allowed = _money(_cell(row, cols, "allowed"))
            adjustments = _adjustments(row, cols, billed, paid)
            paid_on = _date(_cell(row, cols, "paid_on"))
        except ValueError as e:
            out.problems.append(ReadProblem(source, f"row {n}: {e}; row skipped"))
            continue
        claim_id = str(_cell(row, cols, "claim_id") or f"row-{n}").strip()
        payer = str(_cell(row, cols, "payer") or "").strip()
        status_raw = str(_cell(row, cols, "status") or "").strip().casefold()
        claim = claims.get(claim_id + "\0" + payer)
        if claim is None:
            status = status_raw if status_raw.isdigit() else _STATUS.get(status_raw, "1")
            claim = RemitClaim(
                source,
                claim_id,
                status,
                0.0,
                0.0,
                payer,
                provider=str(_cell(row, cols, "provider") or "").strip(),
                paid_on=paid_on,
                dos=dos,
                segment=None,
            )
            claims[claim_id + "\0" + payer] = claim
        line_no = _cell(row, cols, "line")
        key = (claim_id, payer, line_no) if line_no not in (None, "") else (claim_id, payer, code, mods, dos, billed, paid)
        line = lines.get(key)
        remarks = [r.upper() for r in _split(_cell(row, cols, "remarks"))]
        if line is None:
            line = RemitLine(code, mods, billed, paid, units, dos, allowed, adjustments, remarks)
            lines[key] = line
            claim.lines.append(line)
            claim.billed += billed
            claim.paid += paid
        else:
            line.adjustments += adjustments
            line.remarks += [r for r in remarks if r not in line.remarks]
    out.claims = list(claims.values())
    for c in out.claims:
        c.patient_share = sum(a.amount for ln in c.lines for a in ln.adjustments if a.group == "PR")
    return out


_NO_HEADER = "no header row with a procedure code column and a reason or paid column in the first 10 rows"


def _table(rows: list[Sequence[Any]], source: str) -> ReadResult | None:
    """The claims under the first recognised header row, or None when there is none."""
    for i, row in enumerate(rows[:10]):
        cols = header_map(row)
        if "code" in cols and ("reason" in cols or "paid" in cols):
            result = rows_to_claims(rows[i + 1 :], cols, source, first_row=i + 2)
            result.notes["columns recognised: " + ", ".join(sorted(cols))] = 1
            return result
    return None


def read_csv(data: bytes, source: str) -> ReadResult:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return _table(list(csv.reader(io.StringIO(text), dialect)), source) or ReadResult(problems=[ReadProblem(source, _NO_HEADER)], files=1)


def read_xlsx(data: bytes, source: str) -> ReadResult:
    from ..sheets.workbook import SheetError, open_workbook

    try:
        wb = open_workbook(data, source, read_only=True, data_only=True)
    except SheetError:
        return ReadResult(problems=[ReadProblem(source, "not a readable XLSX workbook")], files=1)
    try:
        for ws in wb.worksheets:
            result = _table([list(r) for r in ws.iter_rows(values_only=True)], f"{source} [{ws.title}]")
            if result is not None:
                return result
        return ReadResult(problems=[ReadProblem(source, _NO_HEADER + " of any sheet")], files=1)
    finally:
        wb.close()
