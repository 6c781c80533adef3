"""Lesion destruction: premalignant 17000-17004, benign 17110/17111, vascular 17106-17108, malignant 17260-17286."""

from __future__ import annotations

from collections.abc import Iterator

from .. import icd
from ..coding import benign_destruction, malignant_destruction, premalignant_destruction, skin_tags, vascular_destruction
from ..models import Category
from ._util import area_recode, by_date, first_fact, lesion_total, replace_hit, show, totals, try_code
from .base import Ctx, Hit, Ln, Skip, rule

REFS = ("CPT destruction guidelines", "AAPC2007")
VASCULAR_DX = ("D18.0", "I78.1", "Q82.5", "I78.8")
# Benign lesions that are neither skin tags nor vascular: seborrheic keratoses, warts, molluscum, condylomata,
# melanocytic nevi, cysts.
OTHER_BENIGN_DX = ("L82", "B07", "B08.1", "A63.0", "D22", "L72")


@rule(
    "DRM101",
    "Premalignant destruction code used for a benign or malignant lesion",
    Category.code_selection,
    families=("destruction_premalignant",),
    references=REFS + ("DES-01",),
    likely_denial="CO-11",
)
def premalignant_family(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 17000-17004 when the diagnosis or pathology says the lesions are benign
    (SK, warts, nevi, tags) or malignant (BCC, SCC, melanoma).

    Why is this bad? Since 2007, 17000-17004 are for premalignant lesions (actinic keratoses) only.
    Benign lesions are 17110/17111 (tags 11200/11201, vascular 17106-17108); malignant lesions are 17260-17286.
    """
    lines = ctx.fam("destruction_premalignant")
    dx = {d for ln in lines for d in ln.dx}
    pathology = first_fact(lines, "pathology")
    malignant = pathology in ("malignant", "in_situ") or (
        any(icd.is_malignant(d) for d in dx) and not any(icd.is_premalignant(d) for d in dx)
    )
    benign = pathology == "benign" or (dx and all(icd.is_benign_lesion(d) for d in dx))
    if not (malignant or benign):
        return
    n = first_fact(lines, "lesion_count")
    idxs = [ln.idx for ln in lines]
    if malignant:
        site, size = first_fact(lines, "site"), first_fact(lines, "size_cm")
        suggested = try_code(malignant_destruction, site, size) or []
        yield Hit(
            idxs,
            "17000-17004 are for premalignant lesions; a malignant lesion is destroyed with 17260-17286.",
            "Code each malignant lesion on its own line by site and diameter (17260-17286).",
            suggested,
        )
        return
    if any(d.startswith("L91.8") for d in dx):
        yield Hit(
            idxs,
            "Skin tags are removed with 11200/11201, not 17000-17004.",
            "Use 11200 (+11201) by the tag count.",
            try_code(skin_tags, n) or [],
        )
    elif any(d.startswith(VASCULAR_DX) for d in dx):
        yield Hit(
            idxs,
            "Vascular lesions are destroyed with 17106-17108, not 17000-17004.",
            "Use 17106-17108 by the total area treated.",
            try_code(vascular_destruction, first_fact(lines, "area_sq_cm")) or [],
        )
    else:
        yield Hit(
            idxs,
            "17000-17004 are for premalignant lesions; benign lesions (SK, warts, molluscum) are 17110/17111.",
            "Use 17110 (up to 14 lesions) or 17111 (15 or more).",
            try_code(benign_destruction, n) or [],
        )


@rule(
    "DRM110",
    "Premalignant lesion count calls for other codes",
    Category.code_selection,
    families=("destruction_premalignant",),
    references=REFS + ("faq:multiple-aks",),
    likely_denial="CO-4",
)
def premalignant_count(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: compares the documented number of premalignant lesions with the codes billed:
    1 -> 17000; 2-14 -> 17000 + 17003 x(n-1); 15 or more -> 17004 x1 alone.

    Why is this bad? 15 or more lesions billed as 17000 + 17003 x14, or 17004 stacked on 17000/17003, are
    denied or recouped; fewer than 15 billed as 17004 is overcoding.
    """
    for lines in by_date(ctx.codes("17000", "17003", "17004")).values():
        yield from _premalignant_count(lines)


def _premalignant_count(lines: list[Ln]) -> Iterator[Hit | Skip]:
    n = first_fact(lines, "lesion_count")
    if not isinstance(n, int) or n < 1:
        billed = sum(ln.units for ln in lines if ln.code in ("17000", "17003"))
        if billed >= 15 and not any(ln.code == "17004" for ln in lines):
            # the billed units themselves count 15 or more lesions
            expected = premalignant_destruction(billed)
            yield Hit(
                [ln.idx for ln in lines],
                f"{show(lines)} bills {billed} lesions; 15 or more premalignant lesions are reported with 17004 alone.",
                f"Replace {show(lines)} with 17004 x1.",
                expected,
            )
        else:
            yield Skip("premalignant destruction: lesion_count not documented; code choice not checked", [ln.idx for ln in lines])
        return
    expected = premalignant_destruction(n)
    if set(totals(expected)) != set(totals(lines)):
        what = (
            "15 or more premalignant lesions are reported with 17004 alone."
            if n >= 15
            else f"{n} premalignant lesion{'s are' if n > 1 else ' is'} reported as {show(expected)}."
        )
        yield replace_hit(lines, expected, what)


@rule(
    "DRM111",
    "17004 billed with 17000 or 17003",
    Category.bundling,
    families=("destruction_premalignant",),
    references=REFS + ("KZA",),
    likely_denial="CO-97",
)
def stacked_17004(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 17004 on the same date as 17000 or 17003.

    Why is this bad? 17004 covers all lesions when there are 15 or more and is reported alone;
    "17000 + 17003 x13 + 17004" for 20-25 AKs, taught by some websites, double-bills the first 14.
    """
    for b in ctx.codes("17004"):
        others = [ln for ln in ctx.codes("17000", "17003") if ln.dos == b.dos]
        if others:
            yield Hit(
                [b.idx] + [o.idx for o in others],
                "17004 is reported alone; it may not be billed with 17000 or 17003.",
                "Bill 17004 x1 for 15 or more lesions and remove 17000/17003.",
                premalignant_destruction(15),
            )


@rule(
    "DRM112",
    "17003 units do not match the lesion count",
    Category.units,
    families=("destruction_premalignant",),
    references=REFS + ("MCW17003",),
    likely_denial="CO-151",
)
def units_17003(ctx: Ctx) -> Iterator[Hit]:
    """What it does: when 17000 + 17003 is the right combination, checks that 17003's units equal the
    documented lesion count minus one.

    Why is this bad? 17003 is per lesion, 2 through 14; units that do not match the note are denied or recouped.
    """
    for lines in by_date(ctx.codes("17000", "17003", "17004")).values():
        n = first_fact(lines, "lesion_count")
        billed = [ln for ln in lines if ln.code == "17003"]
        if not isinstance(n, int) or not 2 <= n <= 14 or not any(ln.code == "17000" for ln in lines) or not billed:
            continue
        if sum(ln.units for ln in billed) == n - 1:
            continue
        yield Hit(
            [ln.idx for ln in billed],
            f"{n} lesions call for 17003 x{n - 1}, not x{sum(ln.units for ln in billed)}.",
            f"Bill 17003 x{n - 1}.",
            premalignant_destruction(n),
        )


@rule(
    "DRM115",
    "Benign destruction count calls for the other code",
    Category.code_selection,
    families=("destruction_benign",),
    references=REFS + ("PEDS",),
    likely_denial="CO-4",
)
def benign_count(ctx: Ctx) -> Iterator[Hit]:
    """What it does: 17110 covers up to 14 benign lesions, 17111 covers 15 or more; checks the code against ``lesion_count``.

    Why is this bad? 17111 is not "each additional"; it replaces 17110 at 15 lesions.
    """
    lines = ctx.fam("destruction_benign")
    n = lesion_total(lines)
    if n < 1:
        return
    expected = benign_destruction(n)
    if set(totals(lines)) != set(totals(expected)):
        yield replace_hit(lines, expected, f"{n} benign lesions are reported as {show(expected)}.")


@rule(
    "DRM116",
    "17110 and 17111 on the same date",
    Category.bundling,
    families=("destruction_benign",),
    references=REFS,
    likely_denial="CO-97",
)
def benign_both(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 17110 and 17111 billed together.

    Why is this bad? They are mutually exclusive: one code describes all benign lesions destroyed that day.
    """
    a, b = ctx.codes("17110"), ctx.codes("17111")
    if a and b:
        n = lesion_total(a + b) or None
        yield Hit(
            [ln.idx for ln in a + b],
            "17110 and 17111 are never billed together.",
            "Bill 17111 alone for 15 or more lesions, 17110 alone for up to 14.",
            try_code(benign_destruction, n) or [],
        )


@rule(
    "DRM117",
    "Benign destruction code used for malignant or premalignant lesions, skin tags or vascular lesions",
    Category.code_selection,
    families=("destruction_benign",),
    references=REFS + ("DES-08",),
    likely_denial="CO-11",
)
def benign_wrong_kind(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 17110/17111 for a malignant lesion (BCC, SCC, melanoma), for actinic keratoses
    (premalignant pathology or L57.0), with a skin-tag diagnosis (L91.8) or with a vascular-lesion diagnosis.

    Why is this bad? Malignant lesions are 17260-17286, premalignant ones 17000-17004, skin tags have their own codes
    (11200/11201) and vascular proliferative lesions theirs (17106-17108).
    """
    for ln in ctx.fam("destruction_benign"):
        if ln.facts.pathology in ("malignant", "in_situ") or (ln.dx and all(icd.is_malignant(d) for d in ln.dx)):
            yield Hit(
                [ln.idx],
                f"{ln.code} is for benign lesions; a malignant lesion is destroyed with 17260-17286 by site and diameter.",
                "Code each malignant lesion on its own line by site and diameter (17260-17286).",
                try_code(malignant_destruction, ln.facts.site, ln.facts.size_cm) or [],
            )
        elif ln.facts.pathology == "premalignant" or (ln.dx and all(icd.is_premalignant(d) for d in ln.dx)):
            yield Hit(
                [ln.idx],
                f"{ln.code} is for benign lesions; actinic keratoses (premalignant) are destroyed with 17000-17004.",
                "Use 17000 (+17003 per lesion 2-14), or 17004 alone for 15 or more.",
                try_code(premalignant_destruction, ln.facts.lesion_count) or [],
            )
        elif ln.dx and all(d.startswith("L91.8") for d in ln.dx):
            yield Hit(
                [ln.idx],
                f"{ln.code} is not for skin tags.",
                "Use 11200 (+11201) by the tag count.",
                try_code(skin_tags, ln.facts.lesion_count) or [],
            )
        elif ln.dx and all(d.startswith(VASCULAR_DX) for d in ln.dx):
            yield Hit(
                [ln.idx],
                f"{ln.code} is not for vascular proliferative lesions.",
                "Use 17106-17108 by the total area treated.",
                try_code(vascular_destruction, ln.facts.area_sq_cm) or [],
            )


KIND_LABEL = {
    "malignant": "a malignant lesion",
    "premalignant": "an actinic keratosis (premalignant)",
    "tag": "a skin tag",
    "benign": "a benign lesion that is not vascular",
}


def _lesion_kind(dx: tuple[str, ...]) -> str | None:
    """What every diagnosis of a line says the lesion is, when they agree: malignant, premalignant, tag or benign."""
    if not dx:
        return None
    for kind, test in (
        ("malignant", icd.is_malignant),
        ("premalignant", icd.is_premalignant),
        ("tag", lambda d: d.startswith("L91.8")),
        ("benign", lambda d: d.startswith(OTHER_BENIGN_DX)),
    ):
        if all(map(test, dx)):
            return kind
    return None


@rule(
    "DRM118",
    "Skin tag or vascular lesion code used for another kind of lesion",
    Category.code_selection,
    families=("skin_tags", "destruction_vascular"),
    references=REFS + ("DES-08", "TAGS"),
    likely_denial="CO-11",
)
def tag_or_vascular_wrong_kind(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 11200/11201 (skin tags) when every diagnosis is an actinic keratosis or a skin
    malignancy, and 17106-17108 (vascular proliferative lesions) when every diagnosis is an actinic keratosis, a
    malignancy, a skin tag or another benign lesion that is not vascular (seborrheic keratosis, wart, molluscum,
    condyloma, melanocytic nevus, cyst).

    Why is this bad? Each family is for its own lesions: AKs are 17000-17004, malignant lesions 17260-17286, skin
    tags 11200/11201 and other benign lesions 17110/17111, whatever the method (laser included).
    """
    for family, allowed in (("skin_tags", ("tag", "benign")), ("destruction_vascular", ())):
        lines = ctx.fam(family)
        kind = _lesion_kind(tuple(dict.fromkeys(d for ln in lines for d in ln.dx)))
        if not lines or kind is None or kind in allowed:
            continue
        n, site, size = first_fact(lines, "lesion_count"), first_fact(lines, "site"), first_fact(lines, "size_cm")
        use = {
            "malignant": ("17260-17286 by site and diameter", try_code(malignant_destruction, site, size)),
            "premalignant": ("17000-17004 by count", try_code(premalignant_destruction, n)),
            "tag": ("11200/11201 by count", try_code(skin_tags, n)),
            "benign": ("17110/17111 by count", try_code(benign_destruction, n)),
        }[kind]
        yield Hit(
            [ln.idx for ln in lines],
            f"{show(lines)} is for {'skin tags' if family == 'skin_tags' else 'vascular proliferative lesions'}; the diagnosis is {KIND_LABEL[kind]}.",
            f"Use {use[0]}.",
            use[1] or [],
        )


@rule(
    "DRM120",
    "Vascular lesion destruction: one code for the total area",
    Category.bundling,
    families=("destruction_vascular",),
    references=("CPTA2009", "CAH-17106"),
    likely_denial="CO-97",
)
def vascular_one_code(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags more than one of 17106-17108 on a date; the session's total area picks one code.

    Why is this bad? 17106 (<10 sq cm), 17107 (10-50) and 17108 (>50) describe the whole session; splitting areas double-bills.
    """
    lines = ctx.fam("destruction_vascular")
    if len(lines) > 1:
        areas = [ln.facts.area_sq_cm for ln in lines]
        total = sum(a for a in areas if a is not None) if all(a is not None for a in areas) else None
        suggested = try_code(vascular_destruction, total) or []
        fix = (
            f"Bill one code for the total area ({total:g} sq cm): {show(suggested)}."
            if suggested
            else "Add up the treated areas and bill one code."
        )
        yield Hit([ln.idx for ln in lines], f"{show(lines)}: vascular lesions are reported with one code per session.", fix, suggested)


@rule(
    "DRM121",
    "Vascular lesion code does not match the area",
    Category.code_selection,
    families=("destruction_vascular",),
    references=("CAH-17106",),
    likely_denial="CO-4",
)
def vascular_area(ctx: Ctx) -> Iterator[Hit]:
    """What it does: compares a single 17106-17108 line with the documented treated area (``area_sq_cm``).

    Why is this bad? The code is chosen by total area; the wrong band under- or overbills.
    """
    yield from area_recode(ctx.fam("destruction_vascular"), vascular_destruction)


@rule(
    "DRM125",
    "Malignant destruction code does not match the lesion",
    Category.code_selection,
    families=("destruction_malignant",),
    references=("CAH-17260", "CAH-17280", "ELSTON2012"),
    likely_denial="CO-4",
)
def malignant_destruction_code(ctx: Ctx) -> Iterator[Hit]:
    """What it does: checks 17260-17286 against the documented site group and lesion diameter, that the
    lesion is malignant, and that the diagnosis's body site agrees with the code's site group.

    Why is this bad? The code is chosen by site group (trunk/arms/legs; scalp/neck/hands/feet/genitalia;
    face/ears/eyelids/nose/lips) and diameter; an AK is not a malignant lesion (17000-17004).
    """
    for ln in ctx.fam("destruction_malignant"):
        f = ln.facts
        if f.pathology in ("premalignant", "benign") or (
            ln.dx and not any(icd.is_malignant(d) for d in ln.dx) and any(icd.is_premalignant(d) or icd.is_benign_lesion(d) for d in ln.dx)
        ):
            pre = f.pathology == "premalignant" or any(icd.is_premalignant(d) for d in ln.dx)
            yield Hit(
                [ln.idx],
                f"{ln.code} is for malignant lesions; this lesion is {'premalignant' if pre else 'benign'}.",
                "Use 17000-17004 for premalignant lesions, 17110/17111 for benign ones.",
                try_code(premalignant_destruction if pre else benign_destruction, f.lesion_count or 1) or [],
            )
            continue
        want = try_code(malignant_destruction, f.site, f.size_cm)
        if want and want[0].code != ln.code:
            yield Hit(
                [ln.idx],
                f"A {f.size_cm:g} cm malignant lesion on the {f.site} is {want[0].code}, not {ln.code}.",
                f"Bill {want[0].code}.",
                want,
            )
