"""The claim checker: resolves a claim once, runs every rule on it, builds the report.

A rule is a pure function of the claim context (claim plus ruleset) that yields hits; the engine
turns hits into findings, applies the payer's rule overrides and computes the status.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from . import icd
from .codes import CodeInfo, lookup, table_version
from .models import (
    Category,
    Claim,
    ClaimReport,
    Facts,
    Finding,
    Report,
    RulesetInfo,
    Severity,
    SuggestedLine,
    Unchecked,
    status_of,
)
from .ruleset import Ruleset, code_index


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


@dataclass(slots=True)
class Skip:
    """A check that could not run (a fact missing, no payer, no data loaded)."""

    reason: str
    lines: list[int] = field(default_factory=list)


class Ctx:
    """Everything a rule may look at: the resolved lines, indexes by code and family, the ruleset."""

    __slots__ = ("all_mods", "by_code", "by_family", "claim", "dos", "index", "lines", "ncci", "payer_name", "payer_type", "ruleset")

    def __init__(self, claim: Claim, ruleset: Ruleset):
        self.claim = claim
        self.ruleset = ruleset
        self.index = code_index(ruleset)
        self.ncci = ruleset._ncci  # NCCI data attached by the store, or None (read once: private attributes are slow)
        self.payer_type = claim.payer.type.value if claim.payer else None
        self.payer_name = claim.payer.name if claim.payer else None
        self.dos = claim.date_of_service
        self.lines: list[Ln] = []
        self.by_code: dict[str, list[Ln]] = {}
        self.by_family: dict[str, list[Ln]] = {}
        self.all_mods: frozenset[str] = frozenset()
        claim_dx = tuple(map(icd.normalize, claim.diagnoses))
        for i, line in enumerate(claim.lines):
            code = line.code.strip().upper()
            info = lookup(code)
            mods = frozenset(m.strip().upper() for m in line.modifiers) if line.modifiers else _NO_MODS
            dx = claim_dx if line.dx is None else _resolve_dx(line.dx, claim_dx)
            ln = Ln(i, code, info, mods, line.units, dx, line.date_of_service or claim.date_of_service, line.facts, line.prior_auth)
            self.lines.append(ln)
            if mods:
                self.all_mods |= mods
            self.by_code.setdefault(code, []).append(ln)
            if info is not None:
                self.by_family.setdefault(info.family, []).append(ln)

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


def _gather(index: dict[str, list[Ln]], keys: tuple[str, ...]) -> list[Ln]:
    found = [index[k] for k in keys if k in index]
    if not found:
        return []
    if len(found) == 1:
        return found[0]
    return sorted((ln for group in found for ln in group), key=lambda ln: ln.idx)


def _resolve_dx(dx: list[str], claim_dx: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for d in dx:
        d = d.strip()
        if d.isdigit():
            n = int(d)
            if 1 <= n <= len(claim_dx):
                out.append(claim_dx[n - 1])
            # an out-of-range pointer is reported by DRM006
        else:
            out.append(icd.normalize(d))
    return tuple(out)


RuleFn = Callable[[Ctx], Iterable[Hit | Skip]]


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

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.fn.__doc__ or "")


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
) -> Callable[[RuleFn], RuleFn]:
    """Register a rule. It runs only on claims with a line of one of ``families`` and, when ``mods`` is given,
    a line carrying one of those modifiers (``("*",)``: any modifier)."""

    def register(fn: RuleFn) -> RuleFn:
        if id in RULES:
            raise ValueError(f"duplicate rule id {id}")
        fams = frozenset(families) if families is not None else None
        needs = frozenset(mods) if mods is not None else None
        RULES[id] = Rule(id, title, Category(category), severity, fams, needs, references, likely_denial, fn)
        return fn

    return register


def all_rules() -> dict[str, Rule]:
    from . import rules  # noqa: F401  (registers the rules)

    return RULES


def _override(ruleset: Ruleset, ctx: Ctx, rule_id: str) -> tuple[bool, Severity | None]:
    enabled, severity = True, None
    for row in ruleset.rule_overrides:
        if row.rule == rule_id and row.applies(ctx.payer_name, ctx.payer_type, ctx.dos):
            enabled = enabled and row.enabled
            severity = row.severity or severity
    return enabled, severity


_PLANS: dict[tuple[frozenset[str], frozenset[str]], list[Rule]] = {}


def _plan(families: frozenset[str], mods: frozenset[str]) -> list[Rule]:
    """The rules that apply to a claim with these code families and modifiers (cached: few distinct shapes)."""
    plan = _PLANS.get((families, mods))
    if plan is None:
        plan = [
            r
            for r in all_rules().values()
            if (r.families is None or not r.families.isdisjoint(families))
            and (r.mods is None or (mods and ("*" in r.mods or not r.mods.isdisjoint(mods))))
        ]
        if len(_PLANS) > 4096:
            _PLANS.clear()
        _PLANS[(families, mods)] = plan
    return plan


_NO_NCCI = Unchecked(check="NCCI", reason="no NCCI PTP/MUE file loaded: pair edits and MUE unit limits were not checked")


def check_claim(claim: Claim, ruleset: Ruleset, position: int = 1) -> ClaimReport:
    """Check one claim against every rule.

    >>> from derm_core.ruleset import default_ruleset
    >>> c = Claim.model_validate({"date_of_service": "2026-03-02", "lines": [{"code": "17001"}]})
    >>> check_claim(c, default_ruleset()).status
    'error'
    """
    ctx = Ctx(claim, ruleset)
    findings: list[Finding] = []
    unchecked: list[Unchecked] = []
    overrides = bool(ruleset.rule_overrides)
    for r in _plan(frozenset(ctx.by_family), ctx.all_mods):
        severity_override = None
        if overrides:
            enabled, severity_override = _override(ruleset, ctx, r.id)
            if not enabled:
                unchecked.append(Unchecked(check=r.id, reason="turned off for this payer by the ruleset"))
                continue
        for hit in r.fn(ctx):
            if isinstance(hit, Skip):
                unchecked.append(Unchecked(check=r.id, reason=hit.reason, lines=hit.lines))
                continue
            findings.append(
                Finding(
                    rule=r.id,
                    category=r.category,
                    severity=severity_override or hit.severity or r.severity,
                    lines=sorted(set(hit.lines)),
                    message=hit.message,
                    fix=hit.fix,
                    suggested_lines=hit.suggested,
                    references=list(r.references),
                    likely_denial=hit.likely_denial or r.likely_denial,
                    source=hit.source,
                )
            )
    if ctx.ncci is None:
        unchecked.append(_NO_NCCI)
    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: (order[f.severity], f.lines[:1] or [-1], f.rule))
    claim_id = claim.claim_id or f"claim-{position}"
    return ClaimReport(claim_id=claim_id, status=status_of(findings), findings=findings, unchecked=unchecked)


def warm_up() -> None:
    """Load the tables and rules once, then exempt that start-up data (ICD-10-CM is large) from garbage-collector scans.

    Long-running processes (the Slack bot, batch checks) call it once; checking is about 40% faster afterwards.
    """
    import gc

    all_rules()
    icd.status("L57.0")
    lookup("17000")
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)  # checking allocates many short-lived objects; collect young ones less often


def check_claims(claims: Iterable[Claim], ruleset: Ruleset) -> Report:
    return Report(
        ruleset=RulesetInfo(version=ruleset.version, effective=ruleset.effective),
        data=data_versions(ruleset),
        claims=[check_claim(c, ruleset, i) for i, c in enumerate(claims, 1)],
    )


def data_versions(ruleset: Ruleset) -> dict[str, str | None]:
    return {
        "ruleset": ruleset.version,
        "code_table": table_version(),
        "icd10cm": icd.EDITION,
        "ncci": ruleset.ncci_quarter if ruleset._ncci is not None else None,
    }
