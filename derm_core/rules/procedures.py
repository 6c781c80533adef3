"""Skin tags, intralesional injection, phototherapy and excimer laser, pathology."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from .. import icd
from ..codes import all_codes, exclusive_groups, included_services, lookup
from ..coding import excimer, intralesional_chemotherapy, intralesional_injection, nail_debridement, paring, skin_tags
from ..models import Category, SuggestedLine
from ._util import DISTINCT, addon_area_hits, area_recode, as_is, distinct, first_fact, mismatch, replace_hit, same_lesion, show, try_code
from .base import Ctx, Hit, Skip, rule

# ----------------------------------------------------------------------------- skin tags


@rule(
    "DRM501",
    "Skin tag count calls for other codes",
    Category.code_selection,
    families=("skin_tags",),
    references=("TAGS", "RVUEDGE-11201"),
    likely_denial="CO-4",
)
def skin_tag_count(ctx: Ctx) -> Iterator[Hit]:
    """What it does: 11200 covers up to 15 tags (one unit); +11201 adds one unit per additional 10 or part
    of 10. Compares the billed lines with ``lesion_count``.

    Why is this bad? 11200 x2, or 11201 counted per tag, is denied; too few 11201 units underbill.
    """
    lines = ctx.fam("skin_tags")
    n = first_fact(lines, "lesion_count")
    if not isinstance(n, int) or n < 1 or not ctx.codes("11200"):
        return
    expected = skin_tags(n)
    if mismatch(expected, lines) == "codes":
        yield replace_hit(lines, expected, f"{n} skin tags are reported as {show(expected)}.")


@rule(
    "DRM506",
    "11201 units do not match the tag count",
    Category.units,
    families=("skin_tags",),
    references=("TAGS", "RVUEDGE-11201"),
    likely_denial="CO-151",
)
def skin_tag_units(ctx: Ctx) -> Iterator[Hit]:
    """What it does: with 11200 + 11201 billed, checks that 11201's units equal one per additional 10 tags
    (or part of 10) beyond the first 15: 22 tags = 11201 x1, 34 tags = 11201 x2.

    Why is this bad? Counting 11201 per tag overbills and is denied; too few units underbill.
    """
    lines = ctx.fam("skin_tags")
    n = first_fact(lines, "lesion_count")
    if isinstance(n, int) and n > 15 and ctx.codes("11200"):
        expected = skin_tags(n)
        if mismatch(expected, lines) == "units":
            yield Hit([ln.idx for ln in lines], f"{n} skin tags are 11201 x{expected[1].units}.", f"Bill {show(expected)}.", expected)


# ----------------------------------------------------------------------------- intralesional injection


# the two codes of each lesion-count pair, and the code for a count
BY_LESION_COUNT = ((("11900", "11901"), intralesional_injection), (("96405", "96406"), intralesional_chemotherapy))


@rule(
    "DRM503",
    "Intralesional injection count calls for the other code",
    Category.code_selection,
    families=("injection", "chemo_administration"),
    references=("IL", "CPT2026"),
    likely_denial="CO-4",
)
def injection_count(ctx: Ctx) -> Iterator[Hit]:
    """What it does: 11900 is up to 7 lesions, 11901 more than 7; intralesional chemotherapy likewise is 96405 up to
    7 lesions, 96406 more than 7; one line and one unit per session. Flags a code that disagrees with
    ``lesion_count`` (both codes of a pair together: DRM507, DRM510).

    Why is this bad? 11900 x9 for nine keloids is denied; nine lesions are 11901 x1.
    """
    for pair, code_for in BY_LESION_COUNT:
        lines = ctx.codes(*pair)
        n = first_fact(lines, "lesion_count")
        expected = try_code(code_for, n) if isinstance(n, int) else None
        if expected and mismatch(expected, lines) == "codes" and not all(ctx.codes(c) for c in pair):
            yield replace_hit(lines, expected, f"{n} lesions injected are reported as {show(expected)}.")


# the codes that administer a billed drug: intralesional, subcutaneous/intramuscular, chemotherapy
ADMINISTERS = ("11900", "11901", "96372", "96401", "96402", "96405", "96406")


def _chemo_drug(code: str) -> bool:
    """HCPCS J9000-J9999 are the chemotherapy (antineoplastic) drugs."""
    return code.startswith("J9")


@rule(
    "DRM516",
    "Injection code does not fit the agent or the route",
    Category.code_selection,
    families=("injection", "chemo_administration", "injection_therapeutic"),
    references=("NCCI-ch11", "CPT2026"),
    likely_denial="CO-4",
)
def injection_agent(ctx: Ctx) -> Iterator[Hit]:
    """What it does: an antineoplastic drug (HCPCS J9000-J9999, e.g. fluorouracil or bleomycin) injected into lesions
    is intralesional chemotherapy 96405/96406, not 11900/11901; 96405/96406 with only other drugs on the date (e.g.
    triamcinolone) and no other administration they could belong to is 11900/11901; and 96372 (subcutaneous or
    intramuscular) with a documented ``lesion_count`` is an injection into lesions, 11900/11901 (or 96405/96406 for
    a chemotherapy drug).

    Why is this bad? The code describes the agent and the route: a keloid steroid injection billed as chemotherapy,
    or 5-FU billed as a steroid injection, is denied or recouped.
    """
    for ln in ctx.lines:
        if ln.code not in ("11900", "11901", "96405", "96406", "96372"):
            continue
        drugs = [d for d in ctx.fam("drug") if d.dos == ln.dos]
        chemo = any(_chemo_drug(d.code) for d in drugs)
        n = ln.facts.lesion_count
        other = [o for o in ctx.lines if o is not ln and o.dos == ln.dos and o.code in ADMINISTERS]  # drugs may be theirs
        if ln.code in ("11900", "11901") and chemo and not any(o.family == "chemo_administration" for o in other):
            want = try_code(intralesional_chemotherapy, n) or [SuggestedLine(code="96405" if ln.code == "11900" else "96406")]
            yield Hit(
                [ln.idx],
                f"{ln.code} with an antineoplastic drug: injecting chemotherapy into lesions is {want[0].code}.",
                f"Bill {want[0].code} x1.",
                want,
            )
        elif ln.code in ("96405", "96406") and drugs and not chemo and not other and not any(d.code in ("J3490", "J3590") for d in drugs):
            want = try_code(intralesional_injection, n) or [SuggestedLine(code="11900" if ln.code == "96405" else "11901")]
            yield Hit(
                [ln.idx],
                f"{ln.code} is chemotherapy administration, but no antineoplastic drug is billed.",
                f"Bill {want[0].code} x1.",
                want,
            )
        elif ln.code == "96372" and isinstance(n, int) and n >= 1:
            want = try_code(intralesional_chemotherapy if chemo else intralesional_injection, n) or []
            if want:
                yield Hit(
                    [ln.idx],
                    f"96372 with {n} lesions documented: an injection into lesions is {want[0].code}.",
                    f"Bill {want[0].code} x1.",
                    want,
                )


@rule("DRM507", "11900 and 11901 on the same date", Category.bundling, families=("injection",), references=("IL",), likely_denial="CO-97")
def injection_both(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 11900 and 11901 billed together.

    Why is this bad? One code describes all lesions injected in the session: 11900 up to 7, 11901 more than 7.
    """
    if ctx.codes("11900") and ctx.codes("11901"):
        lines = ctx.fam("injection")
        n = first_fact(lines, "lesion_count")
        yield Hit(
            [ln.idx for ln in lines],
            "11900 and 11901 are never billed together.",
            "Bill one code for all lesions injected in the session.",
            (try_code(intralesional_injection, n) if isinstance(n, int) else None) or [SuggestedLine(code="11901")],
        )


@rule(
    "DRM512",
    "Nail debridement or paring count calls for the other code",
    Category.code_selection,
    families=("nail", "paring"),
    references=("CPT2026", "A56680"),
    likely_denial="CO-4",
)
def nail_paring_count(ctx: Ctx) -> Iterator[Hit]:
    """What it does: nail debridement is one code for the number of nails (11720 for 1-5, 11721 for 6 or more) and
    paring one code for the number of lesions (11055 for 1, 11056 for 2-4, 11057 more than 4), one unit per date.
    Flags a code that disagrees with ``lesion_count`` (two codes of one group together: DRM510).

    Why is this bad? 11721 for four nails, or 11055 x3 for three corns, is denied or overpaid.
    """
    for group, fn in ((("11720", "11721"), nail_debridement), (("11055", "11056", "11057"), paring)):
        lines = ctx.codes(*group)
        if len({ln.code for ln in lines}) != 1:
            continue  # none billed, or two codes of the group together (DRM510)
        n = first_fact(lines, "lesion_count")
        expected = try_code(fn, n) if isinstance(n, int) else None
        if expected and mismatch(expected, lines) == "codes":
            yield replace_hit(lines, expected, f"{n} {'nails' if fn is nail_debridement else 'lesions'} are reported as {show(expected)}.")


@rule(
    "DRM513",
    "Vaccine given with a therapeutic injection code",
    Category.code_selection,
    families=("vaccine_product",),
    references=("CPT2026", "MCPM ch. 18"),
    likely_denial="CO-4",
)
def vaccine_as_injection(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 96372 on a claim whose only injected product is a vaccine, with no immunization
    administration code (90460-90474, G0008-G0010).

    Why is this bad? A vaccine's administration has codes of its own; 96372 is for therapeutic, prophylactic or
    diagnostic drugs, and is denied for a vaccine.
    """
    injections = ctx.codes("96372")
    if injections and not ctx.fam("vaccine") and not ctx.fam("drug"):
        vaccines = ctx.fam("vaccine_product")
        yield Hit(
            [ln.idx for ln in injections] + [ln.idx for ln in vaccines],
            f"{show(injections)} is billed for a vaccine ({show(vaccines)}).",
            "Bill the vaccine's administration code instead: 90471 (+90472 per further vaccine); for Medicare, "
            "G0008 (influenza), G0009 (pneumococcal) or G0010 (hepatitis B).",
        )


@rule(
    "DRM514",
    "Debridement code billed for a corn or callus",
    Category.code_selection,
    families=("debridement",),
    references=("CPT2026", "Medicare wound care LCD guidance (corns and calluses are paring, 11055-11057)"),
    likely_denial="CO-11",
)
def callus_debridement(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a wound debridement code (11042-11047, 97597/97598) whose only diagnosis is a corn or
    callus (L84).

    Why is this bad? Removing hyperkeratotic tissue of a corn or callus is paring (11055-11057), not debridement; a
    debridement claim names the wound (an ulcer, for instance).
    """
    for ln in ctx.codes("11042", "11043", "11044", "11045", "11046", "11047", "97597", "97598"):
        if ln.dx and all(d.startswith("L84") for d in ln.dx):
            n = ln.facts.lesion_count
            expected = try_code(paring, n) if isinstance(n, int) else None
            yield Hit(
                [ln.idx],
                f"{ln.code} is billed for a corn or callus (L84).",
                f"Bill paring by the number of lesions ({show(expected) if expected else '11055, 11056 or 11057'}), or link the wound the debridement treated.",
                expected or [],
            )


DEBRIDEMENT_ADDON = {"11045": "11042", "11046": "11043", "11047": "11044", "97598": "97597"}


@rule(
    "DRM517",
    "Debridement add-on units do not match the area",
    Category.units,
    families=("debridement",),
    references=("CPT2026", "CPT debridement guidelines (first 20 sq cm, then each further 20 sq cm or part)"),
    likely_denial="CO-151",
)
def debridement_addon_units(ctx: Ctx) -> Iterator[Hit]:
    """What it does: a debridement's first code (11042, 11043, 11044, 97597) covers the first 20 sq cm at that depth;
    each further 20 sq cm, or part of it, is one unit of its add-on (11045, 11046, 11047, 97598). Compares the add-on
    units with the area (``area_sq_cm``, the total of the wounds debrided to that depth) on the first code's line, when
    that line is the only one of its code on the date.

    Why is this bad? A 15 sq cm wound is 11042 alone; 11045 billed with it is denied, and 50 sq cm billed with one
    11045 underbills.
    """
    yield from addon_area_hits(ctx, DEBRIDEMENT_ADDON, "debridement")


@rule(
    "DRM505",
    "Musculoskeletal injection code used for skin lesions",
    Category.code_selection,
    families=("musculoskeletal",),
    references=("INJ-04",),
    likely_denial="CO-11",
)
def tendon_injection(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags 20550/20551 (tendon sheath, ligament, tendon origin) with a skin diagnosis (keloid, acne, hidradenitis...).

    Why is this bad? Injecting skin lesions is 11900/11901; the musculoskeletal codes are denied for skin diagnoses.
    """
    for ln in ctx.fam("musculoskeletal"):
        if ln.dx and all(d.startswith("L") or d.startswith(("D22", "D23")) for d in ln.dx):
            yield Hit(
                [ln.idx],
                f"{ln.code} is a tendon or ligament injection, not an injection of skin lesions.",
                "Use 11900 (up to 7 lesions) or 11901 (more than 7).",
                try_code(intralesional_injection, ln.facts.lesion_count) or [],
            )


EXCLUSIVE_CODES = tuple(sorted(exclusive_groups()))


@rule(
    "DRM510",
    "Codes billed together when only one of them applies",
    Category.bundling,
    families=tuple(sorted({all_codes()[c].family for c in EXCLUSIVE_CODES if c in all_codes()})),
    references=("CPT code definitions", "NCCI policy manual ch. I (mutually exclusive procedures)"),
    likely_denial="CO-97",
)
def mutually_exclusive(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags two codes of a group of which only one is billed: per date (one photodynamic therapy code
    a day, one nail-debridement code for the count) or per lesion or wound (simple and complicated drainage of one
    abscess; two depths of debridement of one wound). Lines of different lesions (different ``lesion_id``) or with
    a distinct-site modifier are left alone for the per-lesion groups.

    Why is this bad? The codes describe the same service at different sizes, depths or counts: the second is
    denied, or the pair is recouped.
    """
    lines = ctx.codes(*EXCLUSIVE_CODES)
    seen: set[tuple[int, int]] = set()
    groups = exclusive_groups()
    for a in lines:
        for b in lines:
            if b.idx <= a.idx or a.code == b.code or a.dos != b.dos or (a.idx, b.idx) in seen:
                continue
            group = next((g for g in groups[a.code] if b.code in g.codes), None)
            if group is None:
                continue
            if group.per == "lesion" and (same_lesion(a, b) is False or distinct(a) or distinct(b)):
                continue
            seen.add((a.idx, b.idx))
            yield Hit([a.idx, b.idx], f"{a.code} and {b.code} are billed together. {group.note}", f"Bill one of {a.code} and {b.code}.")


INCLUDED = included_services()


@rule(
    "DRM515",
    "Service included in another procedure on the same lesion",
    Category.bundling,
    families=tuple(sorted({all_codes()[c].family for g in INCLUDED for c in g.codes if c in all_codes()})),
    references=("NCCI-ch1", "NCCI-ch3", "NCCI-ch11"),
    likely_denial="CO-97",
)
def included_service(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a service billed with another that includes it, on the same date: on the same lesion or
    wound (both lines naming the same ``lesion_id``): drainage or debridement of a lesion that is excised, a shave,
    destruction or paring of a lesion that is then excised or destroyed, an aspiration followed by incision and
    drainage, nail trimming or debridement with the avulsion or matrix excision of the same nail, tissue adhesive
    with a closure that includes it, a steroid injection of lesions given intralesional chemotherapy; and, by the
    same practitioner, a nerve block given as the anesthesia of that practitioner's own procedure. A 59 or X
    modifier on either line states a distinct service and is left alone.

    Why is this bad? The included service is part of the other one (NCCI policy manual ch. I and III): it is denied,
    or recouped on review.
    """
    for c in ctx.lines:
        for g in INCLUDED:
            if c.code not in g.codes or not c.mods.isdisjoint(DISTINCT):
                continue
            p = next(
                (
                    p
                    for p in ctx.lines
                    if p is not c
                    and p.code in g.within
                    and p.code not in g.codes
                    and p.dos == c.dos
                    and p.mods.isdisjoint(DISTINCT)
                    and (same_lesion(p, c) is True if g.per == "lesion" else p.npi == c.npi)
                ),
                None,
            )
            if p is not None:
                yield Hit([p.idx, c.idx], f"{c.code} is billed with {p.code}. {g.note}", f"Remove {c.code}; bill {p.code}.", [as_is(p)])
                break


@rule(
    "DRM511",
    "Chemical cautery billed for the hemostasis of another procedure",
    Category.bundling,
    families=("destruction_other",),
    references=("CPT 17250 parenthetical (not for hemostasis)", "NCCI policy manual ch. III"),
    likely_denial="CO-97",
)
def cautery_for_hemostasis(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags chemical cautery of granulation tissue (17250) on the same date and lesion as a biopsy,
    excision, shave or destruction (or with no lesion named and no distinct-site modifier).

    Why is this bad? Stopping the bleeding of a procedure's own wound (silver nitrate, aluminium chloride) is part of
    that procedure; 17250 is for granulation tissue, e.g. at a healing wound or an ostomy.
    """
    for caut in ctx.codes("17250"):
        for p in ctx.lines:
            if p is caut or p.dos != caut.dos or p.info is None or p.info.is_em or p.info.global_days not in ("000", "010", "090"):
                continue
            if same_lesion(p, caut) is False or distinct(caut):
                continue
            yield Hit(
                [p.idx, caut.idx],
                f"17250 on the same lesion as {p.code}: hemostasis of a procedure's wound is part of the procedure.",
                "Remove 17250; bill it only for granulation tissue apart from today's procedure (with XS for another site).",
                [SuggestedLine(code=p.code, units=p.units, modifiers=sorted(p.mods))],
            )
            break


JZ_REQUIRED, JZ_RETURNED = date(2023, 7, 1), date(2023, 10, 1)  # CMS: JZ required, then claims without JW/JZ returned


@rule(
    "DRM508",
    "Single-dose drug without JW or JZ (Medicare)",
    Category.modifier_missing,
    families=("drug",),
    references=("INJ-03", "CMS JW/JZ policy (MM13056)", "MCPM ch. 17 §40"),
    likely_denial="CO-4",
)
def discarded_drug_modifier(ctx: Ctx) -> Iterator[Hit]:
    """What it does: for Medicare, a separately payable drug from a single-dose container (J0585
    onabotulinumtoxinA, J7308 aminolevulinic acid ...) needs JW (amount discarded, on its own line) or JZ (nothing
    discarded). Required from 1 July 2023 (a warning until 30 September 2023); from 1 October 2023 claims without
    either are returned (an error). Multi-dose vials take neither.

    Why is this bad? The line is returned unpaid, and the discarded amount, when there was one, is lost.
    """
    if not ctx.medicare:
        return
    for ln in ctx.fam("drug"):
        if not ln.ci.single_dose or ln.has("JW", "JZ") or ln.dos is None or ln.dos < JZ_REQUIRED:
            continue
        if any("JW" in o.mods for o in ctx.codes(ln.code) if o.dos == ln.dos):
            continue  # the discarded amount is on its own JW line
        yield Hit(
            [ln.idx],
            f"{ln.code} comes from a single-dose container: Medicare needs JZ (nothing discarded) or JW (discarded amount).",
            f"Add JZ to {ln.code}, or bill the discarded amount on a second {ln.code}-JW line.",
            [SuggestedLine(code=ln.code, units=ln.units, modifiers=sorted(ln.mods | {"JZ"}))],
            severity="error" if ln.dos >= JZ_RETURNED else "warning",
        )


@rule(
    "DRM509",
    "JW and JZ on the same line",
    Category.modifier_misuse,
    mods=("JW", "JZ"),
    references=("CMS JW/JZ policy (MM13056)",),
    likely_denial="CO-4",
)
def jw_with_jz(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a drug line carrying both JW (this line is the discarded amount) and JZ (nothing was
    discarded).

    Why is this bad? The two say opposite things; the line is returned. Bill the administered amount with JZ, or
    the administered amount plain and the discarded amount on its own JW line.
    """
    for ln in ctx.lines:
        if {"JW", "JZ"} <= ln.mods:
            yield Hit(
                [ln.idx],
                f"{ln.code} carries both JW and JZ.",
                "Keep JZ when nothing was discarded; otherwise bill the discarded amount on a separate JW line.",
                [SuggestedLine(code=ln.code, units=ln.units, modifiers=sorted(ln.mods - {"JW"}))],
            )


# ----------------------------------------------------------------------------- phototherapy and excimer


@rule(
    "DRM601",
    "Excimer code does not match the treated area",
    Category.code_selection,
    families=("excimer",),
    references=("AAD 2024 CPT updates", "L29212"),
    likely_denial="CO-4",
)
def excimer_area(ctx: Ctx) -> Iterator[Hit]:
    """What it does: 96920 (<250 sq cm), 96921 (250-500), 96922 (>500) by total area treated in the session;
    compares a single excimer line with ``area_sq_cm``.

    Why is this bad? The wrong area band under- or overbills.
    """
    yield from area_recode(ctx.fam("excimer"), excimer)


@rule(
    "DRM602",
    "More than one excimer code on a date",
    Category.bundling,
    families=("excimer",),
    references=("AAD 2024 CPT updates", "L29212"),
    likely_denial="CO-97",
)
def excimer_one_code(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags two or more of 96920-96922 on one date.

    Why is this bad? One code describes the session's total treated area.
    """
    lines = ctx.fam("excimer")
    if len(lines) > 1:
        areas = [ln.facts.area_sq_cm for ln in lines]
        suggested = try_code(excimer, sum(a for a in areas if a is not None)) if all(a is not None for a in areas) else []
        yield Hit(
            [ln.idx for ln in lines],
            f"{show(lines)}: excimer laser is one code per session.",
            "Add up the areas treated and bill one code.",
            suggested or [],
        )


PSORIASIS_ONLY_FROM = date(2024, 1, 1)  # CPT 2024 narrowed 96920-96922 to excimer laser for psoriasis (AAD DCC)


@rule(
    "DRM603",
    "Excimer laser code for a condition other than psoriasis",
    Category.medical_necessity,
    families=("excimer",),
    references=("AAD DCC excimer 96999", "AAD 2024 CPT updates"),
    likely_denial="CO-11",
)
def excimer_psoriasis(ctx: Ctx) -> Iterator[Hit]:
    """What it does: since 2024, 96920-96922 are excimer laser for psoriasis only. Flags them with no
    psoriasis diagnosis (L40.x), e.g. acne, vitiligo, atopic dermatitis. Before 2024 the codes meant laser
    treatment of inflammatory skin disease: a date of service before 2024 is flagged only when no diagnosis
    is one of the UV-treated dermatoses (the phototherapy list, vitiligo and atopic dermatitis included).

    Why is this bad? Excimer for other conditions is reported with the unlisted code 96999; 9692x is denied.
    """
    before_2024 = lookup("96900")
    for ln in ctx.fam("excimer"):
        allowed = ("L40",) + (before_2024.dx if before_2024 and ln.dos and ln.dos < PSORIASIS_ONLY_FROM else ())
        if ln.dx and not any(d.startswith(allowed) for d in ln.dx):
            yield Hit(
                [ln.idx],
                f"{ln.code} is excimer laser for psoriasis; {', '.join(ln.dx)} is not psoriasis.",
                "Report excimer for other conditions with 96999 and the treated area; acne and rejuvenation are not excimer indications.",
                [SuggestedLine(code="96999", units=1)],
            )


@rule(
    "DRM604",
    "Photochemotherapy without the documented photosensitizer",
    Category.documentation,
    "warning",
    families=("phototherapy",),
    references=("MEDCODER-96900", "CAH-96910"),
    likely_denial="CO-16",
)
def photosensitizer(ctx: Ctx) -> Iterator[Hit]:
    """What it does: 96910 needs tar or petrolatum applied in the office before UVB: flags it when
    ``photosensitizer`` is not documented. Flags 96910 or 96912 (PUVA) when the agent documented is another one.

    Why is this bad? A topical the patient applies at home does not make the session 96910; plain UVB (e.g. narrow-band) is 96900.
    """
    need = {"96910": ("tar", "petrolatum"), "96912": ("psoralen",)}
    for ln in ctx.codes(*need):
        given = ln.facts.photosensitizer
        if given is None and ln.code == "96912":
            continue  # PUVA: the psoralen is what 96912 means; only a documented other agent is wrong
        if given is None:
            yield Hit(
                [ln.idx],
                f"{ln.code} needs the in-office {' or '.join(need[ln.code])} documented.",
                "Document what was applied in the office, or bill 96900 for UV light alone.",
            )
        elif given not in need[ln.code]:
            yield Hit(
                [ln.idx],
                f"{ln.code} is for {' or '.join(need[ln.code])}; the note documents {given}.",
                "Bill 96900 for UV light without an in-office photosensitizer.",
                [SuggestedLine(code="96900", units=1)],
                severity="error",
            )


# ----------------------------------------------------------------------------- pathology

PATH_REFS = ("PATH-AAPC", "IMMEDICARE-88305", "DPCLAB")


@rule(
    "DRM701",
    "Pathology billed as global and components, or both components",
    Category.pathology_component,
    families=("pathology",),
    references=PATH_REFS,
    likely_denial="CO-18",
)
def pathology_components(ctx: Ctx) -> Iterator[Hit]:
    """What it does: for one pathology code on one date, flags -26 with -TC (the same provider doing both
    should bill one global line), and a global line together with a -26 or -TC line.

    Why is this bad? Global = technical + professional; splitting and repeating bills the specimen twice and is denied as a duplicate.
    """
    groups: dict[tuple[str, object], list] = {}
    for ln in ctx.fam("pathology"):
        groups.setdefault((ln.code, ln.dos), []).append(ln)
    for (code, _), lines in groups.items():
        prof = [ln for ln in lines if "26" in ln.mods]
        tech = [ln for ln in lines if "TC" in ln.mods]
        glob = [ln for ln in lines if not ln.has("26", "TC")]
        if (prof and tech) or (glob and (prof or tech)):
            units = max(ln.units for ln in lines)
            yield Hit(
                [ln.idx for ln in lines],
                f"{code} is billed as {' and '.join(p for p, g in (('global', glob), ('-26', prof), ('-TC', tech)) if g)} for the same specimens.",
                f"Bill one global {code} line (no modifier) when you do both parts; -26 alone if you only read the slides, -TC alone if you only prepare them.",
                [SuggestedLine(code=code, units=units)],
            )


@rule(
    "DRM702",
    "Pathology units exceed the specimens submitted",
    Category.units,
    families=("pathology",),
    references=PATH_REFS,
    likely_denial="CO-151",
)
def pathology_units(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: 88305 (and 88302/88304) is one unit per separately submitted specimen, not per block
    or slide. Compares the units with the specimen count (``lesion_count`` on the pathology line).

    Why is this bad? One specimen cut into three blocks is 88305 x1; x3 is denied or recouped.
    """
    for ln in ctx.codes("88302", "88304", "88305"):
        n = ln.facts.lesion_count
        if n is None:
            if ln.units > 1:
                yield Skip(f"{ln.code} x{ln.units}: specimen count not documented (lesion_count); units not checked", [ln.idx])
        elif ln.units > n:
            yield Hit(
                [ln.idx],
                f"{ln.code} x{ln.units} for {n} specimen{'s' if n != 1 else ''}: units count specimens, not blocks or slides.",
                f"Bill {ln.code} x{n}.",
                [SuggestedLine(code=ln.code, units=n, modifiers=sorted(ln.mods))],
            )


CYST_OR_TAG_DX = ("L72", "L91.8")


@rule(
    "DRM705",
    "First-unit pathology code billed for additional blocks or antibodies",
    Category.units,
    families=("pathology",),
    references=PATH_REFS + ("CPT pathology add-on codes (88332, 88341)", "CMS IHC guidance (88341/88342)"),
    likely_denial="CO-151",
)
def first_unit_codes(ctx: Ctx) -> Iterator[Hit]:
    """What it does: 88342 is the first single-antibody stain of each specimen, each further antibody on the same
    specimen is the add-on 88341; 88331 is the first frozen block of each specimen, each further block 88332.
    Compares the units of 88342 and 88331 with the specimens (``lesion_count`` on the line).

    Why is this bad? 88342 x3 for three antibodies on one specimen bills the first-antibody rate three times; it is
    88342 x1 + 88341 x2 (and 88331 x3 for one specimen is 88331 + 88332 x2).
    """
    for first, addon in (("88342", "88341"), ("88331", "88332")):
        for ln in ctx.codes(first):
            n = ln.facts.lesion_count
            if n is None or ln.units <= n:
                continue
            more = [a for a in ctx.codes(addon) if a.dos == ln.dos]
            extra = ln.units - n + sum(a.units for a in more)
            want = [
                SuggestedLine(code=first, units=n, modifiers=sorted(ln.mods)),
                SuggestedLine(code=addon, units=extra, modifiers=sorted(ln.mods)),
            ]
            yield Hit(
                [ln.idx] + [a.idx for a in more],
                f"{first} x{ln.units} for {n} specimen{'s' if n != 1 else ''}: {first} is the first unit of each specimen, the rest are {addon}.",
                f"Bill {first} x{n} + {addon} x{extra}.",
                want,
            )


def _skin_neoplasm(dx: str) -> bool:
    return icd.is_malignant(dx) or dx.startswith(("D03", "D04", "D22", "D23", "D48.5", "D49.2"))


@rule(
    "DRM703",
    "Surgical pathology level does not fit the skin specimen",
    Category.code_selection,
    families=("pathology",),
    references=("PATH-AAPC", "CAPTODAY-2005"),
    likely_denial="CO-4",
)
def pathology_level(ctx: Ctx) -> Iterator[Hit]:
    """What it does: skin specimens are 88305 whatever their size, depth or malignancy (88304 cyst or tag,
    88302 skin from plastic repair). Flags 88307/88309 with a skin diagnosis, 88305 whose only diagnosis is a
    skin cyst (L72) or skin tag (L91.8), and 88304 for a skin neoplasm with no cyst or tag diagnosis.

    Why is this bad? Melanoma or a wide excision does not raise the level; 88307 for skin is denied or downcoded.
    """
    for ln in ctx.codes("88305"):
        if ln.dx and all(d.startswith(CYST_OR_TAG_DX) for d in ln.dx):
            yield Hit(
                [ln.idx],
                "88305 for a skin cyst or skin tag: those specimens are 88304.",
                "Bill 88304 per specimen.",
                [SuggestedLine(code="88304", units=ln.units, modifiers=sorted(ln.mods))],
            )
    for ln in ctx.codes("88304"):
        if ln.dx and any(_skin_neoplasm(d) for d in ln.dx) and not any(d.startswith(CYST_OR_TAG_DX) for d in ln.dx):
            yield Hit(
                [ln.idx],
                "88304 is for a skin cyst, tag or debridement; a skin neoplasm specimen is 88305.",
                "Bill 88305 per specimen.",
                [SuggestedLine(code="88305", units=ln.units, modifiers=sorted(ln.mods))],
            )
    for ln in ctx.codes("88307", "88309"):
        skin = [
            d for d in ln.dx if d.startswith("L") or icd.is_malignant(d) or d.startswith(("D22", "D23", "D48.5", "D49.2", "D18", "D17"))
        ]
        if skin:
            target = "88304" if all(d.startswith(CYST_OR_TAG_DX) for d in skin) else "88305"
            yield Hit(
                [ln.idx],
                f"{ln.code} is not used for skin specimens.",
                f"Bill {target} per specimen ({'cyst or skin tag' if target == '88304' else 'skin, whatever its size or diagnosis'}).",
                [SuggestedLine(code=target, units=ln.units, modifiers=sorted(ln.mods))],
            )
