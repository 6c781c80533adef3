"""Fixtures for the charge-sheet tests; the helpers live in sheetkit.py (importable from these tests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sheetkit import build_workbook, load_spec


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    return build_workbook(load_spec("messy.yaml"), tmp_path / "messy.xlsx")
