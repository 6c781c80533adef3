import pytest


@pytest.fixture(scope="session")
def ruleset():
    from derm_core.ruleset import default_ruleset

    return default_ruleset()


@pytest.fixture(scope="session", autouse=True)
def _own_data_folder(tmp_path_factory):
    """No test reads or writes the developer's own rules store: the user data folder is a temporary one,
    and ``DERM_RULES_DB``/``DERM_RULES`` from the environment are ignored."""
    import os

    saved = {k: os.environ.get(k) for k in ("XDG_DATA_HOME", "DERM_RULES_DB", "DERM_RULES")}
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("data-home"))
    os.environ.pop("DERM_RULES_DB", None)
    os.environ.pop("DERM_RULES", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
