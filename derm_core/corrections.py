"""A finding's fix applied to its claim: the corrected claim that ``Bill:`` shows and that a test checks again."""

from __future__ import annotations

from .models import Claim, Finding, Line


def corrected(claim: Claim, finding: Finding) -> Claim | None:
    """``claim`` with the finding's suggested lines in place of the lines it concerns (None when it suggests none).

    The first suggested line keeps the documentation facts of the first line it replaces (with the lesion counts of
    all the replaced lines added up); the others keep only its lesion, diagnoses and date (an add-on carries no
    family facts).

    >>> c = Claim.model_validate({"date_of_service": "2026-03-02", "lines": [{"code": "99213"}, {"code": "17000"}]})
    >>> f = Finding(rule="DRM801", category="modifier_missing", severity="error", lines=[0], message="m",
    ...             suggested_lines=[{"code": "99213", "modifiers": ["25"]}])
    >>> [(ln.code, ln.modifiers) for ln in corrected(c, f).lines]
    [('99213', ['25']), ('17000', [])]
    """
    if not finding.suggested_lines or not finding.lines:
        return None
    replaced = [claim.lines[i] for i in finding.lines if i < len(claim.lines)]
    if not replaced:
        return None
    first = replaced[0]
    counts = [ln.facts.lesion_count for ln in replaced if ln.facts.lesion_count is not None]
    family = first.facts.model_copy(update={"lesion_count": sum(counts) if counts else None})
    bare = first.facts.model_copy(update={k: None for k in type(first.facts).model_fields if k != "lesion_id"})
    new = []
    for n, s in enumerate(finding.suggested_lines):
        facts = family if n == 0 else bare
        new.append(first.model_copy(update={"code": s.code, "units": s.units, "modifiers": list(s.modifiers), "facts": facts}))
    at = min(finding.lines)
    kept: list[Line] = [ln for i, ln in enumerate(claim.lines) if i not in finding.lines]
    lines = kept[:at] + new + kept[at:]
    return claim.model_copy(update={"lines": lines})
