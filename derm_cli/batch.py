"""``derm check --format json``: claims validated, checked and written one at a time, a big batch split in two.

Each claim's report is serialised as soon as it is checked (pydantic's serialiser, compact), so a batch is never
held twice. With more than one core and at least ``FORK_MIN`` claims, a forked worker checks the second half
into a temporary file while this process checks the first; its reports are then copied after ours, in order.
Where there is no fork (Windows, Pyodide) or the worker fails, this process checks everything itself.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from derm_core.claims_io import ReportWriter, validate_item
from derm_core.engine import check_claim, data_versions
from derm_core.models import Claim, ClaimReport
from derm_core.ruleset import Ruleset
from derm_core.service import apply_overrides, stored_overrides

FORK_MIN = 2_000  # claims: below this, a second process costs more than it saves

Item = tuple[Any, str]  # a claim (parsed data, or a Claim already built) and its label for messages


def _run(
    items: Sequence[Item], start: int, ruleset: Ruleset, overrides: Mapping[str, list], write: Callable[[str], None]
) -> tuple[list[str], bool]:
    """Check ``items`` (numbered from ``start``), writing each report; the unusable claims' messages, and whether any had an error."""
    errors: list[str] = []
    any_error = False
    for pos, (item, where) in enumerate(items, start):
        if isinstance(item, ClaimReport):  # checked already (a pasted claim, with its TXT findings and overrides)
            report = item
        else:
            claim = item if isinstance(item, Claim) else validate_item(item, where)
            if isinstance(claim, str):
                errors.append(claim)
                continue
            report = check_claim(claim, ruleset, pos)
            if overrides:
                report = apply_overrides(report, overrides.get((claim.claim_id or "").strip(), ()))
        any_error = any_error or report.status == "error"
        write(report.model_dump_json())
    return errors, any_error


def _claim_ids(items: Iterable[Item]) -> Iterator[str | None]:
    for item, _ in items:
        got = (
            None
            if isinstance(item, ClaimReport)
            else item.claim_id
            if isinstance(item, Claim)
            else item.get("claim_id")
            if isinstance(item, dict)
            else None
        )
        yield got if isinstance(got, str) else None


def _fork(items: Sequence[Item], start: int, ruleset: Ruleset, overrides: Mapping[str, list]) -> tuple[int, IO[bytes]] | None:
    """Start a worker that checks ``items`` into a temporary file: its pid and the file, or None when it cannot."""
    try:
        out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, closed in _join
    except OSError:
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid, out
    code = 70
    try:  # the worker: its reports, comma-separated, then one line of JSON with what the parent needs
        buf = open(out.fileno(), "w", encoding="utf-8", closefd=False, buffering=1 << 20)  # noqa: SIM115
        first = [True]

        def write(text: str) -> None:
            buf.write(text if first[0] else "," + text)
            first[0] = False

        errors, any_error = _run(items, start, ruleset, overrides, write)
        buf.write("\n" + json.dumps({"errors": errors, "any_error": any_error}) + "\n")
        buf.flush()
        code = 0
    finally:
        os._exit(code)  # never back into the command's code (no cleanup of the parent's state)


def _join(writer: ReportWriter, pid: int, out: IO[bytes]) -> tuple[list[str], bool] | None:
    """The worker's reports copied into ``writer``; None when it failed (its share is then checked again here)."""
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    out.seek(0, os.SEEK_END)
    size = out.tell()
    # its last line is the summary: find where it starts
    back = min(size, 1 << 16)
    out.seek(size - back)
    tail = out.read()
    cut = tail.rstrip(b"\n").rfind(b"\n")
    summary = json.loads(tail[cut + 1 :])
    body = size - back + cut
    out.seek(0)
    if body > 0:
        writer.stream.write("," if not writer._first else "")
        writer._first = False
        writer.stream.flush()
        target = getattr(writer.stream, "buffer", None)
        if target is not None:
            _copy(out, target, body)
            target.flush()
        else:
            writer.stream.write(out.read(body).decode("utf-8"))
    out.close()
    return summary["errors"], summary["any_error"]


def _copy(src: IO[bytes], dst: IO[bytes], n: int) -> None:
    while n > 0:
        chunk = src.read(min(n, 1 << 20))
        if not chunk:
            break
        dst.write(chunk)
        n -= len(chunk)


def default_jobs() -> int:
    """Processes for a big batch: one per core, at most 4 (the machine's other work needs some too)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4)) if hasattr(os, "fork") else 1


def check_to_json(
    items: Sequence[Item], ruleset: Ruleset, stream: IO[str], indent: int | None = None, notes: Sequence[str] = (), jobs: int | None = None
) -> tuple[list[str], bool]:
    """Check every claim and write the report to ``stream``; the unusable claims' messages, and whether any claim has an error.

    With ``jobs`` above 1 (default: one per core) and at least ``FORK_MIN`` claims, ``jobs - 1`` forked workers each
    check a share of the batch while this process checks the first; their reports follow ours in order.
    """
    head = {"version": ruleset.version, "effective": ruleset.effective.isoformat()}
    overrides = stored_overrides(_claim_ids(items))
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if indent is not None or not hasattr(os, "fork") or len(items) < FORK_MIN:
        jobs = 1
    gc.collect()
    gc.freeze()  # the claims read so far and the tables stay out of the collector's scans (and shared with the workers)
    with ReportWriter(stream, head, data_versions(ruleset), indent) as writer:
        writer.notes = list(notes)
        cuts = [len(items) * k // jobs for k in range(jobs + 1)]
        workers = []
        for k in range(1, jobs):
            started = _fork(items[cuts[k] : cuts[k + 1]], cuts[k] + 1, ruleset, overrides)
            workers.append((k, started))
        errors, any_error = _run(items[: cuts[1]], 1, ruleset, overrides, writer.add_json)
        for k, started in workers:
            joined = _join(writer, *started) if started is not None else None
            if joined is None:  # no worker, or it failed: its share is checked here
                joined = _run(items[cuts[k] : cuts[k + 1]], cuts[k] + 1, ruleset, overrides, writer.add_json)
            errors += joined[0]
            any_error = any_error or joined[1]
    return errors, any_error
