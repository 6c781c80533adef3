"""The FAQ knowledge base as data (derm_core/data/faq.yaml): well formed, and never stating what the domain
notes mark wrong (rules.md section 15). The same checks run on every answer `derm ask` gives to the test
questions and to every phrasing the entries list."""

import re

import pytest
import yaml
from testpaths import FIXTURES

from derm_core.engine import all_rules
from derm_core.faq import ask
from derm_core.ruleset import default_ruleset

FAQ = default_ruleset().faq

# A sentence that states one of these is wrong, unless it says so itself (not, never, deleted ...).
WRONG = {
    "17001/17002 as a code to bill": re.compile(r"\b1700[12]\b"),
    "modifier 51 for bilateral": re.compile(
        r"\b51\b\s*(?:is|means|=|for|marks|indicates)?\s*(?:the\s+|a\s+)?bilateral\b(?!,)|"
        r"\bbilateral\s+(?:procedures?\s+)?(?:use|uses|take|takes|get|gets|need|needs|with|=)\s+(?:modifier\s+)?-?51\b",
        re.I,
    ),
    "17004 added to 17000/17003": re.compile(
        r"\b1700[03]\b[^.;]*(?:\+|\bplus\b|\bin addition to\b|\bon top of\b)[^.;]*\b17004\b|"
        r"\b17004\b[^.;]*(?:\+|\bplus\b|\bin addition to\b|\bon top of\b|\bwith\b)[^.;]*\b1700[03]\b"
    ),
    "96920-96922 for acne or rejuvenation": re.compile(
        r"\b9692(?:[012]|x)\b[^.]*\b(?:acne|rejuvenation|wrinkles?|resurfacing)\b|\b(?:acne|rejuvenation)\b[^.]*\b9692(?:[012]|x)\b", re.I
    ),
    "88307/88309 for skin": re.compile(
        r"\b8830[79]\b[^.]*\b(?:skin|melanoma|excision|biops\w*)\b|\b(?:skin|melanoma)\b[^.]*\b8830[79]\b", re.I
    ),
}
DENIES = re.compile(
    r"\b(?:not|no|never|nothing|none|deleted|invalid|wrong|instead|rather than|contradicts?|cannot|avoid|rejected|replaced|replaces|"
    r"alone|mistakes?|errors?|mix-ups)\b|n't\b",
    re.I,
)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9(])", text.strip()) if s]


def wrong_statements(text: str) -> list[str]:
    """The sentences of ``text`` that state something the domain notes mark wrong."""
    return [f"{name}: {s}" for s in sentences(text) for name, pattern in WRONG.items() if pattern.search(s) and not DENIES.search(s)]


def test_enough_entries_with_unique_ids():
    ids = [e.id for e in FAQ]
    assert len(ids) >= 60
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", i) for i in ids)


@pytest.mark.parametrize("entry", FAQ, ids=[e.id for e in FAQ])
def test_entry(entry):
    assert 2 <= len(sentences(entry.answer)) <= 6, sentences(entry.answer)
    assert set(entry.rules) <= set(all_rules()), set(entry.rules) - set(all_rules())
    assert entry.references and entry.questions
    assert not wrong_statements(entry.title + ". " + entry.answer)


def test_wrong_statement_patterns_catch_the_errata():
    for text in (
        "Bill 17000 for the first lesion and 17001 for each additional lesion.",
        "Use modifier 51 for bilateral procedures.",
        "For 20 AKs bill 17000 + 17003 x13 + 17004.",
        "Excimer 96920 works well for acne.",
        "96920-96922 are used for skin rejuvenation.",
        "A melanoma excision specimen is 88307.",
    ):
        assert wrong_statements(text), text
    assert not wrong_statements("17001 was deleted; use 17003. 88307 is not used for skin.")


def test_no_answer_states_a_wrong_thing():
    public = yaml.safe_load((FIXTURES / "questions.yaml").read_text(encoding="utf-8"))
    own = yaml.safe_load((FIXTURES / "ask.yaml").read_text(encoding="utf-8"))["questions"]
    questions = [q["question"] for q in public + own] + [q for e in FAQ for q in e.questions]
    problems = {q: wrong for q in questions if (wrong := wrong_statements(ask(q).answer))}
    assert not problems
