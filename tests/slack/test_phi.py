"""The PHI detector (``derm_core.phi``, screened through ``slack_bot.phi``): recall and false refusals measured on the
labelled corpus, the formats the bot used to miss, and nothing of the text in what it returns.

``tests/fixtures/phi/corpus.yaml`` is the development corpus (the detector was tuned on it): the aims are asserted
there. ``holdout.yaml`` was never tuned on: its figures are reported in docs/slack.md and only a floor below them is
asserted here, so that the test fails if the detector gets worse, not because the figure was wished higher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
import yaml
from testpaths import FIXTURES

from derm_core.phi import LABELS, find_phi, identifiers
from slack_bot import phi as slack_phi

TODAY = date(2026, 3, 2)
PHI_FIXTURES = FIXTURES / "phi"


def load(name: str) -> list[dict]:
    return yaml.safe_load((PHI_FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class Score:
    caught: int
    identifiers: int
    refused: int
    ordinary: int

    @property
    def recall(self) -> float:
        return self.caught / self.identifiers

    @property
    def false_refusals(self) -> float:
        return self.refused / self.ordinary


def score(items: list[dict]) -> Score:
    found = [(item["phi"], bool(find_phi(item["text"], TODAY))) for item in items]
    return Score(
        caught=sum(1 for phi, hit in found if phi and hit),
        identifiers=sum(1 for phi, _ in found if phi),
        refused=sum(1 for phi, hit in found if not phi and hit),
        ordinary=sum(1 for phi, _ in found if not phi),
    )


def test_the_corpus_is_big_enough_and_labelled():
    dev, held = load("corpus.yaml"), load("holdout.yaml")
    for items in (dev, held):
        for item in items:
            assert isinstance(item["text"], str) and item["text"].strip()
            assert item["phi"] == bool(item.get("kinds")), item["text"]
            assert set(item.get("kinds") or []) <= set(LABELS), item["text"]
    assert sum(i["phi"] for i in dev) >= 200 and sum(not i["phi"] for i in dev) >= 200
    new = [i for i in held if i["source"] == "new"]
    assert len(new) >= 60 and sum(i["phi"] for i in new) >= 30 and sum(not i["phi"] for i in new) >= 30
    assert not {i["text"] for i in dev} & {i["text"] for i in held}, "no item is in both files"


def test_recall_and_false_refusals_on_the_development_corpus():
    s = score(load("corpus.yaml"))
    assert s.recall >= 0.99, f"recall {s.caught}/{s.identifiers}"
    assert s.false_refusals <= 0.01, f"false refusals {s.refused}/{s.ordinary}"


def test_the_held_out_figures_do_not_fall_below_what_was_measured():
    """Measured once, after the detector was frozen (docs/slack.md): all held-out 132/136 recall, 1/157 false
    refusals; the texts written for it ("new") 56/60 and 1/60. The floors sit just under those figures."""
    held = load("holdout.yaml")
    everything, new = score(held), score([i for i in held if i["source"] == "new"])
    assert everything.caught >= 132 and everything.refused <= 1
    assert new.caught >= 56 and new.refused <= 1


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("DOE, JANE 03/04/1956 17000 L57.0", "name"),  # capitals in EHR order, then a date
        ("ROGERS, IGNATIUS K 99203 L82.1", "name"),
        ("harold carter 11102 L82.1, 11103 x2 L82.1 bcbs", "name"),  # lower case
        ("pt José Peña had 3 AKs 17000 17003 x2", "name"),  # accented
        ("Zoë Smith-Jones 17000", "name"),
        ("Doe, Jane 1951-04-12 17000 x3 L57.0 medicare", "date_with_name"),
        ("d.o.b. 3/4/56 11102", "dob"),
        ("17000 L57.0 17003 x2 medicare 1EG4-TE5-MK73", "mbi"),  # the CMS layout, with or without dashes
        ("medicare id 1EG4TE5MK73", "mbi"),
        ("member id W123456789 aetna 11102", "member_id"),
        ("MR# 00123456 17000", "mrn"),
        ("acct 778899 11104 x2", "account"),
        ("pt email jdoe1951@example.com", "email"),
        ("ssn 123456789 17000", "ssn"),  # without separators
        ("123 45 6789", "ssn"),
        ("5551234567 17000", "phone"),  # without dashes
        ("call back (555) 867-5309 about 17000", "phone"),
        ("pt lives at 45 Oak Avenue Apt 3", "address"),
        ("94 yo female, 17311 C44.311", "age"),
    ],
)
def test_identifier_formats_are_found(text, kind):
    assert kind in {h.kind for h in find_phi(text, TODAY)}


@pytest.mark.parametrize(
    "text",
    [
        "99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02",
        "Payer name: Aetna 99213 L70.0",  # was read as a name
        "nose 17311 17312 x2 C44.311",  # a site and two codes were read as a phone number
        "11442 12051 D22.39",
        "17000-17004 L57.0",
        "npi 1234567893 17000",
        "auth 2026-00155-AB 17311",
        "Provider name: Dr. Patel",
        "does the patient name need to match the insurance card?",
        "patient DOB on the claim doesn't match the card, how do we fix it?",
        "do we need the pt's ssn for medicaid?",
        "called Novitas provider line 1-855-555-0140",
        "Mohs Surgery on the nose, 3 stages",
    ],
)
def test_ordinary_claims_and_questions_are_not_refused(text):
    assert find_phi(text, TODAY) == []


def test_hits_hold_offsets_and_kinds_never_the_text():
    text = "DOE, JANE 03/04/1956 MBI 1EG4-TE5-MK73 17000 L57.0"
    hits = find_phi(text, TODAY)
    assert {h.kind for h in hits} == {"name", "date_with_name", "mbi"}
    for h in hits:
        assert set(vars(h)) == {"kind", "start", "end"}
        assert "JANE" not in repr(h) and "1EG4" not in repr(h)
    assert identifiers(text, TODAY) == ["patient name", "date next to a name", "Medicare number"]


def test_slack_markup_is_read_as_slack_sends_it():
    # Members and channels are colleagues and places in Slack, not patients; an e-mail link is still an address.
    assert slack_phi.identifiers("<@U0123ABC|jane.doe> <#C0456|billing> 17000 L57.0", TODAY) == []
    assert slack_phi.identifiers("<!subteam^S012|@billers> 17000 L57.0", TODAY) == []
    assert slack_phi.identifiers("pt email <mailto:jdoe@example.com|jdoe@example.com>", TODAY) == ["e-mail address"]
    assert slack_phi.identifiers("DOE, JANE 03/04/1956 17000 &amp; 17003", TODAY)


def test_a_long_hostile_input_is_bounded():
    # No pattern backtracks without bound: 20,000 characters of name-like words (the bot's input limit).
    for text in ("Aa " * 6666, "Smith, " * 2850, "x@y." * 5000):
        assert isinstance(find_phi(text), list)


def test_the_question_fixtures_hold_no_identifiers():
    questions = yaml.safe_load((FIXTURES / "questions.yaml").read_text(encoding="utf-8"))
    assert [q["question"] for q in questions if identifiers(q["question"], TODAY)] == []


def test_the_faq_phrasings_are_not_refused(ruleset):
    phrasings = [q for e in ruleset.faq for q in e.questions]
    assert len(phrasings) > 100
    assert [q for q in phrasings if find_phi(q, TODAY)] == []
