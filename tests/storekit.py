"""Helpers for the rules-store tests: a ruleset with one more PA row, CMS NCCI and fee-schedule files written as CMS
publishes them."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from derm_core.ruleset import PriorAuthRow, Ruleset

PG_ENV = "DERM_TEST_PG_URL"


def pg_base_url(what: str) -> str:
    """The PostgreSQL server of the tests (``DERM_TEST_PG_URL``): skips ``what`` without one, fails it in CI."""
    from derm_core.store import normalise_url

    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_ENV} is not set: in CI {what} must run on PostgreSQL (.ci/run starts one)")
        pytest.skip(f"{PG_ENV} is not set (.ci/run starts a PostgreSQL server and sets it)")
    return normalise_url(url)


@contextmanager
def pg_database(base: str, name: str) -> Iterator[str]:
    """A new, empty database ``name`` on the server of ``base``: its URL; dropped afterwards."""
    import sqlalchemy as sa

    from derm_core import live

    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        live.reset()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def with_pa(ruleset: Ruleset, payer: str, code: str, note: str = "") -> Ruleset:
    """``ruleset`` plus one prior-authorization row."""
    row = PriorAuthRow(payer=payer, code=code, note=note)
    return ruleset.model_copy(update={"prior_authorization": [*ruleset.prior_authorization, row]})


PTP_HEADER = [
    "CPT codes, descriptions and other data only are copyright 2025 American Medical Association. All Rights Reserved.",
    "Column1/Column 2 Edits",
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\t"
    "Modifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale",
]
MUE_HEADER = [
    '"CPT codes, descriptions and other data only are copyright 2025 American Medical Association.\nAll Rights Reserved.",,,',
    '"HCPCS/\nCPT Code","Practitioner Services MUE Values","MUE Adjudication Indicator","MUE Rationale"',
]


def write_cms_files(folder: Path, quarter_start: date = date(2026, 1, 1)) -> Path:
    """Small synthetic files in CMS's practitioner PTP (tab-delimited text) and MUE (CSV in a zip) layouts."""
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    version = f"v{quarter_start.year - 1994}{(quarter_start.month - 1) // 3}r0"
    ptp = [
        *PTP_HEADER,
        "11102\t17000\t\t20190101\t*\t1\tMisuse of column two code with column one code",
        "11102\t11900\t\t20190101\t*\t0\tMutually exclusive procedures",
        "11102\t17110\t\t20190101\t20250101\t9\tStandards of medical / surgical services",
        "1110X\t\t\tnot a date\t*\t1\tbroken row",
        "",
    ]
    (folder / f"ccipra-{version}-f1.txt").write_text("\r\n".join(ptp), encoding="latin-1")
    mue = [
        *MUE_HEADER,
        'J3301,8,"3 Date of Service Edit: Clinical","Clinical: Data"',
        '11105,3,"1 Line Edit","Clinical: Data"',
        '17000,1,"2 Date of Service Edit: Policy","Code Descriptor / CPT Instruction"',
        '17003,lots,"3 Date of Service Edit: Clinical","broken row"',
    ]
    stamp = quarter_start.strftime("%m-%d-%Y")
    with zipfile.ZipFile(folder / f"medicare-ncci-{quarter_start.year}-practitioner-services-mue-table.zip", "w") as z:
        z.writestr(f"MCR_MUE_PractitionerServices_Eff_{stamp}.csv", "\r\n".join(mue))
    (folder / f"ccioph-{version}-f1.txt").write_text("\r\n".join(ptp), encoding="latin-1")  # hospital: skipped
    return folder


# The file's shape as CMS ships it (title lines, a header split over two rows, modifier rows); the values are ours.
PFS_HEADER = [["HCPCS", "MOD", "DESCRIPTION", "STATUS", "WORK", "PCTC", "GLOB", "MULT", "BILAT", "ASST"],
          ["", "", "", "CODE", "RVU", "IND", "DAYS", "PROC", "SURG", "SURG"]]  # fmt: skip
PFS_ROWS = [["30520", "", "septoplasty (test)", "A", "7.0", "0", "090", "2", "0", "1"],
        ["17250", "", "chemical cautery (test)", "A", "0.5", "0", "010", "2", "0", "1"],
        ["88305", "26", "", "A", "0.7", "6", "XXX", "9", "9", "9"]]  # fmt: skip


def rvu_zip(path: Path, rows: list[list[str]] = PFS_ROWS) -> Path:
    table = [["CMS Physician Fee Schedule, relative value file (test copy)"], *PFS_HEADER, *rows]
    book = openpyxl.Workbook()
    for r in table:
        book.active.append(r)
    xlsx = io.BytesIO()
    book.save(xlsx)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("PPRRVU2026_Jan_nonQPP.csv", "\n".join(",".join(r) for r in table))
        z.writestr("PPRRVU2026_Jan_nonQPP.txt", "\n".join("\t".join(r) for r in table))
        z.writestr("PPRRVU2026_Jan_nonQPP.xlsx", xlsx.getvalue())
        z.writestr("GPCI2026.csv", "locality,work gpci\n01,1.0\n")
    return path
