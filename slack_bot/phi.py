"""Patient identifiers in pasted text: the bot refuses to process or echo text that holds them.

Slack is not a place for PHI (no third-party app is covered by a BAA), so the bot only ever wants
codes. Detection is deliberately simple and errs on the side of refusing.
"""

from __future__ import annotations

import re
from datetime import date

_SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)|\b(?:ssn|social security)\b", re.I)
_PHONE = re.compile(r"(?<![\d-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\d-])|\b(?:phone|tel|cell)\s*[:#]", re.I)
_MRN = re.compile(r"\b(?:mrn|med(?:ical)?\s*rec(?:ord)?s?\s*(?:no|number|#)?|chart\s*(?:no|number|#))\b\s*[:#]?\s*[A-Z0-9-]*\d", re.I)
_DOB = re.compile(r"\b(?:dob|d\.o\.b|date\s+of\s+birth|birth\s*date|born)\b", re.I)
_NAME_LABEL = re.compile(r"\b(?:patient|pt)(?:'s)?\s*name\s*[:#-]|\bname\s*:", re.I)
_NAME = re.compile(r"\b([A-Z][a-z]+),? ([A-Z][a-z]+)\b")
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")
# Capitalised pairs that are not names: payers, plans, places of service, words billers start lines with.
_NOT_NAMES = {
    "medicare", "medicaid", "part", "advantage", "blue", "cross", "shield", "united", "healthcare", "aetna", "cigna",
    "humana", "anthem", "kaiser", "tricare", "highmark", "can", "what", "how", "when", "should", "does", "is", "do",
    "which", "why", "check", "mohs", "office", "visit", "new", "established", "left", "right", "benign", "malignant",
}  # fmt: skip


def _years_ago(match: re.Match[str], today: date) -> float | None:
    g = match.groups()
    try:
        d = date(int(g[2]), int(g[0]), int(g[1])) if g[2] else date(int(g[3]), int(g[4]), int(g[5]))
    except ValueError:
        return None
    return (today - d).days / 365.25


def _has_name(text: str) -> bool:
    return bool(_NAME_LABEL.search(text)) or any(
        a.lower() not in _NOT_NAMES and b.lower() not in _NOT_NAMES for a, b in _NAME.findall(text)
    )


def identifiers(text: str, today: date | None = None) -> list[str]:
    """The kinds of patient identifier that ``text`` seems to hold (never the values).

    >>> identifiers("Jane Doe DOB 04/12/1951 17000 L57.0")
    ['date of birth', 'patient name']
    >>> identifiers("99213-25 L40.0; 17000 L57.0; medicare 2026-03-02")
    []
    """
    today = today or date.today()
    found = []
    old_date = any((age := _years_ago(m, today)) is not None and age > 3 for m in _DATE.finditer(text))
    name = _has_name(text)
    if _DOB.search(text) or (old_date and name):
        found.append("date of birth")
    if _MRN.search(text):
        found.append("medical record number")
    if _SSN.search(text):
        found.append("Social Security number")
    if _PHONE.search(text):
        found.append("phone number")
    if (name and found) or _NAME_LABEL.search(text):
        found.append("patient name")
    return found
