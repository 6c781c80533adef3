"""Patient identifiers are recognised (by kind, never by value); ordinary claims and questions are not."""

from datetime import date

import pytest
import yaml
from testpaths import FIXTURES

from slack_bot.phi import identifiers

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Jane Doe DOB 04/12/1951 17000 L57.0", {"date of birth", "patient name"}),
        ("Doe, Jane 1951-04-12 17000 x3 L57.0 medicare", {"date of birth", "patient name"}),
        ("pt born 4/12/51 17000", {"date of birth"}),
        ("MRN: 00471923 11102 L82.1", {"medical record number"}),
        ("medical record # A-88213 17000", {"medical record number"}),
        ("SSN 123-45-6789 17000 L57.0", {"Social Security number"}),
        ("17000 L57.0 123-45-6789", {"Social Security number"}),
        ("call back (555) 867-5309 about 17000", {"phone number"}),
        ("17000 L57.0 tel: 5558675309", {"phone number"}),
        ("Patient name: J Smith 17000", {"patient name"}),
    ],
)
def test_identifiers_are_recognised(text, kinds):
    assert set(identifiers(text, TODAY)) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02",
        "17000 L57.0 03/02/2026 npi 1234567893 Medicare Part B",
        "11102 L82.1; 11103 x2; commercial Blue Cross 2025-11-30",
        "17311 C44.311; 17312 x2; 88305-26; auth 2026-00155-AB",
        "does the patient name need to match the insurance card?",
        "Mohs Surgery on the nose, 3 stages",
    ],
)
def test_claims_and_questions_are_not_flagged(text):
    assert identifiers(text, TODAY) == []


def test_the_question_fixtures_hold_no_identifiers():

    questions = yaml.safe_load((FIXTURES / "questions.yaml").read_text(encoding="utf-8"))
    assert [q["question"] for q in questions if identifiers(q["question"], TODAY)] == []
