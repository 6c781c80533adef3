"""`derm ask` evaluation: top-1 accuracy on the question sets and answer latency in process.

Question sets (the expected FAQ entry, or none for questions the knowledge base cannot answer):
  public    tests/fixtures/questions.yaml, with the expected entries from tests/fixtures/ask.yaml
  own       tests/fixtures/ask.yaml: misspellings, abbreviations, code questions, computed, unanswerable
  held-out  benchmarks/ask_holdout.yaml: written after tuning, never used to tune
  faq       every phrasing listed in the FAQ entries themselves (answered from its entry, a computation
            or a code lookup counts as found)

Latency: after start-up (the first question builds the index), every question of every set once (the
first answer, with the spelling caches cold for its words), then ROUNDS more passes over all of them.

    python benchmarks/ask_eval.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import yaml

from derm_core.faq import ask
from derm_core.ruleset import default_ruleset

ROOT = Path(__file__).resolve().parent.parent


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def question_sets() -> dict[str, list[tuple[str, list[str] | None]]]:
    """Set name -> (question, acceptable entry ids or None)."""
    own = _load(ROOT / "tests/fixtures/ask.yaml")
    public = _load(ROOT / "tests/fixtures/questions.yaml")
    return {
        "public": [(q["question"], own["public_entries"][q["id"]]) for q in public],
        "own": [(q["question"], q["entry"]) for q in own["questions"]],
        "held-out": [(q["question"], q["entry"]) for q in _load(ROOT / "benchmarks/ask_holdout.yaml")],
        "faq": [(q, None) for e in default_ruleset().faq for q in e.questions],
    }


def is_right(entry: str | None, expected: list[str] | None, faq: bool) -> bool:
    """Answered from an expected entry; honestly not answered when none is expected; for FAQ phrasings, answered."""
    if faq:
        return entry is not None
    return entry is None if expected is None else entry in expected


def percentile(sorted_ns: list[int], p: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(len(sorted_ns) * p))] / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    start = time.perf_counter()
    ask("warm-up question about modifier 25")
    startup_ms = (time.perf_counter() - start) * 1000
    sets = question_sets()
    first: list[int] = []  # each question's first answer: its words are new to the spelling cache
    print("| question set | questions | top-1 |")
    print("|---|---|---|")
    for name, items in sets.items():
        right = 0
        for question, expected in items:
            t = time.perf_counter_ns()
            entry = ask(question).entry
            first.append(time.perf_counter_ns() - t)
            right += is_right(entry, expected, faq=name == "faq")
        print(f"| {name} | {len(items)} | {right}/{len(items)} ({right / len(items):.1%}) |")

    questions = [q for items in sets.values() for q, _ in items]
    timings: list[int] = []
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter_ns()
            ask(q)
            timings.append(time.perf_counter_ns() - t)
    first.sort()
    timings.sort()
    print()
    print(f"start-up (first question, builds the index): {startup_ms:.0f} ms")
    print("| latency | answers | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    print(
        f"| first answer to each question | {len(first)} | {percentile(first, 0.5):.2f} | {percentile(first, 0.99):.2f} | {first[-1] / 1e6:.2f} |"
    )
    print(
        f"| {args.rounds} more rounds | {len(timings)} | {percentile(timings, 0.5):.2f} | {percentile(timings, 0.99):.2f} | "
        f"{timings[-1] / 1e6:.2f} |"
    )
    print(f"mean {statistics.fmean(timings) / 1e6:.2f} ms")


if __name__ == "__main__":
    main()
