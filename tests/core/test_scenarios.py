"""The worked scenarios (tests/fixtures/claims.yaml, suggest.yaml): each must produce its findings."""

import pytest
import yaml
from testpaths import FIXTURES, SCENARIO_FILES

from derm_core.coding import SuggestRequest, suggest
from derm_core.engine import check_claim
from derm_core.models import Claim
from derm_core.ruleset import PriorAuthRow

CLAIMS = [sc for name in SCENARIO_FILES for sc in yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))]
SUGGEST = yaml.safe_load((FIXTURES / "suggest.yaml").read_text(encoding="utf-8"))


def with_policy(ruleset, policy):
    """Install a scenario's payer prior-authorization rows, as an admin would."""
    if not policy:
        return ruleset
    rows = [PriorAuthRow(payer=policy["payer"], code=c) for c in policy["codes"]]
    return ruleset.model_copy(update={"prior_authorization": ruleset.prior_authorization + rows})


@pytest.mark.parametrize("sc", CLAIMS, ids=[s["id"] for s in CLAIMS])
def test_claim_scenario(sc, ruleset):
    report = check_claim(Claim.model_validate(sc["claim"]), with_policy(ruleset, sc.get("needs_policy")))
    expect = sc["expect"]
    if "status" in expect:
        assert report.status == expect["status"], [f.message for f in report.findings]
    raised = {f.category.value for f in report.findings if f.severity in ("error", "warning")}
    assert set(expect.get("categories", [])) <= raised
    suggested = {(s.code, s.units) for f in report.findings for s in f.suggested_lines}
    for s in expect.get("suggested", []):
        assert (s["code"], s["units"]) in suggested


@pytest.mark.parametrize("sc", SUGGEST, ids=[s["id"] for s in SUGGEST])
def test_suggest_scenario(sc):
    result = suggest(SuggestRequest.model_validate(sc["request"]))
    assert sorted((ln.code, ln.units) for ln in result.lines) == sorted((ln["code"], ln["units"]) for ln in sc["expect_lines"])
    assert result.explanation


def test_every_category_is_produced_by_some_scenario_or_rule():
    from derm_core.engine import all_rules
    from derm_core.models import Category

    assert {r.category for r in all_rules().values()} == set(Category)
