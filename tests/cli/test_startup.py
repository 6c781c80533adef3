"""Start-up: what `derm --help` and `derm check` of one claim import, in a fresh process (the timings themselves are
in docs/benchmarks.md, from benchmarks/cli_throughput.py)."""

import json
import subprocess
import sys

from testpaths import ROOT

PROBE = """
import json, sys
sys.argv = {argv!r}
from derm_cli.main import main
try:
    main()
except SystemExit:
    pass
heavy = ("simple_icd_10_cm", "sqlalchemy", "derm_core.engine", "derm_core.faq", "bm25s", "numpy", "pydantic", "yaml", "typer.rich_utils")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def imported(tmp_path, *argv):
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=["derm", *argv])], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


def test_help_imports_none_of_the_core(tmp_path):
    mods, out = imported(tmp_path, "--help")
    assert "check" in out and mods == []


def test_checking_one_json_claim_imports_neither_the_icd_tables_nor_yaml_nor_the_store(tmp_path):
    claim = tmp_path / "one.json"
    claim.write_text(json.dumps({"claim_id": "A1", "date_of_service": "2026-03-02", "diagnoses": ["L57.0"], "lines": [{"code": "17000"}]}))
    for _ in range(2):  # the first run fills the cache of parsed data files; the second reads it
        mods, out = imported(tmp_path, "check", str(claim), "--format", "json")
    assert json.loads(out)["claims"][0]["claim_id"] == "A1"
    assert mods == ["derm_core.engine", "pydantic"]
