"""The full path keeps the workbook: a workbook with every feature (threaded comments, rich text, sparklines, an
image and a chart, a Power Query connection, cached formula values, print headers and footers, frozen panes,
grouped column widths) goes through `derm sheet check`, and the input and output packages are compared part by
part (the zip's XML parts)."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from charge_sheets import check_sheet
from charge_sheets.fidelity import REWRITTEN, Package
from derm_core.ruleset import default_ruleset

# ----------------------------------------------------------------------------- the workbook with every feature

THREADED = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><threadedComment ref="E2" dT="2026-11-02T10:00:00.00" personId="{6A1F5B2C-0000-4000-8000-000000000001}" id="{6A1F5B2C-0000-4000-8000-0000000000A1}"><text>Checked with the surgeon: two stages.</text></threadedComment></ThreadedComments>"""
PERSONS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><person displayName="Billing Lead" id="{6A1F5B2C-0000-4000-8000-000000000001}" userId="billing.lead" providerId="None"/></personList>"""
CONNECTIONS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<connections xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><connection id="1" keepAlive="1" name="Query - Charges" description="Connection to the 'Charges' query in the workbook." type="5" refreshedVersion="8" background="1" saveData="1"><dbPr connection="Provider=Microsoft.Mashup.OleDb.1;Data Source=$Workbook$;Location=Charges;Extended Properties=&quot;&quot;" command="SELECT * FROM [Charges]"/></connection></connections>"""
CUSTOM_XML = """<?xml version="1.0" encoding="utf-16"?><DataMashup xmlns="http://schemas.microsoft.com/DataMashup">AAAAAA==</DataMashup>"""
CUSTOM_PROPS = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<ds:datastoreItem ds:itemID="{3F1B4C2D-0000-4000-8000-000000000002}" xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs/></ds:datastoreItem>"""
T = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def png(width: int = 40, height: int = 20) -> bytes:
    """A small valid PNG (a grey box)."""
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def feature_workbook(path: Path) -> Path:
    import xlsxwriter

    image = path.with_suffix(".png")
    image.write_bytes(png())
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Charges")
    bold = wb.add_format({"bold": True})
    red = wb.add_format({"font_color": "red", "bold": True})
    header = ["Visit ID", "Svc Date", "Proc Code", "Units", "Diag Code 1", "Fin Class", "Primary Ins", "Chg Amt"]
    ws.write_row(0, 0, header, bold)
    date = wb.add_format({"num_format": "mm/dd/yyyy"})
    import datetime as dt

    rows = [
        ("V1", "99213", 1, "L40.0", "Medicare", "Medicare Part B", 140),
        ("V1", "17000", 1, "L57.0", "Medicare", "Medicare Part B", 150),
        ("V1", "17003", 2, "L57.0", "Medicare", "Medicare Part B", 36),
        ("V2", "17311", 1, "C44.311", "Commercial", "Aetna PPO", 980),
    ]
    for r, (visit, code, units, _dx, fin, ins, amt) in enumerate(rows, 1):
        ws.write_string(r, 0, visit)
        ws.write_datetime(r, 1, dt.datetime(2026, 11, 2), date)
        ws.write_string(r, 2, code)
        ws.write_number(r, 3, units)
        ws.write_string(r, 5, fin)
        ws.write_string(r, 6, ins)
        ws.write_number(r, 7, amt)
    ws.write_rich_string(1, 4, red, "L40", ".0")  # rich text in a diagnosis cell
    ws.write_string(2, 4, "L57.0")
    ws.write_formula(3, 4, '="L57"&".0"', None, "L57.0")  # a formula with its cached value
    ws.write_string(4, 4, "C44.311")
    ws.write_formula(5, 7, "=SUM(H2:H5)", None, 1306)
    ws.write_comment(1, 2, "Legacy note: E/M documented separately.")
    ws.write_comment(1, 4, "[Threaded comment]\nChecked with the surgeon: two stages.")
    ws.insert_image(1, 9, str(image), {"x_scale": 2, "y_scale": 2})  # right of the table, over where Check columns would go
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=Charges!$H$2:$H$5", "categories": "=Charges!$C$2:$C$5"})
    ws.insert_chart(8, 0, chart, {"x_scale": 0.5, "y_scale": 0.5})
    ws.add_sparkline(5, 3, {"range": "Charges!D2:D5"})
    ws.freeze_panes(1, 2)
    ws.set_header("&LCoastal Dermatology&RCharges")
    ws.set_footer("&CConfidential")
    ws.set_landscape()
    ws.set_column(0, 8, 12)
    wb.close()
    _add_parts(path)
    return path


def _add_parts(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    rels = "xl/worksheets/_rels/sheet1.xml.rels"
    parts["xl/threadedComments/threadedComment1.xml"] = THREADED.encode()
    parts["xl/persons/person.xml"] = PERSONS.encode()
    parts["xl/connections.xml"] = CONNECTIONS.encode()
    parts["customXml/item1.xml"] = CUSTOM_XML.encode("utf-16")
    parts["customXml/itemProps1.xml"] = CUSTOM_PROPS.encode()
    parts["customXml/_rels/item1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{T}/customXmlProps" Target="itemProps1.xml"/></Relationships>'
    ).encode()
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdT1" Type="http://schemas.microsoft.com/office/2017/10/relationships/threadedComment" Target="../threadedComments/threadedComment1.xml"/></Relationships>',
    )
    book_rels = "xl/_rels/workbook.xml.rels"
    parts[book_rels] = parts[book_rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdP1" Type="http://schemas.microsoft.com/office/2017/10/relationships/person" Target="persons/person.xml"/>'
        + f'<Relationship Id="rIdC1" Type="{T}/connections" Target="connections.xml"/>'.encode()
        + f'<Relationship Id="rIdX1" Type="{T}/customXml" Target="../customXml/item1.xml"/></Relationships>'.encode(),
    )
    types = "[Content_Types].xml"
    parts[types] = parts[types].replace(
        b"</Types>",
        b'<Override PartName="/xl/threadedComments/threadedComment1.xml" ContentType="application/vnd.ms-excel.threadedcomments+xml"/>'
        b'<Override PartName="/xl/persons/person.xml" ContentType="application/vnd.ms-excel.person+xml"/>'
        b'<Override PartName="/xl/connections.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml"/>'
        b'<Override PartName="/customXml/itemProps1.xml" ContentType="application/vnd.openxmlformats-officedocument.customXmlProperties+xml"/></Types>',
    )
    if b'Extension="xml"' not in parts[types]:
        parts[types] = parts[types].replace(b"<Override", b'<Default Extension="xml" ContentType="application/xml"/><Override', 1)
    assert sheet in parts
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


# ----------------------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[Path, Path, object]:
    folder = tmp_path_factory.mktemp("fidelity")
    src = feature_workbook(folder / "features.xlsx")
    out = folder / "features.checked.xlsx"
    summary = check_sheet(src, out, default_ruleset(), mode="full")
    return src, out, summary


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def test_every_part_of_the_input_is_in_the_output(checked):
    src, out, summary = checked
    theirs, ours = parts(src), parts(out)
    kept = set(ours.values())
    missing = [n for n, data in theirs.items() if not REWRITTEN.match(n) and not n.endswith(".rels") and data not in kept]
    assert missing == []
    assert summary.not_kept == []
    for name in ("xl/threadedComments/threadedComment1.xml", "xl/persons/person.xml", "xl/connections.xml", "xl/media/image1.png",
                 "xl/drawings/drawing1.xml", "xl/charts/chart1.xml", "customXml/item1.xml"):  # fmt: skip
        assert theirs[name] in kept, name


def test_the_kept_parts_are_attached(checked):
    src, out, _ = checked
    pkg = Package.read(out)
    sheet = pkg.sheets["Charges"]
    kinds = {t.rsplit("/", 1)[-1]: target for t, target in pkg.rels(sheet).values()}
    assert pkg.parts[kinds["drawing"]] == parts(src)["xl/drawings/drawing1.xml"]
    assert pkg.parts[kinds["threadedComment"]] == parts(src)["xl/threadedComments/threadedComment1.xml"]
    book = {t.rsplit("/", 1)[-1] for t, _ in pkg.rels("xl/workbook.xml").values()}
    assert {"person", "connections", "customXml"} <= book
    types = pkg.parts["[Content_Types].xml"].decode()
    for name in pkg.parts:
        if name.endswith((".xml",)) and not name.startswith("customXml/kept_item") and name != "[Content_Types].xml":
            assert f'PartName="/{name}"' in types, name  # every XML part has its content type
    xml = pkg.parts[sheet].decode()
    assert xml.index("<drawing ") < xml.index("<legacyDrawing")  # the schema's order of elements


def test_the_sheet_keeps_panes_print_setup_sparklines_rich_text_and_cached_values(checked):
    src, out, _ = checked
    before = parts(src)["xl/worksheets/sheet1.xml"].decode()
    pkg = Package.read(out)
    after = pkg.parts[pkg.sheets["Charges"]].decode()
    assert 'xSplit="2"' in after and 'ySplit="1"' in after  # the user's frozen panes
    assert "Coastal Dermatology" in after and "Confidential" in after  # the user's print header and footer
    sparklines = re.search(r"<x14:sparklineGroups.*?</x14:sparklineGroups>", before, re.S)
    assert sparklines is not None and sparklines.group(0) in after
    assert re.search(r'<c r="E4"[^>]*t="str"[^>]*><f>[^<]*</f><v>L57\.0</v>', after)
    assert re.search(r'<c r="H6"[^>]*><f>SUM\(H2:H5\)</f><v>1306</v>', after)
    assert re.search(r'<c r="E2"[^>]*><is><r><rPr>.*?<color rgb="FFFF0000"', after)  # rich text: a red run
    spans = [(int(a), int(b)) for a, b in re.findall(r'<col min="(\d+)" max="(\d+)"', after)]
    assert all(b1 < a2 for (_, b1), (a2, _) in zip(sorted(spans), sorted(spans)[1:], strict=False))  # no overlapping width ranges


def test_check_columns_cover_no_image_and_the_copy_rechecks_the_same(checked, tmp_path):
    _src, out, summary = checked
    ws = openpyxl.load_workbook(out)["Charges"]
    header = [c.value for c in ws[1]]
    assert header.index("Check Status") >= 11  # the image spans columns J-K; the Check columns start after it
    again = check_sheet(out, tmp_path / "again.xlsx", default_ruleset(), mode="full")
    assert again.by_status == summary.by_status and again.findings_by_rule == summary.findings_by_rule
    assert again.not_kept == []


@pytest.mark.slow
def test_libreoffice_opens_the_copy(checked, tmp_path):
    import shutil
    import subprocess

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    _src, out, _ = checked
    subprocess.run(
        ["soffice", "--headless", "--norestore", "--convert-to", "csv", "--outdir", str(tmp_path), str(out)],
        capture_output=True,
        timeout=180,
        check=True,
    )
    text = (tmp_path / "features.checked.csv").read_text(encoding="utf-8", errors="replace")
    assert "Charge sheet check" in text  # the first sheet (Summary) was read
