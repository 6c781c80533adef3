"""Skin biopsy 11102-11107."""

from __future__ import annotations

from collections.abc import Iterator

from ..coding import biopsies
from ..models import Category, SuggestedLine
from ._util import DISTINCT, as_is, by_date, distinct, same_lesion, show, try_code
from .base import Ctx, Hit, Ln, Skip, rule

REFS = ("CUTIS", "AAD2019BX")
DEFINITIVE = (
    "excision_benign",
    "excision_malignant",
    "shave",
    "destruction_premalignant",
    "destruction_benign",
    "destruction_malignant",
    "mohs",
)


def _method_counts(lines: list, use_facts: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ln in lines:
        method = (ln.facts.biopsy_method if use_facts else None) or ln.ci.method
        counts[method] = counts.get(method, 0) + ln.units
    return counts


@rule(
    "DRM301",
    "One primary biopsy per date, for the highest-ranked method",
    Category.bundling,
    families=("biopsy",),
    references=REFS,
    likely_denial="CO-97",
)
def biopsy_primary(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: on each date, only one of 11102/11104/11106 may be billed, for the highest-ranked
    method performed (incisional > punch > tangential); every other biopsy is an add-on of its own method.
    Flags two primaries, or a primary that ranks below an add-on (11102 + 11105).

    Why is this bad? Since 2019 a second "first lesion" code is denied; the ranking decides which code is the primary.
    """
    for lines in by_date(ctx.fam("biopsy")).values():
        primaries = [ln for ln in lines if not ln.ci.is_addon]
        addons = [ln for ln in lines if ln.ci.is_addon]
        too_many = len(primaries) > 1
        outranked = bool(primaries) and bool(addons) and max(a.ci.rank for a in addons) > max(p.ci.rank for p in primaries)
        if too_many or outranked:
            expected = try_code(biopsies, _method_counts(lines, use_facts=False))
            if expected is None:  # units of 0 or less (DRM003 reports them): no count to code
                yield Skip("biopsy units of 0 or less: the primary biopsy was not checked", [ln.idx for ln in lines])
                continue
            why = (
                "Only one primary biopsy code is billed per date"
                if too_many
                else "The primary biopsy code must be the highest-ranked method"
            )
            yield Hit([ln.idx for ln in lines], f"{why}: {show(lines)}.", f"Bill {show(expected)}.", expected)


@rule(
    "DRM302",
    "Biopsy code does not match the documented method",
    Category.code_selection,
    families=("biopsy",),
    references=REFS,
    likely_denial="CO-4",
)
def biopsy_method(ctx: Ctx) -> Iterator[Hit]:
    """What it does: compares each biopsy code's method (tangential 11102/11103, punch 11104/11105,
    incisional 11106/11107) with the documented ``biopsy_method``.

    Why is this bad? The method, not the depth or the instrument's name, decides the code; a punch biopsy billed as tangential underbills, the reverse overbills.
    """
    for lines in by_date(ctx.fam("biopsy")).values():
        wrong = [ln for ln in lines if ln.facts.biopsy_method and ln.facts.biopsy_method != ln.ci.method]
        if wrong:
            expected = try_code(biopsies, _method_counts(lines, use_facts=True)) or []
            yield Hit(
                [ln.idx for ln in (lines if expected else wrong)],  # the suggested lines replace the date's biopsies
                "; ".join(f"{ln.code} is a {ln.ci.method} biopsy code but the note says {ln.facts.biopsy_method}" for ln in wrong) + ".",
                f"Bill {show(expected)}." if expected else "Use the code of the documented method.",
                expected,
            )


def _frozen_decided(ctx: Ctx, bx: Ln) -> bool:
    """Whether the biopsy went for a same-day frozen section: ``diagnostic_frozen_section`` on any line of its lesion
    that date (the biopsy, the 88331 or the procedure), or an 88331 of that lesion billed with it; never when a
    line of the lesion says false."""
    lesion = [ln for ln in ctx.lines if ln.dos == bx.dos and same_lesion(ln, bx)]
    said = {ln.facts.diagnostic_frozen_section for ln in lesion} - {None}
    if said:
        return said == {True}
    return any(ln.code == "88331" for ln in lesion)


@rule(
    "DRM303",
    "Biopsy of the same lesion as a definitive procedure",
    Category.bundling,
    families=("biopsy",),
    references=("AAPCGS-BX", "ELSTON2012", "NCCI policy manual ch. 3"),
    likely_denial="CO-97",
)
def biopsy_same_lesion(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a biopsy of the same lesion (same ``lesion_id``) as an excision, shave removal,
    destruction or Mohs on the same date, unless the biopsy went for immediate pathology and its result
    decided the procedure (``diagnostic_frozen_section`` on a line of that lesion, or its 88331 on the claim; with 58
    on the procedure as the NCCI manual puts it, or 59 or an X modifier on the biopsy as some payers ask).

    Why is this bad? The biopsy is part of the definitive procedure of that lesion and is denied as included.
    """
    definitive = ctx.fam(*DEFINITIVE)
    for bx in ctx.fam("biopsy"):
        for d in definitive:
            if d.dos == bx.dos and same_lesion(bx, d):
                if (bx.mods & DISTINCT or "58" in d.mods) and _frozen_decided(ctx, bx):
                    continue
                yield Hit(
                    [bx.idx, d.idx],
                    f"The biopsy ({bx.code}) and {d.code} treat the same lesion ({bx.facts.lesion_id}) on the same date.",
                    f"Remove {bx.code}; bill it only if its immediate pathology result decided the {d.code} "
                    f"(58 on the {d.code}, or 59 on the biopsy where the payer asks).",
                    [SuggestedLine(code=d.code, units=d.units, modifiers=sorted(d.mods))],
                )
                break


@rule(
    "DRM304",
    "Biopsy of a different lesion needs 59 or XS",
    Category.modifier_missing,
    families=("biopsy",),
    references=("ELSTON2012", "HMSA", "NCCI policy manual ch. 1"),
    likely_denial="CO-236",
)
def biopsy_distinct(ctx: Ctx) -> Iterator[Hit]:
    """What it does: a biopsy of a different lesion on the same date as an excision, shave, destruction or
    Mohs is payable with 59 or XS on the biopsy. Flags the pair when neither line carries a distinct-service
    modifier (with the same lesion, DRM303 applies instead).

    Why is this bad? Without the modifier the NCCI edit bundles the biopsy into the other procedure and it is denied.
    """
    definitive = ctx.fam(*DEFINITIVE)
    for bx in ctx.fam("biopsy"):
        if bx.ci.is_addon or distinct(bx):
            continue
        for d in definitive:
            if d.dos == bx.dos and same_lesion(bx, d) is not True and not distinct(d):
                yield Hit(
                    [bx.idx, d.idx],
                    f"Biopsy {bx.code} and {d.code} on the same date: a different lesion needs 59 or XS on the biopsy.",
                    f"Add XS (or 59) to {bx.code} if it was a separate lesion; if it was the same lesion, remove the biopsy.",
                    [SuggestedLine(code=bx.code, units=bx.units, modifiers=sorted(bx.mods | {"XS"})), as_is(d)],
                )
                break
