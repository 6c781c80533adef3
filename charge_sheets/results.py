"""What a sheet check produced: each row's result as the writers read it, the rows to fix, and the summary."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from derm_core.sheets.read import SheetScan
from derm_core.sheets.rows import Checks, RowResult, claim_label


class RowIssue(BaseModel):
    """A claim with an error or a warning, for the Summary's list of claims to fix (1-based sheet rows)."""

    sheet: str
    row: int  # the first row of the claim
    rows: str = ""  # every row of the claim with an error or a warning, e.g. "7-9"
    claim: str
    code: str
    status: str
    findings: str
    fix: str


class SheetSummary(BaseModel):
    """What ``check_sheet`` did: counts for a reply, and everything the Summary sheet shows."""

    input: str
    output: str
    path: Literal["full", "fast"]
    sheets: list[str]
    rows_checked: int
    claims: int
    by_status: dict[str, int] = Field(description="claims by status")
    rows_by_status: dict[str, int]
    findings_by_rule: dict[str, int]
    findings_by_category: dict[str, int]
    findings_by_code: dict[str, int]
    top_fixes: list[tuple[str, str, int]] = Field(description="(rule, fix, claims)")
    to_fix: list[RowIssue] = Field(default_factory=list, description="the first rows with errors, then warnings")
    columns_recognised: dict[str, str] = Field(description="header -> field")
    columns_confidence: dict[str, float] = Field(default_factory=dict, description="header -> how sure the match is (1.0: a listed name)")
    columns_ignored: list[str]
    grouping: dict[str, str] = Field(default_factory=dict, description="sheet -> how its rows were grouped into claims")
    row_kinds: dict[str, int] = Field(
        default_factory=dict, description="rows that are not charge lines, by kind (subtotal, page_header ...)"
    )
    payers: dict[str, str] = Field(default_factory=dict, description="payer as written -> how it was typed (payer table)")
    unknown_payers: list[str] = Field(default_factory=list, description="payers the payer table does not know (checked as commercial)")
    voided_rows: int = 0
    voided_claims: int = 0
    kept: str
    not_kept: list[str]
    notes: list[str]
    ruleset_version: str
    seconds: float = 0.0


@dataclass
class SheetResults:
    """The check results of every charge sheet's rows (sheet after sheet), read as the writers need them."""

    checks: Checks
    offsets: dict[int, int] = field(default_factory=dict)  # sheet index -> position of its first row
    size: int = 0

    def of(self, scan: SheetScan) -> Iterator[RowResult]:
        """The results of one sheet's rows, in row order; waits for the worker only when it reaches its rows."""
        start = self.offsets.get(scan.index, 0)
        for k in range(len(scan.rows)):
            yield self.checks.result(start + k)


TO_FIX_CLAIMS = 25
NOT_ON_SHEET_FACTS = {
    "lesion_count": "lesion count",
    "site": "body site",
    "size_cm": "size",
    "pathology": "pathology",
    "biopsy_method": "biopsy method",
}


def reading_notes(scans: list[SheetScan]) -> tuple[dict[str, object], list[str]]:
    """What reading the sheets found, for the Summary: (fields of ``SheetSummary``, notes in words)."""
    from derm_core.sheets.rows import kind_label

    kinds: dict[str, int] = {}
    notes: list[str] = []
    payers: dict[str, str] = {}
    unknown: list[str] = []
    for scan in scans:
        if scan.columns is None:
            continue
        name = scan.name
        notes.append(f"{name}: rows grouped into claims {scan.grouping}.")
        if scan.filled:
            notes.append(
                f"{name}: {scan.filled} follow-on line{'s' if scan.filled > 1 else ''} took the visit's claim id, date, patient and payer from the line above."
            )
        if scan.kinds:
            parts = ", ".join(kind_label(k, n) for k, n in sorted(scan.kinds.items(), key=lambda kv: -kv[1]))
            notes.append(f"{name}: not checked as charge lines: {parts}.")
        for k, n in scan.kinds.items():
            kinds[k] = kinds.get(k, 0) + n
        missing = [label for f, label in NOT_ON_SHEET_FACTS.items() if f not in scan.columns.fields]
        if missing:
            notes.append(
                f"{name}: the sheet does not carry {', '.join(missing)}: the checks that need them were not run (they are not passed either)."
            )
        payers.update(scan.payer_plans)
        unknown += sorted(scan.unknown_payers)
    for payer in dict.fromkeys(unknown):
        notes.append(
            f"Payer '{payer}' is not in the payer table and the sheet gives no payer type it knows: checked as commercial. "
            "Add it to the Payers sheet of the rules workbook."
        )
    fields: dict[str, object] = {
        "grouping": {s.name: s.grouping for s in scans if s.columns is not None},
        "row_kinds": kinds,
        "payers": payers,
        "unknown_payers": list(dict.fromkeys(unknown)),
        "columns_confidence": {
            s.columns.headers[c]: s.columns.confidence.get(f, 1.0)
            for s in scans
            if s.columns
            for f, c in s.columns.fields.items()
            if f in s.columns.confidence
        },
    }
    return fields, notes


def rows_to_fix(scans: list[SheetScan], results: SheetResults) -> list[RowIssue]:
    """The claims to fix first (errors, then warnings), one entry per claim with its rows and its findings, so that
    the Summary prints on a page or two; every row's own detail is in the Check columns."""
    picked: dict[tuple[str, str], RowIssue] = {}
    rows_of: dict[tuple[str, str], list[int]] = {}
    for wanted in ("error", "warning"):
        for scan in scans:
            for row, result in zip(scan.rows, results.of(scan), strict=True):
                if result.status != wanted:
                    continue
                key = (scan.name, claim_label(row))
                if key not in picked:
                    if len(picked) >= TO_FIX_CLAIMS:
                        continue
                    picked[key] = RowIssue(
                        sheet=scan.name, row=row.row + 1, claim=key[1], code=row.code, status=wanted, findings="", fix=""
                    )
                    rows_of[key] = []
                item = picked[key]
                rows_of[key].append(row.row + 1)
                if row.code and row.code not in item.code.split(", "):
                    item.code = f"{item.code}, {row.code}" if item.code else row.code
                lines = item.findings.splitlines() + [x for x in result.findings.splitlines() if x not in item.findings.splitlines()]
                item.findings = "\n".join(lines)
                if result.fix and not item.fix:
                    item.fix = result.fix.splitlines()[0]
    for key, item in picked.items():
        numbers = rows_of[key]
        item.rows = (
            f"{numbers[0]}"
            if len(numbers) == 1
            else f"{numbers[0]}-{numbers[-1]}"
            if numbers == list(range(numbers[0], numbers[-1] + 1))
            else ", ".join(map(str, numbers))
        )
    return list(picked.values())
