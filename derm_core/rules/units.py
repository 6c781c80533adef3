"""Units limits and add-on codes, for every family."""

from __future__ import annotations

from collections.abc import Iterator

from ..codes import all_codes, lookup
from ..coding import benign_destruction, biopsies, drug_units, intralesional_injection, mohs, premalignant_destruction, skin_tags
from ..models import Category, SuggestedLine
from ._util import first_fact, show, try_code
from .base import Ctx, Hit, Ln, Skip, rule


def unit_limit(ctx: Ctx, ln: Ln) -> tuple[int | None, str]:
    """The payer's unit-limit override when the ruleset has one, else the limit the code's definition fixes."""
    rows = ctx.payer_rows("unit_limits", ln.code, ln.dos)
    if rows:
        row = rows[-1]
        return row.max_units, row.source or f"ruleset {ctx.ruleset.version} unit limit"
    return (ln.info.max_units if ln.info else None), "code definition"


@rule(
    "DRM050", "Units above the code's limit", Category.units, references=("NCCI MUE policy", "CPT code definitions"), likely_denial="CO-151"
)
def units_limit(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags units above the limit that the code's definition fixes (17000, 17004, 17110,
    17111, 11900, 11901, 11200, the biopsy primaries and the excimer codes are one unit) or above the
    payer's unit-limit override in the ruleset.

    Why is this bad? Units above the limit are denied, often the whole line (MUE), and an ABN does not help.
    """
    for ln in ctx.lines:
        limit, source = unit_limit(ctx, ln)
        if limit is not None and ln.units > limit:
            replaced, suggested = _recode_units(ctx, ln, limit)
            yield Hit(
                [r.idx for r in replaced],
                f"{ln.code} is billed x{ln.units}; the limit is {limit} per date of service.",
                f"Bill {show(suggested)}." if suggested[0].code != ln.code or len(suggested) > 1 else f"Bill {ln.code} x{limit} at most.",
                suggested,
                source=source,
            )


# Codes whose extra units usually mean extra lesions: recode the count instead of cutting the units.
BY_COUNT = {
    "17000": premalignant_destruction,
    "17110": benign_destruction,
    "17111": benign_destruction,
    "11900": intralesional_injection,
    "11901": intralesional_injection,
    "11200": skin_tags,
}


def _recode_units(ctx: Ctx, ln: Ln, limit: int) -> tuple[list[Ln], list[SuggestedLine]]:
    """The lines to replace and what to bill instead when ``ln``'s units exceed the limit: the count recoded (one
    primary and add-ons, or the code for 15 or more) when that fits every limit, else the units cut to the limit.
    A recode is never the lines as billed again, nor over a limit itself (a payer's limit of 10 on 17003)."""
    replaced, recode = [ln], None
    if ln.info is not None and ln.info.method and not ln.info.is_addon:
        recode = try_code(biopsies, {ln.info.method: ln.units})  # one primary, the other lesions as add-ons
    elif ln.family == "destruction_premalignant" and ln.code in ("17000", "17003"):
        replaced = [p for p in ctx.fam("destruction_premalignant") if p.dos == ln.dos and p.code in ("17000", "17003")]
        count = first_fact(replaced, "lesion_count")
        if not isinstance(count, int) or count < 1:
            count = sum(p.units for p in replaced) + (0 if any(p.code == "17000" for p in replaced) else 1)
        recode = try_code(premalignant_destruction, count)
    elif (counted := BY_COUNT.get(ln.code)) is not None:
        recode = try_code(counted, ln.facts.lesion_count or ln.units)
    if recode and _within_limits(ctx, ln, recode) and _changes(replaced, recode):
        return replaced, recode
    return [ln], [SuggestedLine(code=ln.code, units=limit, modifiers=sorted(ln.mods))]


def _within_limits(ctx: Ctx, ln: Ln, lines: list[SuggestedLine]) -> bool:
    for s in lines:
        info = lookup(s.code)
        probe = Ln(ln.idx, s.code, info, ln.mods, s.units, ln.dx, ln.dos, ln.facts, ln.prior_auth, ln.npi)
        limit, _ = unit_limit(ctx, probe)
        if limit is not None and s.units > limit:
            return False
    return True


def _changes(replaced: list[Ln], lines: list[SuggestedLine]) -> bool:
    return sorted((r.code, r.units) for r in replaced) != sorted((s.code, s.units) for s in lines)


# the families that have add-on codes (derived from the code table)
ADDON_FAMILIES = tuple(sorted({info.family for info in all_codes().values() if info.addon_of}))


def _addon_recode(ctx: Ctx, ln: Ln) -> list[SuggestedLine]:
    """The lines the facts call for when an add-on stands alone."""
    if ln.code == "17003":
        n = first_fact([p for p in ctx.fam("destruction_premalignant") if p.dos == ln.dos], "lesion_count")
        return try_code(premalignant_destruction, n if isinstance(n, int) else ln.units + 1) or []
    if ln.code == "11201":
        n = ln.facts.lesion_count or first_fact(ctx.fam("skin_tags"), "lesion_count")
        return try_code(skin_tags, n) or [SuggestedLine(code="11200", units=1)]
    if ln.info and ln.info.method:
        return try_code(biopsies, {ln.info.method: ln.units + 1}) or []
    if ln.family == "mohs":
        primary = next((p for p in ctx.fam("mohs") if p.facts.mohs_stage_blocks), None)
        if primary is not None:
            return try_code(mohs, primary.facts.site, primary.facts.mohs_stage_blocks, bool(primary.facts.deep_structures)) or []
    if ln.info and len(ln.info.addon_of) == 1:
        return [SuggestedLine(code=ln.info.addon_of[0], units=1), SuggestedLine(code=ln.code, units=ln.units)]
    return []


@rule(
    "DRM060",
    "Add-on code without its primary",
    Category.addon_without_primary,
    families=ADDON_FAMILIES,
    references=("CPT add-on code guidelines", "NCCI add-on code edits"),
    likely_denial="CO-107",
)
def addon_without_primary(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags an add-on code (17003, 11201, 11103/11105/11107, 17312/17314/17315, 88332, 88341, 13102...)
    billed without one of its primary codes on the same date by the same practitioner (a line's own rendering NPI,
    else the claim's).

    Why is this bad? An add-on is only paid with its primary, performed by the same practitioner on the same date
    (NCCI policy manual ch. I); alone, or under another practitioner, it is denied.
    """
    for ln in ctx.lines:
        if ln.info is None or not ln.info.addon_of:
            continue
        same_day = [p for c in ln.info.addon_of for p in ctx.by_code.get(c, ()) if p.dos == ln.dos]
        if any(p.npi == ln.npi for p in same_day):
            continue
        if same_day:  # the primary is there, under another practitioner
            yield Hit(
                [same_day[0].idx, ln.idx],
                f"{ln.code} is billed under a different practitioner from its primary {same_day[0].code}.",
                f"Bill {ln.code} under the practitioner who performed {same_day[0].code}.",
            )
            continue
        suggested = _addon_recode(ctx, ln)
        fix = f"{ln.code} needs {' or '.join(ln.info.addon_of)} on the same date."
        if suggested:
            fix += " Bill " + " + ".join(f"{s.code} x{s.units}" for s in suggested) + "."
        yield Hit([ln.idx], f"{ln.code} is an add-on code billed without its primary ({', '.join(ln.info.addon_of)}).", fix, suggested)


@rule(
    "DRM504",
    "Drug units do not match the dose",
    Category.units,
    families=("drug",),
    references=("HCPCS Level II (J3301 per 10 mg)", "INJ-02"),
    likely_denial="CO-16",
)
def drug_dose_units(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: compares a drug's units with the documented dose (``drug_mg``) and the code's unit size
    (J3301 is per 10 mg: 40 mg = 4 units).

    Why is this bad? Units that equal the milligrams (40 units for 40 mg) overbill tenfold and are denied or recouped.
    """
    for ln in ctx.fam("drug"):
        size = ln.info.mg_per_unit if ln.info else None
        if size is None:
            continue
        if ln.facts.drug_mg is None:
            yield Skip(f"{ln.code}: dose in mg not documented (drug_mg); units not checked", [ln.idx])
            continue
        want = drug_units(ln.facts.drug_mg, size)
        if ln.units != want:
            yield Hit(
                [ln.idx],
                f"{ln.code} is per {size:g} mg: {ln.facts.drug_mg:g} mg is {want} units, not {ln.units}.",
                f"Bill {ln.code} x{want}.",
                [SuggestedLine(code=ln.code, units=want, modifiers=sorted(ln.mods))],
            )
