"""A fix never repeats the error: every finding's suggested lines, put in place of its lines, change what is billed
and check clean of that rule's error or warning; over every rule's fail cases (with their payer rows, such as a
payer's unit limit) and every worked scenario."""

import pytest
import yaml
from testpaths import FIXTURES, SCENARIO_FILES

from derm_core.corrections import corrected
from derm_core.engine import all_rules, check_claim
from derm_core.models import Claim
from derm_core.ncci import with_ncci
from derm_core.rulecases import _case_ncci, case_claims, case_ruleset
from derm_core.ruleset import default_ruleset

CLAIMS = [
    (f"case:{rid}:{name}", rid, claim)
    for rid, r in all_rules().items()
    if r.scope == "claim"
    for name, kind, claim, _ in case_claims(rid)
    if kind == "fail"
]
CLAIMS += [
    (f"scenario:{sc['id']}", None, sc["claim"])
    for name in SCENARIO_FILES
    for sc in yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
]


def _ruleset(rule_id):
    """The shipped ruleset with the rule's case rows (a payer's unit limit) and synthetic NCCI edits, if any."""
    tables = _case_ncci(rule_id) if rule_id else None
    ruleset = with_ncci(default_ruleset(), tables) if tables else default_ruleset()
    return case_ruleset(rule_id, ruleset) if rule_id else ruleset


def _billed(claim):
    return sorted((ln.code, ln.units, tuple(sorted(ln.modifiers))) for ln in claim.lines)


@pytest.mark.parametrize(("name", "rule_id", "data"), CLAIMS, ids=[c[0] for c in CLAIMS])
def test_a_fix_does_not_repeat_its_error(name, rule_id, data):
    ruleset = _ruleset(rule_id)
    claim = Claim.model_validate(data)
    for f in check_claim(claim, ruleset).findings:
        fixed = corrected(claim, f)
        if fixed is None or f.severity == "info":
            continue
        assert _billed(fixed) != _billed(claim), f"{f.rule}: 'Bill {f.suggested_lines}' is the claim as billed"
        again = [g for g in check_claim(fixed, ruleset).findings if g.rule == f.rule and g.severity == f.severity]
        assert not again, f"{f.rule}: after 'Bill {f.suggested_lines}': {again[0].message}"


MODIFIER_FIXES = ("modifier_missing", "modifier_misuse")


@pytest.mark.parametrize(("name", "rule_id", "data"), CLAIMS, ids=[c[0] for c in CLAIMS])
def test_a_modifier_fix_keeps_every_line(name, rule_id, data):
    """Adding or removing a modifier never drops a line: the suggested lines stand for every line the finding names."""
    claim = Claim.model_validate(data)
    for f in check_claim(claim, default_ruleset()).findings:
        fixed = corrected(claim, f)
        if fixed is not None and f.category.value in MODIFIER_FIXES:
            assert sorted(ln.code for ln in fixed.lines) == sorted(ln.code for ln in claim.lines), f"{f.rule}: {f.suggested_lines}"
