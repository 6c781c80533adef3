"""Where the test data is, for tests at any depth (``tests/`` is on the test path)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples"
BENCHMARKS = ROOT / "benchmarks"
