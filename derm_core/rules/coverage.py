"""Coverage: cosmetic screening, prior authorization, medical necessity, payer policies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import icd
from ..models import Category, Severity, SuggestedLine
from ._util import LIABILITY
from .base import Ctx, Hit, Ln, Skip, rule

BENIGN_REMOVAL = ("skin_tags", "shave", "excision_benign", "destruction_benign")
LCD_REFS = ("L34938", "L35498", "L34200")
# Diagnoses that are themselves an LCD L34938 indication: an inflamed seborrheic keratosis documents inflammation; a
# neoplasm of uncertain or unspecified behavior (pathology could not call it benign) is the "clinical uncertainty,
# malignancy a realistic consideration" indication; a coded symptom (pruritus, local infection, abscess or cellulitis,
# bleeding) documents that symptom (some MACs ask for it as a secondary diagnosis).
INDICATED_DX = ("L82.0", "D48.5", "D49.2", "L29", "L08", "L02", "L03", "R58")


def _is_cosmetic_dx(code: str) -> bool:
    return code.startswith("Z41.1")


def _gy(ln: Ln, abn: bool | None) -> SuggestedLine:
    return SuggestedLine(code=ln.code, units=ln.units, modifiers=sorted((ln.mods - {"GA", "GZ"}) | {"GY"} | ({"GX"} if abn else set())))


@rule(
    "DRM901",
    "Medicare benign lesion removal without a documented indication",
    Category.cosmetic,
    families=BENIGN_REMOVAL,
    references=LCD_REFS + ("faq:medicare-cosmetic-screen",),
    likely_denial="CO-50",
)
def medicare_benign_removal(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: Medicare covers removal of benign lesions (SK, tags, nevi, cysts, warts, molluscum) only
    with a documented indication: bleeding, itching, pain, change, inflammation or infection, obstruction,
    impaired vision or function, diagnostic uncertainty (suspected malignancy), recurrent trauma. Without one
    (``symptoms: []``) and without GY/GA/GZ, the removal is treated as cosmetic.

    Why is this bad? The claim is denied as not covered and the patient was not told they would owe it.
    Bill GY (+GX with a voluntary ABN) for a cosmetic removal, or GA with an ABN when you expect a denial.
    """
    if not ctx.medicare:
        return
    for ln in ctx.fam(*BENIGN_REMOVAL):
        f = ln.facts
        if ln.mods & LIABILITY or f.pathology in ("malignant", "in_situ", "premalignant"):
            continue
        if ln.dx and any(icd.is_malignant(d) or icd.is_premalignant(d) for d in ln.dx):
            continue
        if ln.info and ln.info.is_addon:
            continue
        if any(d.startswith(INDICATED_DX) for d in ln.dx):
            continue
        coded_cosmetic = any(map(_is_cosmetic_dx, ln.dx))
        if f.symptoms is None and f.purpose != "cosmetic" and not coded_cosmetic:
            yield Skip(f"{ln.code}: symptoms not documented; Medicare benign-lesion indication not checked", [ln.idx])
            continue
        if f.symptoms and f.purpose != "cosmetic" and not coded_cosmetic:
            continue
        why = (
            "is documented as cosmetic"
            if f.purpose == "cosmetic"
            else "is coded as cosmetic (Z41.1)"
            if coded_cosmetic
            else "has no documented indication"
        )
        yield Hit(
            [ln.idx],
            f"{ln.code} for a benign lesion {why}: cosmetic for Medicare (LCD L34938).",
            "Document the indication (bleeding, itching, pain, change, inflammation...) if there was one; otherwise bill with GY "
            "(+GX if a voluntary ABN was signed) so the patient is responsible.",
            [_gy(ln, f.abn_signed)],
        )


def _medical_dx(ln: Ln) -> bool:
    """The line carries a diagnosis on its code's list of medical indications (``dx`` of a cosmetic code in
    codes.yaml: dermatochalasis or ptosis for blepharoplasty, rhinophyma for dermabrasion, AKs for a peel)."""
    info = ln.info
    return info is not None and bool(info.dx) and any(d.startswith(info.dx) for d in ln.dx)


def _medicare_use(ctx: Ctx, ln: Ln) -> dict[str, Any] | None:
    """For Medicare, a cosmetic code whose medical use Medicare pays under another code only (11950-11954: the
    HIV facial lipodystrophy filler is G0429 under NCD 250.5), from codes.yaml ``medicare: {status: cosmetic}``."""
    m = ln.info.medicare if ctx.medicare and ln.info is not None else None
    return m if m and m.get("status") == "cosmetic" else None


def _cosmetic_reason(ctx: Ctx, ln: Ln) -> str | None:
    """Why the line is cosmetic for certain, or None: a code that is cosmetic whatever the diagnosis (unless the note
    says the purpose was medical), the payer's cosmetic list, ``purpose: cosmetic``, Z41.1."""
    info, f = ln.info, ln.facts
    if info is not None and info.cosmetic and not info.dx and f.purpose != "medical":
        return f"{ln.code} is a cosmetic procedure"
    if info is not None and info.cosmetic and _medicare_use(ctx, ln):
        return f"{ln.code} is not covered by Medicare for any diagnosis"
    rows = ctx.payer_rows("cosmetic", ln.code, ln.dos)
    if rows:
        return f"{ln.code} is on this payer's cosmetic exclusion list" + (f" ({rows[0].note})" if rows[0].note else "")
    if f.purpose == "cosmetic":
        return f"{ln.code} is documented as cosmetic"
    if ln.dx and any(map(_is_cosmetic_dx, ln.dx)):
        return f"{ln.code} is coded as an encounter for cosmetic surgery (Z41.1)"
    return None


def _possibly_cosmetic(ln: Ln) -> str | None:
    """Why a usually-cosmetic line may be cosmetic though nothing says so: a code that is medical only for listed
    diagnoses billed with none of them, or an always-cosmetic code whose note gives a medical purpose."""
    info = ln.info
    if info is None or not info.cosmetic or _medical_dx(ln):
        return None
    if info.dx:
        listed = ", ".join(info.dx[:6]) + ("..." if len(info.dx) > 6 else "")
        return f"{ln.code} is medical only for a listed condition ({listed}), and {', '.join(ln.dx) or 'no diagnosis'} is not one"
    return f"{ln.code} is usually cosmetic; the medical purpose must be clear in the record"


@rule(
    "DRM902",
    "Cosmetic service billed to insurance as covered",
    Category.cosmetic,
    families=None,
    references=("MBPM-16-120", "COS", "MEDICARE-FAQS", "L34938", "L34411", "A56658", "NCD250.5"),
    likely_denial="PR-204",
)
def cosmetic_service(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags cosmetic services (hair transplant, liposuction, face lift, spider-vein sclerotherapy,
    the payer's cosmetic list, ``purpose: cosmetic`` or Z41.1) billed to an insurer. For Medicare they need GY (+GX
    with a voluntary ABN); for other payers they are usually not covered at all. Codes that are cosmetic unless done
    for a listed condition (blepharoplasty for dermatochalasis or ptosis, dermabrasion for rhinophyma, peels for
    AKs or active acne, electrolysis for pilonidal disease) are medical with a listed diagnosis and get a warning
    without one, never an error: the record may show an indication the claim does not carry. Medicare pays filler
    for HIV facial lipodystrophy only as G0429 (NCD 250.5), never as 11950-11954.

    Why is this bad? Cosmetic services are excluded benefits; billing them as covered is denied and, repeated, is an audit risk.
    """
    if ctx.payer_type in (None, "self_pay"):
        return
    medicare = ctx.medicare
    for ln in ctx.lines:
        if "GY" in ln.mods or (medicare and ln.info is not None and ln.info.family in BENIGN_REMOVAL):
            continue  # billed as excluded already; DRM901 screens benign removals for Medicare
        reason = _cosmetic_reason(ctx, ln)
        use = _medicare_use(ctx, ln)
        if reason and use and _medical_dx(ln) and ln.facts.purpose != "cosmetic" and not any(map(_is_cosmetic_dx, ln.dx)):
            yield Hit(
                [ln.idx],
                f"{reason}: {use.get('note', '')}",
                f"Bill {' with '.join(use.get('use', []))} for the medical service.",
                [SuggestedLine(code=c, units=1) for c in use.get("use", [])[:1]],
            )
        elif reason and medicare:
            yield Hit(
                [ln.idx],
                f"{reason}; Medicare excludes it.",
                "Bill it with GY (+GX if a voluntary ABN was signed), or collect from the patient.",
                [_gy(ln, ln.facts.abn_signed)],
            )
        elif reason:
            yield Hit(
                [ln.idx],
                f"{reason}; most plans exclude it.",
                "Check the plan's exclusions; collect from the patient with a signed financial waiver if excluded.",
                severity="warning",
            )
        elif ln.mods & LIABILITY:
            continue  # GA/GZ: the provider expects a denial and says so
        elif maybe := _possibly_cosmetic(ln):
            yield Hit(
                [ln.idx],
                f"{maybe}: it may be cosmetic.",
                "Link the diagnosis that makes it medical and keep the documentation the payer's policy asks for; if it "
                "was done for appearance, bill it as non-covered (GY for Medicare) or collect from the patient.",
                severity="warning",
            )
        elif ln.info is not None and ln.info.cosmetic and ln.facts.purpose is None:
            yield Hit(
                [ln.idx],
                f"{ln.code} is medical for {', '.join(d for d in ln.dx if d.startswith(ln.info.dx))} when the record shows "
                "the indication the payer's policy asks for.",
                "Keep that documentation with the claim (for a blepharoplasty: visual fields and photographs) and record purpose: medical.",
                severity="info",
            )


@rule(
    "DRM950",
    "Prior authorization required and not recorded",
    Category.prior_auth,
    references=("PA-06", "payer prior-authorization lists"),
    likely_denial="CO-197",
)
def prior_authorization(ctx: Ctx) -> Iterator[Hit]:
    """What it does: checks each line against the payer's prior-authorization list in the ruleset
    (admin-maintained: payer name or ``*``, code or range) and flags lines without an authorization number.

    Why is this bad? Services that need authorization are denied without it, and usually cannot be authorized afterwards.
    """
    if ctx.claim.payer is None:
        return
    for ln in ctx.lines:
        if ln.prior_auth:
            continue
        rows = ctx.payer_rows("prior_authorization", ln.code, ln.dos)
        if rows:
            note = rows[0].note
            yield Hit(
                [ln.idx],
                f"{ln.code} needs prior authorization from {ctx.payer_name or ctx.payer_type} and none is recorded.",
                "Obtain the authorization before the service and enter its number on the line." + (f" {note}" if note else ""),
                source=f"ruleset {ctx.ruleset.version}: prior authorization {rows[0].payer} {rows[0].code}",
            )


@rule(
    "DRM903",
    "GY on actinic keratosis destruction",
    Category.modifier_misuse,
    "warning",
    families=("destruction_premalignant",),
    mods=("GY",),
    references=("NCD 250.4", "COS-04"),
    likely_denial="CO-4",
)
def gy_on_ak(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags GY (not a Medicare benefit) on 17000-17004 for actinic keratoses (L57.0).

    Why is this bad? Medicare covers AK destruction (NCD 250.4); it is never cosmetic, and GY makes a payable
    service the patient's bill.
    """
    for ln in ctx.fam("destruction_premalignant"):
        if "GY" in ln.mods and any(icd.is_premalignant(d) for d in ln.dx):
            yield Hit(
                [ln.idx],
                f"{ln.code} for actinic keratoses is covered by Medicare (NCD 250.4); GY does not apply.",
                f"Remove GY (and GX) from {ln.code}.",
                [SuggestedLine(code=ln.code, units=ln.units, modifiers=sorted(ln.mods - {"GY", "GX"}))],
            )


# Services Medicare covers when medically necessary: GY (statutorily excluded) does not fit them.
COVERED = ("biopsy", "excision_malignant", "destruction_malignant", "mohs", "pathology", "incision_drainage")
SCREENING_DX = ("Z12.83",)  # encounter for screening for malignant neoplasm of skin


def excluded_reason(ctx: Ctx, ln: Ln) -> str | None:
    """Why Medicare excludes the service by statute (cosmetic, routine screening), or None: GY (+GX) fits these."""
    reason = _cosmetic_reason(ctx, ln)
    if reason:
        return reason
    f = ln.facts
    if ln.family in BENIGN_REMOVAL and f.symptoms == [] and not any(d.startswith(INDICATED_DX) for d in ln.dx):
        return f"{ln.code} removes a benign lesion with no documented indication (cosmetic)"
    if screening_only(ln):
        return f"{ln.code} is a routine skin-cancer screening visit with no complaint (SSA §1862(a)(7))"
    if ln.code in ROUTINE_PHYSICALS:
        return f"{ln.code} is a routine preventive physical, not a Medicare benefit (SSA §1862(a)(7))"
    return None


# CPT preventive medicine visits: Medicare's preventive visits are G0402, G0438 and G0439, never these.
ROUTINE_PHYSICALS = frozenset(str(c) for c in (*range(99381, 99388), *range(99391, 99398)))


def screening_only(ln: Ln) -> bool:
    """An E/M whose only diagnoses are routine screening codes (Z12.83), without a complaint or a risk history."""
    return bool(ln.info and ln.info.is_em and ln.dx) and all(d.startswith(SCREENING_DX) for d in ln.dx)


@rule(
    "DRM904",
    "Liability modifier does not fit the reason",
    Category.modifier_misuse,
    mods=("GA", "GY", "GZ", "GX"),
    references=("MCPM ch. 30 §40, §50 (ABN; GA/GZ, GY/GX)", "CMS MM6563"),
    likely_denial="CO-4",
)
def liability_fit(ctx: Ctx) -> Iterator[Hit]:
    """What it does: the liability modifier follows the reason for the expected denial (Medicare Claims Processing
    Manual ch. 30): a statutory exclusion (cosmetic, routine screening, a routine physical such as 99397) takes GY,
    plus GX when a voluntary ABN was signed; an expected not-reasonable-and-necessary denial takes GA with an ABN on
    file, GZ without one. Flags GA without an ABN, GZ with one, GX without a voluntary ABN, GA or GZ on an excluded
    service, and GY on a service Medicare covers when it is medically necessary (a biopsy, a malignant excision,
    Mohs; a usually-cosmetic code documented as medical with a diagnosis that makes it covered, such as a functional
    blepharoplasty).

    Why is this bad? The modifier decides who pays: with the wrong one the practice writes off what the patient
    agreed to pay, or the patient is billed for a covered service.
    """
    if not ctx.medicare:
        return
    for ln in ctx.lines:
        m, abn = ln.mods, ln.facts.abn_signed
        excluded = excluded_reason(ctx, ln)
        problem, want = None, set[str]()
        if m & {"GA", "GZ"} and excluded:
            problem, want = (
                f"{excluded}: a statutory exclusion takes GY, not {'/'.join(sorted(m & {'GA', 'GZ'}))}",
                {"GY"} | ({"GX"} if abn else set()),
            )
        elif "GA" in m and abn is False:
            problem, want = "GA says an ABN is on file, but none was signed: use GZ", {"GZ"}
        elif "GZ" in m and abn is True:
            problem, want = "an ABN was signed: GA, not GZ", {"GA"}
        elif "GX" in m and abn is False:
            problem, want = "GX says a voluntary ABN was signed, but none was", {"GY"}
        elif "GY" in m and ln.family in COVERED and ln.facts.purpose != "cosmetic" and not excluded:
            problem, want = f"{ln.code} is a covered service when medically necessary: GY (not a Medicare benefit) does not apply", set()
        elif "GY" in m and not excluded and ln.facts.purpose == "medical" and _medical_dx(ln):
            problem, want = f"{ln.code} is documented as medical, with a diagnosis that makes it covered: GY does not apply", set()
        if problem:
            mods = sorted((m - {"GA", "GY", "GZ", "GX"}) | want)
            yield Hit(
                [ln.idx],
                f"{ln.code}: {problem}.",
                f"Bill {ln.code}{''.join('-' + x for x in mods)}.",
                [SuggestedLine(code=ln.code, units=ln.units, modifiers=mods)],
            )


@rule(
    "DRM905",
    "Routine skin-cancer screening at Medicare without GY",
    Category.modifier_missing,
    families=("em", "em_preventive"),
    references=("SSA §1862(a)(7)", "Medicare Benefit Policy Manual ch. 16 §90", "MCPM ch. 30"),
    likely_denial="CO-204",
)
def screening_without_gy(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a Medicare visit whose only diagnosis is routine skin-cancer screening (Z12.83: no
    complaint, no lesion, no history of skin cancer) billed without GY.

    Why is this bad? Routine screening is excluded by statute: the visit is denied, and without GY the patient has
    no notice that they owe it. A visit for a complaint, a lesion or a history of skin cancer is coded with that
    diagnosis instead.
    """
    if not ctx.medicare:
        return
    for ln in ctx.fam("em", "em_preventive"):
        if screening_only(ln) and not ln.mods & {"GY", "GA", "GZ"}:
            mods = sorted(ln.mods | {"GY"} | ({"GX"} if ln.facts.abn_signed else set()))
            yield Hit(
                [ln.idx],
                f"{ln.code} is a routine skin-cancer screening (Z12.83 only): Medicare excludes it.",
                "Bill it with GY (+GX with a voluntary ABN) so the patient is responsible, or code the complaint or history that prompted the visit.",
                [SuggestedLine(code=ln.code, units=ln.units, modifiers=mods)],
            )


SPECIFIC_DX_RULES = ("mohs", "excimer", "destruction_premalignant", "destruction_malignant", "excision_malignant")


@rule(
    "DRM960",
    "Diagnosis does not support the procedure",
    Category.medical_necessity,
    "warning",
    references=("LCD/article ICD-10 lists", "PHO-03"),
    likely_denial="CO-11",
)
def diagnosis_supports(ctx: Ctx) -> Iterator[Hit]:
    """What it does: for codes with a known list of supporting diagnoses (phototherapy, photodynamic therapy,
    chemodenervation for hyperhidrosis, biologics), flags lines where no diagnosis is on the list. Not for a
    cosmetic code (its list names the medical exception, and DRM902 judges it), nor a line billed as non-covered
    (GA, GY, GZ: the expected denial is why the modifier is there).

    Why is this bad? The payer denies a service its diagnosis does not support.
    """
    for ln in ctx.lines:
        info = ln.info
        if info is None or not info.dx or info.family in SPECIFIC_DX_RULES or not ln.dx or info.cosmetic or ln.mods & LIABILITY:
            continue
        if not any(d.startswith(info.dx) for d in ln.dx):
            yield Hit(
                [ln.idx],
                f"{', '.join(ln.dx)} does not support {ln.code}.",
                f"Link the diagnosis that supports {ln.code} (expected: {', '.join(info.dx[:6])}{'...' if len(info.dx) > 6 else ''}).",
            )


@rule(
    "DRM961",
    "History code as the only diagnosis for a treated lesion",
    Category.medical_necessity,
    references=("ICD-10-CM guidelines (history codes)", "ICD-02"),
    likely_denial="CO-11",
)
def history_only(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a procedure whose only diagnoses are personal-history codes (Z85.820, Z85.828).

    Why is this bad? A history code says the cancer is gone; a lesion being treated needs its current diagnosis.
    """
    for ln in ctx.lines:
        if ln.info is None or ln.info.is_em or ln.family in ("pathology", "drug"):
            continue
        if ln.dx and all(map(icd.is_history, ln.dx)):
            yield Hit(
                [ln.idx],
                f"{ln.code} is billed only with the history code {', '.join(ln.dx)}.",
                "Code the current lesion (e.g. C44.519 for a BCC of the trunk); history codes may be secondary.",
            )


POLICY_FIX = {
    "not_covered": "The payer does not cover it: bill it as non-covered (GY for Medicare) or collect from the patient with an advance notice.",
    "requires_modifier": "Add {value} once the policy's requirements are documented.",
    "allowed_pos": "The payer pays it only in place of service {value}.",
}


@rule("DRM970", "Payer policy", Category.payer_policy, "warning", references=("payer policies (ruleset)",))
def payer_policy(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: applies the admin-maintained payer policies of the ruleset: codes a payer does not
    cover, modifiers a payer requires (e.g. KX), allowed places of service, and notes.

    Why is this bad? Payer-specific rules are the denials that general coding rules cannot see.
    """
    if ctx.claim.payer is None:
        return
    for ln in ctx.lines:
        for row in ctx.payer_rows("payer_policies", ln.code, ln.dos):
            source = f"ruleset {ctx.ruleset.version}: {row.payer} {row.code} {row.kind}"
            if row.kind == "requires_modifier" and row.value.upper() in ln.mods:
                continue
            if row.kind == "not_covered" and ln.mods & LIABILITY:
                continue  # billed as non-covered already (GY/GA/GZ)
            if row.kind == "allowed_pos":
                allowed = {p.strip() for p in row.value.split(",") if p.strip()}
                if ctx.claim.place_of_service is None:
                    yield Skip(f"{ln.code}: place of service missing; payer site-of-service policy not checked", [ln.idx])
                    continue
                if ctx.claim.place_of_service in allowed:
                    continue
            severity: Severity = "info" if row.kind == "note" else row.severity
            yield Hit(
                [ln.idx],
                row.message,
                POLICY_FIX.get(row.kind, "").format(value=row.value) or None,
                severity=severity,
                source=source,
            )
