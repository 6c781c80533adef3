"""The charge-sheet corpus (tests/fixtures/sheets/corpus/: practice-management exports made with XlsxWriter, xlwt,
pandas, LibreOffice and hand-written CSV in several encodings, each with a sidecar of hand-built claims).

On every sheet, for every encounter, the findings and status the checked copy shows on the encounter's rows equal
what the engine says about the sidecar's hand-built claim; report rows (titles, page headers and footers, group
headers, subtotals, totals, notes) and reversal lines get no status. The sidecars' own expected statuses were
written by hand and differ from the engine in a few judgement calls (the corpus README lists them): they are not
asserted; ``python tests/sheets/test_corpus.py`` prints them (``sidecar_disagreements``).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import openpyxl
import pytest
import yaml

from charge_sheets import check_sheet
from derm_core.engine import check_claim
from derm_core.models import Claim, ClaimReport
from derm_core.ruleset import default_ruleset

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "sheets" / "corpus"
SIDECARS = sorted(CORPUS.glob("*.expect.yaml"))
NOT_ON_SHEET = re.compile(r" \(The sheet has no [a-z ]+ column\.\)$")


def sidecar(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def engine_report(claim_yaml: str) -> ClaimReport:
    claim = yaml.safe_load(claim_yaml)
    return check_claim(Claim.model_validate(claim), default_ruleset())


def engine_lines(report: ClaimReport) -> set[str]:
    return {f"{f.rule}: {f.message}" for f in report.findings if not f.duplicate_of}  # a repeat is shown once, on its rule


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> dict[str, tuple[dict, Path, object]]:
    out = {}
    folder = tmp_path_factory.mktemp("corpus")
    for path in SIDECARS:
        spec = sidecar(path)
        source = CORPUS / spec["file"]
        target = folder / (source.stem + ".checked.xlsx")
        summary = check_sheet(source, target, default_ruleset(), mode="full")
        out[spec["file"]] = (spec, target, summary)
    return out


def sheet_results(target: Path, sheet: str, header_row: int) -> dict[int, tuple[str | None, str | None]]:
    wb = openpyxl.load_workbook(target, read_only=True)
    ws = wb[sheet[:31]] if sheet[:31] in wb.sheetnames else wb.worksheets[1]  # a CSV file's one sheet is named after the file
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    head = [str(v) if v is not None else "" for v in rows[header_row - 1]]
    s, f = head.index("Check Status"), head.index("Check Findings")
    return {i: (r[s] if s < len(r) else None, r[f] if f < len(r) else None) for i, r in enumerate(rows, 1) if i > header_row}


def worst(statuses: list[str | None]) -> str:
    for status in ("error", "warning", "clean"):
        if status in statuses:
            return status
    return "none"


@pytest.mark.parametrize("name", [p.name.replace(".expect.yaml", "") for p in SIDECARS])
def test_sheet_findings_equal_the_engine_on_the_hand_built_claims(checked, name):
    spec, target, _summary = next(v for k, v in checked.items() if k.startswith(name))
    problems = []
    for sheet in spec["sheets"]:
        if not sheet.get("charge_sheet"):
            continue
        results = sheet_results(target, sheet["name"], sheet["header_row"])
        for enc in sheet["encounters"]:
            report = engine_report(yaml.safe_dump(enc["claim"]))
            billed = [r for r in enc["rows"] if r not in set(enc.get("void_rows") or [])]
            statuses = [results.get(r, (None, None))[0] for r in billed]
            shown: set[str] = set()
            for r in billed:
                shown |= {NOT_ON_SHEET.sub("", line) for line in (results.get(r, (None, None))[1] or "").splitlines()}
            cid = enc["claim"].get("claim_id")
            if worst(statuses) != report.status:
                problems.append(f"{sheet['name']} {cid} rows {billed}: status {worst(statuses)} {statuses}, engine {report.status}")
            if shown != engine_lines(report):
                problems.append(f"{sheet['name']} {cid}: sheet {sorted(shown)} != engine {sorted(engine_lines(report))}")
        for item in sheet.get("non_charge_rows") or []:
            status = results.get(item["row"], (None, None))[0]
            if status:
                problems.append(f"{sheet['name']} row {item['row']} ({item['kind']}) got a status: {status}")
        for voided in sheet.get("voided_encounters") or []:
            for r in voided["rows"]:
                if results.get(r, (None, None))[0]:
                    problems.append(f"{sheet['name']} voided visit {voided['claim_id']} row {r} got a status")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", [p.name.replace(".expect.yaml", "") for p in SIDECARS])
def test_report_rows_are_counted_by_kind(checked, name):
    """The Summary counts the rows that are not charge lines by kind, as the sidecar lists them (titles above the
    header are not rows of the table; reversal lines are counted apart, as netted out)."""
    spec, _target, summary = next(v for k, v in checked.items() if k.startswith(name))
    want: dict[str, int] = {}
    for sheet in spec["sheets"]:
        for item in sheet.get("non_charge_rows") or []:
            if item["kind"] not in ("title", "void") and item["row"] > sheet.get("header_row", 0):
                want[item["kind"]] = want.get(item["kind"], 0) + 1
    assert summary.row_kinds == want
    voids = sum(len(e.get("void_rows") or []) for s in spec["sheets"] for e in s.get("encounters") or [])
    voids += sum(len(v["rows"]) for s in spec["sheets"] for v in s.get("voided_encounters") or [])
    assert summary.voided_rows == voids
    assert summary.voided_claims == sum(len(s.get("voided_encounters") or []) for s in spec["sheets"])
    assert summary.claims == sum(len(s.get("encounters") or []) for s in spec["sheets"])


def sidecar_disagreements() -> dict[tuple[str, str, str], list[str]]:
    """(template, the sidecar's status, the engine's status) -> the claims, where the hand-written status differs."""
    out: dict[tuple[str, str, str], list[str]] = {}
    for path in SIDECARS:
        spec = sidecar(path)
        for sheet in spec["sheets"]:
            for enc in sheet.get("encounters") or []:
                report = engine_report(yaml.safe_dump(enc["claim"]))
                if report.status != enc["expected"]["status"]:
                    key = (enc["template"], enc["expected"]["status"], report.status)
                    out.setdefault(key, []).append(f"{spec['file'][:2]}:{enc['claim']['claim_id']}")
    return out


if __name__ == "__main__":
    found = sidecar_disagreements()
    for (template, written, engine), claims in sorted(found.items()):
        print(f"{len(claims):3} {template:26} sidecar {written:8} engine {engine:8} e.g. {', '.join(claims[:3])}")
    print(sum(len(c) for c in found.values()), "claims")
