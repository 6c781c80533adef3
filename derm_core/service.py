"""One way to check claims, for every front end (``derm check``, Slack, charge sheets, the Excel functions): which
ruleset, the checking itself, and every kind of override, applied the same way everywhere.

Overrides are a biller's decision that a finding does not apply. They are applied after the engine, never inside
it (rules stay pure), and an overridden finding stays in the report but no longer counts toward the status:

- stored overrides: kept in the rules store by claim id (the Slack Override button, ``derm rules override``);
- row overrides: a charge sheet's Override Reason column, for the findings of that row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .engine import check_claims, finding_order
from .live import _configured_url, _store, current_ruleset
from .models import Claim, ClaimReport, Override, Report, status_of
from .rules.text import text_findings
from .ruleset import Ruleset
from .textclaim import ParsedText

log = logging.getLogger("derm_core.rules")

Stored = Mapping[str, Any]  # a row of the store's overrides table: rule, line (None: whole claim), user, reason, at


def ruleset(path: str | Path | None = None, warn: Callable[[str], None] | None = None) -> Ruleset:
    """The ruleset to check with: ``path`` (a snapshot file) when given, else the current version
    (``derm_core.live.current_ruleset``: ``DERM_RULES``, ``DERM_RULES_URL``, the rules store, or the shipped one).
    ``warn`` hears why a source could not be used (the last good version, or the shipped one, is used then)."""
    return current_ruleset(path, warn)


def check(claims: Sequence[Claim], rules: Ruleset | None = None, *, stored: bool = True) -> Report:
    """Check ``claims`` and apply the overrides stored for their claim ids (``stored=False``: none).

    >>> c = Claim.model_validate({"claim_id": "A1", "date_of_service": "2026-03-02", "lines": [{"code": "17001"}]})
    >>> check([c], stored=False).claims[0].status
    'error'
    """
    report = check_claims(claims, rules or ruleset())
    if stored:
        found = stored_overrides(c.claim_id for c in claims)
        if found:
            report.claims = [
                apply_overrides(rep, found.get((c.claim_id or "").strip(), ())) for rep, c in zip(report.claims, claims, strict=True)
            ]
    return report


def check_text(parsed: ParsedText, rules: Ruleset | None = None, *, stored: bool = True) -> Report:
    """Check a pasted claim (``textclaim.parse_claim_text``): the claim's findings and the TXT findings for what
    the parser read only in part, so that ``derm check --text``, ``derm chat`` and Slack report the same.

    >>> from derm_core.textclaim import parse_claim_text
    >>> r = check_text(parse_claim_text("17000 L57.0 medicare 2026-03-02 bx was 2026-02-10"), stored=False).claims[0]
    >>> r.status, [f.rule for f in r.findings if f.rule.startswith("TXT")]
    ('warning', ['TXT001', 'TXT002'])
    """
    report = check([parsed.claim], rules, stored=stored)
    extra = text_findings(parsed)
    if extra:
        [claim] = report.claims
        findings = sorted([*claim.findings, *extra], key=finding_order)
        report.claims = [claim.model_copy(update={"findings": findings, "status": status_of(findings)})]
    return report


def stored_overrides(claim_ids: Iterable[str | None] | None, *, url: str | None = None) -> dict[str, list[Stored]]:
    """The overrides kept in the rules store for these claim ids (None: every claim id, for a batch whose ids are not
    at hand, as on Spark), newest first, by claim id. Empty when no store is configured, or when it cannot be read (a
    warning is logged and the check goes on without them)."""
    refs = None if claim_ids is None else {ref.strip() for ref in claim_ids if ref and ref.strip()}
    url = url or (_configured_url() if refs is None or refs else None)
    if (refs is not None and not refs) or url is None:
        return {}
    try:
        rows = _store(url).overrides(limit=None) if refs is None else _store(url).overrides_for(refs)
    except Exception as e:
        log.warning("overrides not applied: the rules store cannot be read (%s)", type(e).__name__)
        return {}
    by_ref: dict[str, list[Stored]] = {}
    for row in rows:
        by_ref.setdefault(row["claim_ref"], []).append(row)
    return by_ref


def apply_overrides(report: ClaimReport, stored: Iterable[Stored] = (), rows: Sequence[str | None] = ()) -> ClaimReport:
    """``report`` with ``override`` set on each finding that an override covers; the status then leaves them out.

    ``stored`` (newest first; the newest match wins) covers a finding of the same rule, on the same line unless it
    is for the whole claim. ``rows`` holds each line's Override Reason from a charge sheet (None where there is none):
    a reason covers the findings of its line, and a claim-level finding when every line has one.

    >>> from datetime import UTC, datetime
    >>> from derm_core.models import Finding
    >>> f = Finding(rule="DRM050", category="modifier_missing", severity="error", lines=[1], message="m")
    >>> r = ClaimReport(claim_id="A1", status="error", findings=[f])
    >>> done = apply_overrides(r, [{"rule": "DRM050", "line": 1, "user": "bea", "reason": "Two sites", "at": datetime(2026, 3, 2, tzinfo=UTC)}])
    >>> done.status, done.findings[0].override.reason
    ('clean', 'Two sites')
    >>> apply_overrides(r, rows=[None, "separate lesion, documented"]).findings[0].override.source
    'sheet'
    """
    stored = list(stored)
    if not stored and not any(rows):
        return report
    findings = []
    for f in report.findings:
        if f.override is None:
            hit = next((o for o in stored if o["rule"] == f.rule and (o.get("line") is None or o["line"] in f.lines)), None)
            if hit is not None:
                f = f.model_copy(update={"override": Override(user=hit["user"], reason=hit["reason"], at=hit.get("at"))})
            elif any(rows):
                reasons = [rows[i] if i < len(rows) else None for i in f.lines[:1]] if f.lines else list(rows)
                if reasons and all(reasons):
                    reason = "; ".join(dict.fromkeys(r for r in reasons if r))
                    f = f.model_copy(update={"override": Override(user="charge sheet", reason=reason, source="sheet")})
        findings.append(f)
    return report.model_copy(update={"findings": findings, "status": status_of(findings)})
