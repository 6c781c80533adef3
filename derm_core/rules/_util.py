"""Small helpers shared by the rules."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from ..codes import lookup
from ..coding import CodingError
from ..models import SuggestedLine
from .base import Ctx, Hit, Ln

DISTINCT = frozenset({"59", "XE", "XS", "XP", "XU"})
ANATOMIC = frozenset({"RT", "LT", "E1", "E2", "E3", "E4", "FA", "TA"} | {f"F{i}" for i in range(1, 10)} | {f"T{i}" for i in range(1, 10)})
LIABILITY = frozenset({"GA", "GY", "GZ"})


def distinct(ln: Ln) -> bool:
    """The line carries a modifier that marks a distinct lesion, site or encounter."""
    return not ln.mods.isdisjoint(DISTINCT) or not ln.mods.isdisjoint(ANATOMIC)


def same_lesion(a: Ln, b: Ln) -> bool | None:
    """True or False when both lines name their lesion; None when either does not."""
    if a.facts.lesion_id is None or b.facts.lesion_id is None:
        return None
    return a.facts.lesion_id == b.facts.lesion_id


def first_fact(lines: Iterable[Ln], name: str) -> object | None:
    """The first line's value of a family-level fact (facts sit on the family's primary line)."""
    for ln in lines:
        value = getattr(ln.facts, name)
        if value is not None:
            return value
    return None


def as_is(ln: Ln) -> SuggestedLine:
    """A line kept as billed, among a fix's suggested lines (they replace every line the finding names)."""
    return SuggestedLine(code=ln.code, units=ln.units, modifiers=sorted(ln.mods))


def lesion_total(lines: Iterable[Ln]) -> int:
    """The lesions the lines document together (each line's ``lesion_count`` added up; 0 when none says)."""
    return sum(ln.facts.lesion_count or 0 for ln in lines)


def totals(lines: Iterable[Ln | SuggestedLine]) -> dict[str, int]:
    out: dict[str, int] = {}
    for ln in lines:
        out[ln.code] = out.get(ln.code, 0) + ln.units
    return out


def mismatch(expected: Iterable[Ln | SuggestedLine], billed: Iterable[Ln | SuggestedLine]) -> str | None:
    """``"codes"`` when the billed codes differ from the expected ones, ``"units"`` when only the units differ, else None."""
    want, got = totals(expected), totals(billed)
    if set(want) != set(got):
        return "codes"
    return "units" if want != got else None


def replace_hit(lines: list[Ln], expected: list[SuggestedLine], message: str) -> Hit:
    """The finding for billed ``lines`` that the documented facts recode to ``expected``."""
    return Hit([ln.idx for ln in lines], message, f"Replace {show(lines)} with {show(expected)}.", expected)


def show(lines: Iterable[Ln | SuggestedLine]) -> str:
    """``17000 x1 + 17003 x14``."""
    return " + ".join(
        f"{ln.code}"
        + (
            "-" + "-".join(sorted(ln.mods if isinstance(ln, Ln) else ln.modifiers))
            if (ln.mods if isinstance(ln, Ln) else ln.modifiers)
            else ""
        )
        + f" x{ln.units}"
        for ln in lines
    )


def try_code(fn: Callable[..., list[SuggestedLine]], *args: object) -> list[SuggestedLine] | None:
    """The coding engine's lines, or None when the facts are not enough."""
    try:
        return fn(*args)
    except (CodingError, KeyError):
        return None


def area_recode(lines: list[Ln], code_for: Callable[[float], list[SuggestedLine]]) -> Iterator[Hit]:
    """The recode of a single area-banded line (``code_for`` the coding engine's band) when its code is another band's."""
    if len(lines) == 1 and lines[0].facts.area_sq_cm is not None:
        ln, want = lines[0], code_for(lines[0].facts.area_sq_cm)
        if want[0].code != ln.code:
            yield Hit([ln.idx], f"{ln.facts.area_sq_cm:g} sq cm is {want[0].code}, not {ln.code}.", f"Bill {want[0].code} x1.", want)


def by_date(lines: Iterable[Ln]) -> dict[object, list[Ln]]:
    out: dict[object, list[Ln]] = {}
    for ln in lines:
        out.setdefault(ln.dos, []).append(ln)
    return out


def addon_area_hits(ctx: Ctx, addons: dict[str, str], noun: str) -> Iterator[Hit]:
    """Add-on units against the area (``area_sq_cm``) on the first code's line: the first code covers its area band,
    each further ``per_unit_area`` or part of it is one add-on unit. Skipped when the area is not documented or when
    several lines of the first code share a date (which add-on goes with which is not on the claim)."""
    for addon, primary in addons.items():
        info, step = lookup(primary), lookup(addon)
        if info is None or step is None or not info.area_band or not step.per_unit_area:
            continue
        for ln in ctx.codes(primary):
            area = ln.facts.area_sq_cm
            if area is None or ln.units != 1 or sum(p.dos == ln.dos for p in ctx.codes(primary)) > 1:
                continue
            over = Decimal(str(area)) - Decimal(str(info.area_band[1]))
            units = math.ceil(over / Decimal(str(step.per_unit_area))) if over > 0 else 0
            billed = [a for a in ctx.codes(addon) if a.dos == ln.dos]
            if sum(a.units for a in billed) == units:
                continue
            want = [SuggestedLine(code=primary, units=1, modifiers=sorted(ln.mods))]
            if units:
                want.append(SuggestedLine(code=addon, units=units))
            yield replace_hit([ln, *billed], want, f"A {noun} of {area:g} sq cm is {show(want)}.")
