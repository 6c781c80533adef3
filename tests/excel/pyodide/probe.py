# Run under Pyodide by run.mjs: what of the core works there, as JSON.
import compileall
import importlib
import json
import platform
import sys
import traceback

report = {"python": platform.python_version(), "platform": sys.platform, "imports": {}, "checks": {}}
report["compiled"] = bool(compileall.compile_dir(importlib.util.find_spec("derm_core").submodule_search_locations[0], quiet=1))
for name in (
    "derm_core.sheets.values",
    "derm_core.icd",
    "simple_icd_10_cm",
    "pydantic",
    "yaml",
    "derm_core.models",
    "derm_core.vocab",
    "derm_core.sheets.rows",
    "derm_core.service",
):
    try:
        importlib.import_module(name)
        report["imports"][name] = "ok"
    except ImportError as err:
        report["imports"][name] = f"missing {err.name}"
    except Exception as err:
        report["imports"][name] = f"{type(err).__name__}: {err}"
try:
    from derm_core.sheets.values import number, parse_date, text

    report["checks"]["values"] = [text(11102.0), str(parse_date("02-NOV-2026")[0]), number("($18.00)")]
except Exception:
    report["checks"]["values"] = traceback.format_exc(limit=1)
try:
    from derm_core import icd

    report["checks"]["icd"] = [icd.status("L57.0"), icd.status("C44.3"), icd.normalize("l570")]
except Exception:
    report["checks"]["icd"] = traceback.format_exc(limit=1)
json.dumps(report)
