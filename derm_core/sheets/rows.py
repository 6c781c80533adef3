"""Charge-sheet rows to claims and back: read a row's values, group rows into claims, check them,
and say for every row its status, findings and fix (contracts section 4).

No workbook library here: rows are lists of plain values as calamine, openpyxl, the csv module
or xlwings give them (numbers may be floats such as ``11102.0``, dates ``date`` or ``datetime``).
A value that cannot be used is reported in its row as a ``data_quality`` finding (rule ids
``SHT0xx``), never raised.
"""

from __future__ import annotations

import pickle
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, Protocol

from pydantic import ValidationError

from derm_core.engine import all_rules, check_claim
from derm_core.models import Category, Claim, ClaimReport, Finding, status_of
from derm_core.render import lines_text
from derm_core.rules.base import Hit
from derm_core.rules.sheet import RowCells
from derm_core.ruleset import Ruleset
from derm_core.service import apply_overrides, stored_overrides
from derm_core.vocab import method_of, pathology_of, payer_type_of, site_of

from .columns import ColumnMap
from .values import number, parse_date, text, whole

MAX_CELL_TEXT = 32_000  # Excel holds 32,767 characters in a cell
CLAIM_CACHE_SIZE = 20_000

# Which field's cell a core finding points at (for comments and fills); the code cell otherwise.
_RULE_FIELD = {"DRM001": "npi", "DRM002": "dos", "DRM003": "units", "DRM004": "code", "DRM005": "mods", "DRM006": "dx"}
_CATEGORY_FIELD = {
    Category.modifier_missing: "mods",
    Category.modifier_misuse: "mods",
    Category.units: "units",
    Category.invalid_diagnosis: "dx",
    Category.medical_necessity: "dx",
    Category.prior_auth: "prior_auth",
}

_CODE_WITH_MODS = re.compile(r"^([0-9A-Z]{5})((?:-[0-9A-Z]{2})+)$")
_MOD_SEPARATORS = re.compile(r"[\s,;/\-]+")
_DX_SEPARATORS = re.compile(r"[\s,;/]+")


def _split(value: str, separators: re.Pattern[str]) -> list[str]:
    """One item without a regex (the usual case), else the items between separators."""
    if value.isalnum() or ("." in value and value.replace(".", "").isalnum()):
        return [value]
    return [part for part in separators.split(value) if part]


_SIZE_UNIT = re.compile(r"\s*(cm|mm)$")


def _row_problems(row: RowCells) -> tuple[tuple[str, Finding], ...]:
    """The sheet rules' findings for one row: (the cell's field, the finding)."""
    out: list[tuple[str, Finding]] = []
    for r in _ROW_RULES:
        out += [(hit.field or "code", r.finding(hit)) for hit in r.fn(row) if isinstance(hit, Hit)]
    return tuple(out)


_ROW_RULES = [r for r in all_rules().values() if r.scope == "row"]

PATIENT_KEY, ROW_KEY = "\x1fpatient ", "\x1frow "  # claim keys when there is no Claim ID


class ChargeRow(NamedTuple):
    """One charge line as read from a sheet row (compact: a million of these must fit in memory)."""

    sheet: int
    row: int  # 0-based row in the sheet
    key: str  # the claim this row belongs to (in its sheet): the Claim ID, else patient and date, else the row
    claim_id: str | None
    payer: tuple[str, str | None] | None  # (type, name)
    dos: date | None
    npi: str | None
    pos: str | None
    code: str
    mods: tuple[str, ...]
    units: int
    dx: tuple[str, ...]
    pointers: tuple[str, ...]
    prior_auth: str | None
    charge: float | None
    facts: tuple[tuple[str, Any], ...]
    problems: tuple[tuple[str, Finding], ...]  # (field, finding)
    override: str | None = None  # the biller's Override Reason: this row's findings are accepted, not counted


class RowResult(NamedTuple):
    status: str
    findings: str  # "RULE: message", one per line
    fix: str
    marks: tuple[tuple[str, str, str], ...] = ()  # (field, severity, text): where to put a comment and a fill


CLEAN = RowResult("clean", "", "")


def _pointers(value: Any) -> tuple[str, ...]:
    t = text(value)
    if t is None:
        return ()
    parts = [p for p in re.split(r"[\s,;/]+", t.upper()) if p]
    if len(parts) == 1 and 1 < len(parts[0]) <= 4:
        parts = list(parts[0])  # "AB" or "12" as on the claim form: one pointer per character
    return tuple(str(ord(p) - 64) if len(p) == 1 and p.isalpha() else p for p in parts)


# ----------------------------------------------------------------------------- one row


@dataclass
class RowReader:
    """Reads charge rows of one sheet with its column map. ``notes`` collects sheet-level remarks."""

    columns: ColumnMap
    sheet: int = 0
    text_dates_are_normal: bool = False  # a CSV file has only text: a date typed as text is not a problem there
    notes: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._read = {name: col for name, col in self.columns.fields.items() if name not in ("status", "findings", "fix")}
        self._values: dict[Any, Any] = {}

    def read(self, row_index: int, values: Sequence[Any], code_is_formula: bool = False) -> ChargeRow | None:
        """The charge line in ``values`` (the whole sheet row), or None when the row holds no charge data.
        A value that cannot be used is left out, and the sheet rules (SHT0xx) say so in the row's ``problems``."""
        width = len(values)
        cells = {name: values[col] for name, col in self._read.items() if col < width and values[col] is not None and values[col] != ""}
        if not cells or all(isinstance(v, str) and not v.strip() for v in cells.values()):
            return None
        get = cells.get
        problems = _row_problems(RowCells(cells, code_is_formula, self.text_dates_are_normal))

        code = (text(get("code")) or "").upper()
        mods: list[str] = []
        if code.endswith(".0") and code[:-2].isdigit():
            code = code[:-2]
        if isinstance(get("code"), int | float) and code.isdigit() and len(code) < 5:
            code = code.zfill(5)  # a number lost its leading zeros
        if m := _CODE_WITH_MODS.match(code):  # "99213-25" typed in the code cell
            code, mods = m.group(1), m.group(2).strip("-").split("-")
        for name in ("mod1", "mod2", "mod3", "mod4", "modifiers"):
            t = text(get(name))
            if t:
                mods += _split(t.upper(), _MOD_SEPARATORS)

        units = whole(get("units")) if "units" in cells else None
        try:
            dos, _typed = parse_date(get("dos"))
        except ValueError:
            dos = None

        dx: list[str] = []
        for name in ("dx1", "dx2", "dx3", "dx4", "diagnoses"):
            t = text(get(name))
            if t:
                dx += _split(t.upper(), _DX_SEPARATORS)

        payer = None
        ptype, pname = text(get("payer_type")), text(get("payer_name"))
        if ptype or pname:
            kind = payer_type_of(ptype) if ptype else payer_type_of(pname or "")
            if not ptype and kind is None:
                self.notes.add(f"payer '{pname}' has no payer type: checked as commercial (add a Payer Type column to be sure)")
            payer = (kind or "commercial", pname)

        facts: list[tuple[str, Any]] = []
        if (n := whole(get("lesion_count"))) is not None:
            facts.append(("lesion_count", n))
        if (size_text := text(get("size_cm"))) is not None and (size := number(_SIZE_UNIT.sub("", size_text.lower()))) is not None:
            facts.append(("size_cm", size / 10 if size_text.lower().endswith("mm") else size))
        for name, read in (("site", site_of), ("pathology", pathology_of), ("biopsy_method", method_of)):
            if (t := text(get(name))) is not None and (value := read(t)) is not None:
                facts.append((name, value))
        if (lesion := text(get("lesion_id"))) is not None:
            facts.append(("lesion_id", lesion))

        claim_id, patient = text(get("claim_id")), text(get("patient_id"))
        if claim_id:
            key = claim_id
        elif patient:
            key = f"{PATIENT_KEY}{patient}|{dos}"
        else:
            key = f"{ROW_KEY}{row_index}"
        same = self._same  # a million rows must fit in memory: repeated values are stored once
        return ChargeRow(
            sheet=self.sheet,
            row=row_index,
            key=key,
            claim_id=claim_id,
            payer=same(payer),
            dos=same(dos),
            npi=same(text(get("npi"))),
            pos=same(pos.zfill(2)) if (pos := text(get("place_of_service"))) else None,
            code=same(code),
            mods=same(tuple(mods)),
            units=1 if units is None else units,
            dx=same(tuple(dx)),
            pointers=same(_pointers(get("dx_pointer"))),
            prior_auth=text(get("prior_auth")),
            charge=number(get("charge")),
            facts=same(tuple(facts)),
            problems=tuple(problems),
            override=text(get("override_reason")),
        )

    def _same(self, value: Any) -> Any:
        if len(self._values) > 200_000:
            self._values.clear()
        return self._values.setdefault(value, value)


# ----------------------------------------------------------------------------- claims


def claim_label(row: ChargeRow) -> str:
    """How a person names the row's claim: its Claim ID, else its patient.

    >>> claim_label(ChargeRow(0, 4, PATIENT_KEY + "P-9|2026-03-09", None, None, None, None, None, "11102", (), 1, (), (), None, None, (), ()))
    'patient P-9'
    """
    if row.claim_id:
        return row.claim_id
    if row.key.startswith(PATIENT_KEY):
        return "patient " + row.key[len(PATIENT_KEY) :].split("|")[0]
    return f"row {row.row + 1}"


def claim_data(rows: Sequence[ChargeRow]) -> dict[str, Any]:
    """The claim (contracts section 1) that a group of rows makes; first non-empty claim-level values win."""

    def first(values: Iterable[Any]) -> Any:
        return next((v for v in values if v is not None), None)

    dos, npi = first(r.dos for r in rows), first(r.npi for r in rows)
    payer = first(r.payer for r in rows)
    diagnoses = list(dict.fromkeys(d for r in rows for d in r.dx))
    lines = []
    for r in rows:
        line: dict[str, Any] = {"code": r.code, "modifiers": list(r.mods), "units": r.units}
        if r.pointers:
            line["dx"] = list(r.pointers)
        elif r.dx:
            line["dx"] = list(r.dx)
        if r.prior_auth:
            line["prior_auth"] = r.prior_auth
        if r.charge is not None:
            line["charge"] = r.charge
        if r.dos is not None and r.dos != dos:
            line["date_of_service"] = r.dos
        if r.npi is not None and r.npi != npi:
            line["rendering_npi"] = r.npi
        if r.facts:
            line["facts"] = dict(r.facts)
        lines.append(line)
    claim: dict[str, Any] = {"claim_id": first(r.claim_id for r in rows), "date_of_service": dos, "rendering_npi": npi}
    claim["place_of_service"] = first(r.pos for r in rows)
    claim["diagnoses"] = diagnoses
    claim["lines"] = lines
    if payer:
        claim["payer"] = {"type": payer[0], "name": payer[1]}
    return claim


def _content_key(rows: Sequence[ChargeRow]) -> tuple:
    """Everything a check can see except the claim id and the row positions (check_claim is pure)."""
    return tuple(r[4:16] for r in rows)


@dataclass
class Tally:
    """Counts for the Summary sheet and the Slack reply."""

    rows: int = 0
    claims: int = 0
    claims_by_status: Counter[str] = field(default_factory=Counter)
    rows_by_status: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    by_code: Counter[str] = field(default_factory=Counter)
    fixes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (rule, fix)

    def merge(self, other: Tally) -> None:
        self.rows += other.rows
        self.claims += other.claims
        for name in ("claims_by_status", "rows_by_status", "by_rule", "by_category", "by_code", "fixes"):
            getattr(self, name).update(getattr(other, name))

    def add_claim(self, status: str, findings: Iterable[tuple[Finding, Iterable[str]]]) -> None:
        """One claim: its status and each finding with the codes of the lines it concerns."""
        self.claims += 1
        self.claims_by_status[status] += 1
        for f, codes in findings:
            if f.severity == "info":
                continue
            self.by_rule[f.rule] += 1
            self.by_category[f.category.value] += 1
            self.by_code.update(c for c in dict.fromkeys(codes) if c)
            if fix := _fix_text(f):
                self.fixes[(f.rule, fix)] += 1


def _fix_text(f: Finding) -> str | None:
    fix = f.fix or ""
    if f.suggested_lines and f.suggested_lines[0].code not in fix:
        fix = f"{fix} Bill {lines_text(f.suggested_lines)}.".strip()
    return fix or None


def _field_of(f: Finding) -> str:
    return _RULE_FIELD.get(f.rule) or _CATEGORY_FIELD.get(f.category, "code")


def check_rows(
    rows: Sequence[ChargeRow],
    ruleset: Ruleset,
    *,
    detail: bool = False,
    progress: Callable[[int], None] | None = None,
    worker: ClaimsWorker | None = None,
) -> tuple[list[RowResult], Tally]:
    """Group rows into claims, check each claim once, and give every row its result (same order as ``rows``).

    ``detail`` adds the marks (which cell, severity, text) used for comments and fills.
    ``progress`` is called with the number of rows done so far, now and then.

    >>> from derm_core.ruleset import default_ruleset
    >>> from derm_core.sheets.columns import map_header
    >>> reader = RowReader(map_header(["Claim ID", "DOS", "CPT", "Units", "Dx 1"]))
    >>> rows = [reader.read(1, ["A1", "2026-03-02", 17001.0, 1, "L57.0"])]
    >>> check_rows(rows, default_ruleset())[0][0].status
    'error'
    """
    checks = start_checks(rows, ruleset, detail=detail, progress=progress, worker=worker).wait()
    return checks.results, checks.tally


@dataclass
class Checks:
    """Results of ``start_checks``; those of the worker's claims arrive with ``wait()``."""

    results: list[RowResult]  # aligned with the rows checked
    tally: Tally
    ready: int  # results[:ready] are final already
    pending: Callable[[], None] | None = None

    def wait(self) -> Checks:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending()
        self.ready = len(self.results)
        return self

    def result(self, position: int) -> RowResult:
        if position >= self.ready:
            self.wait()
        return self.results[position]


LOCAL_SHARE = 0.4  # with a worker: this process checks the first 40% of the rows, then writes them while the worker checks the rest


def start_checks(
    rows: Sequence[ChargeRow],
    ruleset: Ruleset,
    *,
    detail: bool = False,
    progress: Callable[[int], None] | None = None,
    worker: ClaimsWorker | None = None,
) -> Checks:
    """Like ``check_rows``, but with a ``worker`` (another process, see ``worker.py``) the claims after the first
    ``LOCAL_SHARE`` of the rows are checked there, and this returns as soon as its own part is done: a writer can
    write those rows while the worker checks the rest (claims are split in the order of their first row)."""
    group_of: dict[tuple[int, str], int] = {}
    claim_of = array("l", (group_of.setdefault((r.sheet, r.key), len(group_of)) for r in rows))
    claims_count = len(group_of)
    del group_of
    order = sorted(range(len(rows)), key=claim_of.__getitem__)  # the rows of each claim together, claims in first-row order

    def claims(lo: int, hi: int) -> Iterator[list[ChargeRow]]:
        members: list[ChargeRow] = []
        for pos in range(lo, hi):
            if members and claim_of[order[pos]] != claim_of[order[pos - 1]]:
                yield members
                members = []
            members.append(rows[order[pos]])
        if members:
            yield members

    stored = stored_overrides({r.claim_id for r in rows if r.claim_id})
    n = len(rows)
    mid, remote = n, None
    if worker is not None and claims_count >= PARALLEL_MIN_CLAIMS:
        mid = int(n * LOCAL_SHARE)
        while 0 < mid < n and claim_of[order[mid]] == claim_of[order[mid - 1]]:
            mid += 1  # split between two claims
        if 0 < mid < n:
            remote = worker.submit(claims(mid, n), ruleset, detail, claim_of[order[mid - 1]] + 2, stored)
        else:
            mid = n
    found, tally = check_claims_of(claims(0, mid), ruleset, detail, 1, progress, stored)
    results: list[RowResult] = [CLEAN] * n
    interned: dict[RowResult, RowResult] = {}
    for pos, result in zip(order[:mid], found, strict=True):
        results[pos] = interned.setdefault(result, result)
    checks = Checks(results, tally, order[mid] if mid < n else n)

    def collect() -> None:
        assert remote is not None
        try:
            more, remote_tally = remote()
        except (OSError, RuntimeError, EOFError, pickle.UnpicklingError):  # the worker died: check its part here
            more, remote_tally = check_claims_of(claims(mid, n), ruleset, detail, claim_of[order[mid - 1]] + 2, stored=stored)
        for pos, result in zip(order[mid:], more, strict=True):
            results[pos] = interned.setdefault(result, result)
        tally.merge(remote_tally)
        if progress is not None:
            progress(n)

    checks.pending = collect if remote is not None else None
    if remote is None and progress is not None:
        progress(n)
    return checks


PARALLEL_MIN_CLAIMS = 5_000


Stored = dict[str, list[Mapping[str, Any]]]  # the stored overrides of the sheet's claims, by claim id (service.stored_overrides)


class ClaimsWorker(Protocol):
    def submit(
        self, claims: Iterable[Sequence[ChargeRow]], ruleset: Ruleset, detail: bool, first_position: int, stored: Stored
    ) -> Callable[[], tuple[list[RowResult], Tally]]: ...


def claim_reports(rows: Sequence[ChargeRow], ruleset: Ruleset) -> Iterator[tuple[list[ChargeRow], ClaimReport]]:
    """Each claim of ``rows`` (grouped as ``start_checks`` groups them) with its report: the engine's findings with
    the stored overrides and the rows' Override Reasons applied. The rows' own data problems are in ``row.problems``."""
    groups: dict[tuple[int, str], list[ChargeRow]] = {}
    for r in rows:
        groups.setdefault((r.sheet, r.key), []).append(r)
    stored = stored_overrides({r.claim_id for r in rows if r.claim_id})
    cache: dict[tuple, ClaimReport] = {}
    for position, members in enumerate(groups.values(), 1):
        yield members, _report(members, ruleset, position, cache, stored)


def _report(
    members: Sequence[ChargeRow], ruleset: Ruleset, position: int, cache: dict[tuple, ClaimReport], stored: Stored | None
) -> ClaimReport:
    report = _check_group(members, ruleset, position, cache)
    if report.findings:
        claim_id = members[0].claim_id
        report = apply_overrides(report, stored.get(claim_id, ()) if stored and claim_id else (), [r.override for r in members])
    return report


def check_claims_of(
    claims: Iterable[Sequence[ChargeRow]],
    ruleset: Ruleset,
    detail: bool,
    first_position: int = 1,
    progress: Callable[[int], None] | None = None,
    stored: Stored | None = None,
) -> tuple[list[RowResult], Tally]:
    """Check claims (each a list of its rows); the results of their rows, claim after claim. Runs in a worker process too.
    ``stored``: the overrides kept in the rules store for these claims, by claim id."""
    cache: dict[tuple, ClaimReport] = {}
    tally = Tally()
    out: list[RowResult] = []
    for position, members in enumerate(claims, first_position):
        tally.rows += len(members)
        report = _report(members, ruleset, position, cache, stored)
        if not report.findings and not any(r.problems for r in members):  # the common case: nothing to say
            tally.add_claim("clean", [])
            tally.rows_by_status["clean"] += len(members)
            out += [CLEAN] * len(members)
        else:
            row_findings: list[list[tuple[str, Finding]]] = [list(r.problems) for r in members]
            for f in report.findings:
                for li in f.lines or range(len(members)):
                    if li < len(members):
                        row_findings[li].append((_field_of(f), f))
            extra = [(f, [r.code]) for r in members for _, f in r.problems]
            status = status_of(report.findings + [f for f, _ in extra])
            codes = [r.code for r in members]
            tally.add_claim(
                status, [(f, [codes[i] for i in f.lines or range(len(codes)) if i < len(codes)]) for f in report.findings] + extra
            )
            claim_results = [_row_result([f for _, f in found], found if detail else ()) for found in row_findings]
            tally.rows_by_status.update(r.status for r in claim_results)
            out += claim_results
        if progress is not None and position % 500 == 0:
            progress(len(out))
    return out, tally


def warm_up() -> None:
    """Load the code tables and rules in a fresh worker process before it gets claims to check."""
    from derm_core.ruleset import default_ruleset

    check_claim(
        Claim.model_validate({"date_of_service": "2026-03-02", "diagnoses": ["L57.0"], "lines": [{"code": "17000"}]}), default_ruleset()
    )


def _check_group(members: Sequence[ChargeRow], ruleset: Ruleset, position: int, cache: dict[tuple, ClaimReport]) -> ClaimReport:
    key = _content_key(members)
    report = cache.get(key)
    if report is None:
        data = claim_data(members)
        try:
            report = check_claim(Claim.model_validate(data), ruleset, position)
        except ValidationError:  # the rows do not make a claim: SHT005 says which value, and the claim is not checked
            rule = all_rules()["SHT005"]
            bad = [rule.finding(h) for h in rule.fn(RowCells({}, data=data)) if isinstance(h, Hit)]
            report = ClaimReport(claim_id=str(position), status="error", findings=bad)
        if len(cache) >= CLAIM_CACHE_SIZE:
            cache.clear()
        cache[key] = report
    return report


_ORDER = {"error": 0, "warning": 1, "info": 2}


def _row_result(findings: list[Finding], marks_from: Sequence[tuple[str, Finding]]) -> RowResult:
    findings = sorted(findings, key=lambda f: _ORDER[f.severity])
    lines = list(dict.fromkeys(f"{f.rule}{' (overridden)' if f.override else ''}: {f.message}" for f in findings))
    fixes = list(dict.fromkeys(fx for f in findings if not f.override and (fx := _fix_text(f))))
    marks = tuple(
        (fld, f.severity, f"{f.rule} ({f.severity}): {f.message}" + (f"\nFix: {fx}" if (fx := _fix_text(f)) else ""))
        for fld, f in marks_from
        if f.severity != "info" and not f.override
    )
    return RowResult(status_of(findings), "\n".join(lines)[:MAX_CELL_TEXT], "\n".join(fixes)[:MAX_CELL_TEXT], marks)
