"""Claim lines as flat rows and findings as flat rows: the two tables a Spark job (``derm_core.spark``) reads and writes.

Plain Python, no Spark here: a claim of the interchange format (contracts section 1) becomes one row per line,
the claim's fields repeated on each (``flatten``); the rows of one claim become the claim again (``claim_of``),
and a claim's report becomes one row per finding (``finding_rows``). The same functions run on the executors and
in the tests that compare a Spark job with one process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from ..engine import all_rules, check_claim
from ..models import Claim, ClaimReport, status_of
from ..rules.base import Hit
from ..rules.sheet import RowCells
from ..ruleset import Ruleset

# The columns of a claim-lines table, in order. ``claim_id`` and ``code`` are required; ``line`` (the line's index
# in its claim) orders the lines, else the order of the input does.
CLAIM_FIELDS = ("claim_id", "payer_type", "payer_name", "date_of_service", "place_of_service", "rendering_npi", "diagnoses")
LINE_FIELDS = (
    "line",
    "code",
    "modifiers",
    "units",
    "dx",
    "prior_auth",
    "charge",
    "line_date_of_service",
    "line_rendering_npi",
    "facts",
)
LINE_COLUMNS = CLAIM_FIELDS + LINE_FIELDS
LIST_FIELDS = ("diagnoses", "modifiers", "dx")
TEXT_FIELDS = ("payer_type", "payer_name", "place_of_service", "rendering_npi", "prior_auth", "line_rendering_npi")

# The findings table: one row per finding. ``line`` is the first line it concerns (None for the whole claim),
# ``lines`` all of them; ``status`` is the claim's; ``override`` (user, reason, at as ISO text, source) when a biller's
# stored override covers the finding (it then no longer counts toward the status).
FINDING_COLUMNS = (
    "claim_id",
    "status",
    "line",
    "lines",
    "rule",
    "category",
    "severity",
    "message",
    "fix",
    "suggested_lines",
    "likely_denial",
    "references",
    "duplicate_of",
    "ruleset_version",
    "override",
)

_SEPARATORS = re.compile(r"[\s,;]+")


def flatten(claims: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """One row per line of each claim (interchange dicts), claim fields repeated; lists stay lists, facts are JSON.

    >>> rows = list(flatten([{"claim_id": "A1", "payer": {"type": "medicare"}, "diagnoses": ["L57.0"], "lines": [{"code": "17000"}, {"code": "17003", "units": 2}]}]))
    >>> [(r["claim_id"], r["line"], r["code"], r["units"], r["payer_type"]) for r in rows]
    [('A1', 0, '17000', None, 'medicare'), ('A1', 1, '17003', 2, 'medicare')]
    """
    for claim in claims:
        payer = claim.get("payer") or {}
        head = {
            "claim_id": claim.get("claim_id"),
            "payer_type": payer.get("type"),
            "payer_name": payer.get("name"),
            "date_of_service": _iso(claim.get("date_of_service")),
            "place_of_service": claim.get("place_of_service"),
            "rendering_npi": claim.get("rendering_npi"),
            "diagnoses": list(claim.get("diagnoses") or []),
        }
        for i, line in enumerate(claim.get("lines") or []):
            facts = {k: v for k, v in (line.get("facts") or {}).items() if v is not None}
            yield head | {
                "line": i,
                "code": line.get("code"),
                "modifiers": list(line.get("modifiers") or []),
                "units": line.get("units"),
                "dx": None if line.get("dx") is None else [str(d) for d in line["dx"]],
                "prior_auth": line.get("prior_auth"),
                "charge": line.get("charge"),
                "line_date_of_service": _iso(line.get("date_of_service")),
                "line_rendering_npi": line.get("rendering_npi"),
                "facts": json.dumps(facts, sort_keys=True) if facts else None,
            }


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _list(value: Any) -> list[str] | None:
    """A list column as Parquet or JSON gives it, or a text cell as CSV gives it (``25 59``, ``L57.0,C44.319``)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [p for p in _SEPARATORS.split(value) if p]
    return [str(v) for v in value]


def _day(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    return value.strip() or None if isinstance(value, str) else value


def _text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a CSV reader's number: a place of service 11, an NPI
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def claim_of(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The claim (interchange dict) that one claim's rows make, lines in the rows' order; claim fields from the first row.

    >>> claim_of([{"claim_id": "A1", "code": "17000", "diagnoses": "L57.0", "facts": '{"lesion_count": 1}'}])
    {'claim_id': 'A1', 'diagnoses': ['L57.0'], 'lines': [{'code': '17000', 'facts': {'lesion_count': 1}}]}
    """
    first = rows[0]
    claim: dict[str, Any] = {"claim_id": _text(first.get("claim_id"))}
    if first.get("payer_type") is not None or first.get("payer_name") is not None:
        claim["payer"] = {"type": first.get("payer_type"), "name": first.get("payer_name")}
    for name, value in (
        ("date_of_service", _day(first.get("date_of_service"))),
        ("place_of_service", _text(first.get("place_of_service"))),
        ("rendering_npi", _text(first.get("rendering_npi"))),
        ("diagnoses", _list(first.get("diagnoses"))),
    ):
        if value is not None:
            claim[name] = value
    lines = []
    for row in rows:
        line: dict[str, Any] = {"code": _text(row.get("code"))}
        for name, key in (("modifiers", "modifiers"), ("dx", "dx")):
            value = _list(row.get(key))
            if value is not None:
                line[name] = value
        for name, key in (("units", "units"), ("prior_auth", "prior_auth"), ("charge", "charge")):
            if row.get(key) is not None:
                line[name] = _text(row[key]) if name == "prior_auth" else row[key]
        if (dos := _day(row.get("line_date_of_service"))) is not None:
            line["date_of_service"] = dos
        if row.get("line_rendering_npi") is not None:
            line["rendering_npi"] = _text(row["line_rendering_npi"])
        facts = row.get("facts")
        if isinstance(facts, str) and facts.strip():
            line["facts"] = json.loads(facts)
        elif isinstance(facts, Mapping):
            line["facts"] = {k: v for k, v in facts.items() if v is not None}
        lines.append(line)
    claim["lines"] = lines
    return claim


def check_rows(rows: Sequence[Mapping[str, Any]], ruleset: Ruleset) -> ClaimReport:
    """Check the claim that one claim's rows make. Rows that do not make a claim (text for units, an unknown fact,
    facts that are not JSON) get one SHT005 error that names the field, and no other finding."""
    rule = all_rules()["SHT005"]
    try:
        data = claim_of(rows)
    except ValueError:  # facts that are not JSON
        hits = [Hit([], "claim: facts: not valid JSON", "Correct the values named.")]
    else:
        try:
            return check_claim(Claim.model_validate(data), ruleset)
        except ValidationError:
            hits = [h for h in rule.fn(RowCells({}, data=data)) if isinstance(h, Hit)]
    findings = [rule.finding(h) for h in hits]
    return ClaimReport(claim_id=str(rows[0].get("claim_id")), status=status_of(findings), findings=findings)


def finding_rows(report: ClaimReport, version: str, line_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """One row per finding of ``report`` (``FINDING_COLUMNS``). ``line_ids`` maps a line's position to the input's
    ``line`` value (the same when the input numbers its lines 0, 1, 2, ...)."""
    out = []
    for f in report.findings:
        lines = [line_ids[i] if line_ids is not None and i < len(line_ids) else i for i in f.lines]
        out.append(
            {
                "claim_id": report.claim_id,
                "status": report.status,
                "line": lines[0] if lines else None,
                "lines": lines,
                "rule": f.rule,
                "category": str(f.category),
                "severity": f.severity,
                "message": f.message,
                "fix": f.fix,
                "suggested_lines": [{"code": s.code, "units": s.units, "modifiers": list(s.modifiers)} for s in f.suggested_lines],
                "likely_denial": f.likely_denial,
                "references": list(f.references),
                "duplicate_of": f.duplicate_of,
                "ruleset_version": version,
                "override": None
                if f.override is None
                else {
                    "user": f.override.user,
                    "reason": f.override.reason,
                    "at": f.override.at.isoformat() if f.override.at else None,
                    "source": f.override.source,
                },
            }
        )
    return out
