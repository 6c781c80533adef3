"""CMS NCCI files in the store: loading a folder of quarterly files, and the lookup the NCCI rules use."""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update

from ..ncci import DAMAGED, CmsFile, Kind, MueEdit, PtpEdit, Quarter, damage_note, open_file, quarter_from_name, read_dir
from ..pfs import is_pfs_file, year_from_name
from .core import RulesStore
from .schema import ncci_files, ncci_mue, ncci_ptp

CHUNK = 5000


@dataclass
class LoadResult:
    """What happened to one file of a ``derm data load``."""

    name: str
    kind: str | None = None  # ptp, mue or pfs (the fee-schedule table)
    quarter: str | None = None
    sha256: str | None = None
    loaded: int = 0
    rejected: int = 0
    rejected_examples: list[str] = field(default_factory=list)
    min_effective: date | None = None
    max_effective: date | None = None
    max_deletion: date | None = None
    deleted_rows: int = 0
    status: str = "loaded"  # loaded, replaced, unchanged, skipped, failed
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items()}


def load_dir(
    store: RulesStore, folder: Path, quarter: str | None = None, loaded_by: str | None = None, year: int | None = None
) -> list[LoadResult]:
    """Load every CMS practitioner PTP and MUE file and fee-schedule relative value table (PPRRVU) in ``folder``
    (zips included), one transaction per file.

    The quarter comes from ``quarter`` or else from each file's name, the fee-schedule year from ``year`` or the
    name. A file already loaded with the same checksum is left alone; a changed file of the same name and quarter
    (for the fee schedule: of the same year) replaces the old one. CMS ships the year's table in a zip as CSV, text
    and XLSX: the first of them is loaded and the copies are skipped.
    """
    from .pfs_db import load_pfs

    who = loaded_by or getpass.getuser()
    forced = Quarter.parse(quarter) if quarter else None
    results = []
    pfs_loaded: dict[tuple[str, int], str] = {}  # (zip or folder, year) -> the file loaded
    for name, raw, damaged in read_dir(folder):
        if raw is None:
            results.append(LoadResult(name, status="failed", note=damaged))
            continue
        if is_pfs_file(name):
            y = year or year_from_name(name)
            where = name.rsplit(":", 1)[0] if ":" in name else ""
            if y is None:
                results.append(LoadResult(name, "pfs", status="failed", note="the year is not in the file name: give --year 2026"))
            elif (where, y) in pfs_loaded:
                results.append(LoadResult(name, "pfs", str(y), status="skipped", note=f"a copy of {pfs_loaded[where, y]}"))
            else:
                try:
                    results.append(load_pfs(store, name, raw, y, who))
                    pfs_loaded[where, y] = name
                except DAMAGED as e:
                    results.append(LoadResult(name, "pfs", str(y), status="failed", note=damage_note(e).removeprefix(f"{name}: ")))
            continue
        try:
            cms = open_file(raw, name)
        except DAMAGED as e:  # a workbook that is not one, a damaged package
            results.append(LoadResult(name, status="failed", note=damage_note(e).removeprefix(f"{name}: ")))
            continue
        if cms is None:
            results.append(LoadResult(name, status="skipped", note="not a table derm loads (NCCI PTP or MUE, fee-schedule PPRRVU)"))
            continue
        q = forced or quarter_from_name(name)
        if q is None:
            results.append(LoadResult(name, cms.kind, status="failed", note="the quarter is not in the file name: give --quarter 2026Q1"))
            continue
        try:
            results.append(_load_one(store, cms, q.label, who))
        except DAMAGED as e:  # damage found part-way through: the file's transaction was rolled back
            results.append(LoadResult(name, cms.kind, q.label, cms.sha256, status="failed", note=damage_note(e)))
    return results


def _load_one(store: RulesStore, cms: CmsFile, quarter: str, who: str) -> LoadResult:
    result = LoadResult(cms.name, cms.kind, quarter, cms.sha256)
    with store.writing() as conn:
        same = ncci_files.c.kind == cms.kind, ncci_files.c.quarter == quarter, ncci_files.c.name == cms.name
        old = conn.execute(select(ncci_files.c.id, ncci_files.c.sha256).where(*same)).all()
        if any(sha == cms.sha256 for _, sha in old):
            result.status, result.note = "unchanged", "already loaded (same checksum)"
            return result
        for file_id, _ in old:
            conn.execute(delete(ncci_ptp).where(ncci_ptp.c.file_id == file_id))
            conn.execute(delete(ncci_mue).where(ncci_mue.c.file_id == file_id))
            conn.execute(delete(ncci_files).where(ncci_files.c.id == file_id))
            result.status = "replaced"
        now = datetime.now(UTC)
        file_id = conn.execute(
            insert(ncci_files).values(
                kind=cms.kind,
                quarter=quarter,
                name=cms.name,
                sha256=cms.sha256,
                rows_loaded=0,
                rows_rejected=0,
                deleted_rows=0,
                loaded_at=now,
                loaded_by=who,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        table = ncci_ptp if cms.kind == "ptp" else ncci_mue
        batch: list[dict[str, Any]] = []
        for line, edit, why in cms.records():
            if edit is None:
                result.rejected += 1
                if len(result.rejected_examples) < 5:
                    result.rejected_examples.append(f"line {line}: {why}")
                continue
            batch.append(_row(file_id, edit, result))
            if len(batch) >= CHUNK:
                conn.execute(insert(table), batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)
        conn.execute(
            update(ncci_files)
            .where(ncci_files.c.id == file_id)
            .values(
                rows_loaded=result.loaded,
                rows_rejected=result.rejected,
                min_effective=result.min_effective,
                max_effective=result.max_effective,
                max_deletion=result.max_deletion,
                deleted_rows=result.deleted_rows,
            )
        )
        store._audit(conn, who, "data_load", {k: v for k, v in result.as_dict().items() if k != "rejected_examples"}, True)
    return result


def _row(file_id: int, edit: PtpEdit | MueEdit, result: LoadResult) -> dict[str, Any]:
    result.loaded += 1
    if isinstance(edit, MueEdit):
        return {"file_id": file_id, "code": edit.code, "value": edit.value, "mai": edit.mai, "rationale": edit.rationale}
    result.min_effective = min(result.min_effective or edit.effective, edit.effective)
    result.max_effective = max(result.max_effective or edit.effective, edit.effective)
    if edit.deletion is not None:
        result.deleted_rows += 1
        result.max_deletion = max(result.max_deletion or edit.deletion, edit.deletion)
    return {
        "file_id": file_id,
        "column1": edit.column1,
        "column2": edit.column2,
        "effective": edit.effective,
        "deletion": edit.deletion,
        "modifier": edit.modifier,
        "rationale": edit.rationale,
    }


def loaded_files(store: RulesStore) -> list[dict[str, Any]]:
    q = select(ncci_files).order_by(ncci_files.c.quarter, ncci_files.c.kind, ncci_files.c.name)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


class StoreNcci:
    """``ncci.NcciData`` over the store's tables: the loaded quarters in memory, edits queried per claim (cached)."""

    def __init__(self, store: RulesStore, files: Iterable[tuple[int, str, str]]):
        self._engine = store.engine
        self._files: dict[str, dict[Quarter, list[int]]] = {"ptp": {}, "mue": {}}
        for file_id, kind, quarter in files:
            self._files[kind].setdefault(Quarter.parse(quarter), []).append(file_id)
        self.label = ", ".join(sorted({q.label for by in self._files.values() for q in by}))
        self._cache: dict[tuple, Any] = {}

    @classmethod
    def open(cls, store: RulesStore) -> StoreNcci | None:
        """The lookup over every loaded file; None when no NCCI file is loaded."""
        with store.engine.connect() as conn:
            files = conn.execute(select(ncci_files.c.id, ncci_files.c.kind, ncci_files.c.quarter)).all()
        return cls(store, [tuple(f) for f in files]) if files else None

    def quarter(self, kind: Kind, day: date) -> str | None:
        q = Quarter.of(day)
        return q.label if q in self._files[kind] else None

    def _cached(self, key: tuple, load: Any) -> Any:
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) > 20_000:
                self._cache.clear()
            hit = self._cache[key] = load()
        return hit

    def pairs(self, codes: Iterable[str], day: date) -> list[PtpEdit]:
        present = tuple(sorted(set(codes)))
        ids = self._files["ptp"].get(Quarter.of(day))
        if not ids or len(present) < 2:
            return []

        def load() -> list[PtpEdit]:
            c = ncci_ptp.c
            q = select(c.column1, c.column2, c.effective, c.deletion, c.modifier, c.rationale).where(
                c.file_id.in_(ids), c.column1.in_(present), c.column2.in_(present)
            )
            with self._engine.connect() as conn:
                return [PtpEdit(*row) for row in conn.execute(q)]

        edits: list[PtpEdit] = self._cached(("ptp", tuple(ids), present), load)
        return [e for e in edits if e.active(day)]

    def mue(self, code: str, day: date) -> MueEdit | None:
        ids = self._files["mue"].get(Quarter.of(day))
        if not ids:
            return None

        def load() -> tuple[MueEdit | None]:
            c = ncci_mue.c
            q = select(c.code, c.value, c.mai, c.rationale).where(c.file_id.in_(ids), c.code == code).order_by(c.file_id.desc())
            with self._engine.connect() as conn:
                row = conn.execute(q).first()
            return (MueEdit(*row) if row else None,)

        return self._cached(("mue", tuple(ids), code), load)[0]
