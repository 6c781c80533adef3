"""Denials matched against the checker's findings (``derm denials analyze --checked``) on Spark against one process,
on the same input in the same run.

Writes ``--claims`` synthetic remitted claims (``denials.synthetic.random_remits``) as 835 files of 5,000 claims, and
a check report of generated claims (``check_throughput.make_claims``) under the ids of every other remitted claim.
Then times, each from the files to the finished analysis with its matching: one process (``read_paths`` and
``analyze``), and Spark ``local[2]`` (``spark.denials.analyze_remittances``, once to start the Python workers, then
timed), each also without the checked claims, and says whether the two analyses are equal. Loading the report (``load_checked``, on the driver in both) is
timed apart. Run: ``python benchmarks/spark_denials_bench.py [--claims 100000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from check_throughput import make_claims

from derm_core.denials.analysis import analyze
from derm_core.denials.matching import load_checked
from derm_core.denials.sources import read_paths
from derm_core.denials.synthetic import random_remits, write_835
from derm_core.engine import check_claims
from derm_core.models import Claim
from derm_core.ruleset import default_ruleset
from derm_core.spark.check import session
from derm_core.spark.denials import analyze_remittances

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def load() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--claims", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "remits"
        folder.mkdir()
        remits = random_remits(args.claims)
        for i in range(0, len(remits), 25):  # remittances of 200 claims: 5,000 claims a file
            (folder / f"era{i // 25:03d}.835").write_text(write_835(remits[i : i + 25], control=i + 1))
        ids = [c.claim_id for r in remits for c in r.claims][::2]
        claims = make_claims(len(ids), seed=3)
        for cid, c in zip(ids, claims, strict=True):
            c["claim_id"] = cid
        report = check_claims([Claim.model_validate(c) for c in claims], default_ruleset())
        (Path(tmp) / "report.json").write_text(report.model_dump_json())
        (Path(tmp) / "claims.json").write_text(json.dumps({"claims": claims}))

        t0 = time.perf_counter()
        checked, errors = load_checked([Path(tmp) / "report.json", Path(tmp) / "claims.json"])
        assert not errors, errors
        print(
            f"{args.claims:,} remitted claims, {len(checked.claims):,} checked; loading the report {time.perf_counter() - t0:.1f} s  [{load()}]"
        )

        t0 = time.perf_counter()
        analyze(read_paths([folder]))
        alone = time.perf_counter() - t0
        print(f"one process, without --checked: {alone:.1f} s = {args.claims / alone:,.0f} claims/s  [{load()}]")
        t0 = time.perf_counter()
        want = analyze(read_paths([folder]), checked=checked)
        one = time.perf_counter() - t0
        m = want.matching
        assert m is not None
        print(f"one process: {one:.1f} s = {args.claims / one:,.0f} claims/s, {len(m.denied_lines):,} denied lines  [{load()}]")

        spark = session("local[2]", "derm denials bench", conf={"spark.driver.host": "127.0.0.1", "spark.driver.memory": "2g"})
        try:
            t0 = time.perf_counter()
            analyze_remittances(spark, [folder], checked=checked)
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            analyze_remittances(spark, [folder])
            plain = time.perf_counter() - t0
            t0 = time.perf_counter()
            got = analyze_remittances(spark, [folder], checked=checked)
            t = time.perf_counter() - t0
        finally:
            spark.stop()
        print(f"Spark local[2], without --checked: {plain:.1f} s = {args.claims / plain:,.0f} claims/s  [{load()}]")
        print(f"Spark local[2]: first job {first:.1f} s, then {t:.1f} s = {args.claims / t:,.0f} claims/s  [{load()}]")
        print(f"equal to one process: {got.model_dump() == want.model_dump()}")


if __name__ == "__main__":
    main()
