"""Repairs (simple 12001-12021, intermediate 12031-12057, complex 13100-13160) and adjacent tissue transfer
(14000-14350): codes by summed length or defect area and site group, and what each includes (NCCI ch. III).

On a repair line ``size_cm`` is the repair length in cm (the wounds it closes, summed); on an adjacent tissue
transfer ``area_sq_cm`` is the defect area (primary plus secondary defect).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..codes import lookup
from ..coding import ATT_GROUP, GRAFT_GROUP, REPAIR_GROUP, adjacent_tissue_transfer, repair
from ..models import Category, SuggestedLine
from ._util import addon_area_hits, by_date, distinct, mismatch, replace_hit, same_lesion, show, try_code
from .base import Ctx, Hit, Ln, rule

REFS = ("CPT repair guidelines (AAD, AAPC)", "NCCI policy manual ch. III")
REPAIRS = ("repair_simple", "repair_intermediate", "repair_complex")
KIND = {"repair_simple": "simple", "repair_intermediate": "intermediate", "repair_complex": "complex"}
SMALL_BENIGN = ("11400", "11420", "11440")  # benign excisions of 0.5 cm or less: every repair is included (NCCI)


def _groups(ctx: Ctx) -> Iterator[tuple[str, list[Ln]]]:
    """(repair group, its lines on one date) for every group billed."""
    for lines in by_date(ctx.fam(*REPAIRS)).values():
        by_group: dict[str, list[Ln]] = {}
        for ln in lines:
            if ln.ci.repair_group:
                by_group.setdefault(ln.ci.repair_group, []).append(ln)
        yield from by_group.items()


def _expected(ctx: Ctx) -> Iterator[tuple[list[Ln], list[SuggestedLine] | None, str]]:
    """(a group's lines on one date, the lines its one primary's length and site call for or None, a description)."""
    for group, lines in _groups(ctx):
        primaries = [ln for ln in lines if not ln.ci.is_addon]
        if len(primaries) != 1 or primaries[0].facts.size_cm is None:
            continue  # several lines of one group are DRM411's
        p = primaries[0]
        kind, site = KIND[p.ci.family], p.facts.site
        want = try_code(repair, kind, None, p.facts.size_cm, _site_group(p) or group)
        yield lines, want, f"a {kind} repair of {p.facts.size_cm:g} cm" + (f" on the {site}" if site else "")


def _site_group(ln: Ln) -> str | None:
    """The repair group (``12051-12057``) of the line's class at its documented site, or None without a site."""
    first = REPAIR_GROUP[KIND[ln.ci.family]].get(ln.facts.site or "")
    info = lookup(first) if first else None
    return info.repair_group if info else None


def _wrong_site_group(ln: Ln) -> str | None:
    """The repair group the line's documented site calls for, when it is not the billed one. Codes of no site
    group (12020/12021, dehiscence of any site) have none to be wrong about."""
    if not ln.ci.repair_group:
        return None
    group = _site_group(ln)
    return group if group and group != ln.ci.repair_group else None


@rule(
    "DRM410",
    "Repair code does not match the length or site",
    Category.code_selection,
    families=REPAIRS,
    references=REFS,
    likely_denial="CO-4",
)
def repair_code(ctx: Ctx) -> Iterator[Hit]:
    """What it does: the repair code follows the class (simple, intermediate, complex), the site group and the
    summed length (``size_cm`` on the repair line): bands of 2.5, 7.5, 12.5, 20 and 30 cm (the face's 5.0 cm band for
    simple and intermediate repairs); complex repairs start over 1.0 cm.

    Why is this bad? The length band decides the code; the hands and feet are their own intermediate group
    (12041-12047), not the extremities' (12031-12037); a complex repair of 1 cm or less does not exist.
    """
    for ln in ctx.fam(*REPAIRS):
        if ln.facts.size_cm is None and not ln.ci.is_addon and (group := _wrong_site_group(ln)):
            yield Hit(
                [ln.idx],
                f"{ln.code} is a repair of another site group; a {KIND[ln.ci.family]} repair on the {ln.facts.site} is {group}.",
                f"Bill the code of {group} for the repair's length.",
            )
    for lines, want, what in _expected(ctx):
        if want is None:
            if lines[0].ci.family == "repair_complex":
                yield Hit(
                    [ln.idx for ln in lines],
                    f"{show(lines)}: {what} does not exist; complex repair codes start over 1.0 cm.",
                    "Report the closure as an intermediate (layered) or simple repair, by what the note documents.",
                )
        elif mismatch(want, lines) == "codes":
            yield replace_hit(lines, want, f"{what[0].upper()}{what[1:]} is {show(want)}.")


@rule(
    "DRM415",
    "Complex repair add-on units do not match the length",
    Category.units,
    families=("repair_complex",),
    references=REFS,
    likely_denial="CO-151",
)
def repair_addon_units(ctx: Ctx) -> Iterator[Hit]:
    """What it does: a complex repair over 7.5 cm adds one unit of the group's add-on (13102, 13122, 13133, 13153)
    for each further 5 cm or part; compares the add-on units with the length on the primary line.

    Why is this bad? 12.6 cm is 13101 + 13102 x2, not x1: the last part of 5 cm counts too.
    """
    for lines, want, what in _expected(ctx):
        if want is not None and mismatch(want, lines) == "units":
            yield replace_hit(lines, want, f"{show(lines)}: {what} is {show(want)}.")


@rule(
    "DRM411",
    "Same-class repairs of one site group billed separately",
    Category.code_selection,
    families=REPAIRS,
    references=REFS,
    likely_denial="CO-97",
)
def repairs_summed(ctx: Ctx) -> Iterator[Hit]:
    """What it does: repairs of the same class in the same site group on one date are added together and reported
    with one code for the summed length (CPT repair guidelines), whichever lesions or wounds they close; flags two
    or more such lines, and gives the summed code when every line states its length.

    Why is this bad? Two codes for what CPT counts as one repair overbill and are denied (or paid at the lower band
    twice, which the payer recoups).
    """
    for group, lines in _groups(ctx):
        primaries = [ln for ln in lines if not ln.ci.is_addon]
        if len(primaries) < 2:
            continue
        kind = KIND[primaries[0].ci.family]
        lengths = [ln.facts.size_cm for ln in primaries]
        total = sum(x for x in lengths if x is not None) if all(x is not None for x in lengths) else None
        want = try_code(repair, kind, None, total, group) if total is not None else None
        message = f"{show(lines)} are {kind} repairs of one site group ({group}) on one date: their lengths are added up into one code."
        if want:
            yield replace_hit(lines, want, message + f" {total:g} cm is {show(want)}.")
        else:
            yield Hit([ln.idx for ln in lines], message, "Add up the lengths and bill the one code for the total.")


@rule(
    "DRM412",
    "Repair of a benign excision of 0.5 cm or less",
    Category.bundling,
    families=REPAIRS,
    references=REFS + ("rules.md §18 (NCCI: repairs with 11400, 11420, 11440)",),
    likely_denial="CO-97",
)
def repair_with_small_benign_excision(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags any repair (simple, intermediate or complex) of the wound of a benign excision of 0.5 cm or
    less (11400, 11420, 11440) on the same date: same lesion, or no lesion named and no distinct-site modifier.

    Why is this bad? NCCI bundles every repair into these smallest benign excisions; only larger excisions allow an
    intermediate or complex repair to be billed separately.
    """
    for rep in ctx.fam(*REPAIRS):
        if rep.code == "G0168":
            continue
        for exc in ctx.codes(*SMALL_BENIGN):
            if exc.dos == rep.dos and (same_lesion(exc, rep) or (same_lesion(exc, rep) is None and not distinct(rep))):
                yield Hit(
                    [exc.idx, rep.idx],
                    f"{rep.code} repairs the wound of {exc.code} (a benign excision of 0.5 cm or less), which includes any repair.",
                    f"Remove {rep.code}; bill {exc.code} alone.",
                    [SuggestedLine(code=exc.code, units=exc.units, modifiers=sorted(exc.mods))],
                )
                break


@rule(
    "DRM413",
    "Repair of an adjacent tissue transfer's own defect",
    Category.bundling,
    families=("adjacent_tissue_transfer",),
    references=REFS + ("CPT adjacent tissue transfer guidelines",),
    likely_denial="CO-97",
)
def repair_with_flap(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a repair billed on the same date as an adjacent tissue transfer (14000-14350) of the same
    defect (same lesion, or no lesion named and no distinct-site modifier on the repair).

    Why is this bad? The flap includes the closure of its primary and secondary defects; only a repair of another
    wound is billed, with XS.
    """
    for flap in ctx.fam("adjacent_tissue_transfer"):
        for rep in ctx.fam(*REPAIRS):
            if rep.dos == flap.dos and (same_lesion(flap, rep) or (same_lesion(flap, rep) is None and not distinct(rep))):
                yield Hit(
                    [flap.idx, rep.idx],
                    f"{rep.code} closes the defect of the adjacent tissue transfer {flap.code}, which includes its closure.",
                    f"Remove {rep.code}; bill a repair only for another wound, with XS.",
                    [SuggestedLine(code=flap.code, units=flap.units, modifiers=sorted(flap.mods))],
                )


@rule(
    "DRM414",
    "Adjacent tissue transfer code does not match the defect area or site",
    Category.code_selection,
    families=("adjacent_tissue_transfer",),
    references=REFS + ("CPT adjacent tissue transfer guidelines",),
    likely_denial="CO-4",
)
def flap_area(ctx: Ctx) -> Iterator[Hit]:
    """What it does: adjacent tissue transfer is coded by site group and the defect area (``area_sq_cm``, the primary
    plus the secondary defect): up to 10 sq cm, 10.1 to 30 sq cm, and over 30 sq cm at any site 14301 (to 60 sq cm)
    plus 14302 for each further 30 sq cm or part.

    Why is this bad? Sizing on the lesion or the primary defect alone underbills; a large flap billed with a
    site code overbills or is denied.
    """
    for ln in ctx.fam("adjacent_tissue_transfer"):
        documented = ln.facts.site
        if ln.facts.area_sq_cm is None and documented in ATT_GROUP and ln.code[:4] != ATT_GROUP[documented][:4] and ln.code < "14300":
            first = ATT_GROUP[documented]
            yield Hit(
                [ln.idx],
                f"{ln.code} is an adjacent tissue transfer of another site group; on the {documented} it is {first} or {int(first) + 1} by area.",
                f"Bill {first} (up to 10 sq cm) or {int(first) + 1} (10.1 to 30 sq cm).",
            )
    flaps = [ln for ln in ctx.fam("adjacent_tissue_transfer") if not ln.ci.is_addon and ln.facts.area_sq_cm is not None]
    for ln in flaps:
        site = ln.facts.site if ln.facts.site in ATT_GROUP else _site_of(ln.code)
        want = try_code(adjacent_tissue_transfer, site, ln.facts.area_sq_cm)
        if not want:
            continue
        billed = [ln] + [a for a in ctx.codes("14302") if a.dos == ln.dos]
        what = mismatch(want, billed)
        if what:
            yield replace_hit(
                billed,
                want,
                f"An adjacent tissue transfer of {ln.facts.area_sq_cm:g} sq cm"
                + (f" on the {ln.facts.site}" if ln.facts.site else "")
                + f" is {show(want)}.",
            )


def _site_of(code: str) -> str | None:
    """A site in the billed code's own group, when the line names none (the area is then checked within that group)."""
    first = code[:4] + ("0" if code[4] in "01" else code[4])
    return next((site for site, c in ATT_GROUP.items() if c == first), None)


GRAFT_KIND = {**dict.fromkeys(("15100", "15120"), "split"), **dict.fromkeys(("15200", "15220", "15240", "15260"), "full")}


@rule(
    "DRM416",
    "Skin graft code does not match the site",
    Category.code_selection,
    families=("graft",),
    references=REFS + ("CPT skin graft guidelines",),
    likely_denial="CO-4",
)
def graft_site(ctx: Ctx) -> Iterator[Hit]:
    """What it does: split-thickness autografts and full-thickness grafts are coded by the recipient site's group
    (full thickness: trunk 15200; scalp, arms, legs 15220; forehead, cheeks, chin, mouth, neck, axillae, genitalia,
    hands, feet 15240; eyelids, nose, ears, lips 15260); compares the billed code with the documented site.

    Why is this bad? The site group sets the code and its payment: a nasal graft billed as 15220 underbills and is
    denied as inconsistent with the diagnosis's site.
    """
    for ln in ctx.fam("graft"):
        kind, site = GRAFT_KIND.get(ln.code), ln.facts.site
        if kind is None or site not in GRAFT_GROUP[kind]:
            continue
        want = GRAFT_GROUP[kind][site]
        if want != ln.code:
            yield Hit(
                [ln.idx],
                f"A {kind}-thickness graft on the {site} is {want}, not {ln.code}.",
                f"Bill {want} (and its add-on for each further area).",
                [SuggestedLine(code=want, units=ln.units, modifiers=sorted(ln.mods))],
            )


GRAFT_ADDON = {"15101": "15100", "15121": "15120", "15201": "15200", "15221": "15220", "15241": "15240", "15261": "15260"}


@rule(
    "DRM417",
    "Skin graft add-on units do not match the area",
    Category.units,
    families=("graft",),
    references=REFS + ("CPT skin graft guidelines",),
    likely_denial="CO-151",
)
def graft_addon_units(ctx: Ctx) -> Iterator[Hit]:
    """What it does: a graft's first code covers the first 100 sq cm (split thickness) or 20 sq cm (full thickness);
    each further 100 or 20 sq cm, or part of it, is one unit of its add-on (15101, 15121, 15201, 15221, 15241, 15261).
    Compares the add-on units with the recipient area (``area_sq_cm``) on the first code's line, when that line is the
    only one of its code on the date. (For infants and children under 10 the split-thickness codes count 1% of body area
    instead; the area fact is then the sq cm equivalent.)

    Why is this bad? A 90 sq cm split-thickness graft is 15100 alone; 15101 billed with it is denied, and a 250 sq cm
    graft billed with one 15101 underbills.
    """
    yield from addon_area_hits(ctx, GRAFT_ADDON, "graft")
