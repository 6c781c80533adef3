"""``check_dataframe``: a DataFrame of claim lines in, a DataFrame of findings out, checked on the executors.

Rows are shuffled by claim id and sorted within each partition by claim and line, so one claim's lines arrive
together; ``mapInArrow`` hands the executor Arrow batches, which become claims (``lines.claim_of``), reports
(``engine.check_claim``, the one-process checker, then ``service.apply_overrides`` for the overrides kept in the
rules store) and finding rows again. The ruleset goes to the executors once, as a broadcast of its JSON with the stored
overrides; nothing of ours passes through the driver per row.

The input is the interchange fields flattened (``lines.LINE_COLUMNS``: one row per line, claim fields repeated), or
claims in the interchange format itself (a ``lines`` array per row, as JSON lines give it), flattened here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..ruleset import Ruleset
from ..service import Stored, apply_overrides
from .lines import CLAIM_FIELDS, FINDING_COLUMNS, LINE_COLUMNS, LINE_FIELDS, check_rows, finding_rows

_OVERRIDE = ("user", "reason", "at", "source")
_SUGGESTED = T.StructType(
    [T.StructField("code", T.StringType()), T.StructField("units", T.LongType()), T.StructField("modifiers", T.ArrayType(T.StringType()))]
)
FINDINGS_SCHEMA = T.StructType(
    [
        T.StructField("claim_id", T.StringType()),
        T.StructField("status", T.StringType()),
        T.StructField("line", T.LongType()),
        T.StructField("lines", T.ArrayType(T.LongType())),
        T.StructField("rule", T.StringType()),
        T.StructField("category", T.StringType()),
        T.StructField("severity", T.StringType()),
        T.StructField("message", T.StringType()),
        T.StructField("fix", T.StringType()),
        T.StructField("suggested_lines", T.ArrayType(_SUGGESTED)),
        T.StructField("likely_denial", T.StringType()),
        T.StructField("references", T.ArrayType(T.StringType())),
        T.StructField("duplicate_of", T.StringType()),
        T.StructField("ruleset_version", T.StringType()),
        T.StructField("override", T.StructType([T.StructField(n, T.StringType()) for n in _OVERRIDE])),
    ]
)
_ARROW_SUGGESTED = pa.struct([("code", pa.string()), ("units", pa.int64()), ("modifiers", pa.list_(pa.string()))])
ARROW_FINDINGS = pa.schema(
    [
        ("claim_id", pa.string()),
        ("status", pa.string()),
        ("line", pa.int64()),
        ("lines", pa.list_(pa.int64())),
        ("rule", pa.string()),
        ("category", pa.string()),
        ("severity", pa.string()),
        ("message", pa.string()),
        ("fix", pa.string()),
        ("suggested_lines", pa.list_(_ARROW_SUGGESTED)),
        ("likely_denial", pa.string()),
        ("references", pa.list_(pa.string())),
        ("duplicate_of", pa.string()),
        ("ruleset_version", pa.string()),
        ("override", pa.struct([(n, pa.string()) for n in _OVERRIDE])),
    ]
)
assert tuple(FINDINGS_SCHEMA.names) == FINDING_COLUMNS == tuple(ARROW_FINDINGS.names)

_ORDER = "_derm_order"


def session(master: str | None = "local[*]", app_name: str = "derm check", conf: dict[str, str] | None = None) -> SparkSession:
    """A Spark session whose Python workers run this Python (so they import this derm_core). ``master`` None:
    the one ``spark-submit`` set."""
    builder = SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.master(master)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the executors' Python workers: this one, unless told
    for key, value in {"spark.ui.showConsoleProgress": "false", **(conf or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def read_lines(spark: SparkSession, path: str | Path) -> DataFrame:
    """Claim lines (or claims) from Parquet (a file or a folder), CSV with a header row, or JSON (JSON lines, or one
    array). CSV cells are read as text; ``check_dataframe`` reads the numbers and lists in them."""
    p = str(path)
    suffix = Path(p).suffix.lower()
    if suffix == ".csv":
        return spark.read.csv(p, header=True, inferSchema=False, escape='"')  # quotes doubled inside a cell, as spreadsheets write them
    if suffix in (".json", ".jsonl", ".ndjson"):
        multi = Path(p).is_file() and Path(p).read_bytes()[:4096].lstrip()[:1] == b"["
        return spark.read.json(p, multiLine=multi)
    return spark.read.parquet(p)


def _flatten_claims(df: DataFrame) -> DataFrame:
    """Claims with a ``lines`` array (the interchange format as JSON gives it) -> one row per line."""
    have = set(df.columns)

    def field(struct: str, name: str) -> Column:
        if struct not in have:
            return F.lit(None).cast("string")
        kinds = dict((f.name, f.dataType) for f in df.schema[struct].dataType.fields)  # type: ignore[attr-defined]
        return F.col(f"{struct}.{name}") if name in kinds else F.lit(None).cast("string")

    head = [F.col(c) if c in have else F.lit(None).cast("string").alias(c) for c in ("claim_id", "date_of_service", "place_of_service")]
    head += [field("payer", "type").alias("payer_type"), field("payer", "name").alias("payer_name")]
    head += [F.col(c) if c in have else F.lit(None).cast("string").alias(c) for c in ("rendering_npi", "diagnoses")]
    exploded = df.select(*head, F.posexplode("lines").alias("line", "_l"))
    line_kinds = {f.name for f in exploded.schema["_l"].dataType.fields}  # type: ignore[attr-defined]

    def line_field(name: str, alias: str | None = None) -> Column:
        col = F.col(f"_l.{name}") if name in line_kinds else F.lit(None).cast("string")
        return (F.to_json(col) if name == "facts" and name in line_kinds else col).alias(alias or name)

    rest = [line_field(n) for n in ("code", "modifiers", "units", "dx", "prior_auth", "charge", "facts")]
    rest += [line_field("date_of_service", "line_date_of_service"), line_field("rendering_npi", "line_rendering_npi")]
    return exploded.select(*CLAIM_FIELDS, "line", *rest)


def _ruleset_of(text: str, _cache: dict[int, Ruleset] = {}) -> Ruleset:  # noqa: B006 (one per worker process)
    key = hash(text)
    if key not in _cache:
        from ..engine import warm_up

        _cache.clear()
        _cache[key] = Ruleset.model_validate_json(text)
        warm_up()
    return _cache[key]


def check_arrow_batches(
    batches: Iterable[pa.RecordBatch], ruleset: Ruleset, numbered: bool, stored: Mapping[str, list[Stored]] | None = None
) -> Iterator[pa.RecordBatch]:
    """Finding batches (``ARROW_FINDINGS``) from claim-line batches in which each claim's rows are together, in order
    (a claim may go on from one batch to the next). ``numbered``: the rows carry the input's ``line`` numbers.
    ``stored``: the overrides of the rules store by claim id (``service.stored_overrides``), applied as
    ``service.check`` applies them."""
    pending: list[dict[str, Any]] = []  # a claim whose rows may go on in the next batch

    def done(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        report = check_rows(rows, ruleset)
        if stored:
            report = apply_overrides(report, stored.get(report.claim_id.strip(), ()))
        return finding_rows(report, ruleset.version, [r["line"] for r in rows] if numbered else None)

    for batch in batches:
        out: list[dict[str, Any]] = []
        for row in batch.to_pylist():
            if pending and row["claim_id"] != pending[0]["claim_id"]:
                out += done(pending)
                pending = []
            pending.append(row)
        if out:
            yield pa.RecordBatch.from_pylist(out, schema=ARROW_FINDINGS)
    if pending:
        yield pa.RecordBatch.from_pylist(done(pending), schema=ARROW_FINDINGS)


def check_dataframe(df: DataFrame, ruleset: Ruleset | None = None, partitions: int | None = None, *, stored: bool = True) -> DataFrame:
    """The findings (``FINDINGS_SCHEMA``, one row per finding) of the claims whose lines are in ``df``.

    ``df`` needs ``claim_id`` and ``code``; the other columns of ``lines.LINE_COLUMNS`` are optional and any other
    column is ignored. Lines are ordered by ``line`` when there is one, else as they come. A claim with no finding
    has no row. ``ruleset``: the current one (``service.ruleset()``) when None. ``partitions``: how many groups of
    claims the work is cut into (four per core by default). The overrides kept in the rules store are read once
    (``service.stored_overrides``), go to the executors with the ruleset, and are applied as ``derm check`` applies
    them (``stored=False``: none).
    """
    from .. import service

    if "lines" in df.columns:
        df = _flatten_claims(df)
    missing = [c for c in ("claim_id", "code") if c not in df.columns]
    if missing:
        raise ValueError(f"the claim lines have no {' or '.join(missing)} column (columns: {', '.join(df.columns)})")
    if ruleset is None:
        ruleset = service.ruleset()
    spark = df.sparkSession
    have = [c for c in LINE_COLUMNS if c in df.columns]
    order = F.col("line").cast("long") if "line" in have else F.monotonically_increasing_id()
    cols = [F.col(c).cast("string").alias(c) if c == "claim_id" else F.col(c) for c in have if c != "line"]
    if "line" in have:
        cols.append(F.col("line").cast("long").alias("line"))
    lines = df.select(*cols, order.alias(_ORDER))
    lines = lines.withColumn("claim_id", F.coalesce("claim_id", F.concat(F.lit("row-"), F.monotonically_increasing_id().cast("string"))))
    n = partitions or max(1, spark.sparkContext.defaultParallelism * 4)
    lines = lines.repartition(n, "claim_id").sortWithinPartitions("claim_id", _ORDER)
    overrides = service.stored_overrides(None) if stored else {}
    shared = spark.sparkContext.broadcast((ruleset.model_dump_json(), overrides))
    numbered = "line" in have

    def check_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        text, found = shared.value
        return check_arrow_batches(batches, _ruleset_of(text), numbered, found)

    return lines.mapInArrow(check_batches, FINDINGS_SCHEMA)


__all__ = ["FINDINGS_SCHEMA", "LINE_FIELDS", "check_dataframe", "read_lines", "session"]
