"""`derm check --format json` as machines and people read it: compact by default, `--indent` for people, the same
document however many processes check the batch, and the contract's shape."""

import json
import sys

from typer.testing import CliRunner

from derm_cli.batch import FORK_MIN
from derm_cli.main import app
from derm_core.models import Claim
from derm_core.ruleset import default_ruleset
from derm_core.service import check

sys.path.insert(0, str(__import__("testpaths").ROOT / "benchmarks"))
from check_throughput import make_claims

runner = CliRunner()


def test_compact_by_default_indented_on_request_and_the_same_document(tmp_path):
    p = tmp_path / "c.json"
    raw = make_claims(40, seed=3)
    p.write_text(json.dumps(raw))
    compact = runner.invoke(app, ["check", str(p), "--format", "json"])
    pretty = runner.invoke(app, ["check", str(p), "--format", "json", "--indent", "2"])
    assert compact.exit_code == pretty.exit_code == 1
    assert compact.stdout.count("\n") == 1 and "\n  " in pretty.stdout
    doc = json.loads(compact.stdout)
    assert json.loads(pretty.stdout) == doc
    expected = check([Claim.model_validate(c) for c in raw], default_ruleset()).model_dump(mode="json")
    assert doc == expected  # the document the report model gives (contracts section 2)


def test_a_batch_split_across_processes_gives_the_same_bytes(tmp_path):
    p = tmp_path / "big.json"
    raw = make_claims(FORK_MIN + 10, seed=5)
    raw[7]["lines"] = "not a list"  # an unusable claim in the first share, and one in the second
    raw[-3]["lines"][0]["units"] = "many"
    p.write_text(json.dumps(raw))
    one = runner.invoke(app, ["check", str(p), "--format", "json", "--jobs", "1"])
    two = runner.invoke(app, ["check", str(p), "--format", "json", "--jobs", "2"])
    assert one.exit_code == two.exit_code == 2
    assert one.stdout == two.stdout and one.stderr == two.stderr
    assert "claim BENCH-7: lines" in two.stderr and f"claim BENCH-{FORK_MIN + 7}: lines[0].units" in two.stderr
    ids = [c["claim_id"] for c in json.loads(two.stdout)["claims"]]
    assert len(ids) == FORK_MIN + 8 and ids[:7] == [f"BENCH-{i}" for i in range(7)] and ids[-1] == f"BENCH-{FORK_MIN + 9}"


def test_notes_of_a_pasted_claim_follow_the_claims():
    result = runner.invoke(app, ["check", "--text", "99213-25 L57.0; 17000 L57.0; medicare; zzqx", "--format", "json"])
    doc = json.loads(result.stdout)
    assert list(doc) == ["ruleset", "data", "claims", "notes"]
    assert any("zzqx" in n for n in doc["notes"])
