"""A pasted claim never hides an error: what the parser is not sure of is never used, and lowers the status.

The property: appending text that is not part of the claim (words of a note, a date, a number) to a pasted claim
never removes one of its error findings and never makes its status better.
"""

from datetime import date

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from derm_core import icd
from derm_core.codes import lookup, modifiers
from derm_core.service import check_text
from derm_core.textclaim import CLAIM_ID_WORDS, FILLER, PAYER_TYPES, TextParseError, _is_procedure, parse_claim_text
from derm_core.vocab import KNOWN_PAYERS

TODAY = date(2026, 3, 2)
RANK = {"clean": 0, "warning": 1, "error": 2}

# Pasted claims with an error each (the rule that must keep firing), in the forms billers paste.
ERROR_CLAIMS = [
    ("17311 C44.311; 88305 C44.311; medicare 2026-03-02", "DRM205"),  # Mohs pathology
    ("17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02", "DRM110"),  # 15 AKs need 17004
    ("17003 x3 L57.0; medicare 2026-03-02", "DRM060"),  # add-on without its primary
    ("99213 L40.0; 17000 L57.0; medicare 3/2/26", "DRM801"),  # no 25 on the same-day visit
    ("11102 L82.1; 11102 L82.1; aetna 2026-03-02", "DRM301"),  # two primary biopsies
    ("17000 L57.0 1/2/1960; medicare", "DRM002"),  # a date of service decades ago
]

KEYWORDS = {"dos", "dos:", "u", "qty", "rendering", "auth#", "authorization", "prior_auth", "plan", "mod", "modifier", "modifiers"}


def _unrelated(word: str) -> bool:
    """A word that is not part of any claim: no code, diagnosis, modifier, units, payer, keyword or claim id."""
    tok = word.strip(".:()[]{}\"'").upper()
    low = tok.lower()
    if not tok or low in FILLER or low in KEYWORDS or low in CLAIM_ID_WORDS or low.replace(" ", "") in PAYER_TYPES:
        return False
    if low in KNOWN_PAYERS or tok in modifiers() or lookup(tok.split("-")[0]) or _is_procedure(tok.split("-")[0]):
        return False
    if icd.looks_like_icd(tok) or any(c in word for c in ";\n"):
        return False
    return parse_claim_text("17000 " + word, TODAY).claim == parse_claim_text("17000", TODAY).claim


NOTE_WORDS = st.sampled_from(["bx", "was", "see", "note", "prior", "path", "report", "pending", "f/u", "DOB", "Smith", "pt seen"])
WORDS = st.one_of(NOTE_WORDS, st.from_regex(r"[A-Za-z][a-z]{0,9}", fullmatch=True), st.from_regex(r"\d{6,9}", fullmatch=True))
DATES = st.dates(date(1930, 1, 1), date(2040, 12, 31)).map(lambda d: st.sampled_from([d.isoformat(), f"{d.month}/{d.day}/{d.year}"]))
EXTRA = st.lists(st.one_of(WORDS.filter(_unrelated), DATES.flatmap(lambda s: s)), min_size=1, max_size=6)
SEPARATOR = st.sampled_from([" ", "; ", "\n"])


def _report(text):
    return check_text(parse_claim_text(text, TODAY), stored=False).claims[0]


@pytest.mark.parametrize(("text", "rule"), ERROR_CLAIMS)
def test_each_pasted_claim_has_its_error(text, rule):
    report = _report(text)
    assert report.status == "error" and any(f.rule == rule and f.severity == "error" for f in report.findings)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(st.sampled_from(ERROR_CLAIMS), SEPARATOR, EXTRA)
def test_appending_unrelated_text_never_removes_an_error(claim, separator, extra):
    text, _ = claim
    before = _report(text)
    try:
        after = _report(text + separator + " ".join(extra))
    except TextParseError:  # pragma: no cover - the claim's codes are still there
        assume(False)
        return
    errors = {(f.rule, tuple(f.lines)) for f in before.findings if f.severity == "error"}
    kept = {(f.rule, tuple(f.lines)) for f in after.findings if f.severity == "error"}
    assert errors <= kept, f"{extra!r} removed {errors - kept}"
    assert RANK[after.status] >= RANK[before.status]


def test_the_biopsy_date_after_the_payer_does_not_hide_the_mohs_pathology_error():
    report = _report("17311 C44.311; 88305 C44.311; medicare 3/2/26 bx was 2/10/26")
    rules = {f.rule for f in report.findings}
    assert report.status == "error" and {"DRM205", "TXT001", "TXT002"} <= rules
    parsed = parse_claim_text("17311 C44.311; 88305 C44.311; medicare 3/2/26 bx was 2/10/26", TODAY)
    assert all(ln.date_of_service is None for ln in parsed.claim.lines)
    assert parsed.unused_dates == [date(2026, 2, 10)] and parsed.not_understood == ["bx", "was"]


def test_a_line_is_dated_only_by_dos_on_its_own_line():
    parsed = parse_claim_text("11442 D22.39 2026-03-02; 99213-24 L40.0 dos 2026-03-20; medicare", TODAY)
    assert [ln.date_of_service for ln in parsed.claim.lines] == [None, date(2026, 3, 20)] and not parsed.unused_dates
    bare = parse_claim_text("11442 D22.39 2026-03-02; 99213-24 L40.0 2026-03-20; medicare", TODAY)
    assert [ln.date_of_service for ln in bare.claim.lines] == [None, None] and bare.unused_dates == [date(2026, 3, 20)]
    # dos before the first procedure of a segment is the claim's date, not a line's
    later = parse_claim_text("17000 L57.0; dos 2026-03-02 medicare; dos 2026-02-10", TODAY)
    assert later.claim.date_of_service == date(2026, 3, 2) and later.unused_dates == [date(2026, 2, 10)]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("96920 L40.0 auth pending; aetna 2026-03-02", "pending"),  # not an authorization number
        ("17000 L57.0 payer medicare 3/2/26 bx", "bx"),  # the date ends the payer's name
    ],
)
def test_what_is_not_sure_is_not_used(text, word):
    parsed = parse_claim_text(text, TODAY)
    assert word in parsed.not_understood
    assert all(ln.prior_auth is None for ln in parsed.claim.lines)
    assert parsed.claim.payer is not None and word not in (parsed.claim.payer.name or "")
    assert parsed.claim.date_of_service in (date(2026, 3, 2),)


def test_note_words_are_not_modifiers():
    parsed = parse_claim_text("17000 L57.0 pt seen as follow up at clinic; medicare 2026-03-02", TODAY)
    assert parsed.claim.lines[0].modifiers == [] and {"as", "up", "at"} <= set(parsed.not_understood)
    written = parse_claim_text("17000-PT L57.0; 11102 RT L82.1; 17110 mod at L82.1", TODAY).claim.lines
    assert [ln.modifiers for ln in written] == [["PT"], ["RT"], ["AT"]]


def test_payer_name_stops_at_a_date_and_a_payer_type_is_a_type():
    c = parse_claim_text("17000 L57.0 insurance Aetna PPO 2026-03-02", TODAY).claim
    assert c.payer.name == "Aetna PPO" and c.date_of_service == date(2026, 3, 2)
    assert parse_claim_text("17000 L57.0 payer medicare", TODAY).claim.payer.type.value == "medicare"


def test_a_claim_read_in_part_is_never_clean():
    clean = _report("17000 L57.0; 17003 x2 L57.0; medicare 2026-03-02")
    assert clean.status == "clean"
    for extra in ("zebra", "-Z9", "2026-01-05", "auth pending"):
        assert _report(f"17000 L57.0; 17003 x2 L57.0; medicare 2026-03-02 {extra}").status == "warning", extra


def test_the_findings_never_quote_the_words_left_out():
    report = _report("17000 L57.0 Wolfgang Zebrowski; 17003 x2 L57.0; medicare 2026-03-02; 4/5/1950")
    text = " ".join(f"{f.message} {f.fix}" for f in report.findings)
    assert "Wolfgang" not in text and "Zebrowski" not in text and "1950" not in text
    assert {"TXT001", "TXT002"} <= {f.rule for f in report.findings}


# Reading documentation facts: it never changes a claim's codes, units, modifiers or diagnoses, and a fact read is
# one the text contains.
FACT_TOKENS = st.sampled_from(
    [
        "17000",
        "17003",
        "x4",
        "11102",
        "11104",
        "11602",
        "11402",
        "17311",
        "17312",
        "96920",
        "11200",
        "11201",
        "11900",
        "99213-25",
        "12032",
        "17110",
        "L57.0",
        "C44.311",
        "D22.5",
        "5",
        "AKs",
        "12",
        "warts",
        "tags",
        "22",
        "25",
        "nose",
        "back",
        "cheek",
        "lt",
        "left",
        "upper",
        "arm",
        "1.2",
        "cm",
        "8mm",
        "x",
        "0.8",
        "by",
        "180",
        "sq",
        "cm2",
        "stage",
        "stages",
        "1",
        "2",
        "3",
        "4",
        "blocks",
        "each",
        "benign",
        "malignant",
        "BCC",
        "SK",
        "irritated",
        "itchy",
        "bleeding",
        "no",
        "r/o",
        "hx",
        "shave",
        "punch",
        "mg",
        "40",
        "cc",
        "came",
        "margins",
        ">15",
        "10-12",
        "of",
        "to",
        "medicare",
        "2026-03-02",
        "mod",
        "59",
        "cryo",
        "excised",
        ";",
        "\n",
    ]
)


def _numbers(text: str) -> set[float]:
    import re

    return {float(n) for n in re.findall(r"(?<![\w.])(\d+(?:\.\d+)?)(?=mm|cm|\b)", text)}


def _contains(fact: str, value, text: str) -> bool:
    import re

    from derm_core.question_facts import _KINDS, _METHODS, _SITE_WORDS
    from derm_core.textfacts import SYMPTOMS

    low, numbers = text.lower(), _numbers(text)
    if fact in ("lesion_count", "area_sq_cm"):
        return float(value) in numbers
    if fact == "size_cm":
        return value in numbers or round(value * 10, 2) in numbers
    if fact == "mohs_stage_blocks":
        return all(float(b) in numbers for b in value)
    if fact == "site":
        return any(re.search(rf"\b{re.escape(w)}\b", low) for w, s in _SITE_WORDS.items() if s == value)
    if fact == "pathology":
        words = [p for _, p, path in _KINDS if path == value] + [value.replace("_", " "), value.replace("pre", "pre-?")]
        return any(re.search(rf"\b(?:{w})\b", low) for w in words)
    if fact == "symptoms":
        return all(re.search(rf"\b(?:{p})\b", low) for s, p in SYMPTOMS if s in value)
    if fact == "biopsy_method":
        return bool(re.search(rf"\b(?:{_METHODS[value]})\b", low))
    return False


@settings(max_examples=400, deadline=None)
@given(st.lists(FACT_TOKENS, min_size=1, max_size=25))
def test_reading_facts_changes_nothing_else_and_reads_only_what_is_written(tokens):
    from unittest import mock

    text = " ".join(tokens)
    try:
        parsed = parse_claim_text(text, TODAY)
    except TextParseError:
        return
    with mock.patch("derm_core.textclaim.read_facts", lambda words, family, skip=frozenset(): ({}, list(words))):
        plain = parse_claim_text(text, TODAY)

    def claim(c):
        return (c.diagnoses, c.payer, c.date_of_service, [(ln.code, ln.modifiers, ln.units, ln.dx, ln.date_of_service) for ln in c.lines])

    assert claim(parsed.claim) == claim(plain.claim)
    assert all(not ln.facts.model_dump(exclude_none=True) for ln in plain.claim.lines)
    for ln in parsed.claim.lines:
        for fact, value in ln.facts.model_dump(exclude_none=True).items():
            assert _contains(fact, value, text), (fact, value)
    # every word is either read or given back: the words read never reappear as "not understood" twice
    assert len(parsed.not_understood) <= len(plain.not_understood)
