"""Cell values as every reader gives them (calamine floats, openpyxl ints and datetimes, CSV text), made plain:
text, numbers, whole numbers and dates. No workbook library here."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%Y/%m/%d", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%b %d %Y", "%B %d %Y",
                 "%d %B %Y", "%d-%B-%Y", "%Y%m%d")  # fmt: skip
_NUMERIC_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_EXCEL_EPOCH = date(1899, 12, 30)


def text(value: Any) -> str | None:
    """A cell as text: ``11102.0`` -> ``'11102'``, blanks -> None.

    >>> text(11102.0), text("  L57.0 "), text(""), text(None)
    ('11102', 'L57.0', None, None)
    """
    if value is None:
        return None
    kind = type(value)
    if kind is str:  # the usual cell: a sheet repeats the same texts (payers, codes, dates) thousands of times
        hit = _TEXTS.get(value, _MISS)
        if hit is _MISS:
            if len(_TEXTS) > 100_000:
                _TEXTS.clear()
            hit = _TEXTS[value] = " ".join(value.split()) or None
        return hit  # type: ignore[return-value]
    if kind is bool:
        return str(value).upper()
    if kind is float and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    out = " ".join(str(value).split())
    return out or None


_TEXTS: dict[str, str | None] = {}
_MISS = object()


def number(value: Any) -> float | None:
    """A number from a cell: ``"$1,250.00"`` -> 1250.0, ``"($18.00)"`` -> -18.0, words -> None.

    >>> number("$1,250.00"), number("($18.00)"), number("n/c")
    (1250.0, -18.0, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    t = text(value)
    if t is None:
        return None
    t = t.replace(",", "").replace("$", "").strip()
    negative = t.startswith("(") and t.endswith(")")  # accounting style: ($18.00)
    try:
        n = float(t[1:-1] if negative else t)
    except ValueError:
        return None
    if not math.isfinite(n):  # "nan", "inf", "1e999": no amount (a claim's numbers are finite)
        return None
    return -n if negative else n


def parse_date(value: Any) -> tuple[date | None, bool]:
    """(the date, whether it was typed as text). Excel serial numbers count as dates.

    >>> parse_date("03/02/2026"), parse_date(46083.0), parse_date("02-NOV-2026")[0]
    ((datetime.date(2026, 3, 2), True), (datetime.date(2026, 3, 2), False), datetime.date(2026, 11, 2))
    """
    if isinstance(value, datetime):
        return value.date(), False
    if isinstance(value, date):
        return value, False
    if isinstance(value, int | float) and not isinstance(value, bool) and 20_000 < value < 80_000:
        return _EXCEL_EPOCH + timedelta(days=int(value)), False
    t = text(value)
    if t is None:
        return None, False
    t = t.replace(",", "")
    for candidate in (t, t.split(" ")[0], t.split("T")[0]):
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(candidate, fmt).date(), True
            except ValueError:
                continue
    raise ValueError(t)


def whole(value: Any) -> int | None:
    """A whole number, or None (``2.0`` and ``"2"`` are 2; ``1.5`` and ``"two"`` are None)."""
    n = number(value)
    return int(n) if n is not None and n.is_integer() else None


def stage_blocks(value: Any) -> tuple[int, ...] | None:
    """Blocks in each Mohs stage: ``"6, 3"`` or ``"6/3"`` -> (6, 3), one stage as a number -> (6,); None when unreadable.

    >>> stage_blocks("6, 3"), stage_blocks(4.0), stage_blocks("six")
    ((6, 3), (4,), None)
    """
    t = text(value)
    if t is None:
        return None
    parts = [whole(p) for p in re.split(r"[\s,;/+]+", t) if p]
    return tuple(p for p in parts if p is not None) if parts and all(p is not None and p >= 0 for p in parts) else None


_YES = {"y", "yes", "true", "1", "signed", "on file"}
_NO = {"n", "no", "false", "0", "not signed", "none"}


def yes_no(value: Any) -> bool | None:
    """A yes/no cell: ``Y``, ``Yes``, ``TRUE``, ``signed`` or a ticked box -> True; ``N``, ``No``, ``FALSE`` -> False.

    >>> yes_no("Y"), yes_no(False), yes_no("no"), yes_no("maybe")
    (True, False, False, None)
    """
    if isinstance(value, bool):
        return value
    t = (text(value) or "").lower()
    return True if t in _YES else False if t in _NO else None


def symptoms_of(value: Any) -> tuple[str, ...] | None:
    """The documented symptoms in a cell, ``"itching, bleeding"`` -> ('itching', 'bleeding'); ``none`` -> () (the note
    documents none); None when a word is not one of the symptoms.

    >>> symptoms_of("Itching, bleeding"), symptoms_of("functional impairment"), symptoms_of("none"), symptoms_of("ugly")
    (('itching', 'bleeding'), ('functional_impairment',), (), None)
    """
    from typing import get_args

    from ..models import Symptom

    t = (text(value) or "").lower()
    if not t:
        return None
    if t in ("none", "no symptoms", "asymptomatic"):
        return ()
    words = tuple("_".join(w.split()) for w in re.split(r"\s*[,;/]\s*|\s+and\s+", t) if w.strip())
    return words if words and all(w in get_args(Symptom) for w in words) else None


def ambiguous_text_date(value: Any) -> bool:
    """A date typed as text in numbers only (``03/02/2026``), which Excel set to another country reads day first;
    ``2026-03-02`` and ``02-NOV-2026`` cannot be misread.

    >>> ambiguous_text_date("03/02/2026"), ambiguous_text_date("02-NOV-2026"), ambiguous_text_date("2026-03-02")
    (True, False, False)
    """
    return isinstance(value, str) and bool(_NUMERIC_DATE.match(value.strip()))
