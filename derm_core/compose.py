"""Answers composed from the facts of a question (``question_facts.parse``): the claim those facts describe, the
coding engine's lines for "what do I bill", the checker's findings for "can I bill X with Y", the global-period,
liability, component, drug and anatomic modifiers for "which modifier", the Medicare screens for "is it covered",
and, when a fact is missing, what can already be said and the one fact to ask for.

The codes in an answer are always the coding engine's (``coding``) or the checker's (``service.check``), never a
second copy of the rules. ``faq.ask`` adds the FAQ entry that explains the answer, with its references.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from . import coding
from .codes import GROUP_LABEL, SITE_GROUP, all_codes, exact, invalid_entry, lookup
from .coding import CodingError, RepairWound, Session, SessionPart, SuggestRequest
from .lookup import CONDITION_WORDS, diagnosis_for, diagnosis_text
from .models import Claim, ClaimReport, Finding, SuggestedLine
from .question_facts import Item, NamedCode, Question, measures_in, side_in, site_in
from .render import lines_text
from .ruleset import Ruleset
from .service import check

COMPUTED = 0.95  # every fact the answer needed was in the question
HEDGED = 0.7  # the answer rests on a reading the biller should confirm (said in the answer)
PARTIAL = 0.6  # a fact is missing: the answer gives what it can and asks for it


@dataclass
class Composed:
    """An answer built from facts: its text, the lines to bill, the claim checked, and what explains it."""

    text: str
    lines: list[SuggestedLine] = field(default_factory=list)
    claim: Claim | None = None
    confidence: float = COMPUTED
    rules: list[str] = field(default_factory=list)  # rule ids of the findings that drove the answer
    codes: list[str] = field(default_factory=list)  # codes the answer is about, to pick the explaining FAQ entry
    modifiers: list[str] = field(default_factory=list)
    topic: str | None = None  # the FAQ topic when no code says it (e.g. "em_modifiers")
    explain: bool = False  # add the explaining FAQ entry's answer (verdicts and modifiers), not only its title


# Lesion kinds in words, for answers.
_KIND_LABEL = {
    "bcc": "BCC", "scc": "SCC", "sccis": "SCC in situ", "mis": "melanoma in situ", "melanoma": "melanoma", "merkel": "Merkel cell carcinoma",
    "malignant": "malignant lesion", "ak": "AK", "sk": "seborrheic keratosis", "wart": "wart", "molluscum": "molluscum", "tag": "skin tag",
    "nevus": "nevus", "cyst": "cyst", "df": "dermatofibroma", "vascular": "vascular lesion", "keloid": "keloid", "lesion": "lesion",
    "psoriasis": "psoriasis",
}  # fmt: skip
# A code of each procedure, for its global period when the question names the procedure but not the code.
_GLOBAL_OF = {"biopsy": "11102", "shave_removal": "11300", "excision": "11400", "destruction": "17000", "benign_destruction": "17110",
              "mohs": "17311", "flap": "14000", "skin_tag_removal": "11200", "intralesional_injection": "11900",
              "vascular_destruction": "17106", "excimer_laser": "96920"}  # fmt: skip
# Diagnoses that support each procedure family when the question does not say the lesion.
_DEFAULT_DX = {"destruction_premalignant": "L57.0", "destruction_benign": "L82.1", "destruction_vascular": "D18.01",
               "destruction_malignant": "C44.519", "excision_benign": "D23.5", "excision_malignant": "C44.519", "shave": "L82.1",
               "biopsy": "D48.5", "mohs": "C44.311", "skin_tags": "L91.8", "injection": "L91.0", "excimer": "L40.0",
               "phototherapy": "L40.0", "pathology": "D48.5", "repair_simple": "S01.81XA", "repair_intermediate": "C44.519",
               "repair_complex": "C44.519", "adjacent_tissue_transfer": "C44.311", "em": "L30.9", "drug": "L91.0",
               "chemodenervation": "L74.510", "photodynamic": "L57.0", "cosmetic": "Z41.1"}  # fmt: skip
_TODAY = date(2026, 3, 2)  # the date of service of composed claims: one fixed date keeps answers reproducible


def compose(q: Question, ruleset: Ruleset) -> Composed | None:
    """The answer the facts of ``q`` make, or None when they make none (the FAQ answers then).

    >>> from derm_core.question_facts import parse
    >>> from derm_core.ruleset import default_ruleset
    >>> c = compose(parse("3 aks on face and 2 on L arm cryo'd today"), default_ruleset())
    >>> lines_text(c.lines)
    '17000 x1 + 17003 x4'
    """
    if "practice_data" in q.asks or "off_topic" in q.asks:
        return None
    if any(lookup(c.code) is None and not _known_elsewhere(c.code) for c in q.codes):
        return None  # a code our tables do not have (G2211, a code of another specialty): the FAQ or nothing answers
    steps: tuple[Callable[[Question, Ruleset], Composed | None], ...] = (
        _correction,
        _modifier,
        _diagnosis,
        _both,
        _choice,
        _prior_auth,
        _coverage,
        _excimer_other,
        _bill,
    )
    if "document" in q.asks and not quantified(q):
        steps = (_correction, _modifier, _diagnosis, _coverage_documentation, _coverage)
    for step in steps:
        found = step(q, ruleset)
        if found is not None:
            if found.lines and found.claim is None:  # every answer with lines carries the claim they make
                item = q.items[0] if len(q.items) == 1 else None
                found.claim = build_claim(q, [(ln, item, None) for ln in found.lines])
            return found
    return None


def _family_of(code: str) -> str | None:
    info = lookup(code)
    return info.family if info is not None else None


def quantified(q: Question) -> bool:
    """The question gives at least one measure the coding engine computes from (count, size, area, stages, lengths)."""
    for it in q.items:
        count = None if it.count_implied else it.count
        if any(v is not None for v in (count, it.lesion_cm, it.size_cm, it.margin_cm, it.area_sq_cm, it.stages)) or it.repair_cm:
            return True
        if sum(it.biopsies.values()) > 1 or len(it.biopsies) > 1:
            return True
    return len([it for it in q.items if it.procedure == "biopsy"]) > 1 or q.drug_mg is not None or q.drug_units is not None


def _known_elsewhere(code: str) -> bool:
    """Deleted or never-valid codes our tables know about: the code lookup answers those."""
    from .codes import invalid_entry

    return invalid_entry(code, None) is not None


# ----------------------------------------------------------------------------- the claim


# For a code named without its lesion: a site of the code's site group and a lesion kind of its family.
_GROUP_SITE = {"A": "trunk", "B": "scalp", "C": "face", "BC": "face", "AB": "trunk"}
_FAMILY_KIND = {"excision_malignant": "bcc", "destruction_malignant": "bcc", "mohs": "bcc", "excision_benign": "df", "shave": "nevus"}


def _dx(item: Item | None, family: str | None, code: str | None = None) -> str:
    info = lookup(code) if code else None
    kind: str | None
    specific = item is not None and item.kind in ("bcc", "scc", "melanoma", "mis", "sccis", "nevus", "df", "merkel")
    if family in _FAMILY_KIND and info is not None and (item is None or item.site is None or not specific):
        kind = item.kind if item is not None and specific else _FAMILY_KIND[family]
        site = item.site if item is not None and item.site else _GROUP_SITE.get(info.site_group or "")
        by_group = diagnosis_for(kind, site, item.side if item else None)
        if by_group is not None:
            return by_group
    if item is not None:
        kind = item.kind
        if kind == "sk" and (set(item.symptoms) & {"inflammation", "irritation"} or re.search(r"inflamed|irritated", item.text)):
            kind = "sk_inflamed"
        if kind == "wart" and re.search(r"plantar", item.text):
            kind = "plantar_wart"
        code = diagnosis_for(kind, item.site, item.side)
        if code is None and kind in ("malignant", "lesion") and item.malignant:
            code = diagnosis_for("bcc", item.site, item.side)
        if code is not None:
            return code
    return _DEFAULT_DX.get(family or "", "L98.9")


def _facts(item: Item | None, q: Question, line: SuggestedLine, lesion_id: str | None) -> dict:
    info = lookup(line.code)
    facts: dict = {}
    if item is not None:
        if item.site:
            facts["site"] = item.site
        if (
            info is not None
            and info.family in ("excision_benign", "excision_malignant", "shave", "destruction_malignant", "mohs")
            and not info.is_addon
        ):
            size = _size_of(item)
            if size is not None:
                facts["size_cm"] = size
        if item.pathology and info is not None and info.family not in ("pathology", "em", "drug"):
            facts["pathology"] = item.pathology
        if info is not None and info.family == "mohs" and not info.is_addon and item.stage_blocks:
            facts["mohs_stage_blocks"] = item.stage_blocks
        if (
            info is not None
            and info.family in ("destruction_premalignant", "destruction_benign", "skin_tags", "injection")
            and not info.is_addon
        ):
            facts["lesion_count"] = _pooled_count(q, info.family) or item.count
        if info is not None and info.family in ("excimer", "destruction_vascular"):
            facts["area_sq_cm"] = _pooled_area(q, info.family) or item.area_sq_cm
        if info is not None and info.family == "biopsy" and info.method:
            facts["biopsy_method"] = info.method
    if lesion_id:
        facts["lesion_id"] = lesion_id
    if q.payer_type == "medicare" and info is not None and info.family in ("skin_tags", "shave", "excision_benign", "destruction_benign"):
        symptoms = list(dict.fromkeys([*(item.symptoms if item else []), *q.symptoms]))
        if symptoms and not q.cosmetic:
            facts["symptoms"] = [s for s in symptoms]
        elif q.no_symptoms or q.cosmetic:
            facts["symptoms"] = []
        if q.cosmetic:
            facts["purpose"] = "cosmetic"
        if q.abn is not None:
            facts["abn_signed"] = q.abn
    if q.cosmetic and "purpose" not in facts and info is not None and info.family not in ("em", "pathology"):
        facts["purpose"] = "cosmetic"
    if q.photosensitizer and info is not None and info.family == "phototherapy":
        facts["photosensitizer"] = q.photosensitizer
    return facts


def _size_of(item: Item) -> float | None:
    if item.size_cm is not None:
        return item.size_cm
    if item.procedure == "excision" and item.lesion_cm is not None:
        return float(exact(item.lesion_cm) + 2 * exact(item.margin_cm or 0))
    return item.lesion_cm


def _pooled_count(q: Question, family: str) -> int | None:
    wanted = {"destruction_premalignant": ("destruction",), "destruction_benign": ("benign_destruction",), "skin_tags": ("skin_tag_removal",),
              "injection": ("intralesional_injection",)}[family]  # fmt: skip
    counts = [
        it.count for it in q.items if it.procedure in wanted and (family != "destruction_premalignant" or it.pathology == "premalignant")
    ]
    return sum(c for c in counts if c) or None


def _pooled_area(q: Question, family: str) -> float | None:
    wanted = "excimer_laser" if family == "excimer" else "vascular_destruction"
    areas = [it.area_sq_cm for it in q.items if it.procedure == wanted and it.area_sq_cm]
    return float(sum(a for a in areas if a is not None)) if areas else None


def _payer(q: Question) -> dict | None:
    if q.payer_type is None:
        return None
    return {"type": q.payer_type, **({"name": q.payer_name} if q.payer_name else {})}


def build_claim(q: Question, lines: list[tuple[SuggestedLine, Item | None, str | None]]) -> Claim:
    """The claim for these lines: each with its item's diagnosis and facts, the question's payer, one date.

    ``lines`` holds (line, the item it codes or None, a lesion id or None).
    """
    out: list[dict] = []
    for line, item, lesion_id in lines:
        info = lookup(line.code)
        family = info.family if info else None
        dx = _dx(item, family, line.code)
        out.append(
            {
                "code": line.code,
                "modifiers": list(line.modifiers),
                "units": line.units,
                "dx": [dx],
                "facts": _facts(item, q, line, lesion_id),
            }
        )
    diagnoses = list(dict.fromkeys(ln["dx"][0] for ln in out))
    payload: dict = {"claim_id": "ask", "date_of_service": _TODAY.isoformat(), "diagnoses": diagnoses, "lines": out}
    if (payer := _payer(q)) is not None:
        payload["payer"] = payer
    return Claim.model_validate(payload)


def _check(claim: Claim, ruleset: Ruleset) -> ClaimReport:
    return check([claim], ruleset, stored=False).claims[0]


def _problems(report: ClaimReport, severities: tuple[str, ...] = ("error", "warning")) -> list[Finding]:
    return [f for f in report.findings if f.severity in severities]


# ----------------------------------------------------------------------------- what do I bill


def _session(q: Question) -> tuple[Session, list[Item]]:
    procs: list[SuggestRequest] = []
    owners: list[Item] = []
    repairs: list[RepairWound] = []
    repair_of: list[int | None] = []
    for it in q.items:
        req = it.request()
        index: int | None = None
        if req is not None:
            req = _with_path(req, q, it)
            procs.append(req)
            owners.append(it)
            index = len(procs) - 1
        if it.repair_cm and it.repair_class:
            for length in it.repair_cm if it.procedure == "repair" else it.repair_cm[:1]:
                repairs.append(RepairWound(repair_class=it.repair_class, site=it.site, length_cm=length))
                repair_of.append(index)
    return Session(procedures=procs, repairs=repairs, repair_of=repair_of), owners


def _with_path(req: SuggestRequest, q: Question, item: Item) -> SuggestRequest:
    """The pathology result of the question replaces what the procedure was first billed as; an excision with no
    pathology takes the family of the excision codes the question names ("11646 or 11647?")."""
    if req.procedure == "excision" and req.pathology is None and q.path_result is None:
        named = {_family_of(c.code) for c in q.codes} & {"excision_benign", "excision_malignant"}
        if len(named) == 1:
            req = req.model_copy(update={"pathology": "malignant" if named == {"excision_malignant"} else "benign"})
    if q.path_result and req.procedure in ("excision", "destruction", "benign_destruction"):
        update: dict = {"pathology": q.path_result}
        if req.procedure == "benign_destruction" and q.path_result in ("malignant", "in_situ", "premalignant"):
            update["procedure"] = "destruction"
        return req.model_copy(update=update)
    return req


def _item_label(it: Item | None) -> str:
    if it is None:
        return ""
    kind = _KIND_LABEL.get(it.kind or "", "")
    where = " ".join(w for w in ((it.side or ""), (it.site_word or "")) if w)
    if it.procedure == "repair":
        return f"{it.repair_class or ''} repair{', ' + where if where else ''}".strip()
    return ", ".join(w for w in (kind, where) if w)


# "what code", "which code", "how do I bill", "codes?": a question that asks for the code (not "can we bill X").
_ASKS_FOR_CODE = re.compile(
    r"\b(?:what|which)\b[^?.]*\b(?:codes?|cpt|bill|lines|units)\b|\bhow (?:do|should|would|can|to) (?:i|we|you)? ?(?:bill|code|report)\b|"
    r"\b(?:codes?|cpt|units)\s*(?:pls|please)?\s*\??\s*$|\bwhat do (?:i|we) (?:bill|code)\b|\bcode (?:for|this|it)\b|\bhow many units\b|"
    r"\b(?:what|which)\s+\d{3,4}x+\b|\bwhat (?:do|should) (?:i|we) use\b"
)


def _bill(q: Question, ruleset: Ruleset) -> Composed | None:
    if not quantified(q) and not _ASKS_FOR_CODE.search(q.text):
        return None
    session, owners = _session(q)
    if not session.procedures and not session.repairs:
        return _drug_only(q, ruleset)
    parts = coding.suggest_session(session)
    lines: list[tuple[SuggestedLine, Item | None, str | None]] = []
    texts: list[str] = []
    missing: list[str] = []
    for part in parts:
        item = owners[part.procedures[0]] if part.procedures else None
        label = _part_label(part, [owners[j] for j in part.procedures])
        if part.error and part.label == "repairs":
            missing.append(_repair_error(part.error, session))
            continue
        if part.error:
            req = session.procedures[part.procedures[0]] if part.procedures else None
            if req is not None and req.procedure == "intralesional_injection" and _drug_lines(q) and req.lesion_count is None:
                texts.append("The injection itself is 11900 for up to 7 lesions, 11901 for 8 or more (give the count to pick one).")
                continue
            missing.append(_missing(part, item, req))
            continue
        lesion = f"L{part.procedures[0] + 1}" if part.procedures and (len(part.procedures) == 1 or part.label == "repairs") else None
        for ln in part.lines:
            lines.append((ln, item, lesion))
        if part.lines:
            texts.append(f"{label}: {lines_text(part.lines)}. {part.explanation}")
        elif part.explanation:
            texts.append(part.explanation)
    drug = _drug_lines(q)
    for ln in drug:
        lines.append((ln, None, None))
    if drug:
        units = sum(ln.units for ln in drug if "JW" not in ln.modifiers)
        texts.insert(0, f"Drug: {lines_text(drug)} ({_dose_text(q)} = {units} units).")
    if not lines:
        if not missing:
            return None
        return Composed(
            text=" ".join(missing), confidence=PARTIAL, codes=_codes_of_missing(session), topic="repair" if session.repairs else None
        )
    claim = build_claim(q, lines)
    report = _check(claim, ruleset)
    billed = [ln for ln, _, _ in lines]
    text = ("Bill " + lines_text(billed) + ".\n" if len(texts) > 1 else "") + "\n".join(texts)
    for c in q.codes:  # "11646 or 11647?": say why the other code is not one
        bad = invalid_entry(c.code, None)
        if bad is not None:
            text += f"\n{c.code} is not a valid code: {bad.note}"
    problems = _problems(report)
    confidence = COMPUTED
    if problems:
        text += "\nThe checker still flags: " + " ".join(f"{f.message} {f.fix or ''}".strip() for f in problems)
        confidence = HEDGED
    if missing:
        text += "\n" + " ".join(missing)
        confidence = PARTIAL
    notes = _notes(q)
    if notes:
        text += "\n" + notes
        confidence = min(confidence, HEDGED)
    return Composed(
        text=text, lines=billed, claim=claim, confidence=confidence, rules=[f.rule for f in problems], codes=[ln.code for ln in billed]
    )


def _part_label(part: SessionPart, items: list[Item]) -> str:
    if not items:
        return part.label.capitalize()
    if len(items) == 1:
        what = _item_label(items[0])
        return f"{part.label.capitalize()} ({what})" if what else part.label.capitalize()
    counts = [it.count for it in items if it.count]
    areas = [it.area_sq_cm for it in items if it.area_sq_cm]
    if counts and len(counts) == len(items):
        return f"{part.label.split(' (')[0].capitalize()} ({' + '.join(str(c) for c in counts)} = {sum(counts)} lesions)"
    if areas and len(areas) == len(items):
        total = sum((exact(a) for a in areas if a is not None), exact(0))
        return f"{part.label.split(' (')[0].capitalize()} ({' + '.join(f'{a:g}' for a in areas)} = {total:g} sq cm)"
    return part.label.split(" (")[0].capitalize()


def _notes(q: Question) -> str:
    """What the answer assumed or could not read, said so the biller can check it."""
    notes = [a for it in q.items for a in it.assumptions]
    for it in q.items:
        if (
            it.procedure == "excision"
            and it.size_cm is None
            and it.lesion_cm is not None
            and it.margin_cm is None
            and not it.size_is_excised
        ):
            notes.append(
                f"I took {it.lesion_cm:g} cm as the excised diameter; if that is the lesion alone, add twice the narrowest margin "
                "(what were the margins?)."
            )
    if q.unused:
        notes.append(f"I did not use {', '.join(q.unused)} from the question; check that the lines cover it.")
    return " ".join(dict.fromkeys(notes))


def _codes_of_missing(session: Session) -> list[str]:
    out = []
    for req in session.procedures:
        out += [c for c in _family_codes(req)[:1]]
    return out


# ----------------------------------------------------------------------------- missing facts

_ASK_FOR = {
    "site": "What was the body site?",
    "size_cm": "What was the size in cm?",
    "lesion_count": "How many lesions were treated?",
    "mohs_stage_blocks": "Tell me how many blocks each Mohs stage had.",
    "pathology": "What did the pathology report show (benign or malignant)?",
    "area_sq_cm": "What was the total area treated, in sq cm?",
    "biopsies": "Which biopsy methods were used (shave, punch or incisional)?",
    "repair_length_cm": "What was the length of the repair in cm?",
}


def _family_codes(req: SuggestRequest) -> list[str]:
    """The codes the request's family could come to, as a range per site group where the site is known."""
    fam = {"excision": "excision_malignant" if req.pathology in ("malignant", "in_situ") else "excision_benign" if req.pathology else None,
           "destruction": "destruction_malignant" if req.pathology in ("malignant", "in_situ") else "destruction_premalignant",
           "benign_destruction": "destruction_benign", "shave_removal": "shave", "mohs": "mohs", "biopsy": "biopsy",
           "skin_tag_removal": "skin_tags", "intralesional_injection": "injection", "excimer_laser": "excimer",
           "vascular_destruction": "destruction_vascular"}.get(req.procedure)  # fmt: skip
    families = (fam,) if fam else ("excision_benign", "excision_malignant")
    return list(_codes_of(families, SITE_GROUP.get(req.site or "")))


@lru_cache(maxsize=256)
def _codes_of(families: tuple[str, ...], group: str | None) -> tuple[str, ...]:
    """The table's codes of these families in a site group (all groups when None), in order."""
    return tuple(
        sorted(
            c for c, i in all_codes().items() if i.family in families and (group is None or i.site_group is None or group in i.site_group)
        )
    )


def _range(codes: list[str]) -> str:
    return f"{codes[0]}-{codes[-1]}" if len(codes) > 1 else codes[0] if codes else ""


def _missing(part: SessionPart, item: Item | None, req: SuggestRequest | None) -> str:
    """One line asking for the missing fact, with what can be said already (the code family, or the codes by site)."""
    error = part.error or ""
    field_name = error.split(" ", 1)[0].rstrip(":")
    what = _item_label(item)
    head = f"For the {part.label}{' (' + what + ')' if what else ''}"
    if "pathology report is back" in error and req is not None:
        options = []
        for path in ("benign", "malignant"):
            try:
                got = coding.suggest(req.model_copy(update={"pathology": path}))
                options.append(f"{path} {lines_text(got.lines)}")
            except CodingError:
                pass
        return f"{head}: hold the claim until the pathology report is back; it decides the family ({' or '.join(options) or '114xx or 116xx'})."
    if req is None:
        return f"{head}: {error}."
    codes = _family_codes(req)
    family = _range(codes)
    if req.procedure == "excision" and field_name == "site" and req.pathology and coding.excised_diameter(req) is not None:
        by_site = []
        for site in ("trunk", "scalp", "face"):
            try:
                got = coding.suggest(req.model_copy(update={"site": site}))
                by_site.append(f"{got.lines[0].code} on the {GROUP_LABEL[SITE_GROUP[site]]}")
            except CodingError:
                pass
        return f"{head}: the code depends on the site group: {'; '.join(by_site)}. What was the site?"
    if req.procedure == "excision" and field_name == "pathology":
        options = []
        for path in ("benign", "malignant"):
            with contextlib.suppress(CodingError):
                options.append(f"{path} {lines_text(coding.suggest(req.model_copy(update={'pathology': path})).lines)}")
        said = f": {' or '.join(options)}" if options else " (benign or uncertain 114xx, malignant or in situ 116xx)"
        return f"{head}: the pathology (benign or malignant) decides the family{said}. What did the pathology report show?"
    if req.procedure == "excision" and field_name == "size_cm":
        what_size = "the lesion's greatest diameter (the excised diameter is the lesion plus twice the narrowest margin)"
        return f"{head}: {family}, by excised diameter. What was {what_size}? The size decides the code."
    if req.procedure == "mohs" and field_name == "mohs_stage_blocks" and item is not None and item.stages:
        try:
            base = coding.mohs(req.site, [1] * item.stages)
            return (
                f"{head}: {lines_text(base)} if no stage had more than 5 blocks; each block beyond 5 in a stage adds 17315. "
                "Tell me how many blocks each Mohs stage had."
            )
        except CodingError:
            pass
    if req.procedure == "destruction" and req.pathology not in ("malignant", "in_situ") and field_name == "lesion_count":
        return (
            f"{head}: 17000 for the first AK, 17003 for each of lesions 2 to 14, 17004 alone for 15 or more. How many AKs were destroyed?"
        )
    if req.procedure == "benign_destruction" and field_name == "lesion_count":
        return f"{head}: 17110 for up to 14 benign lesions, 17111 for 15 or more (one unit either way). How many lesions?"
    if req.procedure == "skin_tag_removal" and field_name == "lesion_count":
        return f"{head}: 11200 for up to 15 tags, plus 11201 for each additional 10 or part of 10. How many tags were removed?"
    if req.procedure == "intralesional_injection" and field_name == "lesion_count":
        return f"{head}: 11900 for up to 7 lesions, 11901 for 8 or more; the drug goes on its own line (J3301 per 10 mg). How many lesions were injected, and how many mg?"
    if req.procedure == "excimer_laser" and field_name == "area_sq_cm":
        return f"{head}: one code by the total area treated in the session: 96920 under 250 sq cm, 96921 250-500, 96922 over 500. {_ASK_FOR['area_sq_cm']}"
    if req.procedure == "vascular_destruction" and field_name == "area_sq_cm":
        return f"{head}: one code by the total area: 17106 under 10 sq cm, 17107 10-50, 17108 over 50. {_ASK_FOR['area_sq_cm']}"
    if req.procedure == "destruction" and req.pathology in ("malignant", "in_situ"):
        ask = "What were the site and the lesion diameter?" if field_name == "site" else _ASK_FOR.get(field_name, error)
        return f"{head}: {family} (malignant destruction, by site group and lesion diameter, one line per lesion). {ask}"
    ask = _ASK_FOR.get(field_name, f"{error[0].upper()}{error[1:]}.")
    return f"{head}: {family + ', ' if family else ''}{'by ' + _by(req) + '. ' if _by(req) else ''}{ask}"


def _by(req: SuggestRequest) -> str:
    return {"shave_removal": "site group and lesion diameter", "excision": "excised diameter", "biopsy": "method"}.get(req.procedure, "")


def _repair_error(error: str, session: Session) -> str:
    """What the repairs still need, with the groups of their class."""
    classes = list(dict.fromkeys(w.repair_class for w in session.repairs))
    if error.startswith("site"):
        groups = "; ".join(f"{c} {', '.join(coding.repair_group_label(c, s) + ' (' + s + ')' for s in _GROUP_SITES[c])}" for c in classes)
        return f"For the repairs: the anatomic group decides the code ({groups}). What was the site of each repair?"
    if error.startswith("repair_length_cm"):
        return "For the repairs: they are coded by total length per class and group. What was the length of each repair in cm?"
    return f"For the repairs: {error}."


# A site of each repair group, to name the groups in an answer.
_GROUP_SITES = {"simple": ("trunk", "face"), "intermediate": ("trunk", "hand", "face"), "complex": ("trunk", "scalp", "face", "nose")}


def _repair_missing(q: Question) -> Composed | None:
    for it in q.items:
        if it.procedure == "repair" and not it.repair_class and it.repair_cm:
            total = sum(it.repair_cm)
            options = []
            for cls in ("simple", "intermediate", "complex"):
                try:
                    if it.site:
                        options.append(f"{cls} {lines_text(coding.repair(cls, it.site, total))}")
                    else:
                        options.append(f"{cls} {coding.repair_group_label(cls, 'trunk')} / {coding.repair_group_label(cls, 'face')}")
                except CodingError:
                    pass
            where = "" if it.site else " and the site (trunk and limbs or the face group)"
            text = (f"A {total:g} cm repair is coded by its class{where}: {'; '.join(options)}. Was it a simple, intermediate (layered) or "
                    "complex repair" + (", and where?" if not it.site else "?"))  # fmt: skip
            return Composed(text=text, confidence=PARTIAL, topic="repair")
        if it.procedure == "repair" and it.repair_class and not it.repair_cm:
            group = coding.repair_group_label(it.repair_class, it.site)
            where = f" on the {it.site_word}" if it.site_word else ""
            text = (
                f"An {it.repair_class} repair{where} is coded by its total length{': ' + group if group else ''} "
                "(repairs of the same class in the same group are added up). What was the repair length in cm?"
            )
            if not group:
                text += " The body site also decides the group."
            return Composed(text=text, confidence=PARTIAL, codes=[group.split("-")[0]] if group else [], topic="repair")
    return None


# ----------------------------------------------------------------------------- drugs


def _drug_code(q: Question) -> str | None:
    named = [c.code for c in q.codes if (i := lookup(c.code)) is not None and i.family == "drug"]
    if named:
        return named[0]
    if re.search(r"kenalog|triamcinolone|\bilk\b", q.text):
        return "J3301"
    if re.search(r"botox|onabotulinum", q.text):
        return "J0585"
    if re.search(r"levulan|ameluz|aminolevulinic|kerastick", q.text):
        return "J7308"
    return None


def _drug_lines(q: Question) -> list[SuggestedLine]:
    code = _drug_code(q)
    if code is None:
        return []
    info = lookup(code)
    dose = q.drug_mg if info is not None and info.mg_per_unit else q.drug_units
    if code == "J7308" and dose is None:
        dose = 1
    if dose is None:
        return []
    try:
        return coding.drug_lines(code, dose, q.discarded, True if q.single_use else None)
    except CodingError:
        return []


def _dose_text(q: Question) -> str:
    code = _drug_code(q)
    info = lookup(code or "")
    if info is not None and info.mg_per_unit and q.drug_mg is not None:
        return f"{q.drug_mg:g} mg at {info.mg_per_unit:g} mg per unit"
    if q.drug_units is not None:
        return f"{q.drug_units:g} units given" + (f", {q.discarded:g} discarded" if q.discarded else "")
    return "one unit dose"


def _drug_only(q: Question, ruleset: Ruleset) -> Composed | None:
    missing = _repair_missing(q)
    if missing is not None:
        return missing
    return _drug_answer(q, force=True)


# ----------------------------------------------------------------------------- corrections after the pathology report


def _correction(q: Question, ruleset: Ruleset) -> Composed | None:
    if q.path_result is None and not q.specimens:
        return None
    if q.specimens and re.search(r"\b8830\d\b|\bpath\w* report\b|\bspecimens?\b|\bparts?\b", q.text):
        found = [SuggestedLine(code="88305", units=q.specimens)]
        text = (f"88305 x{q.specimens}: surgical pathology is billed per separately submitted specimen, so {q.specimens} separately "
                f"identified specimens (parts) are {lines_text(found)}; correct the claim to {q.specimens} units.")  # fmt: skip
        return Composed(text=text, lines=found, codes=["88305"], topic="pathology")
    if q.path_result is None or q.decided_by_path:
        return None  # "Mohs on two sites" is no pathology report; a frozen section that decided the excision is a "both" question
    billed = [c for c in q.codes if (i := lookup(c.code)) is not None and i.family not in ("em", "pathology", "drug")]
    item = next((it for it in q.items if it.procedure not in (None, "repair")), q.items[0] if q.items else None)
    kind = q.path_kind or (item.kind if item else None)
    site = item.site if item else None
    side = item.side if item else None
    if site is None:  # "billed 11643 for the nose, path came back ...": the site is in the question, not in an item
        site, _ = site_in(q.text)
        side = side_in(q.text)
    if site is None and billed:
        info = lookup(billed[0].code)
        if info is not None and info.site_group in ("A", "B", "C") and not re.search(r"\bsite\b", q.text):
            site = None
    dx = diagnosis_for(kind if kind not in ("uncertain", "scar") else {"uncertain": "uncertain"}.get(kind), site, side) if kind else None
    if kind == "uncertain":
        dx = "D48.5"
    parts: list[str] = []
    lines: list[SuggestedLine] = []
    first = billed[0].code if billed else None
    fam = _family_of(first) if first else None
    reexcision = bool(re.search(r"\bre-?excis\w*|\bwide (?:local )?excision\b|\bwle\b|\bmargin\b", q.text))
    result = q.path_result
    if reexcision and kind == "scar" and re.search(r"\bscc|\bbcc|melanoma|malignan", q.text):
        result = "malignant"  # a re-excision of a biopsy-proven malignancy stays malignant with no residual tumor
        known = re.search(r"\b(scc|bcc|melanoma)\b", q.text)
        dx = diagnosis_for(known.group(1) if known else None, site, side) or dx
        parts.append(
            "A re-excision of a known malignancy is coded as malignant even when the re-excision shows no residual tumor (CPT Assistant)."
        )
    try:
        if fam and fam.startswith("excision"):
            if item is not None and item.site and _size_of(item) is not None:
                lines = coding.excision(result, item.site, _size_of(item))
            else:
                lines = coding.excision_like(first or "", result or "benign")
        elif item is not None and item.procedure in ("excision",) and item.site and _size_of(item) is not None:
            lines = coding.excision(result, item.site, _size_of(item))
        elif fam in ("destruction_benign", "destruction_premalignant", "destruction_malignant") or (
            item and item.procedure in ("destruction", "benign_destruction")
        ):
            if result in ("malignant", "in_situ"):
                size = _size_of(item) if item else None
                lines = coding.malignant_destruction(site, size)
            elif result == "premalignant":
                count = (item.count if item else None) or _count_words(q.text)
                lines = coding.premalignant_destruction(count)
        elif fam is None and item is not None and item.procedure == "biopsy" and item.biopsies:
            lines = coding.biopsies(dict(item.biopsies))
            first = lines[0].code
            parts.append(f"The biopsy code stays {first}: it is chosen by the method, not by the pathology.")
        elif fam in ("biopsy", "shave"):
            lines = [SuggestedLine(code=first or "", units=1)]
            parts.append(
                f"The {'biopsy' if fam == 'biopsy' else 'shave removal'} code stays {first}: it is chosen by the {'method' if fam == 'biopsy' else 'site and diameter'}, not by the pathology."
            )
    except CodingError as e:
        parts.append(f"To recode I need more: {e}.")
    if not lines and not dx:
        return None
    if item is not None and result:  # the claim follows the report
        item.pathology = result
        if kind and kind not in ("uncertain", "scar"):
            item.kind = kind
    offered = re.search(r"\b(\d{5}) or (\d{5})\b", q.text)
    if lines and offered and lines[0].code in offered.groups():
        other = offered.group(1) if lines[0].code == offered.group(2) else offered.group(2)
        parts.insert(0, f"Bill {lines_text(lines)}, not {other}: the pathology decides the code family.")
    elif lines and first and lines[0].code != first:
        parts.insert(
            0,
            f"Correct {first} to {lines_text(lines)}: the pathology ({_KIND_LABEL.get(kind or '', result or '')}) decides the code family, and the claim must follow the report.",
        )
    elif lines and first:
        why = (
            "benign or uncertain behavior stays in the benign family (114xx)" if fam == "excision_benign" else "the family does not change"
        )
        if fam and fam.startswith("excision"):
            parts.insert(0, f"Keep {first}: {why}.")
    elif lines:
        parts.insert(0, f"Bill {lines_text(lines)}.")
    if dx:
        parts.append(f"Change the diagnosis to {diagnosis_text(dx)}, the code the pathology report supports.")
    if reexcision and q.days_after is not None and first:
        try:
            advice = coding.global_period_modifier(first, q.days_after, "procedure", "more_extensive")
            if advice.modifier:
                parts.append(f"The re-excision on day {q.days_after}: {advice.explanation}")
        except CodingError:
            pass
    if item is not None and item.procedure == "shave_removal" and q.payer_type == "medicare" and result == "benign":
        parts.append(
            "For Medicare the removal is covered when the note documents an indication such as the change in the lesion; without one it is cosmetic (GY)."
        )
    text = " ".join(parts)
    return Composed(
        text=text,
        lines=lines,
        confidence=COMPUTED if lines and dx else HEDGED,
        codes=[ln.code for ln in lines] or ([first] if first else []),
        topic="excision",
    )


def _count_words(t: str) -> int | None:
    m = re.search(r"(?<![\w.])(\d{1,2})\s+(?:'|\w+\s+){0,2}(?:lesions?|warts?|aks?|spots?)", t)
    return int(m.group(1)) if m else None


# ----------------------------------------------------------------------------- which modifier


def _service_codes(q: Question) -> tuple[list[NamedCode], list[NamedCode]]:
    """The codes named for the service asked about (E/M and now), and the earlier procedures (before it)."""
    em = [c for c in q.codes if (i := lookup(c.code)) is not None and i.is_em]
    procs = [c for c in q.codes if (i := lookup(c.code)) is not None and not i.is_em and i.global_days in ("000", "010", "090")]
    return em, procs


def _prior_code(q: Question) -> str | None:
    """The earlier procedure whose global period the question is about."""
    _, procs = _service_codes(q)
    m = re.search(
        r"\b(?:after|from|of|since|global on|global for)\s+(?:a|an|the|her|his|their|my)?\s*(?:\d+\s*(?:cm\s*)?)?(\d{5})\b", q.text
    )
    if m and lookup(m.group(1)) is not None:
        return m.group(1)
    if procs:
        for c in procs:
            if re.search(r"\b(?:after|from|of|since|on)\b[^.;,]{0,30}\b" + c.code, q.text) or re.search(
                c.code + r"[^.;]{0,40}\b(?:global|ago|weeks? ago|days? ago)\b", q.text
            ):
                return c.code
        return procs[0].code if q.in_global or q.days_after not in (None, 0) else None
    m = re.search(
        r"\b(?:after|from|of)\s+(?:the|a|an|her|his)?\s*(?:\d+\w*\s+)?(?:first\s+|1st\s+)?(shave bx|shave biopsy|punch bx|biopsy|bx|excision|stage|mohs|flap|repair|cryo|destruction)\b",
        q.text,
    )
    if m:
        word = m.group(1)
        proc = "biopsy" if "bx" in word or "biopsy" in word else "excision" if word in ("excision", "stage") else word
        return _GLOBAL_OF.get({"cryo": "destruction"}.get(proc, proc))
    if re.search(r"\bglobal of the (?:1st|first) stage\b|\bstaged excision\b", q.text):
        return "11400"
    if q.global_days is not None:  # "in the 10 day global": a code with that global period
        return {0: "11102", 10: "11400", 90: "14000"}[q.global_days]
    first = next((it for it in q.items if it.procedure in _GLOBAL_OF), None)
    if first is not None and (q.in_global or (q.days_after or 0) > 0):
        return _GLOBAL_OF[first.procedure or ""]
    return None


def _modifier(q: Question, ruleset: Ruleset) -> Composed | None:
    if (
        "modifier" not in q.asks
        and not (q.modifiers and re.search(r"\?|\bright\b|\bcorrect\b", q.text))
        and not re.search(r"\babn\b", q.text)
    ):
        return None
    for step in (_component, _drug_modifier, _liability, _anatomic, _postop, _same_day_em, _named_modifiers):
        found = step(q, ruleset)
        if found is not None:
            return found
    return None


def _component(q: Question, ruleset: Ruleset) -> Composed | None:
    if not (q.interpretation_only or q.preparation_only) or not re.search(r"\b88\d{3}\b|\bslides?\b|\bpath\w*\b", q.text):
        return None
    code = next((c.code for c in q.codes if c.code.startswith("88")), "88305")
    mod = coding.pathology_component(q.interpretation_only, q.preparation_only)
    line = SuggestedLine(code=code, units=1, modifiers=[mod] if mod else [])
    who = "interprets the slides only" if mod == "26" else "prepares the slides only"
    text = (f"Bill {lines_text([line])}: the provider {who}, so it is the {'professional' if mod == '26' else 'technical'} component "
            f"({mod}); the global code (no modifier) is only for a provider who does both, and 26 plus TC for the same specimen is never billed together.")  # fmt: skip
    claim = build_claim(q, [(line, None, None)])
    return Composed(text=text, lines=[line], claim=claim, codes=[code], modifiers=[mod] if mod else [], topic="pathology")


def _drug_modifier(q: Question, ruleset: Ruleset) -> Composed | None:
    return _drug_answer(q, force=False)


def _drug_answer(q: Question, force: bool) -> Composed | None:
    """The drug lines (units from the dose, JW/JZ for single-dose containers) and the procedure they go with."""
    code = _drug_code(q)
    if code is None or not (force or q.single_use or q.discarded is not None or {"JW", "JZ"} & set(q.modifiers)):
        return None
    lines = _drug_lines(q)
    if not lines:
        return None
    procedure: list[SuggestedLine] = []
    if code == "J0585" and re.search(r"axill\w*|underarm", q.text):
        procedure = [SuggestedLine(code="64650", units=1)]
    elif code == "J0585" and re.search(r"palm|sole|hands?|feet", q.text):
        procedure = [SuggestedLine(code="64653", units=1)]
    elif code == "J7308":
        procedure = [SuggestedLine(code="96574" if re.search(r"curett|debrid", q.text) else "96573", units=1)]
    mods = sorted({m for ln in lines for m in ln.modifiers})
    if "JW" in mods:
        why = (
            "JW goes on a second line for the amount discarded from the single-dose container; the administered amount is on the first line"
        )
    elif "JZ" in mods:
        why = (
            "JZ says nothing was discarded from the single-dose container (Medicare requires JZ or JW on single-dose drugs since July 2023)"
        )
    elif lookup(code) is not None and lookup(code).single_dose:  # type: ignore[union-attr]
        why = "for Medicare add JZ if nothing was discarded from the single-dose container, or a JW line for the discarded amount"
    else:
        units = sum(ln.units for ln in lines)
        why = f"{units} units; JW/JZ apply only to single-dose containers"
    text = f"Bill {lines_text(procedure + lines)} ({_dose_text(q)}): {why}."
    return Composed(
        text=text,
        lines=procedure + lines,
        confidence=COMPUTED,
        codes=[code] + [ln.code for ln in procedure],
        modifiers=mods,
        topic="tags_injection",
    )


def _liability(q: Question, ruleset: Ruleset) -> Composed | None:
    named = set(q.modifiers) & {"GA", "GY", "GZ", "GX"}
    if not (named or q.abn is not None or (q.payer_type == "medicare" and (q.cosmetic or q.not_necessary))):
        return None
    excluded = q.cosmetic or bool(re.search(r"\bscreening\b|\bskin check\b|\broutine\b", q.text))
    if not excluded and not q.not_necessary:
        return None  # "GA vs GY vs GZ": no facts to choose from, the FAQ answers
    reason = "excluded" if excluded else "not_necessary"
    try:
        mods = coding.liability_modifiers(reason, q.abn, q.advantage)  # type: ignore[arg-type]
    except CodingError:
        mods = ["GA", "GZ"]
    if q.advantage:
        text = ("Medicare Advantage plans do not use the ABN or the GA/GY/GZ/GX modifiers: ask the plan for a pre-service "
                "organization determination; if the plan says it is not covered, the patient can be billed.")  # fmt: skip
        return Composed(text=text, confidence=COMPUTED, modifiers=[], topic="cosmetic")
    if reason == "excluded" and q.abn is None and re.search(r"\babn\b", q.text):
        text = ("No ABN is required for a service Medicare excludes by statute, such as a cosmetic procedure, but a voluntary ABN is "
                "recommended so the patient knows they will pay: bill the line with GY, and add GX when the voluntary ABN was signed. "
                "GA is only for a covered service you expect Medicare to deny as not reasonable and necessary.")  # fmt: skip
        return Composed(text=text, confidence=COMPUTED, modifiers=["GY", "GX"], topic="cosmetic", explain=True)
    if reason == "excluded":
        text = (f"Use {' + '.join(mods)}: a cosmetic (statutorily excluded) service takes GY" + (", and GX because a voluntary ABN was signed" if "GX" in mods else "") +
                ". GA is only for a covered service you expect Medicare to deny as not reasonable and necessary (with an ABN on file); GZ the same without an ABN.")  # fmt: skip
    else:
        text = (f"Use {mods[0]}: " + ("an ABN was signed for a service you expect Medicare to deny as not reasonable and necessary, so the line takes GA and the patient is liable if it is denied."
                if mods == ["GA"] else "without a signed ABN, an expected medical-necessity denial takes GZ and the practice, not the patient, is liable.")
                + " GY/GX are for services Medicare excludes by statute, such as cosmetic removals.")  # fmt: skip
    lines: list[SuggestedLine] = []
    code = next((c.code for c in q.codes if lookup(c.code) is not None and not lookup(c.code).is_em), None)  # type: ignore[union-attr]
    if code is None:
        reqs = [r for r in q.requests]
        if reqs:
            try:
                code = coding.suggest(reqs[0]).lines[0].code
            except CodingError:
                code = _GLOBAL_OF.get(reqs[0].procedure)
    if code is not None:
        lines = [SuggestedLine(code=code, units=1, modifiers=mods)]
        text = f"Bill {lines_text(lines)}. " + text
    return Composed(text=text, lines=lines, confidence=COMPUTED, codes=[code] if code else [], modifiers=mods)


def _anatomic(q: Question, ruleset: Ruleset) -> Composed | None:
    if not re.search(
        r"\beyelid modifier|\blid modifier|\bfinger modifier|\btoe modifier|\banatomic modifier|\bwhich (?:eyelid|finger|toe)\b|\bdigit modifier|\b(?:rt|lt)\b.*\bmodifier|\bmodifier\b.*\b(?:eyelid|finger|toe|thumb)\b",
        q.text,
    ):
        return None
    item = next((it for it in q.items if it.site in ("eyelid", "hand", "foot")), None)
    if item is None or item.side is None:
        return Composed(
            text="The anatomic modifiers: E1-E4 for the eyelids, FA and F1-F9 for the fingers, TA and T1-T9 for the toes, LT/RT for sides. Which side (and which lid or digit) was it?",
            confidence=PARTIAL,
            modifiers=["E1", "E2", "E3", "E4"],
            topic="em_modifiers",
        )
    mod = coding.anatomic_modifier(item.site or "", item.side, item.part)  # type: ignore[arg-type]
    if mod is None:
        return None
    from .codes import modifiers

    meaning = modifiers()[mod].meaning if mod in modifiers() else ""
    text = f"{mod} ({meaning.lower()}): the anatomic modifier goes on the procedure line for that {item.site_word or item.site}."
    return Composed(text=text, confidence=COMPUTED, modifiers=[mod], topic="em_modifiers")


def _postop(q: Question, ruleset: Ruleset) -> Composed | None:
    prior = _prior_code(q)
    if prior is None or (q.days_after is None and q.in_global is None):
        return None
    em, _ = _service_codes(q)
    services: list[tuple[str, str]] = []  # (service kind, label)
    if q.visit or em:
        services.append(("em", em[0].code if em else "the E/M"))
    now = [it for it in q.items if it.procedure not in (None, "flap") and not _is_prior_item(it, prior, q)]
    later_codes = [c.code for c in q.codes if c.code != prior and (i := lookup(c.code)) is not None and not i.is_em]
    if now or later_codes or q.relation in ("more_extensive", "staged", "complication_return", "complication"):
        label = later_codes[0] if later_codes else (_procedure_label(now[0]) if now else "the procedure")
        if not (q.relation == "routine" and not now and not later_codes):
            services.append(("procedure", label))
    if not services:
        return None
    days = q.days_after
    parts: list[str] = []
    mods: list[str] = []
    unsure = False
    for kind, label in services:
        relation = q.relation
        if (
            kind == "em"
            and relation not in ("unrelated", "routine")
            and re.search(r"\bflare\b|\brash\b|\beczema\b|\bpsoriasis\b|\brosacea\b|\bnew (?:problem|complaint)\b", q.text)
        ):
            relation = "unrelated"
        if (
            kind == "procedure"
            and relation in (None, "routine")
            and re.search(r"\bnew\b|\bunrelated\b|\bdifferent (?:lesion|site|spot)\b|\banother (?:lesion|spot)\b", q.text)
        ):
            relation = "unrelated"
        try:
            advice = coding.global_period_modifier(prior, days, kind, relation, q.in_global)  # type: ignore[arg-type]
        except CodingError as e:
            parts.append(f"{label}: {e}.")
            unsure = True
            continue
        if advice.modifier:
            mods.append(advice.modifier)
            parts.append(f"{label}: {advice.modifier}. {advice.explanation}")
        else:
            parts.append(f"{label}: {'no modifier' if advice.billable else 'not separately billable'}. {advice.explanation}")
    same_day_procs = bool(now) or any(c.code != prior and (i := lookup(c.code)) is not None and i.is_minor for c in q.codes)
    if (
        any(k == "em" for k, _ in services)
        and same_day_procs
        and q.relation != "routine"
        and (q.same_day or re.search(r"\balso\b", q.text))
    ):
        mods.append("25")
        parts.append(
            "The visit also needs 25 because a minor procedure was done the same day and the visit was a separate, significant service."
        )
    if not parts:
        return None
    return Composed(
        text=" ".join(parts),
        confidence=PARTIAL if unsure else COMPUTED,
        codes=[prior],
        modifiers=list(dict.fromkeys(mods)),
        topic="em_modifiers",
        explain=True,
    )


def _is_prior_item(it: Item, prior: str, q: Question) -> bool:
    info = lookup(prior)
    if info is None:
        return False
    fam = info.family
    same = {
        "adjacent_tissue_transfer": "flap",
        "excision_benign": "excision",
        "excision_malignant": "excision",
        "biopsy": "biopsy",
        "mohs": "mohs",
    }.get(fam)
    if it.procedure == same and not re.search(r"\bre-?excis|\bwide|\bwle\b|\b2nd stage\b|\bsecond stage\b|\breturn|\bback to\b", it.text):
        return True
    return bool(re.search(r"\b(?:after|from|of|since)\b", it.text) and it.procedure == same)


def _procedure_label(it: Item) -> str:
    return {"biopsy": "the biopsy", "destruction": "the destruction", "excision": "the excision", "mohs": "Mohs"}.get(
        it.procedure or "", f"the {it.procedure}"
    )


def _same_day_em(q: Question, ruleset: Ruleset) -> Composed | None:
    em, procs = _service_codes(q)
    if not (q.visit or em):
        return None
    items = [it for it in q.items if it.procedure not in (None, "repair")]
    code = procs[0].code if procs else None
    if code is None and items:
        req = items[0].request()
        try:
            code = coding.suggest(req).lines[0].code if req else _GLOBAL_OF.get(items[0].procedure or "")
        except CodingError:
            code = _GLOBAL_OF.get(items[0].procedure or "")
    if code is None:
        return None
    try:
        advice = coding.global_period_modifier(code, 0, "em", None)
    except CodingError:
        return None
    em_code = em[0].code if em else "the E/M"
    text = (f"{advice.modifier} goes on {em_code}, never on the procedure ({code}). {advice.explanation} "
            "The visit must be a significant, separately identifiable service: the note has to stand on its own beyond the decision to do the procedure.")  # fmt: skip
    lines: list[SuggestedLine] = []
    if quantified(q):
        billed = _bill(q, ruleset)
        if billed is not None and billed.lines:
            lines = billed.lines
            text = f"Bill the E/M with {advice.modifier} + {lines_text(lines)}. " + text
    return Composed(
        text=text,
        lines=lines,
        confidence=COMPUTED,
        codes=[code],
        modifiers=[advice.modifier or ""],
        rules=["DRM801"],
        topic="em_modifiers",
        explain=True,
    )


def _named_modifiers(q: Question, ruleset: Ruleset) -> Composed | None:
    """A modifier the biller proposes on a code (``17312 with 51``, ``50 for bilateral``): check the claim with it."""
    if not q.modifiers or not q.codes:
        return None
    return _checked(q, ruleset, propose_modifiers=True)


# ----------------------------------------------------------------------------- can I bill X with Y


def _both(q: Question, ruleset: Ruleset) -> Composed | None:
    billable = [c for c in q.codes if lookup(c.code) is not None]
    services = len(billable) + len([it for it in q.items if it.procedure in _GLOBAL_OF and not _item_named(it, billable)])
    if not billable and (
        re.search(r"\bhow (?:do|should|would|can) (?:i|we|you)\b|\bwhat (?:do|should) (?:i|we)\b", q.text)
        or not re.search(r"\b(?:can|could|may|should|ok|okay|allowed|billable|payable)\b|\bbill both\b|\bboth\b[^.]*\?", q.text)
    ):
        return None  # "how do I bill both": the lines for both lesions, not a yes or no
    asked = "both" in q.asks or (
        billable
        and re.search(
            r"\b(?:can|could|may|do) (?:i|we|you|they|the \w+(?: \w+)?) (?:also |still |even |just |separately )?(?:bill|add|code|charge|report|get paid)\b|\bok\b|\ballowed\b|\bpayable\b|\bbillable\b",
            q.text,
        )
    )
    if not asked or services < 2:
        return None
    return _checked(q, ruleset, propose_modifiers=False)


def _item_named(it: Item, codes: list[NamedCode]) -> bool:
    """A code the question names already stands for this item's procedure."""
    want = {"biopsy": ("biopsy",), "excision": ("excision_benign", "excision_malignant"), "mohs": ("mohs",), "flap": ("adjacent_tissue_transfer",),
            "destruction": ("destruction_premalignant", "destruction_malignant"), "benign_destruction": ("destruction_benign",),
            "skin_tag_removal": ("skin_tags",), "intralesional_injection": ("injection",), "shave_removal": ("shave",), "excimer_laser": ("excimer",),
            "repair": ("repair_simple", "repair_intermediate", "repair_complex"), "vascular_destruction": ("destruction_vascular",)}.get(it.procedure or "", ())  # fmt: skip
    return any(_family_of(c.code) in want for c in codes)


def _proposed(q: Question, propose_modifiers: bool) -> list[tuple[SuggestedLine, Item | None, str | None]]:
    """The lines the biller proposes, each with the item it most likely codes and a lesion id."""
    out: list[tuple[SuggestedLine, Item | None, str | None]] = []
    items = list(q.items)
    used: set[int] = set()
    mods_free = [m for m in q.modifiers if not any(m in c.modifiers for c in q.codes)]
    for k, c in enumerate(q.codes):
        info = lookup(c.code)
        if info is None:
            continue
        item = _item_for(c.code, items, used)
        mods = list(c.modifiers)
        if propose_modifiers and mods_free and not info.is_em and not mods:
            mods = [m for m in mods_free if m in ("50", "51", "59", "XS", "25", "58", "79", "RT", "LT")][:1]
        units = c.units or 1
        lesion = None
        if q.same_lesion is True:
            lesion = "L1"
        elif q.same_lesion is False:
            lesion = f"L{k + 1}"
        out.append((SuggestedLine(code=c.code, units=units, modifiers=mods), item, lesion))
    if propose_modifiers and "50" in mods_free and len(out) == 1:
        line, item, _ = out[0]
        out = [(SuggestedLine(code=line.code, units=1), item, "L1"), (SuggestedLine(code=line.code, units=1, modifiers=["50"]), item, "L2")]
    # A family named in words only ("can the mohs surgeon bill 88305 with mohs"): the engine's first code for it.
    named = [c for c in q.codes if lookup(c.code) is not None]
    position = 0
    for it in items:
        if it.procedure in _GLOBAL_OF and it.procedure != "flap" and not _item_named(it, named):
            first = _first_line(it)
            several = len([i for i in items if i.procedure in _GLOBAL_OF]) > 1
            lesion = "L1" if q.same_lesion is True else f"L{len(out) + 1}" if q.same_lesion is False or several else None
            out.insert(position, (SuggestedLine(code=first.code, units=first.units), it, lesion))
            position += 1
    return out


def _first_line(it: Item) -> SuggestedLine:
    """The engine's first line for an item (its primary code), or the family's first code when facts are missing."""
    req = it.request()
    if it.procedure == "mohs":
        try:
            return coding.mohs(it.site, [1])[0]
        except CodingError:
            return SuggestedLine(code="17311")
    try:
        return coding.suggest(req).lines[0] if req else SuggestedLine(code=_GLOBAL_OF[it.procedure or ""])
    except CodingError:
        return SuggestedLine(code=_GLOBAL_OF[it.procedure or ""])


def _item_for(code: str, items: list[Item], used: set[int]) -> Item | None:
    info = lookup(code)
    if info is None:
        return None
    fam = info.family
    want = {"destruction_premalignant": "destruction", "destruction_benign": "benign_destruction", "skin_tags": "skin_tag_removal",
            "excision_benign": "excision", "excision_malignant": "excision", "biopsy": "biopsy", "mohs": "mohs", "shave": "shave_removal",
            "injection": "intralesional_injection", "excimer": "excimer_laser", "destruction_malignant": "destruction",
            "adjacent_tissue_transfer": "flap", "repair_simple": "repair", "repair_intermediate": "repair", "repair_complex": "repair"}.get(fam)  # fmt: skip
    for i, it in enumerate(items):
        if i not in used and it.procedure == want:
            used.add(i)
            return it
    for it in items:
        if it.procedure == want:
            return it
    return items[0] if len(items) == 1 and want in ("excision", "destruction") else None


def _checked(q: Question, ruleset: Ruleset, propose_modifiers: bool) -> Composed | None:
    proposed = _proposed(q, propose_modifiers)
    if len(proposed) < (1 if propose_modifiers else 2):
        return None
    if q.decided_by_path and q.same_lesion is not False and any(_family_of(ln.code) == "biopsy" for ln, _, _ in proposed):
        return _biopsy_decided(q, proposed, ruleset)
    if propose_modifiers and not any(ln.modifiers for ln, _, _ in proposed):
        return None  # no modifier was proposed on a line: nothing to check
    claim = build_claim(q, proposed)
    report = _check(claim, ruleset)
    problems = [f for f in _problems(report) if f.rule not in ("DRM021",)]
    shown = " and ".join(_show(ln) for ln, _, _ in proposed)
    if not problems:
        together = "can be billed together as described" if len(proposed) > 1 else "is correct as described"
        text = f"Yes: {shown} {together}; the checker finds no conflict."
        if len(proposed) > 1 and any(u.check == "NCCI" for u in report.unchecked):
            text += " The NCCI pair edits were not checked (no NCCI file is loaded); a pair with modifier indicator 1 needs 59 or XS when the services are distinct."
        known = {"destruction_premalignant", "destruction_benign", "destruction_vascular", "destruction_malignant", "excision_benign",
                 "excision_malignant", "shave", "biopsy", "mohs", "skin_tags", "injection", "excimer", "phototherapy", "pathology", "em",
                 "repair_simple", "repair_intermediate", "repair_complex", "adjacent_tissue_transfer", "drug", "chemodenervation"}  # fmt: skip
        unsure = any(_family_of(ln.code) not in known for ln, _, _ in proposed)
        notes = [f.message for f in report.findings if f.severity == "info" and f.rule not in ("DRM030",)]
        if notes:
            text += " Note: " + " ".join(notes)
        as_proposed = [ln for ln, _, _ in proposed]
        return Composed(
            text=text,
            lines=as_proposed,
            claim=claim,
            confidence=HEDGED if unsure else COMPUTED,
            codes=[ln.code for ln in as_proposed],
            modifiers=[m for ln in as_proposed for m in ln.modifiers],
            explain=True,
        )
    fixed = _fixed_lines(q, proposed, problems, ruleset)
    verdict = "No" if any(f.severity == "error" for f in problems) else "Yes, with a change"
    text = f"{verdict}: " + " ".join(_finding_text(f, [ln for ln, _, _ in proposed]) for f in problems)
    lines: list[SuggestedLine] = []
    fixed_claim = None
    for _ in range(3):  # apply the checker's fixes until the claim is clean of errors (a fix can reveal the next one)
        if not fixed:
            break
        fixed_claim = build_claim(q, fixed)
        left = [f for f in _problems(_check(fixed_claim, ruleset)) if f.severity == "error"]
        if not left:
            lines = [ln for ln, _, _ in fixed]
            text += f"\nBill: {lines_text(lines)}."
            break
        fixed = _fixed_lines(q, fixed, left, ruleset)
    else:
        fixed_claim = None
    if not lines:
        fixed_claim = None
    return Composed(
        text=text,
        lines=lines,
        claim=fixed_claim,
        confidence=COMPUTED,
        rules=[f.rule for f in problems],
        codes=[ln.code for ln, _, _ in proposed],
        modifiers=sorted({m for ln in lines for m in ln.modifiers}),
        explain=True,
    )


def _show(line: SuggestedLine, words: bool = False) -> str:
    """A proposed line in words (``17312 with 51``), never in the billed form, so that a wrong proposal is not repeated as advice."""
    units = f" for {line.units} units" if line.units > 1 or words else ""
    return line.code + (f" with {' and '.join(line.modifiers)}" if line.modifiers else "") + (units if line.units > 1 else "")


def _finding_text(f: Finding, proposed: list[SuggestedLine] | None = None) -> str:
    """A finding in words. The biller's proposed lines are written out (``17003 for 13 units``) and a recode reads
    ``Bill ... instead``, so that an answer never repeats a wrong coding as if it were advice."""
    text = f.message + (f" {f.fix}" if f.fix else "")
    text = re.sub(r"\bReplace (.+?) with (.+?)\.(?=\s|$)", r"Bill \2 instead.", text)
    for ln in sorted(proposed or [], key=lambda x: -len(x.modifiers)):
        billed = ln.code + "".join("-" + m for m in ln.modifiers) + f" x{ln.units}"
        text = text.replace(billed, _show(ln, words=True))
    return text


def _fixed_lines(
    q: Question, proposed: list, problems: list[Finding], ruleset: Ruleset
) -> list[tuple[SuggestedLine, Item | None, str | None]]:
    """The proposed lines with each finding's corrected lines applied (the checker's own fixes)."""
    lines = list(proposed)
    for f in problems:
        if not f.suggested_lines:
            add = re.search(r"\bAdd (XS|59|25|58|79|24|JZ|JW|GY|GA)\b[^.]*?\bto (?:the second )?(\d{5}|[A-Z]\d{4})\b", f.fix or "")
            remove = re.search(r"\bRemove (?:modifier )?(\d\d|[A-Z]{2}|[A-Z]\d)(?: from (\d{5}|[A-Z]\d{4}))?\b", f.fix or "")
            if remove and not re.fullmatch(r"\d{5}", remove.group(1)):
                mod = remove.group(1)
                lines = [(ln.model_copy(update={"modifiers": [m for m in ln.modifiers if m != mod]}), it, lid) for ln, it, lid in lines]
            elif add:
                lines = [
                    (
                        ln.model_copy(update={"modifiers": [*ln.modifiers, add.group(1)]})
                        if ln.code == add.group(2) and add.group(1) not in ln.modifiers
                        else ln,
                        it,
                        lid,
                    )
                    for ln, it, lid in lines
                ]
            elif f.category.value == "bundling":
                drop = _dropped(f, lines)
                lines = [x for i, x in enumerate(lines) if i not in drop]
            continue
        idx = [i for i in f.lines if i < len(lines)]
        if not idx:
            continue
        item, lid = lines[idx[0]][1], lines[idx[0]][2]
        keep = [x for i, x in enumerate(lines) if i not in idx]
        lines = keep[: idx[0]] + [(ln, item, lid) for ln in f.suggested_lines] + keep[idx[0] :]
    return lines


def _dropped(f: Finding, lines: list) -> set[int]:
    """The line a bundling finding says to remove: the one its fix names first."""
    fix = f.fix or ""
    m = re.search(r"\b(?:Remove|remove|Drop|drop)\s+(?:the\s+)?(\d{5}|[A-Z]\d{4})", fix)
    if m:
        return {i for i in f.lines if i < len(lines) and lines[i][0].code == m.group(1)}
    m = re.search(r"\b(?:report|bill) only (?:the )?(\d{5}|[A-Z]\d{4})", fix)
    if m:
        return {i for i in f.lines if i < len(lines) and lines[i][0].code != m.group(1)}
    return set()


def _biopsy_decided(q: Question, proposed: list, ruleset: Ruleset) -> Composed:
    biopsy = [(ln, it, lid) for ln, it, lid in proposed if lookup(ln.code) and lookup(ln.code).family == "biopsy"]  # type: ignore[union-attr]
    other = [(ln, it, lid) for ln, it, lid in proposed if (ln, it, lid) not in biopsy]
    codes = [ln.code for ln, _, _ in proposed]
    text = ("Yes: a biopsy of the same lesion is separately billable when it was sent for immediate (frozen-section) pathology and that "
            "result decided the excision. Per the NCCI manual the definitive procedure takes modifier 58 (diagnostic then therapeutic, "
            "same session); some payers ask for 59 or XS on the biopsy instead, so check the payer's policy. Without that immediate "
            "result, the biopsy of the same lesion is included in the excision.")  # fmt: skip
    del other
    return Composed(text=text, confidence=HEDGED, codes=codes, modifiers=["58"], rules=["DRM303"], topic="biopsy")


# ----------------------------------------------------------------------------- is it covered


def _coverage(q: Question, ruleset: Ruleset) -> Composed | None:
    if "covered" not in q.asks and not (q.payer_type == "medicare" and (q.cosmetic or q.no_symptoms)):
        return None
    condition = next((name for pattern, name in CONDITION_WORDS if re.search(pattern, q.text)), None)
    specific = [it for it in q.items if it.kind not in (None, "lesion") or it.procedure in ("excimer_laser", "mohs")]
    if not (specific or any(lookup(c.code) is not None for c in q.codes) or condition):
        return None  # "is a lesion removal cosmetic?": nothing specific to check, the FAQ answers
    lines: list[tuple[SuggestedLine, Item | None, str | None]] = []
    named = [c for c in q.codes if (i := lookup(c.code)) is not None and not i.is_em]
    item = next((it for it in q.items if it.procedure), q.items[0] if q.items else None)
    if named:
        lines = [(SuggestedLine(code=c.code, units=c.units or 1, modifiers=c.modifiers), item, "L1") for c in named[:2]]
    elif item is not None and item.kind == "spider_vein":
        lines = [(SuggestedLine(code="36468"), item, "L1")]
    elif item is not None and item.procedure in ("excimer_laser", "mohs"):
        lines = [(_first_line(item) if item.procedure == "mohs" else SuggestedLine(code="96920"), item, "L1")]
    elif item is not None:
        req = item.request()
        if req is not None:
            try:
                got = coding.suggest(req).lines
            except CodingError:
                got = [SuggestedLine(code=_GLOBAL_OF[req.procedure])] if req.procedure in _GLOBAL_OF else []
            lines = [(ln, item, "L1") for ln in got[:2]]
    if not lines:
        return None
    if condition and item is not None and item.kind in (None, "lesion", "psoriasis"):
        item.kind = condition
    claim = build_claim(q, lines)
    report = _check(claim, ruleset)
    findings = [
        f
        for f in report.findings
        if f.category.value in ("cosmetic", "medical_necessity", "prior_auth", "payer_policy", "modifier_misuse") and f.rule != "DRM030"
    ]
    skipped = [u.reason for u in report.unchecked if "symptoms" in u.reason or "indication" in u.reason]
    codes = [ln.code for ln, _, _ in lines]
    if findings:
        text = " ".join(_finding_text(f) for f in findings)
        fixed = [ln for f in findings for ln in f.suggested_lines]
        if fixed:
            text = f"Bill {lines_text(fixed)}. " + text
        return Composed(
            text=text,
            lines=fixed,
            claim=None,
            confidence=COMPUTED,
            rules=[f.rule for f in findings],
            codes=codes,
            modifiers=sorted({m for ln in fixed for m in ln.modifiers}),
            explain=True,
        )
    if skipped:
        return None  # the indication is not stated: the FAQ on Medicare's benign-lesion rules answers
    symptoms = list(dict.fromkeys([*(item.symptoms if item else []), *q.symptoms]))
    billed = [ln for ln, _, _ in lines]
    if q.payer_type is None or not (symptoms or condition or q.abn is not None):
        return None  # nothing about the payer or the indication to check: the FAQ explains the rules
    if symptoms and q.payer_type == "medicare":
        text = (f"Yes, when the note documents it: {', '.join(s.replace('_', ' ') for s in symptoms)} is an indication Medicare accepts for "
                f"removing a benign lesion, so bill {lines_text(billed)} as covered, linked to the diagnosis, with the indication in the note.")  # fmt: skip
    else:
        text = f"The checker finds no coverage problem with {lines_text(billed)} for this payer as described."
    return Composed(text=text, lines=billed, claim=claim, confidence=COMPUTED if symptoms else HEDGED, codes=codes)


_FAMILY_PROCEDURE = {"excision_benign": ("excision", "benign"), "excision_malignant": ("excision", "malignant"),
                     "destruction_malignant": ("destruction", "malignant"), "shave": ("shave_removal", None)}  # fmt: skip


def _choice(q: Question, ruleset: Ruleset) -> Composed | None:
    """ "Is it 11646 or 11647 for the face one over 4 cm": the code the site and size call for, in the family the
    offered codes share (one of them may not exist at all)."""
    offered = re.search(r"\b(\d{5}) or (\d{5})\b", q.text)
    if offered is None or q.items:
        return None
    family = next((_family_of(c) for c in offered.groups() if _family_of(c) in _FAMILY_PROCEDURE), None)
    site, _ = site_in(q.text)
    found = measures_in(q.text)
    size = found.get("excised") or found.get("size")
    if family is None or site is None or not isinstance(size, float):
        return None
    procedure, pathology = _FAMILY_PROCEDURE[family]
    req = SuggestRequest(procedure=procedure, pathology=pathology, site=site, size_cm=float(size))  # type: ignore[arg-type]
    try:
        lines = coding.suggest(req).lines
    except CodingError:
        return None
    other = [c for c in offered.groups() if c != lines[0].code]
    said = f"over {float(size) - 0.01:g}" if round(float(size) * 100) % 10 == 1 else f"{float(size):g}"  # "over 4 cm" was read as 4.01
    text = f"{lines_text(lines)}: the {site} with {said} cm calls for {lines[0].code}."
    for c in other:
        bad = invalid_entry(c, None)
        text += f" {c} is not a valid code: {bad.note}" if bad else f" {c} is a different site group or size band."
    return Composed(text=text, lines=lines, confidence=COMPUTED, codes=[ln.code for ln in lines])


def _prior_auth(q: Question, ruleset: Ruleset) -> Composed | None:
    """Whether the services need prior authorization: the ruleset's list, checked for the question's payer(s)."""
    if "prior_auth" not in q.asks:
        return None
    services = [SuggestedLine(code=c.code) for c in q.codes if (i := lookup(c.code)) is not None and not i.is_em]
    services += [_first_line(it) for it in q.items if it.procedure in _GLOBAL_OF]
    drug = _drug_answer(q, force=True)
    services += drug.lines if drug else []
    services = list({ln.code: ln for ln in services}.values())
    payers = [t for t in ("medicare", "medicaid", "commercial") if t == q.payer_type or (t == "commercial" and q.advantage)]
    if not services or not payers:
        return None  # no service or no payer named: the lists differ by plan, the FAQ explains them
    parts: list[str] = []
    rules: list[str] = []
    codes = [ln.code for ln in services]
    for payer in payers:
        probe = Question(text=q.text, payer_type=payer)
        claim = build_claim(probe, [(ln, None, None) for ln in services])
        hits = [f for f in _check(claim, ruleset).findings if f.category.value == "prior_auth"]
        advantage = payer == "commercial" and q.advantage
        who = "a Medicare Advantage plan" if advantage else {"medicare": "traditional Medicare"}.get(payer, f"a {payer} plan")
        if hits:
            rules += [f.rule for f in hits]
            parts.append(f"For {who}: " + " ".join(_finding_text(f) for f in hits))
        elif payer == "medicare":
            parts.append(
                f"For {who}: no prior authorization is needed for {', '.join(codes)}; traditional Medicare Part B does not pre-authorize these services."
            )
        else:
            parts.append(
                f"For {who}: our prior-authorization list has no entry for {', '.join(codes)}, but each plan sets its own list, so check the plan's."
            )
    return Composed(
        text=" ".join(parts), confidence=COMPUTED if rules else HEDGED, rules=rules, codes=codes, topic="prior_auth", explain=True
    )


def _coverage_documentation(q: Question, ruleset: Ruleset) -> Composed | None:
    """What the note must show for Medicare to cover a benign-lesion removal: the checker's own screen, run on the
    removal with no indication documented, says which indications count."""
    if q.payer_type != "medicare":
        return None
    item = next((it for it in q.items if it.kind in ("sk", "wart", "molluscum", "tag", "nevus", "cyst", "df")), None)
    if item is None:
        return None
    code = _first_line(item).code
    item.symptoms = []
    probe = Question(text=q.text, items=[item], payer_type="medicare", no_symptoms=True)
    claim = build_claim(probe, [(SuggestedLine(code=code), item, None)])
    findings = [f for f in _check(claim, ruleset).findings if f.category.value == "cosmetic"]
    if not findings:
        return None
    fix = findings[0].fix or ""
    text = (f"For Medicare to cover {code} for a {_KIND_LABEL.get(item.kind or '', 'benign lesion')}, the note must document the "
            f"indication that made the removal medically necessary. {fix}")  # fmt: skip
    return Composed(text=text, confidence=COMPUTED, rules=[findings[0].rule], codes=[code], explain=True)


def _excimer_other(q: Question, ruleset: Ruleset) -> Composed | None:
    """Excimer for a condition other than psoriasis: the checker recodes 9692x to the unlisted code."""
    item = next((it for it in q.items if it.procedure == "excimer_laser"), None)
    condition = next((name for pattern, name in CONDITION_WORDS if re.search(pattern, q.text)), None)
    if item is None or condition in (None, "psoriasis"):
        return None
    item.kind = condition
    claim = build_claim(q, [(SuggestedLine(code="96920"), item, None)])
    findings = [f for f in _check(claim, ruleset).findings if f.suggested_lines and f.category.value == "medical_necessity"]
    if not findings:
        return None
    lines = findings[0].suggested_lines
    text = f"Bill {lines_text(lines)}. " + _finding_text(findings[0])
    return Composed(text=text, lines=lines, confidence=COMPUTED, rules=[findings[0].rule], codes=[ln.code for ln in lines], explain=True)


# ----------------------------------------------------------------------------- diagnosis codes


def _diagnosis(q: Question, ruleset: Ruleset) -> Composed | None:
    if "diagnosis" not in q.asks or q.codes:
        return None
    if re.search(r"\b(?:and|what|which) (?:cpt )?codes\b|\bcpt\b|\blimits?\b|\bpolicy\b|\bcover\w*", q.text):
        return None  # the diagnosis is one part of a wider question: the FAQ answers it whole
    item = next((it for it in q.items if it.kind not in (None,)), None)
    kind = item.kind if item else next((name for pattern, name in CONDITION_WORDS if re.search(pattern, q.text)), None)
    if kind is None:
        return None
    if kind == "sk" and re.search(r"inflamed|irritated", q.text):
        kind = "sk_inflamed"
    if kind == "wart" and re.search(r"plantar", q.text):
        kind = "plantar_wart"
    code = diagnosis_for(kind, item.site if item else None, item.side if item else None)
    if code is None:
        if item is not None and kind in ("bcc", "scc", "melanoma", "mis", "sccis", "nevus") and item.site is None:
            return Composed(
                text=f"The ICD-10-CM code for a {_KIND_LABEL.get(kind, kind)} depends on the body site (and side for ears, eyelids and limbs). What was the site?",
                confidence=PARTIAL,
                topic="diagnosis",
            )
        return None
    return Composed(text=f"{diagnosis_text(code)}.", confidence=COMPUTED, topic="diagnosis")
