"""ICD-10-CM through the CMS code set that simple-icd-10-cm ships (April 2026 release).

Checking a claim needs only whether a code is billable, a header or unknown. Importing simple-icd-10-cm builds its
whole tree of the code set (about two seconds), so that question is answered from a compact index of the code
set's codes instead: ``data/icd10cm_index.json``, shipped with the package and stamped with the simple-icd-10-cm
release it was built from. When the installed release differs, the index is built again from it on first use and
kept in the user's cache folder (or in memory where nothing can be written). Descriptions still come from
simple-icd-10-cm, loaded only when asked for. ``python -m derm_core.icd`` rebuilds the shipped index.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

EDITION = "ICD-10-CM FY2026 (April 1, 2026 release)"
# The last date of service the edition covers (September 30 of its fiscal year): FY2027's code set took effect on October 1, 2026, and its new codes
# are not in this one (an admin updates simple-icd-10-cm when a release that has them is out).
EDITION_ENDS = date(int(EDITION.split("FY")[1][:4]), 9, 30)
_SHAPE = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.?[0-9A-Z]{1,4})?$")
INDEX_NAME = "icd10cm_index.json"
_SHIPPED = Path(__file__).with_name("data") / INDEX_NAME
_INDEX_FORMAT = 2
_CHANGES = Path(__file__).with_name("data") / "icd10cm_changes.json"

MALIGNANT_SKIN = ("C43", "C44", "C4A", "D03", "D04")
PREMALIGNANT = ("L57.0",)
HISTORY = ("Z85.8",)
BENIGN_LESION = ("L82", "B07", "B08.1", "A63.0", "D22", "D23", "L91.8", "L72", "D18", "I78.1", "L85", "L98", "D17", "D48.5", "D49.2", "Q82")
# Fourth character of C43/C44/D03/D04/D22/D23 -> the site groups (see codes.SITE_GROUP) it is consistent with.
_DX_SITE = {"0": "C", "1": "C", "2": "C", "3": "C", "4": "B", "5": "A", "6": "AB", "7": "AB"}


def source_release() -> str | None:
    """The installed simple-icd-10-cm release, from its distribution folder (cheap: no import), or None."""
    import importlib.util

    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        return None
    site = Path(next(iter(spec.submodule_search_locations))).parent
    try:
        names = os.listdir(site)
    except OSError:
        return None
    for name in names:
        if name.lower().startswith("simple_icd_10_cm-") and name.endswith((".dist-info", ".egg-info")):
            return name.removesuffix(".dist-info").removesuffix(".egg-info").split("-")[1]
    return None


def build_index() -> dict[str, Any]:
    """The index from the installed simple-icd-10-cm: its release, and its billable and header codes (dotted)."""
    import simple_icd_10_cm as cm

    billable: dict[str, list[str]] = {}
    headers: dict[str, list[str]] = {}
    for code in cm.get_all_codes(with_dots=True):
        if cm.is_category_or_subcategory(code) or cm.is_extended_subcategory(code):
            (billable if cm.is_leaf(code) else headers).setdefault(code[:3], []).append(code[4:])
    return {
        "format": _INDEX_FORMAT,
        "source": source_release(),
        # by category (the first three characters): what follows the dot, "" for the category itself
        "billable": {cat: " ".join(rest) for cat, rest in billable.items()},
        "headers": {cat: " ".join(rest) for cat, rest in headers.items()},
    }


def _cache_file() -> Path | None:
    from .datafiles import cache_dir

    folder = cache_dir()
    return folder / INDEX_NAME if folder else None


def _read(path: Path | None) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else None
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == _INDEX_FORMAT else None


def load_index(shipped: Path = _SHIPPED, cache_file: Path | None = None) -> dict[str, Any]:
    """The index that matches the installed simple-icd-10-cm: the shipped one, a cached rebuild, or a new build.

    A new build is written to ``cache_file`` (default: the user's cache folder) when it can be; otherwise it is
    used from memory. Example: ``load_index()["source"] == source_release()``.
    """
    release = source_release()
    for path in (shipped, cache_file or _cache_file()):
        data = _read(path)
        if data is not None and (release is None or data.get("source") == release):
            return data
    data = build_index()
    target = cache_file or _cache_file()
    if target is not None:
        from .datafiles import write_atomic

        write_atomic(target, json.dumps(data).encode("utf-8"))  # when it cannot be written, it lives in memory
    return data


@cache
def _index() -> tuple[dict[str, str], dict[str, str]]:
    data = load_index()
    return data["billable"], data["headers"]


@lru_cache(maxsize=4096)
def _category(cat: str) -> tuple[frozenset[str], frozenset[str]]:
    """What follows the dot in the billable and the header codes of one category (``""``: the category itself)."""
    billable, headers = _index()
    return frozenset(billable.get(cat, "-").split(" ")), frozenset(headers.get(cat, "-").split(" "))


def _dotted(code: str) -> str:
    """The form the code set writes: a dot after the third character (the forms simple-icd-10-cm accepts)."""
    return code[:3] + "." + code[3:] if len(code) >= 4 and code[3] != "." else code


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
    """``billable`` (a leaf code), ``header`` (needs more characters) or ``unknown``.

    Example: ``status("L57.0") == "billable"``, ``status("C44.3") == "header"``.
    """
    if not looks_like_icd(code):
        return "unknown"
    key = _dotted(code)
    if len(key) > 3 and key[3] != ".":
        return "unknown"
    billable, headers = _category(key[:3])
    rest = key[4:]
    return "billable" if rest in billable else "header" if rest in headers else "unknown"


@cache
def _editions() -> tuple[tuple[date, str, frozenset[str], frozenset[str]], ...]:
    """The code-set changes by edition, newest first: (effective date, edition, codes added, codes retired)."""
    data = json.loads(_CHANGES.read_text(encoding="utf-8"))
    rows = [(date.fromisoformat(e["effective"]), e["edition"], frozenset(e["added"]), frozenset(e["retired"])) for e in data["editions"]]
    return tuple(sorted(rows, reverse=True))


def status_on(code: str, dos: date | None) -> tuple[str, str | None]:
    """``status`` in the code set in effect on the date of service, and the edition that changed it, if any:
    ``("not_yet", "FY2026")`` for a code added after the date, ``("billable", "FY2026")`` for a code billable on
    the date that a later edition subdivided or deleted. Example: ``status_on("E88.1", date(2025, 8, 1))[0] == "billable"``.
    """
    state = status(code)
    if dos is None:
        return state, None
    key = _dotted(code.strip().upper())
    for effective, edition, added, retired in _editions():
        if dos >= effective:
            break
        if key in added:
            return "not_yet", edition
        if key in retired:
            return "billable", edition
    return state, None


@lru_cache(maxsize=65536)
def description(code: str) -> str | None:
    if status(code) == "unknown":
        return None
    import simple_icd_10_cm as cm

    try:
        return str(cm.get_description(code))
    except (ValueError, KeyError):
        return None


def children(code: str) -> list[str]:
    """The codes one level below a header. Example: ``children("C44.3") == ["C44.30", "C44.31", "C44.32", "C44.39"]``."""
    if status(code) != "header":
        return []
    parent = _dotted(code)
    billable, headers = _category(parent[:3])
    known = {f"{parent[:3]}.{rest}" if rest else parent[:3] for rest in billable | headers}
    out = []
    for c in sorted(known):
        # a direct child: longer than the header, starting with it, and no code of the set lies between them
        if len(c) > len(parent) and c.startswith(parent) and not any(c[:n] in known for n in range(len(parent) + 1, len(c))):
            out.append(c)
    return out


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


if __name__ == "__main__":  # rebuild the shipped index from the installed simple-icd-10-cm
    _SHIPPED.write_text(json.dumps(build_index(), separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {_SHIPPED.name}: simple-icd-10-cm {source_release()}")
