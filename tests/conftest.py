import pytest


@pytest.fixture(scope="session")
def ruleset():
    from derm_core.ruleset import default_ruleset

    return default_ruleset()
