"""Excel functions and a script for the free xlwings paths.

* Classic desktop Excel on Windows: the xlwings add-in imports this module as UDFs (``@xw.func``);
  ``run_validate_sheet`` is the RunPython entry for a button.
* xlwings Lite (Windows, Mac, Excel on the web): paste this module into Lite's ``main.py`` and put the
  core-only wheel (``python -m excel_addin.lite``) in its ``requirements.txt``; ``@func`` and ``@script`` are the
  same decorators there, and ``validate_sheet(book: xw.Book)`` gets the workbook (docs/excel.md).

Nothing here needs xlwings PRO or xlwings Server. Without xlwings (on Linux, in tests, on a server)
the decorators pass through and every function is plain Python. The ruleset comes from
``DERM_RULES`` (a file), ``DERM_RULES_URL`` (a plain HTTPS GET) or the embedded default.

=DERM_CHECK(A1:T40)            status, findings, fix for each row (first row: the headers), spilled
=DERM_FAQ("how do I bill 16 AKs") or =DERM_FAQ("17004")
=DERM_SUGGEST("destruction", "pathology=premalignant; lesion_count=16")
=DERM_CODE("17001")            code, our description, validity, family
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from derm_core import codes, icd, service
from derm_core.coding import CodingError, SuggestRequest, suggest
from derm_core.faq_match import best_entry
from derm_core.ruleset import Ruleset
from derm_core.sheets.columns import OWN_COLUMNS, ColumnMap, map_header
from derm_core.sheets.rows import RowReader, RowResult, check_rows, text

F = TypeVar("F", bound=Callable[..., Any])

try:  # xlwings (classic on Windows, or xlwings Lite) when present; pass-through decorators otherwise
    import xlwings as xw

    func, arg, ret, script = xw.func, xw.arg, xw.ret, xw.script
    Book: Any = xw.Book  # xlwings Lite hands a script the workbook through a parameter annotated xw.Book
except ImportError:  # pragma: no cover - depends on the environment
    xw = None
    Book = Any

    def func(f: Any = None, *args: Any, **kwargs: Any) -> Any:
        return f if callable(f) else (lambda g: g)

    def arg(*args: Any, **kwargs: Any) -> Callable[[F], F]:
        return lambda g: g

    def ret(*args: Any, **kwargs: Any) -> Callable[[F], F]:
        return lambda g: g

    script = func


STATUS_COLOURS = {"error": "#FFC7CE", "warning": "#FFEB9C", "clean": "#C6EFCE"}
CHECK_HEADERS = list(OWN_COLUMNS.values())
_CODE_SHAPE = re.compile(r"^([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4}|[A-TV-Z][0-9][0-9AB]\.?[0-9A-Z]{0,4})$", re.I)


def ruleset() -> Ruleset:
    """The current ruleset (``derm_core.service.ruleset``): ``DERM_RULES_URL`` (a plain HTTPS GET, which works in
    xlwings Lite), else ``DERM_RULES`` (a file), else the rules store or the embedded default."""
    return service.ruleset()


# ----------------------------------------------------------------------------- checking rows


def check_table(
    header: Sequence[Any], rows: Sequence[Sequence[Any]], rules: Ruleset | None = None
) -> tuple[ColumnMap, list[RowResult | None]]:
    """Check rows of a charge sheet under their header; None for a row with no charge data.

    >>> cols, results = check_table(["Claim", "DOS", "CPT"], [["A1", "2026-03-02", 17001.0], []])
    >>> results[0].status, results[1]
    ('error', None)
    """
    cols = map_header(list(header))
    if "code" not in cols.fields:
        raise ValueError("no procedure code column (CPT, Procedure Code, HCPCS or Code) in the header")
    reader = RowReader(cols)
    read = [reader.read(i, list(r)) for i, r in enumerate(rows)]
    charge = [r for r in read if r is not None]
    results, _ = check_rows(charge, rules or ruleset())
    by_row = {r.row: res for r, res in zip(charge, results, strict=True)}
    return cols, [by_row.get(i) for i in range(len(rows))]


@func
@arg("rows", ndim=2)
@arg("headers", ndim=2)
def DERM_CHECK(rows: Any, headers: Any = None) -> list[list[str]]:
    """Check Status, Check Findings and Check Fix for each row. Without ``headers`` the first row of ``rows`` is the header.

    >>> from datetime import date
    >>> DERM_CHECK([["Claim ID", "DOS", "CPT", "Units", "Dx"], ["A1", date(2026, 3, 2), 17001.0, 1, "L57.0"]])[1][1].splitlines()[0]
    'DRM010: 17001 was deleted on 2007-01-01.'
    """
    table = [list(r) for r in rows or []]
    if headers is not None:
        header, data, out = list(headers[0]), table, []
    elif table:
        header, data, out = table[0], table[1:], [CHECK_HEADERS]
    else:
        return [["", "", ""]]
    try:
        _, results = check_table(header, data)
    except ValueError as err:
        return [[f"error: {err}", "", ""]]
    return out + [[r.status, r.findings, r.fix] if r else ["", "", ""] for r in results]


@func
def DERM_FAQ(question: Any) -> str:
    """An answer from the FAQ knowledge base, or what a code is.

    >>> DERM_FAQ("17001").startswith("17001 is not a valid code")
    True
    """
    q = (text(question) or "").strip()
    if not q:
        return ""
    try:
        from derm_core.faq import ask  # type: ignore[import-not-found,unused-ignore]  # the full FAQ search, when installed
    except ImportError:
        return _faq_fallback(q)
    return str(ask(q, ruleset()).answer)


def _faq_fallback(question: str) -> str:
    if _CODE_SHAPE.match(question):
        return describe_code(question)
    entry, score = best_entry(question, ruleset().faq)
    if entry is not None and score >= 2:
        return entry.answer
    code = next((w for w in re.findall(r"[\w.]+", question) if _CODE_SHAPE.match(w) and any(ch.isdigit() for ch in w)), None)
    if code:
        return describe_code(code)
    if entry is not None:
        return entry.answer
    return "No confident answer in the FAQ. Try a code (e.g. 17004) or fewer, more specific words."


def describe_code(code: str) -> str:
    """Our one-paragraph description of a code (shared with ``derm code``)."""
    from derm_core.lookup import describe_code as describe

    return str(describe(code))


@func
@arg("facts", ndim=2)
def DERM_SUGGEST(procedure: Any, facts: Any = None, explain: Any = False) -> Any:
    """The lines to bill for a procedure: a header row, then code, units, modifiers. ``explain`` gives the reason instead.

    ``facts`` is a two-column range (name, value) or text such as ``"pathology=premalignant; lesion_count=16"``.

    >>> DERM_SUGGEST("destruction", "pathology=premalignant; lesion_count=16")
    [['Code', 'Units', 'Modifiers'], ['17004', 1, '']]
    """
    data: dict[str, Any] = {"procedure": (text(procedure) or "").strip().lower()}
    pairs: list[tuple[Any, Any]] = []
    if isinstance(facts, str):
        pairs = [tuple(p.split("=", 1)) for p in re.split(r"[;\n]+", facts) if "=" in p]
    elif facts:
        pairs = [(r[0], r[1]) for r in facts if len(r) >= 2 and r[0] not in (None, "")]
    for name, value in pairs:
        key, value = str(name).strip().lower().replace(" ", "_"), text(value)
        if value is None:
            continue
        if key == "mohs_stage_blocks":
            data[key] = [int(float(v)) for v in re.split(r"[\s,;]+", value) if v]
        elif key == "biopsies":
            data[key] = [{"biopsy_method": m, "count": int(float(n))} for m, n in re.findall(r"(\w+)\s*[:=x]\s*(\d+)", value)]
        else:
            data[key] = value
    try:
        result = suggest(SuggestRequest.model_validate(data))
    except (CodingError, ValueError) as err:
        return [[f"error: {err}".split("\n")[0][:250]]]
    if explain and str(explain).lower() not in ("0", "false"):
        return result.explanation
    return [["Code", "Units", "Modifiers"]] + [[s.code, s.units, " ".join(s.modifiers)] for s in result.lines]


@func
@ret(expand="right")
def DERM_CODE(code: Any) -> list[list[str]]:
    """One row: the code, our description, whether it is valid, its family.

    >>> DERM_CODE("17004")[0][2:]
    ['valid', 'destruction premalignant']
    """
    c = (text(code) or "").strip().upper()
    info = codes.lookup(c)
    if info is not None:
        return [[c, info.desc, "valid", info.family.replace("_", " ")]]
    bad = codes.invalid_entry(c, None)
    if bad is not None:
        state = f"deleted {bad.deleted}" if bad.deleted else "not a valid code"
        return [[c, bad.note, state + (f"; use {' / '.join(bad.replaced_by)}" if bad.replaced_by else ""), ""]]
    dx = icd.normalize(c)
    status = icd.status(dx)
    if status != "unknown":
        label = "billable ICD-10-CM" if status == "billable" else "ICD-10-CM header: not billable"
        return [[dx, icd.description(dx) or "", label, "diagnosis"]]
    return [[c, "not in our code tables or ICD-10-CM", "unknown", ""]]


# ----------------------------------------------------------------------------- the validate_sheet script


@script
def validate_sheet(book: Book) -> str:
    """Write Check Status, Check Findings and Check Fix into the active sheet, colouring each status.

    Works on any object shaped like an xlwings Book (``book.sheets.active``, ``used_range``, ``range``);
    tested against a small double. Returns a one-line summary (printed in xlwings Lite's log).
    """
    sheet = book.sheets.active
    used = sheet.used_range
    values = used.value
    if not isinstance(values, list) or not values or not isinstance(values[0], list):
        values = [values if isinstance(values, list) else [values]]
    top, left = used.row, used.column  # 1-based position of values[0][0]
    header_at = next((i for i, row in enumerate(values[:15]) if "code" in map_header(row).fields), None)
    if header_at is None:
        return "No procedure code column (CPT, Procedure Code, HCPCS or Code) in the first rows of the active sheet."
    cols, results = check_table(values[header_at], values[header_at + 1 :])
    fields = cols.fields
    width = max((len(r) for r in values), default=0)
    while width and all(len(r) < width or r[width - 1] in (None, "") for r in values):
        width -= 1
    free = max([width] + [fields[k] + 1 for k in OWN_COLUMNS if k in fields])
    targets = []
    for key in OWN_COLUMNS:
        targets.append(fields.get(key, free))
        free += key not in fields
    for col, title in zip(targets, CHECK_HEADERS, strict=True):
        cell = sheet.range((top + header_at, left + col))
        cell.value = title
        cell.font.bold = True
    counts = {"error": 0, "warning": 0, "clean": 0}
    for offset, result in enumerate(results, header_at + 1):
        row = top + offset
        cells = [result.status, result.findings, result.fix] if result else ["", "", ""]
        for col, value in zip(targets, cells, strict=True):
            sheet.range((row, left + col)).value = "'" + value if value.startswith(("=", "+", "-", "@")) else value
        if result:
            sheet.range((row, left + targets[0])).color = STATUS_COLOURS[result.status]
            counts[result.status] += 1
    return f"{sum(counts.values())} rows checked: {counts['error']} error, {counts['warning']} warning, {counts['clean']} clean."


validate_sheet.__annotations__["book"] = Book  # the object itself: this module's annotations are strings otherwise


def run_validate_sheet() -> None:
    """RunPython entry for a button in classic desktop Excel: ``RunPython "import excel_addin.functions as f; f.run_validate_sheet()"``."""
    if xw is None:
        raise RuntimeError("xlwings is not installed: pip install '.[excel]' in the toolkit's folder")
    validate_sheet(xw.Book.caller())
