"""The PHI detector (``derm_core.phi``) on its labelled corpus: recall, false refusals and time per message.

Reads ``tests/fixtures/phi/corpus.yaml`` (development: the detector was tuned on it) and ``holdout.yaml`` (never
tuned on), prints the figures per file and per source, the time per message (mean, p95, max) and the time for the
worst inputs of the bot's 20,000-character limit. ``--show`` lists the items it gets wrong.

Run: ``python benchmarks/phi_eval.py [--show]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

import yaml

from derm_core.phi import find_phi

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "phi"
TODAY = date(2026, 3, 2)  # the corpus's dates of service are around this day
WORST = {"name-like words": "Aa " * 6666, "'Last, ' runs": "Smith, " * 2850, "e-mail-like runs": "x@y." * 5000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list the items the detector gets wrong")
    args = parser.parse_args()
    times: list[float] = []
    for name in ("corpus.yaml", "holdout.yaml"):
        items = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
        groups: dict[str, list[tuple[dict, bool]]] = {"all": []}
        for item in items:
            start = time.perf_counter()
            hit = bool(find_phi(item["text"], TODAY))
            times.append(time.perf_counter() - start)
            groups["all"].append((item, hit))
            groups.setdefault(item.get("source", "?"), []).append((item, hit))
        print(f"== {name}")
        for group, scored in groups.items():
            phi = [hit for item, hit in scored if item["phi"]]
            ordinary = [hit for item, hit in scored if not item["phi"]]
            print(
                f"   {group:10s} recall {sum(phi)}/{len(phi)} = {sum(phi) / max(len(phi), 1):.1%}   "
                f"false refusals {sum(ordinary)}/{len(ordinary)} = {sum(ordinary) / max(len(ordinary), 1):.1%}"
            )
        if args.show:
            for item, hit in groups["all"]:
                if hit != item["phi"]:
                    print(f"   {'MISSED ' + str(item.get('kinds')) if item['phi'] else 'REFUSED'}: {item['text']!r}")
    times.sort()
    print(
        f"per message: mean {statistics.mean(times) * 1000:.3f} ms, p95 {times[int(len(times) * 0.95)] * 1000:.3f} ms, "
        f"max {times[-1] * 1000:.3f} ms ({len(times)} messages)"
    )
    for label, text in WORST.items():
        start = time.perf_counter()
        find_phi(text, TODAY)
        print(f"worst case, 20,000 characters of {label}: {(time.perf_counter() - start) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
