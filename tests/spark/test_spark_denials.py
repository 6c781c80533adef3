"""Remittances analysed on Spark (local[2]) give the one-process analysis: patterns, breakdowns, trend, KPIs."""

from __future__ import annotations

import pytest
from sparkkit import java_missing

pytest.importorskip("pyspark")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(java_missing(), reason="Spark needs Java (openjdk-17-jre-headless)")]


@pytest.fixture(scope="module")
def remits(planted_month):
    """The planted month (a reversal and its correction, planted patterns) and 4 more files of random remittances."""
    from derm_core.denials.synthetic import random_remits, write_835

    folder = planted_month / "remits"
    (folder / "more").mkdir()
    for k in range(4):
        where = folder / "more" if k == 3 else folder  # a folder in the folder is read too
        (where / f"random{k}.835").write_text(write_835(random_remits(100, seed=k, per_remit=50), control=100 + k))
    (folder / "notes.txt").write_text("not a remittance")  # a file that cannot be read: reported, the rest analysed
    return folder


def test_analysis_equals_one_process(remits, tmp_path):
    from typer.testing import CliRunner

    from derm_cli.main import app
    from derm_core.denials.analysis import analyze
    from derm_core.denials.sources import read_paths
    from derm_core.spark import session
    from derm_core.spark.denials import analyze_remittances

    want = analyze(read_paths([remits]))
    assert want.read.reversed >= 1 and want.read.problems and len(want.patterns) > 20
    spark = session("local[2]", conf={"spark.driver.host": "127.0.0.1"})
    try:
        got = analyze_remittances(spark, [remits], partitions=4)
        assert got.model_dump() == want.model_dump()
        out = tmp_path / "denials"
        result = CliRunner().invoke(app, ["denials", "analyze", "--spark", "local[2]", str(remits), "--output", str(out)])
        assert result.exit_code == 2, result.output  # notes.txt could not be read
        assert "notes.txt" in result.output
        patterns = spark.read.parquet(str(out / "patterns.parquet")).orderBy("amount", ascending=False).collect()
        assert [(p["group"], p["reason"], p["code"], p["payer"], p["count"]) for p in patterns[:5]] == [
            (p.group, p.reason, p.code, p.payer, p.count) for p in want.patterns[:5]
        ]
        kpis = {r["kpi"]: r["value"] for r in spark.read.parquet(str(out / "kpis.parquet")).collect()}
        assert kpis == {k: v.value for k, v in want.kpis.items()}
        assert (out / "report.xlsx").stat().st_size > 0
    finally:
        spark.stop()
