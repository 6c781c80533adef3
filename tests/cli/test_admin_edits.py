"""An admin's edits are never silently dropped: unreadable headers in any sheet of the rules workbook, damaged
CMS downloads, a first export, identifiers in override reasons, and publishes that switch many rules off."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from storekit import write_cms_files
from typer.testing import CliRunner

from derm_cli.main import app
from derm_core.admin import TABLES
from derm_core.rulebook import export_workbook, read_workbook
from derm_core.ruleset import default_ruleset

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def versions() -> list[int]:
    return [v["version"] for v in json.loads(run("rules", "history", "--format", "json").stdout)]


# --- headers that cannot be read -------------------------------------------------------------------


def test_a_deleted_payer_header_in_prior_authorization_is_refused_naming_the_cell(db):
    path = db / "rules.xlsx"
    assert run("rules", "export", str(path)).exit_code == 0
    book = load_workbook(path)
    ws = book["Prior Authorization"]
    ws["A1"] = None
    ws.append(["Acme Health", None, "96920", "Excimer needs PA"])
    book.save(path)
    result = run("rules", "import", str(path), "--author", "Ann", "--reason", "Acme excimer")
    assert result.exit_code == 2, result.output
    assert "no changes" not in result.stdout
    assert "Prior Authorization, row 1, column A: the header cell A1 is empty" in result.stderr
    assert versions() == [1]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.sheet)
def test_every_column_of_every_sheet_with_its_header_deleted_is_a_problem(tmp_path, table):
    path = tmp_path / "rules.xlsx"
    export_workbook(default_ruleset(), path, base=1)
    for index, (header, _field) in enumerate(table.columns):
        book = load_workbook(path)
        ws = book[table.sheet]
        letter = ws.cell(row=1, column=index + 1).column_letter
        assert ws.cell(row=1, column=index + 1).value == header
        ws.cell(row=1, column=index + 1).value = None
        row = ws.max_row + 1
        ws.cell(row=row, column=index + 1).value = "edited"  # the admin's edit, under the header that is gone
        edited = tmp_path / f"edited-{index}.xlsx"
        book.save(edited)
        problems = [str(p) for p in read_workbook(edited).problems]
        expected = f"{table.sheet}, row 1, column {letter}: the header cell {letter}1 is empty"
        assert any(p.startswith(expected) for p in problems), (header, problems)


def test_a_value_beyond_the_last_header_is_a_problem(tmp_path):
    path = tmp_path / "rules.xlsx"
    export_workbook(default_ruleset(), path, base=1)
    book = load_workbook(path)
    ws = book["Unit Limits"]
    width = len(TABLES[2].columns)
    ws.cell(row=2, column=width + 2).value = 12
    book.save(path)
    problems = [str(p) for p in read_workbook(path).problems]
    letter = ws.cell(row=1, column=width + 2).column_letter
    assert problems == [
        f"Unit Limits, row 1, column {letter}: the header cell {letter}1 is empty, but the column has values (1 in row 2) "
        f"that would be ignored; type the column's name back in {letter}1 (the columns are Payer, Payer Type, Code, "
        f"Max Units, Source, Effective From, Effective To) or clear the column"
    ]


def test_an_empty_header_over_an_empty_column_is_fine(tmp_path):
    path = tmp_path / "rules.xlsx"
    export_workbook(default_ruleset(), path, base=1)
    book = load_workbook(path)
    ws = book["Cosmetic"]
    for (cell,) in ws.iter_rows(min_col=4, max_col=4):  # Note: header and values cleared together
        cell.value = None
    book.save(path)
    assert read_workbook(path).problems == []


def test_a_header_row_pushed_down_by_an_inserted_row_is_refused(tmp_path):
    path = tmp_path / "rules.xlsx"
    export_workbook(default_ruleset(), path, base=1)
    book = load_workbook(path)
    book["Payer Policies"].insert_rows(1)
    book.save(path)
    problems = [str(p) for p in read_workbook(path).problems]
    assert any(p.startswith("Payer Policies, row 1, column A: the header cell A1 is empty") for p in problems), problems


def test_the_instructions_version_label_deleted_is_refused(db):
    path = db / "rules.xlsx"
    assert run("rules", "export", str(path)).exit_code == 0
    book = load_workbook(path)
    book["Instructions"]["A3"] = None
    book.save(path)
    result = run("rules", "import", str(path), "--author", "Ann", "--reason", "x", "--dry-run")
    assert result.exit_code == 2
    assert "Instructions, row 3, column A: the cell A3 'Exported from version'" in result.stderr


# --- damaged CMS downloads ---------------------------------------------------------------------------


def _damaged_member(folder: Path) -> str:
    """The MUE zip with its member's compressed bytes overwritten (the directory still reads; the member fails)."""
    path = next(folder.glob("*.zip"))
    with zipfile.ZipFile(path) as z:
        info = z.infolist()[0]
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    return path.name


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("truncated", "the download is damaged or incomplete"),
        ("html", "the download is damaged or incomplete"),
        ("member", "the download is damaged or incomplete"),
        ("xlsx", "not a readable Excel package"),
    ],
)
def test_data_load_of_a_damaged_download_exits_2_naming_the_file(db, damage, expected):
    folder = write_cms_files(db / "cms")
    zip_path = next(folder.glob("*.zip"))
    if damage == "truncated":
        zip_path.write_bytes(zip_path.read_bytes()[:200])
        name = zip_path.name
    elif damage == "html":
        zip_path.write_bytes(b"<html><body>The page you requested was not found.</body></html>")
        name = zip_path.name
    elif damage == "member":
        name = _damaged_member(folder)
    else:
        name = "mue-2026q1.xlsx"
        (folder / name).write_bytes(b"PK\x03\x04 not really a workbook")
    result = run("data", "load", str(folder))
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert name in result.stderr and expected in result.stderr
    status = json.loads(run("data", "status", "--format", "json").stdout)
    assert {f["kind"] for f in status} == ({"ptp", "mue"} if damage == "xlsx" else {"ptp"})  # the readable files still load


def test_data_load_of_a_folder_with_only_a_damaged_file_names_it(db):
    folder = db / "cms"
    folder.mkdir()
    (folder / "ccipra-v320r0-f1.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 5)
    result = run("data", "load", str(folder))
    assert result.exit_code == 2
    assert "ccipra-v320r0-f1.zip: the download is damaged" in result.stderr


# --- the first export, override reasons ----------------------------------------------------------------


def test_export_on_an_empty_store_says_it_created_version_1_from_the_shipped_ruleset(db):
    first = run("rules", "export", str(db / "a.xlsx"))
    assert first.exit_code == 0
    shipped = default_ruleset().version
    assert f"created version 1 from the shipped ruleset (Shipped ruleset {shipped})" in first.stdout
    again = run("rules", "export", str(db / "b.xlsx"))
    assert "created version" not in again.stdout and "(ruleset version 1)" in again.stdout


@pytest.mark.parametrize(
    ("reason", "claim", "column"),
    [
        ("pt Jane Doe had the PA on file", "C-1", "Reason"),
        ("DOE, JANE 03/04/1956 two sites", "C-1", "Reason"),
        ("MRN 12345678 documents two sites", "C-1", "Reason"),
        ("Two sites, documented", "Jane Doe", "Claim"),
    ],
)
def test_override_refuses_patient_identifiers_and_records_nothing(db, reason, claim, column):
    result = run("rules", "override", "DRM050", "--claim", claim, "--reason", reason, "--author", "bea")
    assert result.exit_code == 2
    assert f"Override, column {column}:" in result.stderr and "nothing was recorded" in result.stderr
    for value in ("Jane", "DOE", "12345678"):
        assert value not in result.output  # the identifier is never echoed
    assert json.loads(run("rules", "overrides", "--format", "json").stdout) == []


def test_override_with_an_ordinary_reason_is_recorded(db):
    result = run("rules", "override", "DRM050", "--claim", "C-1", "--reason", "Two sites, modifier 59 documented", "--author", "bea")
    assert result.exit_code == 0, result.output
    assert json.loads(run("rules", "overrides", "--format", "json").stdout) == [{"rule": "DRM050", "overrides": 1}]


# --- a publish that turns off many rules or empties a table ---------------------------------------------


def _every_rule_off(book) -> None:
    from derm_core.engine import all_rules

    ws = book["Rule Overrides"]
    for rule in all_rules():
        ws.append(["*", None, rule, "no"])


def _no_faq(book) -> None:
    ws = book["FAQ"]
    ws.delete_rows(2, ws.max_row)


@pytest.mark.parametrize(
    ("edit", "warning"),
    [(_every_rule_off, "WARNING: this change turns off"), (_no_faq, "WARNING: this change empties the FAQ table")],
)
def test_a_drastic_publish_is_loud_in_the_diff_needs_confirm_and_is_audited(db, edit, warning):
    path = db / "rules.xlsx"
    assert run("rules", "export", str(path)).exit_code == 0
    book = load_workbook(path)
    edit(book)
    book.save(path)

    dry = run("rules", "import", str(path), "--author", "Ann", "--reason", "Spring clean", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert warning in dry.stdout and warning in dry.stderr and "needs --confirm" in dry.stdout

    refused = run("rules", "import", str(path), "--author", "Ann", "--reason", "Spring clean")
    assert refused.exit_code == 2
    assert warning in refused.stderr and "run the import again with --confirm" in refused.stderr
    assert versions() == [1]
    entry = json.loads(run("rules", "audit", "--format", "json").stdout)[0]
    assert (entry["action"], entry["allowed"], entry["detail"]["confirmed"]) == ("publish", False, False)
    assert entry["detail"]["warnings"]

    published = run("rules", "import", str(path), "--author", "Ann", "--reason", "Spring clean", "--confirm")
    assert published.exit_code == 0, published.output
    assert warning in published.stdout and "Published version 2." in published.stdout
    entry = json.loads(run("rules", "audit", "--format", "json").stdout)[0]
    assert (entry["allowed"], entry["detail"]["confirmed"], entry["detail"]["version"]) == (True, True, 2)
    assert entry["detail"]["warnings"] == [
        w.removeprefix("WARNING: this change ").rstrip(".") for w in published.stderr.strip().splitlines() if w.startswith("WARNING")
    ]


def test_every_rule_off_for_every_payer_is_named_as_such(db):
    path = db / "rules.xlsx"
    run("rules", "export", str(path))
    book = load_workbook(path)
    _every_rule_off(book)
    book.save(path)
    dry = run("rules", "import", str(path), "--author", "Ann", "--reason", "x", "--dry-run")
    from derm_core.engine import all_rules

    assert f"turns off {len(all_rules())} rules: DRM" in dry.stdout and "(for every payer)" in dry.stdout


def test_four_rules_off_is_an_ordinary_publish(db):
    path = db / "rules.xlsx"
    run("rules", "export", str(path))
    book = load_workbook(path)
    for rule in ("DRM050", "DRM110", "DRM301", "DRM302"):
        book["Rule Overrides"].append(["Acme Health", None, rule, "no"])
    book.save(path)
    result = run("rules", "import", str(path), "--author", "Ann", "--reason", "Acme contract")
    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.output and versions() == [2, 1]


def test_a_rollback_that_empties_a_table_needs_confirm(db):
    path = db / "rules.xlsx"
    run("rules", "export", str(path))
    book = load_workbook(path)
    book["Unit Limits"].append(["Acme Health", None, "17003", 10])
    book.save(path)
    assert run("rules", "import", str(path), "--author", "Ann", "--reason", "Acme limit").exit_code == 0
    refused = run("rules", "rollback", "1", "--author", "Ann")
    assert refused.exit_code == 2 and "empties the Unit Limits table" in refused.stderr and versions() == [2, 1]
    done = run("rules", "rollback", "1", "--author", "Ann", "--confirm")
    assert done.exit_code == 0 and versions() == [3, 2, 1]
