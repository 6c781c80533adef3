"""Writes examples/charges.xlsx, the sample charge sheet (synthetic data: no real patients, providers or payers' members).

Run: python examples/make_charges.py
"""

from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

HEADERS = ["Claim ID", "Patient ID", "DOS", "Payer", "Payer Type", "Rendering NPI", "CPT", "Mod 1", "Mod 2", "Units", "Dx 1", "Dx 2",
           "Lesion Count", "Site", "Size (cm)", "Pathology", "Auth #", "Charge", "Notes"]  # fmt: skip
D1, D2, D3 = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
NPI = "1234567893"
ROWS = [
    # AKs and an E/M with 25: clean
    ["S-2001", "PT-1001", D1, "Medicare Part B", "Medicare", NPI, "99213", "25", "", 1, "L40.0", "", None, "", None, "", "", 120, ""],
    [
        "S-2001",
        "PT-1001",
        D1,
        "Medicare Part B",
        "Medicare",
        NPI,
        "17000",
        "",
        "",
        1,
        "L57.0",
        "",
        3,
        "face",
        None,
        "premalignant",
        "",
        95,
        "",
    ],
    ["S-2001", "PT-1001", D1, "Medicare Part B", "Medicare", NPI, "17003", "", "", 2, "L57.0", "", None, "", None, "", "", 20, ""],
    # 16 AKs billed as 17000 + 17003 x15: should be 17004
    [
        "S-2002",
        "PT-1002",
        D1,
        "Medicare Part B",
        "Medicare",
        NPI,
        "17000",
        "",
        "",
        1,
        "L57.0",
        "",
        16,
        "scalp",
        None,
        "premalignant",
        "",
        95,
        "",
    ],
    ["S-2002", "PT-1002", D1, "Medicare Part B", "Medicare", NPI, "17003", "", "", 15, "L57.0", "", None, "", None, "", "", 150, ""],
    # deleted code
    [
        "S-2003",
        "PT-1003",
        D2,
        "Northwind Health",
        "Commercial",
        NPI,
        "17001",
        "",
        "",
        1,
        "L57.0",
        "",
        2,
        "arm",
        None,
        "premalignant",
        "",
        90,
        "",
    ],
    # same-day E/M without modifier 25 plus a biopsy
    ["S-2004", "PT-1004", D2, "Northwind Health", "Commercial", NPI, "99214", "", "", 1, "L30.9", "", None, "", None, "", "", 160, ""],
    [
        "S-2004",
        "PT-1004",
        D2,
        "Northwind Health",
        "Commercial",
        NPI,
        "11102",
        "",
        "",
        1,
        "D48.5",
        "",
        None,
        "back",
        None,
        "pending",
        "",
        110,
        "",
    ],
    # two biopsies: clean
    [
        "S-2005",
        "PT-1005",
        D2,
        "Medicare Part B",
        "Medicare",
        NPI,
        "11104",
        "",
        "",
        1,
        "D22.5",
        "",
        None,
        "trunk",
        None,
        "pending",
        "",
        130,
        "",
    ],
    [
        "S-2005",
        "PT-1005",
        D2,
        "Medicare Part B",
        "Medicare",
        NPI,
        "11105",
        "",
        "",
        1,
        "D22.5",
        "",
        None,
        "trunk",
        None,
        "pending",
        "",
        60,
        "",
    ],
    # malignant excision with a wrong size band
    ["S-2006", "PT-1006", D3, "Medicaid", "Medicaid", NPI, "11642", "", "", 1, "C44.319", "", None, "face", 0.8, "malignant", "", 310, ""],
    # units typed as text
    [
        "S-2007",
        "PT-1007",
        D3,
        "Medicare Part B",
        "Medicare",
        NPI,
        "17110",
        "",
        "",
        "two",
        "B07.9",
        "",
        2,
        "hand",
        None,
        "benign",
        "",
        85,
        "",
    ],
    # modifier 51 on an add-on code: a warning
    [
        "S-2008",
        "PT-1009",
        D3,
        "Northwind Health",
        "Commercial",
        NPI,
        "17000",
        "",
        "",
        1,
        "L57.0",
        "",
        3,
        "face",
        None,
        "premalignant",
        "",
        95,
        "",
    ],
    ["S-2008", "PT-1009", D3, "Northwind Health", "Commercial", NPI, "17003", "51", "", 2, "L57.0", "", None, "", None, "", "", 20, ""],
    # no claim id: grouped by patient and date
    [
        "",
        "PT-1008",
        D3,
        "Self pay",
        "Self pay",
        NPI,
        "11300",
        "",
        "",
        1,
        "L82.1",
        "",
        1,
        "trunk",
        0.4,
        "benign",
        "",
        75,
        "cosmetic request",
    ],
]


def main() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Charges"
    ws["A1"] = "Dermatology clinic charges, March 2026 (sample data)"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:H1")
    ws.append([])
    ws.append(HEADERS)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in ROWS:
        ws.append(row)
    for r in range(4, ws.max_row + 1):
        ws.cell(r, 3).number_format = "mm/dd/yyyy"
        ws.cell(r, 18).number_format = "$#,##0.00"
    ws[f"R{ws.max_row + 1}"] = f"=SUM(R4:R{ws.max_row})"
    out = Path(__file__).with_name("charges.xlsx")
    wb.save(out)
    print(out)


if __name__ == "__main__":
    main()
