"""Mohs micrographic surgery 17311-17315."""

from __future__ import annotations

from collections.abc import Iterator

from .. import icd
from ..codes import SITE_GROUP
from ..coding import mohs
from ..models import Category, SuggestedLine
from ._util import DISTINCT, LIABILITY, mismatch, replace_hit, same_lesion, show, totals, try_code
from .base import Ctx, Hit, Skip, rule

REFS = ("MOHS6", "MOHSMARG", "A56514")
PRIMARY = ("17311", "17313")
ROUTINE_PATH = tuple(f"8830{i}" for i in range(0, 10)) + ("88331", "88332")
OTHER_SPECIMENS = ("biopsy", "excision_benign", "excision_malignant", "shave")
SPECIAL_STAINS = ("88312", "88313", "88314", "88341", "88342")


@rule(
    "DRM201",
    "Mohs code does not match the site group",
    Category.code_selection,
    families=("mohs",),
    references=REFS + ("CORONIS",),
    likely_denial="CO-4",
)
def mohs_site(ctx: Ctx) -> Iterator[Hit]:
    """What it does: 17311/17312 are for head, neck, hands, feet, genitalia or surgery involving deep
    structures; 17313/17314 are for trunk, arms and legs. Checks the first-stage code against ``site``.

    Why is this bad? The two families pay differently; some websites swap them, and payers deny the mismatch.
    A trunk or limb site billed as 17311 is a warning (deep structures may justify it: document ``deep_structures``).
    """
    for ln in ctx.codes(*PRIMARY):
        f = ln.facts
        if f.site is None:
            continue
        head = SITE_GROUP[f.site] in "BC"
        if ln.code == "17313" and head:
            yield Hit(
                [ln.idx],
                f"Mohs on the {f.site} is 17311 (+17312), not 17313.",
                "Bill 17311 for the first stage and 17312 for each additional stage.",
                try_code(mohs, f.site, f.mohs_stage_blocks, False) or [SuggestedLine(code="17311")],
            )
        elif ln.code == "17311" and not head and not f.deep_structures:
            yield Hit(
                [ln.idx],
                f"Mohs on the {f.site} is 17313 (+17314) unless the surgery involved deep structures.",
                "Bill 17313/17314, or document the muscle, cartilage, bone, tendon, nerve or vessel involved.",
                try_code(mohs, f.site, f.mohs_stage_blocks, False) or [SuggestedLine(code="17313")],
                severity="warning",
            )


@rule(
    "DRM202",
    "Mohs add-on paired with the other family's first stage",
    Category.bundling,
    families=("mohs",),
    references=REFS,
    likely_denial="CO-97",
)
def mohs_cross_pair(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 17312 with 17313, or 17314 with 17311, when the matching first stage is absent.

    Why is this bad? 17312 only follows 17311 and 17314 only follows 17313.
    """
    for addon, wrong_primary, right_addon, right_primary in (("17312", "17313", "17314", "17311"), ("17314", "17311", "17312", "17313")):
        for ln in ctx.codes(addon):
            if ctx.codes(wrong_primary) and not ctx.codes(right_primary):
                yield Hit(
                    [ln.idx] + [p.idx for p in ctx.codes(wrong_primary)],
                    f"{addon} is the additional stage of {right_primary}, but the first stage is {wrong_primary}.",
                    f"Bill {right_addon} x{ln.units} for the additional stages.",
                    [SuggestedLine(code=right_addon, units=ln.units)],
                )


@rule(
    "DRM203",
    "Mohs stages and blocks call for other codes",
    Category.code_selection,
    families=("mohs",),
    references=REFS + ("faq:mohs-17315-blocks",),
    likely_denial="CO-4",
)
def mohs_stages_blocks(ctx: Ctx) -> Iterator[Hit]:
    """What it does: from each lesion's documented blocks per stage (``mohs_stage_blocks``) computes the
    Mohs lines (first stage, +1 additional-stage unit per later stage, +17315 per block beyond 5 in any
    stage) and compares them with the lines billed.

    Why is this bad? 17315 is per block beyond five, not an extra stage; billing 17312/17314 for extra
    blocks (or 17315 for extra stages) is denied or recouped.
    """
    lines = ctx.fam("mohs")
    expected = ctx.once("mohs", _expected_mohs)
    if not expected:
        return
    if mismatch(expected, lines) == "codes":
        yield replace_hit(lines, expected, f"The documented stages and blocks call for {show(expected)}.")


@rule(
    "DRM204",
    "Mohs add-on units do not match the stages or blocks",
    Category.units,
    families=("mohs",),
    references=(*REFS, "MOHS-02", "MOHS-03"),
    likely_denial="CO-151",
)
def mohs_addon_units(ctx: Ctx) -> Iterator[Hit]:
    """What it does: when the right Mohs codes are billed, checks their units against the documented blocks per
    stage: +17312/+17314 one unit per stage after the first, +17315 one unit per block beyond 5 in each stage.

    Why is this bad? Units the op note does not support are denied or recouped; too few underbill.
    """
    lines = ctx.fam("mohs")
    expected = ctx.once("mohs", _expected_mohs)
    if expected and mismatch(expected, lines) == "units":
        want, got = totals(expected), totals(lines)
        wrong = [ln for ln in lines if want.get(ln.code) != got.get(ln.code)]
        yield Hit(
            [ln.idx for ln in wrong],
            "; ".join(f"{c} is billed x{got[c]}, the stages and blocks call for x{want[c]}" for c in sorted(want) if want[c] != got[c])
            + ".",
            f"Bill {show(expected)}.",
            expected,
        )


def _expected_mohs(ctx: Ctx) -> list[SuggestedLine] | None:
    """The Mohs lines the documented blocks per stage call for, keeping each billed first-stage family
    (DRM201 judges the site); None when a first stage lacks ``mohs_stage_blocks``."""
    primaries = ctx.codes(*PRIMARY)
    if not primaries or any(not p.facts.mohs_stage_blocks for p in primaries):
        return None
    expected: list[SuggestedLine] = []
    for p in primaries:
        blocks = p.facts.mohs_stage_blocks
        want = try_code(mohs, p.facts.site, blocks, bool(p.facts.deep_structures)) if p.facts.site else None
        if want is None or want[0].code != p.code:
            want = try_code(mohs, "nose" if p.code == "17311" else "trunk", blocks)
        if want is None:
            return None
        expected += want
    return expected


@rule(
    "DRM205",
    "Mohs surgeon billing pathology for the Mohs specimens",
    Category.bundling,
    families=("mohs",),
    references=REFS + ("AAPCPATH2007", "CODINGINTEL", "A56836"),
    likely_denial="CO-97",
)
def mohs_pathology(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 88300-88309 or 88331/88332 billed with Mohs for the same lesion. Allowed with
    59 (or an X modifier): a same-day diagnostic frozen section with no prior pathology
    (``diagnostic_frozen_section``), or tissue of another lesion; special stains (88312-88342) need 59.

    Why is this bad? The Mohs codes include the surgeon's own pathology of the Mohs layers; 88305 for them is denied.
    """
    if not ctx.codes(*PRIMARY):
        return
    mohs_lines = ctx.fam("mohs")
    for ln in ctx.codes(*ROUTINE_PATH):
        if ln.dos not in {m.dos for m in mohs_lines}:
            continue
        same = [m for m in mohs_lines if m.dos == ln.dos and same_lesion(m, ln) is not False]
        if same and ln.facts.lesion_id is None and ctx.fam(*OTHER_SPECIMENS):
            same = []  # unlinked, and another procedure on the claim sends specimens: treat as that lesion's tissue
        if same and not ln.mods & DISTINCT:
            # with 59: a diagnostic frozen section before the decision, or tissue sent apart from the Mohs layers
            yield Hit(
                [ln.idx] + [m.idx for m in same],
                f"{ln.code} for the Mohs specimens is included in the Mohs codes.",
                "Remove it. Billed separately, with 59, are only: a same-day diagnostic biopsy with frozen section and no prior "
                "pathology, tissue sent apart from the Mohs layers (e.g. a debulk for permanent sections), and special stains.",
            )
        elif not same and not ln.mods & DISTINCT:
            yield Hit(
                [ln.idx],
                f"{ln.code} for a separate lesion on a Mohs date needs 59 (or XS).",
                f"Add 59 or XS to {ln.code}.",
                severity="warning",
            )
    for ln in ctx.codes(*SPECIAL_STAINS):
        if not ln.mods & DISTINCT and ln.dos in {m.dos for m in mohs_lines}:
            yield Hit(
                [ln.idx], f"Special stain {ln.code} with Mohs is billed with modifier 59.", f"Add 59 to {ln.code}.", severity="warning"
            )


# Mohs diagnoses outside the skin-cancer chapters: dermal sarcomas such as DFSP (C49; Aetna CPB 0383), and cancers of
# the lip vermilion (C00; mucosal lesions and lips in Aetna CPB 0383 and Anthem CG-SURG-90) and of genital skin
# (extramammary Paget disease, SCC) that ICD-10-CM codes to the organ.
MOHS_OTHER_DX = ("C00", "C49", "C51", "C60", "C63.2", "D07.1", "D07.4", "D07.61")


@rule(
    "DRM206",
    "Mohs diagnosis is not a covered skin malignancy",
    Category.medical_necessity,
    families=("mohs",),
    references=("L35494", "L34961", "MOHS-12"),
    likely_denial="CO-11",
)
def mohs_diagnosis(ctx: Ctx) -> Iterator[Hit]:
    """What it does: Mohs needs a malignancy the Mohs LCDs and payer policies list (C44 BCC/SCC, C43 melanoma, D03,
    D04, C4A Merkel cell; dermatofibrosarcoma and other dermal sarcomas, C49; skin cancers of the genitalia, which
    ICD-10-CM codes by organ: C51 vulva, C60 penis, C63.2 scrotum, D07.1/D07.4/D07.61 in situ; C00 lip vermilion).
    Flags Mohs lines whose diagnoses are all something else (D48.5, L57.0, D22/D23, Z85.828 alone).

    Why is this bad? A non-malignant or history diagnosis does not support Mohs; the payer denies it as not medically necessary.
    """
    for ln in ctx.fam("mohs"):
        if ln.dx and not any(icd.is_malignant(d) or d.startswith(MOHS_OTHER_DX) for d in ln.dx):
            yield Hit(
                [ln.idx],
                f"{ln.code} with {', '.join(ln.dx)}: Mohs needs a skin malignancy diagnosis.",
                "Code the biopsy-proven malignancy (e.g. C44.311) at full specificity.",
            )


@rule(
    "DRM207",
    "Mohs for a small lesion on the trunk or limbs",
    Category.medical_necessity,
    "warning",
    families=("mohs",),
    references=("AUC", "CHOOSINGWISELY", "L34961"),
    likely_denial="CO-50",
)
def mohs_appropriate_use(ctx: Ctx) -> Iterator[Hit]:
    """What it does: warns when Mohs treats a lesion under 1 cm on the trunk, arms or legs.

    Why is this bad? The appropriate-use criteria (and some LCDs and commercial policies) do not support Mohs
    for small uncomplicated lesions there; document the high-risk features (recurrence, aggressive subtype,
    immunosuppression) or expect a medical-necessity denial.
    """
    for ln in ctx.codes(*PRIMARY):
        f = ln.facts
        if ln.mods & LIABILITY:
            continue  # GA (ABN on file) or GZ: the expected medical-necessity denial is already handled
        if f.site and SITE_GROUP[f.site] == "A" and f.size_cm is not None and f.size_cm < 1.0:
            yield Hit(
                [ln.idx],
                f"Mohs for a {f.size_cm:g} cm lesion on the {f.site} may fail appropriate-use criteria.",
                "Document why Mohs was chosen (recurrent, aggressive histology, immunosuppression, poorly defined borders).",
            )


@rule(
    "DRM208",
    "Mohs stages or blocks not documented",
    Category.documentation,
    "warning",
    families=("mohs",),
    references=("AAD2013MOHS", "A56836"),
    likely_denial="CO-16",
)
def mohs_documentation(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: asks for the blocks in each stage (``mohs_stage_blocks``) when Mohs add-on codes are billed.

    Why is this bad? Without stage and block counts the add-on units cannot be supported on audit.
    """
    primaries = ctx.codes(*PRIMARY)
    addons = ctx.codes("17312", "17314", "17315")
    missing = [p for p in primaries if not p.facts.mohs_stage_blocks]
    if missing and addons:
        yield Hit(
            [p.idx for p in missing] + [a.idx for a in addons],
            "Mohs add-ons are billed but the blocks per stage are not documented.",
            "Document the number of stages and the blocks in each stage.",
        )
    elif missing:
        yield Skip("Mohs: mohs_stage_blocks not documented; stage and block codes not checked", [p.idx for p in missing])


@rule(
    "DRM209",
    "Excision of the tumor that Mohs removed",
    Category.bundling,
    families=("mohs",),
    references=("NCCI policy manual ch. III (Mohs)", "CPT Mohs guidelines"),
    likely_denial="CO-97",
)
def mohs_with_excision(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags an excision code (11400-11646) for the same lesion as Mohs on the same date (or with no
    lesion named and no distinct-lesion modifier on the excision).

    Why is this bad? Mohs is the excision of the tumor, staged and mapped: billing the excision as well bills the same
    removal twice. Repairs, flaps and grafts of the Mohs defect are billed; the excision is not.
    """
    for m in ctx.codes(*PRIMARY):
        for exc in ctx.fam("excision_benign", "excision_malignant"):
            if exc.dos == m.dos and (same_lesion(m, exc) or (same_lesion(m, exc) is None and not exc.mods & DISTINCT)):
                yield Hit(
                    [m.idx, exc.idx],
                    f"{exc.code} excises the tumor that {m.code} (Mohs) removed on the same date.",
                    f"Remove {exc.code}; Mohs includes the excision (bill the repair of the defect separately).",
                    [SuggestedLine(code=m.code, units=m.units, modifiers=sorted(m.mods))],
                )
                break
