"""The coding engine: documented facts in, the lines to bill out.

``derm suggest`` and the corrected lines of ``derm check`` findings both come from here, so the
two never disagree.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .codes import GROUP_LABEL, SITE_GROUP, CodeInfo, all_codes, band_index, exact
from .models import BiopsyMethod, Pathology, Site, SuggestedLine

METHOD_CODES = {"incisional": ("11106", "11107"), "punch": ("11104", "11105"), "tangential": ("11102", "11103")}
METHOD_RANK = ("incisional", "punch", "tangential")


class CodingError(ValueError):
    """The facts are not enough (or not consistent enough) to choose a code."""


def _line(code: str, units: int = 1, modifiers: list[str] | None = None) -> SuggestedLine:
    return SuggestedLine(code=code, units=units, modifiers=modifiers or [])


def _need(value: object, name: str) -> None:
    if value is None:
        raise CodingError(f"{name} is needed to choose the code")


def _count(n: int | None) -> int:
    _need(n, "lesion_count")
    assert n is not None
    if n < 1:
        raise CodingError("lesion_count must be at least 1")
    return n


def _group(site: str | None) -> str:
    _need(site, "site")
    assert site is not None
    return SITE_GROUP[site]


def _size(size_cm: float | None) -> float:
    _need(size_cm, "size_cm")
    assert size_cm is not None
    if size_cm <= 0:
        raise CodingError("size_cm must be greater than 0")
    return size_cm


def premalignant_destruction(n: int | None) -> list[SuggestedLine]:
    """1 -> 17000; 2-14 -> 17000 + 17003 x(n-1); 15 or more -> 17004 alone.

    >>> [(l.code, l.units) for l in premalignant_destruction(5)]
    [('17000', 1), ('17003', 4)]
    """
    n = _count(n)
    if n >= 15:
        return [_line("17004")]
    return [_line("17000")] + ([_line("17003", n - 1)] if n > 1 else [])


def benign_destruction(n: int | None) -> list[SuggestedLine]:
    """Up to 14 benign lesions (warts, molluscum, SK) -> 17110; 15 or more -> 17111 alone."""
    return [_line("17111" if _count(n) >= 15 else "17110")]


def malignant_destruction(site: str | None, size_cm: float | None) -> list[SuggestedLine]:
    """One line per lesion: 17260-17286 by site group and lesion diameter."""
    base = {"A": 17260, "B": 17270, "C": 17280}[_group(site)]
    return [_line(str(base + band_index(_size(size_cm))))]


def vascular_destruction(area_sq_cm: float | None) -> list[SuggestedLine]:
    """One code for the total area treated in the session: under 10, 10-50, over 50 sq cm."""
    _need(area_sq_cm, "area_sq_cm")
    assert area_sq_cm is not None
    area = exact(area_sq_cm)
    return [_line("17106" if area < 10 else "17107" if area <= 50 else "17108")]


def excision(pathology: str | None, site: str | None, size_cm: float | None) -> list[SuggestedLine]:
    """Benign 114xx or malignant 116xx (in situ counts as malignant) by site group and excised diameter."""
    _need(pathology, "pathology")
    if pathology == "pending":
        raise CodingError("hold the claim until the pathology report is back; it decides benign or malignant")
    start = 11600 if pathology in ("malignant", "in_situ") else 11400
    offset = {"A": 0, "B": 20, "C": 40}[_group(site)]
    return [_line(str(start + offset + band_index(_size(size_cm))))]


def shave_removal(site: str | None, size_cm: float | None) -> list[SuggestedLine]:
    """11300-11313 by site group and lesion diameter (<=0.5, 0.6-1.0, 1.1-2.0, >2.0 cm)."""
    base = {"A": 11300, "B": 11305, "C": 11310}[_group(site)]
    return [_line(str(base + band_index(_size(size_cm), bands=4)))]


# Repair and adjacent-tissue-transfer site groups (CPT): the first code of each group by the contract's sites.
REPAIR_GROUP = {
    "simple": {**dict.fromkeys(("face", "ear", "eyelid", "nose", "lip", "mucous_membrane"), "12011")}
    | {s: "12001" for s in ("trunk", "arm", "leg", "scalp", "neck", "hand", "foot", "genitalia")},
    "intermediate": {
        **dict.fromkeys(("trunk", "arm", "leg", "scalp"), "12031"),
        **dict.fromkeys(("neck", "hand", "foot", "genitalia"), "12041"),
    }
    | dict.fromkeys(("face", "ear", "eyelid", "nose", "lip", "mucous_membrane"), "12051"),
    "complex": {"trunk": "13100", **dict.fromkeys(("scalp", "arm", "leg"), "13120")}
    | dict.fromkeys(("face", "neck", "hand", "foot", "genitalia"), "13131")
    | dict.fromkeys(("eyelid", "nose", "ear", "lip"), "13151"),
}
ATT_GROUP = (
    {"trunk": "14000", **dict.fromkeys(("scalp", "arm", "leg"), "14020")}
    | dict.fromkeys(("face", "neck", "hand", "foot", "genitalia"), "14040")
    | dict.fromkeys(("eyelid", "nose", "ear", "lip"), "14060")
)
# Skin grafts: the first code of each site group (split-thickness autografts, full-thickness grafts).
GRAFT_GROUP = {
    "split": dict.fromkeys(("trunk", "arm", "leg"), "15100")
    | dict.fromkeys(("face", "scalp", "eyelid", "neck", "ear", "hand", "foot", "genitalia", "nose", "lip"), "15120"),
    "full": {"trunk": "15200", **dict.fromkeys(("scalp", "arm", "leg"), "15220")}
    | dict.fromkeys(("face", "neck", "hand", "foot", "genitalia"), "15240")
    | dict.fromkeys(("eyelid", "nose", "ear", "lip"), "15260"),
}
REPAIR_FAMILY = {"simple": "repair_simple", "intermediate": "repair_intermediate", "complex": "repair_complex"}


def _group_codes(group: str) -> list[CodeInfo]:
    """The codes of a repair group (``12031-12037``), primaries first, in band order."""
    infos = [i for i in all_codes().values() if i.repair_group == group]
    return sorted(infos, key=lambda i: (i.is_addon, i.length_band[0] if i.length_band else 0))


def repair(kind: str, site: str | None, length_cm: float | None, group: str | None = None) -> list[SuggestedLine]:
    """The repair code for the summed length of same-class repairs in one site group (CPT repair guidelines): bands
    of 2.5, 7.5, 12.5, 20 and 30 cm (the face's 5.0 band for simple and intermediate); complex repairs start over
    1.0 cm and add one unit of the group's add-on per further 5 cm (or part) beyond 7.5 cm. ``group`` (the repair
    group id, e.g. ``13100-13102``) may stand in for the site.

    >>> [(l.code, l.units) for l in repair("intermediate", "hand", 2.0)]
    [('12041', 1)]
    >>> [(l.code, l.units) for l in repair("complex", "trunk", 12.6)]
    [('13101', 1), ('13102', 2)]
    >>> [(l.code, l.units) for l in repair("intermediate", "face", 5.0)]
    [('12052', 1)]
    """
    length = exact(_size(length_cm))
    if group is None:
        first = REPAIR_GROUP[kind][_group_site(site)]
        group = next(i.repair_group for i in all_codes().values() if i.code == first)
    codes = _group_codes(group or "")
    if not codes:
        raise CodingError(f"no {kind} repair codes for {site}")
    primaries = [c for c in codes if not c.is_addon and c.length_band]
    if kind == "complex" and length <= 1:
        raise CodingError("a complex repair of 1.0 cm or less is reported as a simple or intermediate repair")
    for c in primaries:  # each band runs from the previous band's edge up to and including its own
        edge = c.length_band[1] if c.length_band else None
        if edge is None or length <= exact(edge):
            return [_line(c.code)]
    last, addon = primaries[-1], next((c for c in codes if c.is_addon), None)
    last_edge = last.length_band[1] if last.length_band else None
    if addon is None or last_edge is None:
        raise CodingError(f"{length} cm is beyond the {group} bands")
    extra = math.ceil((length - exact(last_edge)) / exact(addon.per_unit_length or 5))
    return [_line(last.code), _line(addon.code, int(extra))]


def adjacent_tissue_transfer(site: str | None, area_sq_cm: float | None) -> list[SuggestedLine]:
    """Adjacent tissue transfer by site group and defect area (primary plus secondary defect): up to 10 sq cm, 10.1 to
    30 sq cm, and over 30 sq cm at any site 14301 (to 60 sq cm) plus 14302 per further 30 sq cm (or part).

    >>> [(l.code, l.units) for l in adjacent_tissue_transfer("nose", 10.5)], [(l.code, l.units) for l in adjacent_tissue_transfer("face", 95)]
    ([('14061', 1)], [('14301', 1), ('14302', 2)])
    """
    area = exact(_size(area_sq_cm))
    if area > 30:
        extra = math.ceil((area - 60) / 30) if area > 60 else 0
        return [_line("14301")] + ([_line("14302", int(extra))] if extra else [])
    first = ATT_GROUP[_group_site(site)]
    return [_line(first if area <= 10 else str(int(first) + 1))]


def _group_site(site: str | None) -> str:
    _need(site, "site")
    assert site is not None
    return site


def biopsies(counts: dict[str, int]) -> list[SuggestedLine]:
    """One primary for the highest-ranked method (incisional > punch > tangential); the rest are add-ons.

    >>> [(l.code, l.units) for l in biopsies({"punch": 2, "tangential": 1})]
    [('11104', 1), ('11105', 1), ('11103', 1)]
    """
    lines: list[SuggestedLine] = []
    for method in METHOD_RANK:
        n = counts.get(method, 0)
        if n <= 0:
            continue
        primary, addon = METHOD_CODES[method]
        if not lines:
            lines.append(_line(primary))
            n -= 1
        if n:
            lines.append(_line(addon, n))
    if not lines:
        raise CodingError("at least one biopsy is needed")
    return lines


def mohs(site: str | None, stage_blocks: list[int] | None, deep_structures: bool = False) -> list[SuggestedLine]:
    """17311/17313 first stage, +17312/+17314 per additional stage, +17315 per block beyond 5 in any stage.

    >>> [(l.code, l.units) for l in mohs("face", [7])]
    [('17311', 1), ('17315', 2)]
    """
    _need(stage_blocks, "mohs_stage_blocks")
    assert stage_blocks is not None
    if not stage_blocks or any(b < 1 for b in stage_blocks):
        raise CodingError("each Mohs stage needs at least one block")
    head = deep_structures or _group(site) in ("B", "C")
    first, additional = ("17311", "17312") if head else ("17313", "17314")
    lines = [_line(first)]
    if len(stage_blocks) > 1:
        lines.append(_line(additional, len(stage_blocks) - 1))
    extra_blocks = sum(max(0, b - 5) for b in stage_blocks)
    if extra_blocks:
        lines.append(_line("17315", extra_blocks))
    return lines


def skin_tags(n: int | None) -> list[SuggestedLine]:
    """11200 for up to 15 tags; +11201 for each additional 10 or part of 10."""
    n = _count(n)
    extra = math.ceil(max(0, n - 15) / 10)
    return [_line("11200")] + ([_line("11201", extra)] if extra else [])


def intralesional_injection(n: int | None) -> list[SuggestedLine]:
    """11900 for up to 7 lesions, 11901 for more than 7; one line, one unit."""
    return [_line("11901" if _count(n) > 7 else "11900")]


def excimer(area_sq_cm: float | None) -> list[SuggestedLine]:
    """Excimer laser for psoriasis by total area: under 250, 250-500, over 500 sq cm."""
    _need(area_sq_cm, "area_sq_cm")
    assert area_sq_cm is not None
    area = exact(area_sq_cm)
    return [_line("96920" if area < 250 else "96921" if area <= 500 else "96922")]


def drug_units(mg: float, mg_per_unit: float) -> int:
    """HCPCS drug units: the dose divided by the unit size, rounded up (40 mg of J3301 = 4 units)."""
    return max(1, math.ceil(round(mg / mg_per_unit, 6)))


# ----------------------------------------------------------------------------- derm suggest


class BiopsyCount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    biopsy_method: BiopsyMethod
    count: int = Field(default=1, ge=1)


Procedure = Literal[
    "destruction",
    "benign_destruction",
    "vascular_destruction",
    "excision",
    "shave_removal",
    "biopsy",
    "mohs",
    "skin_tag_removal",
    "intralesional_injection",
    "excimer_laser",
]


class SuggestRequest(BaseModel):
    """A procedure description (contracts section 3)."""

    model_config = ConfigDict(extra="forbid")
    procedure: Procedure
    pathology: Pathology | None = None
    lesion_count: int | None = None
    site: Site | None = None
    size_cm: float | None = None
    lesion_cm: float | None = None  # extension: lesion diameter, with margin_cm, gives size_cm
    margin_cm: float | None = None
    biopsies: list[BiopsyCount] | None = None
    mohs_stage_blocks: list[int] | None = None
    deep_structures: bool = False
    area_sq_cm: float | None = None


class Suggestion(BaseModel):
    lines: list[SuggestedLine]
    explanation: str


def excised_diameter(req: SuggestRequest) -> float | None:
    if req.size_cm is not None:
        return req.size_cm
    if req.lesion_cm is not None:
        return float(exact(req.lesion_cm) + 2 * exact(req.margin_cm or 0.0))
    return None


def suggest(req: SuggestRequest) -> Suggestion:
    """The lines to bill for a procedure, and why.

    >>> suggest(SuggestRequest(procedure="destruction", pathology="premalignant", lesion_count=16)).lines[0].code
    '17004'
    """
    p = req.procedure
    if p == "destruction" and req.pathology in ("malignant", "in_situ"):
        size = req.size_cm
        lines = malignant_destruction(req.site, size)
        n = req.lesion_count or 1
        why = (
            f"Malignant destruction is coded per lesion by site group ({GROUP_LABEL[_group(req.site)]}) "
            f"and lesion diameter ({size} cm): {lines[0].code}."
        )
        if n > 1:
            why += f" Each of the {n} lesions gets its own line, sized on its own diameter."
        return Suggestion(lines=lines, explanation=why)
    if p == "destruction" and req.pathology == "benign":
        p = "benign_destruction"
    if p == "destruction":
        lines = premalignant_destruction(req.lesion_count)
        n = req.lesion_count or 0
        if lines[0].code == "17004":
            why = f"{n} premalignant lesions (15 or more): 17004 once, alone, never with 17000 or 17003."
        elif len(lines) == 1:
            why = "One premalignant lesion: 17000 x1."
        else:
            rest = "the second lesion" if n == 2 else f"lesions 2 to {n}"
            why = f"{n} premalignant lesions: 17000 for the first and 17003 x{n - 1} for {rest} (17001 is not a valid code)."
        return Suggestion(lines=lines, explanation=why)
    if p == "benign_destruction":
        lines = benign_destruction(req.lesion_count)
        return Suggestion(
            lines=lines,
            explanation=(
                f"{req.lesion_count} benign lesions (warts, molluscum, SK; not tags or vascular lesions): "
                f"{lines[0].code} x1 ({'15 or more' if lines[0].code == '17111' else 'up to 14'}); 17110 and 17111 are never billed together."
            ),
        )
    if p == "vascular_destruction":
        lines = vascular_destruction(req.area_sq_cm)
        return Suggestion(
            lines=lines,
            explanation=f"Vascular lesions are coded once by the total area treated ({req.area_sq_cm} sq cm): {lines[0].code} x1.",
        )
    if p == "excision":
        size = excised_diameter(req)
        lines = excision(req.pathology, req.site, size)
        family = "malignant (116xx)" if lines[0].code.startswith("116") else "benign (114xx)"
        measured = (
            f"lesion {req.lesion_cm} cm + 2 x {req.margin_cm or 0} cm margin = {size} cm excised diameter"
            if req.size_cm is None
            else f"excised diameter {size} cm"
        )
        return Suggestion(
            lines=lines,
            explanation=(
                f"The pathology decides the family: {family}. Site group: {GROUP_LABEL[_group(req.site)]}; "
                f"{measured}: {lines[0].code}. Intermediate or complex repairs are billed separately."
            ),
        )
    if p == "shave_removal":
        lines = shave_removal(req.site, req.size_cm)
        return Suggestion(
            lines=lines,
            explanation=f"Shave removal by site group ({GROUP_LABEL[_group(req.site)]}) and lesion diameter ({req.size_cm} cm): {lines[0].code}.",
        )
    if p == "biopsy":
        if not req.biopsies:
            raise CodingError("biopsies is needed: a list of {biopsy_method, count}")
        counts: dict[str, int] = {}
        for b in req.biopsies:
            counts[b.biopsy_method] = counts.get(b.biopsy_method, 0) + b.count
        lines = biopsies(counts)
        return Suggestion(
            lines=lines,
            explanation=(
                f"One primary biopsy code per date, for the highest-ranked method (incisional > punch > tangential): {lines[0].code}; "
                "every other biopsy is an add-on of its own method (11103 tangential, 11105 punch, 11107 incisional)."
            ),
        )
    if p == "mohs":
        lines = mohs(req.site, req.mohs_stage_blocks, req.deep_structures)
        blocks = req.mohs_stage_blocks or []
        why = (
            f"Mohs on the {req.site}: {lines[0].code} for the first stage"
            + (f", {lines[1].code} x{len(blocks) - 1} for the additional stages" if len(blocks) > 1 else "")
            + (f", 17315 x{sum(max(0, b - 5) for b in blocks)} for the blocks beyond 5 in a stage" if any(b > 5 for b in blocks) else "")
            + ". The Mohs surgeon's own pathology is included; repairs are billed separately."
        )
        return Suggestion(lines=lines, explanation=why)
    if p == "skin_tag_removal":
        lines = skin_tags(req.lesion_count)
        why = f"{req.lesion_count} skin tags: 11200 x1 covers the first 15"
        if len(lines) > 1:
            why += f"; 11201 x{lines[1].units} covers the other {(req.lesion_count or 0) - 15} (each additional 10 or part of 10)"
        return Suggestion(lines=lines, explanation=why + ".")
    if p == "intralesional_injection":
        lines = intralesional_injection(req.lesion_count)
        return Suggestion(
            lines=lines,
            explanation=(
                f"{req.lesion_count} lesions injected: {lines[0].code} x1 (11900 up to 7 lesions, 11901 more than 7); "
                "bill the drug separately (J3301 per 10 mg of triamcinolone)."
            ),
        )
    if p == "excimer_laser":
        lines = excimer(req.area_sq_cm)
        return Suggestion(
            lines=lines,
            explanation=(
                f"Excimer laser for psoriasis, total area {req.area_sq_cm} sq cm: {lines[0].code} x1 per session. "
                "For other conditions (e.g. vitiligo) use 96999."
            ),
        )
    raise CodingError(f"unknown procedure {p}")  # pragma: no cover - Literal guards it
