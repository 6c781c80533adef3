"""Reading claims files (JSON or YAML: one claim, a list, or ``{"claims": [...]}``).

Unusable input raises :class:`UnusableInput` with the file, the claim and the field named; a readable
claim with bad values is returned and checked (the rules report ``data_quality``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .models import Claim


class UnusableInput(ValueError):
    """Input that cannot be read as claims at all. The message names file, claim and field."""


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe(err: ValidationError, where: str) -> str:
    """One line per problem: ``claims.yaml, claim A1001: lines[0].units: Input should be a valid integer``."""
    lines = []
    for e in err.errors():
        field = _field_path(tuple(e["loc"]))
        problem = "unknown field" if e["type"] == "extra_forbidden" else e["msg"]
        lines.append(f"{where}: {field or 'claim'}: {problem}")
    return "\n".join(lines)


def parse_document(data: Any, source: str) -> tuple[list[Claim], list[str]]:
    """Claims from parsed JSON/YAML data, and the errors of the claims that are unusable."""
    if isinstance(data, dict) and "claims" in data and "lines" not in data:
        data = data["claims"]
    items = data if isinstance(data, list) else [data]
    claims: list[Claim] = []
    errors: list[str] = []
    for i, item in enumerate(items, 1):
        label = f"claim {item.get('claim_id')}" if isinstance(item, dict) and item.get("claim_id") else f"claim #{i}"
        if not isinstance(item, dict):
            errors.append(f"{source}, {label}: expected a claim (a mapping with 'lines'), got {type(item).__name__}")
            continue
        try:
            claims.append(Claim.model_validate(item))
        except ValidationError as err:
            errors.append(describe(err, f"{source}, {label}"))
    return claims, errors


def parse_text(text: str, source: str) -> Any:
    stripped = text.lstrip()
    try:
        if stripped.startswith(("{", "[")):
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        mark = getattr(err, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else (f" (line {err.lineno})" if isinstance(err, json.JSONDecodeError) else "")
        raise UnusableInput(f"{source}: not valid JSON or YAML{at}") from None


def load_claims(paths: Iterable[str | Path]) -> tuple[list[Claim], list[str]]:
    """Read every file; returns the usable claims and one error message per unusable claim or file."""
    claims: list[Claim] = []
    errors: list[str] = []
    for path in paths:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            errors.append(f"{p}: cannot read ({err.__class__.__name__})")
            continue
        try:
            data = parse_text(text, str(p))
        except UnusableInput as err:
            errors.append(str(err))
            continue
        if data is None:
            errors.append(f"{p}: the file is empty")
            continue
        got, bad = parse_document(data, str(p))
        claims += got
        errors += bad
    return claims, errors
