"""What a sheet check produced: each row's result as the writers read it, the rows to fix, and the summary."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from derm_core.sheets.read import SheetScan
from derm_core.sheets.rows import Checks, RowResult, claim_label


class RowIssue(BaseModel):
    """A row with an error or a warning, for the Summary's list of rows to fix (1-based sheet row)."""

    sheet: str
    row: int
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
    columns_ignored: list[str]
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


TO_FIX_ROWS = 40


def rows_to_fix(scans: list[SheetScan], results: SheetResults) -> list[RowIssue]:
    picked: list[RowIssue] = []
    for wanted in ("error", "warning"):
        for scan in scans:
            for row, result in zip(scan.rows, results.of(scan), strict=True):
                if result.status == wanted and len(picked) < TO_FIX_ROWS:
                    claim = claim_label(row)
                    picked.append(
                        RowIssue(
                            sheet=scan.name,
                            row=row.row + 1,
                            claim=claim,
                            code=row.code,
                            status=wanted,
                            findings=result.findings,
                            fix=result.fix,
                        )
                    )
    return picked
