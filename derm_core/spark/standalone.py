"""A Spark standalone cluster on this machine, from the pyspark install: one master and its workers on loopback.

For the tests and the benchmark, and to try a job before a real cluster: the same ``spark://`` URL and the same
code as a cluster of many machines, here with every daemon bound to 127.0.0.1. Needs Java 17 or later.

>>> with local_cluster(workers=2) as url:  # doctest: +SKIP
...     spark = session(url)
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def spark_home() -> Path:
    """The Spark distribution inside the pyspark package (its ``bin/spark-class`` starts the daemons)."""
    import pyspark

    return Path(pyspark.__file__).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive_workers(ui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as r:
            return int(json.load(r).get("aliveworkers", 0))
    except (OSError, ValueError):
        return 0


@contextmanager
def local_cluster(workers: int = 2, cores: int = 1, memory: str = "1g", timeout: float = 90.0) -> Iterator[str]:
    """Start a master and ``workers`` workers (``cores`` and ``memory`` each) on loopback; yields the master URL once
    every worker has registered, and stops them all on exit."""
    home = spark_home()
    work = Path(tempfile.mkdtemp(prefix="derm-spark-"))
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_WORKER_DIR": str(work / "work")}
    env.setdefault("SPARK_LOG_DIR", str(work / "logs"))
    port, ui = _free_port(), _free_port()
    spark_class = [str(home / "bin" / "spark-class")]
    procs: list[subprocess.Popen[bytes]] = []

    def start(args: list[str], log: str) -> None:
        with open(work / log, "wb") as out:
            procs.append(subprocess.Popen(spark_class + args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))

    try:
        master = ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui)]
        start(master, "master.log")
        url = f"spark://127.0.0.1:{port}"
        for i in range(workers):
            worker = ["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--webui-port", str(_free_port())]
            start([*worker, "--cores", str(cores), "--memory", memory, "--work-dir", str(work / f"work{i}"), url], f"worker{i}.log")
        deadline = time.monotonic() + timeout
        while _alive_workers(ui) < workers:
            dead = [p for p in procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = "\n".join((work / f).read_text(errors="replace")[-2000:] for f in sorted(os.listdir(work)) if f.endswith(".log"))
                raise RuntimeError(f"the standalone cluster did not start ({len(dead)} daemons exited):\n{logs}")
            time.sleep(0.5)
        yield url
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)
