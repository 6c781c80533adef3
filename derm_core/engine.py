"""The claim checker: resolves a claim once, runs every rule on it, builds the report.

A rule (``rules/base.py``) is a pure function of the claim context (claim plus ruleset) that yields hits; the
engine turns hits into findings, applies the payer's rule overrides and computes the status.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import icd
from .codes import lookup, table_version
from .coding import CodingError
from .models import Claim, ClaimReport, Finding, Report, RulesetInfo, Severity, Unchecked, status_of
from .rules.base import Ctx, Rule, Skip, all_rules
from .ruleset import Ruleset


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
            if r.scope == "claim"
            and (r.families is None or not r.families.isdisjoint(families))
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
        try:
            for hit in r.fn(ctx):
                if isinstance(hit, Skip):
                    unchecked.append(Unchecked(check=r.id, reason=hit.reason, lines=hit.lines))
                    continue
                findings.append(r.finding(hit, severity_override))
        except CodingError as e:  # facts the coding engine cannot code (units of 0...): the data rules report them
            unchecked.append(Unchecked(check=r.id, reason=f"{r.id} not checked: {e}"))
    if ctx.ncci is None:
        unchecked.append(_NO_NCCI)
    findings.sort(key=finding_order)
    if sum(1 for f in findings if f.suggested_lines) > 1:
        _link_repeats(findings)
    claim_id = claim.claim_id or f"claim-{position}"
    return ClaimReport(claim_id=claim_id, status=status_of(findings), findings=findings, unchecked=unchecked)


_ORDER = {"error": 0, "warning": 1, "info": 2}


def finding_order(f: Finding) -> tuple:
    """How a report lists findings: errors first, then by line, then by rule."""
    return (_ORDER[f.severity], f.lines[:1] or [-1], f.rule)


# When two rules find one problem with the same fix, the most specific one is shown and the other is related to it.
_SPECIFIC = {
    c: n for n, c in enumerate(("code_selection", "bundling", "addon_without_primary", "units", "pathology_component", "modifier_missing"))
}


def _link_repeats(findings: list[Finding]) -> None:
    """Mark findings that repeat another's fix on the same lines (``duplicate_of``; the other lists them in ``related``)."""
    keyed = [(f, tuple((s.code, s.units, tuple(s.modifiers)) for s in f.suggested_lines)) for f in findings if f.suggested_lines]
    for i, (a, fix_a) in enumerate(keyed):
        for b, fix_b in keyed[i + 1 :]:
            if fix_a != fix_b or a.duplicate_of or b.duplicate_of or a.severity != b.severity or not set(a.lines) & set(b.lines):
                continue
            main, other = (a, b) if _SPECIFIC.get(a.category, 9) <= _SPECIFIC.get(b.category, 9) else (b, a)
            other.duplicate_of = main.rule
            main.related.append(other.rule)


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
        "fee_schedule": ruleset.pfs_years if ruleset._pfs is not None else None,
    }
