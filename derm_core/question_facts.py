"""Procedure facts in a biller's words: counts, body sites, sizes and margins, Mohs stages and blocks,
biopsy methods, pathology words and treated areas.

``derm ask`` uses them to compute lines for a question such as "16 aks w cryo", and the Slack bot's
``/derm suggest mohs cheek stages 7,3`` turns its text into a coding request with
:func:`parse_procedure_text`. Nothing is guessed beyond what is written: a fact that is not in the
text stays empty, and the coding engine then says what it needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .codes import lookup
from .coding import BiopsyCount, Procedure, SuggestRequest
from .models import Pathology, Site
from .vocab import SITE_WORDS

_NUMBER_WORDS = {
    "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "dozen": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}  # fmt: skip
_NUMBER_WORD = re.compile(r"\b(?:a\s+)?(" + "|".join(_NUMBER_WORDS) + r")\b")

_SITE = re.compile(r"\b(" + "|".join(sorted(SITE_WORDS, key=len, reverse=True)) + r")\b")

_AK = r"(?:aks?|ak's|actinic keratos[ie]s|actinics?|premalignant lesions?|pre-malignant lesions?)"
_BENIGN_LESION = r"(?:sks?|sk's|seb ?ks?|seborrh?eic keratos[ie]s|warts?|verrucae?|molluscum|benign lesions?)"
_TAG = r"(?:skin tags?|tags?|acrochordons?)"
_INJECTED = r"(?:keloids?|lesions?|spots?|sites?|cysts?|scars?|plaques?|patches|areas?)"
_LESION = r"(?:lesions?|spots?)"

_PATHOLOGY_WORDS: list[tuple[Pathology, re.Pattern[str]]] = [
    ("pending", re.compile(r"\b(?:path(?:ology)? (?:is )?pending|pending path(?:ology)?|path(?:ology)? not back)\b")),
    ("in_situ", re.compile(r"\b(?:in situ|mis|sccis|bowen'?s|lentigo maligna)\b")),
    ("malignant", re.compile(r"\b(?:malignant|malignancy|bcc|scc|basal cell|squamous cell|melanoma|carcinoma|cancer|merkel)\b")),
    ("premalignant", re.compile(r"\b(?:premalignant|pre-malignant|aks?|ak's|actinic)\b")),
    (
        "benign",
        re.compile(
            r"\b(?:benign|nevus|nevi|mole|moles|sks?|seb ?ks?|seborrh?eic|cyst|lipoma|dermatofibroma|warts?|molluscum|dysplastic|atypical)\b"
        ),
    ),
]
_EXPLICIT_PATHOLOGY = re.compile(r"\b(?:path(?:ology)?|pathology report|came back|showed)\W+(?:\w+\W+){0,2}?(benign|malignant)\b")

_NUM = r"(\d{1,3})"  # a count, never a 5-character code
_SIZE = r"(\d+(?:\.\d+)?|\.\d+)\s*(cm|mm)\b"
_AREA = re.compile(r"(\d+(?:\.\d+)?)\s*(?:sq\.?\s*cm|square\s*(?:cm|centimet(?:er|re)s?)|cm2|cm²|cm\^2)")
_TWO_D = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*(?:cm|mm)?\s*(?:x|by)\s*(\d+(?:\.\d+)?|\.\d+)\s*(cm|mm)\b")
_MARGIN = re.compile(_SIZE + r"\s*(?:[a-z]+\s+){0,2}?margins?\b|margins?\s*(?:of|:|=)?\s*" + _SIZE)
_CODE = re.compile(r"\b(\d{5}|[a-z]\d{4})\b")

_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5}
_ORD = r"(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|stage\s*(\d))"
_LIST = r"(\d{1,2}(?:\s*(?:,|/|\+|and|,\s*and|then)\s*\d{1,2})+)"
# "stages 7,3", "blocks 6/4/2", "with 6, 4 and 2 blocks", "7 and 3 blocks"
_STAGE_LIST = re.compile(r"(?:stages?|blocks?(?:\s*per\s*stage)?)\s*:?\s*" + _LIST + r"|" + _LIST + r"\s*(?:tissue\s*)?blocks?")
_STAGE_COUNT = re.compile(r"\b" + _NUM + r"\s*(?:mohs\s*)?(?:stages?|layers?)\b")
_BLOCKS_AFTER_STAGE = re.compile(_ORD + r"\s*(?:stage|layer)?\s*(?:had|has|with|of|was|=|:|-)?\s*(\d{1,2})\s*(?:tissue\s*)?blocks?")
_BLOCKS_BEFORE_STAGE = re.compile(r"(\d{1,2})\s*(?:tissue\s*)?blocks?\s*(?:in|on|for|at|during)?\s*(?:the\s*)?" + _ORD)
_BLOCKS_EACH = re.compile(
    r"(?:(under|less than|fewer than|up to|<=?)\s*)?(\d{1,2})\s*(?:tissue\s*)?blocks?\s*(?:each|per stage|in each|every stage)"
    r"|each\s*(?:stage\s*)?(?:had|has|with)?\s*(?:(under|less than|fewer than|up to|<=?)\s*)?(\d{1,2})\s*blocks?"
)
_BLOCKS_ANY = re.compile(r"\b(\d{1,2})\s*(?:tissue\s*)?blocks?\b")

_BIOPSY = re.compile(r"\b(?:bx|bxs|biops(?:y|ies|ied))\b")
_METHODS = {
    "punch": r"punch(?:es)?",
    "tangential": r"(?:shave|shaved|tangential|scoop|saucer\w*)",
    "incisional": r"(?:incisional|incision|wedge)",
}
_NOT_BIOPSY_SHAVE = re.compile(r"\bshave\s*(?:removal|excision)s?\b|\bshaved off\b")


@dataclass
class QuestionFacts:
    """What a question says about a procedure; ``quantified`` when it gave at least one number."""

    procedure: Procedure | None = None
    pathology: Pathology | None = None
    lesion_count: int | None = None
    site: Site | None = None
    size_cm: float | None = None
    lesion_cm: float | None = None
    margin_cm: float | None = None
    biopsies: dict[str, int] = field(default_factory=dict)
    mohs_stage_blocks: list[int] | None = None
    mohs_stages: int | None = None  # stages named, even when their blocks are not clear
    area_sq_cm: float | None = None
    quantified: bool = False
    assumptions: list[str] = field(default_factory=list)

    def request(self) -> SuggestRequest | None:
        """The coding request these facts make, or None when no procedure was recognised."""
        if self.procedure is None:
            return None
        return SuggestRequest(
            procedure=self.procedure,
            pathology=self.pathology,
            lesion_count=self.lesion_count,
            site=self.site,
            size_cm=self.size_cm,
            lesion_cm=self.lesion_cm,
            margin_cm=self.margin_cm,
            biopsies=[BiopsyCount(biopsy_method=m, count=n) for m, n in self.biopsies.items()] or None,  # type: ignore[arg-type]
            mohs_stage_blocks=self.mohs_stage_blocks,
            area_sq_cm=self.area_sq_cm,
        )


def normalise(text: str) -> str:
    """Lower case, plain dashes and times signs, ``w/`` spelled out, number words as digits.

    >>> normalise("Two AK's w/ cryo × 3")
    "2 ak's with cryo x 3"
    """
    t = text.lower().replace("\u2013", "-").replace("\u2014", "-").replace("×", "x").replace("’", "'")
    t = re.sub(r"\bw/o\b", "without ", t)
    t = re.sub(r"\bw/\s*", "with ", t)
    t = re.sub(r"\bw\s+(?=[a-z])", "with ", t)
    return _NUMBER_WORD.sub(lambda m: str(_NUMBER_WORDS[m.group(1)]), t)


def _cm(value: str, unit: str) -> float:
    number = float(value)
    return round(number / 10 if unit == "mm" else number, 2)


def _count(t: str, noun: str) -> int | None:
    """The number written before ``noun`` (``16 aks``, ``9 small keloids``) or after it (``aks x16``)."""
    total = sum(int(m.group(1)) for m in re.finditer(r"\b" + _NUM + r"\s*x?\s+(?:[a-z'-]+\s+){0,2}?" + noun + r"\b", t))
    if total:
        return total
    after = re.search(r"\b" + noun + r"\s*(?:x|:|=|#)\s*" + _NUM + r"\b", t)
    return int(after.group(1)) if after else None


def _codes(t: str) -> list[str]:
    return [c.upper() for c in _CODE.findall(t) if lookup(c.upper()) is not None]


def _family_of_codes(t: str) -> set[str]:
    return {info.family for c in _codes(t) if (info := lookup(c)) is not None}


def _pathology(t: str) -> Pathology | None:
    explicit = _EXPLICIT_PATHOLOGY.search(t)
    if explicit:
        return explicit.group(1)  # type: ignore[return-value]
    for value, pattern in _PATHOLOGY_WORDS:
        if pattern.search(t):
            return value
    return None


def _mohs_blocks(t: str, facts: QuestionFacts) -> list[int] | None:
    listed = _STAGE_LIST.search(t)
    if listed:
        return [int(n) for n in re.findall(r"\d+", listed.group(1) or listed.group(2))]
    stages = _STAGE_COUNT.search(t)
    n = int(stages.group(1)) if stages else 0
    facts.mohs_stages = n or None
    per_stage: dict[int, int] = {}
    for m in _BLOCKS_AFTER_STAGE.finditer(t):
        per_stage[_ORDINAL.get(m.group(1), 0) or int(m.group(2) or 1)] = int(m.group(3))
    for m in _BLOCKS_BEFORE_STAGE.finditer(t):
        per_stage[_ORDINAL.get(m.group(2), 0) or int(m.group(3) or 1)] = int(m.group(1))
    each: int | None = None
    m_each = _BLOCKS_EACH.search(t)
    if m_each:
        bound, value = (m_each.group(1), m_each.group(2)) if m_each.group(2) else (m_each.group(3), m_each.group(4))
        each = int(value) - (1 if bound in ("under", "less than", "fewer than", "<") else 0)
    elif not per_stage and (m_any := _BLOCKS_ANY.search(t)):
        blocks = int(m_any.group(1))
        if n <= 1:
            per_stage[1] = blocks
        elif blocks <= 5:  # each stage, or all of them together: either way no stage has more than 5
            each = blocks
        else:  # "2 stages, 7 blocks": which stage had them is not said
            return None
    if not n and not per_stage and each is None:
        return None
    n = max([n, *per_stage])
    if each is None and len(per_stage) < n:
        facts.assumptions.append("Stages without a block count were taken as 5 blocks or fewer.")
    return [per_stage.get(i, each or 1) for i in range(1, n + 1)]


def _biopsies(t: str) -> dict[str, int]:
    t = _NOT_BIOPSY_SHAVE.sub(" ", t)
    counts: dict[str, int] = {}
    for method, word in _METHODS.items():
        for m in re.finditer(
            r"(?:\b" + _NUM + r"\s*x?\s*)?\b" + word + r"\b(?:\s*(?:bx|bxs|biops(?:y|ies))\b)?(?:\s*x\s*" + _NUM + r"\b)?", t
        ):
            counts[method] = counts.get(method, 0) + int(m.group(1) or m.group(2) or 1)
    return counts


def extract(text: str) -> QuestionFacts:
    """Every procedure fact in ``text``.

    >>> f = extract("mohs on the cheek, 2 stages, first had 7 blocks")
    >>> (f.procedure, f.site, f.mohs_stage_blocks, f.quantified)
    ('mohs', 'face', [7, 1], True)
    """
    t = normalise(text)
    facts = QuestionFacts()
    families = _family_of_codes(t)
    site = _SITE.search(t)
    facts.site = SITE_WORDS[site.group(1)] if site else None
    area = _AREA.search(t)
    if area:
        facts.area_sq_cm = float(area.group(1))
        t = t[: area.start()] + " " + t[area.end() :]
    t = _TWO_D.sub(lambda m: f"{max(float(m.group(1)), float(m.group(2)))} {m.group(3)}", t)
    margin = _MARGIN.search(t)
    if margin:
        value, unit = (margin.group(1), margin.group(2)) if margin.group(1) else (margin.group(3), margin.group(4))
        facts.margin_cm = _cm(value, unit)
        t_sizes = t[: margin.start()] + " " + t[margin.end() :]
    else:
        t_sizes = t
    size = re.search(_SIZE, t_sizes)
    lesion_cm = _cm(size.group(1), size.group(2)) if size else None
    facts.pathology = _pathology(t)

    if re.search(r"\bmohs?\b|\bmoh's\b", t) or "mohs" in families:
        facts.procedure = "mohs"
        facts.mohs_stage_blocks = _mohs_blocks(t, facts)
    elif re.search(r"\b(?:excimer|xtrac)\b", t) or "excimer" in families:
        facts.procedure = "excimer_laser"
    elif re.search(r"\b(?:port[- ]wine|hemangiomas?|vascular|pdl|pulsed dye)\b", t) or "destruction_vascular" in families:
        facts.procedure = "vascular_destruction"
    elif (_BIOPSY.search(t) and not _NOT_BIOPSY_SHAVE.search(t)) or "biopsy" in families:
        facts.procedure = "biopsy"
        facts.biopsies = _biopsies(t)
    elif re.search(r"\b(?:excis\w*|margins?|ellipse)\b", t) or families & {"excision_benign", "excision_malignant"}:
        facts.procedure = "excision"
        if facts.margin_cm is not None or lesion_cm is None or not re.search(r"excised diameter|defect", t):
            facts.lesion_cm = lesion_cm
        else:
            facts.size_cm = lesion_cm
    elif _NOT_BIOPSY_SHAVE.search(t) or "shave" in families:
        facts.procedure = "shave_removal"
        facts.size_cm = lesion_cm
    elif re.search(r"\b" + _TAG + r"\b", t) or "skin_tags" in families:
        facts.procedure = "skin_tag_removal"
        facts.lesion_count = _count(t, _TAG)
    elif re.search(r"\b(?:inject\w*|intralesional|ilk|kenalog|triamcinolone)\b", t) or "injection" in families:
        facts.procedure = "intralesional_injection"
        facts.lesion_count = _count(t, _INJECTED)
    elif facts.pathology in ("malignant", "in_situ") and (
        re.search(r"\b(?:ed ?& ?c|edc|curett\w*|electrodesic\w*|destr\w*|cryo\w*|froze\w*)\b", t) or "destruction_malignant" in families
    ):
        facts.procedure = "destruction"
        facts.size_cm = lesion_cm
        facts.lesion_count = _count(t, r"(?:bccs?|sccs?|lesions?|cancers?|tumors?)")
    elif re.search(r"\b" + _BENIGN_LESION + r"\b", t) or "destruction_benign" in families:
        facts.procedure = "benign_destruction"
        facts.pathology = "benign"
        facts.lesion_count = _count(t, _BENIGN_LESION) or _count(t, _LESION)
    elif re.search(r"\b" + _AK + r"\b", t) or "destruction_premalignant" in families:
        facts.procedure = "destruction"
        facts.pathology = "premalignant"
        facts.lesion_count = _count(t, _AK) or _count(t, _LESION)
    facts.quantified = (
        any(
            v is not None
            for v in (facts.lesion_count, facts.size_cm, facts.lesion_cm, facts.area_sq_cm, facts.mohs_stage_blocks, facts.mohs_stages)
        )
        or sum(facts.biopsies.values()) > 1
    )
    return facts


def parse_procedure_text(text: str) -> SuggestRequest | None:
    """A coding request from free text, or None when the text names no procedure we code.

    >>> r = parse_procedure_text("mohs cheek stages 7,3")
    >>> (r.procedure, r.site, r.mohs_stage_blocks)
    ('mohs', 'face', [7, 3])
    >>> parse_procedure_text("what is the weather") is None
    True
    """
    return extract(text).request()
