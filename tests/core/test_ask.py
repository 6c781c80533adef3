"""`derm ask`: every question of tests/fixtures/questions.yaml (public) and ask.yaml (ours) gets a right answer."""

import json
import re

import pytest
import yaml
from testpaths import FIXTURES
from typer.testing import CliRunner

from derm_cli.main import app
from derm_core.faq import THRESHOLD, ask, index_for
from derm_core.question_facts import parse_procedure_text
from derm_core.ruleset import FaqEntry, default_ruleset

PUBLIC = yaml.safe_load((FIXTURES / "questions.yaml").read_text(encoding="utf-8"))
OWN = yaml.safe_load((FIXTURES / "ask.yaml").read_text(encoding="utf-8"))
QUESTIONS = [dict(q, entry=OWN["public_entries"][q["id"]]) for q in PUBLIC] + OWN["questions"]
NO_ANSWER = "I don't have a confident answer"


def mentions(text: str, token: str) -> bool:
    """A must_not token, matched case-insensitively on word boundaries."""
    return re.search(r"(?<!\w)" + re.escape(token.lower()) + r"(?!\w)", text.lower()) is not None


@pytest.mark.parametrize("q", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_question(q):
    a = ask(q["question"])
    for token in q["must_mention"]:
        assert token.lower() in a.answer.lower(), f"{token!r} missing from: {a.answer}"
    for token in q["must_not_mention"]:
        assert not mentions(a.answer, token), f"{token!r} in: {a.answer}"
    if q["entry"] is None:
        assert a.entry is None and a.confidence < THRESHOLD and a.answer.startswith(NO_ANSWER) and not a.lines
    else:
        assert a.entry in q["entry"], a.answer
        assert a.confidence >= THRESHOLD and a.references
    if "lines" in q:
        assert sorted((ln.code, ln.units) for ln in a.lines) == sorted((ln["code"], ln["units"]) for ln in q["lines"])


def test_own_fixture_has_the_kinds_we_promise():
    kinds = [q["kind"] for q in OWN["questions"]]
    assert len(kinds) >= 40
    for kind, least in {"misspelling": 8, "abbreviation": 8, "code": 6, "computed": 10, "unanswerable": 6}.items():
        assert kinds.count(kind) >= least, kind
    assert set(OWN["public_entries"]) == {q["id"] for q in PUBLIC}


def test_every_faq_phrasing_finds_an_answer():
    """Each phrasing an entry lists is answered confidently (from that entry, a computation or a code lookup)."""
    for e in default_ruleset().faq:
        for q in e.questions:
            a = ask(q)
            assert a.entry is not None and a.confidence >= THRESHOLD, (e.id, q)


def test_answer_shape_and_related():
    a = ask("when do we use -26 vs -TC on 88305?")
    assert 0.0 <= a.confidence <= 1.0
    assert 1 <= len(a.related) <= 3 and all(set(r) == {"id", "title"} for r in a.related)
    assert a.entry not in {r["id"] for r in a.related}


def test_no_confident_answer_lists_closest_topics():
    a = ask("what is the copay for a dermatology visit")
    assert a.entry is None and a.confidence < THRESHOLD and a.answer.startswith(NO_ANSWER)
    assert a.related and "closest topics" in a.answer


def test_faq_edits_take_effect_with_a_new_version():
    base = default_ruleset()
    edited = [
        e if e.id != "kx-modifier" else e.model_copy(update={"answer": "KX now means something else entirely, per our new policy."})
        for e in base.faq
    ]
    assert "something else" not in ask("when do i need kx").answer
    assert "something else" in ask("when do i need kx", base.model_copy(update={"version": "test-2", "faq": edited})).answer
    added = FaqEntry(
        id="office-hours",
        topic="general",
        title="Billing office hours",
        questions=["when is the billing office open"],
        answer="The billing office is open from 8 to 5 on weekdays. Call the main line after hours.",
        reviewed="2026-11-27",
    )
    grown = base.model_copy(update={"faq": [*base.faq, added]})  # same version, one more entry
    assert index_for(grown) is not index_for(base)
    assert ask("when is the billing office open", grown).entry == "office-hours"


def test_empty_faq_still_computes_and_never_guesses():
    empty = default_ruleset().model_copy(update={"version": "empty", "faq": []})
    computed = ask("16 aks w cryo", empty)
    assert [(ln.code, ln.units) for ln in computed.lines] == [("17004", 1)] and computed.entry is None
    assert ask("when do we use -26 vs -TC on 88305?", empty).answer.startswith(NO_ANSWER)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mohs cheek stages 7,3", {"procedure": "mohs", "site": "face", "mohs_stage_blocks": [7, 3]}),
        ("mohs forearm 2 stages", {"procedure": "mohs", "site": "arm", "mohs_stage_blocks": [1, 1]}),
        ("16 aks", {"procedure": "destruction", "pathology": "premalignant", "lesion_count": 16}),
        ("twelve warts", {"procedure": "benign_destruction", "lesion_count": 12}),
        (
            "nevus 1.0cm with 2 mm margins on the chest",
            {"procedure": "excision", "pathology": "benign", "lesion_cm": 1.0, "margin_cm": 0.2, "site": "trunk"},
        ),
        ("excimer 300 sq cm", {"procedure": "excimer_laser", "area_sq_cm": 300.0}),
        (
            "2 punch bx and 1 shave bx",
            {"procedure": "biopsy", "biopsies": [{"biopsy_method": "punch", "count": 2}, {"biopsy_method": "tangential", "count": 1}]},
        ),
        ("ed&c scc on the scalp 1.2 cm", {"procedure": "destruction", "pathology": "malignant", "site": "scalp", "size_cm": 1.2}),
        ("9 keloids injected", {"procedure": "intralesional_injection", "lesion_count": 9}),
        ("22 skin tags", {"procedure": "skin_tag_removal", "lesion_count": 22}),
        ("port wine stain 12 sq cm", {"procedure": "vascular_destruction", "area_sq_cm": 12.0}),
    ],
)
def test_parse_procedure_text(text, expected):
    request = parse_procedure_text(text)
    assert request is not None
    assert request.model_dump(include=set(expected)) == expected


def test_parse_procedure_text_without_a_procedure():
    assert parse_procedure_text("when is the billing office open") is None


def test_mohs_blocks_are_not_guessed():
    request = parse_procedure_text("mohs nose 2 stages 7 blocks")
    assert request is not None and request.mohs_stage_blocks is None


def test_cli_json_contract():
    result = CliRunner().invoke(app, ["ask", "how many units of 17003 for 9 AKs", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc) >= {"answer", "entry", "confidence", "related", "references", "lines"}  # the contract's fields
    assert doc["claim"]["lines"][0]["dx"] == ["L57.0"]  # and the claim the answer describes
    assert doc["lines"] == [{"code": "17000", "units": 1, "modifiers": []}, {"code": "17003", "units": 8, "modifiers": []}]


def test_cli_table_and_code_command():
    runner = CliRunner()
    result = runner.invoke(app, ["ask", "what is 17004"])
    assert result.exit_code == 0 and "17004" in result.output and "confidence" in result.output
    assert "not a valid code" in runner.invoke(app, ["code", "17001"]).output
