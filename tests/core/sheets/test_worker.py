"""Large sheets: half of the claims are checked in a worker process; the results are the same as in one process."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from derm_core.ruleset import default_ruleset
from derm_core.sheets.columns import map_header
from derm_core.sheets.rows import PARALLEL_MIN_CLAIMS, RowReader, check_rows
from derm_core.sheets.worker import Worker

pytestmark = pytest.mark.slow

CODES = [("17000", 1, 3), ("17003", 15, None), ("17004", 1, 16), ("11102", 1, None), ("17001", 1, None), ("99213", 1, None)]


def many_rows(claims: int) -> list:
    reader = RowReader(map_header(["Claim ID", "DOS", "Payer", "CPT", "Units", "Dx 1", "Lesions"]))
    rows = []
    for n in range(claims):
        for k in range(1 + n % 2):
            code, units, lesions = CODES[(n + k) % len(CODES)]
            rows.append(
                reader.read(len(rows) + 1, [f"C{n}", date(2026, 1, 1) + timedelta(days=n % 90), "Medicare", code, units, "L57.0", lesions])
            )
    return rows


def test_a_worker_process_gives_the_same_results():
    rows = many_rows(PARALLEL_MIN_CLAIMS + 10)
    alone, tally_alone = check_rows(rows, default_ruleset())
    worker = Worker()
    try:
        shared, tally_shared = check_rows(rows, default_ruleset(), worker=worker)
    finally:
        worker.close()
    assert worker.proc.returncode == 0
    assert shared == alone
    assert tally_shared == tally_alone and tally_alone.claims == PARALLEL_MIN_CLAIMS + 10


class DeadWorker:
    def submit(self, claims, ruleset, detail, first_position, stored):
        def result():
            raise RuntimeError("the worker process stopped")

        return result


def test_a_dead_worker_means_checking_here():
    rows = many_rows(PARALLEL_MIN_CLAIMS)
    assert check_rows(rows, default_ruleset(), worker=DeadWorker()) == check_rows(rows, default_ruleset())
