"""`derm` as users run it, as a process, side by side with the in-process figure, in one run.

Measures, each the median of ``--repeat`` runs in fresh processes: the start-up of ``derm --help`` and of
``derm check`` on one claim; ``derm check FILE --format json`` on a file of ``--lines`` claim lines (the synthetic
claims of check_throughput.py), end to end, with one process and with the default (one per core), in lines per
second after start-up is subtracted; and, in this process, parse + check of the same claims. The machine's load
average is printed before and after: on a shared machine the figures move with it.
Run: ``python benchmarks/cli_throughput.py [--lines 200000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from check_throughput import make_claims


def derm_command() -> list[str]:
    exe = Path(sys.executable).with_name("derm")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "derm_cli.main"]


def timed(cmd: list[str], env: dict[str, str], out: Path | None = None) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (user + system, the process and its children) of one run."""
    before = os.times()
    t0 = time.perf_counter()
    with open(out or os.devnull, "wb") as sink:
        subprocess.run(cmd, stdout=sink, stderr=subprocess.DEVNULL, env=env, check=False)
    wall = time.perf_counter() - t0
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def median_run(cmd: list[str], env: dict[str, str], repeat: int, out: Path | None = None) -> tuple[float, float]:
    runs = [timed(cmd, env, out) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def claims_with_lines(n_lines: int) -> list[dict]:
    claims = make_claims(n_lines // 4 + 100)
    out, total = [], 0
    for c in claims:
        if total >= n_lines:
            break
        out.append(c)
        total += len(c["lines"])
    return out


def in_process(raw: list[dict], repeat: int) -> tuple[float, float]:
    """Lines per second on the clock and per CPU second."""
    from derm_core.engine import check_claim, warm_up
    from derm_core.models import Claim
    from derm_core.ruleset import default_ruleset

    ruleset = default_ruleset()
    for c in raw[:200]:
        check_claim(Claim.model_validate(c), ruleset)
    warm_up()
    n_lines = sum(len(c["lines"]) for c in raw)
    runs, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for c in raw:
            check_claim(Claim.model_validate(c), ruleset).model_dump_json()
        runs.append(n_lines / (time.perf_counter() - t0))
        cpu.append(n_lines / (time.process_time() - c0))
    return statistics.median(runs), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()
    derm = derm_command()
    tmp = Path(tempfile.mkdtemp(prefix="derm-bench-"))
    try:
        env = dict(os.environ, XDG_DATA_HOME=str(tmp / "data"))  # no rules store: the shipped ruleset, as on a fresh install
        env.pop("DERM_RULES_DB", None)
        env.pop("DERM_RULES", None)
        raw = claims_with_lines(args.lines)
        n_lines = sum(len(c["lines"]) for c in raw)
        big, one = tmp / "claims.json", tmp / "one.json"
        big.write_text(json.dumps(raw), encoding="utf-8")
        one.write_text(json.dumps(raw[0]), encoding="utf-8")
        timed([*derm, "check", str(one), "--format", "json"], env)  # fills the cache of parsed data files
        help_wall, help_cpu = median_run([*derm, "--help"], env, max(5, args.repeat))
        one_wall, one_cpu = median_run([*derm, "check", str(one), "--format", "json"], env, max(5, args.repeat))
        report = tmp / "report.json"
        rows = []
        for label, extra in (("1 process (--jobs 1)", ["--jobs", "1"]), ("default (one process per core)", [])):
            wall, cpu = median_run([*derm, "check", str(big), "--format", "json", *extra], env, args.repeat, report)
            rows.append((label, wall, cpu, n_lines / max(wall - one_wall, 1e-9), n_lines / max(cpu - one_cpu, 1e-9)))
        inproc, inproc_cpu = in_process(raw, args.repeat)
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"{len(raw):,} claims, {n_lines:,} lines; {os.cpu_count()} cores; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}"
    )
    print("| measure | wall s (median) | CPU s, all processes | lines/s (wall) | lines per CPU second |")
    print("|---|---|---|---|---|")
    print(f"| `derm --help` | {help_wall:.3f} | {help_cpu:.3f} | | |")
    print(f"| `derm check` one claim | {one_wall:.3f} | {one_cpu:.3f} | | |")
    for label, wall, cpu, rate, per_cpu in rows:
        print(f"| `derm check FILE --format json`, {label}, start-up subtracted | {wall:.2f} | {cpu:.2f} | {rate:,.0f} | {per_cpu:,.0f} |")
    print(f"| in process: validate + check + serialise each claim, one core | | | {inproc:,.0f} | {inproc_cpu:,.0f} |")


if __name__ == "__main__":
    main()
