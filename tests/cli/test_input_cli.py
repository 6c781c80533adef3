"""The `derm` command never drops an argument silently, never hides an error in pasted text, and speaks to billers:
through the real command (typer's runner on the app, and the installed `derm` as a process)."""

import json
import shutil
import subprocess

import pytest
from testpaths import EXAMPLES
from typer.testing import CliRunner

from derm_cli import main
from derm_cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide(monkeypatch):
    """A wide terminal, so that a table cell's text is on one line."""
    monkeypatch.setattr(main.out, "width", 400)


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def findings(result):
    return {f["rule"]: f for f in json.loads(result.stdout)["claims"][0]["findings"]}


def test_unquoted_text_is_one_claim():
    quoted = run("check", "--text", "99213-25 L40.0 medicare 2026-03-02", "-f", "json")
    unquoted = run("check", "--text", "99213-25", "L40.0", "medicare", "2026-03-02", "-f", "json")
    assert unquoted.exit_code == quoted.exit_code == 0, unquoted.output
    assert "DRM021" not in findings(unquoted)  # the diagnosis L40.0 was read: no false "no diagnosis"
    assert json.loads(unquoted.stdout)["claims"] == json.loads(quoted.stdout)["claims"]


@pytest.mark.parametrize("extra", [str(EXAMPLES / "claims.yaml"), "claims.json", "-"])
def test_a_file_with_text_is_refused(extra):
    result = run("check", "--text", "17110 L82.1", extra)
    assert result.exit_code == 2
    assert "not both" in result.stderr and extra in result.stderr
    assert result.stdout == ""  # nothing was checked


def test_unquoted_question():
    quoted = run("ask", "how many units of 17003 for 9 AKs", "-f", "json")
    unquoted = run("ask", "how", "many", "units", "of", "17003", "for", "9", "AKs", "-f", "json")
    assert unquoted.exit_code == 0, unquoted.output
    assert json.loads(unquoted.stdout) == json.loads(quoted.stdout)
    assert json.loads(unquoted.stdout)["lines"] == [
        {"code": "17000", "units": 1, "modifiers": []},
        {"code": "17003", "units": 8, "modifiers": []},
    ]


def test_a_second_date_does_not_hide_the_mohs_pathology_error():
    result = run("check", "--text", "17311 C44.311; 88305 C44.311; medicare 3/2/26 bx was 2/10/26", "-f", "json")
    assert result.exit_code == 1
    assert {"DRM205", "TXT001", "TXT002"} <= set(findings(result))
    doc = json.loads(result.stdout)
    assert doc["claims"][0]["status"] == "error" and any("2026-02-10" in n for n in doc["notes"])


def test_a_claim_read_in_part_is_a_warning_in_the_table():
    result = run("check", "--text", "17000 L57.0; 17003 x2 L57.0; medicare 2026-03-02 see note")
    assert result.exit_code == 0
    assert "WARNING" in result.stdout and "TXT001" in result.stdout
    assert "Not understood: see note" in result.stdout


def test_a_date_of_service_decades_ago_in_a_file(tmp_path):
    p = tmp_path / "old.json"
    p.write_text(json.dumps({"date_of_service": "1961-03-02", "diagnoses": ["L57.0"], "lines": [{"code": "17000"}]}))
    result = run("check", str(p), "-f", "json")
    assert result.exit_code == 1
    f = findings(result)["DRM002"]
    assert f["category"] == "data_quality" and f["severity"] == "error" and "years ago" in f["message"]


@pytest.mark.parametrize("claim", ['"11102 x0 L82.1; 11102 x0 L82.1; medicare 2026-03-02"', "file"])
def test_zero_units_on_biopsies_is_a_finding_and_the_batch_goes_on(claim, tmp_path):
    if claim == "file":
        p = tmp_path / "zero.json"
        zero = {"claim_id": "Z1", "date_of_service": "2026-03-02", "diagnoses": ["L82.1"]}
        zero["lines"] = [{"code": "11102", "units": 0}, {"code": "11102", "units": 0}]
        fine = {"claim_id": "Z2", "date_of_service": "2026-03-02", "diagnoses": ["L57.0"], "lines": [{"code": "17000"}]}
        p.write_text(json.dumps([zero, fine]))
        result = run("check", str(p), "-f", "json")
    else:
        result = run("check", "--text", claim.strip('"'), "-f", "json")
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    doc = json.loads(result.stdout)
    first = doc["claims"][0]
    dq = [f for f in first["findings"] if f["rule"] == "DRM003"]
    assert dq and all(f["category"] == "data_quality" for f in dq)
    assert any(u["check"] == "DRM301" for u in first["unchecked"])
    if claim == "file":
        assert [c["claim_id"] for c in doc["claims"]] == ["Z1", "Z2"]


def test_a_count_error_found_by_two_rules_is_shown_once():
    text = "17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02"
    doc = findings(run("check", "--text", text, "-f", "json"))
    assert doc["DRM110"]["related"] == ["DRM050"] and doc["DRM050"]["duplicate_of"] == "DRM110"
    assert doc["DRM050"]["lines"] == doc["DRM110"]["lines"] == [0, 1]
    table = run("check", "--text", text).stdout
    assert "DRM110" in table and "DRM050" in table.split("DRM110", 1)[1]  # as "also DRM050", under DRM110
    assert "│ DRM050" not in table  # not a row of its own
    assert "Bill: 17004 x1" in table


def test_a_payer_unit_limit_fix_does_not_repeat_the_error(tmp_path):
    rules = tmp_path / "rules.yaml"
    from derm_core.ruleset import default_ruleset

    doc = default_ruleset().model_dump(mode="json")
    doc["unit_limits"] = [*doc["unit_limits"], {"payer": "Acme Health", "code": "17003", "max_units": 10}]
    rules.write_text(json.dumps(doc))
    text = "17000 L57.0; 17003 x11 L57.0; payer Acme Health 2026-03-02"
    result = run("check", "--text", text, "--rules", str(rules), "-f", "json")
    f = findings(result)["DRM050"]
    assert f["suggested_lines"] == [{"code": "17003", "units": 10, "modifiers": []}]
    assert "17003 x11" not in f["fix"]
    table = run("check", "--text", text, "--rules", str(rules)).stdout
    assert "Bill: 17000 x1 + 17003 x10" in table  # the whole corrected claim


def test_a_charge_sheet_points_to_derm_sheet_check():
    result = run("check", str(EXAMPLES / "charges.xlsx"))
    assert result.exit_code == 2
    assert "derm sheet check" in result.stderr and "Error" not in result.stderr


def test_category_labels_in_text_output():
    table = run("check", "--text", "99213 L40.0; 17000 L57.0; medicare 2026-03-02").stdout
    assert "Missing modifier (modifier_missing)" in table


@pytest.mark.skipif(shutil.which("derm") is None and not (EXAMPLES.parent / ".venv/bin/derm").exists(), reason="derm not installed")
def test_the_installed_command_joins_unquoted_text():
    derm = shutil.which("derm") or str(EXAMPLES.parent / ".venv/bin/derm")
    done = subprocess.run(
        [derm, "check", "--text", "99213-25", "L40.0", "medicare", "2026-03-02", "-f", "json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "DRM021" not in {f["rule"] for f in json.loads(done.stdout)["claims"][0]["findings"]}
