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
    """``claims`` generated claims as claim lines; returns the number of lines. Written chunk by chunk (kept from an
    earlier run with ``--work``)."""
    if path.exists():
        return pq.ParquetFile(path).metadata.num_rows
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
    check_dataframe(read_lines(spark, source), ruleset, stored=False).write.mode("overwrite").parquet(str(target))  # as one_process
    return time.perf_counter() - t0


def same(spark, a: Path, b: Path) -> bool:
    x, y = spark.read.parquet(str(a)), spark.read.parquet(str(b))
    return x.count() == y.count() and x.exceptAll(y).count() == 0 and y.exceptAll(x).count() == 0


def slug(label: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in label)


def load() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def on_spark(name: str, spark, inputs: dict[str, tuple[Path, int]], work: Path, ruleset: Ruleset, tiny: bool = True) -> None:
    if tiny:
        first = spark_run(spark, work / "tiny.parquet", work / f"{name}-tiny-1", ruleset)  # Python workers start, import derm_core
        overhead = min(spark_run(spark, work / "tiny.parquet", work / f"{name}-tiny-{i}", ruleset) for i in (2, 3))
        print(f"{name}: first job (10 claims) {first:.1f} s, job overhead {overhead:.2f} s  [{load()}]", flush=True)
    for label, (path, n) in inputs.items():
        t = spark_run(spark, path, work / f"{name}-{slug(label)}", ruleset)
        print(f"{name} {label}: {n:,} lines in {t:.1f} s = {n / t:,.0f} lines/s, {t / n * 1e6:.1f} µs/line  [{load()}]", flush=True)
        if (work / f"one-{slug(label)}").exists():
            print(
                f"{name} {label}: findings equal to one process: {same(spark, work / f'{name}-{slug(label)}', work / f'one-{slug(label)}')}",
                flush=True,
            )


def started(name: str, master: str, conf: dict[str, str]):
    t0 = time.perf_counter()
    spark = session(master, f"derm bench {name}", conf={"spark.driver.host": "127.0.0.1", **conf})
    print(f"{name}: session {time.perf_counter() - t0:.1f} s", flush=True)
    return spark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--growth", default="1000000,2000000,4000000", help="line counts for the growth runs on local[2] ('' for none)")
    parser.add_argument("--no-cluster", action="store_true")
    parser.add_argument("--work", type=Path, help="keep the generated inputs in this folder (and reuse them)")
    args = parser.parse_args()
    ruleset = default_ruleset()
    warm_up()
    work = args.work or Path(tempfile.mkdtemp(prefix="derm-spark-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        write_lines(work / "tiny.parquet", 10)
        n = write_lines(work / "main.parquet", args.claims)
        main_input = {f"{args.claims:,} claims": (work / "main.parquet", n)}
        print(f"{args.claims:,} claims, {n:,} lines; ruleset {ruleset.version}; {os.cpu_count()} cores", flush=True)
        for label, (path, lines) in main_input.items():
            t = one_process(path, work / f"one-{slug(label)}", ruleset)
            print(
                f"one process {label}: {lines:,} lines in {t:.1f} s = {lines / t:,.0f} lines/s, {t / lines * 1e6:.1f} µs/line  [{load()}]",
                flush=True,
            )
        spark = started("local2", "local[2]", {"spark.driver.memory": "2g"})
        on_spark("local2", spark, main_input, work, ruleset)
        spark.stop()
        if not args.no_cluster:
            from derm_core.spark.standalone import local_cluster

            with local_cluster(workers=2, cores=1, memory="2g") as url:
                spark = started("cluster", url, {"spark.executor.memory": "1500m"})
                on_spark("cluster", spark, main_input, work, ruleset)
                spark.stop()
        spark = started("local2", "local[2]", {"spark.driver.memory": "2g"})
        for target in [int(x) for x in args.growth.split(",") if x]:
            path = work / f"grow-{target}.parquet"
            lines = write_lines(path, int(target / (n / args.claims)), seed=100 + target // 1_000_000)
            on_spark("local2", spark, {f"{target / 1e6:g}M lines": (path, lines)}, work, ruleset, tiny=False)
        spark.stop()
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
