"""The coding functions for a whole date of service (coding.py, after ``suggest``): repairs added up, flaps, recoding
after pathology, global-period, liability, component, drug and anatomic modifiers, several lesions at once."""

import pytest

from derm_core import coding
from derm_core.coding import CodingError, RepairWound, Session, SuggestRequest


def lines(result):
    return [(ln.code, ln.units, ln.modifiers) for ln in result]


def wound(cls, site, cm):
    return RepairWound(repair_class=cls, site=site, length_cm=cm)


@pytest.mark.parametrize(
    ("wounds", "expected"),
    [
        ([wound("intermediate", "arm", 2.5), wound("intermediate", "arm", 3.1)], [("12032", 1, [])]),
        ([wound("simple", "hand", 2.0), wound("simple", "leg", 1.5), wound("simple", "face", 3)], [("12002", 1, []), ("12013", 1, [])]),
        ([wound("intermediate", "neck", 2), wound("intermediate", "hand", 2)], [("12042", 1, [])]),
        ([wound("intermediate", "scalp", 2.5)], [("12031", 1, [])]),  # 2.5 is the top of the first band
        ([wound("intermediate", "face", 5.1)], [("12053", 1, [])]),
        ([wound("complex", "trunk", 8)], [("13101", 1, []), ("13102", 1, [])]),
        ([wound("complex", "scalp", 14)], [("13121", 1, []), ("13122", 2, [])]),
        ([wound("complex", "nose", 6.2)], [("13152", 1, [])]),
        ([wound("complex", "trunk", 7.5)], [("13101", 1, [])]),
    ],
)
def test_repairs_are_added_up_per_class_and_group(wounds, expected):
    assert lines(coding.repair_lines(wounds)) == expected


def test_repairs_that_cannot_be_coded_say_why():
    with pytest.raises(CodingError, match=r"1\.0 cm or less"):
        coding.repair_lines([wound("complex", "trunk", 1.0)])
    with pytest.raises(CodingError, match="site"):
        coding.repair_lines([wound("simple", None, 2)])
    with pytest.raises(CodingError, match="repair_length_cm"):
        coding.repair_lines([RepairWound(repair_class="simple", site="arm")])
    assert coding.repair_group_label("complex", "lip") == "13151-13153"


def test_flap_codes_by_site_and_area():
    assert lines(coding.adjacent_tissue_transfer("nose", 8)) == [("14060", 1, [])]
    assert lines(coding.adjacent_tissue_transfer("trunk", 12)) == [("14001", 1, [])]
    assert lines(coding.adjacent_tissue_transfer("face", 45)) == [("14301", 1, [])]
    assert lines(coding.adjacent_tissue_transfer("arm", 95)) == [("14301", 1, []), ("14302", 2, [])]


def test_an_excision_billed_before_the_pathology_moves_family_in_its_band():
    assert lines(coding.excision_like("11441", "in_situ")) == [("11641", 1, [])]
    assert lines(coding.excision_like("11602", "benign")) == [("11402", 1, [])]
    with pytest.raises(CodingError, match="hold the claim"):
        coding.excision_like("11402", "pending")


@pytest.mark.parametrize(
    ("prior", "days", "service", "relation", "inside", "modifier", "billable"),
    [
        ("11602", 8, "procedure", "more_extensive", None, "58", True),
        ("11603", 12, "procedure", "more_extensive", None, None, True),  # outside the 10-day global
        ("11102", 14, "procedure", "more_extensive", None, None, True),  # a biopsy has a 0-day global
        ("14060", 5, "procedure", "complication_return", None, "78", True),
        ("11402", 4, "procedure", "complication", None, None, False),  # treated in the exam room: in the package
        ("11603", 3, "procedure", "unrelated", None, "79", True),
        ("14040", None, "em", "unrelated", True, "24", True),
        ("11602", 9, "em", "routine", None, None, False),
        ("14301", -1, "em", None, None, "57", True),
        ("17311", 0, "em", None, None, "25", True),
        ("11400", 42, "procedure", "staged", True, "58", True),  # the question says it is still in the global
    ],
)
def test_global_period_modifiers(prior, days, service, relation, inside, modifier, billable):
    advice = coding.global_period_modifier(prior, days, service, relation, inside)
    assert (advice.modifier, advice.billable) == (modifier, billable), advice.explanation


def test_global_period_needs_a_known_code_and_a_relation():
    with pytest.raises(CodingError):
        coding.global_period_modifier("99999", 3, "procedure", "unrelated")
    with pytest.raises(CodingError, match="relation"):
        coding.global_period_modifier("11602", 3, "procedure", None)


def test_liability_component_drug_and_anatomic_modifiers():
    assert coding.liability_modifiers("excluded", True) == ["GY", "GX"]
    assert coding.liability_modifiers("excluded", False) == ["GY"]
    assert coding.liability_modifiers("not_necessary", True) == ["GA"]
    assert coding.liability_modifiers("not_necessary", False) == ["GZ"]
    assert coding.liability_modifiers("excluded", True, advantage=True) == []
    assert coding.pathology_component(True, False) == "26" and coding.pathology_component(False, True) == "TC"
    assert coding.pathology_component(True, True) is None
    assert lines(coding.drug_lines("J3301", 15)) == [("J3301", 2, [])]  # 15 mg: 2 units of 10 mg
    assert lines(coding.drug_lines("J0585", 100, discarded=0)) == [("J0585", 100, ["JZ"])]
    assert lines(coding.drug_lines("J0585", 100, discarded=100)) == [("J0585", 100, []), ("J0585", 100, ["JW"])]
    assert lines(coding.drug_lines("J7308", 1, discarded=0, single_dose=True)) == [("J7308", 1, ["JZ"])]
    assert coding.anatomic_modifier("eyelid", "left", "upper") == "E1"
    assert coding.anatomic_modifier("eyelid", "right", "lower") == "E4"
    assert coding.anatomic_modifier("hand", "left", "thumb") == "FA"
    assert coding.anatomic_modifier("foot", "right", "great") == "T5"
    assert coding.anatomic_modifier("leg", "right") == "RT" and coding.anatomic_modifier("leg", None) is None


def session(*procedures, repairs=(), repair_of=()):
    parts = coding.suggest_session(Session(procedures=list(procedures), repairs=list(repairs), repair_of=list(repair_of)))
    return [(p.label.split(",")[0], [(ln.code, ln.units, ln.modifiers) for ln in p.lines], p.error) for p in parts]


def test_counted_lesions_of_one_date_are_added_up_across_sites():
    ak = [SuggestRequest(procedure="destruction", pathology="premalignant", lesion_count=n, site=s) for n, s in ((7, "hand"), (8, "hand"))]
    assert session(*ak)[0][1] == [("17004", 1, [])]
    warts = [SuggestRequest(procedure="benign_destruction", lesion_count=n) for n in (8, 9)]
    assert session(*warts)[0][1] == [("17111", 1, [])]
    areas = [SuggestRequest(procedure="excimer_laser", area_sq_cm=a) for a in (310, 260)]
    assert session(*areas)[0][1] == [("96922", 1, [])]


def test_per_lesion_codes_repeat_with_xs_and_a_biopsy_beside_them_takes_xs():
    cysts = [SuggestRequest(procedure="excision", pathology="benign", site="ear", size_cm=0.8) for _ in range(2)]
    assert [p[1] for p in session(*cysts)] == [[("11441", 1, [])], [("11441", 1, ["XS"])]]
    parts = session(
        SuggestRequest(procedure="biopsy", biopsies=[{"biopsy_method": "tangential", "count": 2}]),
        SuggestRequest(procedure="destruction", pathology="premalignant", lesion_count=10),
    )
    assert parts[0][1] == [("11102", 1, ["XS"]), ("11103", 1, [])] and parts[1][1] == [("17000", 1, []), ("17003", 9, [])]


def test_repairs_of_excisions_simple_included_small_benign_bundled_others_summed():
    scc = SuggestRequest(procedure="excision", pathology="malignant", site="scalp", size_cm=2.1)
    nevus = SuggestRequest(procedure="excision", pathology="benign", site="lip", lesion_cm=0.4)
    parts = session(scc, nevus, repairs=[wound("intermediate", "scalp", 4), wound("intermediate", "lip", 1)], repair_of=[0, 1])
    assert [p[1] for p in parts] == [[("11623", 1, [])], [("11440", 1, [])], [("12032", 1, [])]]
    simple = session(scc, repairs=[wound("simple", "scalp", 3)], repair_of=[0])
    assert simple[-1][1] == [] and simple[-1][2] is None


def test_a_missing_fact_is_an_error_of_its_part_and_the_others_are_still_coded():
    parts = session(
        SuggestRequest(procedure="excision", pathology="malignant", site="face"),
        SuggestRequest(procedure="destruction", pathology="premalignant", lesion_count=3),
    )
    assert parts[0][2] and "size_cm" in parts[0][2] and parts[1][1] == [("17000", 1, []), ("17003", 2, [])]
