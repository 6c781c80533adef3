"""Reading claims files (JSON or YAML: one claim, a list, or ``{"claims": [...]}``) and writing check reports.

Unusable input raises :class:`UnusableInput` with the file, the claim and the field named; a readable
claim with bad values is returned and checked (the rules report ``data_quality``). Hostile files (nesting
thousands deep, numbers with thousands of digits, NaN, impossible dates, oversized claims) are unusable input
with a message, never a traceback. Reports are written claim by claim, compact JSON unless an indent is asked for.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError
from pydantic_core import from_json  # the JSON parser pydantic ships: faster than the standard library's on claim files

from .datafiles import load_yaml
from .models import Claim, ClaimReport, Report


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


# Limits on what one claim of a file may hold (an 837P claim has at most 50 lines and 12 diagnoses): past them
# the claim is unusable input, named, instead of minutes of checking or a report of megabytes.
MAX_LINES = 200
MAX_MODIFIERS = 10  # more than 4 is a data_quality finding; more than this is not a claim line
MAX_DX = 24  # per line and per claim
MAX_LIST = 100  # items of a list-valued fact (symptoms, Mohs blocks)
MAX_UNITS = 99_999
MAX_TEXT = 1_000  # characters of any one value


_NUMBER = (int, float)  # exact types: a bool is no count of units


def _over_limit(item: dict[str, Any]) -> str | None:
    """The first limit this claim is over, as ``field: problem``, or None (cheap: lengths only)."""
    for key in ("claim_id", "rendering_npi", "place_of_service"):
        v = item.get(key)
        if isinstance(v, str) and len(v) > MAX_TEXT:
            return f"{key}: longer than {MAX_TEXT:,} characters"
    diagnoses = item.get("diagnoses")
    if isinstance(diagnoses, list) and len(diagnoses) > MAX_DX:
        return f"diagnoses: {len(diagnoses):,} diagnoses; at most {MAX_DX} per claim"
    lines = item.get("lines")
    if not isinstance(lines, list):
        return None
    if len(lines) > MAX_LINES:
        return f"lines: {len(lines):,} lines; at most {MAX_LINES} per claim"
    for i, ln in enumerate(lines):
        if not isinstance(ln, dict):
            continue
        mods, dx, code, facts = ln.get("modifiers"), ln.get("dx"), ln.get("code"), ln.get("facts")
        units: Any = ln.get("units")
        if isinstance(mods, list) and len(mods) > MAX_MODIFIERS:
            return f"lines[{i}].modifiers: {len(mods):,} modifiers; at most {MAX_MODIFIERS} per line"
        if isinstance(dx, list) and len(dx) > MAX_DX:
            return f"lines[{i}].dx: {len(dx):,} diagnoses; at most {MAX_DX} per line"
        if type(units) in _NUMBER and not -MAX_UNITS <= units <= MAX_UNITS:
            return f"lines[{i}].units: more than {MAX_UNITS:,}"
        if isinstance(code, str) and len(code) > MAX_TEXT:
            return f"lines[{i}].code: longer than {MAX_TEXT:,} characters"
        if facts and type(facts) is dict:
            for key, v in facts.items():
                kind = type(v)
                if (kind is list and len(v) > MAX_LIST) or (kind is str and len(v) > MAX_TEXT):
                    return f"lines[{i}].facts.{key}: too long (at most {MAX_LIST} items or {MAX_TEXT:,} characters)"
    return None


def claim_items(data: Any, source: str) -> Iterator[tuple[Any, str]]:
    """Each claim of parsed JSON/YAML data, with its label for messages (``claims.yaml, claim A1001``)."""
    if isinstance(data, dict) and "claims" in data and "lines" not in data:
        data = data["claims"]
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items, 1):
        claim_id = item.get("claim_id") if isinstance(item, dict) else None
        label = f"claim {claim_id}" if isinstance(claim_id, str | int) and not isinstance(claim_id, bool) and claim_id else f"claim #{i}"
        yield item, f"{source}, {label[:80]}"


def validate_item(item: Any, where: str) -> Claim | str:
    """A claim, or the message that says why this item is not one."""
    if not isinstance(item, dict):
        return f"{where}: expected a claim (a mapping with 'lines'), got {type(item).__name__}"
    over = _over_limit(item)
    if over is not None:
        return f"{where}: {over}"
    try:
        return Claim.model_validate(item)
    except ValidationError as err:
        return describe(err, where)
    except (RecursionError, ValueError, OverflowError) as err:  # values pydantic cannot even look at
        return f"{where}: unreadable value ({type(err).__name__})"


def parse_document(data: Any, source: str) -> tuple[list[Claim], list[str]]:
    """Claims from parsed JSON/YAML data, and the errors of the claims that are unusable."""
    claims: list[Claim] = []
    errors: list[str] = []
    for item, where in claim_items(data, source):
        got = validate_item(item, where)
        (errors if isinstance(got, str) else claims).append(got)  # type: ignore[arg-type]
    return claims, errors


def _where_json(err: Exception) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f" (line {err.lineno})"
    msg = str(err)
    if " at line " in msg:
        return f" ({msg.rsplit(' at ', 1)[0]}, at {msg.rsplit(' at ', 1)[1]})"
    return f" ({msg})" if msg and len(msg) < 120 else ""


def parse_text(text: str | bytes, source: str) -> Any:
    """Parsed JSON (starts with ``{`` or ``[``) or YAML; raises :class:`UnusableInput` naming ``source``."""
    collecting = gc.isenabled()
    gc.disable()  # a large file makes millions of objects and no garbage: the collector's scans would only cost time
    try:
        return _parse(text, source)
    finally:
        if collecting:
            gc.enable()


def _parse(text: str | bytes, source: str) -> Any:
    is_json = text[:200].lstrip().startswith((b"{", b"[")) if isinstance(text, bytes) else text[:200].lstrip().startswith(("{", "["))
    if is_json:
        try:
            return from_json(text, allow_inf_nan=False)
        except (ValueError, RecursionError, MemoryError) as err:  # nesting, numbers of thousands of digits, NaN
            raise UnusableInput(f"{source}: not valid JSON or YAML{_where_json(err)}") from None
    import yaml

    try:
        return load_yaml(text.decode("utf-8") if isinstance(text, bytes) else text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        raise UnusableInput(f"{source}: not valid JSON or YAML{at}") from None
    except (ValueError, TypeError, RecursionError, OverflowError, MemoryError) as err:
        # values the YAML constructor cannot build: an hour 25, February 30, a number of 5,000 digits
        raise UnusableInput(f"{source}: not valid JSON or YAML ({_yaml_reason(err)})") from None


def _yaml_reason(err: BaseException) -> str:
    if isinstance(err, RecursionError):
        return "nested too deep"
    msg = str(err).split("\n")[0]
    if "digits" in msg or "int" in msg:
        return "a number too long to read"
    return "a value that cannot be read, such as an impossible date or time" if msg else type(err).__name__


def read_file(path: str | Path) -> tuple[Any, str | None]:
    """The parsed contents of a claims file, or None and the reason it cannot be read."""
    p = Path(path)
    try:
        raw = p.read_bytes()
        if not (raw[:200].lstrip().startswith((b"{", b"["))):
            raw.decode("utf-8")  # YAML is read as text; JSON goes to the parser as bytes
    except OSError as err:
        return None, f"{p}: cannot read ({err.__class__.__name__})"
    except UnicodeDecodeError:
        return None, f"{p}: cannot read (not UTF-8 text)"
    try:
        data = parse_text(raw, str(p))
    except UnusableInput as err:
        return None, str(err)
    if data is None:
        return None, f"{p}: the file is empty"
    return data, None


def load_claims(paths: Iterable[str | Path]) -> tuple[list[Claim], list[str]]:
    """Read every file; returns the usable claims and one error message per unusable claim or file."""
    claims: list[Claim] = []
    errors: list[str] = []
    for path in paths:
        data, problem = read_file(path)
        if problem is not None:
            errors.append(problem)
            continue
        got, bad = parse_document(data, str(path))
        claims += got
        errors += bad
    return claims, errors


# --- Reports ---------------------------------------------------------------------------------------


class ReportWriter:
    """Writes a check report (contracts section 2) claim by claim, so that a large batch is never held twice.

    Compact JSON by default; ``indent`` for people. The document is the one ``Report.model_dump`` gives, with
    ``notes`` after the claims when there are any.

    >>> import io
    >>> buf = io.StringIO()
    >>> with ReportWriter(buf, {"version": "1", "effective": "2026-01-01"}, {"ruleset": "1"}) as w:
    ...     w.add(ClaimReport(claim_id="A1", status="clean", findings=[]))
    >>> json.loads(buf.getvalue())["claims"][0]["claim_id"]
    'A1'
    """

    def __init__(self, stream: IO[str], ruleset: dict[str, Any], data: dict[str, Any], indent: int | None = None) -> None:
        self.stream, self.indent, self.notes = stream, indent, list[str]()
        self._first = True
        self._head = {"ruleset": ruleset, "data": data}

    @classmethod
    def for_report(cls, stream: IO[str], report: Report, indent: int | None = None) -> ReportWriter:
        head = report.model_dump(mode="json", exclude={"claims"})
        return cls(stream, head["ruleset"], head["data"], indent)

    def _dumps(self, value: Any, level: int) -> str:
        if self.indent is None:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        text = json.dumps(value, indent=self.indent, ensure_ascii=False)
        return text.replace("\n", "\n" + " " * (self.indent * level))

    def __enter__(self) -> ReportWriter:
        if self.indent is None:
            head = self._dumps(self._head, 0)
            self.stream.write(head[:-1] + ',"claims":[')
        else:
            pad = " " * self.indent
            parts = [f'{pad}"{k}": {self._dumps(v, 1)}' for k, v in self._head.items()]
            self.stream.write("{\n" + ",\n".join(parts) + f',\n{pad}"claims": [')
        return self

    def add(self, claim: ClaimReport) -> None:
        self.add_json(claim.model_dump_json())

    def add_json(self, text: str) -> None:
        """One claim's report, already serialised compactly (``ClaimReport.model_dump_json()``)."""
        if self.indent is not None:
            pad = " " * (self.indent * 2)
            text = "\n" + pad + self._dumps(json.loads(text), 2)
        self.stream.write(text if self._first else "," + text)
        self._first = False

    def add_raw(self, fragment: str) -> None:
        """Claims serialised by another writer (``a,b,c``: compact, comma-separated), for a worker's share of a batch."""
        if fragment:
            self.stream.write(fragment if self._first else "," + fragment)
            self._first = False

    def __exit__(self, *exc: object) -> None:
        if self.indent is None:
            tail = "]" + (',"notes":' + self._dumps(self.notes, 0) if self.notes else "") + "}\n"
        else:
            pad = " " * self.indent
            tail = ("\n" + pad if not self._first else "") + "]"
            tail += (f',\n{pad}"notes": ' + self._dumps(self.notes, 1) if self.notes else "") + "\n}\n"
        self.stream.write(tail)
