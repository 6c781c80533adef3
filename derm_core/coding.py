"""The coding engine: documented facts in, the lines to bill out.

``derm suggest`` and the corrected lines of ``derm check`` findings both come from here, so the
two never disagree.
"""

from __future__ import annotations

import math
from decimal import Decimal
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


def intralesional_chemotherapy(n: int | None) -> list[SuggestedLine]:
    """Chemotherapy injected into lesions: 96405 for up to 7 lesions, 96406 for more than 7; one line, one unit."""
    return [_line("96406" if _count(n) > 7 else "96405")]


def nail_debridement(n: int | None) -> list[SuggestedLine]:
    """Nail debridement by the number of nails: 11720 for 1 to 5, 11721 for 6 or more; one line, one unit."""
    return [_line("11721" if _count(n) >= 6 else "11720")]


def paring(n: int | None) -> list[SuggestedLine]:
    """Corn or callus paring by the number of lesions: 11055 for 1, 11056 for 2 to 4, 11057 for more than 4."""
    count = _count(n)
    return [_line("11055" if count == 1 else "11056" if count <= 4 else "11057")]


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


# ----------------------------------------------------------------------------- several procedures on one date
# Added for `derm ask` (questions that describe several lesions, repairs, drugs and modifiers). Nothing above
# changes; the functions below reuse the per-procedure functions and add what a whole date of service needs.

RepairClass = Literal["simple", "intermediate", "complex"]
# Benign excisions of 0.5 cm or less: NCCI bundles every repair of their wound into them (rules.md section 18).
REPAIR_BUNDLED_EXCISIONS = frozenset({"11400", "11420", "11440"})


class RepairWound(BaseModel):
    """One repaired wound: its class, site and length in cm."""

    model_config = ConfigDict(extra="forbid")
    repair_class: RepairClass
    site: Site | None = None
    length_cm: float | None = None


def _repair_group_of(repair_class: str, site: str | None) -> str:
    """The repair group id (``12031-12037``) of a wound's class and site."""
    _need(site, "site")
    first = REPAIR_GROUP[repair_class].get(str(site))
    if first is None:
        raise CodingError(f"site: no {repair_class} repair group covers the {site}")
    info = all_codes().get(first)
    return (info.repair_group if info else None) or first


def repair_group_label(repair_class: str, site: str | None) -> str:
    """The code range of the repair group a wound belongs to (``12031-12037``), or "" when the site is unknown.

    >>> repair_group_label("intermediate", "hand")
    '12041-12047'
    """
    try:
        return _repair_group_of(repair_class, site)
    except CodingError:
        return ""


def repair_lines(wounds: list[RepairWound]) -> list[SuggestedLine]:
    """Repairs of one date: lengths of the same class in the same anatomic group are added up, and each sum is
    coded with ``repair`` (one code per class and group, complex add-ons per further 5 cm).

    >>> [(l.code, l.units) for l in repair_lines([RepairWound(repair_class="intermediate", site="arm", length_cm=2.5),
    ...                                           RepairWound(repair_class="intermediate", site="arm", length_cm=3.1)])]
    [('12032', 1)]
    >>> [(l.code, l.units) for l in repair_lines([RepairWound(repair_class="complex", site="scalp", length_cm=14)])]
    [('13121', 1), ('13122', 2)]
    """
    totals: dict[tuple[str, str], tuple[Decimal, str]] = {}
    for w in wounds:
        _need(w.length_cm, "repair_length_cm")
        assert w.length_cm is not None
        if w.length_cm <= 0:
            raise CodingError("repair_length_cm must be greater than 0")
        key = (w.repair_class, _repair_group_of(w.repair_class, w.site))
        total, site = totals.get(key, (Decimal(0), str(w.site)))
        totals[key] = (total + exact(w.length_cm), site)
    lines: list[SuggestedLine] = []
    for (repair_class, group), (total, site) in totals.items():
        lines += repair(repair_class, site, float(total), group)
    return lines


def excision_like(code: str, pathology: str) -> list[SuggestedLine]:
    """The excision code of the same site group and size band in the family the pathology calls for
    (benign or uncertain 114xx; malignant and in situ 116xx), for a code billed before the pathology was back.

    >>> excision_like("11402", "malignant")[0].code, excision_like("11642", "benign")[0].code
    ('11602', '11442')
    """
    from .codes import lookup

    info = lookup(code)
    if info is None or not info.family.startswith("excision"):
        raise CodingError(f"{code} is not an excision code")
    if pathology == "pending":
        raise CodingError("hold the claim until the pathology report is back; it decides benign or malignant")
    family = "excision_malignant" if pathology in ("malignant", "in_situ") else "excision_benign"
    return [_line(("116" if family == "excision_malignant" else "114") + code[3:])]


PostopRelation = Literal[
    "staged", "more_extensive", "therapeutic_after_diagnostic", "complication_return", "complication", "unrelated", "routine"
]


class GlobalAdvice(BaseModel):
    """What a service needs when it falls near another procedure's global period."""

    modifier: str | None  # the modifier the service takes, None when none is needed (or it is not billable)
    billable: bool
    in_global: bool
    global_days: str
    explanation: str


def global_period_modifier(
    prior_code: str,
    days_after: int | None,
    service: Literal["em", "procedure"],
    relation: PostopRelation | None,
    inside: bool | None = None,
) -> GlobalAdvice:
    """The modifier for an E/M or a procedure ``days_after`` the procedure ``prior_code`` (negative: before it;
    0: the same day), by the prior code's global period (000, 010, 090) and how the two are related.

    Inside the global: staged, more extensive or therapy after a diagnostic procedure -> 58; an unplanned return to
    the operating or procedure room for a complication -> 78; an unrelated procedure -> 79; an unrelated E/M -> 24;
    a complication treated without a return to the room, or a routine post-operative visit, is part of the global
    package and not billable. The same day: an E/M with a 000/010 procedure takes 25, with a 090 procedure 57 (also
    the day before). Outside the global nothing is needed. ``inside`` says the service is (or is not) in the global
    period when the days are not known.

    >>> global_period_modifier("11602", 8, "procedure", "more_extensive").modifier
    '58'
    >>> global_period_modifier("11102", 14, "procedure", "more_extensive").modifier is None
    True
    """
    from .codes import lookup

    info = lookup(prior_code)
    if info is None:
        raise CodingError(f"{prior_code} is not in the code tables; its global period is not known")
    days = info.global_days
    if days not in ("000", "010", "090"):
        raise CodingError(f"{prior_code} has no global period of its own ({days})")
    length = int(days)
    if inside is not None and (days_after is None or (inside and not 0 < days_after <= length)):
        days_after = 1 if inside else length + 1
    _need(days_after, "days_after")
    assert days_after is not None
    label = f"{prior_code} has a {length}-day global" + (" (the day of the procedure only)" if length == 0 else "")
    if days_after <= 0 and service == "em":
        if length == 90 and days_after >= -1:
            return GlobalAdvice(modifier="57", billable=True, in_global=False, global_days=days,
                                explanation=f"{label}: a visit the day before or the day of a major (090) procedure where the decision for surgery was made takes 57.")  # fmt: skip
        if days_after == 0:
            return GlobalAdvice(modifier="25", billable=True, in_global=False, global_days=days,
                                explanation=f"{label}: a significant, separately identifiable visit on the day of a minor (000/010) procedure takes 25 on the E/M; 57 is only for 090-day procedures.")  # fmt: skip
    if days_after <= 0 or days_after > length:
        where = "before it" if days_after < 0 else "after it ends" if days_after > length else "on the same day"
        return GlobalAdvice(modifier=None, billable=True, in_global=False, global_days=days,
                            explanation=f"{label}, so a service {abs(days_after)} days {'before' if days_after < 0 else 'after'} it is outside the global period ({where}): no global-period modifier is needed.")  # fmt: skip
    when = f"{label}; the service is inside it" if inside else f"{label}; day {days_after} is inside it"
    if service == "em":
        if relation == "unrelated":
            return GlobalAdvice(modifier="24", billable=True, in_global=True, global_days=days,
                                explanation=f"{when}: an unrelated E/M by the same physician takes 24.")  # fmt: skip
        return GlobalAdvice(modifier=None, billable=False, in_global=True, global_days=days,
                            explanation=f"{when}: routine or related post-operative visits (suture removal, wound checks, complications treated in the office) are part of the global package and not billable.")  # fmt: skip
    if relation in ("staged", "more_extensive", "therapeutic_after_diagnostic"):
        return GlobalAdvice(modifier="58", billable=True, in_global=True, global_days=days,
                            explanation=f"{when}: a staged or planned procedure, a more extensive one (e.g. re-excision for margins), or therapy after a diagnostic procedure by the same physician takes 58; a new global period starts.")  # fmt: skip
    if relation == "complication_return":
        return GlobalAdvice(modifier="78", billable=True, in_global=True, global_days=days,
                            explanation=f"{when}: an unplanned return to the operating or procedure room for a related complication takes 78 (no new global period).")  # fmt: skip
    if relation == "complication":
        return GlobalAdvice(modifier=None, billable=False, in_global=True, global_days=days,
                            explanation=f"{when}: a complication treated without a return to the operating or procedure room (e.g. in the exam room) is part of the global package; 78 does not apply.")  # fmt: skip
    if relation == "unrelated":
        return GlobalAdvice(modifier="79", billable=True, in_global=True, global_days=days,
                            explanation=f"{when}: an unrelated procedure by the same physician takes 79.")  # fmt: skip
    raise CodingError(
        "relation: is the later service staged or more extensive (58), a complication with a return to the procedure room (78), or unrelated (79)?"
    )


def liability_modifiers(reason: Literal["excluded", "not_necessary"], abn_signed: bool | None, advantage: bool = False) -> list[str]:
    """Medicare liability modifiers: a statutorily excluded service (cosmetic, routine screening) takes GY, with GX
    when a voluntary ABN was signed; an expected medical-necessity denial takes GA with an ABN on file, GZ without.
    Medicare Advantage plans do not use ABNs or these modifiers (the plan's organization determination decides).

    >>> liability_modifiers("excluded", True), liability_modifiers("not_necessary", False)
    (['GY', 'GX'], ['GZ'])
    """
    if advantage:
        return []
    if reason == "excluded":
        return ["GY", "GX"] if abn_signed else ["GY"]
    _need(abn_signed, "abn_signed")
    return ["GA"] if abn_signed else ["GZ"]


def pathology_component(interpretation: bool, preparation: bool) -> str | None:
    """26 when the provider only interprets the slides, TC when it only prepares them, None (the global code) for both.

    >>> pathology_component(True, False), pathology_component(True, True)
    ('26', None)
    """
    if interpretation and not preparation:
        return "26"
    if preparation and not interpretation:
        return "TC"
    if not interpretation and not preparation:
        raise CodingError("pathology: did the provider interpret the slides, prepare them, or both?")
    return None


def drug_lines(code: str, dose: float, discarded: float | None = None, single_dose: bool | None = None) -> list[SuggestedLine]:
    """Drug lines: the dose in billing units (mg divided by the code's mg per unit, rounded up; ``per unit`` codes
    as given), with JZ when nothing was discarded from a single-dose container, or a second JW line for the
    discarded amount. ``single_dose`` overrides the code table when the container is known.

    >>> [(l.code, l.units, l.modifiers) for l in drug_lines("J3301", 60)]
    [('J3301', 6, [])]
    >>> [(l.code, l.units, l.modifiers) for l in drug_lines("J0585", 100, discarded=100)]
    [('J0585', 100, []), ('J0585', 100, ['JW'])]
    """
    from .codes import lookup

    info = lookup(code)
    if info is None or info.family != "drug":
        raise CodingError(f"{code} is not a drug code in the code tables")
    per = info.mg_per_unit or 1
    units = drug_units(dose, per)
    single = info.single_dose if single_dose is None else single_dose
    if not single or discarded is None:
        return [_line(code, units)]
    if discarded <= 0:
        return [_line(code, units, ["JZ"])]
    return [_line(code, units), _line(code, drug_units(discarded, per), ["JW"])]


def anatomic_modifier(site: str, side: Literal["left", "right"] | None, part: str | None = None) -> str | None:
    """The HCPCS anatomic modifier for an eyelid (``part`` upper/lower), a finger or toe (``part`` thumb, great,
    second ... fifth), or a side (LT/RT); None when the side is not known.

    >>> anatomic_modifier("eyelid", "left", "upper"), anatomic_modifier("hand", "right", "thumb"), anatomic_modifier("arm", "left")
    ('E1', 'F5', 'LT')
    """
    from .codes import modifiers

    if side is None:
        return None
    words: list[str] = [side]
    if site == "eyelid" and part in ("upper", "lower"):
        words += [part, "eyelid"]
    elif site in ("hand", "foot") and part:
        words += ["hand" if site == "hand" else "foot", {"great": "great toe"}.get(part, part if part == "thumb" else f"{part} digit")]
    else:
        return "LT" if side == "left" else "RT"
    for code, mod in modifiers().items():
        meaning = mod.meaning.lower()
        if all(w in meaning for w in words):
            return code
    return None


class Session(BaseModel):
    """What was done on one date: the procedures (one request per lesion or group of lesions) and the repairs.

    ``repair_of`` links a repair to the index of the procedure whose wound it closes (None: a separate wound,
    e.g. a laceration or a defect left by Mohs).
    """

    model_config = ConfigDict(extra="forbid")
    procedures: list[SuggestRequest] = Field(default_factory=list)
    repairs: list[RepairWound] = Field(default_factory=list)
    repair_of: list[int | None] = Field(default_factory=list)


class SessionPart(BaseModel):
    """The lines for one lesion (or one counted group of lesions) and why; ``error`` when facts were missing."""

    label: str
    procedures: list[int]  # indexes into Session.procedures (for repairs: the procedures whose wounds they close)
    lines: list[SuggestedLine]
    explanation: str
    error: str | None = None


# Families whose lesions of one date are counted or measured together, and the request field that adds up.
_POOLED = {"destruction": "lesion_count", "benign_destruction": "lesion_count", "skin_tag_removal": "lesion_count",
           "intralesional_injection": "lesion_count", "vascular_destruction": "area_sq_cm", "excimer_laser": "area_sq_cm"}  # fmt: skip
_PER_LESION_FIRST = frozenset({"17311", "17313"})


def _pool_key(req: SuggestRequest) -> str:
    if req.procedure == "destruction" and req.pathology in ("malignant", "in_situ"):
        return "per-lesion"
    if req.procedure == "destruction" and req.pathology == "benign":
        return "benign_destruction"
    return req.procedure if req.procedure in _POOLED or req.procedure == "biopsy" else "per-lesion"


def suggest_session(session: Session) -> list[SessionPart]:
    """The lines for everything done on one date.

    Premalignant and benign destructions, tags, injections, vascular and excimer areas are counted together
    across body sites; biopsies get one primary; excisions, shaves, malignant destructions and Mohs are coded per
    lesion, a second identical code taking XS; a biopsy beside a procedure on another lesion takes XS. Repairs:
    a simple closure of an excision or shave is included, and every repair of a benign excision of 0.5 cm or less
    is bundled into it; the others are added up per class and group (``repair_lines``).

    >>> parts = suggest_session(Session(procedures=[
    ...     SuggestRequest(procedure="destruction", pathology="premalignant", lesion_count=3),
    ...     SuggestRequest(procedure="destruction", pathology="premalignant", lesion_count=2)]))
    >>> [(l.code, l.units) for p in parts for l in p.lines]
    [('17000', 1), ('17003', 4)]
    """
    parts: list[SessionPart] = []
    pooled: dict[str, list[int]] = {}
    order: list[tuple[str, int]] = []
    for i, req in enumerate(session.procedures):
        key = _pool_key(req)
        if key == "per-lesion":
            order.append((key, i))
        else:
            if key not in pooled:
                order.append((key, i))
            pooled.setdefault(key, []).append(i)
    for key, i in order:
        members = [i] if key == "per-lesion" else pooled[key]
        reqs = [session.procedures[j] for j in members]
        req = reqs[0]
        if key == "biopsy":
            merged = [b for r in reqs for b in (r.biopsies or [])]
            req = req.model_copy(update={"biopsies": merged or None})
        elif key != "per-lesion":
            name = _POOLED[key]
            values = [getattr(r, name) for r in reqs]
            total = None if any(v is None for v in values) else sum(values)
            req = req.model_copy(update={name: total})
        label = _label(req, len(members))
        try:
            result = suggest(req)
        except CodingError as e:
            parts.append(SessionPart(label=label, procedures=members, lines=[], explanation="", error=str(e)))
            continue
        parts.append(SessionPart(label=label, procedures=members, lines=result.lines, explanation=result.explanation))
    _mark_distinct(parts, session)
    parts += _repair_parts(session, parts)
    return parts


def _label(req: SuggestRequest, n: int) -> str:
    what = {"destruction": "premalignant destruction" if req.pathology not in ("malignant", "in_situ") else "malignant destruction",
            "benign_destruction": "benign destruction", "vascular_destruction": "vascular lesions", "excision": "excision",
            "shave_removal": "shave removal", "biopsy": "biopsies", "mohs": "Mohs", "skin_tag_removal": "skin tags",
            "intralesional_injection": "intralesional injection", "excimer_laser": "excimer laser"}[req.procedure]  # fmt: skip
    return (
        f"{what}"
        + (f" ({n} groups added together)" if n > 1 else "")
        + (f", {req.site}" if req.site and req.procedure not in _POOLED else "")
    )


def _mark_distinct(parts: list[SessionPart], session: Session) -> None:
    """XS on a repeated per-lesion code (second lesion onward), and on the primary biopsy when another lesion had a
    definitive procedure the same day."""
    seen: set[str] = set()
    definitive = False
    for p in parts:
        if p.error or p.label.startswith("biopsies"):
            continue
        for k, ln in enumerate(p.lines):
            first = (
                k == 0
                and p.procedures
                and session.procedures[p.procedures[0]].procedure in ("excision", "shave_removal", "mohs", "destruction")
            )
            if first and session.procedures[p.procedures[0]].procedure == "destruction" and not ln.code.startswith("172"):
                first = False
            if first or ln.code in _PER_LESION_FIRST:
                if ln.code in seen and "XS" not in ln.modifiers:
                    ln.modifiers = [*ln.modifiers, "XS"]
                seen.add(ln.code)
        definitive = definitive or bool(p.lines)
    if definitive:
        for p in parts:
            if p.label.startswith("biopsies") and p.lines and "XS" not in p.lines[0].modifiers:
                p.lines[0].modifiers = [*p.lines[0].modifiers, "XS"]


def _repair_parts(session: Session, parts: list[SessionPart]) -> list[SessionPart]:
    if not session.repairs:
        return []
    codes_of = {j: p.lines[0].code for p in parts if p.lines for j in p.procedures}
    kept: list[RepairWound] = []
    owners: list[int] = []  # the procedures whose wounds the billed repairs close
    notes: list[str] = []
    for k, wound in enumerate(session.repairs):
        of = session.repair_of[k] if k < len(session.repair_of) else None
        if of is not None and wound.repair_class == "simple":
            notes.append("a simple (single-layer) closure is included in the excision")
            continue
        if of is not None and codes_of.get(of) in REPAIR_BUNDLED_EXCISIONS:
            notes.append(
                f"NCCI bundles every repair (simple, intermediate, complex) into a benign excision of 0.5 cm or less ({codes_of[of]})"
            )
            continue
        kept.append(wound)
        if of is not None and of not in owners:
            owners.append(of)
    label = "repairs"
    if not kept:
        return [SessionPart(label=label, procedures=[], lines=[], explanation="No repair line: " + "; ".join(dict.fromkeys(notes)) + ".")]
    try:
        lines = repair_lines(kept)
    except CodingError as e:
        return [SessionPart(label=label, procedures=[], lines=[], explanation="", error=str(e))]
    groups: dict[str, Decimal] = {}
    for w in kept:
        g = f"{w.repair_class} {repair_group_label(w.repair_class, w.site)}"
        groups[g] = groups.get(g, Decimal(0)) + exact(w.length_cm or 0)
    why = "; ".join(
        f"{g}: {total} cm"
        + (" in total" if sum(1 for w in kept if f"{w.repair_class} {repair_group_label(w.repair_class, w.site)}" == g) > 1 else "")
        for g, total in groups.items()
    )
    why = f"Repairs of the same class in the same anatomic group are added up: {why}."
    if notes:
        why += " No line for the others: " + "; ".join(dict.fromkeys(notes)) + "."
    return [SessionPart(label=label, procedures=owners, lines=lines, explanation=why)]
