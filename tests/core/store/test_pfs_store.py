"""The CMS fee-schedule file loaded into the store (`derm data load`), on SQLite and PostgreSQL: the year's zip with
its CSV, text and XLSX copies loads once, a revision replaces the year's file, and checks through the store use it."""

from __future__ import annotations

from storekit import PFS_ROWS, rvu_zip

from derm_core.engine import check_claim
from derm_core.models import Claim
from derm_core.store.ncci_db import load_dir
from derm_core.store.pfs_db import loaded_pfs_files


def claim(code: str) -> Claim:
    return Claim.model_validate(
        {
            "payer": {"type": "medicare"},
            "date_of_service": "2026-03-02",
            "diagnoses": ["J34.2", "L40.0"],
            "lines": [{"code": code, "dx": ["J34.2"]}, {"code": "99213", "dx": ["L40.0"], "date_of_service": "2026-03-20"}],
        }
    )


def test_the_years_table_loads_once_and_checks_through_the_store_use_it(store, tmp_path):
    folder = tmp_path / "cms"
    folder.mkdir()
    rvu_zip(folder / "RVU26A.zip")
    before = {f.rule for f in check_claim(claim("30520"), store.ruleset()).findings}
    assert "DRM011" in before and "DRM811" not in before  # unknown code: its global period cannot be checked

    results = {r.name.split(":")[1]: r for r in load_dir(store, folder, loaded_by="ann")}
    csv = results["PPRRVU2026_Jan_nonQPP.csv"]
    assert (csv.kind, csv.quarter, csv.status, csv.loaded) == ("pfs", "2026", "loaded", 2)
    assert {results[n].status for n in ("PPRRVU2026_Jan_nonQPP.txt", "PPRRVU2026_Jan_nonQPP.xlsx")} == {"skipped"}
    assert results["GPCI2026.csv"].status == "skipped"
    assert [(f["year"], f["rows_loaded"], f["loaded_by"]) for f in loaded_pfs_files(store)] == [(2026, 2, "ann")]

    ruleset = store.ruleset()
    assert ruleset.pfs_years == "RVU26"
    after = {f.rule for f in check_claim(claim("30520"), ruleset).findings}
    assert "DRM811" in after and "DRM011" not in after  # a visit 18 days into the 90-day global, without 24
    assert store.token()[2] > 0


def test_a_revision_replaces_the_years_file_and_the_same_file_again_changes_nothing(store, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    rvu_zip(first / "RVU26A.zip")
    load_dir(store, first)
    assert [r.status for r in load_dir(store, first) if r.kind == "pfs" and r.status != "skipped"] == ["unchanged"]
    revised = [r if r[0] != "17250" else [*r[:6], "000", *r[7:]] for r in PFS_ROWS]
    rvu_zip(second / "RVU26B.zip", revised)
    assert [r.status for r in load_dir(store, second) if r.kind == "pfs" and r.status != "skipped"] == ["replaced"]
    assert len(loaded_pfs_files(store)) == 1
    assert "DRM811" not in {f.rule for f in check_claim(claim("17250"), store.ruleset()).findings}  # now 000 days


def test_a_table_without_its_header_fails_by_name_and_loads_nothing(store, tmp_path):
    folder = tmp_path / "cms"
    folder.mkdir()
    (folder / "PPRRVU2026_Jan.csv").write_text("not,the,table\n1,2,3\n")
    (result,) = load_dir(store, folder)
    assert (result.status, result.name) == ("failed", "PPRRVU2026_Jan.csv") and "header" in result.note
    assert loaded_pfs_files(store) == [] and store.ruleset().pfs_years is None
