"""Read remittances from a file, a folder (recursively) or a zip archive: 835 files by their ISA header,
exports by their extension (.csv, .tsv, .txt, .xlsx). A file that cannot be read is reported and the rest of
the batch is still read.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .exports import read_csv, read_xlsx
from .model import ReadProblem, ReadResult
from .x12 import read_835

_TABLE_EXT = {".csv", ".tsv", ".txt"}


def read_bytes(data: bytes, name: str) -> ReadResult:
    """One file's content, by what it looks like."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    suffix = Path(name).suffix.lower()
    if head.startswith(b"ISA"):
        return read_835(data, name)
    if head.startswith(b"PK"):
        if suffix in (".xlsx", ".xlsm"):
            return read_xlsx(data, name)
        return read_zip(data, name)
    if suffix in _TABLE_EXT:
        return read_csv(data, name)
    return ReadResult(problems=[ReadProblem(name, "not an 835 file (no ISA header), a CSV/XLSX export or a zip archive")], files=1)


def read_zip(data: bytes, name: str) -> ReadResult:
    out = ReadResult()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ReadResult(problems=[ReadProblem(name, "not a readable zip archive")], files=1)
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            member = info.filename
            if info.is_dir() or member.startswith("__MACOSX/") or Path(member).name.startswith("."):
                continue
            out.extend(read_bytes(archive.read(info), f"{name}:{member}"))
    return out


def read_paths(paths: Iterable[str | Path]) -> ReadResult:
    """Everything under ``paths`` (files, folders, zips), in name order within a folder."""
    out = ReadResult()
    for p in map(Path, paths):
        files = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")) if p.is_dir() else [p]
        for f in files:
            try:
                data = f.read_bytes()
            except OSError as e:
                out.extend(ReadResult(problems=[ReadProblem(str(f), f"cannot read ({e.__class__.__name__})")], files=1))
                continue
            out.extend(read_bytes(data, str(f)))
    return out
