"""Documentation: the facts a code is chosen by, when the claim does not carry them (contracts §1: a check that needs
an absent fact reports a ``documentation`` finding rather than guessing)."""

from __future__ import annotations

from collections.abc import Iterator

from .. import icd
from ..models import Category
from .base import Ctx, Hit, Ln, rule
from .coverage import INDICATED_DX

# The facts that decide the code, by family (and what a biller calls them).
DECIDING = {
    "excision_benign": (("site", "site"), ("size_cm", "excised diameter (lesion plus narrowest margins)")),
    "excision_malignant": (("site", "site"), ("size_cm", "excised diameter (lesion plus narrowest margins)")),
    "destruction_malignant": (("site", "site"), ("size_cm", "lesion diameter")),
    "shave": (("site", "site"), ("size_cm", "lesion diameter")),
    "mohs": (("site", "site"),),
    "excimer": (("area_sq_cm", "treated area"),),
    "destruction_vascular": (("area_sq_cm", "treated area"),),
}
BENIGN_REMOVAL = ("skin_tags", "shave", "excision_benign", "destruction_benign")


@rule(
    "DRM131",
    "A fact the code is chosen by is not documented",
    Category.documentation,
    "warning",
    families=tuple(DECIDING) + BENIGN_REMOVAL,
    references=("contracts §1 (documentation facts)", "CPT excision and destruction guidelines", "L34938"),
    likely_denial="CO-16",
)
def deciding_fact_missing(ctx: Ctx) -> Iterator[Hit]:
    """What it does: names the facts a line's code is chosen by when the claim does not carry them: the site and
    excised diameter of an excision, the site and diameter of a malignant destruction or a shave removal, the site of
    Mohs, the treated area of excimer and vascular-lesion laser; and, for Medicare, the indication (symptoms) for
    removing a benign lesion. The check that needed them did not run, and the claim's ``unchecked`` list says so.

    Why is this bad? The code cannot be verified against the note; these are the facts payers ask for when they
    review the claim (a size band, a site group, the LCD indication).
    """
    for ln in ctx.lines:
        if ln.info is None or ln.info.is_addon:
            continue
        missing = [label for fact, label in DECIDING.get(ln.family or "", ()) if getattr(ln.facts, fact) is None]
        if ctx.medicare and _benign_removal_without_indication(ln):
            missing.append("indication for removing a benign lesion (symptoms)")
        if missing:
            yield Hit(
                [ln.idx],
                f"{ln.code}: the {' and the '.join(missing)} {'is' if len(missing) == 1 else 'are'} not documented, so the code was not verified.",
                f"Record the {', '.join(missing)} for {ln.code} (the note must show them).",
            )


def _benign_removal_without_indication(ln: Ln) -> bool:
    f = ln.facts
    if ln.family not in BENIGN_REMOVAL or f.symptoms is not None or f.purpose == "cosmetic":
        return False
    if ln.mods & {"GA", "GY", "GZ"} or f.pathology in ("malignant", "in_situ", "premalignant"):
        return False
    return not any(icd.is_malignant(d) or icd.is_premalignant(d) or d.startswith(("Z41.1", *INDICATED_DX)) for d in ln.dx)


@rule(
    "DRM132",
    "Excision billed before the pathology is back",
    Category.documentation,
    "warning",
    families=("excision_benign", "excision_malignant"),
    references=("EXC-AAPC", "AAPC-EXC-NEED"),
    likely_denial="CO-16",
)
def pathology_pending(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags an excision whose pathology is documented as ``pending``.

    Why is this bad? The pathology report decides the family (benign 11400-11446, malignant 11600-11646) and the
    diagnosis; a claim sent before it is often wrong and has to be corrected.
    """
    for ln in ctx.fam("excision_benign", "excision_malignant"):
        if ln.facts.pathology == "pending":
            yield Hit(
                [ln.idx],
                f"{ln.code}: the pathology is pending.",
                "Hold the claim until the pathology report decides benign (114xx) or malignant (116xx).",
            )
