"""The pasted-claim parser: the forms billers write, and fuzzing (any input gives a claim or a clear error)."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derm_core.engine import check_claim
from derm_core.ruleset import default_ruleset
from derm_core.textclaim import TextParseError, parse_claim_text

TODAY = date(2026, 3, 2)


def lines(text):
    return [(ln.code, ln.modifiers, ln.units) for ln in parse_claim_text(text, TODAY).claim.lines]


@pytest.mark.parametrize(
    "text",
    ["99213-25 L57.0; 17000 L57.0", "99213 25 L57.0\n17000 L57.0", "99213 mod 25 L57.0 17000 L57.0", "99213 modifier 25, 17000, L570"],
)
def test_modifier_forms(text):
    assert lines(text) == [("99213", ["25"], 1), ("17000", [], 1)]


@pytest.mark.parametrize("units", ["x14", "X14", "×14", "14u", "14units", "units 14", "units: 14", "x 14"])
def test_unit_forms(units):
    assert lines(f"17000 L57.0; 17003 {units} L57.0")[1] == ("17003", [], 14)


def test_dx_without_dot_payer_date_npi_and_auth():
    p = parse_claim_text("2026-04-20 96920 L400 auth PA-77 payer Acme Health npi 1234567893", TODAY)
    c = p.claim
    assert c.date_of_service == date(2026, 4, 20) and c.rendering_npi == "1234567893"
    assert c.payer is not None and c.payer.name == "Acme Health" and c.payer.type.value == "commercial"
    assert c.lines[0].dx == ["L40.0"] and c.lines[0].prior_auth == "PA-77"
    assert p.not_understood == []


def test_payer_words():
    assert parse_claim_text("17000 L57.0 medicare", TODAY).claim.payer.type.value == "medicare"
    c = parse_claim_text("17000 L57.0 medicaid", TODAY).claim
    assert c.payer.type.value == "medicaid"
    assert parse_claim_text("17000 L57.0 aetna", TODAY).claim.payer.name == "Aetna"


def test_diagnoses_given_once_apply_to_all_lines():
    c = parse_claim_text("17000 17003 x4 L57.0 medicare", TODAY).claim
    assert c.diagnoses == ["L57.0"] and c.lines[0].dx is None


def test_unknown_words_are_reported_not_guessed():
    p = parse_claim_text("17000 L57.0 frobnicate 17003 x2 -ZZ", TODAY)
    assert "frobnicate" in p.not_understood
    assert all(ln.code in ("17000", "17003") for ln in p.claim.lines)


def test_missing_date_and_payer_are_noted():
    p = parse_claim_text("17000 L57.0", TODAY)
    assert p.claim.date_of_service == TODAY
    assert any("date of service" in n for n in p.notes) and any("payer" in n.lower() for n in p.notes)


@pytest.mark.parametrize("text", ["", "   ", "hello", "how do I bill AKs?", "x" * 25_000])
def test_no_claim_is_a_clear_error(text):
    with pytest.raises(TextParseError):
        parse_claim_text(text, TODAY)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_any_text_gives_a_claim_or_a_clear_error(text):
    try:
        parsed = parse_claim_text(text, TODAY)
    except TextParseError:
        return
    check_claim(parsed.claim, default_ruleset())


TOKENS = st.sampled_from(
    [
        "17000",
        "17003",
        "99213-25",
        "x14",
        "14u",
        "units",
        "mod",
        "25",
        "XS",
        "L57.0",
        "C44319",
        "medicare",
        ";",
        "\n",
        "payer",
        "auth",
        "npi",
        "2026-03-02",
        "13/45/2026",
        "-",
        "J3301",
        "88305-26-TC",
        "<!channel>",
        "<@U123>",
        "\x00",
        "é",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(TOKENS, max_size=30))
def test_fuzz_claim_like_text(tokens):
    try:
        parsed = parse_claim_text(" ".join(tokens), TODAY)
    except TextParseError:
        return
    report = check_claim(parsed.claim, default_ruleset())
    assert report.status in ("clean", "warning", "error")


def facts(text):
    return [ln.facts.model_dump(exclude_none=True) for ln in parse_claim_text(text, TODAY).claim.lines]


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("17000 L57.0; 17003 x4 L57.0 5 AKs", 0, {"lesion_count": 5, "pathology": "premalignant"}),  # on the primary
        ("17000 L57.0 2 AK", 0, {"lesion_count": 2, "pathology": "premalignant"}),  # AK: a word, not the modifier
        ("17110 B07.8 for 12 warts", 0, {"lesion_count": 12, "pathology": "benign"}),
        ("11200 L91.8 12 skin tags irritated", 0, {"lesion_count": 12, "pathology": "benign", "symptoms": ["irritation"]}),
        ("11402 D22.5 trunk 1.2 cm benign bleeding", 0, {"site": "trunk", "size_cm": 1.2, "pathology": "benign", "symptoms": ["bleeding"]}),
        ("11642 C44.319 cheek 8mm", 0, {"site": "face", "size_cm": 0.8}),
        ("11102 D48.5 shave bx arm", 0, {"site": "arm", "biopsy_method": "tangential"}),
        ("17311 C44.311 nose 2 stages 3 blocks each; 17312", 0, {"site": "nose", "mohs_stage_blocks": [3, 3]}),
        ("17311 C44.311; 17312 blocks 4 2", 0, {"mohs_stage_blocks": [4, 2]}),
        ("96920 L40.0 180 sq cm", 0, {"area_sq_cm": 180.0}),
        ("13151 C44.311 1.8cm", 0, {"size_cm": 1.8}),
    ],
)
def test_documentation_facts_beside_a_code_are_read(text, line, expected):
    p = parse_claim_text(text, TODAY)
    assert facts(text)[line] == expected
    assert p.not_understood == [] and any(n.startswith("Read from the text") for n in p.notes)


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("11602 C44.519 trunk arm", ["trunk", "arm"]),  # two sites: neither is read
        ("99213 L57.0 5 AKs", ["5", "AKs"]),  # no count on a visit
        ("17311 C44.311 2 stages", ["2", "stages"]),  # stages without their blocks
        ("17000 L57.0 5 AKs 6 AKs", ["5", "AKs", "6", "AKs"]),  # two counts
        ("11402 D22.5 dx change", ["change"]),  # "change" alone is no symptom
    ],
)
def test_facts_not_sure_are_not_read(text, left):
    p = parse_claim_text(text, TODAY)
    assert p.not_understood == left
    assert all(not f for f in facts(text))


def test_facts_read_from_the_text_decide_the_check():
    wrong = check_claim(parse_claim_text("medicare 17000 L57.0; 17003 x3 L57.0 5 AKs", TODAY).claim, default_ruleset())
    assert any(f.rule == "DRM112" and f.severity == "error" for f in wrong.findings)  # 5 AKs are 17003 x4
    right = check_claim(parse_claim_text("aetna 17110 x1 for 12 warts B07.8", TODAY).claim, default_ruleset())
    assert right.status == "clean"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("3 irritated SKs", {"lesion_count": 3, "pathology": "benign", "symptoms": ["irritation"]}),  # the symptom inside
        ("nose BCC stage 1 3 blocks stage 2 2 blocks", {"site": "nose", "pathology": "malignant", "mohs_stage_blocks": [3, 2]}),
    ],
)
def test_facts_inside_other_words(words, expected):
    from derm_core.textfacts import read_facts

    family = "mohs" if "stage" in words else "destruction_benign"
    assert read_facts(words.split(), family) == (expected, [])


def test_stages_out_of_order_are_not_read():
    from derm_core.textfacts import read_facts

    words = ["stage", "1", "3", "blocks", "stage", "3", "2", "blocks"]
    assert read_facts(words, "mohs") == ({}, words)
