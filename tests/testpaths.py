"""Where the test data is, for tests at any depth (``tests/`` is on the test path)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples"
BENCHMARKS = ROOT / "benchmarks"
# The scenario claim files (claim, expected findings) the scenario and fix tests run, in this order.
SCENARIO_FILES = (
    "claims.yaml",
    "claims_extra.yaml",
    "claims_procedures.yaml",
    "claims_coverage.yaml",
    "claims_heldout.yaml",
    "claims_clean_sweep.yaml",
    "claims_sweep2.yaml",
    "claims_cosmetic.yaml",
    "claims_sweep3.yaml",
    "claims_em.yaml",
    "claims_dx.yaml",
    "claims_heldout2.yaml",
    "claims_heldout3.yaml",
)
