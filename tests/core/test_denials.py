"""Denial patterns: reading 835 files and exports, the analysis of a planted month, matching against check
reports, the report workbook, the Slack summary and patient data kept out of every output."""

import io
import json
import logging
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from testpaths import ROOT
from typer.testing import CliRunner

from derm_cli.main import app
from derm_core.denials.analysis import analyze, settle
from derm_core.denials.codes import explain, table
from derm_core.denials.matching import load_checked
from derm_core.denials.model import ReadResult
from derm_core.denials.slack_summary import chart_png, denials_summary_blocks
from derm_core.denials.sources import read_bytes, read_paths
from derm_core.denials.synthetic import Remit, SynthClaim, SynthLine, write_835
from derm_core.denials.workbook import write_report

runner = CliRunner()
D = date(2026, 3, 2)


def remit(*claims, payer="ACME HEALTH", paid_on=date(2026, 3, 6)):
    return Remit(payer, paid_on, list(claims))


def read(text: str, name="t.835") -> ReadResult:
    return read_bytes(text.encode(), name)


# --- reading 835 files ---------------------------------------------------------------------------------------


def test_reads_payers_claim_and_line_adjustments_remarks_and_modifiers():
    text = write_835(
        [
            remit(
                SynthClaim(
                    "C1",
                    dos=D,
                    adjustments=[("OA", "23", 5)],
                    remarks=["MA130"],
                    prior_auth="AUTH1",
                    lines=[
                        SynthLine(
                            "11102", 120, 0, ("59", "XS"), adjustments=[("CO", "97", 100), ("CO", "16", 20)], remarks=["N362", "MA01"]
                        ),
                        SynthLine("17003", 48, 24, units=4, adjustments=[("CO", "151", 24)]),
                    ],
                )
            ),
            remit(
                SynthClaim("C2", dos=D, lines=[SynthLine("17000", 95, 60, adjustments=[("CO", "45", 20), ("PR", "2", 15)], allowed=75)]),
                payer="BLUE RIVER PLAN",
                paid_on=date(2026, 3, 13),
            ),
        ]
    )
    r = read(text)
    assert r.problems == []
    c1, c2 = r.claims
    assert (c1.payer, c2.payer) == ("ACME HEALTH", "BLUE RIVER PLAN")
    assert (c1.paid_on, c2.paid_on) == (date(2026, 3, 6), date(2026, 3, 13))
    assert c1.provider == "DERMA, DANA (1234567893)" and c1.prior_auth and c1.remarks == ["MA130"]
    assert [(a.group, a.reason, a.amount) for a in c1.adjustments] == [("OA", "23", 5.0)]
    ln = c1.lines[0]
    assert (ln.code, ln.modifiers, ln.billed, ln.paid, ln.dos, ln.remarks) == ("11102", ("59", "XS"), 120.0, 0.0, D, ["N362", "MA01"])
    assert [(a.group, a.reason, a.amount) for a in ln.adjustments] == [("CO", "97", 100.0), ("CO", "16", 20.0)]
    assert (c1.lines[1].units, c1.lines[1].paid) == (4.0, 24.0)  # partial pay
    assert c2.lines[0].allowed == 75.0 and c2.patient_share == 15.0


def test_more_than_six_reasons_on_a_line_span_two_cas_segments():
    adjs = [("CO", r, 10) for r in ("4", "11", "16", "18", "97", "151", "236")]
    text = write_835([remit(SynthClaim("C1", lines=[SynthLine("88305", 70, 0, adjustments=adjs)]))])
    assert text.count("CAS*CO") == 2
    assert [a.reason for a in read(text).claims[0].lines[0].adjustments] == ["4", "11", "16", "18", "97", "151", "236"]


def test_payer_changed_code_keeps_the_billed_code():
    text = write_835([remit(SynthClaim("C1", lines=[SynthLine("17004", 200, 90)]))]).replace(
        "SVC*HC:17004*200*90**1", "SVC*HC:17000*200*90**1*HC:17004"
    )
    ln = read(text).claims[0].lines[0]
    assert (ln.code, ln.paid_code) == ("17004", "17000")


def test_malformed_segment_and_truncated_file_are_named_and_the_batch_still_read(tmp_path):
    good = write_835([remit(SynthClaim("G1", lines=[SynthLine("99213", 110, 70)]))])
    two = write_835(
        [
            remit(
                SynthClaim("B1", lines=[SynthLine("11102", 120, 0, adjustments=[("CO", "97", 120)])]),
                SynthClaim("B2", lines=[SynthLine("11104", 140, 0, adjustments=[("CO", "4", 140)])]),
            )
        ]
    )
    (tmp_path / "a_good.835").write_text(good)
    (tmp_path / "b_malformed.835").write_text(two.replace("CAS*CO*97*120", "CAS*CO*97*12O"))
    (tmp_path / "c_truncated.835").write_text(two[: two.index("CLP*B2") + 20])
    (tmp_path / "d_notes.pdf").write_bytes(b"%PDF-1.4")
    r = read_paths([tmp_path])
    assert sorted(c.claim_id for c in r.claims) == ["B1", "B2", "G1"]  # B2 from the malformed file, B1 from the truncated one
    msgs = [str(p) for p in r.problems]
    malformed = next(m for m in msgs if "b_malformed" in m)
    assert "segment 20 (CAS)" in malformed and "CAS03" in malformed and "skipped" in malformed
    truncated = next(m for m in msgs if "c_truncated" in m)
    assert "truncated" in truncated and "(CLP)" in truncated
    assert any("d_notes.pdf" in m and "not an 835" in m for m in msgs)


def test_zip_archives_and_other_delimiters():
    text = write_835([remit(SynthClaim("Z1", lines=[SynthLine("17000", 95, 0, adjustments=[("CO", "50", 95)])]))])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("era/one.835", text)
        z.writestr("era/two.txt", text.replace("*", "|").replace(":", "^").replace("~\n", "~").replace("Z1", "Z2"))
    r = read_bytes(buf.getvalue(), "march.zip")
    assert [c.claim_id for c in r.claims] == ["Z1", "Z2"] and r.problems == []
    assert r.claims[0].source == "march.zip:era/one.835"


def test_reversal_cancels_the_earlier_payment_and_the_correction_stands():
    first = remit(SynthClaim("R1", lines=[SynthLine("17000", 95, 0, adjustments=[("CO", "16", 95)])]))
    later = remit(
        SynthClaim("R1", status="22", lines=[SynthLine("17000", -95, 0, adjustments=[("CO", "16", -95)])]),
        SynthClaim("R1", lines=[SynthLine("17000", 95, 76, adjustments=[("CO", "45", 19)])]),
        SynthClaim("R9", status="22", lines=[SynthLine("11102", -120, -80)]),
        paid_on=date(2026, 3, 20),
    )
    r = read(write_835([later, first]))  # file order does not matter: payment dates do
    s = settle(r.claims)
    assert (s.reversed, s.corrections, s.orphan_reversals) == (1, 1, 1)
    assert [(c.claim_id, c.paid) for c in s.claims] == [("R1", 76.0)]
    assert analyze(r).patterns == []


# --- exports ----------------------------------------------------------------------------------------------------


def test_csv_export_with_header_synonyms_and_several_codes_per_cell():
    csv = (
        "Claim #,Patient Name,Member ID,Payer,Rendering Provider,DOS,Paid Date,CPT,Mod,Units,Billed Amt,Paid,Denial Codes,Denied Amount,RARC\n"
        "E1,PHIPLANTLAST1,PHIMEMBER0001,ACME HEALTH,Dr A,03/02/2026,2026-03-10,11102,59,1,$120.00,0,CO-97; CO-16,80; 40,N362\n"
        "E1,PHIPLANTLAST1,PHIMEMBER0001,ACME HEALTH,Dr A,03/02/2026,2026-03-10,17000,,1,95,60,CO-45,35,\n"
        "E2,PHIPLANTLAST2,PHIMEMBER0002,SUNRISE CARE,Dr B,03/03/2026,2026-03-11,17110,,1,130,0,PR 204,,\n"
    )
    r = read_bytes(csv.encode(), "export.csv")
    assert r.problems == []
    e1, e2 = r.claims
    assert [(ln.code, ln.modifiers, [(a.group, a.reason, a.amount) for a in ln.adjustments]) for ln in e1.lines] == [
        ("11102", ("59",), [("CO", "97", 80.0), ("CO", "16", 40.0)]),
        ("17000", (), [("CO", "45", 35.0)]),
    ]
    assert e1.lines[0].remarks == ["N362"] and e1.paid_on == date(2026, 3, 10) and e1.lines[0].dos == D
    assert [(a.group, a.reason, a.amount) for a in e2.lines[0].adjustments] == [("PR", "204", 130.0)]  # unpaid part, no amount given
    assert any("columns recognised" in k for k in r.notes)
    assert not any(v in repr(r.claims) for v in ("PHIPLANTLAST", "PHIMEMBER"))


def test_xlsx_export_one_row_per_adjustment():
    wb = Workbook()
    ws = wb.active
    ws.append(["Remittance export"])
    ws.append(
        [
            "Encounter",
            "Line",
            "Insurance",
            "Service Date",
            "Procedure Code",
            "Charge",
            "Payment",
            "Group Code",
            "Reason Code",
            "Adjustment Amount",
        ]
    )
    ws.append(["X1", 1, "MEDICARE JX", date(2026, 3, 2), 17003, 144, 40, "CO", 151, 84])
    ws.append(["X1", 1, "MEDICARE JX", date(2026, 3, 2), 17003, 144, 40, "CO", 45, 10])
    ws.append(["X1", 2, "MEDICARE JX", date(2026, 3, 2), 17000, 95, 0, "CO", "B99", 95])
    buf = io.BytesIO()
    wb.save(buf)
    r = read_bytes(buf.getvalue(), "remit.xlsx")
    assert r.problems == []
    (x1,) = r.claims
    assert [ln.code for ln in x1.lines] == ["17003", "17000"]  # a code typed as a number reads as text
    assert [(a.group, a.reason, a.amount) for a in x1.lines[0].adjustments] == [("CO", "151", 84.0), ("CO", "45", 10.0)]
    assert x1.billed == 239.0


def test_export_without_a_recognisable_header_is_reported():
    r = read_bytes(b"a,b,c\n1,2,3\n", "odd.csv")
    assert r.claims == [] and "no header row" in str(r.problems[0])


# --- the code table ----------------------------------------------------------------------------------------------


def test_code_table_covers_the_dermatology_reasons_and_never_guesses():
    required = [
        "4",
        "11",
        "16",
        "18",
        "22",
        "29",
        "45",
        "50",
        "96",
        "97",
        "109",
        "151",
        "167",
        "170",
        "197",
        "204",
        "236",
        "146",
        "119",
        "198",
        "181",
        "182",
    ]
    for code in required:
        r = explain(code)
        assert r.known and r.meaning and r.action != "unknown", code
    assert explain("97").prevented_by and "bundling" in explain("97").prevented_by
    assert explain("45").denial is False and explain("2").denial is False and explain("29").denial
    assert explain("B99").known is False and explain("B99").meaning.startswith("Unknown code")
    assert table().remark("N362").startswith("The units") and table().remark("ZZ9").startswith("Unknown")


# --- the planted month --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def month(planted_month):
    checked, errors = load_checked([planted_month / "report.json", planted_month / "claims.json"])
    assert errors == []
    return analyze(read_paths([planted_month / "remits"]), checked=checked)


def test_each_planted_pattern_is_found_with_its_exact_count_and_amount(month, planted):
    found = {(p.group, p.reason, p.code, p.payer): (p.count, p.amount) for p in month.patterns}
    assert found == {k: v[:2] for k, v in planted.items()}
    assert [(p.group, p.reason) for p in month.patterns[:2]] == [("CO", "97"), ("CO", "151")]  # ranked by money
    unknown = next(p for p in month.patterns if p.reason == "299")
    assert unknown.known is False and unknown.meaning.startswith("Unknown code")
    assert month.read.reversed == 1 and month.read.corrections == 1 and month.read.problems == []


def test_trend_breakdowns_and_kpis(month):
    assert [t.month for t in month.trend] == ["2026-03"]
    (t,) = month.trend
    assert (t.claims, t.denied_claims) == (40, 19)
    assert month.by_payer[0].key == "ACME HEALTH" and month.by_payer[0].amount == 450 + 240 + 140
    k = month.kpis
    assert k["denial_rate"].value == round(19 / 40, 4)
    assert k["clean_claim_rate"].value == round(30 / 38, 4)  # M1-M6 (errors) and C1-C2 (warnings) were not clean
    assert k["mohs_revenue_capture"].value == 1.0
    assert k["laser_destruction_coding_accuracy"].value == round(7 / 11, 4)  # 17003 x4 denied CO-151; PR-204 is coverage
    assert k["medical_necessity_approval_rate"].value == 1.0
    assert all(v.definition for v in k.values())


def test_matching_classifies_each_planted_denial(month, planted):
    m = month.matching
    by_outcome: dict[str, set] = {}
    for d in m.denied_lines:
        by_outcome.setdefault(d.outcome, set()).add(d.claim_id)
    assert by_outcome == {
        "caught_and_ignored": {f"M{i}" for i in range(1, 7)} | {"C1", "C2"},
        "missed": {"A1", "A2", "A3", "A4", "B1", "B2"},
        "not_coding": {"V1", "V2", "V3"},
        "unknown_reason": {"U1"},
        "not_checked": {"Z1"},
    }
    for (group, reason, code, payer), (count, amount, outcome) in planted.items():
        lines = [d for d in m.denied_lines if f"{group}-{reason}" in d.reasons and d.payer == payer]
        assert len(lines) == count and round(sum(d.amount for d in lines), 2) == amount and {d.outcome for d in lines} == {outcome}, (
            reason,
            code,
        )
    assert m.outcomes["caught_and_ignored"] == {"count": 8, "amount": 710.0}
    assert m.outcomes["missed"] == {"count": 6, "amount": 576.0}
    hows = {d.claim_id: (d.how, d.rules) for d in m.denied_lines if d.outcome == "caught_and_ignored"}
    assert hows["M1"] == ("overridden", ["DRM205"]) and hows["M4"] == ("submitted anyway", ["DRM205"])
    assert hows["C1"] == ("submitted anyway", ["DRM902"])
    missed = {(p.group, p.reason, p.code, p.payer): (p.count, p.amount, len(p.examples)) for p in m.missed}
    assert missed == {("CO", "151", "17003", "MEDICARE JX"): (4, 336.0, 4), ("CO", "16", "11102", "ACME HEALTH"): (2, 240.0, 2)}
    ex = m.missed[0].examples[0]
    assert (ex.code, ex.units, ex.date_of_service, ex.denied) == ("17003", 12.0, "2026-03-02", 84.0)
    rules = {s.rule: s for s in m.rules}
    assert (rules["DRM205"].flagged, rules["DRM205"].true_positives, rules["DRM205"].precision, rules["DRM205"].recall) == (12, 6, 0.5, 1.0)
    assert (rules["DRM902"].precision, rules["DRM902"].recall) == (1.0, 1.0)
    assert m.line_match == "by code"


def test_report_alone_matches_lines_by_position(planted_month):
    checked, _ = load_checked([planted_month / "report.json"])
    m = analyze(read_paths([planted_month / "remits"]), checked=checked).matching
    assert m.line_match == "by position" and m.outcomes["caught_and_ignored"]["count"] == 8


# --- outputs: workbook, JSON, Slack, chart; and no patient data in any of them -------------------------------------


def _workbook_text(path) -> str:
    wb = load_workbook(path)
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def test_report_workbook_has_the_sheets_and_native_charts(month, tmp_path):
    out = tmp_path / "report.xlsx"
    write_report(month, out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["Summary", "Patterns", "Missed by the checker", "Matching", "Codes"]
    assert len(wb["Summary"]._charts) == 4
    patterns = wb["Patterns"]
    assert patterns.freeze_panes == "A2" and patterns.auto_filter.ref.startswith("A1:")
    assert [c.value for c in patterns[2][:9]] == [
        "CO",
        "97",
        explain("97").meaning,
        "coding",
        "Correct and resubmit",
        "88305",
        "ACME HEALTH",
        6,
        450,
    ]
    missed = wb["Missed by the checker"]
    assert missed["B2"].value == "151" and "A1 line 2" in missed["H2"].value


def test_slack_blocks_and_chart(month):
    blocks = denials_summary_blocks(month)
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= 150
    assert len(blocks) <= 50 and all(len(b.get("fields", [])) <= 10 for b in blocks)
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if "text" in b)
    text = json.dumps(blocks)
    assert "CO-97" in text and "ACME HEALTH" in text and "Biggest miss: CO-151 on 17003" in text
    assert not any(cid in text for cid in ("M1", "A1", "Z1"))  # no claim numbers in Slack
    assert chart_png(month).startswith(b"\x89PNG")
    from slack_sdk.models.blocks import Block

    assert [Block.parse(b).to_dict() for b in blocks] == blocks  # slack_sdk checks each block against Slack's limits


def test_cli_json_and_workbook_and_no_patient_data_anywhere(planted_month, phi_values, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "r.xlsx"
    png = tmp_path / "c.png"
    bad = tmp_path / "bad"
    bad.mkdir()
    text = (planted_month / "remits" / "week1.835").read_text()
    (bad / "cut.835").write_text(text[: text.index("PHIPLANTLAST") + 20])  # truncated inside a patient segment
    result = runner.invoke(
        app,
        [
            "denials",
            "analyze",
            str(planted_month / "remits"),
            "-o",
            str(out),
            "--chart",
            str(png),
            "--format",
            "json",
            "--checked",
            str(planted_month / "report.json"),
            "--checked",
            str(planted_month / "claims.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= {"patterns", "kpis", "matching"}
    p = doc["patterns"][0]
    assert {k: p[k] for k in ("group", "reason", "code", "payer", "count", "amount")} == {
        "group": "CO",
        "reason": "97",
        "code": "88305",
        "payer": "ACME HEALTH",
        "count": 6,
        "amount": 450.0,
    }
    table_out = runner.invoke(app, ["denials", "analyze", str(planted_month / "remits"), str(bad)])
    assert table_out.exit_code == 2 and "cut.835" in table_out.stderr and "truncated" in table_out.stderr
    assert "Costliest denial patterns" in table_out.stdout
    outputs = [
        result.stdout,
        result.stderr,
        table_out.stdout,
        table_out.stderr,
        caplog.text,
        _workbook_text(out),
        json.dumps(denials_summary_blocks(analyze(read_paths([planted_month / "remits"])))),
    ]
    for value in phi_values:
        assert not any(value in o for o in outputs), value
    assert "PHIPLANTLAST" in text  # the values were planted


def test_missing_path_is_an_error(tmp_path):
    result = runner.invoke(app, ["denials", "analyze", str(tmp_path / "nope.835")])
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_bad_format_and_claims_without_id_are_reported(tmp_path):
    (tmp_path / "r.835").write_text(write_835([remit(SynthClaim("C1", lines=[SynthLine("99213", 110, 70)]))]))
    result = runner.invoke(app, ["denials", "analyze", str(tmp_path / "r.835"), "--format", "xml"])
    assert result.exit_code == 2 and "--format is table or json" in result.stderr
    (tmp_path / "claims.json").write_text(json.dumps({"claims": [{"date_of_service": "2026-03-02", "lines": [{"code": "99213"}]}]}))
    _, errors = load_checked([tmp_path / "claims.json"])
    assert errors == [f"{tmp_path / 'claims.json'}, claim #1: no claim_id, so it cannot be matched to a remittance"]


def test_bundled_sample_remittances_read_cleanly():

    r = read_paths([ROOT / "examples" / "remittances-march.835"])
    assert r.problems == [] and len(r.claims) == 9


def test_annotated_charge_sheet_as_checked_input(planted_month, tmp_path):
    claims = json.loads((planted_month / "claims.json").read_text())["claims"]
    wb = Workbook()
    ws = wb.active
    facts = ["lesion_count", "pathology", "site", "size_cm", "lesion_id", "biopsy_method"]
    ws.append(
        [
            "Claim ID",
            "DOS",
            "Payer",
            "Payer Type",
            "Rendering NPI",
            "CPT",
            "Modifiers",
            "Units",
            "Dx 1",
            "Lesion Count",
            "Pathology",
            "Site",
            "Size (cm)",
            "Lesion ID",
            "Biopsy Method",
        ]
    )
    for c in claims:
        if c["claim_id"].startswith("C"):  # the sheet has no column for a cosmetic purpose
            continue
        for ln in c["lines"]:
            f = ln.get("facts", {})
            ws.append(
                [
                    c["claim_id"],
                    date.fromisoformat(c["date_of_service"]),
                    c["payer"]["name"],
                    c["payer"]["type"],
                    c["rendering_npi"],
                    ln["code"],
                    " ".join(ln.get("modifiers", [])),
                    ln.get("units", 1),
                    c["diagnoses"][0],
                    *(f.get(k) for k in facts),
                ]
            )
    wb.save(tmp_path / "charges.xlsx")
    checked_sheet = tmp_path / "charges.checked.xlsx"
    result = runner.invoke(app, ["sheet", "check", str(tmp_path / "charges.xlsx"), "-o", str(checked_sheet)])
    assert result.exit_code == 1, result.output  # the Mohs claims have errors
    checked, errors = load_checked([checked_sheet])
    assert errors == [] and len(checked.claims) == len(claims) - 2
    m = analyze(read_paths([planted_month / "remits"]), checked=checked).matching
    outcome = {d.claim_id: (d.outcome, d.how) for d in m.denied_lines}
    assert {outcome[f"M{i}"] for i in range(1, 7)} == {("caught_and_ignored", "submitted anyway")}  # a sheet records no overrides
    assert {outcome[c][0] for c in ("A1", "A4", "B1", "B2")} == {"missed"}
    assert (outcome["V1"][0], outcome["U1"][0], outcome["C1"][0], outcome["Z1"][0]) == (
        "not_coding",
        "unknown_reason",
        "not_checked",
        "not_checked",
    )
    assert m.line_match == "by code"


# --- --checked that matches nothing, counts, empty folders ---------------------------------------------------


def test_checked_charges_that_match_no_remitted_claim_warn_and_give_no_clean_claim_rate(tmp_path):
    result = runner.invoke(
        app,
        ["denials", "analyze", str(ROOT / "examples" / "remittances-march.835"), "--checked", str(ROOT / "examples" / "charges.xlsx")],
    )
    assert result.exit_code == 0, result.output
    assert "warning: --checked: none of the" in result.stderr and "no clean claim rate" in result.stderr
    clean = next(line for line in result.stdout.splitlines() if "Clean claim rate" in line)
    assert "%" not in clean and "no checked claim is in these" in clean
    as_json = runner.invoke(
        app,
        ["denials", "analyze", str(ROOT / "examples" / "remittances-march.835"), "--checked", str(ROOT / "examples" / "charges.xlsx"),
         "--format", "json"],
    )  # fmt: skip
    doc = json.loads(as_json.stdout)
    assert doc["kpis"]["clean_claim_rate"]["value"] is None and doc["matching"]["warnings"]
    assert doc["matching"]["remitted_and_checked"] == 0


def test_the_clean_claim_rate_counts_only_checked_claims_that_were_remitted(planted_month, tmp_path):
    report = json.loads((planted_month / "report.json").read_text())
    stranger = {"claim_id": "ELSEWHERE-1", "status": "error", "findings": [], "unchecked": []}
    report["claims"] += [dict(stranger, claim_id=f"ELSEWHERE-{i}") for i in range(50)]  # clean claims of another period
    (tmp_path / "report.json").write_text(json.dumps(report))
    with_strangers, errors = load_checked([tmp_path / "report.json", planted_month / "claims.json"])
    assert errors == []
    alone, _ = load_checked([planted_month / "report.json", planted_month / "claims.json"])
    remits = read_paths([planted_month / "remits"])
    a, b = analyze(remits, checked=alone), analyze(remits, checked=with_strangers)
    assert b.kpis["clean_claim_rate"].value == a.kpis["clean_claim_rate"].value
    assert any("50 of the" in n and "not in these remittances" in n for n in b.matching.notes)
    assert b.matching.warnings == []


def test_counts_print_as_integers(planted_month):
    result = runner.invoke(
        app,
        ["denials", "analyze", str(planted_month / "remits"), "--checked", str(planted_month / "report.json"),
         "--checked", str(planted_month / "claims.json")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    against = result.stdout[result.stdout.index("Against the checker") :].split("\n\n")[0].replace("\n", " ")
    assert "caught and ignored 8 ($710.00)" in against and "missed 6 ($576.00)" in against
    assert "Denial rate" in result.stdout and "(19 / 40)" in result.stdout
    as_json = runner.invoke(app, ["denials", "analyze", str(planted_month / "remits"), "--checked", str(planted_month / "report.json"),
                                  "--format", "json"])  # fmt: skip
    outcomes = json.loads(as_json.stdout)["matching"]["outcomes"]
    assert all(isinstance(v["count"], int) for v in outcomes.values()), outcomes


def test_large_amounts_print_in_full_not_in_exponent_form():
    from derm_cli.denials import _number

    assert (_number(1234567.0), _number(3528.5), _number(12)) == ("1,234,567", "3,528.50", "12")


def test_an_empty_folder_exits_2_with_a_message(tmp_path):
    folder = tmp_path / "remits"
    folder.mkdir()
    (folder / ".DS_Store").write_bytes(b"")
    result = runner.invoke(app, ["denials", "analyze", str(folder)])
    assert result.exit_code == 2
    assert f"{folder}: the folder is empty" in result.stderr
