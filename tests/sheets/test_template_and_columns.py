"""`derm sheet template`, header recognition, and reading values into charge lines."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest
from typer.testing import CliRunner

from derm_cli.main import app
from derm_core.ruleset import default_ruleset
from derm_core.sheets.columns import find_header, is_charge_sheet, map_header
from derm_core.sheets.rows import RowReader, absent_values, check_rows, claim_data, claim_label, parse_date, text


def test_template_has_recognised_headers_dropdowns_hints_and_examples(tmp_path):
    path = tmp_path / "charges.xlsx"
    result = CliRunner().invoke(app, ["sheet", "template", "-o", str(path)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(path)
    ws = wb["Charges"]
    header = [c.value for c in ws[1]]
    mapped = map_header(header)
    assert not mapped.ignored and {"code", "claim_id", "dos", "payer_type", "mod1", "dx1", "site", "pathology"} <= mapped.fields.keys()
    lists = {str(dv.sqref)[0]: dv for dv in ws.data_validations.dataValidation if dv.type == "list"}
    for col in ("D", "H", "I", "O", "Q"):  # payer type, modifiers, site, pathology
        assert col in lists and lists[col].formula1.startswith("Lists!")
    assert all(dv.prompt for dv in ws.data_validations.dataValidation)
    assert ws["A1"].comment is not None
    assert ws["A2"].value == "EX-1001" and ws["G3"].value == "17000" and ws["A4"].value is None
    assert wb["Lists"].sheet_state == "hidden"
    assert ws.freeze_panes == "A2"
    again = CliRunner().invoke(app, ["sheet", "template", "-o", str(path)])
    assert again.exit_code == 2 and "already exists" in again.output
    checked = CliRunner().invoke(app, ["sheet", "check", str(path), "-o", str(tmp_path / "out.xlsx"), "-f", "json"])
    assert checked.exit_code == 0, checked.output
    assert '"clean": 1' in checked.stdout and '"rows_checked": 2' in checked.stdout


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("CPT", "code"), ("Procedure Code", "code"), ("hcpcs", "code"), ("CPT/HCPCS", "code"), ("Code", "code"),
        ("Mod 1", "mod1"), ("MODIFIER-2", "mod2"), ("Modifiers", "modifiers"), ("Dx 1", "dx1"), ("Dx A", "dx1"),
        ("Dx Pointer", "dx_pointer"), ("Diagnoses", "diagnoses"), ("Date of Service", "dos"), ("DOS", "dos"),
        ("Qty", "units"), ("Insurance", "payer_name"), ("Payer", "payer_name"), ("Encounter", "claim_id"),
        ("Claim #", "claim_id"), ("MRN", "patient_id"), ("Account", "patient_id"), ("Rendering", "npi"), ("NPI", "npi"),
        ("PA#", "prior_auth"), ("Auth", "prior_auth"), ("Lesion count", "lesion_count"), ("Site", "site"),
        ("Size", "size_cm"), ("Pathology", "pathology"), ("  date_of_service ", "dos"), ("Mohs Blocks", "mohs_stage_blocks"),
        ("Blocks per stage", "mohs_stage_blocks"), ("Area (sq cm)", "area_sq_cm"), ("Treated Area", "area_sq_cm"),
        ("Dose (mg)", "drug_mg"), ("Drug mg", "drug_mg"), ("Symptoms", "symptoms"), ("Purpose", "purpose"),
        ("ABN signed", "abn_signed"),
    ],
)  # fmt: skip
def test_header_synonyms(header, field):
    assert map_header([header]).fields == {field: 0}


def test_header_row_below_a_banner_and_ignored_columns():
    rows = [["Charges"], [None], ["Notes", "Encounter", "CPT", "CPT", "Whatever"], ["x", "E1", "17000", "17003", "y"]]
    found = find_header(rows)
    assert found is not None and found.header_row == 2
    assert found.fields == {"notes": 0, "claim_id": 1, "code": 2}
    assert found.ignored == ["CPT", "Whatever"] and "repeats" in found.notes[0]
    assert find_header([["Patient", "Amount"]]) is None
    assert not is_charge_sheet(map_header(["CPT", "Description"]))


def test_values_as_calamine_and_openpyxl_give_them():
    assert text(11102.0) == text(11102) == text("11102") == "11102"
    assert parse_date(datetime(2026, 3, 2, 0, 0)) == (date(2026, 3, 2), False)
    assert parse_date(46083.0) == (date(2026, 3, 2), False)
    for typed in ("2026-03-02", "3/2/2026", "03/02/26", "Mar 2, 2026", "2 March 2026"):
        assert parse_date(typed) == (date(2026, 3, 2), True), typed
    with pytest.raises(ValueError):
        parse_date("next week")


def test_one_row_read_into_a_charge_line():
    header = ["Encounter", "DOS", "CPT", "Modifiers", "Qty", "Diagnoses", "Dx Pointer", "Size", "Site", "Pathology", "Insurance", "POS"]
    reader = RowReader(map_header(header))
    row = reader.read(3, ["E1", 46083.0, "99213-25", "59, XS", 2.0, "L57.0; C44.319", "AB", "12 mm", "Forearm", "BCC", "Aetna", 11.0])
    assert row is not None
    assert (row.code, row.mods, row.units, row.dx, row.pointers) == ("99213", ("25", "59", "XS"), 2, ("L57.0", "C44.319"), ("1", "2"))
    assert dict(row.facts) == {"size_cm": 1.2, "site": "arm", "pathology": "malignant"}
    assert row.payer == ("commercial", "Aetna") and row.pos == "11" and not row.problems
    assert reader.payer_plans == {"Aetna": "Commercial (commercial)"} and not reader.unknown_payers
    assert reader.read(4, [None] * 12) is None
    unknown = reader.read(5, ["E2", 46083.0, "11102", None, 1, "D48.5", None, None, None, None, "Northwind Health", None])
    assert unknown is not None and unknown.payer == ("commercial", "Northwind Health")
    assert reader.unknown_payers == {"Northwind Health"}  # flagged in the Summary, never typed silently


def test_mohs_blocks_treated_area_and_drug_amount_are_read_into_the_facts(ruleset):
    reader = RowReader(map_header(["Claim ID", "DOS", "CPT", "Dx 1", "Mohs Blocks", "Area (sq cm)", "Dose (mg)"]))
    rows = [
        reader.read(1, ["M1", 46083.0, 17311.0, "C44.311", "6, 3", None, None]),
        reader.read(2, ["M1", 46083.0, 17312.0, "C44.311", None, None, None]),
        reader.read(3, ["P1", 46083.0, 96920.0, "L40.0", None, 210.5, None]),
        reader.read(4, ["J1", 46083.0, "J3301", "L91.0", None, None, "40"]),
        reader.read(5, ["M2", 46083.0, 17311.0, "C44.311", None, None, None]),
        reader.read(6, ["M2", 46083.0, 17312.0, "C44.311", None, None, None]),
    ]
    assert [dict(r.facts) for r in rows if r] == [{"mohs_stage_blocks": (6, 3)}, {}, {"area_sq_cm": 210.5}, {"drug_mg": 40.0}, {}, {}]
    assert claim_data(rows[:2])["lines"][0]["facts"] == {"mohs_stage_blocks": (6, 3)}
    # With the column on the sheet, Mohs add-ons without blocks get the engine's finding, not "the sheet has no column"
    results, _ = check_rows(rows, ruleset, absent={0: absent_values(reader.columns)})
    assert "DRM208" in results[4].findings and "no blocks per stage column" not in results[4].findings
    assert "DRM208" not in results[0].findings


def test_symptoms_purpose_and_abn_are_read_into_the_facts():
    reader = RowReader(map_header(["Claim ID", "DOS", "CPT", "Dx 1", "Symptoms", "Purpose", "ABN"]))
    rows = [
        reader.read(1, ["S1", 46083.0, 17110.0, "L82.1", "Itching, bleeding", None, None]),
        reader.read(2, ["S2", 46083.0, 17110.0, "L82.1", "none", "Cosmetic", "Y"]),
        reader.read(3, ["S3", 46083.0, 17000.0, "L57.0", "functional impairment", "medical", False]),
    ]
    assert [dict(r.facts) for r in rows if r] == [
        {"symptoms": ("itching", "bleeding")},
        {"symptoms": (), "purpose": "cosmetic", "abn_signed": True},  # none: the note documents no symptom
        {"symptoms": ("functional_impairment",), "purpose": "medical", "abn_signed": False},
    ]
    assert all(r and not r.problems for r in rows)
    odd = reader.read(4, ["S4", 46083.0, 17110.0, "L82.1", "ugly", "maybe", "ask"])
    assert odd is not None and not odd.facts and {fld for fld, _ in odd.problems} == {"symptoms", "purpose", "abn_signed"}


def test_rows_group_into_claims_by_claim_id_else_patient_and_date():
    reader = RowReader(map_header(["Claim ID", "Patient", "DOS", "CPT", "Units", "Dx 1", "Lesions"]))
    rows = [
        reader.read(1, ["C1", "P1", date(2026, 3, 2), "17000", 1, "L57.0", 16]),
        reader.read(2, [None, "P2", date(2026, 3, 2), "17000", 1, "L57.0", 1]),
        reader.read(3, ["C1", "P1", date(2026, 3, 2), "17003", 15, "L57.0"]),  # same claim, not next to its first line
        reader.read(4, [None, "P2", date(2026, 3, 3), "17000", 1, "L57.0", 1]),  # same patient, another day
    ]
    assert [claim_label(r) for r in rows if r] == ["C1", "patient P2", "C1", "patient P2"]
    assert len({r.key for r in rows if r}) == 3
    claim = claim_data([rows[0], rows[2]])  # type: ignore[list-item]
    assert [ln["code"] for ln in claim["lines"]] == ["17000", "17003"] and claim["diagnoses"] == ["L57.0"]
    results, tally = check_rows([r for r in rows if r], default_ruleset())
    assert [r.status for r in results] == ["error", "clean", "error", "clean"]
    assert results[0].findings.startswith("DRM110: ") and "DRM110: " in results[2].findings  # the claim is checked as a whole
    assert tally.claims == 3 and tally.rows == 4
