"""Remittances analysed on Spark: 835 files (and CSV/XLSX exports, zip archives) read on the executors, the analysis
of ``derm_core.denials.analysis`` run there by payer, and the partial analyses merged on the driver.

A reversal cancels the remittance of the same claim from the same payer, and a pattern is group x reason x code x
payer: so the claims of one payer go to one partition, each partition is analysed exactly as one process analyses a
batch, and the merge only adds counts and dollars (and ranks again, with the one-process functions). What crosses to
the driver is one file's read summary per file and one partial analysis per partition, never a claim (with the
checked claims, also one row per denied line, for the report).

With the checked claims (``--checked``), what the checker said about a claim goes to the partition of each payer that
remitted it (a join of claim ids, so the claims themselves still move once), and each partition tallies its payers' denied lines as one process does (``denials.matching.tally``); the tallies add
up on the driver, the denied lines put back in the order one process meets them, and the matching is finished there
(``matching.finish``), with the clean claim rate over the checked claims that were remitted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pyspark import RDD
from pyspark.rdd import portable_hash
from pyspark.sql import SparkSession

from ..denials.analysis import Analysis, Breakdown, ReadSummary, analyze, clean_claim_rate, kpi, line_denials, month_trend, ranked, settle
from ..denials.codes import table
from ..denials.matching import Checked, CheckedClaim, Tally, finish, tally
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


def analyze_remittances(
    spark: SparkSession, paths: Sequence[str | Path], partitions: int | None = None, checked: Checked | None = None
) -> Analysis:
    """The analysis of every remittance under ``paths``, as ``analyze(read_paths(paths), checked=checked)`` gives it in
    one process. ``checked`` (``matching.load_checked``) goes to the executors by claim id, joined to the remittances."""
    from ..denials.sources import read_bytes

    given = [(str(p), str(Path(p).resolve())) for p in paths]

    def place(name: str) -> tuple[tuple[int, tuple[str, ...]], str]:
        """Where one process reads a file (the given path's rank, then name order in a folder), and its shown name."""
        for k, (shown, full) in enumerate(given):
            if name == full or name.startswith(full + "/"):
                name = shown + name[len(full) :]
                return (k, Path(name).parts), name
        return (len(given), Path(name).parts), name

    def read(item: tuple[str, bytes]) -> Iterator[tuple[Any, Any]]:
        where, name = place(item[0])
        result = read_bytes(item[1], name)
        yield ("\x00read", where), (result.files, [str(p) for p in result.problems], result.notes)
        for i, claim in enumerate(result.claims):
            yield claim.payer, ((where, i), claim)

    sc = spark.sparkContext
    n = partitions or max(1, sc.defaultParallelism * 2)
    parsed = _files(spark, paths).flatMap(read).cache()
    try:
        meta = parsed.filter(lambda kv: kv[0].__class__ is tuple).map(lambda kv: (kv[0][1], kv[1])).collect()
        claims = parsed.filter(lambda kv: kv[0].__class__ is not tuple)
        if checked is not None:  # each checked claim to the partition of every payer that remitted it: the claims move once
            ours = sc.parallelize(list(checked.claims.items()), n)
            payers = claims.map(lambda kv: (kv[1][1].claim_id, kv[0])).distinct()
            claims = claims.union(payers.join(ours).map(lambda kv: (kv[1][0], (None, kv[1][1]))))
        matching = checked is not None
        parts = claims.partitionBy(n, portable_hash).mapPartitions(lambda items: _analyse_partition(items, matching)).collect()
    finally:
        parsed.unpersist()
    meta.sort(key=lambda m: m[0])
    analysis = merge(
        [part.analysis for part in parts],
        files=sum(m[1][0] for m in meta),
        problems=[p for m in meta for p in m[1][1]],
        notes=_sum_notes(m[1][2] for m in meta),
    )
    if checked is None:
        return analysis
    total = Tally()
    for part in parts:
        total.add(part.tally)
    total.denied_lines = [
        d for _, d in sorted(((k, d) for part in parts for k, d in zip(part.order, part.tally.denied_lines, strict=True)), key=_first)
    ]
    seen = {cid for part in parts for cid in part.seen}
    kpis = analysis.kpis | {"clean_claim_rate": clean_claim_rate(checked, seen)}
    return analysis.model_copy(update={"matching": finish(total, checked, table()), "kpis": kpis})


def _first(pair: tuple[Any, ...]) -> Any:
    return pair[0]


def _sum_notes(notes: Iterable[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in notes:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


@dataclass
class _Part:
    """One partition's payers: their analysis and, with checked claims, their matching tally (``order``: where one
    process would have met each denied line's claim), and the checked claim ids among their remitted claims."""

    analysis: Analysis
    tally: Tally = field(default_factory=Tally)
    order: list[Any] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def _analyse_partition(items: Iterable[tuple[str, tuple[Any, RemitClaim | CheckedClaim]]], matching: bool) -> Iterator[_Part]:
    """One partition's payers analysed, and their remitted claims' checked claims (key None) with them; claims in the
    order one process reads them (by file, then in the file)."""
    rows: list[tuple[Any, RemitClaim]] = []
    theirs: dict[str, CheckedClaim] = {}
    for _, (key, value) in items:
        if isinstance(value, CheckedClaim):
            theirs[value.claim_id] = value
        else:
            rows.append((key, value))
    if not rows:
        return
    rows.sort(key=_first)
    claims = [claim for _, claim in rows]
    part = _Part(analyze(ReadResult(claims=claims)))
    if matching:
        codes = table()
        where = {id(claim): key for key, claim in rows}
        checked = Checked(theirs, [])
        for claim in settle(claims).claims:  # in the order one process meets them: payment date, then reading order
            before = len(part.tally.denied_lines)
            tally([claim], checked, codes, lambda c, ln: line_denials(c, ln, codes), into=part.tally)
            part.order += [(claim.paid_on or date.min, where[id(claim)])] * (len(part.tally.denied_lines) - before)
            if claim.claim_id in checked.claims:
                part.seen.add(claim.claim_id)
    yield part


def merge(parts: Sequence[Analysis], files: int = 0, problems: Sequence[str] = (), notes: dict[str, int] | None = None) -> Analysis:
    """One analysis from analyses of disjoint sets of payers (``analyze_remittances``' partitions). Counts and dollars
    add up; the trend, rankings and KPIs are then made by the one-process functions."""
    base = analyze(ReadResult())
    parts = [base, *parts]
    patterns = sorted((p for a in parts for p in a.patterns), key=lambda p: (-p.amount, -p.count, p.group, p.reason, p.code, p.payer))
    months: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0, 0.0])
    for a in parts:
        for t in a.trend:
            m = months[t.month]
            for i, v in enumerate((t.claims, t.lines, t.denied_claims, t.denied_lines, t.denied_amount)):
                m[i] += v
    kpis = {
        name: kpi(name, sum(a.kpis[name].numerator for a in parts), sum(a.kpis[name].denominator for a in parts), note=k.note)
        for name, k in base.kpis.items()
    }
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

    def breakdown(of: Callable[[Analysis], list[Breakdown]]) -> list[Breakdown]:
        acc: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        for a in parts:
            for b in of(a):
                acc[b.key][0] += b.count
                acc[b.key][1] += b.amount
        return ranked(acc)

    return Analysis(
        patterns=patterns,
        kpis=kpis,
        matching=None,
        by_reason=breakdown(lambda a: a.by_reason),
        by_code=breakdown(lambda a: a.by_code),
        by_payer=breakdown(lambda a: a.by_payer),
        by_provider=breakdown(lambda a: a.by_provider),
        trend=month_trend(months),
        totals=totals,
        read=read,
        code_table=base.code_table,
    )


def write_tables(spark: SparkSession, a: Analysis, folder: str | Path) -> list[str]:
    """The analysis as Parquet tables under ``folder`` (patterns, kpis, breakdowns, trend; with the matching, its
    outcomes, denied lines, missed patterns and rule scores); returns their names."""
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
    m = a.matching
    if m is not None:
        tables |= {
            "outcomes": [{"outcome": k, "count": v["count"], "amount": float(v["amount"])} for k, v in m.outcomes.items()],
            "denied_lines": [d.model_dump() for d in m.denied_lines],
            "missed": [p.model_dump() for p in m.missed],
            "rule_scores": [s.model_dump() for s in m.rules],
        }
    schemas = {
        "patterns": "group string, reason string, code string, payer string, count long, amount double, meaning string, "
        "problem string, action string, known boolean, providers map<string, struct<count: long, amount: double>>, "
        "months map<string, struct<count: long, amount: double>>",
        "kpis": "kpi string, value double, numerator double, denominator double, definition string, note string",
        "breakdowns": "by string, rank long, key string, count long, amount double",
        "trend": "month string, claims long, lines long, denied_claims long, denied_lines long, denied_amount double, "
        "denial_rate double, amount_change double",
        "outcomes": "outcome string, count long, amount double",
        "denied_lines": "claim_id string, line long, code string, payer string, reasons array<string>, amount double, "
        "outcome string, how string, rules array<string>",
        "missed": "group string, reason string, code string, payer string, count long, amount double, meaning string, "
        "examples array<struct<claim_id: string, line: long, date_of_service: string, code: string, modifiers: array<string>, "
        "units: double, billed: double, denied: double, reasons: array<string>>>",
        "rule_scores": "rule string, category string, flagged long, true_positives long, precision double, targeted_denials long, "
        "recall double",
    }
    for name, rows in tables.items():
        spark.createDataFrame(rows, schemas[name]).coalesce(1).write.parquet(str(Path(folder) / f"{name}.parquet"))
    return list(tables)
