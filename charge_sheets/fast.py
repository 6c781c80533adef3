"""The fast path for large sheets: values from a spool on disk, written back with XlsxWriter in constant memory."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from derm_core.sheets.columns import OWN_COLUMNS
from derm_core.sheets.read import SheetScan, csv_value
from derm_core.sheets.workbook import Source

from .full import check_columns, width_of
from .results import SheetResults
from .write import (
    DANGEROUS_FIRST,
    FINDINGS_WIDTH,
    FIX_WIDTH,
    PRINT_ONE_PAGE_WIDTH,
    STATUS_COLOURS,
    STYLES,
    text_height,
    xlsx_format,
)


class Spool:
    """Raw rows on disk between reading and writing, so a million rows never sit in memory."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by check_sheet)

    def add(self, _index: int, values: list[Any]) -> None:
        pickle.dump(values, self.file, pickle.HIGHEST_PROTOCOL)  # one pickle per row: no memo shared across rows

    def rows(self, count: int) -> Iterator[list[Any]]:
        for _ in range(count):
            yield pickle.load(self.file)

    def rewind(self) -> None:
        self.file.flush()
        self.file.seek(0)


def write_fast(
    source: Source,
    scans: list[SheetScan],
    results: SheetResults,
    spool: Spool,
    wb: Any,
    done: Callable[[int], None],
    vba_names: dict[str, str] | None = None,
) -> None:
    """Every sheet's values from the spool, with the Check columns, into an XlsxWriter workbook. ``vba_names``: the
    sheets' code names in a macro workbook (kept, so that the macros still find their sheets)."""
    fmt = {name: wb.add_format(xlsx_format(STYLES[name])) for name in ("th", "date", "quoted")}
    wrap = wb.add_format({"text_wrap": True})
    spool.rewind()
    for scan in scans:
        ws = wb.add_worksheet(scan.name)
        if vba_names and scan.name in vba_names:
            ws.set_vba_name(vba_names[scan.name])
        if scan.hidden:
            ws.hide()
        pending = zip(scan.rows, results.of(scan), strict=True)  # in row order
        next_row, next_result = next(pending, (None, None))
        header, own = -1, (-1, -1, -1)
        if scan.columns is not None:
            header, own = scan.columns.header_row, check_columns(scan)
            for col in range(scan.width):
                ws.set_column(col, col, width_of(scan, col))
            for col, width in zip(own, (12, FINDINGS_WIDTH, FIX_WIDTH), strict=True):
                ws.set_column(col, col, width, wrap if width > 12 else None)
        write_string, write_number = ws.write_string, ws.write_number  # the hot loop: plain type dispatch
        csv_source, quoted, date_format = source.kind == "csv", fmt["quoted"], fmt["date"]
        for r, values in enumerate(spool.rows(scan.height)):
            result = None
            if next_row is not None and next_row.row == r:
                result = next_result
                next_row, next_result = next(pending, (None, None))
            if result is not None and (len(result.findings) > FINDINGS_WIDTH or len(result.fix) > FIX_WIDTH or "\n" in result.findings):
                ws.set_row(r, text_height([(result.findings, FINDINGS_WIDTH), (result.fix, FIX_WIDTH)]))
            for c, value in enumerate(values):
                if value is None or value == "" or c in own:
                    continue
                if csv_source:
                    value = csv_value(value)
                kind = type(value)
                if kind is str:
                    write_string(r, c, value, quoted if value[0] in DANGEROUS_FIRST else (fmt["th"] if r == header else None))
                elif kind is float or kind is int:
                    write_number(r, c, value)
                elif kind is bool:
                    ws.write_boolean(r, c, value)
                elif isinstance(value, datetime | date):
                    ws.write_datetime(r, c, value, date_format)
                else:
                    write_string(r, c, str(value))
            if r == header:
                for col, title in zip(own, OWN_COLUMNS.values(), strict=True):
                    write_string(r, col, title, fmt["th"])
            elif result is not None:
                for col, value in zip(own, result[:3], strict=True):
                    if value:
                        write_string(r, col, value, quoted if value[0] in DANGEROUS_FIRST else None)
                done(1)
        if scan.columns is not None:
            last_row = max(scan.height - 1, header + 1)
            for status, (fill, font) in STATUS_COLOURS.items():
                cf = wb.add_format({"bg_color": "#" + fill, "font_color": "#" + font, "bold": True})
                ws.conditional_format(
                    header + 1, own[0], last_row, own[0], {"type": "cell", "criteria": "==", "value": f'"{status}"', "format": cf}
                )
            ws.freeze_panes(header + 1, 0)
            ws.autofilter(header, 0, last_row, max(own))
            ws.repeat_rows(header)
            ws.set_landscape()
            wide = sum(width_of(scan, c) for c in range(scan.width)) + 12 + FINDINGS_WIDTH + FIX_WIDTH > PRINT_ONE_PAGE_WIDTH
            ws.fit_to_pages(2 if wide else 1, 0)
            if wide:
                ws.print_across()
                ws.repeat_columns(0)
            ws.set_margins(0.4, 0.4, 0.75, 0.75)
            ws.set_header("&L&A&RChecked &D", {"margin": 0.3})
            ws.set_footer("&LCheck Status: error = red, warning = amber, clean = green&RPage &P of &N", {"margin": 0.3})
