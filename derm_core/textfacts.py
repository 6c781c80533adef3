"""Documentation facts written beside a code in a pasted claim: ``17003 x4 L57.0 5 AKs``, ``11402 trunk 1.2 cm
benign irritated``, ``17311 C44.311 nose 2 stages 3 blocks each``, ``96920 180 sq cm``.

Only the plain forms are read, and only where the line's code uses the fact (a count on a destruction, tag or
injection line, a size on an excision, blocks on a Mohs line...). Every word a fact does not use stays "not
understood"; a fact written twice with two values is not read at all. The words are those of ``derm ask``
(``question_facts``): lesion kinds, sites, symptoms, biopsy methods.
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
# Facts of a code family sit on its primary line: from an add-on (17003, 11201, 17312) they move there.
FAMILY_FACTS = ("lesion_count", "pathology", "symptoms", "mohs_stage_blocks")


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
                r"\b(?:stages?[:=]? ?(\d{1,2}(?: ?[/+]? ?\d{1,2})+)(?! ?blocks?)|blocks?[:=]? ?(\d{1,2}(?: ?[/+]? ?\d{1,2})*))\b(?! ?(?:cm|mm|sq))"
            ),
        ),
        ("area", re.compile(r"\b" + _AREA.pattern)),
        ("size", re.compile(r"(?<![\w.])(\d{1,2}(?:\.\d{1,2})?|\.\d{1,2}) ?(cm|mm)\b")),
        ("pathology", re.compile(r"\b(benign|premalignant|pre-malignant|malignant|in situ)\b")),
        ("count", re.compile(r"(?<![\w.])(\d{1,3}) (?:" + kinds + r")\b")),
        ("kind", re.compile(r"\b(?:" + kinds + r")\b")),
        ("site", _SITE),
        *((f"symptom:{s}", re.compile(r"\b(?:" + p + r")\b")) for s, p in SYMPTOMS),
        *((f"method:{m}", re.compile(r"\b(?:" + p + r")\b")) for m, p in _METHODS.items()),
        ("filler", re.compile(r"\b(?:bx|biopsy|lesions?|each|total|sent|to|path|cm|mm|w|x|site)\b")),
    ]


_COMPILED: list[tuple[str, re.Pattern[str]]] = []


def _kind_pathology(match: re.Match[str]) -> str | None:
    from .question_facts import _KIND_PATH

    name = next((k for k, v in match.groupdict().items() if v), None)
    return _KIND_PATH.get(name) if name else None


def _symptoms(text: str) -> list[tuple[str, str]]:
    """The symptoms inside a lesion's words ("irritated SKs", "inflamed cyst")."""
    return [("symptoms", s) for s, p in SYMPTOMS if re.search(r"\b(?:" + p + r")\b", text)]


def read_facts(words: list[str], family: str | None) -> tuple[dict[str, Any], list[str]]:
    """The facts ``words`` give for a line of ``family``, and the words no fact used (in their order).

    >>> read_facts(["5", "AKs"], "destruction_premalignant")
    ({'lesion_count': 5, 'pathology': 'premalignant'}, [])
    >>> read_facts(["nose", "cheek"], "excision_malignant")  # two sites: neither is read
    ({}, ['nose', 'cheek'])
    """
    if not _COMPILED:
        _COMPILED.extend(_patterns())
    from .question_facts import _SITE_WORDS

    text = " ".join(w.lower() for w in words)
    used = [False] * len(text)
    found: dict[str, list[Any]] = {}
    spans: dict[str, list[tuple[int, int]]] = {}

    def take(m: re.Match[str], *facts: tuple[str, Any]) -> None:
        if any(used[m.start() : m.end()]):
            return
        used[m.start() : m.end()] = [True] * (m.end() - m.start())
        for fact, value in facts:
            found.setdefault(fact, []).append(value)
            spans.setdefault(fact, []).append(m.span())

    fam = family or ""
    for name, pattern in _COMPILED:
        kind, _, value = name.partition(":")
        if kind == "mohs_staged":  # stage 1 3 blocks stage 2 2 blocks: read when the stages are 1, 2, ... in order
            staged = list(pattern.finditer(text)) if fam == "mohs" else []
            if staged and [int(m.group(1)) for m in staged] == list(range(1, len(staged) + 1)):
                take(staged[0], ("mohs_stage_blocks", [int(m.group(2)) for m in staged]))
                for m in staged[1:]:
                    take(m)
            continue
        for m in pattern.finditer(text):
            if kind == "mohs_each" and fam == "mohs":
                take(m, ("mohs_stage_blocks", [int(m.group(2))] * int(m.group(1))))
            elif kind == "mohs_one" and fam == "mohs":
                take(m, ("mohs_stage_blocks", [int(m.group(1))]))
            elif kind == "mohs_list" and fam == "mohs":
                take(m, ("mohs_stage_blocks", [int(n) for n in re.findall(r"\d+", m.group(1) or m.group(2))]))
            elif kind == "pathology" and fam in _PATHOLOGY:
                take(m, ("pathology", m.group(1).replace("pre-", "pre").replace("in situ", "in_situ")))
            elif kind == "area" and fam in _AREA_FAMILIES:
                take(m, ("area_sq_cm", float(m.group(1))))
            elif kind == "size" and fam in _SIZED:
                take(m, ("size_cm", round(float(m.group(1)) / (10 if m.group(2) == "mm" else 1), 2)))
            elif kind == "count" and fam in _COUNTED:
                path = _kind_pathology(m)
                take(m, ("lesion_count", int(m.group(1))), *((("pathology", path),) if path else ()), *_symptoms(m.group(0)))
            elif kind == "kind" and fam in _PATHOLOGY and (path := _kind_pathology(m)):
                take(m, ("pathology", path), *_symptoms(m.group(0)))
            elif kind == "site" and fam and fam not in _NO_SITE:
                take(m, ("site", _SITE_WORDS[m.group(1)]))
            elif kind == "symptom" and fam and fam not in _NO_SITE:
                take(m, ("symptoms", value))
            elif kind == "method" and fam == "biopsy":
                take(m, ("biopsy_method", value))
            elif kind == "filler" and found:
                take(m)
    for fact, values in found.items():
        if fact != "symptoms" and any(v != values[0] for v in values):  # two values: neither is read, nor its words
            for a, b in spans[fact]:
                used[a:b] = [False] * (b - a)
    facts: dict[str, Any] = {}
    for fact, values in found.items():
        if all(used[a] for a, _ in spans[fact]):  # none of its words given back (with a count's pathology)
            facts[fact] = sorted(set(values)) if fact == "symptoms" else values[0]
    left, pos = [], 0
    for w in words:
        if not all(used[pos : pos + len(w)]):
            left.append(w)
        pos += len(w) + 1
    return facts, left


_LABELS = {
    "lesion_count": "{} lesions",
    "size_cm": "{} cm",
    "area_sq_cm": "{:g} sq cm",
    "mohs_stage_blocks": "blocks per stage {}",
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
    shown = (("/".join(map(str, v)) if k == "mohs_stage_blocks" else ", ".join(v) if isinstance(v, list) else v) for k, v in facts.items())
    return ", ".join(_LABELS[k].format(v).replace("_", " ") for k, v in zip(facts, shown, strict=True))
