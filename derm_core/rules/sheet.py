"""Charge-sheet cells: a value in a row that cannot be used as typed (SHT001-SHT005).

These rules run while a sheet is read (``derm_core.sheets.rows``), on one row's cells, before there is a claim;
each hit names the cell's field, and the reader puts the finding in that row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import ValidationError

from ..models import Category, Claim, Symptom
from ..sheets.values import ambiguous_text_date, number, parse_date, stage_blocks, symptoms_of, text, whole, yes_no
from ..vocab import METHOD_WORDS, PATHOLOGY_WORDS, SITE_WORDS, method_of, pathology_of, payer_type_of, site_of
from .base import Hit, rule

REFS = ("contracts §4 (charge sheet)",)


@dataclass(slots=True)
class RowCells:
    """One sheet row's non-empty cells by field (``code``, ``units``, ``dos`` ...), as the reader found them."""

    cells: dict[str, Any]
    code_is_formula: bool = False
    text_dates_are_normal: bool = False  # a CSV file has only text: a date typed as text is not a problem there
    data: dict[str, Any] = field(default_factory=dict)  # SHT005: the claim the rows make
    payer_typed: bool | None = None  # the reader found the payer in the payer table (None: judge the words alone)

    def text(self, name: str) -> str | None:
        return text(self.cells.get(name))


@rule("SHT001", "Units are not a whole number", Category.data_quality, "error", families=(), scope="row", references=REFS)
def units_not_whole(row: RowCells) -> Iterator[Hit]:
    """What it does: flags a Units cell that is not a whole number (``1.5``, ``two``, ``x3``).

    Why is this bad? Units on a claim are whole numbers; a fraction or a word cannot be sent, and guessing it
    would bill the wrong amount. The line is checked with 1 unit until the cell is corrected.
    """
    raw = row.text("units")
    if raw is not None and whole(row.cells.get("units")) is None:
        yield Hit([], f"Units '{raw}' is not a whole number.", "Enter the number of units as a whole number.", field="units")


@rule("SHT002", "Date of service is text or unreadable", Category.data_quality, "warning", families=(), scope="row", references=REFS)
def dos_not_a_date(row: RowCells) -> Iterator[Hit]:
    """What it does: flags a date of service typed as text in numbers only (a warning: it was read, and says how;
    ``03/02/2026`` is 3 February in Excel set to another country) or one that cannot be read as a date at all (an
    error). ``2026-03-02`` and ``02-NOV-2026`` as text cannot be misread; in a CSV file every value is text, so
    only unreadable dates count there.

    Why is this bad? A date typed as text does not sort or export as a date, and an unreadable one leaves the
    claim without a date of service, which every payer rejects.
    """
    raw = row.text("dos")
    if raw is None:
        return
    try:
        dos, typed = parse_date(row.cells.get("dos"))
    except ValueError:
        yield Hit(
            [], f"Date of service '{raw}' is not a date.", "Enter the date of service, e.g. 2026-03-02.", severity="error", field="dos"
        )
        return
    if typed and not row.text_dates_are_normal and ambiguous_text_date(row.cells.get("dos")):
        yield Hit([], f"Date of service '{raw}' is text, read as {dos}.", "Enter the date as a date so it sorts and exports.", field="dos")


@rule("SHT003", "Procedure code cell holds a formula", Category.data_quality, "warning", families=(), scope="row", references=REFS)
def code_is_formula(row: RowCells) -> Iterator[Hit]:
    """What it does: flags a procedure-code cell that holds a formula: a warning when the formula has a value
    (that value is checked), an error when it has none.

    Why is this bad? A formula's value changes when the cells it points at change, so the code that was checked
    is not necessarily the code that is billed; a formula with no value leaves the line without a code.
    """
    if not row.code_is_formula:
        return
    code = row.text("code")
    if code:
        yield Hit([], f"The code cell holds a formula (its value {code} was checked).", "Type the code as a value.", field="code")
    else:
        yield Hit(
            [], "The code cell holds a formula with no value.", "Type the CPT or HCPCS code as a value.", severity="error", field="code"
        )


_UNITS_SUFFIX = re.compile(r"\s*(cm|mm)$")


@rule("SHT004", "Value not understood; ignored", Category.data_quality, "warning", families=(), scope="row", references=REFS)
def value_not_understood(row: RowCells) -> Iterator[Hit]:
    """What it does: flags a payer type, charge, lesion count, size, site, pathology, biopsy method, treated area,
    drug amount, Mohs blocks per stage, symptoms, purpose or ABN that the sheet reader cannot read; the value is ignored (a payer type is then read as commercial). A payer type is
    understood when the payer table (the ruleset's Payers) knows it or the payer's name, or its words say it.

    Why is this bad? An ignored fact cannot support the check that needs it: a misspelt site or pathology leaves
    the code choice unchecked, an unreadable payer type turns off the payer's rules.
    """
    ptype = row.text("payer_type")
    if ptype and (row.payer_typed is False or (row.payer_typed is None and payer_type_of(ptype) is None)):
        yield Hit(
            [],
            f"Payer type '{ptype}' not understood; checked as commercial.",
            "Use medicare, medicaid, commercial or self pay.",
            field="payer_type",
        )
    charge = row.text("charge")
    if charge is not None and number(row.cells.get("charge")) is None:
        yield Hit([], f"Charge '{charge}' is not an amount; ignored.", "Enter the charge as a number.", field="charge")
    count = row.text("lesion_count")
    if count is not None and whole(row.cells.get("lesion_count")) is None:
        yield Hit([], f"Lesion count '{count}' is not a whole number; ignored.", "Enter the number of lesions.", field="lesion_count")
    size = row.text("size_cm")
    if size is not None and number(_UNITS_SUFFIX.sub("", size.lower())) is None:
        yield Hit([], f"Size '{size}' is not a size in cm; ignored.", "Enter the size in centimetres, e.g. 1.2.", field="size_cm")
    for name, what, fix in (
        ("area_sq_cm", "Treated area", "Enter the treated area in sq cm, e.g. 120."),
        ("drug_mg", "Drug amount", "Enter the amount given in mg, e.g. 40."),
    ):
        value = row.text(name)
        if value is not None and number(row.cells.get(name)) is None:
            yield Hit([], f"{what} '{value}' is not a number; ignored.", fix, field=name)
    symptoms = row.text("symptoms")
    if symptoms is not None and symptoms_of(symptoms) is None:
        choices = ", ".join(get_args(Symptom))
        yield Hit([], f"Symptoms '{symptoms}' not understood; ignored.", f"Use none, or some of: {choices}.", field="symptoms")
    purpose = row.text("purpose")
    if purpose is not None and purpose.lower() not in ("medical", "cosmetic"):
        yield Hit([], f"Purpose '{purpose}' not understood; ignored.", "Use medical or cosmetic.", field="purpose")
    abn = row.text("abn_signed")
    if abn is not None and yes_no(row.cells.get("abn_signed")) is None:
        yield Hit([], f"ABN '{abn}' not understood; ignored.", "Use Y or N.", field="abn_signed")
    blocks = row.text("mohs_stage_blocks")
    if blocks is not None and stage_blocks(blocks) is None:
        yield Hit(
            [], f"Mohs blocks '{blocks}' not understood; ignored.", "Enter the blocks of each stage, e.g. 6, 3.", field="mohs_stage_blocks"
        )
    for name, table, read in (
        ("site", SITE_WORDS, site_of),
        ("pathology", PATHOLOGY_WORDS, pathology_of),
        ("biopsy_method", METHOD_WORDS, method_of),
    ):
        value = row.text(name)
        if value is not None and read(value) is None:
            choices = ", ".join(sorted(set(table.values())))
            yield Hit(
                [], f"{name.replace('_', ' ').capitalize()} '{value}' not understood; ignored.", f"Use one of: {choices}.", field=name
            )


@rule("SHT005", "Rows cannot be read as a claim", Category.data_quality, "error", families=(), scope="claim_rows", references=REFS)
def rows_not_a_claim(row: RowCells) -> Iterator[Hit]:
    """What it does: flags the rows of one claim when what they say together is not a claim in the interchange
    format (contracts §1), naming the field; the claim is then not checked.

    Why is this bad? The checker can only check a claim it can read; the message says which value to correct.
    """
    from ..claims_io import describe

    try:
        Claim.model_validate(row.data)
    except ValidationError as err:
        yield Hit([], describe(err, "claim").replace("\n", "; "), "Correct the values named.")
