"""The reason and remark code table (data/denial_codes.yaml): our own plain meanings, what prevents each code
and what to do next. A code that is not in the table is reported as unknown, never guessed.

>>> explain("97").action
'correct_and_resubmit'
>>> explain("999").known, explain("999").meaning
(False, 'Unknown code: not in our table; ask the payer or add it to denial_codes.yaml.')
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ..codes import code_in
from ..models import Category

Problem = Literal[
    "coding",
    "authorization",
    "coverage",
    "duplicate",
    "eligibility",
    "timely_filing",
    "benefit_limit",
    "contractual",
    "patient_share",
    "payer_processing",
    "unknown",
]
Action = Literal["correct_and_resubmit", "appeal_with_records", "bill_patient", "write_off", "none", "unknown"]

ROUTINE: frozenset[str] = frozenset({"contractual", "patient_share"})
"""Problems that are routine adjustments, not denials."""
NOT_CODING: frozenset[str] = frozenset(
    {"eligibility", "timely_filing", "benefit_limit", "contractual", "patient_share", "payer_processing"}
)
"""Problems no coding check can prevent: the manager's "not a coding problem"."""

ACTION_TEXT = {
    "correct_and_resubmit": "Correct and resubmit",
    "appeal_with_records": "Appeal with records",
    "bill_patient": "Bill the patient",
    "write_off": "Write off",
    "none": "Nothing to do",
    "unknown": "Look the code up",
}
UNKNOWN_MEANING = "Unknown code: not in our table; ask the payer or add it to denial_codes.yaml."


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    meaning: str
    problem: Problem
    prevented_by: tuple[Category, ...] = ()
    action: Action
    action_pr: Action | None = None
    check: str | None = None
    known: bool = True

    @property
    def denial(self) -> bool:
        """Whether an adjustment for this reason is a denial (unknown codes count, so that they are seen)."""
        return self.problem not in ROUTINE

    def action_for(self, group: str) -> Action:
        return self.action_pr if group == "PR" and self.action_pr else self.action


class Kpis(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mohs_codes: list[str]
    laser_destruction_codes: list[str]
    medical_necessity_reasons: list[str]
    necessity_families: list[str]


class CodeTable(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    version: str
    groups: dict[str, str]
    carc: dict[str, Reason]
    rarc: dict[str, str]
    kpis: Kpis
    unknown: Reason = Field(default_factory=lambda: Reason(meaning=UNKNOWN_MEANING, problem="unknown", action="unknown", known=False))

    def reason(self, code: str) -> Reason:
        return self.carc.get(code, self.unknown)

    def remark(self, code: str) -> str:
        return self.rarc.get(code, "Unknown remark code: not in our table.")


@cache
def table() -> CodeTable:
    """The shipped table, validated once."""
    raw = yaml.safe_load(resources.files("derm_core.data").joinpath("denial_codes.yaml").read_text(encoding="utf-8"))
    return CodeTable.model_validate(raw)


def explain(code: str) -> Reason:
    """Our entry for a CARC such as ``"97"``, or the unknown entry."""
    return table().reason(code.strip().upper())


def in_ranges(code: str, specs: list[str]) -> bool:
    """Whether a procedure code falls in one of ``specs`` (codes or ranges such as ``17311-17315``)."""
    return any(code_in(code, s) for s in specs)
