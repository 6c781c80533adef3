"""A real standalone cluster: a master and two workers on loopback, started from the pyspark install; a check job
runs across both workers and gives the findings of one process."""

from __future__ import annotations

import json
import urllib.request

import pytest
from sparkkit import generated, java_missing, key, one_process, write_parquet

pytest.importorskip("pyspark")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(java_missing(), reason="Spark needs Java (openjdk-17-jre-headless)")]


def test_a_job_across_two_workers_gives_the_one_process_findings(ruleset, tmp_path):
    from derm_core.spark import check_dataframe, read_lines, session
    from derm_core.spark.standalone import local_cluster

    claims = generated(400, seed=5)
    source = write_parquet(claims, tmp_path / "lines.parquet")
    with local_cluster(workers=2, cores=1, memory="1g") as url:
        spark = session(url, "derm cluster test", conf={"spark.executor.memory": "512m", "spark.driver.host": "127.0.0.1"})
        try:
            got = [r.asDict(recursive=True) for r in check_dataframe(read_lines(spark, source), ruleset, partitions=4).collect()]
            app = spark.sparkContext.applicationId
            with urllib.request.urlopen(f"{spark.sparkContext.uiWebUrl}/api/v1/applications/{app}/executors", timeout=10) as r:
                executors = [e for e in json.load(r) if e["id"] != "driver"]
        finally:
            spark.stop()
    assert sorted(got, key=key) == sorted(one_process(claims, ruleset), key=key)
    assert len(executors) == 2 and all(e["totalTasks"] > 0 for e in executors)  # both workers did part of the job
