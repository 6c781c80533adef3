"""Charge-sheet headers: which column holds what, recognised by name (the synonym table in ``derm_core.vocab``,
matched exactly or fuzzily) and, where a header could mean two things, by the cells under it.

Names are compared without case, spacing or punctuation, so ``CPT Code``, ``cpt_code`` and ``CPT-code`` are the
same header. The header row is the best-scoring of the first rows of a sheet, so a title or a merged banner above
the header is fine. Two columns that could be the code ("Procedure" holding descriptions, then "CPT Code") or a
header with two meanings ("Location": an office, or a body site) are decided by what the cells hold: codes look
like codes, and a body site is not an office name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from derm_core.vocab import header_candidates, header_synonyms, normalise_header, site_of

HEADER_SCAN_ROWS = 15
SAMPLE_ROWS = 40  # rows under a candidate header whose cells decide between two readings of a column
OWN_COLUMNS = {"status": "Check Status", "findings": "Check Findings", "fix": "Check Fix"}

SYNONYMS: dict[str, list[str]] = {**header_synonyms(), **{key: [name] for key, name in OWN_COLUMNS.items()}}

CLAIM_FIELDS = {"claim_id", "patient_id", "patient_name", "dos", "units", "modifiers", "diagnoses", "payer_name", "payer_type"} | {
    f"{p}{n}" for p in ("mod", "dx") for n in "1234"
}
# Fields we recognise and report but do not put on the claim.
CONTEXT_FIELDS = {"description", "office", "provider", "patient_name", "line_status", "notes"}
_OWN_KEYS = {normalise_header(name): key for key, name in OWN_COLUMNS.items()}

_CODE = re.compile(r"^(?:\d{4}[0-9FTU]|[A-V]\d{4})(?:-[0-9A-Z]{2})*$")
_ICD = re.compile(r"^[A-TV-Z]\d[0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
_NPI = re.compile(r"^\d{10}$")


def looks_like_code(value: Any) -> bool:
    """A CPT or HCPCS code as a cell may hold it (``17000``, ``17000.0``, ``11102-59``, ``J3301``).

    >>> looks_like_code(11102.0), looks_like_code("17110-GY-GX"), looks_like_code("OV est pt L3"), looks_like_code("Subtotal")
    (True, True, False, False)
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return float(value).is_integer() and 100 <= value <= 99999
    text = str(value).strip().upper() if value is not None else ""
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return bool(_CODE.match(text))


def _looks_like(field: str, value: Any) -> bool | None:
    """Whether a cell fits the field; None when the cells say nothing about it."""
    text = str(value).strip() if value is not None else ""
    if field == "code":
        return looks_like_code(value)
    if field == "site":
        return site_of(text) is not None
    if field == "office":
        return site_of(text) is None
    if field.startswith("dx") or field == "diagnoses":
        parts = [p for p in re.split(r"[\s,;/]+", text.upper()) if p]
        return bool(parts) and all(_ICD.match(p) for p in parts)
    if field == "npi":
        return bool(_NPI.match(text.removesuffix(".0")))
    if field == "provider":
        return not _NPI.match(text.removesuffix(".0"))
    return None


class ColumnMap(BaseModel):
    """Where the header is (0-based row) and which 0-based column holds each field."""

    header_row: int
    fields: dict[str, int]
    headers: dict[int, str] = Field(default_factory=dict, description="every non-empty header cell by column")
    confidence: dict[str, float] = Field(default_factory=dict, description="field -> how sure the header match is (1.0: a listed name)")
    ignored: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def recognised(self) -> dict[str, str]:
        """Header text -> field, for the columns we read (our own Check columns left out)."""
        return {self.headers[c]: f for f, c in sorted(self.fields.items(), key=lambda kv: kv[1]) if f not in OWN_COLUMNS}

    def described(self) -> list[str]:
        """Each recognised column with its field and confidence, for the Summary: ``'Svc Date: dos (100%)'``."""
        return [f"{h}: {f} ({self.confidence.get(f, 1.0):.0%})" for h, f in self.recognised.items()]


def map_header(cells: Sequence[Any], sample: Sequence[Sequence[Any]] = ()) -> ColumnMap:
    """Map one header row; ``sample`` (rows under it) decides columns a header alone cannot. Unknown and repeated
    headers are reported as ignored.

    >>> m = map_header(["Claim #", "cpt code", "Mod 1", "Comments"])
    >>> m.fields, m.ignored
    ({'claim_id': 0, 'code': 1, 'mod1': 2, 'notes': 3}, [])
    >>> map_header(["Location", "Procedure", "CPT Code"], [["Main Street Office", "OV est pt", "99213"]]).fields
    {'office': 0, 'description': 1, 'code': 2}
    """
    headers: dict[int, str] = {}
    options: list[tuple[int, str, float, int]] = []  # (column, field, confidence, rank among the header's meanings)
    for col, cell in enumerate(cells):
        text = str(cell).strip() if cell is not None else ""
        if not text:
            continue
        headers[col] = text
        own = _OWN_KEYS.get(normalise_header(text))
        candidates = ((own, 1.0),) if own else header_candidates(text)
        options += [(col, field, conf, rank) for rank, (field, conf) in enumerate(candidates)]

    def fit(col: int, field: str) -> float:
        """Share of the sampled cells that fit the field (0.5 when the cells cannot tell)."""
        seen = [_looks_like(field, row[col]) for row in sample if col < len(row) and row[col] not in (None, "")]
        judged = [s for s in seen if s is not None]
        return sum(judged) / len(judged) if judged else 0.5

    scored = sorted(((fit(c, f) >= 0.5, conf, -c, -rank, f) for c, f, conf, rank in options), reverse=True)
    fields: dict[str, int] = {}
    confidence: dict[str, float] = {}
    taken: set[int] = set()
    for _fits, conf, neg_col, _rank, field in scored:
        col = -neg_col
        if col in taken or field in fields:
            continue
        fields[field], confidence[field] = col, conf
        taken.add(col)
    notes: list[str] = []
    ignored: list[str] = []
    for col, text in headers.items():
        if col in taken:
            continue
        wanted = [f for c, f, _, _ in options if c == col]
        if "code" in wanted and "description" not in fields and fit(col, "code") < 0.5:
            fields["description"], confidence["description"] = col, 0.9
            notes.append(f"column '{text}' holds descriptions, not codes; the codes are read from '{headers[fields['code']]}'")
            continue
        ignored.append(text)
        if wanted:
            first = wanted[0]
            other = headers.get(fields.get(first, -1), "another column")
            notes.append(f"column '{text}' repeats '{other}' ({first}); '{other}' is used")
    ordered = dict(sorted(fields.items(), key=lambda kv: kv[1]))
    return ColumnMap(header_row=0, fields=ordered, headers=headers, confidence=confidence, ignored=ignored, notes=notes)


def find_header(rows: Sequence[Sequence[Any]]) -> ColumnMap | None:
    """The best header among the first rows: it must name a code column; most recognised columns wins.

    >>> find_header([["March charges"], [], ["DOS", "Patient", "CPT", "Units"], ["2026-03-02", "P1", "17000", 1]]).header_row
    2
    """
    best: ColumnMap | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = map_header(row, rows[i + 1 : i + 1 + SAMPLE_ROWS])
        if "code" not in found.fields:
            continue
        if best is None or _score(found) > _score(best):
            best = found.model_copy(update={"header_row": i})
    return best


def _score(m: ColumnMap) -> int:
    return sum(1 for f in m.fields if f not in OWN_COLUMNS)


def is_charge_sheet(m: ColumnMap | None) -> bool:
    """A code column and at least one column that makes rows claims (a lookup list of codes is not a charge sheet)."""
    return m is not None and "code" in m.fields and bool(CLAIM_FIELDS & m.fields.keys())
