"""Synthetic X12 835 remittance files for tests, benchmarks and demos. Every name and number is made up.

A remittance is described with plain dataclasses and written as 5010 835 text, including the patient
segments (NM1*QC, NM1*IL and a DMG some payers add) that the reader must never let through.

>>> text = write_835([Remit("Acme Health", date(2026, 3, 6), [SynthClaim("C1", lines=[SynthLine("11102", 120, 0,
...     adjustments=[("CO", "97", 120)])])])])
>>> text.startswith("ISA*") and "CAS*CO*97*120~" in text and text.rstrip().endswith("~")
True
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

Adj = tuple[str, str, float]


@dataclass
class SynthLine:
    code: str
    billed: float
    paid: float
    modifiers: tuple[str, ...] = ()
    units: int = 1
    dos: date | None = None
    adjustments: list[Adj] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    allowed: float | None = None


@dataclass
class SynthPatient:
    last: str = "TESTPATIENT"
    first: str = "ALEX"
    member_id: str = "ZZ000000001"
    dob: date = date(1950, 1, 1)


@dataclass
class SynthClaim:
    claim_id: str
    status: str = "1"
    lines: list[SynthLine] = field(default_factory=list)
    adjustments: list[Adj] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    payer_claim_id: str | None = None
    provider_npi: str | None = "1234567893"
    provider_name: tuple[str, str] = ("DERMA", "DANA")
    patient: SynthPatient = field(default_factory=SynthPatient)
    dos: date | None = None
    patient_share: float | None = None
    billed: float | None = None
    paid: float | None = None
    prior_auth: str | None = None
    filing: str = "12"


@dataclass
class Remit:
    payer: str
    paid_on: date
    claims: list[SynthClaim]
    payer_id: str = "99999"
    payee: str = "SUNNY SKIN CLINIC"
    payee_npi: str = "1518000007"


def _money(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _cas(adjs: list[Adj]) -> Iterator[str]:
    """One CAS segment per group, up to six reasons each (a seventh starts a new segment)."""
    by_group: dict[str, list[Adj]] = {}
    for a in adjs:
        by_group.setdefault(a[0], []).append(a)
    for group, items in by_group.items():
        for i in range(0, len(items), 6):
            parts = ["CAS", group]
            for _, reason, amount in items[i : i + 6]:
                parts += [reason, _money(amount), ""]
            yield "*".join(parts).rstrip("*")


def _d8(d: date) -> str:
    return d.strftime("%Y%m%d")


def claim_segments(c: SynthClaim, dos: date, dmg: bool = True) -> list[str]:
    """The segments of one claim (loop 2100 and its 2110 service lines)."""
    billed = c.billed if c.billed is not None else sum(ln.billed for ln in c.lines)
    paid = c.paid if c.paid is not None else sum(ln.paid for ln in c.lines)
    share = c.patient_share
    if share is None:
        share = sum(a[2] for ln in c.lines for a in ln.adjustments if a[0] == "PR") + sum(a[2] for a in c.adjustments if a[0] == "PR")
    p = c.patient
    segs = [
        f"CLP*{c.claim_id}*{c.status}*{_money(billed)}*{_money(paid)}*{_money(share)}*{c.filing}*{c.payer_claim_id or 'PCN' + c.claim_id}*11*1"
    ]
    segs += _cas(c.adjustments)
    segs.append(f"NM1*QC*1*{p.last}*{p.first}****MI*{p.member_id}")
    if dmg:  # not in the 835 guide, but some payers send it: the reader must drop it
        segs.append(f"DMG*D8*{_d8(p.dob)}")
    if c.provider_npi:
        segs.append(f"NM1*82*1*{c.provider_name[0]}*{c.provider_name[1]}****XX*{c.provider_npi}")
    if c.remarks:
        segs.append("MOA***" + "*".join(c.remarks))
    if c.prior_auth:
        segs.append(f"REF*G1*{c.prior_auth}")
    segs.append(f"DTM*232*{_d8(c.dos or dos)}")
    for ln in c.lines:
        comp = ":".join(("HC", ln.code, *ln.modifiers))
        segs.append(f"SVC*{comp}*{_money(ln.billed)}*{_money(ln.paid)}**{ln.units}")
        segs.append(f"DTM*472*{_d8(ln.dos or c.dos or dos)}")
        segs += _cas(ln.adjustments)
        if ln.allowed is not None:
            segs.append(f"AMT*B6*{_money(ln.allowed)}")
        segs += [f"LQ*HE*{r}" for r in ln.remarks]
    return segs


def write_835(remits: list[Remit], control: int = 1, newline: bool = True, dmg: bool = True) -> str:
    """One interchange with one transaction per remittance (payer and payment date); ``dmg=False`` leaves out the
    non-standard patient DMG segment."""
    sep = "~\n" if newline else "~"
    today = remits[0].paid_on if remits else date(2026, 1, 1)
    out = [
        f"ISA*00*          *00*          *ZZ*{'PAYERSUB':<15}*ZZ*{'SUNNYSKIN':<15}*{today:%y%m%d}*1200*^*00501*{control:09d}*0*P*:",
        f"GS*HP*PAYERSUB*SUNNYSKIN*{_d8(today)}*1200*{control}*X*005010X221A1",
    ]
    for n, r in enumerate(remits, 1):
        total = sum((c.paid if c.paid is not None else sum(ln.paid for ln in c.lines)) for c in r.claims)
        body = [
            f"ST*835*{n:04d}",
            f"BPR*I*{_money(total)}*C*ACH*CCP*01*999999999*DA*123456*1{r.payer_id:0>9}**01*999988880*DA*98765*{_d8(r.paid_on)}",
            f"TRN*1*EFT{control}{n:05d}*1{r.payer_id:0>9}",
            f"DTM*405*{_d8(r.paid_on)}",
            f"N1*PR*{r.payer}*XV*{r.payer_id}",
            "N3*1 PAYER WAY",
            "N4*ANYTOWN*NY*10001",
            "PER*BL*EDI HELP*TE*8005550100",
            f"N1*PE*{r.payee}*XX*{r.payee_npi}",
            "LX*1",
        ]
        for c in r.claims:
            body += claim_segments(c, r.paid_on - timedelta(days=20), dmg)
        body.append(f"SE*{len(body) + 1}*{n:04d}")
        out += body
    out += [f"GE*{len(remits)}*{control}", f"IEA*1*{control:09d}"]
    return sep.join(out) + sep


# --- a large random batch for benchmarks -------------------------------------------------------

_PAYERS = ["ACME HEALTH", "BLUE RIVER PLAN", "MEDICARE JURISDICTION X", "STATE MEDICAID", "SUNRISE CARE"]
_MENU = [
    ("99213", 110.0, ()),
    ("99214", 160.0, ("25",)),
    ("17000", 95.0, ()),
    ("17003", 12.0, ()),
    ("11102", 120.0, ()),
    ("11104", 140.0, ()),
    ("17311", 700.0, ()),
    ("17312", 380.0, ()),
    ("88305", 75.0, ("26",)),
    ("96920", 210.0, ()),
    ("17110", 130.0, ()),
    ("11600", 260.0, ()),
]
_DENIALS = [("CO", "97"), ("CO", "4"), ("CO", "16"), ("CO", "50"), ("CO", "151"), ("PR", "204"), ("CO", "29"), ("CO", "11"), ("CO", "197")]


def random_remits(claims: int, seed: int = 7, per_remit: int = 200) -> list[Remit]:
    """``claims`` random claims (1-4 lines, about 12% of lines denied) in remittances of ``per_remit`` claims."""
    rng = random.Random(seed)
    remits: list[Remit] = []
    start = date(2026, 1, 5)
    for base in range(0, claims, per_remit):
        paid_on = start + timedelta(days=rng.randrange(0, 90))
        batch = []
        for i in range(base, min(claims, base + per_remit)):
            lines = []
            for _ in range(rng.randint(1, 4)):
                code, fee, mods = rng.choice(_MENU)
                if rng.random() < 0.12:
                    group, reason = rng.choice(_DENIALS)
                    lines.append(SynthLine(code, fee, 0, mods, adjustments=[(group, reason, fee)]))
                else:
                    allowed = round(fee * 0.8, 2)
                    share = round(allowed * 0.2, 2)
                    adj = [("CO", "45", round(fee - allowed, 2)), ("PR", "2", share)]
                    lines.append(SynthLine(code, fee, round(allowed - share, 2), mods, adjustments=adj, allowed=allowed))
            patient = SynthPatient(f"SYNTH{i}", "PAT", f"M{i:010d}", date(1940 + i % 60, 1 + i % 12, 1 + i % 28))
            batch.append(SynthClaim(f"R{i:07d}", lines=lines, patient=patient, provider_npi=f"10000000{i % 7:02d}"))
        remits.append(Remit(rng.choice(_PAYERS), paid_on, batch))
    return remits
