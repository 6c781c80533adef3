"""Helpers for the Spark tests: generated claims (the benchmark's generator) as claim-line files, and the findings
one process gives for them."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
from pathlib import Path
from typing import Any

from testpaths import BENCHMARKS

from derm_core import service
from derm_core.models import Claim
from derm_core.ruleset import Ruleset
from derm_core.spark.lines import LINE_COLUMNS, finding_rows, flatten

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # the driver and every daemon on loopback


def java_missing() -> bool:
    return shutil.which("java") is None


def generated(n: int, seed: int = 7) -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("check_throughput", BENCHMARKS / "check_throughput.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_claims(n, seed)


def one_process(claims: list[dict[str, Any]], ruleset: Ruleset) -> list[dict[str, Any]]:
    """The finding rows of ``derm check`` in one process: each claim parsed, checked by the engine, and the overrides
    of the rules store applied (``service.check``)."""
    report = service.check([Claim.model_validate(c) for c in claims], ruleset)
    return [row for r in report.claims for row in finding_rows(r, ruleset.version)]


def write_parquet(claims: list[dict[str, Any]], path: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(list(flatten(claims))), path)
    return path


def write_csv(claims: list[dict[str, Any]], path: Path) -> Path:
    """Claim lines as a spreadsheet would export them: lists as text (``25 59``), facts as JSON text."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(LINE_COLUMNS)
        for row in flatten(claims):
            w.writerow(["" if row[c] is None else " ".join(row[c]) if isinstance(row[c], list) else row[c] for c in LINE_COLUMNS])
    return path


def write_json_lines(claims: list[dict[str, Any]], path: Path) -> Path:
    """Claims in the interchange format, one JSON document per line."""
    path.write_text("".join(json.dumps(c) + "\n" for c in claims), encoding="utf-8")
    return path


def key(row: dict[str, Any]) -> tuple:
    return (row["claim_id"], row["rule"], tuple(row["lines"]), row["message"])
