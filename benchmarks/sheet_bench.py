"""Charge-sheet benchmark: `derm sheet check` against a plain openpyxl copy of the same rows, and peak memory.

    python benchmarks/sheet_bench.py                   # 100,000 rows: time and ratio; 1,000,000 rows: peak memory
    python benchmarks/sheet_bench.py --rows 20000 --memory-rows 0 --repeat 1

The plain copy is the floor with the library most people would use: openpyxl read-only read plus
write-only write of the same rows, nothing checked. `derm sheet check` must take at most 0.9 of its time (ratio <= 0.9).
Both are timed end to end as separate processes (start-up and imports included). Peak memory is the
maximum resident set size of the checking process, from resource.getrusage in that process.
The charge sheets are synthetic: a seeded mix of dermatology claims (visits, AK destruction, biopsies,
excisions, Mohs, shaves, injections), with a few percent of the usual mistakes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

RATIO_MAX = 0.9  # derm sheet check / plain openpyxl copy
HEADERS = ["Claim ID", "Patient ID", "DOS", "Payer", "Payer Type", "Rendering NPI", "CPT", "Mod 1", "Mod 2", "Units", "Dx 1", "Dx 2",
           "Lesion Count", "Site", "Size (cm)", "Pathology", "Charge"]  # fmt: skip
PAYERS = [
    ("Medicare Part B", "medicare", 5),
    ("Medicaid", "medicaid", 1),
    ("Northwind Health", "commercial", 3),
    ("Contoso Care", "commercial", 2),
    ("Self pay", "self_pay", 1),
]
NPIS = ["1234567893", "1245319599", "1003000126"]
SITES = ["face", "scalp", "trunk", "arm", "leg", "hand", "neck", "nose", "ear"]


def claim_lines(rnd: random.Random) -> list[tuple]:
    """(code, mod1, mod2, units, dx1, dx2, lesions, site, size, pathology, charge) lines of one synthetic claim."""
    kind = rnd.choices(["aks", "visit", "biopsy", "excision", "mohs", "shave", "injection", "warts"], [30, 20, 15, 10, 6, 7, 6, 6])[0]
    lines: list[tuple] = []
    if rnd.random() < 0.5 and kind != "visit":
        lines.append(("99213", "25" if rnd.random() > 0.05 else "", "", 1, "L40.0", "", None, "", None, "", 120.0))
    if kind == "aks":
        n = rnd.randint(1, 22)
        wrong = rnd.random() < 0.05
        lines.append(("17000", "", "", 1, "L57.0", "", n, rnd.choice(SITES), None, "premalignant", 95.0))
        if n >= 15 and not wrong:
            lines[-1] = ("17004", "", "", 1, "L57.0", "", n, rnd.choice(SITES), None, "premalignant", 260.0)
        elif n > 1:
            lines.append(("17003", "", "", n - 1, "L57.0", "", None, "", None, "", 12.0 * (n - 1)))
    elif kind == "visit":
        lines.append(
            (
                rnd.choice(["99212", "99213", "99214"]),
                "",
                "",
                1,
                rnd.choice(["L30.9", "L70.0", "L21.9", "L40.0"]),
                "",
                None,
                "",
                None,
                "",
                110.0,
            )
        )
    elif kind == "biopsy":
        method = rnd.choice([("11102", "11103"), ("11104", "11105")])
        n = rnd.randint(1, 3)
        lines.append((method[0], "", "", 1, "D48.5", "", None, rnd.choice(SITES), None, "pending", 130.0))
        if n > 1:
            lines.append((method[1], "", "", n - 1, "D48.5", "", None, "", None, "", 60.0))
    elif kind == "excision":
        site = rnd.choice(SITES)
        size = round(rnd.uniform(0.3, 3.5), 1)
        group = {"trunk": 0, "arm": 0, "leg": 0, "scalp": 20, "neck": 20, "hand": 20}.get(site, 40)
        band = next(i for i, limit in enumerate((0.5, 1.0, 2.0, 3.0, 4.0, 99)) if size <= limit)
        code = 11600 + group + (band if band < 5 else 6) + (1 if rnd.random() < 0.05 else 0)
        lines.append((str(code), "", "", 1, "C44.319" if group == 40 else "C44.519", "", None, site, size, "malignant", 310.0))
    elif kind == "mohs":
        stages = rnd.randint(1, 3)
        lines.append(("17311", "", "", 1, "C44.311", "", None, rnd.choice(["nose", "ear", "face"]), None, "malignant", 650.0))
        if stages > 1:
            lines.append(("17312", "", "", stages - 1, "C44.311", "", None, "", None, "", 300.0))
    elif kind == "shave":
        lines.append((rnd.choice(["11300", "11305", "11310"]), "", "", 1, "D22.5", "", None, rnd.choice(SITES), 0.4, "benign", 90.0))
    elif kind == "injection":
        n = rnd.randint(1, 9)
        lines.append(("11900" if n <= 7 else "11901", "", "", 1, "L91.0", "", n, "", None, "", 85.0))
    else:
        lines.append(("17110", "", "", 1, "B07.9", "", rnd.randint(1, 10), "hand", None, "benign", 85.0))
    if rnd.random() < 0.01:
        code, *rest = lines[-1]
        lines[-1] = ("17001", *rest)  # a deleted code
    return lines


def write_sheet(path: Path, rows: int, seed: int = 7) -> Path:
    """A realistic charge sheet of ``rows`` rows (XlsxWriter, constant memory; not part of the timing)."""
    import xlsxwriter

    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Charges")
    datefmt = wb.add_format({"num_format": "mm/dd/yyyy"})
    ws.write_row(0, 0, HEADERS)
    r, claim = 1, 0
    payers = [p for p in PAYERS for _ in range(p[2])]
    while r <= rows:
        claim += 1
        dos = datetime.combine(date(2026, 1, 5) + timedelta(days=rnd.randrange(170)), datetime.min.time())
        payer, payer_type, _ = rnd.choice(payers)
        npi = rnd.choice(NPIS) if rnd.random() > 0.005 else "1234567890"
        for line in claim_lines(rnd):
            if r > rows:
                break
            code, mod1, mod2, units, dx1, dx2, lesions, site, size, pathology, charge = line
            ws.write_string(r, 0, f"C{claim:07d}")
            ws.write_string(r, 1, f"P{claim % 60_000:06d}")
            ws.write_datetime(r, 2, dos, datefmt)
            ws.write_string(r, 3, payer)
            ws.write_string(r, 4, payer_type)
            ws.write_string(r, 5, npi)
            if code.isdigit() and rnd.random() < 0.5:
                ws.write_number(r, 6, int(code))  # half the codes typed as numbers, as in real sheets
            else:
                ws.write_string(r, 6, code)
            for col, value in ((7, mod1), (8, mod2), (10, dx1), (11, dx2), (13, site), (15, pathology)):
                if value:
                    ws.write_string(r, col, value)
            ws.write_number(r, 9, units)
            for col, value in ((12, lesions), (14, size), (16, charge)):
                if value is not None:
                    ws.write_number(r, col, value)
            r += 1
    wb.close()
    return path


PLAIN_COPY = """
import sys, openpyxl
src = openpyxl.load_workbook(sys.argv[1], read_only=True)
out = openpyxl.Workbook(write_only=True)
for ws in src.worksheets:
    copy = out.create_sheet(ws.title)
    for row in ws.iter_rows(values_only=True):
        copy.append(row)
out.save(sys.argv[2])
"""

# Own peak from VmHWM: getrusage's ru_maxrss survives exec on Linux and would report this benchmark's own peak.
DERM_WITH_RUSAGE = """
import re, resource, sys
from pathlib import Path
from derm_cli.main import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
own = re.search(r"VmHWM:\\s*(\\d+)", Path("/proc/self/status").read_text()).group(1)
print("PEAK_RSS_KB", own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
"""


def timed(cmd: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stderr}")
    return elapsed, done.stderr


def peak_mb(stderr: str) -> tuple[float, float]:
    """Peak resident memory of the checking process and of its worker process (0 when there was none), in MB."""
    line = next(line for line in stderr.splitlines() if line.startswith("PEAK_RSS_KB"))
    _, own, worker = line.split()
    return int(own) / 1024, int(worker) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000, help="0 skips the memory run")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each; the median is reported")
    args = parser.parse_args()
    py = sys.executable
    derm = [py, "-c", DERM_WITH_RUSAGE, "sheet", "check"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        sheet = write_sheet(folder / "charges.xlsx", args.rows)
        print(f"generated {args.rows:,} rows ({sheet.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.0f} s")
        ours: list[float] = []
        plain: list[float] = []
        peaks: list[tuple[float, float]] = []
        for _ in range(args.repeat):
            elapsed, err = timed([*derm, str(sheet), "-o", str(folder / "checked.xlsx"), "--force"])
            ours.append(elapsed)
            peaks.append(peak_mb(err))
            plain.append(timed([py, "-c", PLAIN_COPY, str(sheet), str(folder / "copy.xlsx")])[0])
        ratio = statistics.median(ours) / statistics.median(plain)
        own, worker = max(p[0] for p in peaks), max(p[1] for p in peaks)
        print(
            f"derm sheet check     {statistics.median(ours):6.1f} s  ({args.rows / statistics.median(ours):,.0f} rows/s; peak {own:.0f} MB + worker {worker:.0f} MB)"
        )
        print(f"plain openpyxl copy  {statistics.median(plain):6.1f} s  ({args.rows / statistics.median(plain):,.0f} rows/s)")
        print(f"ratio                {ratio:6.2f}  ({'OK' if ratio <= RATIO_MAX else 'TOO SLOW'}: must be <= {RATIO_MAX})")
        ok = ratio <= RATIO_MAX
        if args.memory_rows:
            (folder / "charges.xlsx").unlink()
            t = time.perf_counter()
            big = write_sheet(folder / "big.xlsx", args.memory_rows)
            print(f"generated {args.memory_rows:,} rows ({big.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s")
            elapsed, err = timed([*derm, str(big), "-o", str(folder / "big.checked.xlsx"), "--force"])
            own, worker = peak_mb(err)
            mb = own + worker
            print(
                f"{args.memory_rows:,} rows: {elapsed:.0f} s, peak memory {own:.0f} MB + worker {worker:.0f} MB ({'OK' if mb < 1024 else 'TOO MUCH'}: must be < 1 GB)"
            )
            ok = ok and mb < 1024
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
