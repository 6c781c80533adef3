"""Every rule's own pass/fail cases (derm_core/rules/cases/DRMxxx.yaml), run by one parametrised test."""

import pytest

from derm_core.engine import all_rules
from derm_core.rulecases import case_claims, rule_cases, run_case

CASES = [(rid, *case) for rid in all_rules() for case in case_claims(rid)]


@pytest.mark.parametrize(("rule_id", "name", "kind", "claim", "expect"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_rule_case(rule_id, name, kind, claim, expect, ruleset):
    assert run_case(rule_id, kind, claim, expect, ruleset) is None


@pytest.mark.parametrize("rule_id", list(all_rules()))
def test_rule_has_pass_and_fail_cases_and_docs(rule_id):
    kinds = {c[1] for c in case_claims(rule_id)}
    assert {"pass", "fail"} <= kinds, f"{rule_id} needs at least one pass and one fail case"
    rule = all_rules()[rule_id]
    assert "What it does" in rule.doc and "Why is this bad?" in rule.doc
    assert rule.references or rule.severity == "info"


def test_case_files_name_existing_rules():
    assert set(rule_cases()) <= set(all_rules())
