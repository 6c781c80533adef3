"""The admin-editable ruleset: payer policies, prior authorization, unit limits, cosmetic lists,
rule overrides and FAQ entries, validated by pydantic. Logic lives in ``rules/``; this is data.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from .codes import code_in
from .datafiles import load_yaml, package_yaml
from .models import PayerType, Severity

_CODE_SHAPE = re.compile(r"^(\d{4}[0-9FTU]|[A-V]\d{4})$")  # CPT (incl. category II/III) or HCPCS Level II


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    payer: str = "*"
    payer_type: PayerType | None = None
    effective_from: date | None = None
    effective_to: date | None = None

    def applies(self, payer_name: str | None, payer_type: str | None, dos: date | None) -> bool:
        if self.payer != "*" and (payer_name is None or self.payer.casefold() != payer_name.casefold()):
            return False
        if self.payer_type is not None and self.payer_type != payer_type:
            return False
        if dos is not None:
            if self.effective_from is not None and dos < self.effective_from:
                return False
            if self.effective_to is not None and dos > self.effective_to:
                return False
        return True


class _CodeRow(_Row):
    code: str

    @field_validator("code")
    @classmethod
    def _code_spec(cls, value: str) -> str:
        value = value.strip().upper()
        if value == "*":
            return value
        parts = [p.strip() for p in value.split("-")]
        if len(parts) > 2 or not all(_CODE_SHAPE.match(p) for p in parts):
            raise ValueError("must be a CPT or HCPCS code (e.g. 96920, J0585), a range such as 96920-96922, or *")
        if len(parts) == 2 and parts[0] > parts[1]:
            raise ValueError("a range goes from the lower code to the higher")
        return "-".join(parts)


class PriorAuthRow(_CodeRow):
    note: str = ""


class PayerPolicyRow(_CodeRow):
    kind: Literal["not_covered", "requires_modifier", "allowed_pos", "note"]
    value: str = ""
    message: str
    severity: Severity = "warning"


class UnitLimitRow(_CodeRow):
    max_units: int = Field(ge=0)
    source: str = ""


class CosmeticRow(_CodeRow):
    note: str = ""


class RuleOverrideRow(_Row):
    rule: str
    enabled: bool = True
    severity: Severity | None = None


class PayerRow(BaseModel):
    """One row of the payer table: how a payer name (or a financial-class word) on a claim or a charge sheet is typed.
    ``payer`` is a name, or a pattern with ``*`` (``*medicare advantage*``); case, spacing and punctuation are ignored.
    ``plan`` says what kind of plan it is, for people (``Medicare Advantage``, ``Medicaid managed care``)."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)

    payer: str = Field(min_length=1)
    payer_type: PayerType
    plan: str = ""
    note: str = ""


@cache
def shipped_payers() -> list[PayerRow]:
    """The payer table shipped with the package (``data/payers.yaml``): the starting point admins edit."""
    raw = package_yaml("payers.yaml") or []
    return [PayerRow.model_validate(r) for r in raw]


class FaqEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    id: str
    topic: str
    title: str
    questions: list[str] = Field(min_length=1)
    answer: str = Field(min_length=20)
    codes: list[str] = Field(default_factory=list)
    modifiers: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)
    reviewed: date


CODE_TABLES = ("prior_authorization", "payer_policies", "unit_limits", "cosmetic")


_NONE: list[Any] = []


class CodeIndex:
    """Rows of the code tables by code (exact codes in a dict, ranges and ``*`` scanned once per code, then
    remembered), and the data attached to the ruleset, read once (private attributes of a model are slow)."""

    def __init__(self, ruleset: Ruleset):
        self.ncci = ruleset._ncci  # NCCI data attached by the store, or None
        self.pfs = ruleset._pfs  # the CMS fee-schedule indicators an admin loaded, by year, or None
        self._seen: dict[str, dict[str, list[Any]]] = {name: {} for name in CODE_TABLES}  # table -> code -> rows
        self._tables: dict[str, tuple[dict[str, list[Any]], list[Any]]] = {}
        for name in CODE_TABLES:
            rows = getattr(ruleset, name)
            exact: dict[str, list[Any]] = {}
            ranges: list[Any] = []
            for row in rows:
                if "-" in row.code or row.code == "*":
                    ranges.append(row)
                else:
                    exact.setdefault(row.code, []).append(row)
            self._tables[name] = (exact, ranges)

    def rows(self, table: str, code: str) -> list[Any]:
        """Rows of ``table`` whose code spec covers ``code``."""
        seen = self._seen[table]
        found = seen.get(code)
        if found is None:
            exact, ranges = self._tables[table]
            found = exact.get(code, _NONE)
            if ranges:
                found = found + [r for r in ranges if code_in(code, r.code)] or _NONE
            if len(seen) > 50_000:  # codes from hostile input: keep the memory bounded
                seen.clear()
            seen[code] = found
        return found


class Ruleset(BaseModel):
    """One immutable version of the admin tables (make changes with ``model_copy(update=...)``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    effective: date
    prior_authorization: list[PriorAuthRow] = Field(default_factory=list)
    payer_policies: list[PayerPolicyRow] = Field(default_factory=list)
    unit_limits: list[UnitLimitRow] = Field(default_factory=list)
    cosmetic: list[CosmeticRow] = Field(default_factory=list)
    rule_overrides: list[RuleOverrideRow] = Field(default_factory=list)
    faq: list[FaqEntry] = Field(default_factory=list)
    payers: list[PayerRow] = Field(default_factory=lambda: list(shipped_payers()))  # rulesets from before the table get the shipped one
    ncci_quarter: str | None = None  # the NCCI quarters loaded; set with the data by ``ncci.with_ncci``
    pfs_years: str | None = None  # the fee-schedule files loaded (e.g. "RVU26"); set by ``with_pfs``
    _ncci: Any = PrivateAttr(default=None)  # ncci.NcciData attached by the store (never serialised)
    _pfs: Any = PrivateAttr(default=None)  # pfs.PfsTables attached by the store (never serialised)


_INDEXES: dict[int, tuple[Ruleset, CodeIndex]] = {}


def code_index(ruleset: Ruleset) -> CodeIndex:
    """The ruleset's code tables indexed by code, built once per ruleset object."""
    hit = _INDEXES.get(id(ruleset))
    if hit is None or hit[0] is not ruleset:
        if len(_INDEXES) >= 16:
            _INDEXES.clear()
        hit = _INDEXES[id(ruleset)] = (ruleset, CodeIndex(ruleset))
    return hit[1]


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else load_yaml(text)


@cache
def default_ruleset() -> Ruleset:
    """The ruleset shipped with the package (data/ruleset.yaml and data/faq.yaml)."""
    raw = package_yaml("ruleset.yaml")
    if resources.files("derm_core.data").joinpath("faq.yaml").is_file():
        raw["faq"] = package_yaml("faq.yaml") or []
    return Ruleset.model_validate(raw)


def read_snapshot(path: str | Path) -> Ruleset:
    """A ruleset snapshot file (YAML or JSON); raises OSError, ValueError or ValidationError when it is unusable."""
    return Ruleset.model_validate(_read(Path(path)))


def parse_snapshot(text: str) -> Ruleset:
    """A ruleset snapshot given as text (JSON, as ``GET /rules/current`` serves it, or YAML)."""
    return Ruleset.model_validate(json.loads(text) if text.lstrip().startswith("{") else load_yaml(text))
