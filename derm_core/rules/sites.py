"""Diagnosis body site against the procedure's site group, and unspecified-site diagnoses."""

from __future__ import annotations

from collections.abc import Iterator

from .. import icd
from ..codes import GROUP_LABEL, SITE_GROUP
from ..models import Category
from .base import Ctx, Hit, rule

SITED = ("excision_benign", "excision_malignant", "destruction_malignant", "shave", "mohs")
UNSPECIFIED_SITE = ("C44.90", "C44.91", "C44.92", "C44.99", "C43.9", "D03.9", "D04.9", "D22.9", "D23.9")


@rule(
    "DRM130",
    "Diagnosis body site outside the code's site group",
    Category.code_selection,
    "warning",
    families=SITED,
    references=("ICD-03", "DES-10", "EXC-02"),
    likely_denial="CO-11",
)
def dx_site(ctx: Ctx) -> Iterator[Hit]:
    """What it does: the fourth character of a skin-lesion diagnosis (C43, C44, D03, D04, D22, D23) names a
    body site: lip, eyelid, ear and face go with the face group; scalp and neck with the scalp/neck/hands/feet
    group; trunk with the trunk group; limbs with either of those. Warns when the diagnosis's site cannot be in
    the site group of the excision, malignant destruction, shave or Mohs code (e.g. 11642 with C44.519, trunk).

    Why is this bad? A face code with a trunk diagnosis reads as a keying error to the payer and is denied as inconsistent.
    """
    for ln in ctx.fam(*SITED):
        code_groups = set(ln.ci.site_group or "")
        if not code_groups or (ln.facts.site is not None and SITE_GROUP[ln.facts.site] not in code_groups):
            continue  # no site group, or the documented site already disagrees (the code rule reports that)
        for d in ln.dx:
            groups = icd.site_groups(d)
            if groups and code_groups.isdisjoint(groups):
                where = "; or ".join(GROUP_LABEL[g] for g in sorted(code_groups))
                yield Hit(
                    [ln.idx],
                    f"{d} names a body site outside {ln.code}'s site group ({where}).",
                    "Check the documented site and the diagnosis code.",
                )
                break


@rule(
    "DRM962",
    "Unspecified-site diagnosis when the site is documented",
    Category.medical_necessity,
    "warning",
    families=(*SITED, "biopsy", "destruction_premalignant", "destruction_benign", "skin_tags", "injection"),
    references=("ICD-04", "ICD-10-CM guidelines (specificity)"),
    likely_denial="CO-11",
)
def unspecified_site(ctx: Ctx) -> Iterator[Hit]:
    """What it does: warns when a line uses an unspecified-site skin diagnosis (C44.91, C43.9, D22.9, D23.9...)
    although the line documents the site.

    Why is this bad? The code is billable, but LCD and payer diagnosis lists often leave unspecified sites out;
    code the site that the note already names.
    """
    for ln in ctx.lines:
        if ln.facts.site is None:
            continue
        vague = [d for d in ln.dx if d.startswith(UNSPECIFIED_SITE)]
        if vague:
            yield Hit(
                [ln.idx],
                f"{', '.join(vague)} is an unspecified-site code, but the site ({ln.facts.site}) is documented.",
                "Use the site-specific code.",
            )
