"""A second process that checks half of a large sheet's claims: ``python -m derm_core.sheets.worker``.

Started with ``subprocess``, not ``multiprocessing``, so it works whatever hosts ``check_sheet``
(the CLI, a threaded bot, a script without a ``__main__`` guard) and shares no memory with it.
It loads the rules as soon as it starts, while the main process is still reading the workbook.

Protocol: one line on stdin names a file holding pickles: ``(ruleset, detail, first_position)``,
then chunks of claims (the first pickle also holds the stored overrides and the values each sheet has no column for). The worker writes one pickle of results per chunk, then the tally, to that
name plus ``.out``, and prints that name. Chunks keep both processes' memory small.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import IO, Any

from derm_core.ruleset import Ruleset

from .rows import ChargeRow, RowResult, Stored, Tally, check_claims_of, warm_up

CHUNK = 2_000  # claims per pickle
Results = tuple[list[RowResult], Tally]


class Worker:
    """The worker process, seen from the main process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "derm_core.sheets.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def submit(
        self,
        claims: Iterable[Sequence[ChargeRow]],
        ruleset: Ruleset,
        detail: bool,
        first_position: int,
        stored: Stored,
        absent: dict[int, frozenset[str]] | None = None,
    ) -> Callable[[], Results]:
        """Send claims to check; returns the function that waits for their results."""
        fd, name = tempfile.mkstemp(suffix=".claims")
        claims = iter(claims)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((ruleset, detail, first_position, stored, absent or {}), fh, pickle.HIGHEST_PROTOCOL)
            while chunk := list(islice(claims, CHUNK)):
                pickle.dump(chunk, fh, pickle.HIGHEST_PROTOCOL)
        assert self.proc.stdin is not None
        self.proc.stdin.write(name + "\n")
        self.proc.stdin.flush()

        def result() -> Results:
            assert self.proc.stdout is not None
            done = self.proc.stdout.readline().strip()
            Path(name).unlink(missing_ok=True)
            if not done:
                raise RuntimeError("the worker process stopped")
            results: list[RowResult] = []
            interned: dict[RowResult, RowResult] = {}
            tally = Tally()
            with open(done, "rb") as fh:
                for part in _pickles(fh):
                    if isinstance(part, Tally):
                        tally = part
                    else:
                        results += [interned.setdefault(r, r) for r in part]
            Path(done).unlink(missing_ok=True)
            return results, tally

        return result

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _pickles(fh: IO[bytes]) -> Iterator[Any]:
    while True:
        try:
            yield pickle.load(fh)
        except EOFError:
            return


def main() -> None:
    warm_up()
    for line in sys.stdin:
        path = line.strip()
        tally = Tally()
        with open(path, "rb") as src, open(path + ".out", "wb") as out:
            chunks = _pickles(src)
            ruleset, detail, position, stored, absent = next(chunks)
            for claims in chunks:
                results, part = check_claims_of(claims, ruleset, detail, position, stored=stored, absent=absent)
                pickle.dump(results, out, pickle.HIGHEST_PROTOCOL)
                tally.merge(part)
                position += len(claims)
                del results
            pickle.dump(tally, out, pickle.HIGHEST_PROTOCOL)
        print(path + ".out", flush=True)


if __name__ == "__main__":
    main()
