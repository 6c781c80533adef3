"""E/M with procedures, modifiers, and global periods."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from ..codes import modifiers
from ..models import Category, SuggestedLine
from ._util import DISTINCT, as_is, same_lesion
from .base import Ctx, Hit, rule

EM_REFS = ("Medicare Claims Processing Manual ch. 12 §40.1", "NCCI policy manual ch. 1 and 11")
X_MODS = frozenset({"XE", "XS", "XP", "XU"})


def _procedures(ctx: Ctx) -> list:
    return ctx.once("procedures", _find_procedures)


def _find_procedures(ctx: Ctx) -> list:
    return [
        ln
        for ln in ctx.lines
        if ln.info is not None and not ln.info.is_em and ln.info.global_days in ("000", "010", "090") and not ln.info.is_addon
    ]


# Drug administration: a same-day E/M is paid with it only with 25 (MCPM ch. 12 §30.6.7), never 99211.
ADMINISTRATION = ("injection_therapeutic", "chemo_administration")


def _administrations(ctx: Ctx) -> list:
    return ctx.once("administrations", lambda ctx: [ln for ln in ctx.fam(*ADMINISTRATION) if not ln.ci.is_addon])


@rule(
    "DRM801",
    "Same-day E/M with a minor procedure needs modifier 25",
    Category.modifier_missing,
    families=("em",),
    references=EM_REFS + ("EM-AAPC", "MCPM ch. 12 §30.6.1.1 (preventive visit and a problem visit the same day)"),
    likely_denial="CO-97",
)
def em_needs_25(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags an office visit billed on the same date as a 000- or 010-day procedure (or a drug
    administration such as 96372, or a preventive visit such as 99395 or the annual wellness visit G0439) without
    modifier 25 on the E/M, and a visit on the day of (or the day before) a 090-day procedure without 57 (decision
    for surgery) or 25.

    Why is this bad? The decision to do a minor procedure is part of the procedure; a separate visit is only
    paid with 25 and a significant, separately identifiable service in the note. A problem visit on the day of a
    preventive visit is paid only with 25 on the problem visit. Before major surgery the visit that decided it
    takes 57.
    """
    procs = _procedures(ctx)
    given = _administrations(ctx)
    preventive = ctx.fam("em_preventive")
    for em in ctx.fam("em"):
        if "25" in em.mods or "57" in em.mods or em.dos is None:
            continue
        major = [p for p in procs if p.ci.global_days == "090" and p.dos in (em.dos, em.dos + timedelta(days=1))]
        same_day = [p for p in procs if p.dos == em.dos and p.ci.global_days in ("000", "010")]
        same_day += [a for a in given if a.dos == em.dos and em.code != "99211" and all(a.idx != p.idx for p in same_day)]
        same_day += [v for v in preventive if v.dos == em.dos]
        if major and not same_day:
            yield Hit(
                [em.idx] + [p.idx for p in major],
                f"{em.code} is billed on the day of (or the day before) the major procedure {', '.join(p.code for p in major)} without 57.",
                f"Add 57 to {em.code} if this visit decided the surgery; otherwise it is part of the global package.",
                [SuggestedLine(code=em.code, units=em.units, modifiers=sorted(em.mods | {"57"})), *map(as_is, major)],
            )
        elif same_day:
            yield Hit(
                [em.idx] + [p.idx for p in same_day],
                f"{em.code} is billed on the day of {', '.join(p.code for p in same_day)} without modifier 25.",
                f"Add 25 to {em.code} if the visit was significant and separately identifiable (e.g. another problem managed); otherwise remove the visit.",
                [SuggestedLine(code=em.code, units=em.units, modifiers=sorted(em.mods | {"25"})), *map(as_is, same_day)],
            )


@rule(
    "DRM802",
    "Modifier 25 on a procedure code",
    Category.modifier_misuse,
    mods=("25",),
    references=("RETINALPHYS", "CPT modifier 25 definition"),
    likely_denial="CO-4",
)
def modifier_25_on_procedure(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags modifier 25 on anything but an E/M code (office, hospital or preventive visit).

    Why is this bad? 25 marks the visit as separate from the procedure; on the procedure itself it is invalid.
    """
    for ln in ctx.lines:
        if "25" in ln.mods and not (ln.info and ln.info.is_em_service):
            yield Hit(
                [ln.idx],
                f"Modifier 25 goes on the E/M code, not on {ln.code}.",
                f"Remove 25 from {ln.code}" + ("; put it on the same-day office visit." if ctx.fam("em") else "."),
                [SuggestedLine(code=ln.code, units=ln.units, modifiers=sorted(ln.mods - {"25"}))],
            )


@rule(
    "DRM803",
    "Modifier 57 with only minor procedures",
    Category.modifier_misuse,
    families=("em",),
    mods=("57",),
    references=("MCKESSON", "MEDICARE-FAQS"),
    likely_denial="CO-4",
)
def modifier_57(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 57 on an E/M when no 090-day (major) procedure is billed the same or next day.

    Why is this bad? 57 is the decision for major surgery; for minor (000/010) procedures the visit needs 25.
    """
    procs = _procedures(ctx)
    for em in ctx.fam("em"):
        if "57" in em.mods and em.dos is not None:
            major = [p for p in procs if p.info.global_days == "090" and p.dos in (em.dos, em.dos + timedelta(days=1))]
            if not major:
                minor = any(p.dos == em.dos for p in procs)
                yield Hit(
                    [em.idx],
                    f"{em.code}-57 with no major (090-day) procedure: 57 is for the decision for major surgery.",
                    "Use 25 for a separate visit on the day of a minor procedure." if minor else f"Remove 57 from {em.code}.",
                    [SuggestedLine(code=em.code, units=em.units, modifiers=sorted((em.mods - {"57"}) | ({"25"} if minor else set())))],
                )


@rule(
    "DRM804",
    "Modifier 50 (bilateral) on a skin procedure",
    Category.modifier_misuse,
    mods=("50",),
    references=("BILAT", "MPFS bilateral indicator"),
    likely_denial="CO-4",
)
def modifier_50(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags modifier 50 on a code whose MPFS bilateral indicator is 0 (skin lesion, repair, graft and nail
    codes: bilateral surgery does not apply) and on E/M codes. A code with indicator 1 (e.g. blepharoplasty) may take it.

    Why is this bad? Lesions on both arms are separate lesions, not a bilateral procedure: count them
    (17000 + 17003) or bill separate lines with XS/RT/LT. 51 is not "bilateral" either.
    """
    for ln in ctx.lines:
        if "50" not in ln.mods or ln.info is None:
            continue
        if ln.info.is_em or ln.info.bilateral == 0 or (ln.info.bilateral is None and ln.family in SKIN_LESION_FAMILIES):
            what = "office visits are not bilateral procedures" if ln.info.is_em else "skin procedures are not bilateral procedures"
            yield Hit(
                [ln.idx],
                f"Modifier 50 is not valid on {ln.code}: {what}.",
                "Remove 50; report the lesions by count, or on separate lines with XS or RT/LT.",
                [SuggestedLine(code=ln.code, units=ln.units, modifiers=sorted(ln.mods - {"50"}))],
            )


# Lesion families whose codes are not bilateral procedures even where the table holds no indicator.
SKIN_LESION_FAMILIES = frozenset(
    {"biopsy", "shave", "excision_benign", "excision_malignant", "destruction_premalignant", "destruction_benign", "destruction_malignant"}
    | {"destruction_vascular", "skin_tags", "injection", "mohs", "repair_simple", "repair_intermediate", "repair_complex"}
    | {"adjacent_tissue_transfer", "nail", "incision_drainage", "debridement"}
)


@rule(
    "DRM805",
    "Modifier 51 on an add-on code",
    Category.modifier_misuse,
    "warning",
    mods=("51",),
    references=("DERM2008", "CPT add-on code guidelines"),
    likely_denial="CO-4",
)
def modifier_51_addon(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags modifier 51 on add-on codes (17003, 17312, 17314, 17315, 11103, 11105, 11107, 11201...).

    Why is this bad? Add-on codes are exempt from the multiple-procedure reduction; 51 on them is an error.
    """
    for ln in ctx.lines:
        if "51" in ln.mods and ln.info is not None and ln.info.is_addon:
            yield Hit(
                [ln.idx],
                f"Modifier 51 is never put on the add-on code {ln.code}.",
                f"Remove 51 from {ln.code}.",
                [SuggestedLine(code=ln.code, units=ln.units, modifiers=sorted(ln.mods - {"51"}))],
            )


@rule(
    "DRM806",
    "Modifier 59 with an X modifier, or on an E/M",
    Category.modifier_misuse,
    mods=("59", "XE", "XS", "XP", "XU"),
    references=("CMS MLN1783722 (X modifiers)", "NCCI policy manual ch. 1"),
    likely_denial="CO-4",
)
def modifier_59(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 59 together with XE/XS/XP/XU on one line, and 59 or an X modifier on an E/M code.

    Why is this bad? The X modifiers are the specific forms of 59: use one of them, never both; distinct-service
    modifiers do not apply to E/M (the E/M takes 25).
    """
    for ln in ctx.lines:
        if "59" in ln.mods and ln.mods & X_MODS:
            yield Hit(
                [ln.idx],
                f"{ln.code} carries both 59 and {', '.join(sorted(ln.mods & X_MODS))}.",
                "Keep the X modifier that fits (XS for a separate lesion or site) and remove 59.",
                [SuggestedLine(code=ln.code, units=ln.units, modifiers=sorted(ln.mods - {"59"}))],
            )
        elif ln.info is not None and ln.info.is_em and ln.mods & DISTINCT:
            yield Hit(
                [ln.idx],
                f"{', '.join(sorted(ln.mods & DISTINCT))} is not used on the E/M code {ln.code}.",
                "Remove it; a same-day E/M takes 25.",
            )


@rule(
    "DRM807",
    "26 or TC on a code without components, or both on one line",
    Category.modifier_misuse,
    mods=("26", "TC"),
    references=("DPCLAB", "MPFS PC/TC indicator"),
    likely_denial="CO-4",
)
def modifier_pctc(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 26 together with TC on one line, and 26/TC on a code with no professional/technical split.

    Why is this bad? 26 + TC on one line is the global service written wrongly; a split that does not exist is invalid.
    """
    for ln in ctx.lines:
        if {"26", "TC"} <= ln.mods:
            yield Hit(
                [ln.idx],
                f"{ln.code} carries both 26 and TC.",
                "Bill the global service with no modifier, or one component.",
                [SuggestedLine(code=ln.code, units=ln.units, modifiers=sorted(ln.mods - {"26", "TC"}))],
            )
        elif ln.mods & {"26", "TC"} and ln.info is not None and not ln.info.pctc:
            yield Hit(
                [ln.idx],
                f"{ln.code} has no professional/technical split; {'/'.join(sorted(ln.mods & {'26', 'TC'}))} does not apply.",
                "Remove the modifier.",
            )


@rule(
    "DRM808",
    "Medicare liability modifiers combined wrongly",
    Category.modifier_misuse,
    mods=("GA", "GY", "GZ", "GX"),
    references=("ABN", "CMS MM6563"),
    likely_denial="CO-4",
)
def liability_modifiers(ctx: Ctx) -> Iterator[Hit]:
    """What it does: GA (ABN on file, expected medical-necessity denial) is never combined with GY, GZ or GX;
    GY and GZ never go together; GX (voluntary ABN) goes only with a non-covered (GY) service.

    Why is this bad? Conflicting liability modifiers make the line unprocessable or shift liability wrongly.
    """
    for ln in ctx.lines:
        m = ln.mods
        problem = None
        if "GA" in m and m & {"GY", "GZ", "GX"}:
            problem = f"GA cannot be combined with {', '.join(sorted(m & {'GY', 'GZ', 'GX'}))}."
        elif {"GY", "GZ"} <= m:
            problem = "GY (not a benefit) and GZ (expected medical-necessity denial, no ABN) cannot both apply."
        elif "GX" in m and "GY" not in m:
            problem = "GX (voluntary ABN) goes only on a non-covered service, with GY."
        if problem:
            yield Hit(
                [ln.idx],
                f"{ln.code}: {problem}",
                "Use GY (+GX with a voluntary ABN) for excluded services; GA or GZ for expected medical-necessity denials.",
            )


@rule(
    "DRM809",
    "Modifier not valid for this kind of code",
    Category.modifier_misuse,
    mods=("*",),
    references=("CPT Appendix A (modifiers)",),
    likely_denial="CO-4",
)
def modifier_kind(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags E/M-only modifiers (24, 27, 57) on procedures and procedure modifiers (58, 76-79, 51, 50, anatomic) on E/M codes,
    and telehealth modifiers (95, 93, GT, GQ, FQ) on surgery-section procedures (10004-69990), which no telehealth list holds.
    (25, 59/X and 26/TC have rules of their own.)

    Why is this bad? A modifier on the wrong kind of code is invalid and the line is returned.
    """
    table = modifiers()
    skip = {"25", "26", "TC", "59", "50"} | X_MODS
    for ln in ctx.lines:
        if ln.info is None:
            continue
        for m in sorted(ln.mods - skip):
            mod = table.get(m)
            if mod is None:
                continue
            if (
                (mod.applies_to == "em" and not ln.info.is_em_service)
                or (mod.applies_to == "procedure" and ln.info.is_em_service)
                or (mod.applies_to == "drug" and ln.family != "drug")
            ):
                where = {"em": "E/M codes", "procedure": "procedure codes", "drug": "drug codes"}[mod.applies_to]
                yield Hit(
                    [ln.idx], f"Modifier {m} belongs on {where}, not on {ln.code} ({m}: {mod.meaning}).", f"Remove {m} from {ln.code}."
                )
            elif mod.kind == "telehealth" and m != "FR" and _surgery_code(ln.code):
                yield Hit(
                    [ln.idx],
                    f"{ln.code} is a hands-on procedure: it cannot be furnished by telehealth ({m}: {mod.meaning}).",
                    f"Remove {m} from {ln.code}; only the visit may be a telehealth service.",
                )


def _surgery_code(code: str) -> bool:
    """A code of the CPT surgery section (10004-69990): none is on the CPT telemedicine list (Appendix P)."""
    return code.isdigit() and 10004 <= int(code) <= 69990


@rule(
    "DRM810",
    "E/M with modifier 25: the note must stand apart",
    Category.documentation,
    "info",
    families=("em",),
    mods=("25",),
    references=EM_REFS + ("RTWELTER",),
)
def em_25_advisory(ctx: Ctx) -> Iterator[Hit]:
    """What it does: a reminder on every E/M billed with 25: the visit note must show a significant,
    separately identifiable service beyond the procedure's own evaluation.

    Why is this bad? It is not an error; dermatology E/M-25 claims are a known audit target (OIG work plan).
    """
    for em in ctx.fam("em"):
        if "25" in em.mods:
            yield Hit(
                [em.idx],
                f"{em.code}-25: the note must document a service separate from the procedure's decision.",
                "Make sure the visit note stands on its own (another problem assessed or managed).",
            )


GLOBAL_MODS = frozenset({"24", "58", "78", "79"})
AFTERCARE_DX = ("Z48.8",)  # encounter for surgical aftercare following surgery (Z48.81x, Z48.89): a routine post-op visit


@rule(
    "DRM811",
    "Service inside another procedure's global period",
    Category.global_period,
    references=("POSTOP", "CMS Global Surgery Booklet"),
    likely_denial="CO-97",
)
def global_period(ctx: Ctx) -> Iterator[Hit]:
    """What it does: a 010-day global covers the procedure day and 10 days after; a 090-day global the day
    before, the day and 90 days after. A later service in that window needs 24 (unrelated E/M), 58 (staged or
    more extensive, e.g. re-excision for margins), 78 (return to the procedure room) or 79 (unrelated procedure).
    A visit in that window whose only diagnosis is surgical aftercare (Z48.81x, Z48.89) is a routine post-operative
    visit, with or without 24.

    Why is this bad? Without the modifier the service is denied as part of the global package; a routine
    post-operative visit is not billable at all.
    """
    if len({ln.dos for ln in ctx.lines}) < 2:
        return  # one date: same-day rules (DRM801) apply, not the global period
    procs = [p for p in _procedures(ctx) if p.ci.global_days in ("010", "090") and p.dos is not None]
    for ln in ctx.lines:
        if ln.dos is None or ln.info is None or ln.info.is_addon:
            continue
        if ln.mods & GLOBAL_MODS:
            if "24" in ln.mods and ln.info.is_em and ln.dx and all(d.startswith(AFTERCARE_DX) for d in ln.dx):
                for p in procs:
                    if p.dos < ln.dos <= p.dos + timedelta(days=int(p.ci.global_days)):
                        yield Hit(
                            [p.idx, ln.idx],
                            f"{ln.code}-24 on {ln.dos} is a routine post-operative visit (surgical aftercare) in the "
                            f"{int(p.ci.global_days)}-day global period of {p.code} ({p.dos}): it is part of the global package.",
                            "Do not bill the visit (report 99024 if the payer asks); 24 is for a visit unrelated to the surgery.",
                        )
                        break
            continue
        if not ln.info.is_em and ln.info.global_days not in ("000", "010", "090"):
            continue  # drugs, pathology, add-ons: not visits or procedures
        for p in procs:
            days = int(p.info.global_days)
            if p is not ln and p.dos < ln.dos <= p.dos + timedelta(days=days):
                need = (
                    "24 if the visit was unrelated (a routine post-op visit is not billable)"
                    if ln.info.is_em
                    else "58 (staged/more extensive), 78 (return to the procedure room) or 79 (unrelated)"
                )
                yield Hit(
                    [p.idx, ln.idx], f"{ln.code} on {ln.dos} falls in the {days}-day global period of {p.code} ({p.dos}).", f"Add {need}."
                )
                break


@rule(
    "DRM812",
    "99211 billed with a drug administration",
    Category.bundling,
    families=ADMINISTRATION,
    references=("MCPM ch. 12 §30.6.7.D", "NCCI policy manual ch. 11"),
    likely_denial="CO-97",
)
def nurse_visit_with_injection(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 99211 (the minimal visit, usually a nurse's) on the same date as a drug administration
    (96372 and the other injection and infusion codes), with or without 25.

    Why is this bad? Medicare does not pay 99211 with a drug administration service: the nurse's work is part of the
    injection. Bill the injection (and the drug) alone; a physician's separate visit above 99211 takes 25.
    """
    for em in ctx.codes("99211"):
        given = [a for a in _administrations(ctx) if a.dos == em.dos]
        if given:
            yield Hit(
                [em.idx] + [a.idx for a in given],
                f"99211 is not paid with the drug administration {', '.join(a.code for a in given)} on the same date.",
                "Remove 99211; bill the administration and the drug.",
                [SuggestedLine(code=a.code, units=a.units, modifiers=sorted(a.mods)) for a in given],
            )


G2211_START = date(2024, 1, 1)  # CMS pays G2211 from CY2024, but not with an E/M carrying 25
G2211_EXCEPTIONS_START = date(2025, 1, 1)  # ... except with an AWV, a vaccine administration or a Part B preventive service
G2211_EXCEPTION_FAMILIES = ("vaccine", "vaccine_product", "em_preventive")


@rule(
    "DRM813",
    "G2211 with an E/M that carries modifier 25, or before 2024",
    Category.bundling,
    families=("em_other",),
    references=("CMS CY2024 PFS final rule (G2211)", "CMS CY2025 PFS final rule (G2211 exceptions)", "MLN MM13473"),
    likely_denial="CO-97",
)
def g2211_with_25(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags G2211 (the visit-complexity add-on) billed with an office or outpatient E/M that carries
    modifier 25. From 2025 CMS pays it when the other same-day services are only an annual wellness visit, a vaccine
    administration or a Part B preventive service. Before 2024 Medicare bundled G2211 and did not pay it at all.

    Why is this bad? With 25 the visit is tied to a same-day procedure, and CMS does not pay G2211 then.
    """
    for g in ctx.codes("G2211"):
        if g.dos is None:
            continue
        if g.dos < G2211_START:
            if ctx.medicare:
                yield Hit(
                    [g.idx], f"G2211 on {g.dos}: Medicare bundled it until 2024 and paid nothing for it.", "Remove G2211 from this claim."
                )
            continue
        visits = [em for em in ctx.fam("em") if em.dos == g.dos and "25" in em.mods]
        if not visits:
            continue
        others = [
            ln
            for ln in ctx.lines
            if ln.dos == g.dos and ln.info is not None and not ln.info.is_em and ln.family != "em_other" and not ln.info.is_addon
        ]
        if g.dos >= G2211_EXCEPTIONS_START and others and all(o.family in G2211_EXCEPTION_FAMILIES for o in others):
            continue
        yield Hit(
            [g.idx, visits[0].idx],
            f"G2211 is not paid with {visits[0].code}-25 (a visit on the day of a procedure).",
            "Remove G2211 from this claim.",
        )


COMPLICATION_DX = ("T81.", "L76.", "T88.")  # complications of a procedure (infection, dehiscence, hematoma ...)


@rule(
    "DRM814",
    "Postoperative modifier does not fit the relation",
    Category.modifier_misuse,
    mods=("24", "58", "79"),
    references=("MCPM ch. 12 §40.1, §40.2", "POSTOP"),
    likely_denial="CO-4",
)
def postop_modifier_fit(ctx: Ctx) -> Iterator[Hit]:
    """What it does: inside another procedure's global period the modifier follows the relation: 58 for a staged or
    more extensive procedure on the same lesion, 79 for an unrelated one, 78 for an unplanned return to the operating
    or procedure room, 24 for an unrelated visit. Flags 58 on a different lesion (79 fits), 79 on the same lesion
    (58 or 78), and 24 on a visit for a complication of the surgery (included in the global package unless it
    needs a return to the operating room).

    Why is this bad? The modifier tells the payer why the service is payable inside the global; the wrong one is
    denied, or pays what was part of the package.
    """
    procs = [p for p in _procedures(ctx) if p.ci.global_days in ("010", "090") and p.dos is not None]
    for ln in ctx.lines:
        if ln.dos is None or not ln.mods & {"24", "58", "79"}:
            continue
        for p in procs:
            if p is ln or not p.dos < ln.dos <= p.dos + timedelta(days=int(p.ci.global_days)):
                continue
            same = same_lesion(p, ln)
            if "58" in ln.mods and same is False:
                want, why = "79", f"{ln.code} treats a different lesion than {p.code} (unrelated): 79, not 58"
            elif "79" in ln.mods and same is True:
                want, why = (
                    "58",
                    f"{ln.code} is on the same lesion as {p.code} (staged or more extensive): 58, not 79 (78 for a return to the room for a complication)",
                )
            elif "24" in ln.mods and any(d.startswith(COMPLICATION_DX) for d in ln.dx):
                yield Hit(
                    [p.idx, ln.idx],
                    f"{ln.code}-24 treats a complication of {p.code} ({p.dos}): 24 is for an unrelated visit; care of a complication "
                    "without a return to the operating room is part of the global package.",
                    "Do not bill the visit (report 99024 if the payer asks), or bill the procedure with 78 if the complication needed a return to the room.",
                )
                break
            else:
                continue
            mods = sorted((ln.mods - {"58", "79"}) | {want})
            yield Hit(
                [p.idx, ln.idx],
                f"{why}.",
                f"Bill {ln.code}-{'-'.join(mods)}.",
                [as_is(p), SuggestedLine(code=ln.code, units=ln.units, modifiers=mods)],
            )
            break


OFFICE_POS = ("11",)


@rule(
    "DRM815",
    "Split/shared visit (FS) in the office",
    Category.modifier_misuse,
    families=("em",),
    mods=("FS",),
    references=("MCPM ch. 12 §30.6.18 (split or shared visits)",),
    likely_denial="CO-4",
)
def split_shared_in_office(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags modifier FS (a visit split or shared between a physician and a nonphysician practitioner)
    on a visit in the office (place of service 11).

    Why is this bad? Split or shared billing applies in facility settings (hospital, emergency department, nursing
    facility); in the office a shared visit is billed under incident-to rules or by the practitioner who did it.
    """
    pos = (ctx.claim.place_of_service or "").strip().zfill(2)
    if pos not in OFFICE_POS:
        return
    for em in ctx.fam("em"):
        if "FS" in em.mods:
            yield Hit(
                [em.idx],
                f"{em.code}-FS in the office: split or shared visits are billed in facility settings only.",
                "Remove FS; bill the visit under the practitioner who performed it (or incident-to, when its rules are met).",
                [SuggestedLine(code=em.code, units=em.units, modifiers=sorted(em.mods - {"FS"}))],
            )


PCE_START = date(2023, 5, 12)  # the PHE expansion of the primary care exception to every visit level ended on 11 May 2023
PCE_EXCLUDED = frozenset({"99204", "99205", "99214", "99215"})  # office visits above the exception's lower levels


@rule(
    "DRM816",
    "Teaching physician modifier does not fit",
    Category.modifier_misuse,
    families=("em",),
    mods=("GE",),
    references=("MCPM ch. 12 §100.1.1 (teaching physicians; primary care exception)", "AAFP-PCE-2019", "FAMMED-PCE-2026"),
    likely_denial="CO-4",
)
def teaching_modifier_fit(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags GE (a resident's visit without the teaching physician, under the primary care exception) on
    an office visit above the exception's levels (99204, 99205, 99214, 99215) from 12 May 2023, and GE together with
    GC (the teaching physician was present) on one line.

    Why is this bad? The primary care exception covers only the lower-level visits (99202-99203, 99211-99213) and the
    listed preventive visits; a higher level needs the teaching physician's presence for the key portion (GC). A line
    cannot say both that the teaching physician was present and that the resident worked alone.
    """
    for em in ctx.fam("em"):
        if "GE" not in em.mods:
            continue
        if "GC" in em.mods:
            yield Hit(
                [em.idx],
                f"{em.code} carries both GC (teaching physician present) and GE (resident alone under the primary care exception).",
                "Keep the one that is true: GC if the teaching physician was present for the key portion, else GE.",
            )
        elif em.code in PCE_EXCLUDED and em.dos is not None and em.dos >= PCE_START:
            yield Hit(
                [em.idx],
                f"{em.code}-GE: the primary care exception covers only the lower-level visits (99202-99203, 99211-99213).",
                f"Bill {em.code}-GC if the teaching physician was present for the key portion; otherwise the level billed "
                "under the exception is at most 99203 (new) or 99213 (established).",
            )


# New-patient visit codes and the established-patient code of the same level (office, preventive, telemedicine).
ESTABLISHED_CODE = {
    **{str(c): str(c + 10) for c in range(99202, 99206)},
    **{str(c): str(c + 10) for c in range(99381, 99388)},
    **{str(c): str(c + 4) for c in (*range(98000, 98004), *range(98008, 98012))},
}
NEW_PATIENT_YEARS = 3


@rule(
    "DRM817",
    "New patient visit after an earlier service on the claim",
    Category.code_selection,
    families=("em", "em_preventive"),
    references=("MCPM ch. 12 §30.6.7.A (new and established patients)", "CPT E/M guidelines (new and established patients)"),
    likely_denial="CO-16",
)
def new_patient_after_earlier_service(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a new-patient visit (99202-99205, 99381-99387, 98000-98003, 98008-98011) when the claim
    shows a visit or a procedure by the same practitioner on an earlier date within three years.

    Why is this bad? A patient who received a face-to-face professional service from the physician (or the same
    specialty in the group) in the last three years is established; the new-patient code is denied or recouped.
    Bill the established-patient code of the same level.
    """
    earlier = [ln for ln in ctx.fam("em", "em_preventive") + _procedures(ctx) if ln.dos is not None]
    for ln in ctx.lines:
        want = ESTABLISHED_CODE.get(ln.code)
        if want is None or ln.dos is None:
            continue
        seen = [e for e in earlier if e.npi == ln.npi and e.dos < ln.dos and (ln.dos - e.dos).days <= 365 * NEW_PATIENT_YEARS]
        if seen:
            first = min(seen, key=lambda e: e.dos)
            yield Hit(
                [first.idx, ln.idx],
                f"{ln.code} is a new-patient visit, but the patient was seen by the same practitioner on {first.dos} "
                f"({first.code}): the patient is established.",
                f"Bill {want} (the established-patient code of the same level).",
                [as_is(first), SuggestedLine(code=want, units=ln.units, modifiers=sorted(ln.mods))],
            )
