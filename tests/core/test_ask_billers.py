"""`derm ask` on questions written the way billers ask them (tests/fixtures/questions_billers.yaml): several
lesions, sums, modifiers, coverage, "can I bill both", documentation, corrections after pathology and missing
facts. Every answer that computes lines carries the claim it describes, and that claim checks without an error."""

import re

import pytest
import yaml
from testpaths import FIXTURES

from derm_core.faq import THRESHOLD, ask
from derm_core.ruleset import default_ruleset
from derm_core.service import check

BILLERS = yaml.safe_load((FIXTURES / "questions_billers.yaml").read_text(encoding="utf-8"))
PUBLIC = yaml.safe_load((FIXTURES / "questions.yaml").read_text(encoding="utf-8"))
OWN = yaml.safe_load((FIXTURES / "ask.yaml").read_text(encoding="utf-8"))["questions"]
NO_ANSWER = "I don't have a confident answer"
KINDS = (
    "multi_lesion",
    "arithmetic",
    "modifier_fit",
    "coverage",
    "can_bill_both",
    "documentation",
    "correction_after_path",
    "missing_fact",
)


def mentions(text: str, token: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(token.lower()) + r"(?!\w)", text.lower()) is not None


@pytest.mark.parametrize("q", BILLERS, ids=[q["id"] for q in BILLERS])
def test_biller_question(q):
    a = ask(q["question"])
    for token in q["must_mention"]:
        assert token.lower() in a.answer.lower(), f"{token!r} missing from: {a.answer}"
    for token in q["must_not_mention"]:
        assert not mentions(a.answer, token), f"{token!r} in: {a.answer}"
    if q["kind"] == "unanswerable":
        assert a.entry is None and a.answer.startswith(NO_ANSWER) and not a.lines
    else:
        assert not a.answer.startswith(NO_ANSWER) and a.confidence >= THRESHOLD, a.answer


def test_the_set_has_every_kind_and_codes_to_check():
    assert len(BILLERS) >= 120
    assert len({q["id"] for q in BILLERS}) == len(BILLERS)
    for kind in KINDS:
        assert sum(q["kind"] == kind for q in BILLERS) >= 8, kind
    assert all(q["must_mention"] and q["source"] for q in BILLERS)


QUESTIONS = [q["question"] for q in BILLERS + PUBLIC + OWN] + [p for e in default_ruleset().faq for p in e.questions]


def test_every_computed_answer_checks_without_an_error():
    """The lines an answer gives are a claim (with the diagnoses and facts the question stated) that
    `derm check` accepts: no error finding."""
    computed = 0
    for question in QUESTIONS:
        a = ask(question)
        if not a.lines:
            continue
        computed += 1
        assert a.claim is not None, question
        assert [(ln.code, ln.units, sorted(ln.modifiers)) for ln in a.claim.lines] == [
            (ln.code, ln.units, sorted(ln.modifiers)) for ln in a.lines
        ], question
        report = check([a.claim], stored=False).claims[0]
        errors = [f"{f.rule}: {f.message}" for f in report.findings if f.severity == "error"]
        assert not errors, (question, errors)
    assert computed >= 100


def test_a_confident_computed_answer_says_the_facts_it_used():
    a = ask("mohs today x2 lesions - bcc L cheek 2 stages (4 blocks then 2) and scc R forearm 1 stage w/ 6 blocks")
    assert [(ln.code, ln.units) for ln in a.lines] == [("17311", 1), ("17312", 1), ("17313", 1), ("17315", 1)]
    assert "cheek" in a.answer and "forearm" in a.answer and a.confidence >= 0.9 and a.references


def test_a_number_the_answer_did_not_use_lowers_the_confidence():
    a = ask("froze 6 aks on the face, pt takes 3 blood thinners, codes?")
    assert a.lines and a.confidence < 0.9 and "did not use" in a.answer


def test_a_missing_fact_is_asked_for_with_what_can_already_be_said():
    a = ask("excised melanoma, excised diameter 2.0 cm, code?")
    assert "What was the site?" in a.answer and {"11602", "11622", "11642"} <= set(re.findall(r"\d{5}", a.answer))
    assert a.confidence < 0.9 and not a.lines


def test_proposed_wrong_lines_are_never_repeated_as_advice():
    a = ask("can i bill 17000 + 17003 x13 + 17004 for 25 aks")
    assert "17003 x13" not in a.answer and "17004 x1" in a.answer
    a = ask("should 17312 get -51 for medicare since its a 2nd procedure?")
    assert "17312-51" not in a.answer and "add-on" in a.answer
