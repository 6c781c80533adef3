"""The rules core under Pyodide (the Python that xlwings Lite runs inside Excel), in node, from the ``pyodide`` npm
package (tests/excel/pyodide/), with no network but the package index.

What runs: the core-only wheel (``python -m excel_addin.lite``) and the pure-Python wheels it needs from the package
index are unpacked into Pyodide's site-packages; every module is compiled by Pyodide's Python, and the modules that
need nothing else are imported and used. What cannot be had here: Pyodide's own WebAssembly builds of pydantic-core
and PyYAML come from Pyodide's CDN, not from the npm package or the package index, so the modules that import
pydantic or yaml cannot be imported here. The test asserts that those, and only those, are what is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from excel_addin.lite import build_core_wheel

HERE = Path(__file__).parent / "pyodide"
CDN_ONLY = {"pydantic_core": "pydantic-core", "yaml": "PyYAML"}  # WebAssembly builds Pyodide loads from its CDN
PURE = ["pydantic", "pydantic-settings", "python-dotenv", "typing-extensions", "annotated-types", "typing-inspection", "simple-icd-10-cm"]


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    build_core_wheel(folder)
    got = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--python-version", "3.14",
         "--implementation", "py", "--abi", "none", "--platform", "any", "-d", str(folder), *PURE],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if got.returncode != 0:
        pytest.skip(f"the package index cannot be reached: {got.stderr[-300:]}")
    return folder


@pytest.mark.slow
def test_the_core_wheel_depends_only_on_what_pyodide_ships_or_pure_wheels(wheels):
    wheel = next(wheels.glob("derm_billing_core-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        meta = zf.read(next(n for n in zf.namelist() if n.endswith("METADATA"))).decode()
        names = zf.namelist()
    required = [
        line.split(":", 1)[1].split(";")[0].strip()
        for line in meta.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    lock = json.loads((HERE / "node_modules" / "pyodide" / "pyodide-lock.json").read_text()) if (HERE / "node_modules").exists() else None
    shipped = {k.lower().replace("_", "-") for k in lock["packages"]} if lock else set()
    pure = {p.name.split("-")[0].lower().replace("_", "-") for p in wheels.glob("*.whl")}
    for req in required:
        name = req.split("<")[0].split(">")[0].split("=")[0].strip().lower().replace("_", "-")
        assert name in shipped or name in pure, f"{name} is neither shipped by Pyodide nor a pure wheel"
    assert not any(n.startswith(("derm_core/store/", "derm_core/denials/")) or n == "derm_core/web.py" for n in names)
    assert "Requires-Dist: rapidfuzz" in meta and 'extra == "fuzzy"' in meta  # optional


@pytest.mark.slow
def test_the_core_runs_under_pyodide_in_node(wheels):
    if shutil.which("node") is None or not (HERE / "node_modules" / "pyodide").exists():
        pytest.skip("node and the pyodide npm package are not installed (npm ci --prefix tests/excel/pyodide)")
    done = subprocess.run(["node", "run.mjs", str(wheels), "probe.py"], cwd=HERE, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["platform"] == "emscripten" and report["compiled"] is True  # every module compiles under Pyodide's Python
    assert report["checks"]["values"] == ["11102", "2026-11-02", -18.0]
    assert report["checks"]["icd"] == ["billable", "header", "L57.0"]  # the ICD-10-CM tables load in WebAssembly
    for module, outcome in report["imports"].items():
        if outcome != "ok":
            missing = outcome.removeprefix("missing ")
            assert missing in CDN_ONLY, f"{module}: {outcome}"  # only Pyodide's CDN builds are missing
    print("cannot be had here (Pyodide CDN only):", ", ".join(sorted(CDN_ONLY.values())))
