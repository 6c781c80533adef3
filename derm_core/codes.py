"""The procedure-code and modifier tables (data/codes.yaml, data/modifiers.yaml), loaded once."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from .datafiles import package_yaml

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
    """One code's entry in ``data/codes.yaml`` (the file's header explains each field)."""

    code: str
    desc: str
    family: str
    global_days: str | None = None  # None: not known (a rule that needs it says so)
    addon_of: tuple[str, ...] = ()  # ("*",): an add-on to any primary procedure
    max_units: int | None = None
    site_group: str | None = None
    size_band: tuple[float, float | None] | None = None
    area_band: tuple[float, float | None] | None = None
    length_band: tuple[float, float | None] | None = None
    per_unit_length: float | None = None
    per_unit_area: float | None = None
    repair_group: str | None = None
    site_group_id: str | None = None
    band_max_exclusive: bool = False
    wound_total_band: tuple[float, float | None] | None = None
    depth: str | None = None
    pathology: str | None = None
    method: str | None = None
    rank: int = 0
    pctc: bool = False
    mult_proc: int | None = None
    bilateral: int | None = None
    assistant: int | None = None
    dx: tuple[str, ...] = ()
    cosmetic: bool = False
    prior_auth: bool = False
    unit: str | None = None
    mg_per_unit: float | None = None
    sq_cm_per_unit: float | None = None
    single_dose: bool = False
    em_setting: str | None = None
    # {status: invalid|cosmetic, use: [codes], note}: Medicare pays the code not at all, or its medical use only as `use`
    medicare: dict[str, Any] | None = None
    effective: date | None = None
    source: tuple[str, ...] = ()

    @property
    def is_addon(self) -> bool:
        return bool(self.addon_of)

    @property
    def is_em(self) -> bool:
        return self.family == "em"

    @property
    def is_em_service(self) -> bool:
        """A code of the E/M section, problem or preventive visit (99395, G0439): what 24, 25, 57 and GE go on."""
        return self.family in ("em", "em_preventive")

    @property
    def is_minor(self) -> bool:
        """A procedure with a 000 or 010 global period."""
        return self.global_days in ("000", "010")

    def addon_to(self, code: CodeInfo | None) -> bool:
        """Whether ``code`` is one of this add-on's primaries (any procedure that is not an add-on, for ``*``)."""
        if code is None:
            return False
        if "*" in self.addon_of:
            return not code.is_addon and code.global_days in ("000", "010", "090")
        return code.code in self.addon_of


@dataclass(frozen=True, slots=True)
class Invalid:
    code: str
    note: str
    deleted: date | None = None
    replaced_by: tuple[str, ...] = ()
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Modifier:
    """One modifier of ``data/modifiers.yaml``: CPT Appendix A and HCPCS Level II, with what it may attach to."""

    code: str
    meaning: str
    applies_to: str  # em, procedure, pctc, drug, any
    kind: str = "other"
    bypasses_ptp: bool = False
    source: tuple[str, ...] = ()
    retired: date | None = None  # the first date it is no longer valid
    note: str | None = None


@cache
def _load(name: str) -> Any:
    return package_yaml(name)


_TUPLES = ("addon_of", "dx", "size_band", "area_band", "length_band", "wound_total_band", "source")


@cache
def _tables() -> tuple[dict[str, CodeInfo], dict[str, Invalid], list[tuple[int, int]], str]:
    raw = _load("codes.yaml")
    codes: dict[str, CodeInfo] = {}
    for code, d in raw["codes"].items():
        d = dict(d)
        for key in _TUPLES:
            if key in d:
                d[key] = tuple(d[key])
        if isinstance(d.get("effective"), str):
            d["effective"] = date.fromisoformat(d["effective"])
        codes[code] = CodeInfo(code=code, **d)
    for code, info in codes.items():  # primaries given as ranges (99202-99205) stand for the table's codes in them
        if any("-" in c for c in info.addon_of):
            codes[code] = replace(info, addon_of=tuple(sorted(_in_ranges(info.addon_of, codes))))
    invalid: dict[str, Invalid] = {}
    for code, d in raw["deleted"].items():
        invalid[code] = Invalid(code, d["note"], _date(d["deleted"]), tuple(d["replaced_by"]), d.get("source"))
    for code, d in raw["nonexistent"].items():
        invalid[code] = Invalid(code, d["note"])
    ranges = [(int(a), int(b)) for a, b in raw["complete_ranges"]]
    return codes, invalid, ranges, str(raw["version"])


def _in_ranges(items: tuple[str, ...], codes: dict[str, CodeInfo]) -> set[str]:
    """Codes and numeric ranges (``99202-99205``: every code of ``codes`` in the range) as a set of codes."""
    out: set[str] = set()
    for item in items:
        low, _, high = item.partition("-")
        out |= {low} if not high else {c for c in codes if c.isdigit() and len(c) == len(low) and low <= c <= high}
    return out


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@dataclass(frozen=True, slots=True)
class Exclusive:
    """Codes of which only one is billed per date (or per lesion)."""

    codes: frozenset[str]
    per: str  # date, lesion
    note: str
    source: tuple[str, ...] = ()


@cache
def exclusive_groups() -> dict[str, list[Exclusive]]:
    """The ``exclusive`` groups of the code table, by each of their codes."""
    out: dict[str, list[Exclusive]] = {}
    for g in _load("codes.yaml")["exclusive"]:
        group = Exclusive(frozenset(map(str, g["codes"])), g["per"], g["note"], tuple(g.get("source", ())))
        for c in group.codes:
            out.setdefault(c, []).append(group)
    return out


@dataclass(frozen=True, slots=True)
class Included:
    """Services (``codes``) included in others (``within``) on the same lesion, or by one practitioner on one date."""

    codes: frozenset[str]
    within: frozenset[str]
    per: str  # lesion, date
    note: str
    source: tuple[str, ...] = ()


def _expand(items: list[str]) -> frozenset[str]:
    """Codes and numeric ranges (``11400-11446``: every code of our table in the range) as a set of codes."""
    return frozenset(_in_ranges(tuple(map(str, items)), all_codes()))


@cache
def included_services() -> list[Included]:
    """The ``includes`` table of the code table. Example: 10160 is included in 10060 on the same lesion."""
    return [
        Included(_expand(g["codes"]), _expand(g["in"]), g["per"], g["note"], tuple(g.get("source", ())))
        for g in _load("codes.yaml").get("includes", [])
    ]


@cache
def sources() -> dict[str, dict[str, str]]:
    """Where the code table's facts come from: source key -> title (and url), from the one bibliography."""
    from .bibliography import sources as bibliography

    return {k: {"title": s.title, **({"url": s.url} if s.url else {})} for k, s in bibliography().items()}


def lookup(code: str) -> CodeInfo | None:
    """Our table entry for ``code``, or None. Example: ``lookup("17004").family == "destruction_premalignant"``."""
    return _tables()[0].get(code)


def all_codes() -> dict[str, CodeInfo]:
    return _tables()[0]


def table_version() -> str:
    return _tables()[3]


def deleted_entry(code: str) -> Invalid | None:
    """The deletion record of ``code`` (also when the date of service is before it, and the code was valid then)."""
    return _tables()[1].get(code)


def invalid_entry(code: str, dos: date | None) -> Invalid | None:
    """Why ``code`` is not a valid code on ``dos`` (deleted, never existed, or not yet in effect), or None when
    it is not known invalid. A code inside a range that our table lists completely, but absent from it, is invalid too.

    >>> invalid_entry("11100", date(2018, 6, 1)) is None, invalid_entry("11100", date(2019, 6, 1)).deleted
    (True, datetime.date(2019, 1, 1))
    """
    codes, invalid, ranges, _ = _tables()
    entry = invalid.get(code)
    if entry is not None:
        if entry.deleted is not None and dos is not None and dos < entry.deleted:
            return None
        return entry
    info = codes.get(code)
    if info is not None and info.effective is not None and dos is not None and dos < info.effective:
        return Invalid(code, f"{code} took effect on {info.effective}, after the date of service.")
    if code not in codes and code.isdigit():
        number = int(code)
        if any(lo <= number <= hi for lo, hi in ranges):
            return Invalid(code, f"{code} is not a valid code in this range.")
    return None


@cache
def modifiers() -> dict[str, Modifier]:
    """Every modifier we know by code, retired ones included (with the date they ended)."""
    out = {}
    for k, v in _load("modifiers.yaml").items():
        v = dict(v)
        v["source"] = tuple(v.get("source", ()))
        if v.get("retired"):
            v["retired"] = _date(v["retired"])
        out[str(k)] = Modifier(str(k), **v)
    return out


# HCPCS Level II (letter first; the X family is closed: X1-X5, XE, XP, XS, XU) or CPT Category II (digit + P)
_MODIFIER_SHAPE = re.compile(r"^(?:[A-WYZ][0-9A-Z]|[0-9]P)$")


def modifier_shape(mod: str) -> str:
    """``known``, ``unlisted`` (shaped like a HCPCS Level II modifier but not in our table: a gap in the table, not
    an error) or ``invalid`` (cannot be a modifier: CPT's numeric modifiers are a closed list we hold whole).

    >>> [modifier_shape(m) for m in ("25", "GC", "ZQ", "2S", "ZZ9", "00", "XO")]
    ['known', 'known', 'unlisted', 'invalid', 'invalid', 'invalid', 'invalid']
    """
    if mod in modifiers():
        return "known"
    return "unlisted" if _MODIFIER_SHAPE.match(mod) else "invalid"


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


def exact(value: float | int | str | Decimal) -> Decimal:
    """A measurement as written (``2.05`` is 2.05, not the binary float just below it), for comparisons with band edges.

    >>> exact(2.05) > Decimal("2.0"), exact(0.1 + 0.2) == Decimal("0.3")
    (True, False)
    """
    return value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else str(value))


_SIX = tuple(map(Decimal, ("0.5", "1.0", "2.0", "3.0", "4.0")))
_FOUR = _SIX[:3]


def band_index(size: float | Decimal, bands: int = 6) -> int:
    """Last-digit offset for a diameter band: <=0.5, over 0.5 to 1.0, over 1.0 to 2.0, over 2.0 to 3.0, over 3.0 to
    4.0, over 4.0 cm (0,1,2,3,4,6). Edges are exact: 2.0 is in the 1.1-2.0 band, 2.05 is over 2.0.

    With ``bands=4`` (shave removal): <=0.5, to 1.0, to 2.0, over 2.0 cm (0,1,2,3).

    >>> band_index(2.0), band_index(2.05), band_index(4.01), band_index(2.01, bands=4)
    (2, 3, 6, 3)
    """
    value = exact(size)
    for i, limit in enumerate(_SIX if bands == 6 else _FOUR):
        if value <= limit:
            return i
    return 6 if bands == 6 else 3


def in_band(value: float | Decimal, band: tuple[float, float | None] | None, below: float | None = None) -> bool:
    """Whether ``value`` falls in ``band`` ([min, max]: up to and including max, null max = no upper edge), above
    ``below`` (the previous band's max) when given, else at or above min.

    >>> in_band(2.5, (0, 2.5)), in_band(2.55, (0, 2.5)), in_band(2.55, (2.6, 7.5), below=2.5)
    (True, False, True)
    """
    if band is None:
        return False
    v = exact(value)
    lo, hi = band
    if below is not None:
        if v <= exact(below):
            return False
    elif v < exact(lo):
        return False
    return hi is None or v <= exact(hi)
