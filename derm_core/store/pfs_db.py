"""CMS Physician Fee Schedule relative value files in the store: loading one, and the tables the rules see.

A year holds one file: loading a newer revision of the year's file (CMS publishes A, B, C, D each year) replaces
the older one, and an identical file is left alone.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from ..pfs import PfsRow, PfsTables, read_file
from .core import RulesStore
from .ncci_db import CHUNK, LoadResult
from .schema import pfs_files, pfs_rows

_FIELDS = ("code", "status", "global_days", "pctc", "mult_proc", "bilateral", "assistant")


def load_pfs(store: RulesStore, name: str, raw: bytes, year: int, who: str) -> LoadResult:
    """Load one PPRRVU table for ``year``, in one transaction; ``failed`` when no header or no code row is found."""
    sha = hashlib.sha256(raw).hexdigest()
    result = LoadResult(name, "pfs", str(year), sha)
    rows: list[dict[str, Any]] = []
    for line, row, why in read_file(raw, name, year):
        if row is None:
            result.rejected += 1
            if len(result.rejected_examples) < 5:
                result.rejected_examples.append(f"line {line}: {why}")
            continue
        rows.append({f: getattr(row, f) for f in _FIELDS})
    if not rows:
        result.status, result.note = "failed", "no fee-schedule table found (a header with HCPCS and GLOB DAYS, then code rows)"
        return result
    result.loaded = len(rows)
    with store.writing() as conn:
        old = conn.execute(select(pfs_files.c.id, pfs_files.c.sha256).where(pfs_files.c.year == year)).all()
        if any(s == sha for _, s in old):
            result.status, result.note, result.loaded = "unchanged", "already loaded (same checksum)", 0
            return result
        for file_id, _ in old:
            conn.execute(delete(pfs_rows).where(pfs_rows.c.file_id == file_id))
            conn.execute(delete(pfs_files).where(pfs_files.c.id == file_id))
            result.status = "replaced"
        file_id = conn.execute(
            insert(pfs_files).values(
                year=year, name=name, sha256=sha, rows_loaded=0, rows_rejected=0, loaded_at=datetime.now(UTC), loaded_by=who
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        for i in range(0, len(rows), CHUNK):
            conn.execute(insert(pfs_rows), [{"file_id": file_id, **r} for r in rows[i : i + CHUNK]])
        conn.execute(update(pfs_files).where(pfs_files.c.id == file_id).values(rows_loaded=result.loaded, rows_rejected=result.rejected))
        store._audit(conn, who, "data_load", {k: v for k, v in result.as_dict().items() if k != "rejected_examples"}, True)
    return result


def loaded_pfs_files(store: RulesStore) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(pfs_files).order_by(pfs_files.c.year)).mappings()]


def open_tables(store: RulesStore) -> PfsTables | None:
    """Every loaded year's indicators, in memory (about 16,000 codes a year); None when no file is loaded."""
    q = select(pfs_files.c.year, *(pfs_rows.c[f] for f in _FIELDS)).join(pfs_files, pfs_rows.c.file_id == pfs_files.c.id)
    with store.engine.connect() as conn:
        rows = [PfsRow(code, year, status, glob, pctc, mp, bil, asst) for year, code, status, glob, pctc, mp, bil, asst in conn.execute(q)]
    return PfsTables(rows) if rows else None
