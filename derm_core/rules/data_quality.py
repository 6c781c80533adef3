"""Data quality and code validity: NPIs, dates, units, codes, diagnoses, modifiers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from .. import icd
from ..codes import deleted_entry, invalid_entry, modifier_shape, modifiers
from ..coding import adjacent_tissue_transfer, biopsies, mohs, premalignant_destruction
from ..models import Category, SuggestedLine
from ._util import first_fact, try_code
from .base import Ctx, Hit, Skip, pointer_number, rule
from .excision import expected_excision

OLDEST_YEARS = 10  # filing limits are one year (Medicare) to a few years: older dates are keying errors
_CODE = re.compile(r"^(\d{4}[0-9FTU]|[A-V]\d{4})$")


@lru_cache(maxsize=4096)
def npi_ok(npi: str) -> bool:
    """10 digits with a valid Luhn check digit over the 80840 prefix.

    >>> npi_ok("1234567893"), npi_ok("1234567890")
    (True, False)
    """
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 24  # the constant for the 80840 prefix
    for i, ch in enumerate(reversed(npi[:9])):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10 == int(npi[9])


@rule(
    "DRM001",
    "Rendering NPI is not a valid NPI",
    Category.data_quality,
    references=("CMS NPI standard (Luhn check digit)",),
    likely_denial="CO-16",
)
def npi_check_digit(ctx: Ctx) -> Iterator[Hit]:
    """What it does: checks that each rendering NPI has 10 digits and a valid check digit.

    Why is this bad? A mistyped NPI rejects the claim at the clearinghouse or payer front end.
    """
    npi = ctx.claim.rendering_npi
    if npi is not None and not npi_ok(npi.strip()):
        yield Hit([], f"Rendering NPI {npi} is not a valid NPI (10 digits with a check digit).", "Correct the rendering NPI.")
    for ln, line in zip(ctx.lines, ctx.claim.lines, strict=True):
        if line.rendering_npi is not None and not npi_ok(line.rendering_npi.strip()):
            yield Hit([ln.idx], f"Line rendering NPI {line.rendering_npi} is not a valid NPI.", "Correct the NPI on this line.")


@rule(
    "DRM002",
    "Date of service missing or in the future",
    Category.data_quality,
    references=("CMS claim processing manual ch. 1",),
    likely_denial="CO-16",
)
def dates(ctx: Ctx) -> Iterator[Hit]:
    """What it does: checks that every line has a date of service, that none is in the future, and that none is
    more than ten years old (a mistyped year, or a date of birth in the wrong field).

    Why is this bad? A claim cannot be billed before the service, and a line without a date cannot be adjudicated.
    """
    today = date.today()
    if ctx.claim.date_of_service is None and any(line.date_of_service is None for line in ctx.claim.lines):
        yield Hit([], "The claim has no date of service.", "Add the date of service (YYYY-MM-DD).")
    for ln in ctx.lines:
        if ln.dos is not None and ln.dos > today:
            yield Hit(
                [ln.idx],
                f"Line {ln.idx + 1} has a date of service in the future ({ln.dos}).",
                "Bill the service after it is performed; check the date.",
            )
        elif ln.dos is not None and ln.dos.year < today.year - OLDEST_YEARS:
            yield Hit(
                [ln.idx],
                f"Line {ln.idx + 1} has a date of service {today.year - ln.dos.year} years ago ({ln.dos}).",
                "Check the date (a typo in the year, or a date of birth in the date field); no payer accepts a claim that old.",
            )


@rule("DRM003", "Units must be at least 1", Category.data_quality, references=("CMS-1500/837P units field",), likely_denial="CO-16")
def units_positive(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags lines whose units are zero or negative.

    Why is this bad? Zero units pay nothing and are rejected as a submission error.
    """
    for ln in ctx.lines:
        if ln.units <= 0:
            yield Hit(
                [ln.idx],
                f"{ln.code or 'Line ' + str(ln.idx + 1)} has {ln.units} units.",
                "Enter the number of units performed (at least 1).",
            )


@rule(
    "DRM004",
    "Procedure code empty or malformed",
    Category.data_quality,
    references=("CPT and HCPCS Level II code formats",),
    likely_denial="CO-16",
)
def code_shape(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags an empty code, or one that is neither a CPT (5 digits) nor a HCPCS Level II code (letter + 4 digits).

    Why is this bad? The line cannot be priced or adjudicated.
    """
    for ln in ctx.lines:
        if not ln.code:
            yield Hit([ln.idx], f"Line {ln.idx + 1} has no procedure code.", "Enter the CPT or HCPCS code.")
        elif not _CODE.match(ln.code):
            yield Hit([ln.idx], f"Line {ln.idx + 1}: '{ln.code}' is not a CPT or HCPCS code.", "Enter a 5-character CPT or HCPCS code.")


@rule(
    "DRM005",
    "Too many or repeated modifiers",
    Category.data_quality,
    mods=("*",),
    references=("CMS-1500/837P: four modifier positions",),
    likely_denial="CO-4",
)
def modifier_count(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags lines with more than four modifiers or the same modifier twice.

    Why is this bad? The claim form has four modifier slots; a repeated modifier is a keying error.
    """
    for ln, line in zip(ctx.lines, ctx.claim.lines, strict=True):
        if len(line.modifiers) > 4:
            yield Hit(
                [ln.idx],
                f"{ln.code} has {len(line.modifiers)} modifiers; at most 4 fit on a line.",
                "Keep the four that matter, pricing modifiers first.",
            )
        elif len(ln.mods) < len(line.modifiers):
            yield Hit([ln.idx], f"{ln.code} repeats a modifier.", "Remove the repeated modifier.")


@rule(
    "DRM006",
    "Diagnosis pointer out of range",
    Category.data_quality,
    references=("CMS-1500/837P diagnosis pointers",),
    likely_denial="CO-16",
)
def dx_pointer(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a line whose diagnosis pointer (a number, or a CMS-1500 letter A-L) points past the
    claim's diagnosis list.

    Why is this bad? The line ends up with no diagnosis, and the payer rejects it.
    """
    n = len(ctx.claim.diagnoses)
    for ln, line in zip(ctx.lines, ctx.claim.lines, strict=True):
        for d in line.dx or ():
            at = pointer_number(d)
            if at is not None and not 1 <= at <= n:
                yield Hit(
                    [ln.idx],
                    f"{ln.code} points to diagnosis {d}, but the claim lists {n}.",
                    "Point to a diagnosis on the claim (1 = A, 2 = B, ...).",
                )


def _replacement(ctx: Ctx, code: str, units: int, method: str | None) -> list[SuggestedLine]:
    if code in ("17001", "17002"):
        family = ctx.codes("17000", "17001", "17002", "17003", "17004")
        n = first_fact(family, "lesion_count")
        if not isinstance(n, int):
            billed = ctx.codes("17000")
            n = (1 if billed else 0) + sum(ln.units for ln in ctx.codes("17001", "17002", "17003"))
        return [s for s in try_code(premalignant_destruction, n) or [] if s.code != "17000" or not ctx.codes("17000")]
    if code in ("11100", "11101") and method:
        counts = {method: units if code == "11100" else units + 1}
        lines = try_code(biopsies, counts) or []
        return lines if code == "11100" else lines[1:]
    return []


@rule(
    "DRM010",
    "Code is deleted or does not exist",
    Category.invalid_code,
    references=("CPT code set (annual)", "AAPC2007", "CUTIS"),
    likely_denial="CO-181",
)
def invalid_code(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: flags procedure codes that were deleted (17001, 17002, 11100, 11101) or never existed (11447, 11405...).

    Why is this bad? An invalid code is denied outright; the replacement depends on the documented facts.
    """
    for ln in ctx.lines:
        if not ln.code:
            continue
        entry = invalid_entry(ln.code, ln.dos)
        if entry is None:
            continue
        suggested = _replacement(ctx, ln.code, ln.units, ln.facts.biopsy_method)
        if not suggested and ln.code[:3] in ("114", "116"):
            suggested = expected_excision(ln) or []
        if not suggested and ln.code == "14300":
            suggested = try_code(adjacent_tissue_transfer, ln.facts.site, ln.facts.area_sq_cm) or []
        if not suggested and ln.code == "17304":  # the old first stage: today's first-stage code by site
            blocks = ln.facts.mohs_stage_blocks or [1]
            suggested = (try_code(mohs, ln.facts.site, blocks, bool(ln.facts.deep_structures)) or [])[
                : None if ln.facts.mohs_stage_blocks else 1
            ]
        if not suggested and len(entry.replaced_by) == 1:
            suggested = [SuggestedLine(code=entry.replaced_by[0], units=ln.units, modifiers=sorted(ln.mods))]
        fix = entry.note
        if suggested:
            fix += " Bill " + " + ".join(f"{s.code} x{s.units}" for s in suggested) + "."
        elif entry.replaced_by:
            fix += " Use " + " / ".join(entry.replaced_by) + " according to the documentation."
        what = f"was deleted on {entry.deleted}" if entry.deleted else "does not exist"
        yield Hit([ln.idx], f"{ln.code} {what}.", fix, suggested)


@rule(
    "DRM011",
    "Code not in our tables: not checked",
    Category.invalid_code,
    "warning",
    references=("CPT code set (annual)", "HCPCS Level II (quarterly)"),
)
def unknown_code(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: notes a well-formed procedure or HCPCS code that our code tables do not hold. The rules that
    need its facts (global days, add-on primaries, unit limits, bundling) could not run on its line, and the claim's
    ``unchecked`` list says so.

    Why is this bad? It may not be: but a line nobody checked is not a clean line. Confirm the code is valid on the
    date of service; an admin can load the year's CMS relative value file (``derm data load``) for global days.
    """
    for ln in ctx.lines:
        if ln.family == "fee_schedule":  # known from the loaded CMS fee-schedule file only
            yield Skip(
                f"{ln.code} is not in our code tables: only its fee-schedule indicators (global days, modifiers) were checked", [ln.idx]
            )
            continue
        if ln.info is None and _CODE.match(ln.code) and invalid_entry(ln.code, ln.dos) is None:
            if deleted_entry(ln.code) is not None:  # a deleted code, valid on this date of service: known, not a gap
                yield Skip(f"{ln.code} was valid on its date of service (deleted later): its own rules did not run", [ln.idx])
                continue
            yield Hit(
                [ln.idx],
                f"{ln.code} is not in our code tables, so its line was not checked.",
                f"Confirm {ln.code} is valid on {ln.dos or 'the date of service'} and check its global period and bundling by hand.",
            )
            yield Skip(f"{ln.code} is not in our code tables: global period, add-on, unit and bundling checks did not run on it", [ln.idx])


@rule(
    "DRM012",
    "Code Medicare does not pay",
    Category.invalid_code,
    references=("Medicare PFS status indicator I (not valid for Medicare)", "MCPM ch. 12 §30.6.10 (consultations)"),
    likely_denial="CO-181",
)
def not_for_medicare(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a code that Medicare does not recognise (status I in the fee schedule) on a Medicare
    claim: the consultation codes 99242-99255, 99417 and 99418 (Medicare uses G2212, G0316-G0318), 99358/99359, the
    CPT telemedicine visits 98000-98015; and names what Medicare takes instead.

    Why is this bad? The line is denied as an invalid code; the service itself is payable under the other code.
    """
    if not ctx.medicare:
        return
    for ln in ctx.lines:
        status = ln.info.medicare if ln.info else None
        if status and status.get("status") == "invalid":
            use = status.get("use") or []
            suggested = [SuggestedLine(code=use[0], units=1)] if len(use) == 1 else []
            fix = status.get("note") or "Bill the code Medicare recognises for the service."
            yield Hit([ln.idx], f"Medicare does not pay {ln.code}.", fix + (f" ({', '.join(use)})" if len(use) > 1 else ""), suggested)


@rule(
    "DRM020",
    "Diagnosis code invalid or not billable",
    Category.invalid_diagnosis,
    references=("ICD-10-CM tabular (CMS)",),
    likely_denial="CO-146",
)
def invalid_diagnosis(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags ICD-10-CM codes that are unknown, or headers that need more characters (C44.3, L82, D22.1),
    in the code set in effect on the line's date of service: a code added in a later edition (L98.A211, E88.14 from
    FY2026) is not valid before its effective date, and a code that a later edition subdivided (E88.1) is billable
    before it. A well-formed code that is not in our edition, on a date after the edition (FY2027 from October 1,
    2026), may be one of the newer edition's codes: a warning, not an error.

    Why is this bad? Only leaf codes of the date's edition are billable; a header is denied as an invalid diagnosis.
    """
    seen: dict[tuple[str, date | None], list[int]] = {}
    for ln in ctx.lines:
        for d in ln.dx:
            seen.setdefault((d, ln.dos), []).append(ln.idx)
    on_lines = {d for d, _ in seen}
    for d in map(icd.normalize, ctx.claim.diagnoses):
        if d not in on_lines:
            seen.setdefault((d, ctx.dos), [])
    for (d, dos), idxs in seen.items():
        state, edition = icd.status_on(d, dos)
        if state == "billable":
            continue
        if state == "not_yet":
            yield Hit(
                idxs,
                f"{d} is not valid on {dos}: it was added in ICD-10-CM {edition}.",
                "Code from the edition in effect on the date of service.",
            )
        elif state == "header":
            kids = icd.children(d)
            more = f" Choose the specific code: {', '.join(kids[:6])}{' ...' if len(kids) > 6 else ''}." if kids else ""
            yield Hit(idxs, f"{d} is a header, not a billable ICD-10-CM code.", f"Code to the highest specificity.{more}")
        elif dos is not None and dos > icd.EDITION_ENDS and icd.looks_like_icd(d):
            year = icd.EDITION_ENDS.year + 1  # a code of a newer edition than ours: a gap in our table, not an error
            yield Hit(
                idxs,
                f"{d} is not in {icd.EDITION}; {dos} is in FY{year}, whose new codes this version does not have.",
                f"Check {d} against the FY{year} ICD-10-CM code set (if it is valid there, the claim is fine).",
                severity="warning",
            )
        else:
            yield Hit(idxs, f"{d} is not an ICD-10-CM code.", "Check the diagnosis code against the ICD-10-CM code set.")


@rule("DRM021", "Line has no diagnosis", Category.invalid_diagnosis, references=("ICD-10-CM guidelines",), likely_denial="CO-16")
def missing_diagnosis(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags lines with no diagnosis (none on the line and none on the claim).

    Why is this bad? Every service needs a diagnosis that supports it.
    """
    for ln in ctx.lines:
        if ln.code and not ln.dx:
            yield Hit([ln.idx], f"{ln.code} has no diagnosis.", "Add the ICD-10-CM code that supports this service.")


@rule(
    "DRM022",
    "Modifier not in our tables: not checked",
    Category.modifier_misuse,
    "warning",
    mods=("*",),
    references=("CPT Appendix A", "HCPCS Level II modifiers"),
)
def unknown_modifier(ctx: Ctx) -> Iterator[Hit]:
    """What it does: notes a modifier shaped like a HCPCS Level II modifier that our modifier table does not hold.
    It may be real (a new or payer-specific modifier): it is not called an error, but nothing about it was checked.

    Why is this bad? It may not be: but a modifier we cannot check is not a modifier we checked. Confirm it against
    the current HCPCS modifier list or the payer's manual.
    """
    for ln in ctx.lines:
        for m in sorted(ln.mods):
            if modifier_shape(m) == "unlisted":
                yield Hit(
                    [ln.idx],
                    f"{ln.code}: modifier {m} is not in our modifier table, so its use was not checked.",
                    f"Confirm that {m} is a current modifier that fits {ln.code}.",
                )


@rule(
    "DRM023",
    "Not a modifier",
    Category.data_quality,
    mods=("*",),
    references=("CPT Appendix A", "HCPCS Level II modifiers"),
    likely_denial="CO-4",
)
def not_a_modifier(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a modifier field that cannot be a modifier: not two characters, a two-digit number that is
    not a CPT modifier, a digit followed by a letter other than P, an X modifier other than X1-X5, XE, XP, XS, XU.

    Why is this bad? The line cannot be processed; it is usually a typo (``XO`` for ``XS``, ``-58`` for ``58``).
    """
    for ln in ctx.lines:
        for m in sorted(ln.mods):
            if modifier_shape(m) == "invalid":
                yield Hit([ln.idx], f"{ln.code}: '{m}' is not a modifier.", "Correct the typo or remove it.")


@rule(
    "DRM024",
    "Modifier no longer valid on the date of service",
    Category.modifier_misuse,
    mods=("*",),
    references=("CPT Appendix A", "HCPCS Level II modifiers"),
    likely_denial="CO-4",
)
def retired_modifier(ctx: Ctx) -> Iterator[Hit]:
    """What it does: flags a modifier that was retired before the line's date of service (21 in 2013, the imaging
    appropriate-use modifiers after 2024).

    Why is this bad? A retired modifier is invalid and returns the line.
    """
    table = modifiers()
    for ln in ctx.lines:
        for m in sorted(ln.mods):
            mod = table.get(m)
            if mod is not None and mod.retired is not None and ln.dos is not None and ln.dos >= mod.retired:
                yield Hit([ln.idx], f"{ln.code}: modifier {m} is no longer valid (retired on {mod.retired}).", f"Remove {m}.")


@rule("DRM030", "Payer unknown: payer-specific checks skipped", Category.payer_policy, "info")
def payer_unknown(ctx: Ctx) -> Iterator[Hit | Skip]:
    """What it does: notes that the claim names no payer, so payer policies, prior authorization and
    Medicare-only checks could not run.

    Why is this bad? It is not; but those checks were not done, and the report says so.
    """
    if ctx.claim.payer is None:
        yield Hit(
            [],
            "No payer on the claim: payer policies, prior authorization and Medicare checks were skipped.",
            "Add the payer type (and name) to check them.",
        )
        yield Skip("no payer on the claim: prior authorization, payer policies and Medicare cosmetic screening not checked")
