"""The knowledge base covers every rule family of the domain notes (rules.md, section 18 included), its answers
state the corrected facts, and every example claim an answer gives comes out of `derm check` clean."""

import re

import pytest

from derm_core.ruleset import default_ruleset
from derm_core.service import check
from derm_core.textclaim import parse_claim_text

FAQ = {e.id: e for e in default_ruleset().faq}
EXAMPLE = re.compile(r"Example claim: (.+?)\.(?=\s+[A-Z]|\s*$)")
EXAMPLES = [(e.id, ex) for e in FAQ.values() for ex in EXAMPLE.findall(e.answer)]

# Each rule family of rules.md (sections 1-14 and the corrections of section 18): entries that must exist, and
# what their answers must say (a regular expression each), so that an entry that drifts from the rules fails here.
FAMILIES = {
    "DES destruction counts": ("multiple-aks", [r"17004 x1", r"17003"]),
    "DES benign 17110/17111": ("benign-destruction-17111", [r"17111", r"15"]),
    "DES vascular by area": ("vascular-lesions-17106", [r"17106", r"area"]),
    "DES malignant by site and size": ("malignant-destruction-site-size", [r"1726\d", r"1728\d"]),
    "MOHS site groups": ("mohs-site-groups", [r"17311", r"17313"]),
    "MOHS blocks": ("mohs-17315-blocks", [r"beyond the fifth|beyond 5"]),
    "MOHS pathology included": ("mohs-pathology-included", [r"88305|88331"]),
    "BX one primary": ("multiple-biopsies", [r"11106 x1 \+ 11105 x1 \+ 11103 x1"]),
    "BX same lesion": ("biopsy-same-lesion-excision", [r"\b58\b", r"immediate"]),
    "EXC size and margins": ("excision-size-margins", [r"twice the narrowest margin", r"2\.05"]),
    "EXC pathology decides": ("excision-benign-vs-malignant", [r"114", r"116"]),
    "EXC repairs with excisions": ("repair-with-excision", [r"simple", r"intermediate"]),
    "§18 repairs summed": ("repair-lengths-summed", [r"added up", r"12041-12047", r"13122 x2"]),
    "§18 repairs bundled into small benign excisions": ("repair-bundled-small-benign", [r"11400, 11420, 11440", r"0\.5 cm"]),
    "§18 flap includes the excision": ("adjacent-tissue-transfer", [r"includes the excision"]),
    "TAG skin tags": ("skin-tags-count", [r"11201"]),
    "INJ injections and J3301": ("j3301-units", [r"10 mg"]),
    "PHO excimer by area": ("excimer-area", [r"96921", r"[Aa]dd up"]),
    "PHO excimer other conditions": ("excimer-non-psoriasis", [r"96999"]),
    "§18 PDT codes and JZ": ("pdt-for-aks", [r"96573", r"96574", r"JZ"]),
    "PATH components": ("pathology-26-tc-global", [r"\b26\b", r"TC"]),
    "PATH units per specimen": ("pathology-88305-units", [r"specimen"]),
    "§18 IHC 88341/88342/88344": ("pathology-special-stains", [r"88341", r"88344"]),
    "EM modifier 25": ("em-with-minor-procedure-25", [r"\b25\b"]),
    "EM modifier 57": ("modifier-57-major-only", [r"090|90-day|major"]),
    "§18 global-period modifiers fit": ("global-modifiers-24-58-78-79", [r"\b78\b", r"without a return", r"0-day global"]),
    "§18 G2211 with 25": ("g2211-with-modifier-25", [r"G2211", r"\b25\b"]),
    "MOD 50 vs 51": ("modifier-50-vs-51", [r"\b50\b", r"\b51\b"]),
    "MOD 59 vs X": ("modifier-59-vs-x", [r"XS"]),
    "§18 liability modifiers": ("ga-gy-gz-gx", [r"GA", r"GY", r"GZ", r"GX"]),
    "§18 teaching physician (HCPCS modifiers)": ("teaching-physician-gc", [r"GC"]),
    "COS Medicare benign lesions": ("medicare-cosmetic-screen", [r"bleeding|itching"]),
    "COS AK never cosmetic": ("ak-never-cosmetic", [r"250\.4"]),
    "§18 screening excluded": ("medicare-screening-exam", [r"Z12\.83", r"GY"]),
    "COS Medicare Advantage": ("medicare-advantage-abn", [r"organization determination"]),
    "PA biologics": ("dupilumab-pa-atopic-dermatitis", [r"topical"]),
    "PA request contents": ("pa-request-contents", [r"."]),
    "CARC bundling denials": ("carc-97-236", [r"97", r"236"]),
    "MUE": ("mue-mechanics", [r"MAI"]),
    "ICD header codes": ("header-icd-codes", [r"C44\.3|C44\.51"]),
    "§18 deleted codes": ("deleted-codes", [r"17304-17310", r"17311-17315", r"99201"]),
    "Corrections after pathology": ("correction-after-pathology", [r"11602", r"D48\.5"]),
}


@pytest.mark.parametrize("family", FAMILIES, ids=list(FAMILIES))
def test_every_rule_family_has_an_entry_that_says_the_rule(family):
    entry_id, says = FAMILIES[family]
    assert entry_id in FAQ, entry_id
    for pattern in says:
        assert re.search(pattern, FAQ[entry_id].answer), (entry_id, pattern)


@pytest.mark.parametrize(("entry", "example"), EXAMPLES, ids=[f"{e}:{x}" for e, x in EXAMPLES])
def test_example_claims_come_out_clean(entry, example):
    """Clean, except the reminder that a pasted claim cannot carry the documented size or area (DRM131): a pasted
    claim has codes, units, modifiers and diagnoses only."""
    parsed = parse_claim_text(example)
    assert not parsed.not_understood, parsed.not_understood
    report = check([parsed.claim], stored=False).claims[0]
    problems = [f for f in report.findings if f.severity != "info" and f.rule != "DRM131"]
    assert not problems, [f"{f.rule}: {f.message}" for f in problems]


def test_enough_entries_give_an_example_claim():
    assert len(EXAMPLES) >= 20
    assert len({e for e, _ in EXAMPLES}) >= 20


def test_the_example_check_can_fail():
    report = check([parse_claim_text("17000 L57.0; 17003 x14 L57.0; 17004 L57.0").claim], stored=False).claims[0]
    assert report.status == "error"
