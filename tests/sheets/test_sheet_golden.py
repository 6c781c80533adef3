"""Golden tests: the messy workbook (tests/fixtures/sheets/messy.yaml) through `derm sheet check`, read back
with openpyxl and with python-calamine; every row's status and findings are asserted, the input is untouched."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sheetkit import build_workbook, digest, load_spec, read_calamine, read_openpyxl
from testpaths import EXAMPLES
from typer.testing import CliRunner

from derm_cli.main import app

SPEC = load_spec("messy.yaml")
FINDING_LINE = re.compile(r"^(?:DRM|SHT)\d{3}: \S")


def run_check(src: Path, out: Path, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(app, ["sheet", "check", str(src), "-o", str(out), "--format", "json", *extra])
    return result.exit_code, (json.loads(result.stdout) if result.stdout.strip().startswith("{") else {"stderr": result.output})


def expected(sheet: str, path: str) -> dict[int, str]:
    spec = SPEC["expect"][sheet]
    want = {int(r): v for r, v in spec["rows"].items()}
    if path == "fast":
        want |= {int(r): v for r, v in (spec.get("fast") or {}).items()}
    return want


@pytest.fixture(scope="module", params=["full", "fast"])
def checked(request, tmp_path_factory) -> tuple[str, Path, Path, str, dict, int]:
    folder = tmp_path_factory.mktemp(request.param)
    src = build_workbook(SPEC, folder / "messy.xlsx")
    before = digest(src)
    out = folder / "messy.checked.xlsx"
    code, summary = run_check(src, out, "--path", request.param)
    return request.param, src, out, before, summary, code


@pytest.mark.parametrize("reader", [read_openpyxl, read_calamine], ids=["openpyxl", "calamine"])
@pytest.mark.parametrize("sheet", ["March", "April"])
def test_every_row_status_and_findings(checked, reader, sheet):
    path, _, out, _, _, _ = checked
    want = expected(sheet, path)
    got = reader(out, sheet, SPEC["expect"][sheet]["header"])
    for row, (status, findings, fix) in got.items():
        if row not in want:
            assert (status, findings, fix) == (None, None, None), f"{sheet}!{row}"
            continue
        status_want, *rules = want[row].split()
        lines = findings.splitlines() if findings else []
        assert status == status_want, f"{sheet}!{row}: {findings}"
        assert [line.split(":")[0] for line in lines] == rules, f"{sheet}!{row}"
        assert all(FINDING_LINE.match(line) for line in lines)
        if status != "clean":
            assert fix, f"{sheet}!{row} has a finding but no fix"
    assert set(want) <= set(got)


def test_input_is_byte_identical_and_summary_is_reported(checked):
    path, src, out, before, summary, code = checked
    assert digest(src) == before
    assert code == 1  # some claims have errors
    assert summary["path"] == path
    assert summary["sheets"] == ["March", "April"]
    assert summary["rows_checked"] == 19
    assert summary["by_status"] == {"error": 8, "warning": 2, "clean": 5}
    assert summary["columns_recognised"]["CPT/HCPCS"] == "code"
    assert summary["columns_recognised"]["Encounter #"] == "claim_id"
    assert summary["columns_recognised"]["Comments"] == "notes"  # recognised, not put on the claim
    assert summary["findings_by_category"]["data_quality"] >= 5
    assert openpyxl.load_workbook(out).sheetnames == ["Summary", "March", "Notes", "April", "FAQ"]


def test_user_text_that_looks_like_a_formula_stays_text(checked):
    path, _, out, _, _, _ = checked
    ws = openpyxl.load_workbook(out)["March"]
    for coordinate in ("E11", "L5", "L11"):
        cell = ws[coordinate]
        assert cell.data_type == "s", coordinate
        assert str(cell.value)[0] in "=@-"
        if path == "fast":
            assert cell.quotePrefix, coordinate


def test_full_path_keeps_the_workbook_and_marks_offending_cells(checked):
    path, _, out, _, _, _ = checked
    if path != "full":
        pytest.skip("the fast path keeps values only")
    wb = openpyxl.load_workbook(out)
    ws = wb["March"]
    assert "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.row_dimensions[12].hidden
    assert ws.column_dimensions["B"].width == 14
    assert ws["F9"].data_type == "f"  # the user's formula is kept
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref.startswith("A3:")
    assert "SHT001" in ws["H7"].comment.text and ws["H7"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "DRM110" in ws["F17"].comment.text
    assert "SHT002" in ws["C8"].comment.text and ws["C8"].fill.fgColor.rgb.endswith("FFEB9C")
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert sorted(r.formula[0] for r in rules) == ['"clean"', '"error"', '"warning"']
    assert ws.print_title_rows == "$3:$3"


def test_summary_and_faq_sheets(checked):
    _, _, out, _, _, _ = checked
    wb = openpyxl.load_workbook(out)
    summary = wb["Summary"]
    assert summary["A1"].value == "Charge sheet check"
    with zipfile.ZipFile(out) as zf:  # a native Excel chart
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1 and b"Claims by status" in zf.read(charts[0])
    text = " ".join(str(c.value) for row in summary.iter_rows() for c in row if c.value is not None)
    for needle in ("Rows checked", "What the colours mean", "Claims to fix", "Findings by rule", "DRM110", "Top fixes", "Notes"):
        assert needle in text
    faq = wb["FAQ"]
    assert faq["B4"].value
    assert str(faq["B6"].value).startswith("=IF(")
    assert faq.max_row > 50


def test_a_checked_workbook_can_be_checked_again(checked, tmp_path):
    _, _, out, _, _, _ = checked
    again = tmp_path / "again.xlsx"
    code, summary = run_check(out, again)
    assert code == 1 and summary["path"] == "full"
    wb = openpyxl.load_workbook(again)
    assert wb.sheetnames == ["Summary", "March", "Notes", "April", "FAQ"]
    header = [c.value for c in wb["March"][3]]
    assert header.count("Check Status") == 1 and header.count("Check Fix") == 1
    assert read_openpyxl(again, "March", 3)[7][0] == "error"


def test_the_example_charge_sheet(tmp_path):
    example = EXAMPLES / "charges.xlsx"
    before = digest(example)
    code, summary = run_check(example, tmp_path / "checked.xlsx")
    assert code == 1 and digest(example) == before
    assert summary["by_status"] == {"error": 5, "warning": 1, "clean": 3}
    assert summary["columns_ignored"] == [] and summary["columns_recognised"]["Notes"] == "notes"
