"""Charge-sheet workbooks in and out: checking a whole workbook.

``check_sheet`` reads a charge sheet (.xlsx, .xlsm or .csv), checks its claims with the rules core
and writes an annotated copy with ``Check Status``, ``Check Findings`` and ``Check Fix`` columns
(contracts section 4), a ``Summary`` sheet with a native chart and a ``FAQ`` sheet whose lookup
cell works with ordinary formulas. The input file is only ever read.

Two paths:

* **full** (up to ``FULL_PATH_MAX_ROWS`` rows): openpyxl loads the workbook and keeps its
  formats, formulas, comments and validations; offending cells get a comment and a fill.
  openpyxl drops images, charts and shapes, and the output says so.
* **fast** (larger sheets): python-calamine (or openpyxl read-only beyond ``CALAMINE_MAX_XML``)
  reads values, XlsxWriter writes them back in constant memory with the Check columns.

Values come from calamine in both paths (a formula's last calculated value), so both give the
same findings.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from derm_core import service
from derm_core.ruleset import Ruleset
from derm_core.sheets.columns import HEADER_SCAN_ROWS
from derm_core.sheets.read import FAQ_TITLE, SUMMARY_TITLE, SheetScan, read_sheets, scan_sheet
from derm_core.sheets.rows import start_checks
from derm_core.sheets.workbook import CALAMINE_MAX_XML, SheetError, Source, inspect_input
from derm_core.sheets.worker import Worker

from .fast import Spool, write_fast
from .fidelity import code_names, drawing_right_edge, predict_not_kept, restore
from .full import annotate, formula_cells, open_full
from .results import SheetResults, SheetSummary, reading_notes, rows_to_fix
from .summary import summary_counts, write_faq, write_summary
from .write import (
    OpenpyxlOut,
    XlsxOut,
)

FULL_PATH_MAX_ROWS = 20_000
PARALLEL_MIN_ROWS, PARALLEL_MAX_ROWS = 50_000, 400_000  # a worker process: faster, but its rules tables cost ~200 MB more
FULL_PATH_MAX_XML = 24 * 1024**2  # worksheet XML bytes; openpyxl needs ~20x that in memory
FULL_KEPT = (
    "your data, formats, formulas and their last values, comments and threaded comments, rich text, validations, conditional "
    "formats, sparklines, images and charts, data connections, print setup and panes; offending cells get a comment and a fill."
)
VALUES_KEPT = "the values of every sheet, and the Check columns; offending cells get a comment and a fill."
FAST_NOT_KEPT = [  # a large sheet is written back from its values alone
    "cell formats, fonts, fills and borders",
    "formulas (their last calculated values are kept)",
    "comments, merged cells, hidden rows and column widths",
    "data validation and conditional formatting of the original",
    "images, charts and shapes",
    "comments and fills on the offending cells (see the Check Findings column)",
]

Mode = Literal["auto", "full", "fast"]
Progress = Callable[[int, int], None]


# ----------------------------------------------------------------------------- check_sheet


class _Progress:
    """Rows read, checked and written, reported now and then as (done, total)."""

    def __init__(self, callback: Progress | None, total: int):
        self.callback, self.total, self.done, self._next = callback, max(total, 1), 0, 0

    def __call__(self, n: int = 1) -> None:
        self.done += n
        if self.callback is not None and self.done >= self._next:
            self._next = self.done + max(self.total // 200, 1)
            self.callback(min(self.done, self.total), self.total)

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(self.total, self.total)


def _check_output(source: Source, output_path: Path, force: bool) -> None:
    suffix = output_path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm"):
        raise SheetError(f"{output_path.name}: the output must be an .xlsx (or .xlsm) file")
    if suffix == ".xlsm" and source.kind != "xlsm":
        raise SheetError(f"{output_path.name}: only a macro workbook (.xlsm) can be written as .xlsm; use .xlsx")
    if output_path.resolve() == source.path.resolve():
        raise SheetError(f"{output_path.name}: the output must be a new file; the charge sheet itself is never changed")
    if output_path.exists() and not force:
        raise SheetError(f"{output_path.name}: already exists; use --force to replace it")
    if not output_path.parent.is_dir():
        raise SheetError(f"{output_path.name}: the folder {output_path.parent} does not exist")


def check_sheet(
    input_path: Path,
    output_path: Path,
    ruleset: Ruleset | None = None,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    mode: Mode = "auto",
    workers: int | None = None,
) -> SheetSummary:
    """Check every claim of a charge sheet and write the annotated copy to ``output_path``.

    Raises :class:`SheetError` for a file that cannot be used (named in the message), for an existing
    output without ``force``, and when no sheet has a procedure-code column. ``progress(done, total)``
    is called as rows are read, checked and written. ``mode`` forces the full or the fast path.
    A sheet of ``PARALLEL_MIN_ROWS`` to ``PARALLEL_MAX_ROWS`` rows is checked by this process and one worker process
    (``python -m derm_core.sheets.worker``) on a machine with two cores or more; ``workers=1`` keeps everything in process.

    Example: ``check_sheet(Path("charges.xlsx"), Path("charges.checked.xlsx")).by_status``
    gives ``{"error": 3, "warning": 5, "clean": 40}``.
    """
    started = time.perf_counter()
    input_path, output_path = Path(input_path), Path(output_path)
    source = inspect_input(input_path)
    _check_output(source, output_path, force)
    ruleset = ruleset or service.ruleset()
    fast = mode == "fast" or (mode == "auto" and (source.rows_estimate > FULL_PATH_MAX_ROWS or source.worksheet_xml > FULL_PATH_MAX_XML))
    engine: Literal["calamine", "openpyxl"] = "openpyxl" if source.worksheet_xml > CALAMINE_MAX_XML else "calamine"
    ticker = _Progress(progress, 3 * max(source.rows_estimate, 1))
    with _worker_pool(fast and PARALLEL_MIN_ROWS <= source.rows_estimate <= PARALLEL_MAX_ROWS and workers != 1) as worker:
        return _check(source, output_path, ruleset, fast, engine, ticker, worker, started)


@contextlib.contextmanager
def _worker_pool(wanted: bool) -> Iterator[Worker | None]:
    """A worker process for half of the claim checks, started now so that its imports overlap the reading."""
    if not wanted or (os.cpu_count() or 1) < 2:
        yield None
        return
    worker = Worker()
    try:
        yield worker
    finally:
        worker.close()


def _check(
    source: Source,
    output_path: Path,
    ruleset: Ruleset,
    fast: bool,
    engine: Literal["calamine", "openpyxl"],
    ticker: _Progress,
    worker: Worker | None,
    started: float,
) -> SheetSummary:
    input_path = source.path
    package = source.kind in ("xlsx", "xlsm")
    drawings = drawing_right_edge(input_path) if package and not fast and source.has_drawings else {}

    try:
        wb = None if fast else open_full(source)
    except SheetError:
        raise
    except Exception:  # calamine and openpyxl raise their own types for damaged parts
        raise SheetError(
            f"{input_path.name}: the workbook is damaged and cannot be read. Open it in Excel (or LibreOffice) and save it again."
        ) from None
    formulas = formula_cells(wb) if wb is not None and source.kind in ("xlsx", "xlsm") else {}
    spool = Spool() if fast else None
    scans: list[SheetScan] = []
    try:
        for index, sheet in enumerate(read_sheets(source, engine)):
            in_code = formulas.get(sheet.name)
            scan = scan_sheet(
                sheet,
                index,
                text_dates_are_normal=source.kind == "csv",
                formula_in_code=(lambda r, c, f=in_code: (r, c) in f) if in_code else None,  # type: ignore[misc]
                keep=spool.add if spool else None,
                step=ticker,
                payers=ruleset.payers,
            )
            if scan is not None:
                scan.drawings_end = drawings.get(scan.name, 0)
                scans.append(scan)
    except Exception as err:  # calamine and openpyxl raise their own types for damaged parts
        if spool is not None:
            spool.file.close()
        if isinstance(err, SheetError):
            raise
        raise SheetError(
            f"{input_path.name}: the workbook is damaged and cannot be read. Open it in Excel (or LibreOffice) and save it again."
        ) from None

    charge = [s for s in scans if s.columns is not None]
    if not charge:
        if spool is not None:
            spool.file.close()
        raise SheetError(
            f"{input_path.name}: no procedure code column found (looked for a header such as CPT, Procedure Code, HCPCS or Code "
            f"in the first {HEADER_SCAN_ROWS} rows of: {', '.join(s.name for s in scans) or 'no sheets'})"
        )
    all_rows = [r for s in charge for r in s.rows]
    ticker.total = ticker.done + 2 * len(all_rows)
    base = ticker.done
    absent = {s.index: s.absent for s in charge if s.absent}
    checks = start_checks(
        all_rows, ruleset, detail=not fast, progress=lambda n: ticker(base + n - ticker.done), worker=worker, absent=absent
    )
    del all_rows
    results = SheetResults(checks)
    for scan in charge:  # the rows were the sheets' rows one after the other
        results.offsets[scan.index] = results.size
        results.size += len(scan.rows)

    read_fields, read_notes = reading_notes(charge)

    def summary() -> SheetSummary:
        tally = checks.wait().tally
        made = SheetSummary(
            **read_fields,  # type: ignore[arg-type]
            voided_rows=tally.voided_rows,
            voided_claims=tally.voided_claims,
            to_fix=rows_to_fix(charge, results),
            input=str(input_path),
            output=str(output_path),
            path="fast" if fast else "full",
            sheets=[s.name for s in charge],
            **summary_counts(tally),
            columns_recognised={h: f for s in charge if s.columns for h, f in s.columns.recognised.items()},
            columns_ignored=list(dict.fromkeys(h for s in charge if s.columns for h in s.columns.ignored)),
            kept=(
                "the values and the Check columns (a large sheet is written back from its values)."
                if fast
                else FULL_KEPT
                if package
                else VALUES_KEPT
            ),
            not_kept=FAST_NOT_KEPT if fast else predict_not_kept(input_path) if package else [],
            notes=list(dict.fromkeys([*read_notes, *(n for s in scans for n in s.notes)])),
            ruleset_version=ruleset.version,
        )
        if tally.voided_rows:
            made.notes.append(
                f"{tally.voided_rows} reversal (void) lines and the lines they cancel were netted out"
                + (
                    f"; {tally.voided_claims} visit{'s' if tally.voided_claims > 1 else ''} voided entirely (not checked)."
                    if tally.voided_claims
                    else "."
                )
            )
        if fast and engine == "openpyxl":
            made.notes.append("Very large workbook: read row by row; merged cells are not filled down.")
        if source.kind in ("xls", "ods", "csv"):
            made.notes.append(
                f"The checked copy is an .xlsx workbook holding the values of the {source.kind} file (its formats are not kept)."
            )
        if source.kind == "xlsm" and output_path.suffix.lower() == ".xlsx":
            made.notes.append("Macros are not in the .xlsx copy; write to .xlsm to keep them.")
        if fast and source.kind == "xlsm" and output_path.suffix.lower() == ".xlsm":
            made.notes.append("Macros were copied to the checked workbook.")
        made.seconds = round(time.perf_counter() - started, 2)
        return made

    tmp = output_path.with_name(f".{output_path.stem}.{os.getpid()}.tmp{output_path.suffix}")
    try:
        if fast:
            assert spool is not None
            done = _save_fast(source, scans, results, spool, tmp, ticker, summary, ruleset)
        else:
            for scan in charge:
                annotate(wb, scan, results.of(scan), ticker)
            done = summary()
            _save_full(wb, tmp, done, ruleset)
            if package:
                done.not_kept = restore(input_path, tmp)  # what openpyxl dropped is put back; what still differs is named
        os.replace(tmp, output_path)
    finally:
        checks.wait()  # never leave the worker's answer unread
        if spool is not None:
            spool.file.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    ticker.finish()
    done.seconds = round(time.perf_counter() - started, 2)
    return done


def _save_full(wb: Any, tmp: Path, summary: SheetSummary, ruleset: Ruleset) -> None:
    for ws in list(wb.worksheets):  # our Summary and FAQ from an earlier check are replaced
        if ws.cell(1, 1).value in (SUMMARY_TITLE, FAQ_TITLE):
            wb.remove(ws)
    names = list(wb.sheetnames)
    summary_ws, faq_ws = wb.create_sheet(_free_name(names, "Summary"), 0), wb.create_sheet(_free_name(names, "FAQ"))
    write_summary(OpenpyxlOut(summary_ws), summary)
    write_faq(OpenpyxlOut(faq_ws), ruleset)
    if getattr(wb, "vba_archive", None) is not None:  # a macro workbook: every sheet needs a code name of its own
        taken = {ws.sheet_properties.codeName for ws in wb.worksheets if ws.sheet_properties.codeName}
        for ws, base in ((summary_ws, "DermSummary"), (faq_ws, "DermFAQ")):
            name, n = base, 2
            while name in taken:
                name, n = f"{base}{n}", n + 1
            ws.sheet_properties.codeName = name
            taken.add(name)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    wb.active = 0
    wb.active.sheet_view.tabSelected = True
    wb.save(tmp)


def _save_fast(
    source: Source,
    scans: list[SheetScan],
    results: SheetResults,
    spool: Spool,
    tmp: Path,
    ticker: _Progress,
    summary: Callable[[], SheetSummary],
    ruleset: Ruleset,
) -> SheetSummary:
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    wb = xlsxwriter.Workbook(str(tmp), options)
    macros = source.kind == "xlsm" and tmp.suffix.lower() == ".xlsm"
    book_name, sheet_names = code_names(source.path) if macros else (None, {})
    if macros:
        with zipfile.ZipFile(source.path) as zf, contextlib.suppress(KeyError):
            wb.add_vba_project(io.BytesIO(zf.read("xl/vbaProject.bin")), is_stream=True)
        wb.set_vba_name(book_name or "ThisWorkbook")  # the macros refer to the sheets by these names
    names = [s.name for s in scans]
    summary_ws = wb.add_worksheet(_free_name(names, "Summary"))
    summary_out = XlsxOut(wb, summary_ws)
    write_fast(source, scans, results, spool, wb, ticker, sheet_names)
    faq_ws = wb.add_worksheet(_free_name(names, "FAQ"))
    faq_out = XlsxOut(wb, faq_ws)
    if macros:
        taken = set(sheet_names.values())
        for ws, base in ((summary_ws, "DermSummary"), (faq_ws, "DermFAQ")):
            name, n = base, 2
            while name in taken:
                name, n = f"{base}{n}", n + 1
            ws.set_vba_name(name)
            taken.add(name)
    write_faq(faq_out, ruleset)
    done = summary()
    write_summary(summary_out, done)
    summary_out.close()
    faq_out.close()
    wb.close()
    return done


def _free_name(taken: list[str], name: str) -> str:
    n, candidate = 2, name
    while candidate.lower() in (t.lower() for t in taken):
        candidate, n = f"{name} {n}", n + 1
    return candidate
