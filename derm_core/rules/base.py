"""What a rule is and what it sees: the resolved claim lines (``Ln``), the claim context (``Ctx``), a rule's hits
and skips, and the ``@rule`` registry. Rules are pure functions of (claim, ruleset); the engine runs them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from .. import icd
from ..codes import CodeInfo, all_codes
from ..models import Category, Claim, Facts, Finding, Severity, SuggestedLine
from ..ruleset import Ruleset, code_index


@dataclass(slots=True)
class Ln:
    """One claim line, resolved: normalised code, its table entry, modifiers, diagnoses and date."""

    idx: int
    code: str
    info: CodeInfo | None
    mods: frozenset[str]
    units: int
    dx: tuple[str, ...]
    dos: date | None
    facts: Facts
    prior_auth: str | None
    npi: str | None = None  # the rendering practitioner: the line's own, else the claim's

    @property
    def family(self) -> str | None:
        return self.info.family if self.info else None

    @property
    def ci(self) -> CodeInfo:
        """The table entry of a line found through a family index (those always have one)."""
        assert self.info is not None
        return self.info

    def has(self, *mods: str) -> bool:
        return not self.mods.isdisjoint(mods)


@dataclass(slots=True)
class Hit:
    lines: list[int]
    message: str
    fix: str | None = None
    suggested: list[SuggestedLine] = field(default_factory=list)
    severity: Severity | None = None
    likely_denial: str | None = None
    source: str | None = None
    field: str | None = None  # charge-sheet rules: the cell's field (``units``, ``dos`` ...)


@dataclass(slots=True)
class Skip:
    """A check that could not run (a fact missing, no payer, no data loaded)."""

    reason: str
    lines: list[int] = field(default_factory=list)


class Ctx:
    """Everything a rule may look at: the resolved lines, indexes by code and family, the ruleset."""

    __slots__ = (
        "all_mods", "by_code", "by_family", "claim", "dos", "index", "lines", "memo", "ncci", "payer_name", "payer_type", "ruleset",
    )  # fmt: skip

    def __init__(self, claim: Claim, ruleset: Ruleset):
        self.claim = claim
        self.ruleset = ruleset
        self.index = index = code_index(ruleset)
        self.ncci = index.ncci
        pfs = index.pfs
        payer = claim.payer
        self.payer_type = payer.type.value if payer else None
        self.payer_name = payer.name if payer else None
        self.dos = claim_dos = claim.date_of_service
        self.memo: dict[str, Any] = {}  # values several rules derive from the claim (``once``)
        self.lines: list[Ln] = []
        self.by_code: dict[str, list[Ln]] = {}
        self.by_family: dict[str, list[Ln]] = {}
        self.all_mods: frozenset[str] = frozenset()
        table = all_codes()
        claim_dx = tuple(map(icd.normalize, claim.diagnoses))
        for i, line in enumerate(claim.lines):
            code = line.code.strip().upper()
            info = table.get(code)
            dos = line.date_of_service or claim_dos
            if pfs is not None and dos is not None:
                info = pfs.info(code, dos.year, info)
            mods = frozenset(m.strip().upper() for m in line.modifiers) if line.modifiers else _NO_MODS
            dx = claim_dx if line.dx is None else _resolve_dx(line.dx, claim_dx)
            ln = Ln(i, code, info, mods, line.units, dx, dos, line.facts, line.prior_auth, line.rendering_npi or claim.rendering_npi)
            self.lines.append(ln)
            if mods:
                self.all_mods |= mods
            self.by_code.setdefault(code, []).append(ln)
            if info is not None:
                self.by_family.setdefault(info.family, []).append(ln)

    def once(self, key: str, make: Callable[[Ctx], Any]) -> Any:
        """``make(ctx)``, computed once per claim for every rule that asks for ``key``."""
        value = self.memo.get(key, _UNSET)
        if value is _UNSET:
            value = self.memo[key] = make(self)
        return value

    def fam(self, *families: str) -> list[Ln]:
        """The lines of these code families, in claim order."""
        return _gather(self.by_family, families)

    def codes(self, *codes: str) -> list[Ln]:
        """The lines with these codes, in claim order."""
        return _gather(self.by_code, codes)

    def payer_rows(self, table: str, code: str, dos: date | None) -> list:
        """The rows of a ruleset table (e.g. ``prior_authorization``) that apply to this claim's payer and ``code``."""
        rows = self.index.rows(table, code)
        return [r for r in rows if r.applies(self.payer_name, self.payer_type, dos)] if rows else rows

    @property
    def medicare(self) -> bool:
        return self.payer_type == "medicare"


_NO_MODS: frozenset[str] = frozenset()
_UNSET = object()


def _gather(index: dict[str, list[Ln]], keys: tuple[str, ...]) -> list[Ln]:
    """The lines of ``keys`` in claim order (the index's own list for one key: callers never change what they get)."""
    if len(keys) == 1:
        return index.get(keys[0]) or []
    found = [index[k] for k in keys if k in index]
    if not found:
        return []
    if len(found) == 1:
        return found[0]
    return sorted((ln for group in found for ln in group), key=lambda ln: ln.idx)


def pointer_number(d: str) -> int | None:
    """The 1-based diagnosis number a line's ``dx`` entry points to, or None for a code: a number (837P) or one
    letter (CMS-1500 item 24E, A = 1); no ICD-10-CM code is a single letter. Example: ``pointer_number("B") == 2``."""
    d = d.strip()
    if d.isdecimal():  # not isdigit(): "²" is a digit that int() refuses
        return int(d) if len(d) < 10 else 0  # thousands of digits are past int()'s limit, and out of range anyway
    if len(d) == 1 and "A" <= d.upper() <= "Z":
        return ord(d.upper()) - 64
    return None


def _resolve_dx(dx: list[str], claim_dx: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for d in dx:
        n = pointer_number(d)
        if n is None:
            out.append(icd.normalize(d))
        elif 1 <= n <= len(claim_dx):
            out.append(claim_dx[n - 1])
        # an out-of-range pointer is reported by DRM006
    return tuple(out)


RuleFn = Callable[[Any], Iterable[Hit | Skip]]  # a Ctx for claim rules; a RowCells for charge-sheet rules
Scope = Literal["claim", "row", "claim_rows", "text"]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    category: Category
    severity: Severity
    families: frozenset[str] | None
    mods: frozenset[str] | None
    references: tuple[str, ...]
    likely_denial: str | None
    fn: RuleFn
    scope: Scope = "claim"  # claim: run by the engine on a claim; row, claim_rows: run by the sheet reader; text: on a pasted claim
    module: str = ""

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.fn.__doc__ or "")

    def finding(self, hit: Hit, severity: Severity | None = None) -> Finding:
        """The finding this rule reports for ``hit`` (``severity``: the ruleset's override for this payer)."""
        return Finding(
            rule=self.id,
            category=self.category,
            severity=severity or hit.severity or self.severity,
            lines=sorted(set(hit.lines)),
            message=hit.message,
            fix=hit.fix,
            suggested_lines=hit.suggested,
            references=list(self.references),
            likely_denial=hit.likely_denial or self.likely_denial,
            source=hit.source,
        )


RULES: dict[str, Rule] = {}


def rule(
    id: str,
    title: str,
    category: Category,
    severity: Severity = "error",
    *,
    families: tuple[str, ...] | None = None,
    mods: tuple[str, ...] | None = None,
    references: tuple[str, ...] = (),
    likely_denial: str | None = None,
    scope: Scope = "claim",
) -> Callable[[RuleFn], RuleFn]:
    """Register a rule. It runs only on claims with a line of one of ``families`` and, when ``mods`` is given,
    a line carrying one of those modifiers (``("*",)``: any modifier)."""

    def register(fn: RuleFn) -> RuleFn:
        if id in RULES:
            raise ValueError(f"duplicate rule id {id}")
        fams = frozenset(families) if families is not None else None
        needs = frozenset(mods) if mods is not None else None
        RULES[id] = Rule(id, title, Category(category), severity, fams, needs, references, likely_denial, fn, scope, fn.__module__)
        return fn

    return register


def all_rules() -> dict[str, Rule]:
    """Every registered rule by id (importing ``derm_core.rules``, which this module is part of, registers them)."""
    return RULES
