"""Unusable input gets a clear error naming the file, never a traceback; outputs are never overwritten by accident."""

from __future__ import annotations

import csv
import inspect
import io
import itertools
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sheetkit import digest
from typer.testing import CliRunner

from charge_sheets import SheetSummary, check_sheet
from derm_cli.main import app
from derm_core.sheets.workbook import CALAMINE_MAX_XML, SheetError


def run(*args: str):
    return CliRunner().invoke(app, ["sheet", "check", *args])


def refused(path: Path, *needles: str) -> str:
    result = run(str(path), "-o", str(path.with_name("out.xlsx")))
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert path.name in message
    for needle in needles:
        assert needle in message
    assert "Traceback" not in message
    assert not path.with_name("out.xlsx").exists()
    return message


def test_damaged_workbook(messy):
    cut = messy.with_name("cut.xlsx")
    cut.write_bytes(messy.read_bytes()[: messy.stat().st_size // 2])
    refused(cut, "damaged")


def test_workbook_with_a_broken_part(messy):
    broken = messy.with_name("broken.xlsx")
    with zipfile.ZipFile(messy) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, b"<worksheet><sheetData><row" if item.filename.startswith("xl/worksheets/") else data)
    refused(broken, "damaged")


def test_password_protected_workbook(tmp_path):
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(1000))
    refused(locked, "password-protected")


def test_old_xls_workbook(tmp_path):
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000))
    refused(old, ".xls", "damaged")  # .xls files are read (python-calamine); this one is only an OLE header


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"%PDF-1.7\n...", "PDF"), (b"Claim,CPT\nA1,17000\n", "text file"), (b"\x00\x01\x02\x03garbage", "not a spreadsheet")],
)
def test_not_a_spreadsheet_renamed_xlsx(tmp_path, content, needle):
    fake = tmp_path / "charges.xlsx"
    fake.write_bytes(content)
    refused(fake, "not an Excel workbook", needle)


def test_a_word_document_renamed_xlsx(tmp_path):
    doc = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(doc, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    refused(doc, "Word document")


def test_zip_bomb_is_refused_before_opening(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = bytes(1 << 20)
            for _ in range(64):
                fh.write(chunk)
    assert bomb.stat().st_size < 1 << 20
    refused(bomb, "zip bomb")


def test_no_code_column_names_the_sheets(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Visits"
    wb.active.append(["Patient", "Date", "Amount"])
    wb.active.append(["P1", "2026-03-02", 100])
    wb.create_sheet("Notes").append(["nothing here"])
    path = tmp_path / "visits.xlsx"
    wb.save(path)
    refused(path, "no procedure code column", "CPT", "Visits, Notes")


def test_existing_output_needs_force(messy):
    out = messy.with_name("out.xlsx")
    out.write_bytes(b"precious")
    result = run(str(messy), "-o", str(out))
    assert result.exit_code == 2 and "already exists" in result.output and "--force" in result.output
    assert out.read_bytes() == b"precious"
    assert run(str(messy), "-o", str(out), "--force").exit_code == 1
    assert openpyxl.load_workbook(out)["Summary"]["A1"].value == "Charge sheet check"


@pytest.mark.parametrize("name", ["same", "out.csv", "missing/out.xlsx", "out.xlsm"])
def test_bad_outputs_are_refused(messy, name):
    before = digest(messy)
    out = messy if name == "same" else messy.parent / name
    result = run(str(messy), "-o", str(out), "--force")
    assert result.exit_code == 2, result.output
    assert digest(messy) == before


def test_csv_in_escapes_formulas_and_reads_text_dates(tmp_path):
    src = tmp_path / "export.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Claim ID", "DOS", "CPT", "Units", "Dx 1", "Payer", "Notes"])
        w.writerow(["C-1", "2026-03-02", "17000", "1", "L57.0", "Medicare", "=cmd|' /C calc'!A0"])
        w.writerow(["C-1", "2026-03-02", "17003", "15", "L57.0", "Medicare", "+1"])
        w.writerow(["C-2", "03/04/2026", "00100", "x", "L57.0", "Medicare", "@SUM(1)"])
    before = digest(src)
    for path in ("full", "fast"):
        out = tmp_path / f"{path}.xlsx"
        assert run(str(src), "-o", str(out), "--path", path).exit_code == 1
        ws = openpyxl.load_workbook(out)["export"]
        assert [ws.cell(1, c).value for c in (8, 9, 10)] == ["Check Status", "Check Findings", "Check Fix"]
        assert ws["H3"].value == "error" and "DRM110" in ws["I3"].value  # the row's findings, in the rules core's order
        assert "DRM050" not in ws["I3"].value  # it repeats DRM110's fix (17004 alone): one problem, one finding
        assert "SHT001" in ws["I4"].value and "SHT002" not in ws["I4"].value  # text dates are normal in a CSV
        for coordinate in ("G2", "G3", "G4"):
            assert ws[coordinate].data_type == "s" and ws[coordinate].quotePrefix, (path, coordinate)
        assert ws["C4"].value == "00100"  # leading zeros stay
    assert digest(src) == before


def test_too_many_rows_for_a_sheet(tmp_path):
    big = tmp_path / "big.csv"
    with big.open("w") as fh:
        fh.write("CPT\n")
        fh.write("17000\n" * 1_048_576)
    refused(big, "1,048,577 rows", "1,048,576")


def test_check_sheet_signature_is_stable():
    """The Slack bot calls this; keep it."""
    params = inspect.signature(check_sheet).parameters
    assert list(params)[:5] == ["input_path", "output_path", "ruleset", "force", "progress"]
    assert params["force"].kind is inspect.Parameter.KEYWORD_ONLY and params["progress"].default is None
    assert issubclass(SheetError, ValueError)
    for name in (
        "rows_checked",
        "claims",
        "by_status",
        "findings_by_rule",
        "findings_by_category",
        "path",
        "columns_recognised",
        "columns_ignored",
        "notes",
    ):
        assert name in SheetSummary.model_fields


def test_progress_is_reported(messy):
    calls: list[tuple[int, int]] = []
    summary = check_sheet(messy, messy.with_name("p.xlsx"), progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1]
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(calls))
    assert summary.rows_checked == 19


def test_sheet_error_from_api_names_the_file(tmp_path):
    with pytest.raises(SheetError, match=r"nothing\.xlsx: no such file"):
        check_sheet(tmp_path / "nothing.xlsx", tmp_path / "out.xlsx")


def test_macro_workbook_keeps_its_macros(messy, tmp_path):
    xlsm = tmp_path / "book.xlsm"
    with zipfile.ZipFile(messy) as src, zipfile.ZipFile(xlsm, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really vba")
    for path in ("full", "fast"):
        out = tmp_path / f"{path}.xlsm"
        assert run(str(xlsm), "-o", str(out), "--path", path).exit_code == 1
        with zipfile.ZipFile(out) as zf:
            assert "xl/vbaProject.bin" in zf.namelist()


def test_large_sheets_fall_back_to_a_streaming_reader(messy, monkeypatch):
    import charge_sheets.check as sheet

    monkeypatch.setattr(sheet, "CALAMINE_MAX_XML", 0)
    summary = check_sheet(messy, messy.with_name("ro.xlsx"), mode="fast")
    assert summary.rows_by_status == {"error": 9, "warning": 2, "clean": 8}  # M-8 is split: merged cells are not filled down
    assert any("row by row" in n for n in summary.notes)
    assert CALAMINE_MAX_XML > 100 * 1024**2


def test_summary_json_is_a_contract(messy):
    result = CliRunner().invoke(app, ["sheet", "check", str(messy), "-o", str(messy.with_name("j.xlsx")), "-f", "json"])
    doc = SheetSummary.model_validate_json(io.StringIO(result.stdout).read())
    assert doc.path == "full" and doc.claims == 15


def test_macro_workbook_keeps_the_sheets_code_names(tmp_path):
    """VBA refers to sheets by their code names: both paths keep them (the fast path used to rename them Sheet1 ...)."""
    import re

    import openpyxl

    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "March"
    ws.sheet_properties.codeName = "wsMarch"
    wb.code_name = "BillingBook"
    ws.append(["Claim ID", "DOS", "CPT", "Units", "Dx 1"])
    ws.append(["A1", "2026-03-02", "17000", 1, "L57.0"])
    wb.save(plain)
    xlsm = tmp_path / "book.xlsm"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(xlsm, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really vba")
    for path in ("full", "fast"):
        out = tmp_path / f"{path}.xlsm"
        assert run(str(xlsm), "-o", str(out), "--path", path).exit_code in (0, 1)
        with zipfile.ZipFile(out) as zf:
            book = zf.read("xl/workbook.xml").decode()
            names = [re.search(r'codeName="([^"]+)"', zf.read(n).decode()) for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert 'codeName="BillingBook"' in book, path
        codes = {m.group(1) for m in names if m}
        assert "wsMarch" in codes and len(codes) == len(names), (path, codes)  # every sheet has its own code name
