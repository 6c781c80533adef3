"""``derm check --spark``: claim lines checked on Apache Spark, findings written as Parquet (the ``[spark]`` extra)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape

out = Console()
err = Console(stderr=True, soft_wrap=True)

_MASTER = re.compile(r"^(local(\[[0-9*]+(,[0-9]+)?\])?|local-cluster\[.*\]|spark://.+|yarn|k8s://.+|mesos://.+)$")


def is_master_url(value: str) -> bool:
    """``local[*]``, ``spark://host:7077``, ``yarn``, ``k8s://...``: a Spark master, not a file.

    >>> is_master_url("local[2]"), is_master_url("spark://10.0.0.5:7077"), is_master_url("claims.parquet")
    (True, True, False)
    """
    return bool(_MASTER.match(value))


def check_on_spark(spark_arg: str, paths: list[Path], rules: Path | None, warn: Callable[[str], None]) -> int:
    """``derm check --spark [MASTER_URL] INPUT OUTPUT``. Returns the exit status: 0 no error finding, 1 errors, 2 unusable."""
    master = spark_arg if is_master_url(spark_arg) else "local[*]"
    args = [str(p) for p in paths] if master == spark_arg else [spark_arg, *map(str, paths)]
    if len(args) != 2:
        err.print("[red]error:[/red] --spark takes MASTER_URL (default local[*]), INPUT and OUTPUT", highlight=False)
        return 2
    source, target = args
    if not Path(source).exists() and "://" not in source:
        err.print(f"[red]error:[/red] {escape(source)}: no such file or folder", highlight=False)
        return 2
    if Path(target).exists():
        err.print(f"[red]error:[/red] {escape(target)} exists: give a new folder for the findings", highlight=False)
        return 2
    from derm_core import service
    from derm_core.spark.check import check_dataframe, read_lines, session

    ruleset = service.ruleset(rules, warn=warn)
    from pyspark.errors import AnalysisException
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    own = SparkSession.getActiveSession() is None
    spark = session(master)
    try:
        try:
            findings = check_dataframe(read_lines(spark, source), ruleset)
        except ValueError as e:
            err.print(f"[red]error:[/red] {escape(source)}: {escape(str(e))}", highlight=False)
            return 2
        except AnalysisException as e:  # not Parquet, CSV or JSON the reader can use
            err.print(
                f"[red]error:[/red] {escape(source)}: cannot be read as claim lines ({escape(e.getCondition() or 'unreadable')})",
                highlight=False,
            )
            return 2
        findings.write.parquet(target)
        written = spark.read.parquet(target)
        severity = F.when(F.col("override").isNull(), F.col("severity")).otherwise(F.lit("overridden"))
        counts = {
            r["severity"]: (r["findings"], r["claims"])
            for r in written.groupBy(severity.alias("severity"))
            .agg(F.count("*").alias("findings"), F.countDistinct("claim_id").alias("claims"))
            .collect()
        }
        errors = written.where(F.col("status") == "error").limit(1).count()  # the claim's status leaves overridden findings out
    finally:
        if own:
            spark.stop()
    summary = ", ".join(
        f"{counts[s][0]:,} {s}{'' if s == 'overridden' else 's'} on {counts[s][1]:,} claims"
        for s in ("error", "warning", "info", "overridden")
        if s in counts
    )
    out.print(f"Checked {escape(source)} on {escape(master)} with ruleset {ruleset.version}: {summary or 'no findings'}.", highlight=False)
    out.print(f"Findings written to {escape(target)} (Parquet).", highlight=False)
    return 1 if errors else 0


def denials_on_spark(spark_arg: str, paths: list[Path], output: Path | None, checked: list[Path] | None = None) -> int:
    """``derm denials analyze --spark [MASTER_URL] PATHS... --output FOLDER [--checked FILE...]``: Parquet tables and
    the report workbook. Returns the exit status: 0, or 2 when a file could not be read (the rest is still analysed)
    or the usage is wrong."""
    master = spark_arg if is_master_url(spark_arg) else "local[*]"
    sources = list(map(str, paths)) if master == spark_arg else [spark_arg, *map(str, paths)]
    if not sources or output is None:
        err.print("[red]error:[/red] --spark takes MASTER_URL (default local[*]), the remittances, and --output FOLDER", highlight=False)
        return 2
    missing = [s for s in [*sources, *map(str, checked or [])] if not Path(s).exists() and "://" not in s]
    if missing:
        err.print(f"[red]error:[/red] {escape(', '.join(missing))}: no such file or folder", highlight=False)
        return 2
    if output.exists():
        err.print(f"[red]error:[/red] {escape(str(output))} exists: give a new folder for the tables", highlight=False)
        return 2
    from pyspark.sql import SparkSession

    from derm_core.denials.matching import load_checked
    from derm_core.denials.workbook import write_report
    from derm_core.spark.check import session
    from derm_core.spark.denials import analyze_remittances, write_tables

    checked_claims, bad_checked = load_checked(checked) if checked else (None, [])
    own = SparkSession.getActiveSession() is None
    spark = session(master, "derm denials")
    try:
        analysis = analyze_remittances(spark, sources, checked=checked_claims)
        tables = write_tables(spark, analysis, output)
    finally:
        if own:
            spark.stop()
    write_report(analysis, output / "report.xlsx")
    r = analysis.read
    out.print(
        f"{r.claims_analysed:,} claims, {r.lines_analysed:,} lines from {r.files:,} files on {escape(master)}: "
        f"{len(analysis.patterns):,} denial patterns, denial rate {analysis.kpis['denial_rate'].value}.",
        highlight=False,
    )
    m = analysis.matching
    if m is not None:
        outcomes = ", ".join(f"{k.replace('_', ' ')} {v['count']:,}" for k, v in m.outcomes.items())
        out.print(f"Against the checker ({m.remitted_and_checked:,} remitted claims were checked): {outcomes}.", highlight=False)
    out.print(f"Written to {escape(str(output))}: {', '.join(t + '.parquet' for t in tables)}, report.xlsx", highlight=False)
    for warning in m.warnings if m else []:
        err.print(f"[yellow]warning:[/yellow] --checked: {escape(warning)}", highlight=False)
    for problem in [*r.problems, *bad_checked]:
        err.print(f"[red]error:[/red] {escape(problem)}", highlight=False)
    return 2 if r.problems or bad_checked else 0
