import pytest


@pytest.fixture(scope="session")
def ruleset():
    from derm_core.ruleset import default_ruleset

    return default_ruleset()


@pytest.fixture(scope="session", autouse=True)
def _own_data_folder(tmp_path_factory):
    """No test reads or writes the developer's own rules store: the user data folder is a temporary one (one per
    test, below), and ``DERM_RULES_DB``/``DERM_RULES`` from the environment are ignored."""
    import os

    saved = {k: os.environ.get(k) for k in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "DERM_RULES_DB", "DERM_RULES")}
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("data-home"))  # session fixtures; each test has its own
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache-home"))  # parsed data files, the ICD-10-CM index
    os.environ.pop("DERM_RULES_DB", None)
    os.environ.pop("DERM_RULES", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def _own_data_home(tmp_path_factory, monkeypatch):
    """Each test its own user data folder: a rules store one test creates there is never another test's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))


# --- denial patterns: a synthetic month with planted patterns (no real patient data) ---------------------------

PLANTED = {
    # (group, reason, code, payer): (count, amount, outcome against the check reports)
    ("CO", "97", "88305", "ACME HEALTH"): (6, 450.0, "caught_and_ignored"),
    ("CO", "151", "17003", "MEDICARE JX"): (4, 336.0, "missed"),
    ("CO", "29", "99213", "BLUE RIVER PLAN"): (3, 330.0, "not_coding"),
    ("PR", "204", "17110", "SUNRISE CARE"): (2, 260.0, "caught_and_ignored"),
    ("CO", "16", "(claim)", "ACME HEALTH"): (2, 240.0, "missed"),
    ("CO", "299", "11102", "SUNRISE CARE"): (1, 120.0, "unknown_reason"),
    ("CO", "4", "11104", "ACME HEALTH"): (1, 140.0, "not_checked"),
}
PHI_VALUES = ("PHIPLANTLAST", "PHIFIRSTNAME", "PHIMEMBER", "19370415", "1937-04-15")


@pytest.fixture(scope="session")
def planted():
    return PLANTED


@pytest.fixture(scope="session")
def phi_values():
    return PHI_VALUES


@pytest.fixture(scope="session")
def planted_month(tmp_path_factory):
    """Four weekly 835 files for March 2026 with the PLANTED patterns, routine paid claims, a reversal and its
    correction, and the claims file and check report of the claims that were checked before submission."""
    import json
    from datetime import date

    from derm_core.denials.synthetic import Remit, SynthClaim, SynthLine, SynthPatient, write_835
    from derm_core.engine import check_claims
    from derm_core.models import Claim
    from derm_core.ruleset import default_ruleset

    n = iter(range(1, 1000))

    def patient():
        i = next(n)
        return SynthPatient(f"PHIPLANTLAST{i}", "PHIFIRSTNAME", f"PHIMEMBER{i:04d}", date(1937, 4, 15))

    dos = date(2026, 3, 2)

    def paid(code, fee):
        return SynthLine(
            code,
            fee,
            round(fee * 0.64, 2),
            adjustments=[("CO", "45", round(fee * 0.2, 2)), ("PR", "2", round(fee * 0.16, 2))],
            allowed=round(fee * 0.8, 2),
            dos=dos,
        )

    weeks = {d: [] for d in (date(2026, 3, 6), date(2026, 3, 13), date(2026, 3, 20), date(2026, 3, 27))}
    by_payer: dict[tuple[date, str], list] = {}

    def add(week: date, payer: str, claim: SynthClaim) -> None:
        claim.patient = patient()
        by_payer.setdefault((week, payer), []).append(claim)

    w = list(weeks)
    checked = []  # (claim_id, payer type, payer, diagnoses, lines) for the claims file
    for i in range(1, 7):
        add(
            w[i % 2],
            "ACME HEALTH",
            SynthClaim(
                f"M{i}",
                dos=dos,
                lines=[
                    SynthLine("17311", 700, 448, adjustments=[("CO", "45", 140), ("PR", "2", 112)], allowed=560, dos=dos),
                    SynthLine("88305", 75, 0, adjustments=[("CO", "97", 75)], dos=dos),
                ],
            ),
        )
        checked.append(
            (
                f"M{i}",
                "commercial",
                "ACME HEALTH",
                ["C44.311"],
                [
                    {
                        "code": "17311",
                        "facts": {"site": "nose", "pathology": "malignant", "mohs_stage_blocks": [3], "lesion_id": "L1", "size_cm": 1.2},
                    },
                    {"code": "88305", "facts": {"lesion_id": "L1"}},
                ],
            )
        )
    for i in range(1, 5):
        add(
            w[1],
            "MEDICARE JX",
            SynthClaim(
                f"A{i}",
                dos=dos,
                filing="MB",
                lines=[
                    paid("17000", 95),
                    SynthLine(
                        "17003",
                        144,
                        40,
                        units=12,
                        adjustments=[("CO", "151", 84), ("CO", "45", 10), ("PR", "2", 10)],
                        remarks=["N362"],
                        dos=dos,
                    ),
                ],
            ),
        )
        checked.append(
            (
                f"A{i}",
                "medicare",
                "MEDICARE JX",
                ["L57.0"],
                [{"code": "17000", "facts": {"lesion_count": 13, "pathology": "premalignant"}}, {"code": "17003", "units": 12}],
            )
        )
    for i in range(1, 4):
        add(
            w[2],
            "BLUE RIVER PLAN",
            SynthClaim(f"V{i}", status="4", dos=dos, lines=[SynthLine("99213", 110, 0, adjustments=[("CO", "29", 110)], dos=dos)]),
        )
        checked.append((f"V{i}", "commercial", "BLUE RIVER PLAN", ["L40.0"], [{"code": "99213"}]))
    for i in range(1, 3):
        add(
            w[2],
            "SUNRISE CARE",
            SynthClaim(f"C{i}", dos=dos, lines=[SynthLine("17110", 130, 0, adjustments=[("PR", "204", 130)], dos=dos)]),
        )
        checked.append(
            (
                f"C{i}",
                "commercial",
                "SUNRISE CARE",
                ["L82.1"],
                [{"code": "17110", "facts": {"lesion_count": 3, "pathology": "benign", "purpose": "cosmetic"}}],
            )
        )
        add(
            w[3],
            "ACME HEALTH",
            SynthClaim(
                f"B{i}",
                status="4",
                dos=dos,
                adjustments=[("CO", "16", 120)],
                remarks=["MA130"],
                lines=[SynthLine("11102", 120, 0, dos=dos)],
            ),
        )
        checked.append((f"B{i}", "commercial", "ACME HEALTH", ["D48.5"], [{"code": "11102", "facts": {"biopsy_method": "tangential"}}]))
    add(w[3], "SUNRISE CARE", SynthClaim("U1", dos=dos, lines=[SynthLine("11102", 120, 0, adjustments=[("CO", "299", 120)], dos=dos)]))
    checked.append(("U1", "commercial", "SUNRISE CARE", ["D48.5"], [{"code": "11102", "facts": {"biopsy_method": "tangential"}}]))
    add(
        w[3], "ACME HEALTH", SynthClaim("Z1", dos=dos, lines=[SynthLine("11104", 140, 0, adjustments=[("CO", "4", 140)], dos=dos)])
    )  # never checked
    payers = ["ACME HEALTH", "BLUE RIVER PLAN", "MEDICARE JX", "SUNRISE CARE"]
    for i in range(1, 21):
        add(w[i % 4], payers[i % 4], SynthClaim(f"G{i}", dos=dos, lines=[paid("99213", 110)]))
        checked.append(
            (f"G{i}", "medicare" if payers[i % 4] == "MEDICARE JX" else "commercial", payers[i % 4], ["L40.0"], [{"code": "99213"}])
        )
    # A denial the payer reversed (claim status 22) and paid on the corrected claim: no pattern may remain.
    add(w[0], "ACME HEALTH", SynthClaim("R1", dos=dos, lines=[SynthLine("17000", 95, 0, adjustments=[("CO", "16", 95)], dos=dos)]))
    add(
        w[2],
        "ACME HEALTH",
        SynthClaim("R1", status="22", dos=dos, lines=[SynthLine("17000", -95, 0, adjustments=[("CO", "16", -95)], dos=dos)]),
    )
    add(w[2], "ACME HEALTH", SynthClaim("R1", dos=dos, lines=[paid("17000", 95)]))

    root = tmp_path_factory.mktemp("planted")
    remits = root / "remits"
    remits.mkdir()
    for k, week in enumerate(w, 1):
        batch = [Remit(payer, week, claims) for (wk, payer), claims in by_payer.items() if wk == week]
        (remits / f"week{k}.835").write_text(write_835(batch, control=k))
    claims = [
        Claim.model_validate(
            {
                "claim_id": cid,
                "payer": {"type": t, "name": p},
                "date_of_service": "2026-03-02",
                "rendering_npi": "1234567893",
                "diagnoses": dx,
                "lines": lines,
            }
        )
        for cid, t, p, dx, lines in checked
    ]
    report = check_claims(claims, default_ruleset()).model_dump(mode="json")
    for c in report["claims"]:
        if c["claim_id"] in ("M1", "M2", "M3"):
            for f in c["findings"]:
                f["override"] = {"by": "biller", "at": "2026-03-01", "reason": "payer pays it"}
    (root / "claims.json").write_text(json.dumps({"claims": [c.model_dump(mode="json", exclude_none=True) for c in claims]}))
    (root / "report.json").write_text(json.dumps(report))
    return root
