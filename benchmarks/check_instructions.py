"""Machine instructions per checked claim line, counted by valgrind (callgrind): the same figure on a busy or an idle
machine, so two versions of the rules can be compared where seconds move by 20% from run to run.

Runs this script under ``valgrind --tool=callgrind`` twice, in child processes that set up the same way (imports,
ruleset, the synthetic claims of check_throughput.py, warm-up) and then check 0 and ``--claims`` claims; the
difference is the checking alone. Needs valgrind (Debian: ``apt-get install valgrind``); each run takes about a
minute. Run: ``python benchmarks/check_instructions.py [--claims 1000]``; with ``--code DIR``, the rules of another
checkout of the project (for a before-and-after comparison).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(n: int) -> None:
    sys.path.insert(0, str(HERE))
    from check_throughput import make_claims

    from derm_core.engine import check_claim, warm_up
    from derm_core.models import Claim
    from derm_core.ruleset import default_ruleset

    ruleset = default_ruleset()
    raw = make_claims(200 + n)
    for c in raw[:200]:
        check_claim(Claim.model_validate(c), ruleset)
    warm_up()
    claims = [Claim.model_validate(c) for c in raw[200:]]
    print(sum(len(c.lines) for c in claims))
    for c in claims:
        check_claim(c, ruleset)


def counted(n: int, code: Path) -> tuple[int, int]:
    """Instructions of a child that checks ``n`` claims, and the lines it checked."""
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONHASHSEED": "0"}  # string hashes, and so dict layouts, fixed
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, "--child", str(n)]
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=code, check=True)
    refs = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    assert refs is not None, run.stderr[-2000:]
    return int(refs[1].replace(",", "")), int(run.stdout.split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--code", type=Path, default=HERE.parent, help="the checkout whose derm_core is measured")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return
    # once outside valgrind first: the data files are parsed and cached then, not in one of the counted runs
    env = {**os.environ, "PYTHONPATH": str(args.code)}
    subprocess.run([sys.executable, __file__, "--child", "0"], env=env, cwd=args.code, check=True, capture_output=True)
    base, _ = counted(0, args.code)
    total, lines = counted(args.claims, args.code)
    print(f"{args.claims:,} claims, {lines:,} lines: {(total - base) / lines:,.0f} instructions per line checked ({args.code})")


if __name__ == "__main__":
    main()
