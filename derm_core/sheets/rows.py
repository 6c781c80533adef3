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
from derm_core.vocab import header_candidates, method_of, normalise_header, pathology_of, payer_entry, payer_type_of, site_of

from .columns import ColumnMap, looks_like_code
from .values import number, parse_date, stage_blocks, symptoms_of, text, whole, yes_no

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
FACT_FIELDS = ("lesion_count", "size_cm", "site", "pathology", "biopsy_method", "lesion_id", "mohs_stage_blocks", "area_sq_cm", "drug_mg",
               "symptoms", "purpose", "abn_signed")  # fmt: skip


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

# Report rows: what a practice-management report prints between its charge lines.
_GRAND_TOTAL = re.compile(r"\bgrand\s+total|^\s*(?:report\s+)?totals?\s*:|\breport\s+total", re.I)
_SUBTOTAL = re.compile(r"\bsub-?totals?\b|\btotals?\b", re.I)
_PAGE_FOOTER = re.compile(r"\bpage\s+\d+(?:\s+of\s+\d+)?\b|\bprinted\s*:|\brun\s+(?:date|time)\s*:", re.I)
_FORWARD = re.compile(r"\b(?:carried|brought|balance)\s+forward\b|\bforwarded\b|\bcontinued\s+from\b", re.I)
_NOTE = re.compile(r"end\s+of\s+report|\*\*", re.I)
_GROUP_PART = re.compile(r"([A-Za-z][A-Za-z #/.&-]{0,40}?)\s*:\s*(.*?)(?=\s{2,}[A-Za-z][A-Za-z #/.&-]{0,40}?\s*:|$)")
_CONTINUED = re.compile(r"\s*\((?:cont(?:inued|'d|\.)?)\)\s*$|\s+(?:cont(?:inued|'d)|\(cont\.?\))\s*$", re.I)
_NPI_IN_TEXT = re.compile(r"\b(\d{10})\b")
_PARENS = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
GROUP_FIELDS = ("provider", "npi", "office", "payer_name", "payer_type", "place_of_service")
# Encounter fields a report prints on the first line of a visit only; the follow-on lines mean the same values.
ENCOUNTER_FIELDS = (
    "claim_id",
    "patient_id",
    "patient_name",
    "dos",
    "payer_name",
    "payer_type",
    "npi",
    "provider",
    "place_of_service",
    "office",
)
_IDENTIFYING = ("patient_id", "patient_name", "dos", "provider", "npi", "payer_name")
ROW_KINDS = ("page_header", "page_footer", "group_header", "subtotal", "total", "carried_forward", "note")
KIND_LABELS = {
    "page_header": ("repeated page or column header", "repeated page or column headers"),
    "page_footer": ("page footer", "page footers"),
    "group_header": ("group header (provider, location or payer)", "group headers (provider, location or payer)"),
    "subtotal": ("subtotal", "subtotals"),
    "total": ("total", "totals"),
    "carried_forward": ("carried-forward line", "carried-forward lines"),
    "note": ("note or report line", "notes and report lines"),
}


def kind_label(kind: str, n: int) -> str:
    """``3 subtotals``, ``1 total``.

    >>> kind_label("subtotal", 3), kind_label("total", 1)
    ('3 subtotals', '1 total')
    """
    one, many = KIND_LABELS.get(kind, (kind, kind))
    return f"{n} {one if n == 1 else many}"


@dataclass
class RowReader:
    """Reads the rows of one sheet with its column map: sorts report rows (page headers and footers, group headers,
    subtotals, totals, notes) from charge lines, fills an encounter's claim id, date, patient, payer and provider
    down over its blank follow-on lines, and reads each charge line. ``notes`` collects sheet-level remarks and
    ``kinds`` counts the report rows by kind."""

    columns: ColumnMap
    sheet: int = 0
    text_dates_are_normal: bool = False  # a CSV file has only text: a date typed as text is not a problem there
    notes: set[str] = field(default_factory=set)
    payers: Sequence[Any] | None = None  # the ruleset's payer table (``Ruleset.payers``); the shipped one when None
    kinds: Counter[str] = field(default_factory=Counter)
    filled: int = 0  # charge lines whose encounter values were carried down from the line above

    def __post_init__(self) -> None:
        self._read = {name: col for name, col in self.columns.fields.items() if name not in ("status", "findings", "fix")}
        self._values: dict[Any, Any] = {}
        self._mod_fields: tuple[str, ...] = tuple(f for f in ("mod1", "mod2", "mod3", "mod4", "modifiers") if f in self._read)
        self._dx_fields: tuple[str, ...] = tuple(f for f in ("dx1", "dx2", "dx3", "dx4", "diagnoses") if f in self._read)
        self._fact_fields = any(f in self._read for f in FACT_FIELDS)
        self._header = {normalise_header(h) for h in self.columns.headers.values()}
        fields = self._read
        self._key_field = next((f for f in ("claim_id", "patient_id", "patient_name") if f in fields), "dos" if "dos" in fields else None)
        self._encounter = tuple(f for f in ENCOUNTER_FIELDS if f in fields or f in GROUP_FIELDS)
        self._last: dict[str, Any] | None = None  # the encounter values of the last charge line
        self._group: dict[str, Any] = {}  # values a group header row gives the lines under it
        self._seen_charge = False
        self._after_footer = False
        self._payer_cache: dict[tuple[str | None, str | None], tuple[str, str | None]] = {}
        if self.payers is None:
            from derm_core.ruleset import shipped_payers

            self.payers = shipped_payers()
        self.payer_plans: dict[str, str] = {}  # payer name -> how it was typed, for the Summary
        self.unknown_payers: set[str] = set()
        self._unknown_pairs: set[tuple[str | None, str | None]] = set()

    @property
    def grouping(self) -> str:
        """How rows are grouped into claims, in words, for the Summary."""
        h = self.columns.headers
        f = self._read
        if "claim_id" in f:
            return f"by encounter ({h[f['claim_id']]})"
        who = h[f["patient_id"]] if "patient_id" in f else h[f["patient_name"]] if "patient_name" in f else None
        parts = [p for p in (who and f"patient ({who})", "dos" in f and "date of service", "provider" in f and "provider") if p]
        if "npi" in f and "provider" not in f:
            parts.append("rendering NPI")
        return (
            "by " + ", ".join(parts) + " (the sheet has no encounter column)"
            if who
            else "one claim per row (no encounter or patient column)"
        )

    def classify(self, values: Sequence[Any], cells: Mapping[str, Any]) -> str:
        """``charge`` or the kind of report row (``ROW_KINDS``)."""
        code = cells.get("code")
        if code is not None and looks_like_code(code):
            return "charge"
        texts = [v for v in values if isinstance(v, str) and v.strip()]
        filled = [v for v in values if v is not None and v != ""]
        if len(texts) >= 2 and sum(1 for t in texts if normalise_header(t) in self._header) * 2 >= max(len(self._header), 2):
            return "page_header"
        joined = "  ".join(t.strip() for t in texts)
        if _GRAND_TOTAL.search(joined):
            return "total"
        if _SUBTOTAL.search(joined):
            return "subtotal"
        if _PAGE_FOOTER.search(joined):
            return "page_footer"
        if _FORWARD.search(joined):
            return "carried_forward"
        if _NOTE.search(joined):
            return "note"
        if self._seen_charge and code is None and cells and cells.keys() <= {"charge", "units", "description", "notes"} and not texts:
            return "subtotal"  # numbers under the charge or units column and nothing else: a total without its label
        if texts and len(set(map(str, filled))) <= 2 and self._group_values(texts[0]) is not None:
            return "group_header"
        if not cells or (len(filled) == 1 and texts and (" " in texts[0].strip() or len(texts[0]) > 20)):
            return "note" if self._seen_charge and not self._after_footer else "page_header"
        if code is None and not self._seen_charge and all(isinstance(v, str) for v in filled):
            return "page_header"  # a banner or a second header line above the first charge
        return "charge"

    def _group_values(self, text_: str) -> dict[str, Any] | None:
        """The fields a group header gives the lines under it (``Rendering Provider: Ibáñez, Inés MD    NPI: 1619483708``)."""
        found: dict[str, Any] = {}
        for label, value in _GROUP_PART.findall(text_.strip()):
            value = _CONTINUED.sub("", value).strip()
            candidates = [f for f, _ in header_candidates(label)]
            target = next((f for f in candidates if f in GROUP_FIELDS), None)
            if target is None or not value:
                continue
            if target == "npi":
                m = _NPI_IN_TEXT.search(value)
                if m:
                    found["npi"] = m.group(1)
                continue
            m = _PARENS.match(value)
            if target == "payer_name" and m:  # "Primary Insurance: AHCCCS   (Medicaid)"
                found["payer_name"], found["payer_type"] = m.group(1).strip(), m.group(2).strip()
            else:
                found[target] = value
        return found or None

    def _note_row(self, kind: str, values: Sequence[Any]) -> None:
        self.kinds[kind] += 1
        if kind == "page_footer":
            self._after_footer = True  # the banner lines of the next page follow
        if kind == "group_header":
            texts = [v for v in values if isinstance(v, str) and v.strip()]
            group = self._group_values(texts[0]) or {}
            continued = bool(_CONTINUED.search(texts[0]))
            if not continued:
                self._group = group
                self._last = None  # a new group starts a new encounter
        elif kind in ("subtotal", "total"):
            self._last = None

    def read(self, row_index: int, values: Sequence[Any], code_is_formula: bool = False) -> ChargeRow | None:
        """The charge line in ``values`` (the whole sheet row), or None when the row holds no charge data or is a
        report row (counted in ``kinds``). A value that cannot be used is left out, and the sheet rules (SHT0xx)
        say so in the row's ``problems``."""
        width = len(values)
        cells = {name: values[col] for name, col in self._read.items() if col < width and values[col] is not None and values[col] != ""}
        if not cells and not any(v is not None and v != "" for v in values):
            return None
        kind = self.classify(values, cells)
        if kind != "charge":
            self._note_row(kind, values)
            return None
        if not cells or all(isinstance(v, str) and not v.strip() for v in cells.values()):
            return None
        self._seen_charge, self._after_footer = True, False
        cells = self._fill(cells)
        get = cells.get
        ptype, pname = text(get("payer_type")), text(get("payer_name"))
        payer = self._payer(ptype, pname) if ptype or pname else None
        typed = None if not ptype else (ptype, pname) not in self._unknown_pairs
        problems = _row_problems(RowCells(cells, code_is_formula, self.text_dates_are_normal, payer_typed=typed))

        code = (text(get("code")) or "").upper()
        mods: list[str] = []
        if code.endswith(".0") and code[:-2].isdigit():
            code = code[:-2]
        if isinstance(get("code"), int | float) and code.isdigit() and len(code) < 5:
            code = code.zfill(5)  # a number lost its leading zeros
        if m := _CODE_WITH_MODS.match(code):  # "99213-25" typed in the code cell
            code, mods = m.group(1), m.group(2).strip("-").split("-")
        for name in self._mod_fields:
            t = text(get(name))
            if t:
                mods += _split(t.upper(), _MOD_SEPARATORS)

        units = whole(get("units")) if "units" in cells else None
        try:
            dos, _typed = parse_date(get("dos"))
        except ValueError:
            dos = None

        dx: list[str] = []
        for name in self._dx_fields:
            t = text(get(name))
            if t:
                dx += _split(t.upper(), _DX_SEPARATORS)

        facts: list[tuple[str, Any]] = []
        if self._fact_fields:
            if (n := whole(get("lesion_count"))) is not None:
                facts.append(("lesion_count", n))
            if (size_text := text(get("size_cm"))) is not None and (size := number(_SIZE_UNIT.sub("", size_text.lower()))) is not None:
                facts.append(("size_cm", size / 10 if size_text.lower().endswith("mm") else size))
            for name, read in (("site", site_of), ("pathology", pathology_of), ("biopsy_method", method_of)):
                if (t := text(get(name))) is not None and (value := read(t)) is not None:
                    facts.append((name, value))
            if (lesion := text(get("lesion_id"))) is not None:
                facts.append(("lesion_id", lesion))
            for name in ("area_sq_cm", "drug_mg"):
                if (amount := number(get(name))) is not None:
                    facts.append((name, amount))
            if (blocks := stage_blocks(get("mohs_stage_blocks"))) is not None:
                facts.append(("mohs_stage_blocks", blocks))
            if (symptoms := symptoms_of(get("symptoms"))) is not None:
                facts.append(("symptoms", symptoms))
            if (purpose := (text(get("purpose")) or "").lower()) in ("medical", "cosmetic"):
                facts.append(("purpose", purpose))
            if (abn := yes_no(get("abn_signed"))) is not None:
                facts.append(("abn_signed", abn))

        claim_id = text(get("claim_id"))
        patient = text(get("patient_id")) or text(get("patient_name"))
        if claim_id:
            key = claim_id
        elif patient:
            key = f"{PATIENT_KEY}{patient}|{dos}|{text(get('provider')) or text(get('npi')) or ''}"
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

    def _fill(self, cells: dict[str, Any]) -> dict[str, Any]:
        """Carry the encounter's values down to a follow-on line (its encounter cell blank), and a group header's
        values (provider, NPI, payer) to the lines under it that do not have them."""
        key = self._key_field
        last = self._last
        if last is not None and any(cells[f] != last[f] for f in _IDENTIFYING if f in cells and f in last):
            last = None  # another patient, date or provider: not a follow-on line of the encounter above
        if key is not None and key not in cells and last is not None:
            filled = False
            for name in self._encounter:
                if name not in cells and name in last:
                    cells[name] = last[name]
                    filled = True
            self.filled += filled
        elif key is not None:
            self._last = {name: cells[name] for name in self._encounter if name in cells}
        if self._group:
            for name, value in self._group.items():
                cells.setdefault(name, value)
            if self._last is not None:
                for name, value in self._group.items():
                    self._last.setdefault(name, value)
        return cells

    def _payer(self, ptype: str | None, pname: str | None) -> tuple[str, str | None]:
        """(payer type, name) from the payer table: the name's row, else the financial class's row, else the words
        in them; a payer the table does not know is flagged (and checked as commercial), never typed silently."""
        hit = self._payer_cache.get((ptype, pname))
        if hit is not None:
            return hit
        payers = self.payers or ()
        by_name = payer_entry(pname, payers) if pname else None
        by_type = payer_entry(ptype, payers) if ptype else None
        label = pname or ptype or ""
        if by_name is not None:
            kind, plan = str(by_name.payer_type), by_name.plan
        elif by_type is not None:
            kind, plan = str(by_type.payer_type), by_type.plan
        elif (word := payer_type_of(ptype or "") or payer_type_of(pname or "")) is not None:
            kind, plan = word, f"{word}, from the words in '{ptype or pname}' (not in the payer table)"
        else:
            kind, plan = "commercial", "not in the payer table: checked as commercial"
            self.unknown_payers.add(label)
            self._unknown_pairs.add((ptype, pname))
        self.payer_plans.setdefault(label, f"{plan} ({kind})" if kind not in plan else plan)
        hit = self._payer_cache[(ptype, pname)] = (kind, pname)
        return hit

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


def net_lines(members: Sequence[ChargeRow]) -> tuple[list[tuple[int, ChargeRow]], dict[int, str]]:
    """A claim's lines after its reversals: a line with negative units (a void) cancels, or reduces, the line it
    reverses (same code and modifiers, else same code), as the practice's system nets them. Returns the lines billed
    (their position in ``members``, the row with its net units) and, for each voided or reversal row, what happened.

    >>> r = lambda row, code, units: ChargeRow(0, row, "V1", "V1", None, None, None, None, code, (), units, (), (), None, None, (), ())
    >>> billed, voids = net_lines([r(1, "17000", 1), r(2, "17003", 3), r(3, "17003", -1), r(4, "17000", 1), r(5, "17000", -1)])
    >>> [(pos, row.code, row.units) for pos, row in billed], voids
    ([(0, '17000', 1), (1, '17003', 2)], {2: 'Reversal: takes 1 unit off row 3 (17003).', 3: 'Voided by row 6.', 4: 'Reversal of row 5 (17000).'})
    """
    units = [r.units for r in members]
    voids: dict[int, str] = {}
    for i, rev in enumerate(members):
        if rev.units >= 0 or not rev.code:
            continue
        want = -rev.units
        candidates = [j for j, r in enumerate(members) if units[j] > 0 and r.code == rev.code and j != i]
        exact = [j for j in candidates if members[j].mods == rev.mods]
        pool = exact or candidates
        if not pool:
            continue  # a reversal of nothing on this claim: left as billed, and the units rule says so
        j = next((j for j in reversed(pool) if units[j] == want), pool[-1])
        taken = min(want, units[j])
        units[j] -= taken
        units[i] = 0
        if units[j] == 0:
            voids[j] = f"Voided by row {rev.row + 1}."
            voids[i] = f"Reversal of row {members[j].row + 1} ({rev.code})."
        else:
            voids[i] = f"Reversal: takes {taken} unit{'s' if taken > 1 else ''} off row {members[j].row + 1} ({rev.code})."
    billed = [
        (j, r if units[j] == r.units else r._replace(units=units[j]))
        for j, r in enumerate(members)
        if j not in voids and (units[j] != 0 or r.units == 0)
    ]
    return billed, voids


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
    voided_rows: int = 0  # reversal rows and the rows they cancel
    voided_claims: int = 0  # visits whose every line was reversed

    def merge(self, other: Tally) -> None:
        self.rows += other.rows
        self.claims += other.claims
        self.voided_rows += other.voided_rows
        self.voided_claims += other.voided_claims
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
    absent: Mapping[int, frozenset[str]] | None = None,
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
    checks = start_checks(rows, ruleset, detail=detail, progress=progress, worker=worker, absent=absent).wait()
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
    absent: Mapping[int, frozenset[str]] | None = None,
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
            extra = {"absent": dict(absent)} if absent else {}  # a worker from before the argument still works without it
            remote = worker.submit(claims(mid, n), ruleset, detail, claim_of[order[mid - 1]] + 2, stored, **extra)
        else:
            mid = n
    found, tally = check_claims_of(claims(0, mid), ruleset, detail, 1, progress, stored, absent)
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
            more, remote_tally = check_claims_of(
                claims(mid, n), ruleset, detail, claim_of[order[mid - 1]] + 2, stored=stored, absent=absent
            )
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
        self,
        claims: Iterable[Sequence[ChargeRow]],
        ruleset: Ruleset,
        detail: bool,
        first_position: int,
        stored: Stored,
        absent: dict[int, frozenset[str]] | None = None,
    ) -> Callable[[], tuple[list[RowResult], Tally]]: ...


def claim_reports(rows: Sequence[ChargeRow], ruleset: Ruleset) -> Iterator[tuple[list[ChargeRow], ClaimReport]]:
    """Each claim of ``rows`` (grouped as ``start_checks`` groups them, reversals netted out) with its report: the
    engine's findings with the stored overrides and the rows' Override Reasons applied. The members are the lines
    billed (a fully voided visit is left out); the rows' own data problems are in ``row.problems``."""
    groups: dict[tuple[int, str], list[ChargeRow]] = {}
    for r in rows:
        groups.setdefault((r.sheet, r.key), []).append(r)
    stored = stored_overrides({r.claim_id for r in rows if r.claim_id})
    cache: dict[tuple, ClaimReport] = {}
    for position, members in enumerate(groups.values(), 1):
        billed = [r for _, r in net_lines(members)[0]]
        if billed:
            yield billed, _report(billed, ruleset, position, cache, stored)


def _report(
    members: Sequence[ChargeRow],
    ruleset: Ruleset,
    position: int,
    cache: dict[tuple, ClaimReport],
    stored: Stored | None,
    absent: frozenset[str] = frozenset(),
) -> ClaimReport:
    report = _check_group(members, ruleset, position, cache)
    if report.findings and absent:
        findings = [not_on_sheet(f, absent) for f in report.findings]
        if any(a is not b for a, b in zip(findings, report.findings, strict=True)):
            report = report.model_copy(update={"findings": findings})
    if report.findings:
        claim_id = members[0].claim_id
        report = apply_overrides(report, stored.get(claim_id, ()) if stored and claim_id else (), [r.override for r in members])
    return report


# The finding a rule gives when a value is missing, and the sheet column that would carry it. On a sheet without that
# column the finding is a warning that says the sheet does not carry it (the value may well be in the chart).
MISSING_VALUE_FINDINGS = {
    "DRM002": ("dos", "date of service"),
    "DRM021": ("dx", "diagnosis"),
    "DRM208": ("mohs_stage_blocks", "blocks per stage"),
    "DRM604": ("photosensitizer", "photosensitizer"),
}


def not_on_sheet(f: Finding, absent: frozenset[str]) -> Finding:
    """``f`` as a warning that names the missing column, when the sheet has no column for the value it wants."""
    what = MISSING_VALUE_FINDINGS.get(f.rule)
    if what is None or what[0] not in absent:
        return f
    return f.model_copy(
        update={
            "severity": "warning" if f.severity == "error" else f.severity,
            "message": f"{f.message} (The sheet has no {what[1]} column.)",
        }
    )


def absent_values(columns: ColumnMap) -> frozenset[str]:
    """The values of ``MISSING_VALUE_FINDINGS`` that a sheet with these columns cannot carry."""
    fields = columns.fields
    have = {
        "dos": "dos" in fields,
        "dx": any(f in fields for f in ("diagnoses", "dx1", "dx2", "dx3", "dx4", "dx_pointer")),
        "mohs_stage_blocks": "mohs_stage_blocks" in fields,
    }
    return frozenset(name for name, _ in MISSING_VALUE_FINDINGS.values() if not have.get(name, False))


VOID = RowResult("", "", "")


def check_claims_of(
    claims: Iterable[Sequence[ChargeRow]],
    ruleset: Ruleset,
    detail: bool,
    first_position: int = 1,
    progress: Callable[[int], None] | None = None,
    stored: Stored | None = None,
    absent: Mapping[int, frozenset[str]] | None = None,
) -> tuple[list[RowResult], Tally]:
    """Check claims (each a list of its rows); the results of their rows, claim after claim. Runs in a worker process too.
    ``stored``: the overrides kept in the rules store for these claims, by claim id. ``absent``: by sheet, the values
    the sheet has no column for (``absent_values``). Reversal rows and the rows they void get no status, only a note."""
    cache: dict[tuple, ClaimReport] = {}
    tally = Tally()
    out: list[RowResult] = []
    for position, members in enumerate(claims, first_position):
        tally.rows += len(members)
        if any(r.units < 0 for r in members):
            billed, voids = net_lines(members)
        else:
            billed, voids = list(enumerate(members)), {}
        tally.voided_rows += len(voids)
        if not billed:  # every line reversed: the visit is not billed
            tally.voided_claims += 1
            out += [RowResult("", voids.get(i, ""), "") for i in range(len(members))]
            continue
        lines = [r for _, r in billed]
        report = _report(lines, ruleset, position, cache, stored, (absent or {}).get(members[0].sheet, frozenset()))
        if not report.findings and not voids and not any(r.problems for r in members):  # the common case: nothing to say
            tally.add_claim("clean", [])
            tally.rows_by_status["clean"] += len(members)
            out += [CLEAN] * len(members)
        else:
            row_findings: list[list[tuple[str, Finding]]] = [list(r.problems) for r in members]
            for f in report.findings:
                for li in f.lines or range(len(lines)):
                    if li < len(lines):
                        row_findings[billed[li][0]].append((_field_of(f), f))
            extra = [(f, [r.code]) for r in members for _, f in r.problems]
            status = status_of(report.findings + [f for f, _ in extra])
            codes = [r.code for r in lines]
            tally.add_claim(
                status, [(f, [codes[i] for i in f.lines or range(len(codes)) if i < len(codes)]) for f in report.findings] + extra
            )
            claim_results = [
                RowResult("", voids[i], "") if i in voids and not found else _row_result([f for _, f in found], found if detail else ())
                for i, found in enumerate(row_findings)
            ]
            tally.rows_by_status.update(r.status for r in claim_results if r.status)
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
    shown = {f.rule for f in findings}  # a finding that repeats another's (duplicate_of) is shown once, there
    findings = sorted((f for f in findings if f.override or f.duplicate_of not in shown), key=lambda f: _ORDER[f.severity])
    marks_from = [(fld, f) for fld, f in marks_from if f.override or f.duplicate_of not in shown]
    lines = list(dict.fromkeys(f"{f.rule}{' (overridden)' if f.override else ''}: {f.message}" for f in findings))
    fixes = list(dict.fromkeys(fx for f in findings if not f.override and (fx := _fix_text(f))))
    marks = tuple(
        (fld, f.severity, f"{f.rule} ({f.severity}): {f.message}" + (f"\nFix: {fx}" if (fx := _fix_text(f)) else ""))
        for fld, f in marks_from
        if f.severity != "info" and not f.override
    )
    return RowResult(status_of(findings), "\n".join(lines)[:MAX_CELL_TEXT], "\n".join(fixes)[:MAX_CELL_TEXT], marks)
