"""Charge-sheet headers: which column holds what, recognised by name with synonyms.

Names are compared without case, spacing or punctuation, so ``CPT Code``, ``cpt_code`` and
``CPT-code`` are the same header. The header row is the best-scoring of the first rows of a sheet,
so a title or a merged banner above the header is fine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

HEADER_SCAN_ROWS = 15
OWN_COLUMNS = {"status": "Check Status", "findings": "Check Findings", "fix": "Check Fix"}

# field -> header names a biller may use (first one is the name our template writes)
SYNONYMS: dict[str, list[str]] = {
    "claim_id": ["Claim ID", "Claim", "Claim No", "Claim Number", "Encounter", "Encounter ID", "Encounter No", "Visit ID", "Ticket"],
    "patient_id": ["Patient ID", "Patient", "MRN", "Account", "Account No", "Account Number", "Acct", "Patient Account", "Chart No"],
    "dos": ["DOS", "Date of Service", "Service Date", "Svc Date", "Date", "From Date"],
    "code": ["CPT", "CPT Code", "Procedure", "Procedure Code", "Proc Code", "HCPCS", "HCPCS Code", "CPT/HCPCS", "Code", "Service Code"],
    "modifiers": ["Modifiers", "Modifier", "Mods", "Mod"],
    "diagnoses": ["Diagnoses", "Diagnosis", "Dx", "Dx Codes", "Diagnosis Codes", "ICD-10", "ICD10", "ICD", "ICD Codes"],
    "dx_pointer": ["Dx Pointer", "Diagnosis Pointer", "Dx Ptr", "Pointer"],
    "units": ["Units", "Qty", "Quantity", "Unit", "Days/Units"],
    "payer_type": ["Payer Type", "Insurance Type", "Financial Class", "Plan Type", "Coverage Type"],
    "payer_name": ["Payer", "Insurance", "Payer Name", "Insurance Name", "Carrier", "Plan", "Primary Insurance"],
    "npi": ["Rendering NPI", "NPI", "Rendering", "Provider NPI"],
    "prior_auth": ["Auth", "PA#", "PA", "Prior Auth", "Authorization", "Auth No", "Auth Number", "Prior Authorization"],
    "lesion_count": ["Lesion Count", "Lesions", "# Lesions", "No of Lesions", "Number of Lesions"],
    "site": ["Site", "Body Site", "Anatomic Site", "Location"],
    "size_cm": ["Size (cm)", "Size", "Size cm", "Lesion Size", "Diameter"],
    "pathology": ["Pathology", "Path", "Path Result", "Histology"],
    "biopsy_method": ["Biopsy Method", "Biopsy Type"],
    "lesion_id": ["Lesion ID"],
    "charge": ["Charge", "Charges", "Amount", "Fee", "Billed", "Billed Amount"],
    "place_of_service": ["POS", "Place of Service"],
    "override_reason": ["Override Reason", "Override", "Override Note"],
}
for _n, _letter in zip("1234", "ABCD", strict=True):
    SYNONYMS[f"mod{_n}"] = [f"Mod {_n}", f"Modifier {_n}", f"Mod{_n}", f"M{_n}"]
    SYNONYMS[f"dx{_n}"] = [
        f"Dx {_n}",
        f"Diagnosis {_n}",
        f"Diag {_n}",
        f"ICD {_n}",
        f"ICD-10 {_n}",
        f"Dx {_letter}",
        f"Diagnosis {_letter}",
    ]
for _key, _name in OWN_COLUMNS.items():
    SYNONYMS[_key] = [_name]

CLAIM_FIELDS = {"claim_id", "patient_id", "dos", "units", "modifiers", "diagnoses", "payer_name", "payer_type"} | {
    f"{p}{n}" for p in ("mod", "dx") for n in "1234"
}


def normalise_header(text: Any) -> str:
    """Lower-case letters and digits only.

    >>> normalise_header(" CPT / HCPCS ")
    'cpthcpcs'
    """
    return re.sub(r"[^a-z0-9]", "", str(text).lower()) if text is not None else ""


_LOOKUP = {normalise_header(name): field for field, names in SYNONYMS.items() for name in names}


class ColumnMap(BaseModel):
    """Where the header is (0-based row) and which 0-based column holds each field."""

    header_row: int
    fields: dict[str, int]
    headers: dict[int, str] = Field(default_factory=dict, description="every non-empty header cell by column")
    ignored: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def recognised(self) -> dict[str, str]:
        """Header text -> field, for the columns we read (our own Check columns left out)."""
        return {self.headers[c]: f for f, c in self.fields.items() if f not in OWN_COLUMNS}


def map_header(cells: Sequence[Any]) -> ColumnMap:
    """Map one header row. Unknown and duplicate headers are reported as ignored.

    >>> m = map_header(["Claim #", "cpt code", "Mod 1", "Comments"])
    >>> m.fields, m.ignored
    ({'claim_id': 0, 'code': 1, 'mod1': 2}, ['Comments'])
    """
    fields: dict[str, int] = {}
    headers: dict[int, str] = {}
    ignored: list[str] = []
    notes: list[str] = []
    for col, cell in enumerate(cells):
        text = str(cell).strip() if cell is not None else ""
        if not text:
            continue
        headers[col] = text
        field = _LOOKUP.get(normalise_header(text))
        if field is None:
            ignored.append(text)
        elif field in fields:
            ignored.append(text)
            notes.append(f"column '{text}' repeats '{headers[fields[field]]}' ({field}); the first one is used")
        else:
            fields[field] = col
    return ColumnMap(header_row=0, fields=fields, headers=headers, ignored=ignored, notes=notes)


def find_header(rows: Sequence[Sequence[Any]]) -> ColumnMap | None:
    """The best header among the first rows: it must name a code column; most recognised columns wins.

    >>> find_header([["March charges"], [], ["DOS", "Patient", "CPT", "Units"], ["2026-03-02", "P1", "17000", 1]]).header_row
    2
    """
    best: ColumnMap | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = map_header(row)
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
