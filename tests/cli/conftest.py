import pytest

from derm_core import live


@pytest.fixture
def db(tmp_path, monkeypatch):
    """`derm` on its own SQLite store (DERM_RULES_DB)."""
    monkeypatch.setenv("DERM_RULES_DB", f"sqlite:///{tmp_path / 'rules.db'}")
    live.reset()
    yield tmp_path
    live.reset()
