"""ICD-10-CM through the CMS code set that simple-icd-10-cm ships (April 2026 release)."""

from __future__ import annotations

import re
from functools import lru_cache

import simple_icd_10_cm as cm

EDITION = "ICD-10-CM FY2026 (April 1, 2026 release)"
_SHAPE = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.?[0-9A-Z]{1,4})?$")

MALIGNANT_SKIN = ("C43", "C44", "C4A", "D03", "D04")
PREMALIGNANT = ("L57.0",)
HISTORY = ("Z85.8",)
BENIGN_LESION = ("L82", "B07", "B08.1", "A63.0", "D22", "D23", "L91.8", "L72", "D18", "I78.1", "L85", "L98", "D17", "D48.5", "D49.2", "Q82")
# Fourth character of C43/C44/D03/D04/D22/D23 -> the site groups (see codes.SITE_GROUP) it is consistent with.
_DX_SITE = {"0": "C", "1": "C", "2": "C", "3": "C", "4": "B", "5": "A", "6": "AB", "7": "AB"}


@lru_cache(maxsize=65536)
def normalize(code: str) -> str:
    """Upper-case, dotted form. Example: ``normalize("c44319") == "C44.319"``."""
    code = code.strip().upper().replace(" ", "")
    if "." not in code and len(code) > 3:
        code = code[:3] + "." + code[3:]
    return code


def looks_like_icd(code: str) -> bool:
    return bool(_SHAPE.match(code.strip().upper()))


@lru_cache(maxsize=65536)
def status(code: str) -> str:
    """``billable`` (a leaf code), ``header`` (needs more characters) or ``unknown``."""
    if not looks_like_icd(code):
        return "unknown"
    try:
        if not cm.is_category_or_subcategory(code) and not cm.is_extended_subcategory(code):
            return "unknown"
        return "billable" if cm.is_leaf(code) else "header"
    except (ValueError, KeyError):
        return "unknown"


@lru_cache(maxsize=65536)
def description(code: str) -> str | None:
    try:
        return str(cm.get_description(code)) if status(code) != "unknown" else None
    except (ValueError, KeyError):
        return None


def children(code: str) -> list[str]:
    try:
        return [str(c) for c in cm.get_children(code)]
    except (ValueError, KeyError):
        return []


def is_malignant(code: str) -> bool:
    return code.startswith(MALIGNANT_SKIN)


def is_premalignant(code: str) -> bool:
    return code.startswith(PREMALIGNANT)


def is_benign_lesion(code: str) -> bool:
    return code.startswith(BENIGN_LESION)


def is_history(code: str) -> bool:
    return code.startswith(HISTORY)


def site_groups(code: str) -> str | None:
    """Site groups (A/B/C) a skin-lesion code's body site is consistent with, or None when it names no site."""
    if code.startswith(("C43", "C44", "D03", "D04", "D22", "D23")) and len(code) >= 5:
        return _DX_SITE.get(code[4])
    return None
