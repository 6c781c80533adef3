"""The `derm` command: the check report contract, exit codes and error messages (contracts sections 2 and 3)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from testpaths import ROOT
from typer.testing import CliRunner

from derm_cli.main import app

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_check_json_follows_the_report_contract():
    result = run("check", str(ROOT / "examples/claims.yaml"), "--format", "json")
    assert result.exit_code == 1  # S-1002 has errors
    doc = json.loads(result.stdout)
    assert doc["ruleset"]["version"] and doc["ruleset"]["effective"]
    assert doc["data"]["icd10cm"].startswith("ICD-10-CM")
    by_id = {c["claim_id"]: c for c in doc["claims"]}
    assert by_id["S-1001"]["status"] == "clean"
    assert by_id["S-1002"]["status"] == "error"
    f = next(f for f in by_id["S-1002"]["findings"] if f["rule"] == "DRM110")
    assert f["category"] == "code_selection" and f["severity"] == "error" and f["lines"] == [0, 1]
    assert f["suggested_lines"] == [{"code": "17004", "units": 1, "modifiers": []}]
    assert set(f) >= {"rule", "category", "severity", "lines", "message", "fix", "suggested_lines", "references"}
    assert any(u["check"] == "NCCI" for u in by_id["S-1002"]["unchecked"])


def test_clean_claims_exit_zero(tmp_path):
    p = tmp_path / "c.json"
    p.write_text(
        json.dumps(
            {
                "claims": [
                    {
                        "date_of_service": "2026-03-02",
                        "payer": {"type": "medicare"},
                        "diagnoses": ["L57.0"],
                        "lines": [{"code": "17000", "facts": {"lesion_count": 1}}],
                    }
                ]
            }
        )
    )
    result = run("check", str(p), "-f", "json")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["claims"][0]["claim_id"] == "claim-1"


@pytest.mark.parametrize("content", ["[]", '{"claims": []}'])
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_file_without_claims_says_nothing_was_checked(tmp_path, content, fmt):
    p = tmp_path / "none.json"
    p.write_text(content)
    result = run("check", str(p), "-f", fmt)
    assert result.exit_code == 0
    assert f"no claims in {p}: nothing was checked" in " ".join(result.stderr.split())
    if fmt == "json":
        assert json.loads(result.stdout)["claims"] == []


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("lines: [{code: '17000', units: three}]", "lines[0].units"),
        ("lines: [{code: '17000', colour: red}]", "lines[0].colour: unknown field"),
        ("{not json", "not valid JSON or YAML"),
        ("claim_id: Z9\npayer: {type: martian}\nlines: [{code: '17000'}]", "claim Z9: payer.type"),
        ("- 42", "expected a claim"),
    ],
)
def test_unusable_input_exits_2_naming_file_claim_and_field(tmp_path, content, needle):
    p = tmp_path / "bad.yaml"
    p.write_text(content)
    result = run("check", str(p))
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr and needle in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_values_are_checked_and_the_rest_of_the_batch_too(tmp_path):
    claims = [
        {
            "claim_id": "B1",
            "date_of_service": "2026-03-02",
            "payer": {"type": "medicare"},
            "rendering_npi": "1234567890",
            "diagnoses": ["L57.0"],
            "lines": [{"code": "", "units": 0}],
        },
        {
            "claim_id": "B2",
            "date_of_service": "2099-01-01",
            "payer": {"type": "medicare"},
            "diagnoses": ["L57.0"],
            "lines": [{"code": "17000"}],
        },
        {
            "claim_id": "B3",
            "date_of_service": "2026-03-02",
            "payer": {"type": "medicare"},
            "diagnoses": ["L57.0"],
            "lines": [{"code": "17000", "facts": {"lesion_count": 1}}],
        },
    ]
    p = tmp_path / "batch.json"
    p.write_text(json.dumps(claims))
    result = run("check", str(p), "-f", "json")
    assert result.exit_code == 1
    by_id = {c["claim_id"]: c for c in json.loads(result.stdout)["claims"]}
    assert {f["rule"] for f in by_id["B1"]["findings"]} >= {"DRM001", "DRM003", "DRM004"}
    assert "DRM002" in {f["rule"] for f in by_id["B2"]["findings"]}
    assert by_id["B3"]["status"] == "clean"


def test_one_unusable_claim_does_not_hide_the_others(tmp_path):
    p = tmp_path / "mixed.yaml"
    p.write_text(
        "- {claim_id: OK1, date_of_service: 2026-03-02, lines: [{code: '17000'}]}\n- {claim_id: BAD, lines: [{code: '17000', units: lots}]}\n"
    )
    result = run("check", str(p), "-f", "json")
    assert result.exit_code == 2
    assert [c["claim_id"] for c in json.loads(result.stdout)["claims"]] == ["OK1"]
    assert "claim BAD: lines[0].units" in result.stderr


def test_missing_file_exits_2():
    result = run("check", "no/such/file.yaml")
    assert result.exit_code == 2 and "no/such/file.yaml" in result.stderr


def test_pasted_text_and_stdin():
    text = "99213 25 L57.0; 17000 L57.0; 17003 x14 L57.0; medicare"
    for result in (run("check", "--text", text, "-f", "json"), run("check", "--text", "-", "-f", "json", input=text)):
        doc = json.loads(result.stdout)
        assert result.exit_code == 1
        assert [ln for f in doc["claims"][0]["findings"] for ln in f["suggested_lines"]]
        assert any("No date of service" in n for n in doc["notes"])


def test_pasted_text_without_codes_is_a_clear_error():
    result = run("check", "--text", "hello there")
    assert result.exit_code == 2 and "no procedure code" in result.stderr


def test_suggest_contract(tmp_path):
    p = tmp_path / "req.json"
    p.write_text(json.dumps({"procedure": "destruction", "pathology": "premalignant", "lesion_count": 16}))
    result = run("suggest", str(p), "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["lines"] == [{"code": "17004", "units": 1, "modifiers": []}] and "17004" in doc["explanation"]
    stdin = run("suggest", "-", "-f", "json", input='{"procedure": "skin_tag_removal", "lesion_count": 22}')
    assert [ln["code"] for ln in json.loads(stdin.stdout)["lines"]] == ["11200", "11201"]


@pytest.mark.parametrize(
    ("request_text", "needle"), [('{"procedure": "teleport"}', "procedure"), ('{"procedure": "mohs", "site": "nose"}', "mohs_stage_blocks")]
)
def test_suggest_errors_name_the_field(request_text, needle):
    result = run("suggest", "-", input=request_text)
    assert result.exit_code == 2 and needle in result.stderr


def test_rule_docs_match_the_generated_reference():
    result = run("rule", "drm110")
    assert result.exit_code == 0
    assert "DRM110" in result.stdout and "What it does" in result.stdout and "Example (fails)" in result.stdout
    assert run("rule", "DRM999").exit_code == 2
    reference = (ROOT / "docs/rules.md").read_text()
    assert reference == run("rule", "--markdown").stdout, "docs/rules.md is stale: run `make docs`"


def test_code_lookup():
    assert "deleted" in run("code", "17001").stdout or "not a valid code" in run("code", "17001").stdout
    assert "Not billable" in run("code", "C44.3").stdout
    assert "Billable" in run("code", "c44319").stdout


@pytest.mark.slow
def test_installed_entry_point():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "derm"), "check", str(ROOT / "examples/claims.yaml"), "-f", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and json.loads(result.stdout)["claims"]
