"""The README's commands work as written: every line of its ``sh`` blocks after `make demo` runs, with `derm` from
the virtual environment on PATH as `source .venv/bin/activate` puts it, in a folder with the examples."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from testpaths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def documented_commands() -> list[str]:
    """The command lines of the README's ``sh`` blocks, comments removed."""
    out = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                out.append(line)
    return out


def test_the_readme_says_how_to_get_derm_on_the_path():
    commands = documented_commands()
    assert commands[:2] == ["make demo", "make test"]
    assert "source .venv/bin/activate" in commands, "after make demo, derm is in .venv only"
    assert ".venv/bin/derm" in README
    assert "pip install derm-billing-toolkit` alone finds nothing" in README
    assert (Path(sys.executable).parent / "derm").exists(), "the venv the tests run in has the derm command"


@pytest.mark.slow  # a dozen processes: minutes on a loaded machine; `make test` runs it
def test_every_documented_derm_command_runs(tmp_path):
    commands = [c for c in documented_commands() if c.startswith("derm ")]
    assert len(commands) >= 10
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "out").mkdir()
    bin_dir = Path(sys.executable).parent  # what `source .venv/bin/activate` puts first on PATH
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "DERM_RULES_DB": f"sqlite:///{tmp_path / 'rules.db'}",
    }
    env = {k: v for k, v in env.items() if not k.startswith("SLACK_") and k not in ("DERM_RULES", "DERM_RULES_URL")}
    failures = []
    for command in commands:
        done = subprocess.run(shlex.split(command), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        # 1 is the documented answer of `derm check` and `derm sheet check` for claims with errors (the samples have some)
        if (
            done.returncode not in (0, 1)
            or "Traceback" in done.stderr
            or (done.returncode == 1 and not command.startswith(("derm check", "derm sheet check")))
        ):
            failures.append(f"{command}: exit {done.returncode}\n{done.stderr[-600:]}")
    assert failures == []
    assert (tmp_path / "out" / "checked.xlsx").is_file() and (tmp_path / "out" / "rules.xlsx").is_file()
