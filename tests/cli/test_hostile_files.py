"""Hostile and odd claim files through `derm check`: a message naming the file, claim and field (exit 2), or a
data_quality finding while the rest of the batch is checked; never a traceback. The property at the end draws
claims over the whole claim model, written as JSON or YAML, with hostile values anywhere."""

import json
import time
import tracemalloc

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from derm_cli.main import app

runner = CliRunner()
GOOD = {
    "claim_id": "OK-1",
    "payer": {"type": "medicare"},
    "date_of_service": "2026-03-02",
    "diagnoses": ["L57.0"],
    "lines": [{"code": "17000"}],
}


def check(path, *extra):
    result = runner.invoke(app, ["check", str(path), "--format", "json", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr
    return result


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("name", "text", "needles"),
    [
        ("deep.json", "[" * 1000 + "]" * 1000, ["deep.json", "not valid JSON or YAML", "recursion"]),
        ("deep.yaml", "lines: " + "[" * 1000 + "]" * 1000, ["deep.yaml", "not valid JSON or YAML"]),
        ("digits.json", '[{"lines": [{"code": "17000", "units": ' + "9" * 5000 + "}]}]", ["digits.json", "number out of range"]),
        ("digits.yaml", "lines:\n- code: '17000'\n  units: " + "9" * 5000 + "\n", ["digits.yaml", "a number too long to read"]),
        ("hour.yaml", "date_of_service: 2026-03-02 25:00:00\nlines: [{code: '17000'}]\n", ["hour.yaml", "impossible date or time"]),
        ("feb30.yaml", "date_of_service: 2026-02-30\nlines: [{code: '17000'}]\n", ["feb30.yaml", "impossible date or time"]),
        ("nan.json", '[{"lines": [{"code": "17000", "facts": {"size_cm": NaN}}]}]', ["nan.json", "not valid JSON"]),
        ("inf.json", '[{"lines": [{"code": "17000", "facts": {"area_sq_cm": Infinity}}]}]', ["inf.json", "not valid JSON"]),
    ],
)
def test_an_unreadable_file_exits_2_naming_it(tmp_path, name, text, needles):
    result = check(write(tmp_path, name, text))
    assert result.exit_code == 2
    for needle in needles:
        assert needle in result.stderr


@pytest.mark.parametrize(
    ("claim", "field"),
    [
        ({"claim_id": "Y-1", "lines": [{"code": "11102", "facts": {"size_cm": float("nan")}}]}, "lines[0].facts.size_cm"),
        ({"claim_id": "Y-2", "lines": [{"code": "96920", "facts": {"area_sq_cm": float("inf")}}]}, "lines[0].facts.area_sq_cm"),
        ({"claim_id": "Y-3", "lines": [{"code": "17000"}] * 201}, "lines: 201 lines; at most 200"),
        ({"claim_id": "Y-4", "lines": [{"code": "17000", "modifiers": ["59"] * 11}]}, "lines[0].modifiers: 11 modifiers"),
        ({"claim_id": "Y-5", "lines": [{"code": "17003", "units": 10**60}]}, "lines[0].units: more than 99,999"),
        ({"claim_id": "Y-6", "lines": [{"code": "17311", "facts": {"mohs_stage_blocks": [1] * 500}}]}, "lines[0].facts.mohs_stage_blocks"),
        ({"claim_id": "Y-7", "diagnoses": ["L57.0"] * 30, "lines": [{"code": "17000"}]}, "diagnoses: 30 diagnoses"),
    ],
)
def test_a_hostile_claim_is_named_and_the_rest_of_the_batch_is_checked(tmp_path, claim, field):
    p = write(tmp_path, "batch.yaml", yaml.safe_dump([GOOD, claim], sort_keys=False))  # YAML writes .nan and .inf
    result = check(p)
    assert result.exit_code == 2
    assert f"batch.yaml, claim {claim['claim_id']}: {field}" in result.stderr
    doc = json.loads(result.stdout)
    assert [c["claim_id"] for c in doc["claims"]] == ["OK-1"]  # the readable claim was checked


def test_odd_but_readable_values_are_data_quality_findings(tmp_path):
    odd = {
        "claim_id": "Q-1",
        "date_of_service": "2026-03-02",
        "diagnoses": ["L57.0"],
        "lines": [{"code": "17000", "units": 0, "dx": ["9" * 5000, "²"]}, {"code": "17003", "units": -3, "dx": ["1"]}],
    }
    result = check(write(tmp_path, "odd.json", json.dumps([odd, GOOD])))
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [c["claim_id"] for c in doc["claims"]] == ["Q-1", "OK-1"]
    q = doc["claims"][0]
    assert {f["rule"] for f in q["findings"] if f["category"] == "data_quality"} >= {"DRM003"}  # units <= 0
    assert any(f["category"] == "invalid_diagnosis" and "²" in f["message"] for f in q["findings"])


# --- the property: any claim the model can describe, with hostile values anywhere, as JSON or YAML -------------

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", " ", "17000", "L57.0", "C44.3", "99213", "25", "59", "1", "0", "-1", "2026-02-30", "9" * 60, "x" * 2000]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
CODES = st.sampled_from(
    ["17000", "17003", "17004", "11102", "11104", "11305", "11602", "17311", "17312", "88305", "99213", "96920", "J3301", "1700", "ZZZZZ"]
)
DX = st.sampled_from(["L57.0", "C44.319", "C44.3", "D48.5", "L40.0", "1", "2", "99", "Z85.828", "not-a-code"])


def _maybe(strategy):
    return st.one_of(strategy, HOSTILE)


FACTS = st.fixed_dictionaries(
    {},
    optional={
        "lesion_count": _maybe(st.integers(min_value=-5, max_value=10**6)),
        "site": _maybe(st.sampled_from(["trunk", "face", "nose", "scalp", "hand", "ear"])),
        "size_cm": _maybe(st.floats(min_value=-1, max_value=1e6)),
        "pathology": _maybe(st.sampled_from(["benign", "premalignant", "malignant", "in_situ", "pending"])),
        "biopsy_method": _maybe(st.sampled_from(["tangential", "punch", "incisional"])),
        "mohs_stage_blocks": _maybe(st.lists(st.integers(min_value=-2, max_value=10**6), max_size=6)),
        "area_sq_cm": _maybe(st.floats(min_value=-1, max_value=1e9)),
        "lesion_id": _maybe(st.sampled_from(["L1", "L2"])),
        "symptoms": _maybe(st.lists(st.sampled_from(["bleeding", "itching", "change"]), max_size=3)),
        "purpose": _maybe(st.sampled_from(["medical", "cosmetic"])),
        "abn_signed": _maybe(st.booleans()),
        "diagnostic_frozen_section": _maybe(st.booleans()),
        "drug_mg": _maybe(st.floats(min_value=-1, max_value=1e9)),
    },
)
LINE = st.fixed_dictionaries(
    {"code": _maybe(CODES)},
    optional={
        "modifiers": _maybe(st.lists(st.sampled_from(["25", "59", "XS", "26", "TC", "50", "GA", "GY", "58", "79", "QQ"]), max_size=6)),
        "units": _maybe(st.integers(min_value=-3, max_value=10**6)),
        "dx": _maybe(st.lists(DX, max_size=4)),
        "prior_auth": _maybe(st.text(max_size=8)),
        "charge": _maybe(st.floats(min_value=-10, max_value=1e12)),
        "date_of_service": _maybe(st.dates().map(str)),
        "rendering_npi": _maybe(st.sampled_from(["1234567893", "1234567890", "12"])),
        "facts": _maybe(FACTS),
    },
)
CLAIM = st.fixed_dictionaries(
    {"lines": _maybe(st.lists(LINE, max_size=8))},
    optional={
        "claim_id": _maybe(st.text(min_size=1, max_size=12)),
        "payer": _maybe(
            st.fixed_dictionaries(
                {"type": _maybe(st.sampled_from(["medicare", "medicaid", "commercial", "self_pay"]))}, optional={"name": HOSTILE}
            )
        ),
        "date_of_service": _maybe(st.dates().map(str)),
        "place_of_service": _maybe(st.sampled_from(["11", "22", "99"])),
        "rendering_npi": _maybe(st.sampled_from(["1234567893", "1234567890"])),
        "diagnoses": _maybe(st.lists(DX, max_size=5)),
        "unknown_field": HOSTILE,
    },
)


@pytest.fixture(scope="module", autouse=True)
def _warm():
    runner.invoke(app, ["check", "--text", "99213-25 L57.0; 17000 L57.0; medicare", "--format", "json"])  # caches, lazy imports


def _as_json(claims):
    return json.dumps(claims, default=str)  # NaN and Infinity come out as the bare tokens a hostile file has


def _as_yaml(claims):
    return yaml.safe_dump(claims, allow_unicode=True, sort_keys=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(claims=st.lists(CLAIM, min_size=1, max_size=3), fmt=st.sampled_from(["json", "yaml"]))
def test_any_claim_file_gets_a_report_or_a_named_message_in_bounded_time_and_memory(tmp_path, claims, fmt):
    p = tmp_path / f"claims.{fmt}"
    p.write_text(_as_json(claims) if fmt == "json" else _as_yaml(claims), encoding="utf-8")
    tracemalloc.start()
    t0 = time.process_time()  # CPU time: a busy machine slows the clock on the wall, not this
    try:
        result = check(p)
        elapsed = time.process_time() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code in (0, 1, 2)
    assert elapsed < 1.0 * len(claims)  # CPU seconds per claim (tracemalloc slows Python several times over)
    assert peak < 64 * 1024**2 * len(claims)
    if result.exit_code == 2:
        assert f"claims.{fmt}" in result.stderr  # the message names the file (and, for one claim, the claim)
    if result.stdout.strip():
        doc = json.loads(result.stdout)
        assert len(doc["claims"]) <= len(claims)
        assert all(c["status"] in ("clean", "warning", "error") for c in doc["claims"])
