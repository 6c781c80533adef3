"""`derm ask` evaluation: how often the answers are right on each question set, how often a wrong answer came with
a high confidence, and the answer time in process.

Question sets:
  public        tests/fixtures/questions.yaml, with the expected entries from tests/fixtures/ask.yaml (top-1)
  own           tests/fixtures/ask.yaml: misspellings, abbreviations, code questions, computed, unanswerable (top-1)
  billers       tests/fixtures/questions_billers.yaml: the development part of the biller question set (tokens)
  faq           every phrasing listed in the FAQ entries (answered confidently)
  held-out sets benchmarks/ask_holdout.yaml, never used to develop: topics (top-1), billers (the held-out third of
                the biller set, tokens) and own (written before the parser, tokens)

Token scoring, the rule of the question-set files: every must_mention token in the answer (case-insensitive
substring), no must_not_mention token (word boundaries), and the "no confident answer" reply only for an
unanswerable question. A wrong answer is "confidently wrong" when its confidence is CONFIDENT or more.

Latency: after start-up (the first question builds the index), every question of every set once, then ROUNDS more
passes over all of them, in wall-clock time and in the process's CPU time (on a shared machine the wall-clock tail
also holds the time other processes had the core).

    python benchmarks/ask_eval.py [--rounds 20] [--sets public,own,billers,faq] [--show-wrong]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from derm_core.faq import ask
from derm_core.ruleset import default_ruleset

ROOT = Path(__file__).resolve().parent.parent
NO_ANSWER = "I don't have a confident answer"
CONFIDENT = 0.8


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass
class Item:
    question: str
    kind: str
    entry: list[str] | None = None  # top-1 sets: acceptable entries (None: no confident answer expected)
    must: list[str] | None = None  # token sets
    must_not: list[str] | None = None
    faq: bool = False
    id: str = ""


def question_sets() -> dict[str, list[Item]]:
    own = _load(ROOT / "tests/fixtures/ask.yaml")
    public = _load(ROOT / "tests/fixtures/questions.yaml")
    held = _load(ROOT / "benchmarks/ask_holdout.yaml")

    def tokens(items: list[dict]) -> list[Item]:
        return [Item(q["question"], q["kind"], must=q["must_mention"], must_not=q["must_not_mention"], id=q["id"]) for q in items]

    return {
        "public": [Item(q["question"], "public", entry=own["public_entries"][q["id"]], id=q["id"]) for q in public],
        "own": [Item(q["question"], q["kind"], entry=q["entry"], id=q["id"]) for q in own["questions"]],
        "billers": tokens(_load(ROOT / "tests/fixtures/questions_billers.yaml")),
        "faq": [Item(q, "faq", faq=True) for e in default_ruleset().faq for q in e.questions],
        "held-out topics": [Item(q["question"], "topics", entry=q["entry"]) for q in held["topics"]],
        "held-out billers": tokens(held["billers"]),
        "held-out own": tokens(held["own"]),
    }


def _mentions(text: str, token: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(token.lower()) + r"(?!\w)", text.lower()) is not None


def is_right(item: Item, answer) -> bool:
    if item.faq:
        return answer.entry is not None
    if item.must is not None:
        text = answer.answer
        if any(t.lower() not in text.lower() for t in item.must) or any(_mentions(text, t) for t in item.must_not or []):
            return False
        return item.kind == "unanswerable" or not text.startswith(NO_ANSWER)
    return answer.entry is None if item.entry is None else answer.entry in item.entry


def percentile(sorted_ns: list[int], p: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(len(sorted_ns) * p))] / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--sets", help="comma-separated set names (default: all)")
    parser.add_argument("--show-wrong", action="store_true", help="print each wrong answer")
    args = parser.parse_args()

    start = time.perf_counter()
    ask("warm-up question about modifier 25")  # builds the search index
    ask("froze 3 aks on the face, codes?")  # loads the code tables, ICD-10-CM and the rules (a computed, checked answer)
    ask("what is 17004")  # loads the code tables' source register (a code lookup)
    startup_ms = (time.perf_counter() - start) * 1000
    sets = question_sets()
    if args.sets:
        sets = {k: v for k, v in sets.items() if k in args.sets.split(",")}
    first: list[int] = []  # each question's first answer: its words are new to the spelling cache
    print("| question set | questions | right | no answer | wrong, low confidence | wrong, confident |")
    print("|---|---|---|---|---|---|")
    by_kind: dict[str, dict[str, list[int]]] = {}
    wrong_shown: list[str] = []
    for name, items in sets.items():
        right = no_answer = low = confident = 0
        kinds: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
        for item in items:
            t = time.perf_counter_ns()
            answer = ask(item.question)
            first.append(time.perf_counter_ns() - t)
            ok = is_right(item, answer)
            right += ok
            kinds[item.kind][0] += ok
            kinds[item.kind][1] += 1
            if not ok:
                if answer.answer.startswith(NO_ANSWER):
                    no_answer += 1
                elif answer.confidence >= CONFIDENT:
                    confident += 1
                else:
                    low += 1
                if args.show_wrong:
                    wrong_shown.append(
                        f"[{name} {item.id} {item.kind} conf {answer.confidence}] {item.question}\n  -> {answer.answer[:400]}"
                    )
        print(f"| {name} | {len(items)} | {right}/{len(items)} ({right / len(items):.1%}) | {no_answer} | {low} | {confident} |")
        if any(i.must is not None for i in items):
            by_kind[name] = dict(kinds)
    for name, kinds in by_kind.items():
        print(f"\n{name}, by kind:\n")
        print("| kind | right |")
        print("|---|---|")
        for kind, (ok, n) in sorted(kinds.items()):
            print(f"| {kind} | {ok}/{n} |")
    for w in wrong_shown:
        print(w)

    questions = [i.question for items in sets.values() for i in items]
    timings: list[int] = []
    cpu: list[int] = []  # CPU time of the process: what the answer costs, without the time other processes held the core
    for _ in range(args.rounds):
        for q in questions:
            c, t = time.process_time_ns(), time.perf_counter_ns()
            ask(q)
            timings.append(time.perf_counter_ns() - t)
            cpu.append(time.process_time_ns() - c)
    first.sort()
    timings.sort()
    print()
    print(
        f"start-up (first three questions: the search index, the code tables and their sources, ICD-10-CM, the rules): {startup_ms:.0f} ms"
    )
    print("| latency | answers | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    print(
        f"| first answer to each question | {len(first)} | {percentile(first, 0.5):.2f} | {percentile(first, 0.99):.2f} | {first[-1] / 1e6:.2f} |"
    )
    if timings:
        print(
            f"| {args.rounds} more rounds | {len(timings)} | {percentile(timings, 0.5):.2f} | {percentile(timings, 0.99):.2f} | "
            f"{timings[-1] / 1e6:.2f} |"
        )
        cpu.sort()
        print(
            f"| {args.rounds} more rounds, CPU time | {len(cpu)} | {percentile(cpu, 0.5):.2f} | {percentile(cpu, 0.99):.2f} | {cpu[-1] / 1e6:.2f} |"
        )
        print(f"mean {statistics.fmean(timings) / 1e6:.2f} ms (CPU {statistics.fmean(cpu) / 1e6:.2f} ms)")
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print(
            f"note: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores during the run; wall-clock tails include time other processes held the core"
        )


if __name__ == "__main__":
    main()
