"""Denial patterns, trends and KPIs from remittance claims.

An adjustment is a denial unless its reason is a routine one (contractual write-off, patient cost share);
unknown reasons count as denials so that they are seen. Patterns group denial adjustments by group x reason x
procedure code x payer; claim-level adjustments have the code ``(claim)``. A pattern's count is the number of
lines (or claims, at claim level) that carry it and its amount the sum of those adjustments. Months are the
month the payer paid (the remittance date), or the date of service when an export has no payment date.

A reversal (claim status 22) cancels the earlier remittance of the same claim from the same payer; the
remittance that follows it stands on its own (a correction). A reversal whose original is not in the batch
is counted and left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from pydantic import BaseModel, Field

from .. import codes as code_table
from .codes import ACTION_TEXT, CodeTable, in_ranges, table
from .matching import Checked, Matching, match_checked
from .model import Adjustment, PatternBase, ReadResult, RemitClaim, RemitLine

CLAIM_LEVEL = "(claim)"

KPI_DEFINITIONS = {
    "denial_rate": "HFMA MAP Key AR-5, remittance denial rate: claims with a denial (claim or line level) / claims remitted. "
    "Reversed remittances are left out; a resubmitted claim counts again.",
    "denied_amount_rate": "Denied dollars / billed dollars of the remitted claims (the dollar side of the denial rate).",
    "line_denial_rate": "Service lines with a denial / service lines remitted.",
    "clean_claim_rate": "HFMA MAP Key CL-1, clean claim rate: claims that passed every edit with no manual intervention / claims "
    "checked. From the check reports given with --checked, over the checked claims that are in these remittances (by claim id): "
    "a claim is clean when the checker raised no error or warning on it.",
    "mohs_revenue_capture": "Paid by the payer plus the patient's cost share (deductible, coinsurance, copay) / allowed-or-expected, "
    "over 17311-17315 lines. Allowed is the payer's allowed amount when it gives one above zero; otherwise expected = billed "
    "minus contractual adjustments.",
    "medical_necessity_approval_rate": "Necessity-sensitive lines not denied for CARC 50, 11, 167 or 197 / all necessity-sensitive "
    "lines. Necessity-sensitive: a claim with a prior-authorization number, a code our tables flag for prior authorization or "
    "as often cosmetic, or a family payers screen (Mohs, phototherapy, excimer, benign-lesion removal, chemodenervation, ...).",
    "laser_destruction_coding_accuracy": "Lines 17000-17286 and 96920-96922 not denied for a coding reason (a CARC our table "
    "files under coding: 4, 11, 16, 97, 107, 125, 146, 151, 170, 181, 182, 234, 236) / all such lines.",
}


class Money(BaseModel):
    count: int = 0
    amount: float = 0.0


class Pattern(PatternBase):
    problem: str
    action: str
    known: bool
    providers: dict[str, Money] = Field(default_factory=dict)
    months: dict[str, Money] = Field(default_factory=dict)


class Breakdown(BaseModel):
    key: str
    count: int
    amount: float


class MonthTrend(BaseModel):
    month: str
    claims: int
    lines: int
    denied_claims: int
    denied_lines: int
    denied_amount: float
    denial_rate: float | None
    amount_change: float | None = None  # denied dollars against the month before


class Kpi(BaseModel):
    value: float | None
    numerator: float
    denominator: float
    definition: str
    note: str | None = None


class ReadSummary(BaseModel):
    files: int
    claims_read: int
    claims_analysed: int
    lines_analysed: int
    reversed: int
    orphan_reversals: int
    corrections: int
    problems: list[str]
    notes: dict[str, int]


class Analysis(BaseModel):
    patterns: list[Pattern]
    kpis: dict[str, Kpi]
    matching: Matching | None = None
    by_reason: list[Breakdown]
    by_code: list[Breakdown]
    by_payer: list[Breakdown]
    by_provider: list[Breakdown]
    trend: list[MonthTrend]
    totals: dict[str, float]
    read: ReadSummary
    code_table: str


@dataclass(slots=True)
class Settled:
    claims: list[RemitClaim]
    reversed: int = 0
    orphan_reversals: int = 0
    corrections: int = 0


def settle(claims: Sequence[RemitClaim]) -> Settled:
    """Apply reversals (status 22) in payment-date order; see the module docstring."""
    order = sorted(range(len(claims)), key=lambda i: (claims[i].paid_on or date.min, i))
    kept: list[RemitClaim | None] = []
    current: dict[tuple[str, str], int] = {}
    reversed_keys: set[tuple[str, str]] = set()
    out = Settled([])
    for i in order:
        c = claims[i]
        key = (c.payer, c.claim_id)
        if c.reversal:
            pos = current.pop(key, None)
            if pos is None:
                out.orphan_reversals += 1
            else:
                kept[pos] = None
                out.reversed += 1
                reversed_keys.add(key)
            continue
        if key in reversed_keys:
            out.corrections += 1
            reversed_keys.discard(key)
        current[key] = len(kept)
        kept.append(c)
    out.claims = [c for c in kept if c is not None]
    return out


def denials(adjustments: Iterable[Adjustment], codes: CodeTable) -> list[Adjustment]:
    """The adjustments that are denials (non-zero, reason not routine)."""
    return [a for a in adjustments if a.amount and codes.reason(a.reason).denial]


def line_denials(claim: RemitClaim, line: RemitLine, codes: CodeTable) -> list[Adjustment]:
    """The line's own denials; a line paid nothing with none of its own takes the claim-level denials."""
    own = denials(line.adjustments, codes)
    if own or line.paid:
        return own
    return denials(claim.adjustments, codes)


def month_of(claim: RemitClaim) -> str:
    d = claim.paid_on or claim.dos or (claim.lines[0].dos if claim.lines else None)
    return d.strftime("%Y-%m") if d else "unknown"


@dataclass
class _Acc:
    count: int = 0
    amount: float = 0.0
    providers: dict[str, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0, 0.0]))
    months: dict[str, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0, 0.0]))

    def add(self, amount: float, provider: str, month: str) -> None:
        self.count += 1
        self.amount += amount
        p = self.providers[provider]
        p[0] += 1
        p[1] += amount
        m = self.months[month]
        m[0] += 1
        m[1] += amount


def ranked(acc: dict[str, list[float]]) -> list[Breakdown]:
    """Breakdown rows from key -> (count, amount), the costliest first."""
    rows = [Breakdown(key=k, count=int(v[0]), amount=round(v[1], 2)) for k, v in acc.items()]
    return sorted(rows, key=lambda b: (-b.amount, -b.count, b.key))


def _money(d: dict[str, list[float]]) -> dict[str, Money]:
    return {k: Money(count=int(v[0]), amount=round(v[1], 2)) for k, v in sorted(d.items())}


def _rate(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def kpi(name: str, num: float, den: float, note: str | None = None) -> Kpi:
    return Kpi(value=_rate(num, den), numerator=round(num, 2), denominator=round(den, 2), definition=KPI_DEFINITIONS[name], note=note)


def month_trend(months: dict[str, list[float]]) -> list[MonthTrend]:
    """The trend, month by month, from month -> (claims, lines, denied claims, denied lines, denied dollars)."""
    trend: list[MonthTrend] = []
    for month in sorted(months):
        claims_n, lines_n, dc, dl, amount = months[month]
        prev = trend[-1].denied_amount if trend else None
        trend.append(
            MonthTrend(
                month=month,
                claims=int(claims_n),
                lines=int(lines_n),
                denied_claims=int(dc),
                denied_lines=int(dl),
                denied_amount=round(amount, 2),
                denial_rate=_rate(dc, claims_n),
                amount_change=round(amount - prev, 2) if prev is not None else None,
            )
        )
    return trend


def _necessity_sensitive(claim: RemitClaim, code: str, families: frozenset[str]) -> bool:
    if claim.prior_auth:
        return True
    info = code_table.lookup(code)
    return info is not None and (info.prior_auth or info.cosmetic or info.family in families)


def clean_claim_rate(checked: Checked | None, remitted: set[str]) -> Kpi:
    """Over the checked claims that were remitted: checked claims of another period or practice say nothing here."""
    if checked is None:
        return kpi("clean_claim_rate", 0, 0, note="needs the check reports (--checked)")
    ours = [c for cid, c in checked.claims.items() if cid in remitted]
    if not ours:
        return kpi("clean_claim_rate", 0, 0, note="no checked claim is in these remittances")
    return kpi("clean_claim_rate", sum(c.clean for c in ours), len(ours))


def analyze(read: ReadResult, codes: CodeTable | None = None, checked: Checked | None = None) -> Analysis:
    """Patterns, breakdowns, the month-by-month trend and the KPIs of a batch of remittances.

    >>> from derm_core.denials.model import RemitClaim, RemitLine, Adjustment
    >>> c = RemitClaim("a.835", "C1", "1", 120, 0, "Acme", lines=[RemitLine("11102", (), 120, 0, adjustments=[Adjustment("CO", "97", 120)])])
    >>> a = analyze(ReadResult(claims=[c], files=1))
    >>> (a.patterns[0].group, a.patterns[0].reason, a.patterns[0].code, a.patterns[0].count, a.patterns[0].amount)
    ('CO', '97', '11102', 1, 120.0)
    """
    codes = codes or table()
    kp = codes.kpis
    families = frozenset(kp.necessity_families)
    necessity_reasons = frozenset(kp.medical_necessity_reasons)
    settled = settle(read.claims)
    patterns: dict[tuple[str, str, str, str], _Acc] = defaultdict(_Acc)
    by: dict[str, dict[str, list[float]]] = {k: defaultdict(lambda: [0, 0.0]) for k in ("reason", "code", "payer", "provider")}
    months: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0, 0.0])  # claims, lines, denied claims, denied lines, amount
    n = dict.fromkeys(("claims", "denied_claims", "lines", "denied_lines", "billed", "denied_amount"), 0.0)
    mohs = [0.0, 0.0]
    necessity = [0, 0]
    laser = [0, 0]

    def record(a: Adjustment, code: str, claim: RemitClaim, provider: str, month: str) -> None:
        patterns[(a.group, a.reason, code, claim.payer)].add(a.amount, provider, month)
        for key, value in (("reason", f"{a.group}-{a.reason}"), ("code", code), ("payer", claim.payer), ("provider", provider)):
            b = by[key][value]
            b[0] += 1
            b[1] += a.amount

    for claim in settled.claims:
        month = month_of(claim)
        m = months[month]
        m[0] += 1
        m[1] += len(claim.lines)
        n["claims"] += 1
        n["lines"] += len(claim.lines)
        n["billed"] += claim.billed
        claim_level = denials(claim.adjustments, codes)
        denied_amount = 0.0
        for a in claim_level:
            record(a, CLAIM_LEVEL, claim, claim.provider or "(not named)", month)
            denied_amount += a.amount
        denied_lines = 0
        for line in claim.lines:
            provider = line.provider or claim.provider or "(not named)"
            own = denials(line.adjustments, codes)
            for a in own:
                record(a, line.code, claim, provider, month)
                denied_amount += a.amount
            reasons = {a.reason for a in line_denials(claim, line, codes)}
            denied_lines += bool(reasons)
            if in_ranges(line.code, kp.mohs_codes):
                contractual = sum(a.amount for a in line.adjustments if codes.reason(a.reason).problem == "contractual")
                share = sum(a.amount for a in line.adjustments if a.group == "PR" and codes.reason(a.reason).problem == "patient_share")
                expected = line.allowed if line.allowed and line.allowed > 0 else line.billed - contractual
                mohs[0] += line.paid + share
                mohs[1] += expected
            if _necessity_sensitive(claim, line.code, families) or reasons & necessity_reasons:
                necessity[1] += 1
                necessity[0] += not (reasons & necessity_reasons)
            if in_ranges(line.code, kp.laser_destruction_codes):
                laser[1] += 1
                laser[0] += not any(codes.reason(r).problem == "coding" for r in reasons)
        denied = bool(claim_level) or denied_lines > 0 or claim.status == "4"
        n["denied_claims"] += denied
        n["denied_lines"] += denied_lines
        n["denied_amount"] += denied_amount
        m[2] += denied
        m[3] += denied_lines
        m[4] += denied_amount

    out_patterns = []
    for (group, reason, code, payer), acc in patterns.items():
        r = codes.reason(reason)
        out_patterns.append(
            Pattern(
                group=group,
                reason=reason,
                code=code,
                payer=payer,
                count=acc.count,
                amount=round(acc.amount, 2),
                meaning=r.meaning,
                problem=r.problem,
                action=ACTION_TEXT[r.action_for(group)],
                known=r.known,
                providers=_money(acc.providers),
                months=_money(acc.months),
            )
        )
    out_patterns.sort(key=lambda p: (-p.amount, -p.count, p.group, p.reason, p.code, p.payer))

    kpis = {
        "denial_rate": kpi("denial_rate", n["denied_claims"], n["claims"]),
        "denied_amount_rate": kpi("denied_amount_rate", n["denied_amount"], n["billed"]),
        "line_denial_rate": kpi("line_denial_rate", n["denied_lines"], n["lines"]),
        "clean_claim_rate": clean_claim_rate(checked, {c.claim_id for c in settled.claims}),
        "mohs_revenue_capture": kpi("mohs_revenue_capture", mohs[0], mohs[1]),
        "medical_necessity_approval_rate": kpi("medical_necessity_approval_rate", necessity[0], necessity[1]),
        "laser_destruction_coding_accuracy": kpi("laser_destruction_coding_accuracy", laser[0], laser[1]),
    }
    return Analysis(
        patterns=out_patterns,
        kpis=kpis,
        matching=match_checked(settled.claims, checked, codes, lambda c, ln: line_denials(c, ln, codes)) if checked is not None else None,
        by_reason=ranked(by["reason"]),
        by_code=ranked(by["code"]),
        by_payer=ranked(by["payer"]),
        by_provider=ranked(by["provider"]),
        trend=month_trend(months),
        totals={k: round(v, 2) for k, v in n.items()},
        read=ReadSummary(
            files=read.files,
            claims_read=len(read.claims),
            claims_analysed=len(settled.claims),
            lines_analysed=int(n["lines"]),
            reversed=settled.reversed,
            orphan_reversals=settled.orphan_reversals,
            corrections=settled.corrections,
            problems=[str(p) for p in read.problems],
            notes=dict(read.notes),
        ),
        code_table=codes.version,
    )
