"""Claim lines as flat rows and back, without Spark: every generated claim comes back as the same claim."""

from __future__ import annotations

import json

from sparkkit import generated

from derm_core.models import Claim
from derm_core.spark.lines import LINE_COLUMNS, check_rows, claim_of, flatten


def test_flat_rows_make_the_same_claims_again():
    claims = generated(300, seed=2)
    rows = list(flatten(claims))
    assert set(rows[0]) == set(LINE_COLUMNS) and len(rows) == sum(len(c["lines"]) for c in claims)
    by_claim: dict[str, list[dict]] = {}
    for r in rows:
        by_claim.setdefault(r["claim_id"], []).append(r)
    for c in claims:
        assert Claim.model_validate(claim_of(by_claim[c["claim_id"]])) == Claim.model_validate(c)


def test_text_cells_as_a_csv_reader_gives_them():
    rows = [
        {"claim_id": 17.0, "payer_type": "medicare", "date_of_service": "2026-03-02", "place_of_service": 11.0, "diagnoses": "L57.0, C44.319",
         "code": "17000", "modifiers": "", "units": "1", "dx": "L57.0", "facts": json.dumps({"lesion_count": 1})},
    ]  # fmt: skip
    claim = Claim.model_validate(claim_of(rows))
    assert (claim.claim_id, claim.place_of_service, claim.diagnoses) == ("17", "11", ["L57.0", "C44.319"])
    assert claim.lines[0].modifiers == [] and claim.lines[0].dx == ["L57.0"] and claim.lines[0].facts.lesion_count == 1


def test_facts_that_are_not_json_name_the_claim_and_are_not_checked(ruleset):
    report = check_rows([{"claim_id": "X1", "code": "17000", "facts": "{lesion_count: 3"}], ruleset)
    assert [(f.rule, f.severity) for f in report.findings] == [("SHT005", "error")]
    assert report.status == "error" and "facts" in report.findings[0].message
