"""``check_sheet`` in a child process, for hosts that must survive any file: the Slack bot.

The workbook readers are native code (python-calamine is Rust, XlsxWriter and openpyxl lean on zlib and expat): a
file that makes one of them abort, or take all the memory, takes the process with it. Here the check runs in a
child process (``python -m charge_sheets.isolated``) with a memory ceiling; the host gets the ``SheetSummary``, a
``SheetError`` for a file that cannot be used, or a ``SheetError`` saying the file could not be read when the child
died. Progress comes back as lines on the child's standard output.

Protocol: the host writes a pickle ``(input, output, ruleset, options)`` to a temporary file and starts the child
with its name; the child prints ``progress DONE TOTAL`` lines, then ``summary JSON`` or ``refused MESSAGE``.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from derm_core.ruleset import Ruleset
from derm_core.sheets.workbook import SheetError

from .results import SheetSummary

MEMORY_LIMIT = 3 * 1024**3  # the child's address space; a sheet of a million rows needs about 1 GB
TIMEOUT = 30 * 60
CHILD = [sys.executable, "-m", "charge_sheets.isolated"]  # the command that runs a job (the tests replace it)


def check_sheet_isolated(
    input_path: Path,
    output_path: Path,
    ruleset: Ruleset | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    timeout: float = TIMEOUT,
    **options: Any,
) -> SheetSummary:
    """``charge_sheets.check_sheet`` run in a child process: same arguments, same result, same ``SheetError``s; a
    crash of the child (a native library aborting, the memory ceiling reached) is a ``SheetError`` naming the file.

    Example: ``check_sheet_isolated(Path("charges.xlsx"), Path("checked.xlsx")).by_status``.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    fd, job = tempfile.mkstemp(suffix=".sheetjob")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump((str(input_path), str(output_path), ruleset, options), fh, pickle.HIGHEST_PROTOCOL)
    try:
        proc = subprocess.Popen(
            [*CHILD, job],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # nothing from a claim is printed there, and nothing of it is needed
            text=True,
        )
        answer: tuple[str, str] | None = None
        assert proc.stdout is not None
        for line in proc.stdout:
            kind, _, rest = line.rstrip("\n").partition(" ")
            if kind == "progress" and progress is not None:
                done, total = (int(x) for x in rest.split())
                progress(done, total)
            elif kind in ("summary", "refused"):
                answer = (kind, rest)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise SheetError(f"{input_path.name}: checking took longer than {timeout / 60:.0f} minutes and was stopped") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(job)
    if answer is None or proc.returncode != 0:
        for left in output_path.parent.glob(f".{output_path.stem}.*.tmp{output_path.suffix}"):  # the child's unfinished copy
            with contextlib.suppress(OSError):
                left.unlink()
        raise SheetError(
            f"{input_path.name}: the file could not be read (the reader stopped on it). Open it in Excel or LibreOffice, "
            "save it again as .xlsx, and send it again."
        )
    kind, rest = answer
    if kind == "refused":
        raise SheetError(json.loads(rest))
    return SheetSummary.model_validate_json(rest)


def _limit_memory() -> None:
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def main(job: str) -> int:
    _limit_memory()
    from .check import check_sheet

    with open(job, "rb") as fh:
        input_path, output_path, ruleset, options = pickle.load(fh)

    def progress(done: int, total: int) -> None:
        print(f"progress {done} {total}", flush=True)

    try:
        summary = check_sheet(Path(input_path), Path(output_path), ruleset, progress=progress, **options)
    except SheetError as err:
        print("refused " + json.dumps(str(err)), flush=True)
        return 0
    except MemoryError:
        return 3
    print("summary " + summary.model_dump_json(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
