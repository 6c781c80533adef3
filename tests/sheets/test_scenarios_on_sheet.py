"""The charge sheet gives the engine's answer: every scenario claim (tests/fixtures/claims*.yaml; claims.yaml is the
copy of the shared scenarios) that a charge sheet's columns can carry is written as rows of one workbook, checked
with ``check_sheet``, and each claim's Check Status and the rule ids in its Check Findings must be those of
``check_claim`` for the same claim (the sheet rules SHTxxx, about the sheet itself, aside).

Two workbooks: the values typed (dates as Excel dates, units, charges, counts, sizes, codes, NPI and POS as
numbers), and the values as text, as a practice-management export writes them (``03/02/2026``, ``"17000"``).

Left out (counted in ``LEFT_OUT``; a sheet has no column for them, or a sheet means something else by the rows):
- facts with no column: diagnostic_frozen_section, deep_structures, photosensitizer;
- a line diagnosis that is not one of the claim's diagnoses (a sheet's Dx Pointer points into the claim's list);
- more than 12 claim diagnoses (the pointers are the claim form's letters A-L);
- a claim without a date, NPI or with a first line dated or rendered apart from the claim (a sheet's claim takes
  the first row's date and NPI), a line NPI on a claim without one;
- negative units (a sheet nets a reversal row against the line it reverses);
- a claim whose engine report asks for a value the sheet has no column for (``MISSING_VALUE_FINDINGS``): the sheet
  says so as a warning that names the missing column, by design.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from testpaths import FIXTURES

from charge_sheets import check_sheet
from derm_core.engine import check_claim
from derm_core.models import Claim, ClaimReport
from derm_core.sheets.columns import SYNONYMS, map_header
from derm_core.sheets.rows import MISSING_VALUE_FINDINGS, absent_values

FIELDS = ["claim_id", "dos", "payer_type", "payer_name", "npi", "place_of_service", "code", "mod1", "mod2", "mod3", "mod4",
          "units", "diagnoses", "dx_pointer", "prior_auth", "lesion_count", "site", "size_cm", "pathology", "biopsy_method",
          "lesion_id", "mohs_stage_blocks", "area_sq_cm", "drug_mg", "symptoms", "purpose", "abn_signed", "charge"]  # fmt: skip
# The third layout, as the template and most exports have it: the line's own diagnoses in Dx 1-4 (the claim's list is
# theirs in order) and the modifiers in one Modifiers cell.
DX_FIELDS = [f for f in FIELDS if f not in ("mod2", "mod3", "mod4", "diagnoses", "dx_pointer")]
DX_FIELDS[DX_FIELDS.index("mod1")] = "modifiers"
DX_FIELDS[DX_FIELDS.index("units") + 1 : DX_FIELDS.index("units") + 1] = ["dx1", "dx2", "dx3", "dx4"]
SHEET_FACTS = {"lesion_count", "site", "size_cm", "pathology", "biopsy_method", "lesion_id", "mohs_stage_blocks", "area_sq_cm", "drug_mg",
               "symptoms", "purpose", "abn_signed"}  # fmt: skip
ABSENT_ON_SHEET = absent_values(map_header([SYNONYMS[f][0] for f in FIELDS]))  # the photosensitizer
_RULE = re.compile(r"^([A-Z]{3}\d{3})\b")
_RANK = {"clean": 0, "warning": 1, "error": 2}


def scenarios() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.stem.removeprefix('claims_')}:{sc['id']}", sc["claim"])
        for path in sorted(FIXTURES.glob("claims*.yaml"))
        for sc in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]


def why_left_out(claim: Claim) -> str | None:
    """Why the claim cannot be written on a sheet, or None."""
    if not claim.lines:
        return "no lines"
    if len(claim.diagnoses) > 12 or len(set(claim.diagnoses)) != len(claim.diagnoses):
        return "more than 12 or repeated claim diagnoses"
    for line in claim.lines:
        facts = line.facts.model_dump(exclude_none=True)
        if facts.keys() - SHEET_FACTS:
            return "a fact with no sheet column: " + ", ".join(sorted(facts.keys() - SHEET_FACTS))
        if line.units < 0:
            return "negative units (a reversal row)"
        if len(line.modifiers) > 4:
            return "more than 4 modifiers"
        for d in line.dx or []:
            if not (d.isdigit() and 1 <= int(d) <= len(claim.diagnoses)) and d.upper() not in claim.diagnoses:
                return "a line diagnosis not among the claim's diagnoses"
    first = claim.lines[0]
    if first.date_of_service not in (None, claim.date_of_service) or (
        claim.date_of_service is None and any(ln.date_of_service for ln in claim.lines)
    ):
        return "the first line dated apart from the claim"
    if first.rendering_npi not in (None, claim.rendering_npi) or (
        claim.rendering_npi is None and any(ln.rendering_npi for ln in claim.lines)
    ):
        return "the first line rendered apart from the claim"
    return None


def line_dx(claim: Claim, dx: list[str] | None) -> list[str]:
    """The line's diagnoses as codes (all the claim's when it names none)."""
    if dx is None:
        return list(claim.diagnoses)
    return [claim.diagnoses[int(d) - 1] if d.isdigit() else d.upper() for d in dx]


def fits_dx_columns(claim: Claim) -> bool:
    """Dx 1-4 carry the claim: at most 4 per line, and the claim's list is the lines' diagnoses in order."""
    per_line = [line_dx(claim, ln.dx) for ln in claim.lines]
    return all(len(d) <= 4 for d in per_line) and list(dict.fromkeys(d for ds in per_line for d in ds)) == claim.diagnoses


def blocks(stages: list[int] | None) -> int | str | None:
    """Mohs blocks per stage as a biller types them: ``6, 3`` (one stage: the number)."""
    if not stages:
        return None
    return stages[0] if len(stages) == 1 else ", ".join(map(str, stages))


def symptoms(found: list[str] | None) -> str | None:
    """Symptoms as words (``functional impairment, itching``); ``none`` for a note that documents none."""
    if found is None:
        return None
    return ", ".join(s.replace("_", " ") for s in found) or "none"


def pointers(claim: Claim, dx: list[str] | None) -> str | None:
    if dx is None:
        return None
    index = [int(d) if d.isdigit() else claim.diagnoses.index(d.upper()) + 1 for d in dx]
    return "".join(chr(64 + i) for i in index)


def rows_of(claim_id: str, claim: Claim, layout: str) -> list[list[Any]]:
    typed = layout != "text"
    out = []
    for line in claim.lines:
        dos = line.date_of_service or claim.date_of_service
        npi = line.rendering_npi or claim.rendering_npi
        facts = line.facts
        mods = [*line.modifiers, None, None, None, None][:4]
        if typed:
            code: Any = int(line.code) if line.code.isdigit() and not line.code.startswith("0") else line.code
            values: list[Any] = [
                claim_id, datetime(dos.year, dos.month, dos.day) if dos else None, claim.payer and claim.payer.type.value,
                claim.payer and claim.payer.name, int(npi) if npi and npi.isdigit() else npi,
                int(claim.place_of_service) if claim.place_of_service and claim.place_of_service.isdigit() else claim.place_of_service,
                code, *mods, line.units, ", ".join(claim.diagnoses) or None, pointers(claim, line.dx), line.prior_auth,
                facts.lesion_count, facts.site, facts.size_cm, facts.pathology, facts.biopsy_method, facts.lesion_id,
                blocks(facts.mohs_stage_blocks), facts.area_sq_cm, facts.drug_mg, symptoms(facts.symptoms), facts.purpose,
                facts.abn_signed, line.charge,
            ]  # fmt: skip
        else:
            values = [
                claim_id, dos.strftime("%m/%d/%Y") if dos else None,
                claim.payer and claim.payer.type.value.replace("_", " ").title(),  # a financial class: "Self Pay"
                claim.payer and claim.payer.name, npi, claim.place_of_service, line.code, *mods, str(line.units),
                ", ".join(claim.diagnoses) or None, pointers(claim, line.dx), line.prior_auth,
                None if facts.lesion_count is None else str(facts.lesion_count), facts.site,
                None if facts.size_cm is None else str(facts.size_cm), facts.pathology, facts.biopsy_method, facts.lesion_id,
                blocks(facts.mohs_stage_blocks), *(None if v is None else str(v) for v in (facts.area_sq_cm, facts.drug_mg)),
                symptoms(facts.symptoms), facts.purpose and facts.purpose.title(), {True: "Y", False: "N", None: None}[facts.abn_signed],
                None if line.charge is None else f"${line.charge:,.2f}",
            ]  # fmt: skip
        if layout == "dx_columns":
            named = dict(zip(FIELDS, values, strict=True))
            named["modifiers"] = ",".join(line.modifiers) or None
            named.update(zip(("dx1", "dx2", "dx3", "dx4"), [*line_dx(claim, line.dx), None, None, None, None], strict=False))
            values = [named[f] for f in DX_FIELDS]
        out.append(values)
    return out


def expected(report: ClaimReport, n_lines: int) -> tuple[str, frozenset[str]]:
    """The engine's status and the rule ids the sheet shows: on each row the findings that concern it, a finding
    that repeats another's on that row (``duplicate_of``) shown once, there."""
    shown: set[str] = set()
    for i in range(n_lines):
        found = [f for f in report.findings if not f.lines or i in f.lines]
        rules = {f.rule for f in found}
        shown |= {f.rule for f in found if f.override or f.duplicate_of not in rules}
    return report.status, frozenset(shown)


@pytest.fixture(scope="module")
def cases(ruleset) -> dict[str, Any]:
    kept: dict[str, tuple[Claim, tuple[str, frozenset[str]]]] = {}
    left_out: Counter[str] = Counter()
    for claim_id, data in scenarios():
        claim = Claim.model_validate(data)
        reason = why_left_out(claim)
        if reason is None:
            report = check_claim(claim.model_copy(update={"claim_id": claim_id}), ruleset)
            wants = {MISSING_VALUE_FINDINGS[f.rule][0] for f in report.findings if f.rule in MISSING_VALUE_FINDINGS}
            if wants & ABSENT_ON_SHEET:
                reason = "the engine asks for a value the sheet has no column for"
            else:
                kept[claim_id] = (claim, expected(report, len(claim.lines)))
        if reason:
            left_out[reason.split(":")[0]] += 1
    return {"kept": kept, "left_out": left_out}


def read_back(path: Path) -> dict[str, tuple[str, frozenset[str], frozenset[str]]]:
    """Claim ID -> (worst Check Status without the sheet rules, rule ids, sheet rule ids)."""
    ws = openpyxl.load_workbook(path, read_only=True)["Charges"]
    rows = ws.iter_rows(values_only=True)
    header = list(next(rows))
    at = {h: header.index(h) for h in ("Claim ID", "Check Status", "Check Findings")}
    out: dict[str, tuple[str, set[str], set[str]]] = {}
    for row in rows:
        cid = row[at["Claim ID"]]
        status, rules, sheet = out.get(cid, ("clean", set(), set()))
        ids = {m.group(1) for ln in (row[at["Check Findings"]] or "").splitlines() if (m := _RULE.match(ln))}
        rules |= {r for r in ids if not r.startswith("SHT")}
        sheet |= ids - rules
        row_status = row[at["Check Status"]] or "clean"
        out[cid] = (max(status, row_status, key=_RANK.__getitem__), rules, sheet)
    return {k: (s, frozenset(r), frozenset(t)) for k, (s, r, t) in out.items()}


@pytest.mark.parametrize("layout", ["typed", "text", "dx_columns"])
def test_every_scenario_claim_on_a_sheet_gives_the_engines_answer(cases, ruleset, tmp_path, layout):
    kept = cases["kept"]
    assert len(kept) > 1000, cases["left_out"]
    if layout == "dx_columns":
        kept = {k: v for k, v in kept.items() if fits_dx_columns(v[0])}
        assert len(kept) > 900
    typed = layout != "text"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Charges"
    ws.append([SYNONYMS[f][0] for f in (DX_FIELDS if layout == "dx_columns" else FIELDS)])  # the names the template writes
    for claim_id, (claim, _) in kept.items():
        for values in rows_of(claim_id, claim, layout):
            ws.append(values)
    if not typed:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.value is not None:
                    cell.number_format = "@"
    src = tmp_path / "charges.xlsx"
    wb.save(src)
    check_sheet(src, tmp_path / "checked.xlsx", ruleset, workers=1)
    got = read_back(tmp_path / "checked.xlsx")
    allowed_sheet_rules = frozenset() if typed else frozenset({"SHT002"})  # a text date such as 03/02/2026 warns
    wrong = []
    for claim_id, (_, (status, rules)) in kept.items():
        sheet_status, sheet_rules, sht = got[claim_id]
        if sht:  # a sheet rule's own warning raises the status: compare with it added
            status = max(status, "warning", key=_RANK.__getitem__)
        if (sheet_status, sheet_rules) != (status, rules) or not sht <= allowed_sheet_rules:
            wrong.append((claim_id, status, sheet_status, sorted(rules ^ sheet_rules), sorted(sht)))
    assert not wrong, f"{len(wrong)} of {len(kept)} claims differ: {wrong[:40]}"
