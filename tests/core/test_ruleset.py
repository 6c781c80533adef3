"""The ruleset tables validate their rows (an admin's typo is refused, not published)."""

import pytest
from pydantic import ValidationError

from derm_core.ruleset import PriorAuthRow, default_ruleset


@pytest.mark.parametrize(
    ("spec", "stored"), [("96920-96922", "96920-96922"), ("j0585", "J0585"), ("*", "*"), ("17000 - 17004", "17000-17004")]
)
def test_code_specs_accepted(spec, stored):
    assert PriorAuthRow(payer="Acme Health", code=spec).code == stored


@pytest.mark.parametrize("spec", ["QUAGGA5X", "1700", "96922-96920", "17000-17004-17110", "", "17000-J0585X"])
def test_code_specs_refused(spec):
    with pytest.raises(ValidationError):
        PriorAuthRow(payer="Acme Health", code=spec)


def test_shipped_ruleset_is_valid_and_frozen():
    rs = default_ruleset()
    assert rs.version and rs.faq
    with pytest.raises(ValidationError):
        rs.version = "x"
