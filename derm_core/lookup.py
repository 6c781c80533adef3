"""What a code is, in our own words: procedure and HCPCS codes from the code tables, diagnoses from
ICD-10-CM. Shared by ``derm code``, ``derm ask`` and the Slack bot."""

from __future__ import annotations

from . import codes, icd


def describe_code(code: str) -> str:
    """One paragraph about a procedure or diagnosis code, including deleted and invalid ones.

    >>> describe_code("17001").startswith("17001 is not a valid code")
    True
    """
    c = code.strip().upper().replace("-", "")
    info = codes.lookup(c)
    if info is None and len(c) == 2 and c in codes.modifiers():
        m = codes.modifiers()[c]
        where = {
            "em": "E/M codes",
            "procedure": "procedures (not E/M)",
            "pctc": "codes with a professional/technical split",
            "drug": "drugs and biologicals",
            "any": "any code",
        }
        extra = [f"goes on {where.get(m.applies_to, m.applies_to)}"] + (["may bypass an NCCI pair edit"] if m.bypasses_ptp else [])
        extra += [f"retired {m.retired}"] if m.retired else []
        return f"{c} (modifier): {m.meaning} ({'; '.join(extra)}). Source: {', '.join(m.source)}."
    if info is not None:
        extra = [f"family {info.family.replace('_', ' ')}", f"global {info.global_days or 'not known'}"]
        if info.addon_of:
            extra.append(f"add-on to {', '.join(info.addon_of)}")
        if info.max_units:
            extra.append(f"at most {info.max_units} unit{'s' if info.max_units > 1 else ''}")
        if info.cosmetic:
            extra.append(f"cosmetic unless for {', '.join(info.dx)}" if info.dx else "usually cosmetic (not covered)")
        if info.prior_auth:
            extra.append("often needs prior authorization")
        if info.medicare and info.medicare.get("status") == "invalid":
            extra.append("not paid by Medicare")
        titles = codes.sources()
        cited = "; ".join(f"{k} ({titles[k]['title'].split(' (')[0].split(' - ')[0]})" if k in titles else k for k in info.source)
        return f"{c}: {info.desc} ({'; '.join(extra)})." + (f" Source: {cited}." if cited else "")
    bad = codes.invalid_entry(c, None)
    if bad is not None:
        return f"{c} is not a valid code: {bad.note}" + (f" Use {' / '.join(bad.replaced_by)}." if bad.replaced_by else "")
    dx = icd.normalize(code)
    state = icd.status(dx)
    if state == "billable":
        return f"{dx} (ICD-10-CM): {icd.description(dx)}. Billable."
    if state == "header":
        kids = icd.children(dx)
        return f"{dx} (ICD-10-CM): {icd.description(dx)}. Not billable: a header; use one of {', '.join(kids[:8])}."
    return f"{code} is not in our dermatology code tables or in ICD-10-CM."


def code_kind(code: str) -> str:
    """``procedure`` (in our tables), ``invalid`` (deleted or never existed), ``diagnosis`` (ICD-10-CM) or ``unknown``.

    >>> [code_kind(c) for c in ("17004", "11447", "L57.0", "ABCDE")]
    ['procedure', 'invalid', 'diagnosis', 'unknown']
    """
    c = code.strip().upper().replace("-", "")
    if codes.lookup(c) is not None:
        return "procedure"
    if codes.invalid_entry(c, None) is not None:
        return "invalid"
    return "diagnosis" if icd.status(icd.normalize(code)) != "unknown" else "unknown"


# ----------------------------------------------------------------------------- diagnoses by lesion and site
# ICD-10-CM codes for the lesions billers name, by the contract's body sites. A tuple is a subcategory whose last
# character gives the side: skin cancers (C44) end 1 unspecified / 2 right / 9 left; melanoma, in situ and nevi
# (C43, D03, D04, D22, D23) end 0 / 1 / 2.
_C44_SIDE = {None: "1", "right": "2", "left": "9"}
_SIDE_012 = {None: "0", "right": "1", "left": "2"}
_BY_SITE: dict[str, dict[str, str | tuple[str, dict[str | None, str]]]] = {
    "bcc": {"lip": "C44.01", "eyelid": "C44.111", "ear": ("C44.21", _C44_SIDE), "nose": "C44.311", "face": "C44.319", "scalp": "C44.41",
            "neck": "C44.41", "trunk": "C44.519", "arm": ("C44.61", _C44_SIDE), "hand": ("C44.61", _C44_SIDE),
            "leg": ("C44.71", _C44_SIDE), "foot": ("C44.71", _C44_SIDE)},
    "scc": {"lip": "C44.02", "eyelid": "C44.121", "ear": ("C44.22", _C44_SIDE), "nose": "C44.321", "face": "C44.329", "scalp": "C44.42",
            "neck": "C44.42", "trunk": "C44.529", "arm": ("C44.62", _C44_SIDE), "hand": ("C44.62", _C44_SIDE),
            "leg": ("C44.72", _C44_SIDE), "foot": ("C44.72", _C44_SIDE)},
    "melanoma": {"lip": "C43.0", "eyelid": ("C43.1", _SIDE_012), "ear": ("C43.2", _SIDE_012), "nose": "C43.31", "face": "C43.39",
                 "scalp": "C43.4", "neck": "C43.4", "trunk": "C43.59", "arm": ("C43.6", _SIDE_012), "hand": ("C43.6", _SIDE_012),
                 "leg": ("C43.7", _SIDE_012), "foot": ("C43.7", _SIDE_012)},
    "mis": {"lip": "D03.0", "eyelid": ("D03.1", _SIDE_012), "ear": ("D03.2", _SIDE_012), "nose": "D03.39", "face": "D03.39",
            "scalp": "D03.4", "neck": "D03.4", "trunk": "D03.59", "arm": ("D03.6", _SIDE_012), "hand": ("D03.6", _SIDE_012),
            "leg": ("D03.7", _SIDE_012), "foot": ("D03.7", _SIDE_012)},
    "sccis": {"lip": "D04.0", "eyelid": ("D04.1", _SIDE_012), "ear": ("D04.2", _SIDE_012), "nose": "D04.39", "face": "D04.39",
              "scalp": "D04.4", "neck": "D04.4", "trunk": "D04.5", "arm": ("D04.6", _SIDE_012), "hand": ("D04.6", _SIDE_012),
              "leg": ("D04.7", _SIDE_012), "foot": ("D04.7", _SIDE_012)},
    "nevus": {"lip": "D22.0", "eyelid": ("D22.1", _SIDE_012), "ear": ("D22.2", _SIDE_012), "nose": "D22.39", "face": "D22.39",
              "scalp": "D22.4", "neck": "D22.4", "trunk": "D22.5", "arm": ("D22.6", _SIDE_012), "hand": ("D22.6", _SIDE_012),
              "leg": ("D22.7", _SIDE_012), "foot": ("D22.7", _SIDE_012)},
    "df": {"lip": "D23.0", "eyelid": ("D23.1", _SIDE_012), "ear": ("D23.2", _SIDE_012), "nose": "D23.39", "face": "D23.39",
           "scalp": "D23.4", "neck": "D23.4", "trunk": "D23.5", "arm": ("D23.6", _SIDE_012), "hand": ("D23.6", _SIDE_012),
           "leg": ("D23.7", _SIDE_012), "foot": ("D23.7", _SIDE_012)},
}  # fmt: skip
# Lesions and conditions whose code does not depend on the site (the first matching word wins).
_BY_KIND = {
    "ak": "L57.0", "sk": "L82.1", "sk_inflamed": "L82.0", "wart": "B07.8", "plantar_wart": "B07.0", "molluscum": "B08.1", "tag": "L91.8",
    "cyst": "L72.0", "pilar_cyst": "L72.11", "keloid": "L91.0", "vascular": "D18.01", "port_wine": "Q82.5", "spider_vein": "I78.1",
    "uncertain": "D48.5", "lesion": "D49.2", "psoriasis": "L40.0", "vitiligo": "L80", "atopic": "L20.9", "eczema": "L30.9",
    "alopecia": "L63.9", "acne": "L70.0", "rosacea": "L71.9", "hidradenitis": "L73.2", "lichen_planus": "L43.9",
    "hyperhidrosis_axilla": "L74.510", "hyperhidrosis_palms": "L74.512", "hyperhidrosis_soles": "L74.513", "hyperhidrosis": "L74.519",
    "screening": "Z12.83", "cosmetic": "Z41.1", "lipoma_trunk": "D17.1",
}  # fmt: skip
CONDITION_WORDS: list[tuple[str, str]] = [
    (r"\bvitiligo\b", "vitiligo"), (r"\batopic\b|\bad\b(?= on| of| flare)", "atopic"), (r"\beczema\b|\bdermatitis\b", "eczema"),
    (r"\bpsoria\w*|\bpso\b", "psoriasis"), (r"\balopecia\b", "alopecia"), (r"\bacne\b", "acne"), (r"\brosacea\b", "rosacea"),
    (r"\bhidradenitis\b|\bhs\b", "hidradenitis"), (r"\blichen planus\b", "lichen_planus"),
    (r"\b(?:axillary|underarm|axilla\w*) (?:hyperhidrosis|sweat\w*)|\bhyperhidrosis\b.*\baxill", "hyperhidrosis_axilla"),
    (r"\bpalmar\b|\bpalms?\b.*\bsweat|\bhyperhidrosis\b.*\bpalm", "hyperhidrosis_palms"), (r"\bplantar hyperhidrosis\b", "hyperhidrosis_soles"),
    (r"\bhyperhidrosis\b|\bexcessive sweat\w*", "hyperhidrosis"), (r"\bscreening\b|\bskin check\b|\bfull body\b|\bfbse\b|\btbse\b", "screening"),
    (r"\bspider veins?\b|\btelangiectasi\w*", "spider_vein"), (r"\bport[- ]wine\b", "port_wine"),
]  # fmt: skip


def diagnosis_for(kind: str | None, site: str | None = None, side: str | None = None) -> str | None:
    """The ICD-10-CM code for a lesion kind (bcc, scc, melanoma, mis, sccis, nevus, ak, sk, wart ...) at a site,
    with the side where the code has one; None when the kind or site is not enough to pick a billable code.

    >>> diagnosis_for("bcc", "nose"), diagnosis_for("scc", "leg", "left"), diagnosis_for("mis", "face"), diagnosis_for("ak")
    ('C44.311', 'C44.729', 'D03.39', 'L57.0')
    """
    if kind is None:
        return None
    if kind in _BY_KIND:
        return _BY_KIND[kind]
    by_site = _BY_SITE.get(kind)
    if by_site is None or site is None or site not in by_site:
        return None
    entry = by_site[site]
    if isinstance(entry, str):
        return entry
    for s in (side if side in ("left", "right") else None, None):  # a sided eyelid code needs upper/lower: unspecified then
        code = entry[0] + entry[1][s]
        if icd.status(code) == "billable":
            return code
    return None


def diagnosis_text(code: str) -> str:
    """``C44.311 (Basal cell carcinoma of skin of nose)``: the code with its ICD-10-CM title."""
    title = icd.description(code)
    return f"{code} ({title})" if title else code
