"""Read and analyse 100,000 synthetic remittance claims: total time, and the 835 parser's own throughput.

    python benchmarks/denials_bench.py [--claims 100000] [--repeat 3] [--workbook]

The claims (1-4 lines each, about 12% of lines denied, five payers, several months) are written as 835 files of
5,000 claims each in a temporary folder, then read with `derm denials analyze`'s own functions. Reported: the
median of the repeats for oxedi's parse alone (the parser's own throughput), for reading (oxedi's parse plus our
walk over its segments, into claims), for the analysis (reversals,
patterns, trend, KPIs) and for both; with --workbook, writing the report workbook as well.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import oxedi

from derm_core.denials.analysis import analyze
from derm_core.denials.sources import read_paths
from derm_core.denials.synthetic import random_remits, write_835


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workbook", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "remits"
        folder.mkdir()
        remits = random_remits(args.claims)
        per_file = 25  # remittances of 200 claims: 5,000 claims a file
        size = 0
        for i in range(0, len(remits), per_file):
            f = folder / f"era{i // per_file:03d}.835"
            f.write_text(write_835(remits[i : i + per_file], control=i + 1))
            size += f.stat().st_size
        segments = sum(f.read_text().count("~") for f in folder.glob("*.835"))
        blobs = [f.read_bytes() for f in sorted(folder.glob("*.835"))]
        parses, reads, analyses, totals = [], [], [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for blob in blobs:
                oxedi.parse(blob)
            parses.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            read = read_paths([folder])
            t1 = time.perf_counter()
            result = analyze(read)
            t2 = time.perf_counter()
            if args.workbook:
                from derm_core.denials.workbook import write_report

                write_report(result, Path(tmp) / "report.xlsx")
            t3 = time.perf_counter()
            reads.append(t1 - t0)
            analyses.append(t2 - t1)
            totals.append(t3 - t0)
        assert len(read.claims) == args.claims and not read.problems
        p, r, a, t = (statistics.median(x) for x in (parses, reads, analyses, totals))
        print(
            f"{args.claims:,} claims, {result.read.lines_analysed:,} lines, {segments:,} segments, {size / 1e6:.1f} MB in "
            f"{len(list(folder.glob('*.835')))} files; median of {args.repeat}"
        )
        print(f"oxedi.parse:    {p:6.2f} s  {args.claims / p:9,.0f} claims/s  {segments / p:11,.0f} segments/s  {size / 1e6 / p:5.1f} MB/s")
        print(f"read (+ walk):  {r:6.2f} s  {args.claims / r:9,.0f} claims/s  {segments / r:11,.0f} segments/s  {size / 1e6 / r:5.1f} MB/s")
        print(f"analyse:        {a:6.2f} s  {args.claims / a:9,.0f} claims/s")
        print(
            f"total{' + workbook' if args.workbook else ''}: {t:6.2f} s  {args.claims / t:9,.0f} claims/s  ({len(result.patterns)} patterns)"
        )


if __name__ == "__main__":
    main()
