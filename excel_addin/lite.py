"""The core-only wheel for xlwings Lite: ``python -m excel_addin.lite DIST`` builds ``derm_billing_core-*.whl``.

xlwings Lite runs Python in Excel (Pyodide) and installs the packages named in its ``requirements.txt``. The main
package cannot go there: its wheel brings the command line, the Slack and server stack and packages Pyodide has no
build of. This wheel holds ``derm_core`` alone (not the rules store, the denial analysis or the web server, which
need extras) and depends only on packages Pyodide ships (pydantic, PyYAML) or that are pure Python on the package
index (pydantic-settings, simple-icd-10-cm). rapidfuzz is optional (``[fuzzy]``): without it the header and FAQ
matching use the standard library's difflib. The Excel functions themselves (``excel_addin/functions.py``) go into
Lite's ``main.py``; see docs/excel.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "derm-billing-core"
DEPENDENCIES = ["pydantic>=2.7,<3", "pydantic-settings>=2.7,<3", "pyyaml>=6", "simple-icd-10-cm>=1.5,<2"]
OPTIONAL = {"fuzzy": ["rapidfuzz>=3"]}
LEFT_OUT = ("store", "denials", "web.py")  # need SQLAlchemy, the 835 parser and matplotlib, or Starlette


def version() -> str:
    for line in (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines():
        if line.startswith("version = "):
            return line.split('"')[1]
    raise RuntimeError("no version in pyproject.toml")


def build_core_wheel(dist: Path) -> Path:
    """Build the core-only wheel into ``dist``; its path.

    Example: ``build_core_wheel(Path("dist"))`` gives ``dist/derm_billing_core-0.1.0-py3-none-any.whl``.
    """
    dist = Path(dist).resolve()
    dist.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp)
        shutil.copytree(
            ROOT / "derm_core",
            src / "derm_core",
            ignore=lambda folder, names: (
                [n for n in names if n in ("__pycache__", *LEFT_OUT) and Path(folder).name == "derm_core"]
                + [n for n in names if n == "__pycache__"]
            ),
        )
        (src / "README.md").write_text(__doc__ or "", encoding="utf-8")
        optional = "\n".join(f"{k} = {json.dumps(v)}" for k, v in OPTIONAL.items())
        (src / "pyproject.toml").write_text(
            f"""[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "{NAME}"
version = "{version()}"
description = "The dermatology claim checker's rules core, for xlwings Lite and small installs."
readme = "README.md"
license = "Apache-2.0"
requires-python = ">=3.11"
dependencies = {json.dumps(DEPENDENCIES)}

[project.optional-dependencies]
{optional}

[tool.setuptools.packages.find]
include = ["derm_core*"]

[tool.setuptools.package-data]
"*" = ["*.yaml", "*.json"]
""",
            encoding="utf-8",
        )
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)], check=True)
    wheels = sorted(dist.glob(f"{NAME.replace('-', '_')}-{version()}-py3-none-any.whl"))
    if not wheels:
        raise RuntimeError("the wheel was not built")
    return wheels[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description="Build the core-only wheel for xlwings Lite.")
    parser.add_argument("dist", nargs="?", default="dist", type=Path)
    print(build_core_wheel(parser.parse_args().dist))
    return 0


if __name__ == "__main__":
    sys.exit(main())
