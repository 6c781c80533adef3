"""CMS NCCI edits loaded by the admin (``derm data load``): procedure-to-procedure pairs and MUE unit limits.

Both rules run only when NCCI data is attached to the ruleset; otherwise the engine reports NCCI as
unchecked for the whole claim. A date of service that no loaded quarter covers is reported unchecked too.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..models import Category, SuggestedLine
from ..ncci import PTP_MODIFIERS, NcciData
from ._util import by_date
from .base import Ctx, Hit, Ln, Skip, rule
from .units import unit_limit


def _dates(ctx: Ctx, data: NcciData, kind: str) -> Iterator[tuple[str | None, list[Ln], dict[str, list[Ln]]] | Skip]:
    """(quarter, lines, lines by code) per date of service, or a Skip for dates that no loaded file covers."""
    for dos, lines in by_date(ctx.lines).items():
        if dos is None:
            continue  # a missing date is reported by the data-quality rules
        quarter = data.quarter("ptp" if kind == "PTP" else "mue", dos)  # type: ignore[arg-type]
        if quarter is None:
            yield Skip(f"no NCCI {kind} file loaded covers the date of service {dos}", [ln.idx for ln in lines])
            continue
        by_code: dict[str, list[Ln]] = {}
        for ln in lines:
            by_code.setdefault(ln.code, []).append(ln)
        yield quarter, lines, by_code


@rule(
    "DRM070",
    "NCCI procedure-to-procedure pair without an allowed modifier",
    Category.bundling,
    references=("NCCI PTP edits (practitioner)", "NCCI Policy Manual, chapter I"),
    likely_denial="CO-97",
)
def ncci_pair(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: looks up every pair of codes billed on the same date of service in the CMS NCCI
    practitioner procedure-to-procedure (PTP) file loaded for that date's quarter. A pair with modifier
    indicator 0 is never paid together; a pair with indicator 1 needs an NCCI-associated modifier
    (59, XE/XS/XP/XU, 25, 57, 58, 78, 79, 24, 27, 91 or an anatomic modifier) on one of the two lines.

    Why is this bad? The column 2 code is denied as included in the column 1 code (CO-97), and a pattern
    of unbundled pairs draws audits.
    """
    data: NcciData | None = ctx.ncci
    if data is None:
        return
    for item in _dates(ctx, data, "PTP"):
        if isinstance(item, Skip):
            yield item
            continue
        quarter, lines, by_code = item
        for edit in data.pairs(by_code, lines[0].dos):  # type: ignore[arg-type]
            if edit.modifier == 9:
                continue
            for a in by_code[edit.column1]:
                for b in by_code[edit.column2]:
                    if edit.modifier == 1 and (a.has(*PTP_MODIFIERS) or b.has(*PTP_MODIFIERS)):
                        continue
                    yield _pair_hit(edit.column1, edit.column2, edit.modifier, a, b, quarter)


def _pair_hit(c1: str, c2: str, indicator: int, a: Ln, b: Ln, quarter: str | None) -> Hit:
    if indicator == 0:
        fix = f"Remove {c2}: no modifier bypasses this pair."
    else:
        fix = f"Remove {c2}, or, when it was a separate lesion, site or encounter (documented), append 59 or XS to {c2}."
    return Hit(
        [a.idx, b.idx],
        f"{c2} is bundled into {c1} on the same date (NCCI PTP edit, modifier indicator {indicator}).",
        fix,
        [SuggestedLine(code=a.code, units=a.units, modifiers=sorted(a.mods))],
        source=f"NCCI PTP {quarter}",
    )


@rule(
    "DRM071",
    "Units above the CMS medically unlikely edit (MUE)",
    Category.units,
    references=("NCCI MUE (practitioner services)",),
    likely_denial="CO-151",
)
def ncci_mue(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: compares units with the CMS practitioner MUE loaded for the date of service's quarter:
    per line when the MUE adjudication indicator (MAI) is 1, per code and date of service when it is 2 or 3.
    A line that the code's own unit limit already flags (DRM050, a stricter limit) is not reported twice.

    Why is this bad? Units above the MUE deny the whole line (MAI 1) or every unit of the code that day
    (MAI 2 and 3); an MAI 2 limit cannot be appealed.
    """
    data: NcciData | None = ctx.ncci
    if data is None:
        return
    for item in _dates(ctx, data, "MUE"):
        if isinstance(item, Skip):
            yield item
            continue
        quarter, _, by_code = item
        for code, group in by_code.items():
            mue = data.mue(code, group[0].dos)  # type: ignore[arg-type]
            if mue is None:
                continue
            if mue.mai == 1:
                over = [[ln] for ln in group if ln.units > mue.value]
            else:
                over = [group] if sum(ln.units for ln in group) > mue.value else []
            for lines_over in over:
                units = sum(ln.units for ln in lines_over)
                if any(_stricter_limit(ctx, ln, mue.value) for ln in lines_over):
                    continue
                per = "line" if mue.mai == 1 else "date of service"
                yield Hit(
                    [ln.idx for ln in lines_over],
                    f"{code} is billed x{units}; the CMS MUE is {mue.value} per {per} (MAI {mue.mai}).",
                    f"Bill {code} x{mue.value} at most"
                    + (", or split distinct units onto separate lines with 59/XS." if mue.mai == 1 else "."),
                    [SuggestedLine(code=code, units=mue.value, modifiers=sorted(lines_over[0].mods))],
                    source=f"NCCI MUE {quarter}, MAI {mue.mai}",
                )


def _stricter_limit(ctx: Ctx, ln: Ln, mue_value: int) -> bool:
    """DRM050 already reports this line against a limit at least as strict as the MUE."""
    limit, _ = unit_limit(ctx, ln)
    return limit is not None and ln.units > limit and limit <= mue_value
