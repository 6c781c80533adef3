"""Claims checked on Spark (local[2]) give exactly the findings of one process, from Parquet, CSV and JSON input;
remittances analysed on Spark give the one-process analysis (patterns, breakdowns, trend, KPIs)."""

from __future__ import annotations

import json

import pytest
from sparkkit import generated, java_missing, key, one_process, write_csv, write_json_lines, write_parquet

pytest.importorskip("pyspark")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(java_missing(), reason="Spark needs Java (openjdk-17-jre-headless)")]

CLAIMS = 500


@pytest.fixture(scope="module")
def spark():
    from derm_core.spark import session

    s = session("local[2]", conf={"spark.driver.host": "127.0.0.1", "spark.sql.shuffle.partitions": "4"})
    yield s
    s.stop()


@pytest.fixture(scope="module")
def claims():
    return generated(CLAIMS, seed=11)


@pytest.fixture(scope="module")
def expected(claims, ruleset):
    rows = one_process(claims, ruleset)
    assert {r["severity"] for r in rows} >= {"error", "warning"}  # the generated claims carry the usual mistakes
    return sorted(rows, key=key)


@pytest.mark.parametrize("write", [write_parquet, write_csv, write_json_lines], ids=["parquet", "csv", "json"])
def test_findings_equal_one_process(spark, claims, expected, ruleset, tmp_path, write):
    from derm_core.spark import check_dataframe, read_lines

    suffix = {write_parquet: ".parquet", write_csv: ".csv", write_json_lines: ".json"}[write]
    source = write(claims, tmp_path / f"lines{suffix}")
    got = [r.asDict(recursive=True) for r in check_dataframe(read_lines(spark, source), ruleset, partitions=4).collect()]
    assert sorted(got, key=key) == expected


def test_rows_that_are_not_a_claim_are_named_and_the_rest_checked(spark, ruleset, tmp_path):
    from derm_core.spark import check_dataframe, read_lines

    good = generated(20, seed=3)
    bad = {"claim_id": "BAD-1", "date_of_service": "2026-03-02", "diagnoses": ["L57.0"], "lines": [{"code": "17000", "units": 1}]}
    path = write_csv([*good, bad], tmp_path / "lines.csv")
    path.write_text(path.read_text().replace("BAD-1,,,2026-03-02,,,L57.0,0,17000,,1,", "BAD-1,,,2026-03-02,,,L57.0,0,17000,,two,"))
    got = [r.asDict(recursive=True) for r in check_dataframe(read_lines(spark, path), ruleset).collect()]
    mine = [r for r in got if r["claim_id"] == "BAD-1"]
    assert [(r["rule"], r["severity"]) for r in mine] == [("SHT005", "error")]
    assert "lines[0].units" in mine[0]["message"] and "two" not in mine[0]["message"]  # the field, not the value
    assert sorted((r for r in got if r["claim_id"] != "BAD-1"), key=key) == sorted(one_process(good, ruleset), key=key)


def test_lines_are_put_in_order_and_reported_by_their_line_number(spark, ruleset):
    """Rows arrive in any order; ``line`` orders them, and findings name the input's line numbers."""
    from derm_core.spark import check_dataframe

    rows = [
        {"claim_id": "K1", "line": 20, "code": "17003", "units": 3, "diagnoses": "L57.0", "date_of_service": "2026-03-02", "facts": None},
        {
            "claim_id": "K1",
            "line": 10,
            "code": "17000",
            "units": 1,
            "diagnoses": "L57.0",
            "date_of_service": "2026-03-02",
            "facts": json.dumps({"lesion_count": 3, "pathology": "premalignant"}),
        },
    ]
    got = check_dataframe(spark.createDataFrame(rows), ruleset).collect()
    units = [r for r in got if r["category"] == "units"]
    assert units and all(r["lines"] and set(r["lines"]) <= {10, 20} for r in got if r["lines"])
    assert units[0]["line"] == 20  # 3 lesions: 17000 x1 + 17003 x2, so the 17003 line (line 20) has a unit too many


def test_derm_check_spark_writes_parquet_findings(spark, claims, expected, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from derm_cli.main import app
    from derm_core import live

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # no rules store (another test may have made one)
    live.reset()  # the shipped ruleset, as `expected` was computed with

    source = write_parquet(claims[:200], tmp_path / "in.parquet")
    result = CliRunner().invoke(app, ["check", "--spark", "local[2]", str(source), str(tmp_path / "out")])
    assert result.exit_code == 1, result.output  # the generated claims hold errors
    assert "Findings written to" in result.output
    got = [r.asDict(recursive=True) for r in spark.read.parquet(str(tmp_path / "out")).collect()]
    ids = {c["claim_id"] for c in claims[:200]}
    assert sorted(got, key=key) == [r for r in expected if r["claim_id"] in ids]
    again = CliRunner().invoke(app, ["check", "--spark", str(source), str(tmp_path / "out")])
    assert again.exit_code == 2 and "exists" in again.output


def test_stored_overrides_apply_as_in_one_process(spark, claims, expected, ruleset, tmp_path, monkeypatch):
    """Overrides kept in the rules store (a whole-claim one, one on a line) change the same findings and statuses on
    Spark as in one process (``service.check``)."""
    from derm_core import live
    from derm_core.spark import check_dataframe
    from derm_core.store import open_store

    url = f"sqlite:///{tmp_path / 'rules.db'}"
    monkeypatch.setenv("DERM_RULES_DB", url)
    live.reset()
    store = open_store(url)
    try:
        errors = [r for r in expected if r["severity"] == "error"][:6]
        for k, r in enumerate(errors):
            line = r["lines"][0] if k % 2 and r["lines"] else None
            store.add_override(user="bea", reason="Documented apart", rule=r["rule"], claim_ref=r["claim_id"], line=line)
        source = write_parquet(claims, tmp_path / "lines.parquet")
        want = sorted(one_process(claims, ruleset), key=key)
        got = [r.asDict(recursive=True) for r in check_dataframe(spark.read.parquet(str(source)), ruleset, partitions=4).collect()]
    finally:
        store.close()
        live.reset()
    overridden = [r for r in want if r["override"]]
    assert len(overridden) >= len(errors) and {r["override"]["user"] for r in overridden} == {"bea"}
    assert want != expected  # the overrides changed findings (and statuses) in one process
    assert sorted(got, key=key) == want


@pytest.fixture(scope="module")
def remits(planted_month, tmp_path_factory):
    """A copy of the planted month (a reversal and its correction, planted patterns) and 4 more files of random
    remittances (in the copy: the session's planted month stays as other tests expect it)."""
    import shutil

    from derm_core.denials.synthetic import random_remits, write_835

    folder = tmp_path_factory.mktemp("spark-remits") / "remits"
    shutil.copytree(planted_month / "remits", folder)
    (folder / "more").mkdir()
    for k in range(4):
        where = folder / "more" if k == 3 else folder  # a folder in the folder is read too
        (where / f"random{k}.835").write_text(write_835(random_remits(100, seed=k, per_remit=50), control=100 + k))
    (folder / "notes.txt").write_text("not a remittance")  # a file that cannot be read: reported, the rest analysed
    return folder


def test_denials_analysis_equals_one_process(spark, remits, tmp_path):
    from typer.testing import CliRunner

    from derm_cli.main import app
    from derm_core.denials.analysis import analyze
    from derm_core.denials.sources import read_paths
    from derm_core.spark.denials import analyze_remittances

    want = analyze(read_paths([remits]))
    assert want.read.reversed >= 1 and want.read.problems and len(want.patterns) > 20
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


@pytest.fixture(scope="module")
def checked_files(planted_month, remits, tmp_path_factory):
    """The planted month's check report and claims file, and a claims file (checked when loaded) of generated claims
    under the random remittances' claim ids: each of those ids is remitted in several files, by several payers."""
    folder = tmp_path_factory.mktemp("checked")
    claims = generated(60, seed=4)
    for i, c in enumerate(claims):
        c["claim_id"] = f"R{i:07d}"
    (folder / "more-claims.json").write_text(json.dumps({"claims": claims}))
    return [planted_month / "report.json", planted_month / "claims.json", folder / "more-claims.json"]


def test_denials_matching_equals_one_process(spark, remits, checked_files, tmp_path):
    from typer.testing import CliRunner

    from derm_cli.main import app
    from derm_core.denials.analysis import analyze
    from derm_core.denials.matching import load_checked
    from derm_core.denials.sources import read_paths
    from derm_core.spark.denials import analyze_remittances

    checked, errors = load_checked(checked_files)
    assert errors == []
    want = analyze(read_paths([remits]), checked=checked)
    m = want.matching
    assert all(m.outcomes[o]["count"] > 0 for o in ("caught_and_ignored", "missed", "not_coding", "unknown_reason", "not_checked"))
    assert len({d.payer for d in m.denied_lines}) >= 4 and m.rules and m.missed and m.notes
    assert want.kpis["clean_claim_rate"].value is not None
    got = analyze_remittances(spark, [remits], partitions=4, checked=checked)
    assert got.model_dump() == want.model_dump()

    out = tmp_path / "denials"
    args = ["denials", "analyze", "--spark", "local[2]", str(remits), "--output", str(out)]
    result = CliRunner().invoke(app, [*args, *(a for f in checked_files for a in ("--checked", str(f)))])
    assert result.exit_code == 2, result.output  # notes.txt could not be read
    assert "Against the checker" in result.stdout and "warning" not in result.output
    outcomes = {r["outcome"]: (r["count"], r["amount"]) for r in spark.read.parquet(str(out / "outcomes.parquet")).collect()}
    assert outcomes == {k: (v["count"], v["amount"]) for k, v in m.outcomes.items()}
    assert spark.read.parquet(str(out / "denied_lines.parquet")).count() == len(m.denied_lines)
    scores = {
        r["rule"]: (r["flagged"], r["true_positives"], r["recall"]) for r in spark.read.parquet(str(out / "rule_scores.parquet")).collect()
    }
    assert scores == {s.rule: (s.flagged, s.true_positives, s.recall) for s in m.rules}
    kpis = {r["kpi"]: r["value"] for r in spark.read.parquet(str(out / "kpis.parquet")).collect()}
    assert kpis["clean_claim_rate"] == want.kpis["clean_claim_rate"].value


def test_denials_checked_claims_that_match_no_remitted_claim_warn(spark, tmp_path):
    from testpaths import ROOT
    from typer.testing import CliRunner

    from derm_cli.main import app
    from derm_core.denials.analysis import analyze
    from derm_core.denials.matching import load_checked
    from derm_core.denials.sources import read_paths
    from derm_core.spark.denials import analyze_remittances

    remits, sheet = ROOT / "examples" / "remittances-march.835", ROOT / "examples" / "charges.xlsx"
    checked, _ = load_checked([sheet])
    want = analyze(read_paths([remits]), checked=checked)
    assert analyze_remittances(spark, [remits], checked=checked).model_dump() == want.model_dump()
    out = tmp_path / "denials"
    result = CliRunner().invoke(
        app, ["denials", "analyze", "--spark", "local[2]", str(remits), "--output", str(out), "--checked", str(sheet)]
    )
    assert result.exit_code == 0, result.output
    assert "warning: --checked: none of the" in result.stderr and "no clean claim rate" in result.stderr
    clean = spark.read.parquet(str(out / "kpis.parquet")).where("kpi = 'clean_claim_rate'").collect()[0]
    assert clean["value"] is None and clean["note"] == "no checked claim is in these remittances"
