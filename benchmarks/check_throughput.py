"""Checked claim lines per second for the whole rule set, in one process.

Generates realistic synthetic dermatology claims (visits with destruction, biopsies, excisions, Mohs,
pathology, injections, phototherapy; a share of them with the usual mistakes), then times
parsing + checking them. Run: ``python benchmarks/check_throughput.py [--claims N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from datetime import date, timedelta

from derm_core.engine import all_rules, check_claim
from derm_core.models import Claim
from derm_core.ruleset import default_ruleset

SITES = ["trunk", "arm", "leg", "scalp", "neck", "hand", "face", "nose", "ear"]
PAYERS = [
    {"type": "medicare"},
    {"type": "commercial", "name": "Northwind Health"},
    {"type": "medicaid"},
    {"type": "commercial", "name": "Acme Health"},
]


def _destruction(r: random.Random) -> list[dict]:
    n = r.randint(1, 25)
    lines = [{"code": "17004" if n >= 15 else "17000", "dx": ["L57.0"], "facts": {"lesion_count": n, "pathology": "premalignant"}}]
    if 2 <= n <= 14:
        lines.append({"code": "17003", "units": n - 1 if r.random() > 0.1 else n, "dx": ["L57.0"]})
    return lines


def _biopsy(r: random.Random) -> list[dict]:
    k = r.randint(1, 4)
    lines = [{"code": "11104", "dx": ["D48.5"], "facts": {"biopsy_method": "punch", "lesion_id": "B1", "site": r.choice(SITES)}}]
    if k > 1:
        lines.append({"code": "11105", "units": k - 1, "dx": ["D48.5"]})
    lines.append({"code": "88305", "units": k, "dx": ["D48.5"], "facts": {"lesion_count": k}})
    return lines


def _excision(r: random.Random) -> list[dict]:
    size = round(r.uniform(0.3, 4.5), 1)
    site = r.choice(["trunk", "scalp", "neck", "face", "nose"])
    malignant = r.random() < 0.5
    group = {"trunk": 0, "scalp": 20, "neck": 20}.get(site, 40)
    band = 0 if size <= 0.5 else 1 if size <= 1.0 else 2 if size <= 2.0 else 3 if size <= 3.0 else 4 if size <= 4.0 else 6
    code = str((11600 if malignant else 11400) + group + band)
    dx = {0: ("D22.5", "C44.519"), 20: ("D22.4", "C44.42"), 40: ("D22.39", "C44.319")}[group][malignant]
    return [
        {
            "code": code,
            "dx": [dx],
            "facts": {
                "site": site,
                "size_cm": size,
                "pathology": "malignant" if malignant else "benign",
                "lesion_id": "E1",
                "symptoms": ["change"],
            },
        },
        {"code": "12032", "dx": [dx], "facts": {"lesion_id": "E1"}},
        {"code": "88305", "dx": [dx], "facts": {"lesion_count": 1, "lesion_id": "E1"}},
    ]


def _mohs(r: random.Random) -> list[dict]:
    stages = [r.randint(2, 8) for _ in range(r.randint(1, 3))]
    lines = [
        {
            "code": "17311",
            "dx": ["C44.311"],
            "facts": {"site": "nose", "size_cm": 1.2, "pathology": "malignant", "mohs_stage_blocks": stages, "lesion_id": "M1"},
        }
    ]
    if len(stages) > 1:
        lines.append({"code": "17312", "units": len(stages) - 1, "dx": ["C44.311"], "facts": {"lesion_id": "M1"}})
    extra = sum(max(0, b - 5) for b in stages)
    if extra:
        lines.append({"code": "17315", "units": extra, "dx": ["C44.311"], "facts": {"lesion_id": "M1"}})
    lines.append({"code": "14060", "dx": ["C44.311"], "facts": {"lesion_id": "M1"}})
    return lines


def _other(r: random.Random) -> list[dict]:
    return r.choice(
        [
            [
                {"code": "11900", "dx": ["L91.0"], "facts": {"lesion_count": 5}},
                {"code": "J3301", "units": 4, "dx": ["L91.0"], "facts": {"drug_mg": 40}},
            ],
            [{"code": "96920", "dx": ["L40.0"], "facts": {"area_sq_cm": 180}}],
            [{"code": "17110", "dx": ["L82.0"], "facts": {"lesion_count": 4, "pathology": "benign", "symptoms": ["itching"]}}],
            [
                {"code": "11200", "dx": ["L91.8"], "facts": {"lesion_count": 22, "symptoms": ["irritation"]}},
                {"code": "11201", "dx": ["L91.8"]},
            ],
        ]
    )


def make_claims(n: int, seed: int = 7) -> list[dict]:
    """``n`` synthetic claims as dicts in the claim interchange format (no patient data)."""
    r = random.Random(seed)
    start = date(2026, 1, 5)
    claims = []
    for i in range(n):
        lines: list[dict] = []
        if r.random() < 0.6:
            lines.append({"code": r.choice(["99213", "99214", "99203"]), "modifiers": ["25"] if r.random() < 0.85 else [], "dx": ["L40.0"]})
        for make in r.sample([_destruction, _biopsy, _excision, _mohs, _other], r.randint(1, 2)):
            lines += make(r)
        dx = sorted({d for ln in lines for d in ln["dx"]})
        claims.append(
            {
                "claim_id": f"BENCH-{i}",
                "payer": r.choice(PAYERS),
                "date_of_service": (start + timedelta(days=r.randint(0, 300))).isoformat(),
                "rendering_npi": "1234567893",
                "diagnoses": dx,
                "lines": lines,
            }
        )
    return claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ruleset = default_ruleset()
    raw = make_claims(args.claims)
    n_lines = sum(len(c["lines"]) for c in raw)
    for c in raw[:200]:  # warm up caches (ICD look-ups, code table)
        check_claim(Claim.model_validate(c), ruleset)
    gc.freeze()  # start-up data (the ICD-10-CM tables) is permanent; keep it out of the collector's scans
    runs, check_only = [], []
    for _ in range(args.repeat):
        # streamed, as `derm check` does: parse a claim, check it, keep only its report
        t0 = time.perf_counter()
        reports = [check_claim(Claim.model_validate(c), ruleset) for c in raw]
        t1 = time.perf_counter()
        runs.append(n_lines / (t1 - t0))
        claims = [Claim.model_validate(c) for c in raw]
        t2 = time.perf_counter()
        for c in claims:
            check_claim(c, ruleset)
        check_only.append(n_lines / (time.perf_counter() - t2))
        del claims
    statuses = [r.status for r in reports]
    print(f"{args.claims:,} claims, {n_lines:,} lines, {len(all_rules())} rules, ruleset {ruleset.version}")
    print(f"statuses: { {s: statuses.count(s) for s in ('clean', 'warning', 'error')} }")
    print(f"parse + check: {statistics.median(runs):,.0f} lines/s (median of {args.repeat})")
    print(f"check only:    {statistics.median(check_only):,.0f} lines/s")


if __name__ == "__main__":
    main()
