"""The one safe way in to a workbook file: what it is, and a refusal (naming the file) of anything that is not
a usable spreadsheet: encrypted, damaged, an old binary format, a renamed document, a zip bomb. Every reader
of .xlsx/.xlsm/.csv files goes through here before a parser sees the file."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any, Literal

CALAMINE_MAX_XML = 240 * 1024**2  # calamine holds the whole sheet: about 1.8x its XML in memory
MAX_UNCOMPRESSED = 2 * 1024**3
MAX_RATIO = 200  # real sheets compress 5-30x; zip bombs 1000x
EXCEL_MAX_ROWS, EXCEL_MAX_COLS = 1_048_576, 16_384


class SheetError(ValueError):
    """A charge sheet that cannot be used. The message names the file (and sheet, row, column when known)."""


# ----------------------------------------------------------------------------- inspecting the input


DENSE_CELLS_MAX = 4_000_000  # a used range this large must also be mostly filled to be read as one dense block


@dataclass
class Source:
    path: Path
    kind: Literal["xlsx", "xlsm", "csv", "xls", "ods"]
    worksheet_xml: int = 0  # uncompressed bytes of all worksheets
    rows_estimate: int = 0  # rows actually present (not the used range a sheet claims)
    has_drawings: bool = False
    sparse: bool = False  # the cells present span a range far larger than they fill: never read it as a dense block


def inspect_input(path: Path) -> Source:
    """Say what the file is, refusing anything that is not a usable charge sheet (checked before any parser sees it)."""
    name = path.name
    if not path.is_file():
        raise SheetError(f"{name}: no such file")
    with path.open("rb") as fh:
        head = fh.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if _ole_is_encrypted(path):
            raise SheetError(
                f"{name}: the workbook is password-protected. Open it in Excel, remove the password (File > Info > Protect Workbook) and save a copy."
            )
        if suffix != ".xls":
            raise SheetError(f"{name}: an old Excel 97-2003 workbook; name it .xls, or save it as .xlsx (File > Save As > Excel Workbook).")
        if path.stat().st_size > 64 * 1024**2:
            raise SheetError(f"{name}: {path.stat().st_size / 1024**2:.0f} MB is more than an Excel 97-2003 sheet holds")
        return Source(path, "xls", worksheet_xml=path.stat().st_size * 4, rows_estimate=min(path.stat().st_size // 60, 65_536))
    if suffix == ".ods":
        return _screen_ods(path, name)
    if suffix == ".csv":
        with path.open("rb") as fh:
            sample = fh.read(65536)
        if b"\x00" in sample:
            raise SheetError(f"{name}: not a text CSV file (it holds binary data)")
        lines = _count_lines(path)
        if lines > EXCEL_MAX_ROWS:
            raise SheetError(f"{name}: {lines:,} rows; an Excel sheet holds at most {EXCEL_MAX_ROWS:,}. Split the file.")
        return Source(path, "csv", rows_estimate=lines, worksheet_xml=path.stat().st_size * 3)
    if suffix not in (".xlsx", ".xlsm", ".xls"):
        raise SheetError(f"{name}: only .xlsx, .xlsm, .xls, .ods and .csv charge sheets are read")
    if not head.startswith(b"PK"):
        raise SheetError(f"{name}: not an Excel workbook ({_looks_like(head)}). Save the charge sheet from Excel as .xlsx.")
    names, sheet_bytes, rows, drawings = _screen_package(path, name, suffix)
    kind: Literal["xlsx", "xlsm"] = "xlsm" if "xl/vbaProject.bin" in names or suffix == ".xlsm" else "xlsx"
    present, sparse = _cells_present(path)
    return Source(path, kind, sheet_bytes, min(rows, present) if present else rows, drawings, sparse)


def _screen_ods(path: Path, name: str) -> Source:
    """An OpenDocument spreadsheet: a zip with ``content.xml``, screened like a workbook for zip bombs."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if "content.xml" not in names:
                raise SheetError(f"{name}: not an OpenDocument spreadsheet (.ods)")
            total = sum(i.file_size for i in infos)
            content = zf.getinfo("content.xml")
            if total > MAX_UNCOMPRESSED or (
                content.file_size > 10 * 1024**2 and content.file_size > MAX_RATIO * max(content.compress_size, 1)
            ):
                raise SheetError(f"{name}: refused: it would expand to {total / 1024**2:,.0f} MB (a zip bomb?)")
    except zipfile.BadZipFile:
        raise SheetError(f"{name}: the file is damaged (not a readable OpenDocument spreadsheet)") from None
    return Source(path, "ods", worksheet_xml=content.file_size, rows_estimate=content.file_size // 400)


_LAST_ROW = re.compile(rb'\br="(\d+)"')
_WIDE_REF = re.compile(rb' r="([A-Z]{2,3})[0-9]')  # a cell in column AA or beyond (rare in charge sheets, so cheap to find)


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _cells_present(path: Path) -> tuple[int, bool]:
    """(rows present in all worksheets, whether any sheet's cells span a range far larger than they fill), from a
    streaming read of the worksheet XML (row tags and multi-letter cell references only), before any parser sees it.
    A stray value in XFD1048576 makes calamine allocate the whole range (or abort the interpreter): such a sheet
    is read row by row instead."""
    rows_total, sparse = 0, False
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            count, last_row, max_col, tail = 0, 0, 1, b""
            with zf.open(info) as fh:
                for chunk in iter(partial(fh.read, 1 << 20), b""):
                    block = tail + chunk
                    cut = block.rfind(b"<")
                    block, tail = (block[:cut], block[cut:]) if cut > 0 else (block, b"")
                    count += block.count(b"<row ") + block.count(b":row ")
                    at = max(block.rfind(b"<row "), block.rfind(b":row "))
                    if at >= 0 and (m := _LAST_ROW.search(block, at, at + 200)) is not None:
                        last_row = max(last_row, int(m.group(1)))
                    for letters in _WIDE_REF.findall(block):
                        max_col = max(max_col, _col_number(letters))
            max_col = max_col if max_col > 1 else 26  # single-letter columns only
            rows_total += count
            dense = last_row * max_col
            cells = max(info.file_size // 25, 1)  # a cell takes 25 bytes of XML or more
            if dense > DENSE_CELLS_MAX and dense > 8 * cells:
                sparse = True
    return rows_total, sparse


def _screen_package(source: Path | IO[bytes], name: str, suffix: str = ".xlsx") -> tuple[set[str], int, int, bool]:
    """Refuse a package that is not a workbook or would expand like a zip bomb; (part names, worksheet bytes,
    rows by the sheets' dimensions, whether it has drawings)."""
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                what = "a Word document" if "word/document.xml" in names else "a zip archive"
                raise SheetError(f"{name}: not an Excel workbook (it is {what} renamed to {suffix})")
            total = sum(i.file_size for i in infos)
            for i in infos:
                if i.file_size > 10 * 1024**2 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                    raise SheetError(
                        f"{name}: refused: {i.filename} would expand {i.file_size // max(i.compress_size, 1):,} times (a zip bomb?)"
                    )
            if total > MAX_UNCOMPRESSED or len(infos) > 10_000:
                raise SheetError(
                    f"{name}: refused: {total / 1024**3:.1f} GB uncompressed in {len(infos):,} parts is more than a workbook holds"
                )
            sheets = [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
            rows = sum(_dimension_rows(zf, i) for i in sheets)
            drawings = any(n.startswith(("xl/charts/", "xl/media/")) or re.match(r"xl/drawings/drawing\d+\.xml$", n) for n in names)
    except zipfile.BadZipFile:
        raise SheetError(f"{name}: the file is damaged (not a readable Excel package). Open it in Excel and save it again.") from None
    return names, sum(i.file_size for i in sheets), rows, drawings


def open_workbook(source: Path | bytes, name: str | None = None, **options: Any) -> Any:
    """openpyxl's workbook of an .xlsx/.xlsm file or its bytes, after the screening every workbook gets here
    (encrypted, old binary format, not a workbook, zip bomb); ``options`` go to ``openpyxl.load_workbook``.
    Raises :class:`SheetError`, naming the file, for anything unusable.

    >>> open_workbook(b"not a workbook", "rules.xlsx")
    Traceback (most recent call last):
    ...
    derm_core.sheets.workbook.SheetError: rules.xlsx: not an Excel workbook (it is a text file; name it .csv if it is a CSV export). Save it from Excel as .xlsx.
    """
    name = name or (source.name if isinstance(source, Path) else "workbook")
    head = source[:8] if isinstance(source, bytes) else source.read_bytes()[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise SheetError(
            f"{name}: a password-protected or old Excel 97-2003 workbook. Open it in Excel and save it as .xlsx without a password."
        )
    if not head.startswith(b"PK"):
        raise SheetError(f"{name}: not an Excel workbook ({_looks_like(head)}). Save it from Excel as .xlsx.")
    package = io.BytesIO(source) if isinstance(source, bytes) else source
    _screen_package(package, name)
    if isinstance(package, io.BytesIO):
        package.seek(0)
    import openpyxl

    try:
        return openpyxl.load_workbook(package, **options)
    except Exception:  # openpyxl raises many types for damaged parts
        raise SheetError(f"{name}: the workbook is damaged and cannot be opened. Open it in Excel and save it again.") from None


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def _ole_is_encrypted(path: Path) -> bool:
    """Password-protected .xlsx files are OLE containers with an ``EncryptedPackage`` stream."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as fh:
        return marker in fh.read(8 * 1024**2)


def _looks_like(head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "it is a PDF"
    if head[:5].lower() in (b"<!doc", b"<html"):
        return "it is a web page"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "it is a text file; name it .csv if it is a CSV export"
    return "the content is not a spreadsheet"


def _dimension_rows(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Rows of a worksheet from its ``<dimension ref="A1:L100001"/>``, or a guess from its size."""
    with zf.open(info) as fh:
        start = fh.read(4096).decode("utf-8", "replace")
    m = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', start)
    return int(m.group(1)) if m else info.file_size // 200
