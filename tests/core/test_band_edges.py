"""Every edge of every band, exactly: the value on the edge belongs to the band it closes, and a value just above it
(one hundredth more) to the next; through the coding engine, and through the checker for a claim billed that way."""

from decimal import Decimal

import pytest

from derm_core import coding
from derm_core.codes import all_codes
from derm_core.engine import check_claim
from derm_core.models import Claim
from derm_core.ruleset import default_ruleset

JUST_ABOVE = Decimal("0.01")
DIAMETER_EDGES = ("0.5", "1.0", "2.0", "3.0", "4.0")
SITES = {"A": "trunk", "B": "scalp", "C": "face"}
FIRST = {"excision_benign": {"A": 11400, "B": 11420, "C": 11440}, "excision_malignant": {"A": 11600, "B": 11620, "C": 11640}}
FIRST["destruction_malignant"] = {"A": 17260, "B": 17270, "C": 17280}
OFFSETS = (0, 1, 2, 3, 4, 6)


def _codes(lines):
    return [(ln.code, ln.units) for ln in lines]


def _above(edge: str) -> float:
    return float(Decimal(edge) + JUST_ABOVE)


DIAMETER_CASES = [(family, group, edge, i) for family, groups in FIRST.items() for group in groups for i, edge in enumerate(DIAMETER_EDGES)]


@pytest.mark.parametrize(("family", "group", "edge", "band"), DIAMETER_CASES)
def test_diameter_bands(family, group, edge, band):
    first, site = FIRST[family][group], SITES[group]

    def choose(size: float) -> str:
        if family == "destruction_malignant":
            return coding.malignant_destruction(site, size)[0].code
        return coding.excision("benign" if family == "excision_benign" else "malignant", site, size)[0].code

    assert choose(float(edge)) == str(first + OFFSETS[band])
    assert choose(_above(edge)) == str(first + OFFSETS[band + 1])


@pytest.mark.parametrize(("edge", "band"), [(e, i) for i, e in enumerate(("0.5", "1.0", "2.0"))])
@pytest.mark.parametrize(("site", "first"), [("trunk", 11300), ("scalp", 11305), ("face", 11310)])
def test_shave_bands(site, first, edge, band):
    assert coding.shave_removal(site, float(edge))[0].code == str(first + band)
    assert coding.shave_removal(site, _above(edge))[0].code == str(first + band + 1)


KINDS = {"repair_simple": "simple", "repair_intermediate": "intermediate", "repair_complex": "complex"}
REPAIR_EDGES = [
    (info.code, KINDS[info.family], info.repair_group, str(info.length_band[1]))
    for info in all_codes().values()
    if info.family in KINDS and info.length_band and info.length_band[1] is not None and not info.is_addon
]


@pytest.mark.parametrize(("code", "kind", "group", "edge"), REPAIR_EDGES, ids=[c[0] for c in REPAIR_EDGES])
def test_repair_length_bands(code, kind, group, edge):
    on_edge = coding.repair(kind, None, float(edge), group)
    above = coding.repair(kind, None, _above(edge), group)
    assert on_edge[0].code == code and len(on_edge) == 1
    assert above[0].code != code or len(above) == 2  # the next band, or the add-on's first unit past the last band


def test_complex_repair_add_on_units_count_each_started_five_centimetres():
    assert _codes(coding.repair("complex", "trunk", 12.5)) == [("13101", 1), ("13102", 1)]
    assert _codes(coding.repair("complex", "trunk", 12.51)) == [("13101", 1), ("13102", 2)]
    with pytest.raises(coding.CodingError):
        coding.repair("complex", "trunk", 1.0)
    assert _codes(coding.repair("complex", "trunk", 1.01)) == [("13100", 1)]


@pytest.mark.parametrize(
    ("site", "area", "want"),
    [
        ("trunk", 10, [("14000", 1)]),
        ("trunk", 10.01, [("14001", 1)]),
        ("nose", 30, [("14061", 1)]),
        ("nose", 30.01, [("14301", 1)]),
        ("face", 60, [("14301", 1)]),
        ("face", 60.01, [("14301", 1), ("14302", 1)]),
        ("face", 90, [("14301", 1), ("14302", 1)]),
        ("face", 90.01, [("14301", 1), ("14302", 2)]),
    ],
)
def test_adjacent_tissue_transfer_area_bands(site, area, want):
    assert _codes(coding.adjacent_tissue_transfer(site, area)) == want


@pytest.mark.parametrize(
    ("fn", "value", "code"),
    [
        (coding.excimer, 249.99, "96920"),
        (coding.excimer, 250, "96921"),
        (coding.excimer, 500, "96921"),
        (coding.excimer, 500.01, "96922"),
        (coding.vascular_destruction, 9.99, "17106"),
        (coding.vascular_destruction, 10, "17107"),
        (coding.vascular_destruction, 50, "17107"),
        (coding.vascular_destruction, 50.01, "17108"),
    ],
)
def test_area_bands(fn, value, code):
    assert fn(value)[0].code == code


@pytest.mark.parametrize(
    ("fn", "n", "want"),
    [
        (coding.premalignant_destruction, 14, [("17000", 1), ("17003", 13)]),
        (coding.premalignant_destruction, 15, [("17004", 1)]),
        (coding.benign_destruction, 14, [("17110", 1)]),
        (coding.benign_destruction, 15, [("17111", 1)]),
        (coding.skin_tags, 15, [("11200", 1)]),
        (coding.skin_tags, 16, [("11200", 1), ("11201", 1)]),
        (coding.skin_tags, 25, [("11200", 1), ("11201", 1)]),
        (coding.skin_tags, 26, [("11200", 1), ("11201", 2)]),
        (coding.intralesional_injection, 7, [("11900", 1)]),
        (coding.intralesional_injection, 8, [("11901", 1)]),
    ],
)
def test_count_bands(fn, n, want):
    assert _codes(fn(n)) == want


def test_mohs_blocks_beyond_five():
    assert _codes(coding.mohs("face", [5])) == [("17311", 1)]
    assert _codes(coding.mohs("face", [6])) == [("17311", 1), ("17315", 1)]


@pytest.mark.parametrize(("family", "group", "edge", "band"), DIAMETER_CASES)
def test_the_checker_accepts_the_code_on_each_side_of_an_edge(family, group, edge, band):
    """A claim billed with the right code for a diameter on an edge, or just above it, raises no code-selection error."""
    first, site = FIRST[family][group], SITES[group]
    pathology = "benign" if family == "excision_benign" else "malignant"
    dx = {"benign": {"A": "D23.5", "B": "D23.4", "C": "D23.39"}, "malignant": {"A": "C44.519", "B": "C44.41", "C": "C44.319"}}[pathology][
        group
    ]
    for size, offset in ((float(edge), OFFSETS[band]), (_above(edge), OFFSETS[band + 1])):
        line = {
            "code": str(first + offset),
            "dx": [dx],
            "facts": {"site": site, "size_cm": size, "pathology": pathology, "symptoms": ["bleeding"]},
        }
        claim = Claim.model_validate({"payer": {"type": "commercial", "name": "Aetna"}, "date_of_service": "2026-03-02", "lines": [line]})
        wrong = [f for f in check_claim(claim, default_ruleset()).findings if f.category == "code_selection"]
        assert not wrong, f"{line['code']} at {size} cm: {wrong[0].message}"
