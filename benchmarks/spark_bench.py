"""Claim lines checked on Spark against one process, on the same input in the same run.

Generates claims (``check_throughput.make_claims``) as a Parquet file of claim lines, then times, each end to end
(read the Parquet, check, write the findings as Parquet):

- one process: the same reader and checker as the executors (``check_arrow_batches``), in this process;
- Spark ``local[2]``; and a standalone cluster (a master and two one-core workers on loopback, from the pyspark
  install);
- the overhead per job: a job of 10 claims on the warm session (scheduling, the shuffle, the Python workers).

Then the findings of every Spark run are compared with the one-process findings, row for row (``exceptAll`` both
ways), and the time on ``local[2]`` is measured again at 1, 2 and 4 million lines. Run:
``python benchmarks/spark_bench.py [--claims 200000] [--growth 1000000,2000000,4000000] [--no-cluster]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from check_throughput import make_claims

from derm_core.engine import warm_up
from derm_core.ruleset import Ruleset, default_ruleset
from derm_core.spark.check import ARROW_FINDINGS, check_arrow_batches, check_dataframe, read_lines, session
from derm_core.spark.lines import flatten

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
CHUNK = 50_000


def write_lines(path: Path, claims: int, seed: int = 7) -> int:
    """``claims`` generated claims as claim lines; returns the number of lines. Written chunk by chunk."""
    writer, lines = None, 0
    for start in range(0, claims, CHUNK):
        raw = make_claims(min(CHUNK, claims - start), seed + start)
        for i, c in enumerate(raw):
            c["claim_id"] = f"S{seed}-{start + i}"
        table = pa.Table.from_pylist(list(flatten(raw)))
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        lines += table.num_rows
    assert writer is not None
    writer.close()
    return lines


def one_process(source: Path, target: Path, ruleset: Ruleset) -> float:
    t0 = time.perf_counter()
    with pq.ParquetWriter(target, ARROW_FINDINGS) as writer:
        for batch in check_arrow_batches(pq.ParquetFile(source).iter_batches(batch_size=10_000), ruleset, numbered=True):
            writer.write_batch(batch)
    return time.perf_counter() - t0


def spark_run(spark, source: Path, target: Path, ruleset: Ruleset) -> float:
    t0 = time.perf_counter()
    check_dataframe(read_lines(spark, source), ruleset).write.mode("overwrite").parquet(str(target))
    return time.perf_counter() - t0


def same(spark, a: Path, b: Path) -> bool:
    x, y = spark.read.parquet(str(a)), spark.read.parquet(str(b))
    return x.count() == y.count() and x.exceptAll(y).count() == 0 and y.exceptAll(x).count() == 0


def slug(label: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in label)


def load() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def on_spark(name: str, master: str, inputs: dict[str, tuple[Path, int]], work: Path, ruleset: Ruleset, conf: dict[str, str]) -> dict:
    t0 = time.perf_counter()
    spark = session(master, f"derm bench {name}", conf={"spark.driver.host": "127.0.0.1", **conf})
    started = time.perf_counter() - t0
    tiny = work / "tiny.parquet"
    first = spark_run(spark, tiny, work / f"{name}-tiny-1", ruleset)  # Python workers start, import derm_core
    overhead = min(spark_run(spark, tiny, work / f"{name}-tiny-{i}", ruleset) for i in (2, 3))
    print(f"{name}: session {started:.1f} s, first job (10 claims) {first:.1f} s, job overhead {overhead:.2f} s  [{load()}]", flush=True)
    times = {}
    for label, (path, n) in inputs.items():
        t = spark_run(spark, path, work / f"{name}-{slug(label)}", ruleset)
        times[label] = t
        print(f"{name} {label}: {n:,} lines in {t:.1f} s = {n / t:,.0f} lines/s, {t / n * 1e6:.1f} µs/line  [{load()}]", flush=True)
    equal = {
        label: same(spark, work / f"{name}-{slug(label)}", work / f"one-{slug(label)}")
        for label in inputs
        if (work / f"one-{slug(label)}").exists()
    }
    print(f"{name}: findings equal to one process: {equal}", flush=True)
    spark.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--growth", default="1000000,2000000,4000000", help="line counts for the growth runs ('' for none)")
    parser.add_argument("--no-cluster", action="store_true")
    args = parser.parse_args()
    ruleset = default_ruleset()
    warm_up()
    work = Path(tempfile.mkdtemp(prefix="derm-spark-bench-"))
    try:
        write_lines(work / "tiny.parquet", 10)
        n = write_lines(work / "main.parquet", args.claims)
        inputs = {f"{args.claims:,} claims": (work / "main.parquet", n)}
        growth: dict[str, tuple[Path, int]] = {}
        for target in [int(x) for x in args.growth.split(",") if x]:
            claims = int(target / (n / args.claims))
            path = work / f"grow-{target}.parquet"
            growth[f"{target / 1e6:g}M lines"] = (path, write_lines(path, claims, seed=100 + target // 1_000_000))
        print(
            f"inputs: {', '.join(f'{k} ({v[1]:,} lines)' for k, v in (inputs | growth).items())}; ruleset {ruleset.version}; {os.cpu_count()} cores"
        )
        for label, (path, lines) in inputs.items():
            t = one_process(path, work / f"one-{slug(label)}", ruleset)
            print(
                f"one process {label}: {lines:,} lines in {t:.1f} s = {lines / t:,.0f} lines/s, {t / lines * 1e6:.1f} µs/line  [{load()}]",
                flush=True,
            )
        on_spark("local2", "local[2]", inputs | growth, work, ruleset, {"spark.driver.memory": "2g"})  # growth on local[2] only
        if not args.no_cluster:
            from derm_core.spark.standalone import local_cluster

            with local_cluster(workers=2, cores=1, memory="2g") as url:
                on_spark("cluster", url, inputs, work, ruleset, {"spark.executor.memory": "1500m"})
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
