"""Tie each denied line to what the checker said before submission.

``--checked`` takes check reports (``derm check --format json``) and the claims files they were made from, or
charge sheets annotated by ``derm sheet check``.
A report names lines by position only, so the claims file tells which code each position is; with the report
alone, the remittance's service lines are taken in the order they were billed. A claims file without a report
is checked now, with the current ruleset (said in the notes).

Each denied line (its own denials, or the claim's when it was paid nothing) gets one outcome:

- ``caught_and_ignored``: an error or warning finding on the line (or on the whole claim) belongs to a
  category that prevents one of the line's reasons, or names it as its likely denial; ``overridden`` when a
  user overrode that finding, else ``submitted anyway``;
- ``missed``: a reason the checker could prevent, with no such finding: a candidate rule;
- ``not_coding``: only reasons no coding check prevents (eligibility, timely filing, benefit limits, ...);
- ``unknown_reason``: a reason code our table does not know;
- ``not_checked``: the claim is in no check report.

Per rule, over the remitted claims that were checked: *flagged* lines carry one of its findings; a flagged line
is a *true positive* when it was denied for a reason the rule targets (its category prevents the reason, or
it names the reason as likely denial); precision = true positives / flagged; recall = true positives / lines
denied for a reason it targets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ..claims_io import UnusableInput, describe, parse_document, parse_text
from ..models import Claim, ClaimReport, Finding
from .codes import CodeTable
from .model import Adjustment, PatternBase, RemitClaim, RemitLine

OUTCOMES = ("caught_and_ignored", "missed", "not_coding", "unknown_reason", "not_checked")
_EXAMPLES = 5


@dataclass
class CheckedClaim:
    claim_id: str
    findings: list[Finding]
    lines: list[tuple[str, frozenset[str]]] | None  # (code, modifiers) by position, when a claims file gave them
    clean: bool


@dataclass
class Checked:
    claims: dict[str, CheckedClaim]
    notes: list[str]


def _is_report(data: object) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("claims"), list)
        and all(isinstance(c, dict) and "findings" in c for c in data["claims"])
    )


def _clean(findings: list[Finding]) -> bool:
    """HFMA's clean claim: no edit stopped it (no error or warning, overridden or not)."""
    return not any(f.severity in ("error", "warning") for f in findings)


def load_checked(paths: Iterable[str | Path]) -> tuple[Checked, list[str]]:
    """Check reports and claims files -> claims by id, and one error per unusable file."""
    reports: dict[str, ClaimReport] = {}
    claims: dict[str, Claim] = {}
    errors: list[str] = []
    sheet_claims: list[CheckedClaim] = []
    for p in map(Path, paths):
        if p.suffix.lower() in (".xlsx", ".xlsm"):
            got_sheet, problem = _from_sheet(p)
            sheet_claims += got_sheet
            errors += problem
            continue
        try:
            data = parse_text(p.read_text(encoding="utf-8"), str(p))
        except (OSError, UnicodeDecodeError) as e:
            errors.append(f"{p}: cannot read ({e.__class__.__name__})")
            continue
        except UnusableInput as e:
            errors.append(str(e))
            continue
        if _is_report(data):
            for i, item in enumerate(data["claims"], 1):
                try:
                    r = ClaimReport.model_validate(item)
                except ValidationError as e:
                    errors.append(describe(e, f"{p}, report claim #{i}"))
                    continue
                reports[r.claim_id] = r
        else:
            got, bad = parse_document(data, str(p))
            errors += bad
            for i, c in enumerate(got, 1):
                if c.claim_id:
                    claims[c.claim_id] = c
                else:
                    errors.append(f"{p}, claim #{i}: no claim_id, so it cannot be matched to a remittance")
    notes: list[str] = []
    unreported = [c for cid, c in claims.items() if cid not in reports]
    if unreported:
        from .. import service

        ruleset = service.ruleset()
        for r in service.check(unreported, ruleset).claims:
            reports[r.claim_id] = r
        notes.append(f"{len(unreported)} claims had no check report and were checked now with ruleset {ruleset.version}")
    out: dict[str, CheckedClaim] = {}
    for cid, r in reports.items():
        source = claims.get(cid)
        lines = [(ln.code.strip().upper(), frozenset(m.strip().upper() for m in ln.modifiers)) for ln in source.lines] if source else None
        out[cid] = CheckedClaim(cid, r.findings, lines, _clean(r.findings))
    out.update((c.claim_id, c) for c in sheet_claims)
    return Checked(out, notes), errors


def _cell(row: list[Any], col: int | None) -> str:
    return str(row[col] or "") if col is not None and col < len(row) else ""


def _from_sheet(path: Path) -> tuple[list[CheckedClaim], list[str]]:
    """The claims of a charge sheet, read and grouped as ``derm sheet check`` reads and groups them, and checked
    again: a finding the biller overrode in the Override Reason column counts as overridden."""
    from derm_core.sheets.read import read_sheets, scan_sheet
    from derm_core.sheets.rows import claim_reports
    from derm_core.sheets.workbook import SheetError, inspect_input

    from .. import service

    try:
        source = inspect_input(path)
        scans = [
            scan
            for i, sheet in enumerate(read_sheets(source, "calamine"))
            if (scan := scan_sheet(sheet, i, text_dates_are_normal=source.kind == "csv"))
        ]
    except SheetError as e:
        return [], [str(e)]
    except Exception as e:  # calamine raises its own types for damaged parts
        return [], [f"{path}: not a readable workbook ({type(e).__name__})"]
    rows = [r for scan in scans if scan.columns is not None for r in scan.rows]
    if not rows:
        return [], [f"{path}: no charge sheet (a procedure code column and charge rows) in it"]
    claims = []
    for members, report in claim_reports(rows, service.ruleset()):
        problems = [f.model_copy(update={"lines": [pos]}) for pos, r in enumerate(members) for _, f in r.problems]
        findings = report.findings + problems
        lines = [(r.code, frozenset(r.mods)) for r in members]
        claims.append(CheckedClaim(members[0].claim_id or report.claim_id, findings, lines, _clean(findings)))
    return claims, []


class Example(BaseModel):
    claim_id: str
    line: int
    date_of_service: str | None
    code: str
    modifiers: list[str]
    units: float
    billed: float
    denied: float
    reasons: list[str]


class MissedPattern(PatternBase):
    examples: list[Example]


class RuleScore(BaseModel):
    rule: str
    category: str
    flagged: int
    true_positives: int
    precision: float | None
    targeted_denials: int
    recall: float | None


class DeniedLine(BaseModel):
    claim_id: str
    line: int
    code: str
    payer: str
    reasons: list[str]
    amount: float
    outcome: str
    how: str | None = None
    rules: list[str] = Field(default_factory=list)


class Matching(BaseModel):
    checked_claims: int
    remitted_and_checked: int
    line_match: str
    notes: list[str]
    warnings: list[str] = Field(default_factory=list)  # the comparison says little or nothing (no claim in common)
    outcomes: dict[str, dict[str, int | float]]
    denied_lines: list[DeniedLine]
    missed: list[MissedPattern]
    rules: list[RuleScore]


def _line_positions(remit: list[RemitLine], checked: CheckedClaim) -> list[int | None]:
    """The checked line index of each remittance line: by code (modifiers as a tie-break), else by order."""
    if checked.lines is None:
        return list(range(len(remit)))
    free = dict(enumerate(checked.lines))
    out: list[int | None] = []
    for ln in remit:
        same = [i for i, (code, _) in free.items() if code == ln.code]
        best = next((i for i in same if free[i][1] == frozenset(ln.modifiers)), same[0] if same else None)
        if best is not None:
            del free[best]
        out.append(best)
    return out


def _targets(finding: Finding, codes: CodeTable) -> set[str]:
    """The reasons a finding would prevent: those its category prevents, and its likely denial."""
    out = {code for code, r in codes.carc.items() if finding.category in r.prevented_by}
    if finding.likely_denial:
        out.add(finding.likely_denial.rsplit("-", 1)[-1])
    return out


@dataclass
class Tally:
    """What the matching counts over a set of remitted claims (``tally``). Tallies of claims of different payers add
    up (``add``), so a batch can be tallied in parts (one per payer partition on Spark) and finished once (``finish``).
    """

    outcomes: dict[str, list[float]] = field(default_factory=lambda: {o: [0, 0.0] for o in OUTCOMES})
    denied_lines: list[DeniedLine] = field(default_factory=list)
    missed: dict[tuple[str, str, str, str], list[Any]] = field(default_factory=dict)  # (group, reason, code, payer): count, $, examples
    flagged: dict[str, int] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    category: dict[str, str] = field(default_factory=dict)
    rule_targets: dict[str, set[str]] = field(default_factory=dict)
    denied_reasons: dict[frozenset[str], int] = field(default_factory=dict)  # reasons of the checked claims' denied lines
    remitted_checked: int = 0
    targets: dict[tuple[str, str | None], set[str]] = field(default_factory=dict, repr=False, compare=False)  # a cache

    def add(self, other: Tally) -> None:
        """Add the tally of other claims. The missed patterns are by payer: claims of one payer are tallied together."""
        for k, v in other.outcomes.items():
            self.outcomes[k][0] += v[0]
            self.outcomes[k][1] += v[1]
        self.denied_lines += other.denied_lines
        self.missed.update(other.missed)
        for mine, theirs in ((self.flagged, other.flagged), (self.hits, other.hits)):
            for rule, n in theirs.items():
                mine[rule] = mine.get(rule, 0) + n
        for reasons, n in other.denied_reasons.items():
            self.denied_reasons[reasons] = self.denied_reasons.get(reasons, 0) + n
        self.category.update(other.category)
        for rule, targets in other.rule_targets.items():
            self.rule_targets.setdefault(rule, set()).update(targets)
        self.remitted_checked += other.remitted_checked


def tally(
    claims: Iterable[RemitClaim],
    checked: Checked,
    codes: CodeTable,
    denied_of: Callable[[RemitClaim, RemitLine], list[Adjustment]],
    into: Tally | None = None,
) -> Tally:
    """Each denied line's outcome, the missed patterns and the per-rule counts of ``claims`` (settled remittances),
    added to ``into`` when given; ``denied_of(claim, line)`` gives a line's denials."""
    out = into if into is not None else Tally()
    targets_cache = out.targets  # what each (category, likely denial) prevents, kept with the tally: it may be called per claim

    def targets(f: Finding) -> set[str]:
        key = (f.category.value, f.likely_denial)
        if key not in targets_cache:
            targets_cache[key] = _targets(f, codes)
        return targets_cache[key]

    outcomes, missed, flagged, hits, rule_targets = out.outcomes, out.missed, out.flagged, out.hits, out.rule_targets
    for claim in claims:
        cc = checked.claims.get(claim.claim_id)
        if cc is not None:
            out.remitted_checked += 1
        positions = _line_positions(claim.lines, cc) if cc is not None else [None] * len(claim.lines)
        active = [f for f in cc.findings if f.severity in ("error", "warning")] if cc is not None else []
        for f in active:
            out.category[f.rule] = f.category.value
            rule_targets.setdefault(f.rule, set()).update(targets(f))
        for j, (line, pos) in enumerate(zip(claim.lines, positions, strict=True)):
            on_line = [f for f in active if pos is not None and (not f.lines or pos in f.lines)]
            adj: list[Adjustment] = denied_of(claim, line)
            reasons = {a.reason for a in adj}
            if cc is not None:
                for rule in {f.rule for f in on_line}:
                    flagged[rule] = flagged.get(rule, 0) + 1
                    hits[rule] = hits.get(rule, 0) + bool(reasons & rule_targets[rule])
                if reasons:
                    key = frozenset(reasons)
                    out.denied_reasons[key] = out.denied_reasons.get(key, 0) + 1
            if not reasons:
                continue
            amount = round(sum(a.amount for a in adj), 2)
            preventable = {r for r in reasons if codes.reason(r).prevented_by}
            how, rules = None, []
            if cc is None:
                outcome = "not_checked"
            elif preventable:
                caught = [f for f in on_line if targets(f) & preventable]
                if caught:
                    outcome = "caught_and_ignored"
                    how = "overridden" if any(f.override for f in caught) else "submitted anyway"
                    rules = sorted({f.rule for f in caught})
                else:
                    outcome = "missed"
            elif any(not codes.reason(r).known for r in reasons):
                outcome = "unknown_reason"
            else:
                outcome = "not_coding"  # every reason is known and no check prevents it
            o = outcomes[outcome]
            o[0] += 1
            o[1] += amount
            labels = sorted(f"{a.group}-{a.reason}" for a in adj)
            out.denied_lines.append(
                DeniedLine(
                    claim_id=claim.claim_id,
                    line=j,
                    code=line.code,
                    payer=claim.payer,
                    reasons=labels,
                    amount=amount,
                    outcome=outcome,
                    how=how,
                    rules=rules,
                )
            )
            if outcome == "missed":
                for a in adj:
                    if a.reason not in preventable:
                        continue
                    entry = missed.setdefault((a.group, a.reason, line.code, claim.payer), [0, 0.0, []])
                    entry[0] += 1
                    entry[1] += a.amount
                    if len(entry[2]) < _EXAMPLES:
                        entry[2].append(
                            Example(
                                claim_id=claim.claim_id,
                                line=j,
                                date_of_service=line.dos.isoformat() if line.dos else None,
                                code=line.code,
                                modifiers=list(line.modifiers),
                                units=line.units,
                                billed=line.billed,
                                denied=a.amount,
                                reasons=labels,
                            )
                        )
    return out


def finish(t: Tally, checked: Checked, codes: CodeTable) -> Matching:
    """The matching of the remitted claims ``t`` tallied against ``checked`` (every checked claim, remitted or not)."""
    scores = []
    for rule in sorted(set(t.flagged) | set(t.rule_targets)):
        targets = t.rule_targets.get(rule, set())
        targeted = sum(n for rs, n in t.denied_reasons.items() if rs & targets)
        flagged, hits = t.flagged.get(rule, 0), t.hits.get(rule, 0)
        scores.append(
            RuleScore(
                rule=rule,
                category=t.category.get(rule, ""),
                flagged=flagged,
                true_positives=hits,
                precision=round(hits / flagged, 4) if flagged else None,
                targeted_denials=targeted,
                recall=round(hits / targeted, 4) if targeted else None,
            )
        )
    missed_out = [
        MissedPattern(
            group=g, reason=r, code=code, payer=payer, count=v[0], amount=round(v[1], 2), meaning=codes.reason(r).meaning, examples=v[2]
        )
        for (g, r, code, payer), v in t.missed.items()
    ]
    missed_out.sort(key=lambda m: (-m.amount, -m.count, m.reason, m.code, m.group, m.payer))
    warnings, notes = [], list(checked.notes)
    unremitted = len(checked.claims) - t.remitted_checked
    if checked.claims and not t.remitted_checked:
        warnings.append(
            f"none of the {len(checked.claims)} checked claims is in these remittances (no claim id in common): "
            "nothing was compared, and no clean claim rate is given"
        )
    elif unremitted > 0:
        notes.append(f"{unremitted} of the {len(checked.claims)} checked claims are not in these remittances and were left out")
    return Matching(
        checked_claims=len(checked.claims),
        remitted_and_checked=t.remitted_checked,
        line_match="by code" if any(c.lines is not None for c in checked.claims.values()) else "by position",
        notes=notes,
        warnings=warnings,
        outcomes={k: {"count": int(v[0]), "amount": round(v[1], 2)} for k, v in t.outcomes.items()},
        denied_lines=t.denied_lines,
        missed=missed_out,
        rules=scores,
    )


def match_checked(
    claims: list[RemitClaim], checked: Checked, codes: CodeTable, denied_of: Callable[[RemitClaim, RemitLine], list[Adjustment]]
) -> Matching:
    """Outcomes, missed patterns and per-rule scores; ``denied_of(claim, line)`` gives a line's denials."""
    return finish(tally(claims, checked, codes, denied_of), checked, codes)
