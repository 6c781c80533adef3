"""A charge sheet dropped in a DM comes back annotated without its patient identifiers: columns recognised by header
or, where the header is silent, by what they hold are taken out, the patient column is replaced by P1, P2, ... (so the
claims and their findings are the same as on the original), title rows are left empty, and the reply says which.
The real Bolt app, the real ``check_sheet``, the uploaded workbook read back with openpyxl."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from charge_sheets import check_sheet
from slack_bot.deidentify import strip_identifiers

from .test_listeners import assert_valid_message, texts

IDENTIFIERS = ("DOE", "JANE", "Okonkwo", "1951-04-12", "1944", "0047192", "0088123", "555-201-8890", "jdoe@example.com", "412 Elm")
HEADER = ["DOS", "Patient Name", "DOB", "MRN", "CPT", "Mod", "Dx", "Units", "Payer", "Call back", "Comments", "Provider"]
ROWS = [
    [
        date(2026, 3, 2),
        "DOE, JANE",
        date(1951, 4, 12),
        "0047192",
        "99213",
        "25",
        "L40.0",
        1,
        "medicare",
        "555-201-8890",
        "seen for AKs",
        "Dr. Lee",
    ],
    [date(2026, 3, 2), "DOE, JANE", date(1951, 4, 12), "0047192", "17000", None, "L57.0", 1, "medicare", None, None, "Dr. Lee"],
    [
        date(2026, 3, 2),
        "DOE, JANE",
        date(1951, 4, 12),
        "0047192",
        "17003",
        None,
        "L57.0",
        14,
        "medicare",
        None,
        "lives at 412 Elm St",
        "Dr. Lee",
    ],
    [
        date(2026, 3, 3),
        "Okonkwo, Ada",
        date(1944, 7, 1),
        "0088123",
        "11102",
        None,
        "L82.1",
        1,
        "aetna",
        "jdoe@example.com",
        None,
        "Dr. Lee",
    ],
    [date(2026, 3, 3), "Okonkwo, Ada", date(1944, 7, 1), "0088123", "11103", None, "L82.1", 2, "aetna", None, "ok", "Dr. Lee"],
]


def charge_sheet(path=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "March"
    ws.append(["Charges for DOE, JANE and others"])  # a title row above the header
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    patients = wb.create_sheet("Patients")  # no charge lines: a patient list
    patients.append(["Name", "Phone"])
    patients.append(["DOE, JANE", "555-201-8890"])
    buf = io.BytesIO()
    wb.save(buf)
    if path is not None:
        path.write_bytes(buf.getvalue())
    return buf.getvalue()


def every_value(data: bytes) -> str:
    wb = load_workbook(io.BytesIO(data))
    return json.dumps([[str(c.value) for row in ws.iter_rows() for c in row if c.value is not None] for ws in wb.worksheets])


def test_the_copy_loses_identifier_columns_and_checks_the_same(tmp_path):
    original = tmp_path / "march.xlsx"
    charge_sheet(original)
    stripped = strip_identifiers(original, tmp_path / "copy.xlsx")
    assert [(c.letter, c.header, c.why) for c in stripped.removed] == [
        ("B", "Patient Name", "header"),
        ("C", "DOB", "header"),
        ("J", "Call back", "content"),
        ("K", "Comments", "content"),
    ]
    assert [c.letter for c in stripped.pseudonymised] == ["D"] and stripped.sheets_left_out == 1 and stripped.title_rows == 1
    kept = load_workbook(tmp_path / "copy.xlsx")
    assert kept.sheetnames == ["March"]
    assert [c.value for c in kept["March"][2]] == ["DOS", "MRN", "CPT", "Mod", "Dx", "Units", "Payer", "Provider"]
    assert kept["March"]["A1"].value is None, "the title row is left empty: row numbers match the original"
    assert [kept["March"].cell(r, 2).value for r in range(3, 8)] == ["P1", "P1", "P1", "P2", "P2"]
    for value in IDENTIFIERS:
        assert value not in every_value((tmp_path / "copy.xlsx").read_bytes()), value
    a = check_sheet(original, tmp_path / "a.xlsx")
    b = check_sheet(tmp_path / "copy.xlsx", tmp_path / "b.xlsx")
    assert (a.claims, a.by_status, a.findings_by_rule) == (b.claims, b.by_status, b.findings_by_rule), "the same claims, the same findings"


@pytest.mark.slow
def test_a_sheet_in_a_dm_comes_back_without_identifiers_and_the_reply_says_which(send):
    ts = send.share_file("DOE_JANE_march.xlsx", charge_sheet())
    summary = None

    def done() -> bool:
        nonlocal summary
        summary = next((c.payload for c in send.slack.called("chat.update") if "Rows checked" in texts(c.payload)), None)
        return summary is not None

    send.slack.wait_until(done, timeout=60, what="the summary")
    assert summary is not None
    assert_valid_message(summary)
    shown = texts(summary)
    assert "Taken out before sending it back" in shown
    assert "B (Patient Name), C (DOB) (by their header)" in shown and "J (Call back), K (Comments) (by what they hold)" in shown
    assert "Column D (the patient) shows P1, P2" in shown and "1 sheet(s) without charge lines were left out" in shown
    assert "your file" in shown and "DOE" not in json.dumps([c.payload for c in send.slack.calls]), "the file's name is not repeated"
    done_upload = send.slack.wait("files.completeUploadExternal")[0].payload
    assert done_upload["thread_ts"] == ts
    [data] = send.slack.uploaded.values()
    assert data[:2] == b"PK"
    everything = every_value(data)
    assert "Check Status" in everything, "the annotated workbook"
    for value in IDENTIFIERS:
        assert value not in everything, value
    name = send.slack.called("files.getUploadURLExternal")[0].payload["filename"]
    assert name == "charges-checked.xlsx"


def test_a_sheet_without_identifiers_is_checked_as_it_is(tmp_path):
    wb = Workbook()
    wb.active.append(["Claim ID", "DOS", "CPT", "Dx", "Units", "Payer"])
    wb.active.append(["A1", date(2026, 3, 2), "17000", "L57.0", 1, "medicare"])
    wb.save(tmp_path / "plain.xlsx")
    stripped = strip_identifiers(tmp_path / "plain.xlsx", tmp_path / "copy.xlsx")
    assert stripped.path == tmp_path / "plain.xlsx" and not stripped.changed, "the original, formatting and all"
    assert not (tmp_path / "copy.xlsx").exists()
