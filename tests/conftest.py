from pathlib import Path

import pytest
import yaml

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str):
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def ruleset():
    from derm_core.ruleset import default_ruleset

    return default_ruleset()
