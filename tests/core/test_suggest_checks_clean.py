"""The lines the coding engine recommends never raise an error in the checker: every `derm suggest` answer, over a
grid of procedures and facts, billed as a claim with those facts, checks without an error."""

import itertools

import pytest

from derm_core.coding import CodingError, SuggestRequest, suggest
from derm_core.engine import check_claim
from derm_core.models import Claim
from derm_core.ruleset import default_ruleset

SITES = ("trunk", "arm", "leg", "scalp", "neck", "hand", "foot", "genitalia", "face", "ear", "eyelid", "nose", "lip")
DX = {  # a billable diagnosis that fits each kind of lesion and site
    "premalignant": "L57.0",
    "benign": {"trunk": "D23.5", "arm": "D23.62", "leg": "D23.72", "scalp": "D23.4", "neck": "D23.4", "hand": "D23.62", "foot": "D23.72"},
    "malignant": {
        "trunk": "C44.519",
        "arm": "C44.612",
        "leg": "C44.712",
        "scalp": "C44.41",
        "neck": "C44.41",
        "hand": "C44.612",
        "foot": "C44.712",
    },
}
FACE_DX = {"benign": "D23.39", "malignant": "C44.319"}


def _dx(pathology: str, site: str | None) -> str:
    table = DX[pathology]
    if isinstance(table, str):
        return table
    return table.get(site or "trunk", FACE_DX[pathology])


REQUESTS = (
    [{"procedure": "destruction", "pathology": "premalignant", "lesion_count": n} for n in range(1, 21)]
    + [{"procedure": "benign_destruction", "lesion_count": n} for n in (1, 14, 15, 30)]
    + [{"procedure": "skin_tag_removal", "lesion_count": n} for n in (1, 15, 16, 25, 26, 40)]
    + [{"procedure": "intralesional_injection", "lesion_count": n} for n in (1, 7, 8, 12)]
    + [{"procedure": "excimer_laser", "area_sq_cm": a} for a in (100, 250, 500, 800)]
    + [
        {"procedure": p, "pathology": path, "site": site, "size_cm": size}
        for p, path in (("excision", "benign"), ("excision", "malignant"), ("destruction", "malignant"))
        for site, size in itertools.product(SITES, (0.5, 1.0, 1.4, 2.05, 3.0, 4.5))
    ]
    + [
        {"procedure": "mohs", "site": site, "mohs_stage_blocks": blocks}
        for site in ("nose", "trunk", "hand")
        for blocks in ([3], [7], [4, 2], [6, 6, 2])
    ]
    + [
        {"procedure": "biopsy", "biopsies": [{"biopsy_method": m, "count": n} for m, n in combo]}
        for combo in (
            [("tangential", 1)],
            [("punch", 3)],
            [("incisional", 1), ("punch", 1), ("tangential", 2)],
            [("punch", 1), ("tangential", 1)],
        )
    ]
)
CODE_FAMILY_FACTS = ("lesion_count", "site", "size_cm", "pathology", "mohs_stage_blocks", "area_sq_cm")


def _claim(req: dict, lines) -> Claim:
    pathology = req.get("pathology") or {"destruction": "premalignant", "mohs": "malignant"}.get(req["procedure"], "benign")
    dx = (
        "L91.8"
        if req["procedure"] == "skin_tag_removal"
        else "L40.0"
        if req["procedure"] == "excimer_laser"
        else _dx(pathology, req.get("site"))
    )
    dx = "L91.0" if req["procedure"] == "intralesional_injection" else dx
    facts = {k: req[k] for k in CODE_FAMILY_FACTS if k in req}
    if req["procedure"] in ("benign_destruction", "skin_tag_removal") or (req["procedure"] == "excision" and pathology == "benign"):
        facts["symptoms"] = ["bleeding"]
    out = []
    for n, s in enumerate(lines):
        line = {"code": s.code, "units": s.units, "modifiers": s.modifiers, "dx": [dx]}
        if n == 0:
            line["facts"] = facts
        if req["procedure"] == "biopsy":
            line["facts"] = {"lesion_id": f"L{n}"}
        out.append(line)
    return Claim.model_validate(
        {"payer": {"type": "medicare"}, "date_of_service": "2026-03-02", "rendering_npi": "1234567893", "lines": out}
    )


@pytest.mark.parametrize("req", REQUESTS, ids=[str(i) for i in range(len(REQUESTS))])
def test_suggested_lines_check_without_errors(req):
    try:
        result = suggest(SuggestRequest.model_validate(req))
    except CodingError:
        pytest.skip("the coding engine asks for more facts")
    report = check_claim(_claim(req, result.lines), default_ruleset())
    errors = [f for f in report.findings if f.severity == "error"]
    assert not errors, f"{req} -> {[(s.code, s.units) for s in result.lines]}: {errors[0].rule} {errors[0].message}"
