"""Claim, finding and report models: the public interchange formats (contracts sections 1 and 2).

Input models forbid unknown fields so that a typo in a field name is reported instead of
silently ignored; numbers are accepted where codes are expected (YAML reads ``17000`` as an int).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]
Status = Literal["clean", "warning", "error"]


class Category(StrEnum):
    invalid_code = "invalid_code"
    invalid_diagnosis = "invalid_diagnosis"
    modifier_missing = "modifier_missing"
    modifier_misuse = "modifier_misuse"
    addon_without_primary = "addon_without_primary"
    bundling = "bundling"
    units = "units"
    code_selection = "code_selection"
    medical_necessity = "medical_necessity"
    cosmetic = "cosmetic"
    prior_auth = "prior_auth"
    pathology_component = "pathology_component"
    documentation = "documentation"
    global_period = "global_period"
    payer_policy = "payer_policy"
    data_quality = "data_quality"


class PayerType(StrEnum):
    medicare = "medicare"
    medicaid = "medicaid"
    commercial = "commercial"
    self_pay = "self_pay"


Site = Literal[
    "trunk",
    "arm",
    "leg",
    "scalp",
    "neck",
    "hand",
    "foot",
    "genitalia",
    "face",
    "ear",
    "eyelid",
    "nose",
    "lip",
    "mucous_membrane",
]
Pathology = Literal["benign", "premalignant", "malignant", "in_situ", "pending"]
BiopsyMethod = Literal["tangential", "punch", "incisional"]
Symptom = Literal[
    "bleeding",
    "itching",
    "pain",
    "inflammation",
    "irritation",
    "change",
    "obstruction",
    "infection",
    "functional_impairment",
    "suspicious",
]


class _Strict(BaseModel):
    # NaN and infinity are no measure of anything on a claim: a validation error names the field
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, allow_inf_nan=False)


class Facts(_Strict):
    """Documentation facts for one line (contracts section 1), plus our extensions at the end."""

    lesion_count: int | None = None
    site: Site | None = None
    size_cm: float | None = None
    pathology: Pathology | None = None
    biopsy_method: BiopsyMethod | None = None
    mohs_stage_blocks: list[int] | None = None
    area_sq_cm: float | None = None
    lesion_id: str | None = None
    symptoms: list[Symptom] | None = None
    purpose: Literal["medical", "cosmetic"] | None = None
    abn_signed: bool | None = None
    diagnostic_frozen_section: bool | None = None
    # Extensions (not in the original contract):
    deep_structures: bool | None = None  # Mohs directly involving muscle, cartilage, bone, tendon, major nerve or vessel
    photosensitizer: Literal["none", "tar", "petrolatum", "psoralen"] | None = None  # applied in the office
    drug_mg: float | None = None  # drug amount given, for J-code units


class Payer(_Strict):
    type: PayerType
    name: str | None = None


class Line(_Strict):
    code: str
    modifiers: list[str] = Field(default_factory=list)
    units: int = 1
    dx: list[str] | None = None
    prior_auth: str | None = None
    charge: float | None = None
    date_of_service: date | None = None
    rendering_npi: str | None = None
    facts: Facts = Field(default_factory=Facts)


class Claim(_Strict):
    claim_id: str | None = None
    payer: Payer | None = None
    date_of_service: date | None = None
    place_of_service: str | None = None
    rendering_npi: str | None = None
    diagnoses: list[str] = Field(default_factory=list)
    lines: list[Line]


class SuggestedLine(BaseModel):
    code: str
    units: int = 1
    modifiers: list[str] = Field(default_factory=list)


class Override(BaseModel):
    """A biller's decision that a finding does not apply to this claim: who, when and why.

    ``source`` says where it was made: ``store`` (the Override button in Slack, ``derm rules override``; kept in
    the rules store by claim id) or ``sheet`` (a charge sheet's Override Reason column).
    """

    user: str = Field(validation_alias=AliasChoices("user", "by"))  # "by": reports written before 0.2
    reason: str
    at: datetime | None = None
    source: Literal["store", "sheet"] = "store"

    @property
    def day(self) -> str:
        """The date it was made (``2026-03-02``), or "" when not known."""
        return self.at.date().isoformat() if self.at else ""


class Finding(BaseModel):
    rule: str
    category: Category
    severity: Severity
    lines: list[int] = Field(default_factory=list)
    message: str
    fix: str | None = None
    suggested_lines: list[SuggestedLine] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)
    likely_denial: str | None = None
    source: str | None = None
    override: Override | None = None
    related: list[str] = Field(default_factory=list)  # other rules that found the same problem, with the same fix
    duplicate_of: str | None = None  # this finding repeats that rule's (same lines, same fix): shown once, there


class Unchecked(BaseModel):
    check: str
    reason: str
    lines: list[int] = Field(default_factory=list)


class ClaimReport(BaseModel):
    claim_id: str
    status: Status
    findings: list[Finding]
    unchecked: list[Unchecked] = Field(default_factory=list)


class RulesetInfo(BaseModel):
    version: str
    effective: date


class Report(BaseModel):
    ruleset: RulesetInfo
    data: dict[str, Any]
    claims: list[ClaimReport]


def status_of(findings: list[Finding]) -> Status:
    """``error`` if any finding is an error, else ``warning`` if any is a warning, else ``clean``."""
    severities = {f.severity for f in findings if f.override is None}
    if "error" in severities:
        return "error"
    if "warning" in severities:
        return "warning"
    return "clean"
