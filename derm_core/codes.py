"""The procedure-code and modifier tables (data/codes.yaml, data/modifiers.yaml), loaded once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

SITE_GROUP = {
    "trunk": "A",
    "arm": "A",
    "leg": "A",
    "scalp": "B",
    "neck": "B",
    "hand": "B",
    "foot": "B",
    "genitalia": "B",
    "face": "C",
    "ear": "C",
    "eyelid": "C",
    "nose": "C",
    "lip": "C",
    "mucous_membrane": "C",
}
GROUP_LABEL = {
    "A": "trunk, arms or legs",
    "B": "scalp, neck, hands, feet or genitalia",
    "C": "face, ears, eyelids, nose, lips or mucous membrane",
}
EM_CODES = frozenset({"99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215"})


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    desc: str
    family: str
    global_days: str = "XXX"
    addon_of: tuple[str, ...] = ()
    max_units: int | None = None
    site_group: str | None = None
    size_band: tuple[float, float | None] | None = None
    area_band: tuple[float, float | None] | None = None
    pathology: str | None = None
    pctc: bool = False
    dx: tuple[str, ...] = ()
    cosmetic: bool = False
    prior_auth: bool = False
    method: str | None = None
    rank: int = 0
    mg_per_unit: float | None = None
    single_dose: bool = False
    mult_proc: int | None = None

    @property
    def is_addon(self) -> bool:
        return bool(self.addon_of)

    @property
    def is_em(self) -> bool:
        return self.family == "em"

    @property
    def is_minor(self) -> bool:
        """A procedure with a 000 or 010 global period."""
        return self.global_days in ("000", "010")


@dataclass(frozen=True, slots=True)
class Invalid:
    code: str
    note: str
    deleted: date | None = None
    replaced_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Modifier:
    code: str
    meaning: str
    applies_to: str
    bypasses_ptp: bool = False


def _load(name: str) -> Any:
    return yaml.safe_load(resources.files("derm_core.data").joinpath(name).read_text(encoding="utf-8"))


@cache
def _tables() -> tuple[dict[str, CodeInfo], dict[str, Invalid], list[tuple[int, int]], str]:
    raw = _load("codes.yaml")
    codes: dict[str, CodeInfo] = {}
    for code, d in raw["codes"].items():
        d = dict(d)
        for key in ("addon_of", "dx"):
            if key in d:
                d[key] = tuple(d[key])
        for key in ("size_band", "area_band"):
            if key in d:
                d[key] = tuple(d[key])
        codes[code] = CodeInfo(code=code, **d)
    invalid: dict[str, Invalid] = {}
    for code, d in raw["deleted"].items():
        invalid[code] = Invalid(code, d["note"], date.fromisoformat(d["deleted"]), tuple(d["replaced_by"]))
    for code, d in raw["nonexistent"].items():
        invalid[code] = Invalid(code, d["note"])
    ranges = [(int(a), int(b)) for a, b in raw["complete_ranges"]]
    return codes, invalid, ranges, str(raw["version"])


def lookup(code: str) -> CodeInfo | None:
    """Our table entry for ``code``, or None. Example: ``lookup("17004").family == "destruction_premalignant"``."""
    return _tables()[0].get(code)


def all_codes() -> dict[str, CodeInfo]:
    return _tables()[0]


def table_version() -> str:
    return _tables()[3]


def invalid_entry(code: str, dos: date | None) -> Invalid | None:
    """Why ``code`` is not a valid code on ``dos`` (deleted, never existed), or None when it is not known invalid.

    A code inside a range that our table lists completely, but absent from it, is invalid too.
    """
    codes, invalid, ranges, _ = _tables()
    entry = invalid.get(code)
    if entry is not None:
        if entry.deleted is not None and dos is not None and dos < entry.deleted:
            return None
        return entry
    if code not in codes and code.isdigit():
        number = int(code)
        if any(lo <= number <= hi for lo, hi in ranges):
            return Invalid(code, f"{code} is not a valid code in this range.")
    return None


@cache
def modifiers() -> dict[str, Modifier]:
    return {str(k): Modifier(str(k), **v) for k, v in _load("modifiers.yaml").items()}


def code_in(code: str, spec: str) -> bool:
    """Whether ``code`` matches ``spec``: one code, a range such as ``96920-96922``, or ``*``.

    >>> code_in("96921", "96920-96922")
    True
    """
    spec = spec.strip().upper()
    if spec == "*":
        return True
    if "-" in spec:
        lo, hi = (s.strip() for s in spec.split("-", 1))
        return len(code) == len(lo) and lo <= code <= hi
    return code == spec


def band_index(size: float, bands: int = 6) -> int:
    """Last-digit offset for a size band: <=0.5, 0.6-1.0, 1.1-2.0, 2.1-3.0, 3.1-4.0, >4.0 cm (0,1,2,3,4,6).

    With ``bands=4`` (shave removal): <=0.5, 0.6-1.0, 1.1-2.0, >2.0 cm (0,1,2,3).
    """
    size = round(size, 1)
    limits = (0.5, 1.0, 2.0, 3.0, 4.0) if bands == 6 else (0.5, 1.0, 2.0)
    for i, limit in enumerate(limits):
        if size <= limit:
            return i
    return 6 if bands == 6 else 3
