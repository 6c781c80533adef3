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
            extra.append("usually cosmetic (not covered)")
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
