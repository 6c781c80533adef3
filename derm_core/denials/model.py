"""What a remittance says about one claim, whatever file it came from (835, CSV or XLSX export).

Plain dataclasses: a batch holds hundreds of thousands of them. Patient names, member ids and dates of
birth are never read into them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pydantic import BaseModel


@dataclass(slots=True)
class Adjustment:
    group: str  # CO, PR, OA, PI (CR in older files)
    reason: str  # the claim adjustment reason code (CARC)
    amount: float
    quantity: float | None = None


@dataclass(slots=True)
class RemitLine:
    code: str  # the procedure code as billed
    modifiers: tuple[str, ...]
    billed: float
    paid: float
    units: float = 1.0
    dos: date | None = None
    allowed: float | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    paid_code: str | None = None  # the code the payer adjudicated, when it changed it
    provider: str | None = None  # a line-level rendering provider, when the payer names one


@dataclass(slots=True)
class RemitClaim:
    source: str  # file (and member of a zip) it was read from
    claim_id: str  # the practice's claim number (CLP01)
    status: str  # CLP02: 1-3 processed, 4 denied, 22 reversal of an earlier payment, ...
    billed: float
    paid: float
    payer: str
    patient_share: float = 0.0
    payer_claim_id: str = ""
    provider: str = ""
    paid_on: date | None = None
    dos: date | None = None
    prior_auth: bool = False
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    lines: list[RemitLine] = field(default_factory=list)
    segment: int | None = None  # where the claim starts in its file (1-based segment number)

    @property
    def reversal(self) -> bool:
        return self.status == "22"


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """A file or segment that could not be read. Never quotes the data itself (it may be patient data)."""

    source: str
    message: str
    segment: int | None = None
    segment_id: str | None = None

    def __str__(self) -> str:
        where = f", segment {self.segment} ({self.segment_id})" if self.segment is not None else ""
        return f"{self.source}{where}: {self.message}"


@dataclass(slots=True)
class ReadResult:
    claims: list[RemitClaim] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)  # parser remarks that did not stop reading, counted by kind
    files: int = 0

    def extend(self, other: ReadResult) -> None:
        self.claims += other.claims
        self.problems += other.problems
        for k, v in other.notes.items():
            self.notes[k] = self.notes.get(k, 0) + v
        self.files += other.files


class PatternBase(BaseModel):
    """What identifies and sizes a denial pattern: group x reason x procedure code x payer, lines and dollars."""

    group: str
    reason: str
    code: str
    payer: str
    count: int
    amount: float
    meaning: str
