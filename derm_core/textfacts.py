"""Documentation facts written beside a code in a pasted claim: ``17003 x4 L57.0 5 AKs``, ``11402 trunk 1.2 cm
benign irritated``, ``17311 C44.311 nose 2 stages 3 blocks each``, ``96920 180 sq cm``.

Only the plain forms are read, and only where the line's code uses the fact (a count on a destruction, tag or
injection line, a size on an excision, blocks on a Mohs line...). Every word a fact does not use stays "not
understood"; a fact written twice with two values is not read at all. The words are those of ``derm ask``
(``question_facts``): lesion kinds, sites, symptoms, biopsy methods.

What is not sure is not read: a fact is read only from whole words (``>15 AKs``, ``10-12 warts``, ``non-tender``,
``<250 sq cm`` give no count, symptom or area); a count right after another number (``5 of 10 AKs``) is none; a run
of words that negates, hedges or looks back (``no bleeding``, ``r/o BCC``, ``hx BCC``, ``s/p``, ``?``, ``pending``)
gives no fact at all; a suspicious lesion has no pathology; a size beside a margin (``4mm margins``) or one side of
``1.2 x 0.8 cm`` is no size; ``back`` in ``came back`` or ``back in 2 wks`` is no site; Mohs stage numbers
(``stages 1, 2``) and ``blocks 3 each`` are no blocks.
"""

from __future__ import annotations

import re
from typing import Any

_COUNTED = {"destruction_premalignant", "destruction_benign", "destruction_vascular", "skin_tags", "injection", "paring"}
_PATHOLOGY = {"destruction_premalignant", "destruction_benign", "destruction_malignant", "excision_benign", "excision_malignant", "shave"}
_PATHOLOGY |= {"mohs", "skin_tags"}
_SIZED = {"excision_benign", "excision_malignant", "shave", "destruction_malignant", "mohs"}
_SIZED |= {"repair_simple", "repair_intermediate", "repair_complex"}
_AREA_FAMILIES = {"excimer", "phototherapy", "debridement", "skin_substitute_application", "destruction_vascular"}
_NO_SITE = {"em", "em_other", "em_preventive", "drug", "vaccine", "vaccine_product", "pathology", "lab", "supplies"}
_NO_SITE |= {"special_services", "excimer", "phototherapy", "allergy_testing"}
# Symptoms in the words a note uses for them (stricter than ``derm ask``: "change" alone is no symptom here).
SYMPTOMS = [
    ("bleeding", r"bleeding|bleeds|bled"),
    ("itching", r"itching|itchy|itches|pruritic"),
    ("pain", r"painful|tender"),
    ("inflammation", r"inflamed|inflammation"),
    ("irritation", r"irritated|irritation"),
    ("change", r"changing|changed|enlarging|growing"),
    ("infection", r"infected"),
    ("obstruction", r"obstructing|obstructs"),
    ("suspicious", r"suspicious"),
]
# The words of the line's own procedure ("cryo 5 AKs" on 17000, "excised" on 11602): understood with a fact beside
# them, and only on their own family's line (an excision word on a biopsy line stays "not understood").
_DESTRUCTION = r"cryo|cryotherapy|ln2|liquid nitrogen|ed&c|edc|curettage|destruction|destroyed|frozen|froze"
PROCEDURE_WORDS = {
    **dict.fromkeys(["destruction_premalignant", "destruction_benign", "destruction_malignant"], _DESTRUCTION),
    **dict.fromkeys(["excision_benign", "excision_malignant"], r"excised|excision|exc"),
    "shave": r"shave removal|shaved|shave",
    "mohs": r"mohs",
}
# Facts of a code family sit on its primary line: from an add-on (17003, 11201, 17312) they move there.
FAMILY_FACTS = ("lesion_count", "pathology", "symptoms", "mohs_stage_blocks", "mohs_more_stages")
# Words that negate, hedge or look back: a run of words with one of them gives no fact ("no bleeding", "r/o BCC",
# "hx of 10 AKs", "s/p cryo", "BCC?", "path pending").
HEDGES = frozenset(
    [
        "no",
        "not",
        "non",
        "denies",
        "denied",
        "neg",
        "negative",
        "without",
        "w/o",
        "r/o",
        "ro",
        "rule",
        "ruled",
        "vs",
        "vs.",
        "versus",
        "possible",
        "possibly",
        "probable",
        "probably",
        "likely",
        "suspect",
        "suspected",
        "concern",
        "concerning",
        "ddx",
        "query",
        "questionable",
        "hx",
        "h/o",
        "history",
        "prior",
        "previous",
        "previously",
        "s/p",
        "last",
        "old",
        "resolved",
        "healed",
        "pending",
    ]
)
_PUNCT = ".,:;)"  # may follow a fact's last word ("nose.", "path:", "(back)")
_NOT_A_SITE = re.compile(
    r"\b(?:came|come|comes|coming|sent|send|call|called|went|go|goes|get|got|be|been|is|was|will|bring|brought|"
    r"return(?:s|ed|ing)?|check(?:ed)?) back\b|\bback (?:in|to|today|tomorrow|next|f/u|fu|after)\b|"
    r"\bback \d+ ?(?:d|days?|wks?|weeks?|mos?|months?|yrs?)\b"
)
_TWO_D = re.compile(r"(?:\d+(?:\.\d+)?|\.\d+) ?(?:cm|mm)? ?(?:x|by|×) ?(?:\d+(?:\.\d+)?|\.\d+) ?(?:cm|mm)")
_MARGIN = re.compile(r"\b(?:margins?|mgns?)\b")


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    from .question_facts import _AREA, _KINDS, _METHODS, _SITE

    kinds = "|".join(f"(?P<{name}>{pattern})" for name, pattern, _ in _KINDS)
    return [
        ("mohs_staged", re.compile(r"\b(?:stage|layer) ?#?(\d)[:=,-]? (?:with |had |of |has )?(\d{1,2}) blocks?\b")),
        ("mohs_each", re.compile(r"\b(\d) stages? (?:of |with )?(\d{1,2}) blocks? each\b")),
        ("mohs_one", re.compile(r"\b1 stage (?:of |with )?(\d{1,2}) blocks?\b")),
        (
            "mohs_list",
            re.compile(
                r"\b(?:stages?[:=]? ?(\d{1,2}(?: ?[/+]? ?\d{1,2})+)(?! ?blocks?)|blocks?[:=]? ?(\d{1,2}(?: ?[/+]? ?\d{1,2})*))\b(?! ?(?:cm|mm|sq|each))"
            ),
        ),
        ("area", re.compile(r"\b" + _AREA.pattern)),
        ("size", re.compile(r"(?<![\w.])(\d{1,2}(?:\.\d{1,2})?|\.\d{1,2}) ?(cm|mm)\b")),
        ("pathology", re.compile(r"\b(benign|premalignant|pre-malignant|malignant|in situ)\b")),
        ("count", re.compile(r"(?<![\w.])(\d{1,3}) (?:" + kinds + r")\b")),
        ("kind", re.compile(r"\b(?:" + kinds + r")\b")),
        ("site", _SITE),
        (
            "side",
            re.compile(
                r"\b(?:left|right|lt|rt|l|r|bilateral|bilat|upper|lower|mid|medial|lateral|dorsal|proximal|distal)(?= "
                + _SITE.pattern
                + ")"
            ),
        ),
        *((f"symptom:{s}", re.compile(r"\b(?:" + p + r")\b")) for s, p in SYMPTOMS),
        *((f"method:{m}", re.compile(r"\b(?:" + p + r")\b")) for m, p in _METHODS.items()),
        *((f"procedure:{f}", re.compile(r"\b(?:" + p + r")\b")) for f, p in PROCEDURE_WORDS.items()),
        ("filler", re.compile(r"\b(?:bx|biopsy|lesions?|each|total|sent|to|path|cm|mm|w|x|site)\b")),
    ]


_COMPILED: list[tuple[str, re.Pattern[str]]] = []  # compiled on first use (question_facts is imported then)
_BY_NAME: dict[str, re.Pattern[str]] = {}


def _compiled() -> list[tuple[str, re.Pattern[str]]]:
    if not _COMPILED:
        _COMPILED.extend(_patterns())
        _BY_NAME.update(_COMPILED)
    return _COMPILED


def is_site(words: list[str]) -> bool:
    """Whether ``words`` begin with a site ("cheek", "upper arm").

    >>> is_site(["cheek", "2", "AKs"]), is_site(["L57.0"])
    (True, False)
    """
    _compiled()
    return bool(_BY_NAME["site"].match(" ".join(w.lower() for w in words)))


def is_kind(word: str) -> bool:
    """Whether ``word`` names a kind of lesion ("AKs", "warts"): ``x5`` after it is no count of units.

    >>> is_kind("AKs"), is_kind("L57.0")
    (True, False)
    """
    _compiled()
    return bool(_BY_NAME["kind"].fullmatch(word.lower().strip(_PUNCT + "(")))


def is_count(words: list[str]) -> bool:
    """Whether ``words`` begin with a number of lesions, square cm, cm, mm, stages or blocks ("25 tags", "22 AKs",
    "25 sq cm"): the number is then no modifier.

    >>> is_count(["25", "skin", "tags"]), is_count(["22", "sq", "cm"]), is_count(["25", "L57.0"])
    (True, True, False)
    """
    _compiled()
    text = " ".join(w.lower() for w in words)
    return bool(_BY_NAME["count"].match(text) or re.match(r"\d+ (?:sq|square|cm|mm|cm2|stages?|blocks?)\b", text))


def _kind_pathology(match: re.Match[str]) -> str | None:
    from .question_facts import _KIND_PATH

    name = next((k for k, v in match.groupdict().items() if v), None)
    return _KIND_PATH.get(name) if name else None


def _symptoms(text: str) -> list[tuple[str, str]]:
    """The symptoms inside a lesion's words ("irritated SKs", "inflamed cyst")."""
    return [("symptoms", s) for s, _ in SYMPTOMS if _BY_NAME[f"symptom:{s}"].search(text)]


def read_facts(words: list[str], family: str | None, skip: frozenset[str] = frozenset()) -> tuple[dict[str, Any], list[str]]:
    """The facts ``words`` give for a line of ``family`` (none of ``skip``), and the words no fact used (in order).

    >>> read_facts(["5", "AKs"], "destruction_premalignant")
    ({'lesion_count': 5, 'pathology': 'premalignant'}, [])
    >>> read_facts(["nose", "cheek"], "excision_malignant")  # two sites: neither is read
    ({}, ['nose', 'cheek'])
    >>> read_facts(["no", "bleeding"], "destruction_benign")  # negated: nothing is read
    ({}, ['no', 'bleeding'])
    """
    from .question_facts import _SITE_WORDS

    if any(w.lower().strip(_PUNCT + "(") in HEDGES or "?" in w for w in words):
        return {}, list(words)
    text = " ".join(w.lower() for w in words)
    used = [False] * len(text)
    starts, ends, pos = set(), set(), 0
    for w in words:  # a fact starts and ends where words do (after "(", before "." "," ":" ")")
        starts |= {pos, pos + 1} if w.startswith("(") else {pos}
        end = pos + len(w)
        ends.add(end)
        while end > pos and text[end - 1] in _PUNCT:
            end -= 1
            ends.add(end)
        pos += len(w) + 1
    blocked = [False] * len(text)  # words that are no fact here: one side of 1.2 x 0.8 cm, "came back"
    for m in _TWO_D.finditer(text):
        blocked[m.start() : m.end()] = [True] * (m.end() - m.start())
    for m in _NOT_A_SITE.finditer(text):
        a = text.index("back", m.start())
        blocked[a : a + 4] = [True] * 4
    margins = bool(_MARGIN.search(text))
    found: dict[str, list[Any]] = {}
    spans: dict[str, list[tuple[int, int]]] = {}

    def take(m: re.Match[str], *facts: tuple[str, Any]) -> None:
        if any(used[m.start() : m.end()]) or any(blocked[m.start() : m.end()]) or any(f in skip for f, _ in facts):
            return
        if m.start() not in starts or m.end() not in ends:
            return
        used[m.start() : m.end()] = [True] * (m.end() - m.start())
        for fact, value in facts:
            found.setdefault(fact, []).append(value)
            spans.setdefault(fact, []).append(m.span())

    fam = family or ""
    for name, pattern in _compiled():
        kind, _, value = name.partition(":")
        if kind == "mohs_staged":  # stage 1 3 blocks stage 2 2 blocks: read when the stages are 1, 2, ... in order
            staged = list(pattern.finditer(text)) if fam == "mohs" else []
            first = int(staged[0].group(1)) if staged else 0
            if staged and [int(m.group(1)) for m in staged] == list(range(first, first + len(staged))):
                blocks = [int(m.group(2)) for m in staged]
                # from stage 2 on (on 17312's line): the stages after the primary's, joined there by the parser
                take(staged[0], ("mohs_stage_blocks", blocks) if first == 1 else ("mohs_more_stages", (first, blocks)))
                if "mohs_stage_blocks" in found or "mohs_more_stages" in found:
                    for m in staged[1:]:
                        take(m)
            continue
        for m in pattern.finditer(text):
            if kind == "mohs_each" and fam == "mohs":
                take(m, ("mohs_stage_blocks", [int(m.group(2))] * int(m.group(1))))
            elif kind == "mohs_one" and fam == "mohs":
                take(m, ("mohs_stage_blocks", [int(m.group(1))]))
            elif kind == "mohs_list" and fam == "mohs":
                blocks = [int(n) for n in re.findall(r"\d+", m.group(1) or m.group(2))]
                if len(blocks) < 2 or blocks != list(range(1, len(blocks) + 1)):  # "stages 1, 2": stage numbers
                    take(m, ("mohs_stage_blocks", blocks))
            elif kind == "pathology" and fam in _PATHOLOGY:
                take(m, ("pathology", m.group(1).replace("pre-", "pre").replace("in situ", "in_situ")))
            elif kind == "area" and fam in _AREA_FAMILIES:
                take(m, ("area_sq_cm", float(m.group(1))))
            elif kind == "size" and fam in _SIZED and not margins:
                take(m, ("size_cm", round(float(m.group(1)) / (10 if m.group(2) == "mm" else 1), 2)))
            elif (
                kind == "count"
                and fam in _COUNTED
                and not re.search(r"(?:^| )[<>~#]?\d[\d.,/]*\+? (?:(?:of|to|or|and|-) )?$", text[: m.start()])
            ):
                path = _kind_pathology(m)
                take(m, ("lesion_count", int(m.group(1))), *((("pathology", path),) if path else ()), *_symptoms(m.group(0)))
            elif kind == "kind" and fam in _PATHOLOGY and (path := _kind_pathology(m)):
                take(m, ("pathology", path), *_symptoms(m.group(0)))
            elif kind == "side" and fam and fam not in _NO_SITE:  # "left cheek", "lt arm", "upper back": the site's side
                take(m, ("side", None))
            elif kind == "site" and fam and fam not in _NO_SITE:
                take(m, ("site", _SITE_WORDS[m.group(1)]))
            elif kind == "symptom" and fam and fam not in _NO_SITE:
                take(m, ("symptoms", value))
            elif kind == "method" and fam == "biopsy":
                take(m, ("biopsy_method", value))
            elif (kind == "procedure" and fam == value and found) or (kind == "filler" and found):
                take(m)
    if "suspicious" in found.get("symptoms", []) and "pathology" in found:  # a suspicious lesion's pathology is not known
        for a, b in spans.pop("pathology"):
            used[a:b] = [False] * (b - a)
        del found["pathology"]
    for fact, values in found.items():
        if fact != "symptoms" and any(v != values[0] for v in values):  # two values: neither is read, nor its words
            for a, b in spans[fact]:
                used[a:b] = [False] * (b - a)
    if "site" not in found or "side" not in found:  # a side without its site is given back
        for a, b in spans.pop("side", []):
            used[a:b] = [False] * (b - a)
    found.pop("side", None)
    facts: dict[str, Any] = {}
    for fact, values in found.items():
        if all(used[a] for a, _ in spans[fact]):  # none of its words given back (with a count's pathology)
            facts[fact] = sorted(set(values)) if fact == "symptoms" else values[0]
    left, pos = [], 0
    for w in words:  # a word is used when all of it but its brackets and end marks is ("(5", "AKs)", "nose.")
        if not all(used[i] or text[i] in "(" + _PUNCT for i in range(pos, pos + len(w))) or all(c in "(" + _PUNCT for c in w):
            left.append(w)
        pos += len(w) + 1
    return facts, left


_LABELS = {
    "lesion_count": "{} lesions",
    "size_cm": "{} cm",
    "area_sq_cm": "{:g} sq cm",
    "mohs_stage_blocks": "blocks per stage {}",
    "mohs_more_stages": "blocks per stage from stage {}",
    "site": "site {}",
    "pathology": "{}",
    "symptoms": "{}",
    "biopsy_method": "{} biopsy",
}


def describe(facts: dict[str, Any]) -> str:
    """The facts read, for the reply's notes.

    >>> describe({"lesion_count": 5, "pathology": "premalignant", "mohs_stage_blocks": [3, 2]})
    '5 lesions, premalignant, blocks per stage 3/2'
    """

    def show(k: str, v: Any) -> Any:
        if k == "mohs_more_stages":
            return f"{v[0]} on {'/'.join(map(str, v[1]))}"
        return "/".join(map(str, v)) if k == "mohs_stage_blocks" else ", ".join(v) if isinstance(v, list) else v

    shown = (show(k, v) for k, v in facts.items())
    return ", ".join(_LABELS[k].format(v).replace("_", " ") for k, v in zip(facts, shown, strict=True))


# The word written back for each symptom (``facts_text``): one that ``read_facts`` reads as that symptom.
_SYMPTOM_WORD = {"bleeding": "bleeding", "itching": "itching", "pain": "painful", "inflammation": "inflamed"}
_SYMPTOM_WORD |= {"irritation": "irritated", "change": "changing", "infection": "infected", "obstruction": "obstructing"}
_PATHOLOGY_WORD = {"benign": "benign", "premalignant": "premalignant", "malignant": "malignant", "in_situ": "in situ"}


def facts_text(facts: dict[str, Any]) -> list[str]:
    """A line's facts written out in the forms ``read_facts`` reads back (for a claim shared again as text). Facts a
    pasted claim cannot carry (lesion ids, ABN, purpose, a suspicious lesion...) are not written.

    >>> facts_text({"lesion_count": 5, "pathology": "premalignant", "site": "face", "symptoms": ["itching"]})
    ['5', 'lesions', 'premalignant', 'face', 'itching']
    >>> facts_text({"mohs_stage_blocks": [3, 2], "size_cm": 1.2})
    ['1.2', 'cm', 'stage', '1', '3', 'blocks', 'stage', '2', '2', 'blocks']
    """
    from .question_facts import _SITE_WORDS

    words: list[str] = []
    if facts.get("lesion_count") is not None:
        words += [str(facts["lesion_count"]), "lesions"]
    if facts.get("size_cm") is not None:
        words += [f"{facts['size_cm']:g}", "cm"]
    if facts.get("area_sq_cm") is not None:
        words += [f"{facts['area_sq_cm']:g}", "sq", "cm"]
    symptoms = facts.get("symptoms") or []
    if facts.get("pathology") in _PATHOLOGY_WORD and "suspicious" not in symptoms:
        words += _PATHOLOGY_WORD[facts["pathology"]].split()
    site = (facts.get("site") or "").replace("_", " ")
    if site and _SITE_WORDS.get(site) == facts["site"]:
        words += site.split()
    words += [_SYMPTOM_WORD[s] for s in symptoms if s in _SYMPTOM_WORD]
    if facts.get("biopsy_method"):
        words.append(facts["biopsy_method"])
    for stage, blocks in enumerate(facts.get("mohs_stage_blocks") or [], 1):
        words += ["stage", str(stage), str(blocks), "blocks"]
    return words
