"""Excision (benign 11400-11446, malignant 11600-11646), shave removal, repairs, and per-lesion codes."""

from __future__ import annotations

from collections.abc import Iterator

from .. import icd
from ..coding import excision, shave_removal
from ..models import Category, SuggestedLine
from ._util import as_is, distinct, same_lesion, try_code
from .base import Ctx, Hit, Ln, Skip, rule

REFS = ("EXC-AAPC", "AAPC-YBC-EXC", "AAD-DCC-2024")
EXCISION = ("excision_benign", "excision_malignant")
PER_LESION = EXCISION + ("shave", "destruction_malignant")


def _pathology(ln: Ln) -> str | None:
    """The lesion's pathology: the documented fact, else what the diagnoses say."""
    if ln.facts.pathology:
        return ln.facts.pathology
    if ln.dx and any(icd.is_malignant(d) for d in ln.dx):
        return "malignant"
    if ln.dx and all(icd.is_benign_lesion(d) or icd.is_premalignant(d) for d in ln.dx):
        return "benign"
    return None


def expected_excision(ln: Ln) -> list[SuggestedLine] | None:
    """The excision code the line's facts call for (pathology, site, excised diameter), or None."""
    f = ln.facts
    if f.site is None or f.size_cm is None:
        return None
    return try_code(excision, _pathology(ln), f.site, f.size_cm)


@rule(
    "DRM401",
    "Excision family does not match the pathology",
    Category.code_selection,
    families=EXCISION,
    references=REFS + ("AAPC-EXC-NEED",),
    likely_denial="CO-11",
)
def excision_family(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: the pathology report decides the family: benign or uncertain behavior -> 11400-11446;
    malignant, including melanoma in situ and carcinoma in situ -> 11600-11646. Flags the other family
    (a pending pathology is DRM132).

    Why is this bad? A malignant lesion billed as benign underbills; the reverse is denied as inconsistent with the diagnosis.
    """
    for ln in ctx.fam(*EXCISION):
        path = _pathology(ln)
        if path == "pending":
            continue  # DRM132: hold the claim for the report
        if path is None:
            yield Skip(f"{ln.code}: pathology not documented; benign or malignant family not checked", [ln.idx])
            continue
        malignant = path in ("malignant", "in_situ")
        if malignant != (ln.family == "excision_malignant"):
            want = expected_excision(ln) or [SuggestedLine(code=("116" if malignant else "114") + ln.code[3:])]
            kind = "malignant" if malignant else "benign or of uncertain behavior"
            yield Hit(
                [ln.idx],
                f"{ln.code} is a {'benign' if malignant else 'malignant'} excision code, but the lesion is {kind}.",
                f"Bill {want[0].code} ({'malignant excision, 116xx' if malignant else 'benign excision, 114xx'}).",
                want,
            )


@rule(
    "DRM402",
    "Excision code does not match the site or excised diameter",
    Category.code_selection,
    families=EXCISION,
    references=REFS + ("CPCPREP",),
    likely_denial="CO-4",
)
def excision_size_site(ctx: Ctx) -> Iterator[Hit]:
    """What it does: the code follows the site group and the excised diameter (the lesion's greatest
    diameter plus twice the narrowest margin): <=0.5, 0.6-1.0, 1.1-2.0, 2.1-3.0, 3.1-4.0, >4.0 cm. Compares
    the billed code with ``site`` and ``size_cm``, and the diagnosis's body site with the code's site group.

    Why is this bad? Sizing on the lesion alone (without margins), or adding separate lesions together, picks the wrong code.
    """
    for ln in ctx.fam(*EXCISION):
        want = expected_excision(ln)
        if want and want[0].code[:3] == ln.code[:3] and want[0].code != ln.code:
            yield Hit(
                [ln.idx],
                f"An excised diameter of {ln.facts.size_cm:g} cm on the {ln.facts.site} is {want[0].code}, not {ln.code}.",
                f"Bill {want[0].code}. Excised diameter = lesion + 2 x narrowest margin; each lesion is coded on its own.",
                want,
            )
            continue


@rule(
    "DRM502",
    "Shave removal code does not match the site or diameter",
    Category.code_selection,
    families=("shave",),
    references=("GLOB", "SHV-01"),
    likely_denial="CO-4",
)
def shave_code(ctx: Ctx) -> Iterator[Hit]:
    """What it does: shave removal 11300-11313 follows the site group and the lesion diameter (<=0.5, 0.6-1.0,
    1.1-2.0, >2.0 cm); compares the code with ``site`` and ``size_cm``.

    Why is this bad? The wrong band or site group under- or overbills.
    """
    for ln in ctx.fam("shave"):
        want = try_code(shave_removal, ln.facts.site, ln.facts.size_cm)
        if want and want[0].code != ln.code:
            yield Hit(
                [ln.idx],
                f"A {ln.facts.size_cm:g} cm shave removal on the {ln.facts.site} is {want[0].code}, not {ln.code}.",
                f"Bill {want[0].code}.",
                want,
            )


@rule(
    "DRM404",
    "Second identical per-lesion code without 59 or XS",
    Category.modifier_missing,
    families=PER_LESION + ("mohs",),
    references=("DERM2005", "NCCI policy manual ch. 1"),
    likely_denial="CO-97",
)
def repeated_lesion_code(ctx: Ctx) -> Iterator[Hit]:
    """What it does: each lesion is coded on its own line; when the same excision, shave, malignant
    destruction or Mohs first-stage code appears twice on a date, the second line needs 59 or XS
    (or an anatomic modifier). Modifier 51 does not do this.

    Why is this bad? Without a distinct-lesion modifier the second line is denied as a duplicate.
    """
    seen: dict[tuple[str, object], Ln] = {}
    for ln in ctx.fam(*PER_LESION, "mohs"):
        if ln.info is None or ln.info.is_addon:
            continue
        key = (ln.code, ln.dos)
        first = seen.setdefault(key, ln)
        if first is not ln and not distinct(ln) and not distinct(first):
            yield Hit(
                [first.idx, ln.idx],
                f"{ln.code} is billed twice on the same date without a distinct-lesion modifier.",
                f"Add XS (or 59) to the second {ln.code}; 51 does not mark a separate lesion.",
                [as_is(first), SuggestedLine(code=ln.code, units=ln.units, modifiers=sorted((ln.mods - {"51"}) | {"XS"}))],
            )


@rule(
    "DRM405",
    "Simple repair billed with an excision, shave or biopsy of the same wound",
    Category.bundling,
    families=("repair_simple",),
    references=("REPAIR", "CPT excision and biopsy guidelines", "NCCI policy manual ch. III"),
    likely_denial="CO-97",
)
def simple_repair(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a simple repair (12001-12018) with an excision, a shave removal or a biopsy of the same
    lesion on the same date.

    Why is this bad? Excision, shave and biopsy codes include a simple (single-layer) closure of their own wound;
    only intermediate (12031-12057) and complex (13100-13160) repairs are billed separately with an excision.
    """
    for rep in ctx.fam("repair_simple"):
        if rep.code == "G0168":
            continue
        for exc in ctx.fam(*EXCISION, "shave", "biopsy"):
            if exc.dos == rep.dos and same_lesion(exc, rep) is not False and not distinct(rep):
                yield Hit(
                    [exc.idx, rep.idx],
                    f"{rep.code} (simple repair) is included in {exc.code}.",
                    "Remove the simple repair; bill an intermediate or complex repair only when the note documents one.",
                    [SuggestedLine(code=exc.code, units=exc.units, modifiers=sorted(exc.mods))],
                )
                break


@rule(
    "DRM418",
    "Repair billed with a hidradenitis excision that includes it",
    Category.bundling,
    families=("excision_hidradenitis",),
    references=("CPT2026", "NCCI policy manual ch. III"),
    likely_denial="CO-97",
)
def hidradenitis_repair(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a layered repair (12001-13160) of the same wound as a hidradenitis excision (11450-11471)
    on the same date.

    Why is this bad? Each hidradenitis code names its closure: 11450, 11462, 11470 include a simple or intermediate
    repair and 11451, 11463, 11471 a complex repair; a complex closure calls for the complex-repair code, not a
    second line.
    """
    for exc in ctx.fam("excision_hidradenitis"):
        for rep in ctx.fam("repair_simple", "repair_intermediate", "repair_complex"):
            if rep.code != "G0168" and exc.dos == rep.dos and same_lesion(exc, rep) is not False and not distinct(rep):
                yield Hit(
                    [exc.idx, rep.idx],
                    f"{rep.code} is included in {exc.code}: the hidradenitis code already names its repair.",
                    "Remove the repair line; for a complex closure bill the hidradenitis code with complex repair.",
                )
                break


@rule(
    "DRM406",
    "Excision billed with adjacent tissue transfer of the same lesion",
    Category.bundling,
    families=("adjacent_tissue_transfer",),
    references=("PSC", "RVUEDGE-14020"),
    likely_denial="CO-97",
)
def excision_with_flap(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags an excision of the same lesion as an adjacent tissue transfer (14000-14350) on the same date.

    Why is this bad? Adjacent tissue transfer includes the excision of the lesion; report the flap only.
    (Mohs is different: the flap is billed separately from Mohs.)
    """
    for flap in ctx.fam("adjacent_tissue_transfer"):
        for exc in ctx.fam(*EXCISION):
            if exc.dos == flap.dos and same_lesion(exc, flap) is not False and not distinct(exc):
                yield Hit(
                    [exc.idx, flap.idx],
                    f"The excision {exc.code} is included in the adjacent tissue transfer {flap.code}.",
                    f"Remove {exc.code} and bill {flap.code} alone.",
                    [SuggestedLine(code=flap.code, units=flap.units)],
                )
                break


@rule(
    "DRM407",
    "Graft recipient-site preparation billed for an excision defect",
    Category.bundling,
    families=("graft",),
    references=("CPT graft guidelines (15002-15005)", "NCCI policy manual ch. III"),
    likely_denial="CO-97",
)
def recipient_site_with_excision(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags surgical preparation of a graft recipient site (15002-15005) on the same date and lesion
    as the excision or Mohs that made the defect.

    Why is this bad? 15002-15005 prepare a wound bed (a scar, an ulcer, a burn); the defect of an excision is already
    prepared by the excision. Bill the excision (or Mohs) and the graft.
    """
    for prep in ctx.codes("15002", "15003", "15004", "15005"):
        for exc in ctx.fam(*EXCISION, "mohs"):
            if exc.dos == prep.dos and same_lesion(exc, prep) is not False and not distinct(prep):
                yield Hit(
                    [exc.idx, prep.idx],
                    f"{prep.code} prepares a graft bed, but this defect was made by {exc.code}.",
                    f"Remove {prep.code}; bill {exc.code} and the graft.",
                )
                break
