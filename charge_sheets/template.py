"""``derm sheet template``: an empty charge sheet with the recognised headers, drop-down lists and hints."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import get_args

from derm_core.sheets.columns import SYNONYMS
from derm_core.sheets.workbook import SheetError

from .write import (
    OpenpyxlOut,
    print_setup,
)

TEMPLATE_COLUMNS: list[tuple[str, str, float]] = [
    ("claim_id", "Groups lines into one claim. Leave empty to group by Patient ID and DOS.", 12),
    ("patient_id", "Your patient or account number (no names needed).", 12),
    ("dos", "Date of service, as a date.", 12),
    ("payer_type", "medicare, medicaid, commercial or self_pay.", 13),
    ("payer_name", "Payer name as on the claim, e.g. Medicare Part B.", 20),
    ("npi", "Rendering provider NPI, 10 digits.", 13),
    ("code", "CPT or HCPCS code, e.g. 17000. Typed as text so leading zeros stay.", 10),
    ("mod1", "First modifier, e.g. 25, 59, XS.", 8),
    ("mod2", "Second modifier.", 8),
    ("units", "Units, a whole number (default 1).", 7),
    ("dx1", "First ICD-10-CM code for this line, e.g. L57.0.", 10),
    ("dx2", "Second ICD-10-CM code.", 10),
    ("prior_auth", "Prior authorization number, when one was obtained.", 12),
    ("lesion_count", "Lesions treated on this line (destruction, injections, skin tags).", 9),
    ("site", "Body site: face, scalp, trunk, arm, leg, hand, ...", 11),
    ("size_cm", "Excised diameter in cm (lesion plus margins).", 9),
    ("pathology", "benign, premalignant, malignant, in_situ or pending.", 13),
    ("mohs_stage_blocks", "Mohs: blocks in each stage, e.g. 6, 3.", 10),
    ("area_sq_cm", "Treated area in sq cm (phototherapy, excimer laser, debridement).", 10),
    ("drug_mg", "Drug amount given in mg, for J-code units.", 9),
    ("symptoms", "Documented symptoms, e.g. itching, bleeding; none when the note documents none.", 14),
    ("purpose", "medical or cosmetic.", 10),
    ("abn_signed", "Y when a Medicare ABN is on file, N when not.", 6),
    ("charge", "Billed amount.", 10),
]
TEMPLATE_EXAMPLES = [
    ["EX-1001", "PT-0001", date(2026, 3, 2), "medicare", "Medicare Part B", "1234567893", "99213", "25", "", 1, "L40.0", "", "", None, "", None, "", None, None, None, None, None, None, 120.0],
    ["EX-1001", "PT-0001", date(2026, 3, 2), "medicare", "Medicare Part B", "1234567893", "17000", "", "", 1, "L57.0", "", "", 1, "face", None, "premalignant", None, None, None, None, None, None, 95.0],
]  # fmt: skip


def write_template(output_path: Path, *, force: bool = False) -> Path:
    """An empty charge sheet with the recognised headers, drop-down lists, input hints and two example rows."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from derm_core.codes import modifiers
    from derm_core.models import Pathology, PayerType, Site

    output_path = Path(output_path)
    if output_path.suffix.lower() != ".xlsx":
        raise SheetError(f"{output_path.name}: the template is an .xlsx file")
    if output_path.exists() and not force:
        raise SheetError(f"{output_path.name}: already exists; use --force to replace it")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Charges"
    lists = wb.create_sheet("Lists")
    choices = {
        "payer_type": [p.value for p in PayerType],
        "mod": sorted(modifiers()),
        "site": list(get_args(Site)),
        "pathology": list(get_args(Pathology)),
    }
    ranges = {}
    for col, (key, values) in enumerate(choices.items(), 1):
        lists.cell(1, col, key).font = openpyxl.styles.Font(bold=True)
        for r, v in enumerate(values, 2):
            lists.cell(r, col, v).data_type = "s"
        letter = get_column_letter(col)
        ranges[key] = f"Lists!${letter}$2:${letter}${len(values) + 1}"
    lists.sheet_state = "hidden"
    out = OpenpyxlOut(ws)
    last = 1000
    for col, (fld, hint, width) in enumerate(TEMPLATE_COLUMNS):
        out.put(0, col, SYNONYMS[fld][0], "th")
        ws.cell(1, col + 1).comment = Comment(hint, "derm sheet template")
        letter = get_column_letter(col + 1)
        ws.column_dimensions[letter].width = width + 4
        listed = "mod" if fld.startswith("mod") else fld
        dv = (
            DataValidation(type="list", formula1=ranges[listed], allow_blank=True) if listed in ranges else DataValidation(allow_blank=True)
        )
        if fld in ("units", "lesion_count"):
            dv = DataValidation(type="whole", operator="between", formula1="0", formula2="999", allow_blank=True)
            dv.error, dv.errorTitle, dv.showErrorMessage = "Enter a whole number.", "Whole number", True
        elif fld == "dos":
            dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
            dv.error, dv.errorTitle, dv.showErrorMessage = "Enter the date of service as a date.", "Date", True
        elif listed in ranges:
            dv.error, dv.errorTitle = f"Choose a value from the list ({', '.join(choices[listed][:6])}...).", SYNONYMS[fld][0]
            dv.showErrorMessage = fld != "mod1" and fld != "mod2"  # rare modifiers may still be typed
        dv.promptTitle, dv.prompt, dv.showInputMessage = SYNONYMS[fld][0][:32], hint[:255], True
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
        if fld in ("code", "mod1", "mod2", "dx1", "dx2", "npi", "patient_id", "claim_id"):
            for r in range(2, last + 1):
                ws.cell(r, col + 1).number_format = "@"
        elif fld == "dos":
            for r in range(2, last + 1):
                ws.cell(r, col + 1).number_format = "m/d/yyyy"
    for r, example in enumerate(TEMPLATE_EXAMPLES, 1):
        for c, value in enumerate(example):
            if value not in (None, ""):
                ws.cell(r + 1, c + 1).value = value
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(TEMPLATE_COLUMNS))}{last}"
    print_setup(ws, 0)
    tmp = output_path.with_name(f".{output_path.stem}.{os.getpid()}.tmp.xlsx")
    wb.save(tmp)
    os.replace(tmp, output_path)
    return output_path
