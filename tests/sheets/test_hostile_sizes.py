"""Files whose cells claim a far larger range than they fill: a stray value in the last cell of a sheet (XFD1048576)
used to abort the interpreter inside calamine (exit 134), and one in column AZ of the last row to take memory in
proportion to the empty range (1.9 GB for three rows). Each is checked here in its own process, as a user's
`derm sheet check` runs, with its peak memory measured: it must finish (exit 0 or 1), write the checked copy with
the Check columns next to the table, and stay under 500 MB, up to 10,000 real rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

HEADER = ["Claim ID", "DOS", "CPT", "Units", "Dx 1"]
# The peak is this process's own (VmHWM of its address space). Not getrusage's ru_maxrss: Linux carries that across
# exec, so a child started by a large pytest process would report the parent's peak.
RUN = """
import re, sys
from pathlib import Path
from derm_cli.main import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit as e:
    code = e.code
peak = re.search(r"VmHWM:\\s*(\\d+)", Path("/proc/self/status").read_text()).group(1)
print("PEAK_KB", peak, file=sys.stderr)
"""


def stray_workbook(path: Path, stray: str, rows: int) -> Path:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Charges")
    ws.append(HEADER)
    for i in range(rows):
        ws.append([f"A{i // 2}", "2026-03-02", "17000" if i % 2 == 0 else "17003", 1 if i % 2 == 0 else 2, "L57.0"])
    wb.save(path)
    book = openpyxl.load_workbook(path)
    book["Charges"][stray] = "stray"
    book.save(path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize(("stray", "rows"), [("XFD1048576", 2), ("AZ1048576", 2), ("XFD1048576", 9_998), ("AZ60000", 9_998)])
def test_a_stray_value_far_away_neither_aborts_nor_takes_memory(tmp_path, stray, rows):
    src = stray_workbook(tmp_path / "charges.xlsx", stray, rows)
    out = tmp_path / "checked.xlsx"
    done = subprocess.run(
        [sys.executable, "-c", RUN, "sheet", "check", str(src), "-o", str(out), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak_mb = int(done.stderr.split("PEAK_KB")[1].split()[0]) / 1024
    assert peak_mb < 500, f"{peak_mb:.0f} MB"
    summary = json.loads(done.stdout)
    assert summary["rows_checked"] == rows and summary["claims"] == rows // 2
    ws = openpyxl.load_workbook(out, read_only=True)["Charges"]
    header = next(ws.iter_rows(max_row=1, max_col=10, values_only=True))
    assert header[5:8] == ("Check Status", "Check Findings", "Check Fix")  # next to the table, not after the stray cell
