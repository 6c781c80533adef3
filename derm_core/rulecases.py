"""Each rule's own pass/fail cases (rules/cases/DRMxxx.yaml): tests, documentation examples, and the
check a candidate ruleset must pass before it is published.

A case file holds ``defaults`` (merged into every claim), optionally ``ncci`` (synthetic NCCI edits in the
CMS files' fields, attached to the ruleset for that rule's cases only: see ``ncci.NcciTables.from_case``), optionally
``ruleset`` (rows added to the ruleset's tables for that rule's cases, e.g. ``unit_limits``) and ``cases``, each with ``pass`` (the rule must
not fire) or ``fail`` (it must fire) and, for fail cases, ``expect`` (lines, severity, suggested lines)
and optionally ``fixed``: the corrected claim, which must pass.

Pasted-claim rules (TXT0xx, ``scope: text``) take ``text``: the claim as a biller pastes it.

Charge-sheet rules (SHT0xx, ``scope: row``) take ``cells`` instead of a claim: one sheet row's values by field
(``units``, ``dos`` ...), optionally with ``formula: true`` (the code cell holds a formula) or ``csv: true``;
the row is read by the real sheet reader. ``claim_rows`` rules take ``claim``, the data the rows make.
"""

from __future__ import annotations

import copy
import typing
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .engine import all_rules, check_claim
from .models import Claim
from .ncci import NcciTables, with_ncci
from .ruleset import Ruleset

BASE_CLAIM = {"payer": {"type": "medicare"}, "date_of_service": "2026-03-02", "rendering_npi": "1234567893"}


def _merge(base: dict, claim: dict) -> dict:
    out = copy.deepcopy(base)
    out.update(copy.deepcopy(claim))
    return out


@cache
def rule_cases() -> dict[str, dict[str, Any]]:
    """Rule id -> its case file, parsed."""
    folder = resources.files("derm_core.rules").joinpath("cases")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            out[data["rule"]] = data
    return out


def case_claims(rule_id: str) -> list[tuple[str, str, dict, dict]]:
    """(case name, kind 'pass'|'fail'|'fixed', claim dict, expectation) for one rule."""
    data = rule_cases().get(rule_id)
    if not data:
        return []
    scope = all_rules()[rule_id].scope if rule_id in all_rules() else "claim"
    base = _merge(BASE_CLAIM, data.get("defaults", {})) if scope == "claim" else {}
    out = []
    for case in data["cases"]:
        for kind in ("pass", "fail", "fixed"):
            if kind in case:
                out.append((case["name"], kind, _merge(base, case[kind]), case.get("expect", {})))
    return out


def example(rule_id: str) -> tuple[dict | None, dict | None]:
    """The first failing case and its corrected claim, for the rule's documentation."""
    data = rule_cases().get(rule_id)
    for case in (data or {}).get("cases", []):
        if "fail" in case:
            return case["fail"], case.get("fixed")
    return None, None


@cache
def _case_ncci(rule_id: str) -> NcciTables | None:
    block = (rule_cases().get(rule_id) or {}).get("ncci")
    return NcciTables.from_case(block) if block else None


def case_ruleset(rule_id: str, ruleset: Ruleset) -> Ruleset:
    """``ruleset`` with the case file's ``ruleset`` rows added to its tables (as an admin would publish them: e.g. a
    payer's unit limit), for that rule's cases only."""
    block = (rule_cases().get(rule_id) or {}).get("ruleset")
    if not block:
        return ruleset
    fields = Ruleset.model_fields
    update = {}
    for table, rows in block.items():
        model = typing.get_args(fields[table].annotation)[0]
        update[table] = [*getattr(ruleset, table), *(model.model_validate(r) for r in rows)]
    return ruleset.model_copy(update=update)


def run_case(rule_id: str, kind: str, claim: dict, expect: dict, ruleset: Ruleset) -> str | None:
    """None when the case holds, else what went wrong."""
    scope = all_rules()[rule_id].scope
    if scope == "text":
        return _run_text_case(rule_id, kind, claim, expect, ruleset)
    if scope != "claim":
        return _run_sheet_case(rule_id, kind, claim, expect)
    tables = _case_ncci(rule_id)
    if tables is not None:
        ruleset = with_ncci(ruleset, tables)
    ruleset = case_ruleset(rule_id, ruleset)
    report = check_claim(Claim.model_validate(claim), ruleset)
    hits = [f for f in report.findings if f.rule == rule_id]
    if kind in ("pass", "fixed"):
        return f"{rule_id} fired: {hits[0].message}" if hits else None
    if not hits:
        return f"{rule_id} did not fire"
    f = hits[0]
    if "lines" in expect and f.lines != expect["lines"]:
        return f"lines {f.lines} != {expect['lines']}"
    if "severity" in expect and f.severity != expect["severity"]:
        return f"severity {f.severity} != {expect['severity']}"
    got = {(s.code, s.units) for h in hits for s in h.suggested_lines}
    for s in expect.get("suggested", []):
        if (str(s["code"]), s.get("units", 1)) not in got:
            return f"suggested {s} not in {sorted(got)}"
    return None


def _run_text_case(rule_id: str, kind: str, case: dict, expect: dict, ruleset: Ruleset) -> str | None:
    """A pasted claim's case: ``text`` (the claim as pasted), read by the real parser and checked as every front end
    checks it; ``expect.also`` names rules that must still fire (an error the text must not hide)."""
    from .service import check_text
    from .textclaim import parse_claim_text

    [report] = check_text(parse_claim_text(case["text"]), ruleset, stored=False).claims
    hits = [f for f in report.findings if f.rule == rule_id]
    missing = [r for r in expect.get("also", []) if kind == "fail" and not any(f.rule == r for f in report.findings)]
    if missing:
        return f"{', '.join(missing)} did not fire"
    if kind in ("pass", "fixed"):
        return f"{rule_id} fired: {hits[0].message}" if hits else None
    if not hits:
        return f"{rule_id} did not fire"
    if "severity" in expect and hits[0].severity != expect["severity"]:
        return f"severity {hits[0].severity} != {expect['severity']}"
    if "status" in expect and report.status != expect["status"]:
        return f"status {report.status} != {expect['status']}"
    return None


def _run_sheet_case(rule_id: str, kind: str, case: dict, expect: dict) -> str | None:
    from .sheets.columns import SYNONYMS, map_header
    from .sheets.rows import RowReader

    rule = all_rules()[rule_id]
    if rule.scope == "claim_rows":
        from .rules.base import Hit
        from .rules.sheet import RowCells

        hits: list[tuple[str | None, str]] = [
            (None, rule.finding(h).severity) for h in rule.fn(RowCells({}, data=case["claim"])) if isinstance(h, Hit)
        ]
    else:
        cells = case["cells"]
        reader = RowReader(map_header([SYNONYMS[f][0] for f in cells]), text_dates_are_normal=bool(case.get("csv")))
        row = reader.read(1, list(cells.values()), code_is_formula=bool(case.get("formula")))
        hits = [(fld, f.severity) for fld, f in (row.problems if row else ()) if f.rule == rule_id]
    if kind in ("pass", "fixed"):
        return f"{rule_id} fired on {hits[0][0]}" if hits else None
    if not hits:
        return f"{rule_id} did not fire"
    if "field" in expect and hits[0][0] != expect["field"]:
        return f"field {hits[0][0]} != {expect['field']}"
    if "severity" in expect and hits[0][1] != expect["severity"]:
        return f"severity {hits[0][1]} != {expect['severity']}"
    return None


def verify_ruleset(ruleset: Ruleset) -> list[str]:
    """Run every rule's cases against a (candidate) ruleset; the failures, empty when it is sound."""
    failures = []
    for rule_id in all_rules():
        for name, kind, claim, expect in case_claims(rule_id):
            problem = run_case(rule_id, kind, claim, expect, ruleset)
            if problem:
                failures.append(f"{rule_id} {name} ({kind}): {problem}")
    return failures
