"""Remittances analysed on Spark: 835 files (and CSV/XLSX exports, zip archives) read on the executors, the analysis
of ``derm_core.denials.analysis`` run there by payer, and the partial analyses merged on the driver.

A reversal cancels the remittance of the same claim from the same payer, and a pattern is group x reason x code x
payer: so the claims of one payer go to one partition, each partition is analysed exactly as one process analyses a
batch, and the merge only adds counts and dollars (and ranks again). What crosses to the driver is one file's read
summary per file and one partial analysis per partition, never a claim.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pyspark import RDD
from pyspark.rdd import portable_hash
from pyspark.sql import SparkSession

from ..denials.analysis import Analysis, Breakdown, Kpi, MonthTrend, ReadSummary, analyze
from ..denials.model import ReadResult, RemitClaim

__all__ = ["analyze_remittances", "merge", "write_tables"]


def _local(uri: str) -> str:
    return uri[len("file:") :] if uri.startswith("file:") else uri


def _files(spark: SparkSession, paths: Sequence[str | Path]) -> RDD[tuple[str, bytes]]:
    """(name, bytes) of every file under ``paths`` (folders recursively, hidden files left out)."""
    sc = spark.sparkContext
    sc._jsc.hadoopConfiguration().set(
        "mapreduce.input.fileinputformat.input.dir.recursive", "true"
    )  # folders in folders, as one process reads them
    rdds = []
    for p in map(str, paths):
        local = Path(p)
        if local.is_dir():
            rdds.append(sc.binaryFiles(str(local.resolve()), minPartitions=sc.defaultParallelism))
            continue
        rdds.append(sc.binaryFiles(str(local.resolve()) if local.exists() else p))
    files = sc.union(rdds) if len(rdds) > 1 else rdds[0]
    return files.filter(lambda kv: not Path(_local(kv[0])).name.startswith(".")).map(lambda kv: (_local(kv[0]), kv[1]))


def analyze_remittances(spark: SparkSession, paths: Sequence[str | Path], partitions: int | None = None) -> Analysis:
    """The analysis of every remittance under ``paths``, as ``analyze(read_paths(paths))`` gives it in one process."""
    from ..denials.sources import read_bytes

    names = {str(p): str(Path(p).resolve()) for p in paths}
    rename = {v: k for k, v in names.items()}  # report a file under the name it was given, as one process does

    def shown(name: str) -> str:
        for full, given in rename.items():
            if name == full or name.startswith(full + "/"):
                return given + name[len(full) :]
        return name

    def read(item: tuple[str, bytes]) -> Iterator[tuple[Any, Any]]:
        name, data = item
        name = shown(name)
        result = read_bytes(data, name)
        yield ("\x00read", name), (result.files, [str(p) for p in result.problems], result.notes)
        for i, claim in enumerate(result.claims):
            yield claim.payer, (name, i, claim)

    parsed = _files(spark, paths).flatMap(read).cache()
    try:
        meta = parsed.filter(lambda kv: kv[0].__class__ is tuple).map(lambda kv: (kv[0][1], kv[1])).collect()
        n = partitions or max(1, spark.sparkContext.defaultParallelism * 2)
        claims = parsed.filter(lambda kv: kv[0].__class__ is not tuple).partitionBy(n, portable_hash)
        parts = claims.mapPartitions(_analyse_partition).collect()
    finally:
        parsed.unpersist()
    meta.sort(key=lambda m: m[0])
    return merge(
        parts,
        files=sum(m[1][0] for m in meta),
        problems=[p for m in meta for p in m[1][1]],
        notes=_sum_notes(m[1][2] for m in meta),
    )


def _sum_notes(notes: Iterable[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in notes:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


def _analyse_partition(items: Iterable[tuple[str, tuple[str, int, RemitClaim]]]) -> Iterator[Analysis]:
    """One partition's payers analysed; claims in the order one process reads them (by file name, then in the file)."""
    claims = [c for _, (_, _, c) in sorted(items, key=lambda kv: (kv[1][0], kv[1][1]))]
    if claims:
        yield analyze(ReadResult(claims=claims))


def _ranked(parts: Iterable[list[Breakdown]]) -> list[Breakdown]:
    acc: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for rows in parts:
        for b in rows:
            acc[b.key][0] += b.count
            acc[b.key][1] += b.amount
    rows = [Breakdown(key=k, count=int(v[0]), amount=round(v[1], 2)) for k, v in acc.items()]
    return sorted(rows, key=lambda b: (-b.amount, -b.count, b.key))


def merge(parts: Sequence[Analysis], files: int = 0, problems: Sequence[str] = (), notes: dict[str, int] | None = None) -> Analysis:
    """One analysis from analyses of disjoint sets of payers (``analyze_remittances``' partitions)."""
    base = analyze(ReadResult())
    parts = [base, *parts]
    patterns = sorted((p for a in parts for p in a.patterns), key=lambda p: (-p.amount, -p.count, p.group, p.reason, p.code, p.payer))
    months: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0, 0.0])
    for a in parts:
        for t in a.trend:
            m = months[t.month]
            for i, v in enumerate((t.claims, t.lines, t.denied_claims, t.denied_lines, t.denied_amount)):
                m[i] += v
    trend: list[MonthTrend] = []
    for month in sorted(months):
        claims_n, lines_n, dc, dl, amount = months[month]
        prev = trend[-1].denied_amount if trend else None
        trend.append(
            MonthTrend(
                month=month,
                claims=int(claims_n),
                lines=int(lines_n),
                denied_claims=int(dc),
                denied_lines=int(dl),
                denied_amount=round(amount, 2),
                denial_rate=round(dc / claims_n, 4) if claims_n else None,
                amount_change=round(round(amount, 2) - prev, 2) if prev is not None else None,
            )
        )
    kpis = {}
    for name, k in base.kpis.items():
        num = round(sum(a.kpis[name].numerator for a in parts), 2)
        den = round(sum(a.kpis[name].denominator for a in parts), 2)
        kpis[name] = Kpi(value=round(num / den, 4) if den else None, numerator=num, denominator=den, definition=k.definition, note=k.note)
    totals = {key: round(sum(a.totals.get(key, 0.0) for a in parts), 2) for key in base.totals}
    reads = [a.read for a in parts]
    read = ReadSummary(
        files=files,
        claims_read=sum(r.claims_read for r in reads),
        claims_analysed=sum(r.claims_analysed for r in reads),
        lines_analysed=sum(r.lines_analysed for r in reads),
        reversed=sum(r.reversed for r in reads),
        orphan_reversals=sum(r.orphan_reversals for r in reads),
        corrections=sum(r.corrections for r in reads),
        problems=list(problems),
        notes=dict(notes or {}),
    )
    return Analysis(
        patterns=patterns,
        kpis=kpis,
        matching=None,
        by_reason=_ranked(a.by_reason for a in parts),
        by_code=_ranked(a.by_code for a in parts),
        by_payer=_ranked(a.by_payer for a in parts),
        by_provider=_ranked(a.by_provider for a in parts),
        trend=trend,
        totals=totals,
        read=read,
        code_table=base.code_table,
    )


def write_tables(spark: SparkSession, a: Analysis, folder: str | Path) -> list[str]:
    """The analysis as Parquet tables under ``folder`` (patterns, kpis, breakdowns, trend); returns their names."""
    patterns = [
        {k: v for k, v in p.model_dump().items() if k not in ("providers", "months")}
        | {
            "providers": {k: m.model_dump() for k, m in p.providers.items()},
            "months": {k: m.model_dump() for k, m in p.months.items()},
        }
        for p in a.patterns
    ]
    tables: dict[str, list[dict[str, Any]]] = {
        "patterns": patterns,
        "kpis": [{"kpi": name, **k.model_dump()} for name, k in a.kpis.items()],
        "breakdowns": [
            {"by": by, "rank": i, **b.model_dump()}
            for by, rows in (("reason", a.by_reason), ("code", a.by_code), ("payer", a.by_payer), ("provider", a.by_provider))
            for i, b in enumerate(rows, 1)
        ],
        "trend": [t.model_dump() for t in a.trend],
    }
    schemas = {
        "patterns": "group string, reason string, code string, payer string, count long, amount double, meaning string, "
        "problem string, action string, known boolean, providers map<string, struct<count: long, amount: double>>, "
        "months map<string, struct<count: long, amount: double>>",
        "kpis": "kpi string, value double, numerator double, denominator double, definition string, note string",
        "breakdowns": "by string, rank long, key string, count long, amount double",
        "trend": "month string, claims long, lines long, denied_claims long, denied_lines long, denied_amount double, "
        "denial_rate double, amount_change double",
    }
    for name, rows in tables.items():
        spark.createDataFrame(rows, schemas[name]).coalesce(1).write.parquet(str(Path(folder) / f"{name}.parquet"))
    return list(tables)
