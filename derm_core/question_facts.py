"""What a biller's question states, as facts: each lesion (or counted group of lesions) with its procedure, kind,
site, sizes and margins, counts, areas, Mohs stages and blocks, biopsy methods and closure; repairs; the codes and
modifiers it names; the payer; days between services; documentation facts (symptoms, ABN, cosmetic wish); drug
doses; and what is asked (the code, units, a modifier, coverage, whether two codes go together, what the note must
say, a correction after the pathology report, a code lookup).

``derm ask`` builds a claim from these facts (``compose``), and the Slack bot's ``/derm suggest mohs cheek stages
7,3`` turns its text into a coding request with :func:`parse_procedure_text`. Nothing is guessed beyond what is
written: a fact that is not in the text stays empty, and the coding engine then says what it needs. Numbers the
parser could not place are kept in ``unused`` so that the answer can say it did not read them.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from .codes import lookup
from .coding import BiopsyCount, Procedure, RepairClass, SuggestRequest
from .models import Pathology, Site, Symptom
from .vocab import KNOWN_PAYERS, SITE_WORDS

_NUMBER_WORDS = {
    "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "dozen": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}  # fmt: skip
_NUMBER_WORD = re.compile(r"\b(?:a\s+)?(" + "|".join(_NUMBER_WORDS) + r")\b")

# Site words: the vocabulary's, plus the words billers add in front of them ("dorsal hand", "upper back").
_EXTRA_SITES: dict[str, Site] = {
    "temple": "face", "nasal tip": "nose", "tip of the nose": "nose", "earlobe": "ear", "earlobes": "ear", "scalp": "scalp",
    "groin": "genitalia", "axillae": "trunk", "axillary": "trunk", "underarm": "trunk", "underarms": "trunk", "waist": "trunk",
    "waistband": "trunk", "neckline": "neck", "collar": "neck", "calves": "leg", "ankles": "leg", "knees": "leg", "elbows": "arm",
    "hips": "trunk", "upper arm": "arm", "upper lip": "lip", "lower lip": "lip", "upper eyelid": "eyelid", "lower eyelid": "eyelid",
    "nail": "hand", "palms": "hand", "soles": "foot", "digit": "hand", "shoulders": "arm", "face": "face", "forehead": "face",
    "back of the hand": "hand", "back of hand": "hand", "back of the hands": "hand", "dorsum of the hand": "hand", "dorsal hand": "hand",
    "back of the neck": "neck", "back of neck": "neck", "back of the arm": "arm", "back of the leg": "leg", "back of the knee": "leg",
    "back of the head": "scalp", "back of the ear": "ear", "back of the thigh": "leg", "dorsal foot": "foot", "top of the foot": "foot",
}  # fmt: skip
_SITE_WORDS: dict[str, Site] = {**{k.replace("_", " "): v for k, v in SITE_WORDS.items()}, **_EXTRA_SITES}
_SITE = re.compile(r"\b(" + "|".join(sorted((re.escape(w) for w in _SITE_WORDS), key=len, reverse=True)) + r")\b")
_SITE_PAIR = re.compile(_SITE.pattern + r"\s+(?:and|&|n|or)\s+(?:the\s+|her\s+|his\s+|both\s+)?" + _SITE.pattern)
_SIDE = re.compile(r"\b(?:(left|lt|l)|(right|rt|r))\b(?=\s*(?:upper |lower |dorsal |lateral |medial |mid |anterior |posterior )?[a-z])")

# Lesion kinds: the word, what it is (pathology), and the procedure it implies when no procedure word says.
_KINDS: list[tuple[str, str, Pathology | None]] = [
    ("sccis", r"sccis|scc in situ|squamous cell carcinoma in situ|bowen'?s(?: disease)?|carcinoma in situ", "in_situ"),
    ("mis", r"melanoma in situ|mis|lentigo maligna", "in_situ"),
    ("melanoma", r"(?:invasive )?melanomas?", "malignant"),
    ("bcc", r"bccs?|bcc's|basal cell(?: carcinomas?| ca)?|basal cells?", "malignant"),
    ("scc", r"sccs?|scc's|squamous cell(?: carcinomas?| ca)?", "malignant"),
    ("merkel", r"merkel(?: cell)?(?: carcinoma)?", "malignant"),
    ("malignant", r"malignan(?:t|cy|cies)(?: lesions?)?|skin cancers?|cancers?|carcinomas?|tumou?rs?", "malignant"),
    ("ak", r"aks?|ak's|actinic keratos[ie]s|actinics?|solar keratos[ie]s|premalignant lesions?|pre-malignant lesions?", "premalignant"),
    ("sk", r"(?:irritated |inflamed )?(?:sks?|sk's|seb ?ks?|seb ?k's|sebks?|seborrh?eic keratos[ie]s)", "benign"),
    ("wart", r"(?:common |flat |plantar |genital )?(?:warts?|verrucae?|condylomas?|condylomata)", "benign"),
    ("molluscum", r"molluscums?|molluscum contagiosum", "benign"),
    ("tag", r"skin tags?|tags?|acrochordons?", "benign"),
    ("nevus", r"(?:dysplastic |atypical |congenital |intradermal |compound |junctional |benign )?(?:nevus|nevi|moles?)", "benign"),
    ("cyst", r"(?:epidermal |epidermoid |sebaceous |pilar |inclusion |infundibular )?cysts?", "benign"),
    ("df", r"dermatofibromas?", "benign"),
    ("lipoma", r"lipomas?", "benign"),
    ("spider_vein", r"spider veins?|telangiectasias?|leg veins?", "benign"),
    ("vascular", r"port[- ]wine stains?|pws|hemangiomas?|cherry angiomas?|angiomas?|vascular lesions?", "benign"),
    ("keloid", r"keloids?|hypertrophic scars?", None),
    ("psoriasis", r"psoriasis|psoriatic|pso plaques?|pso|plaques", None),
    ("lesion", r"lesions?|spots?|growths?|papules?|nodules?|pigmented lesions?", None),
]
_KIND = [(name, re.compile(r"\b(?:" + pattern + r")\b"), path) for name, pattern, path in _KINDS]
_KIND_PATTERN = {name: pattern for name, pattern, _ in _KINDS}
_KIND_PATH = {name: path for name, _, path in _KINDS}
_ANY_KIND = re.compile("|".join(rf"(?P<k{i}>\b(?:{pattern})\b)" for i, (_, pattern, _) in enumerate(_KINDS)))
_BENIGN_KINDS = frozenset({"sk", "wart", "molluscum", "nevus", "cyst", "df", "lipoma"})

# Procedure words, in the order they are tried on a piece of the question.
_PROC_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("mohs", re.compile(r"\bmohs?\b|\bmosh\b")),
    ("excimer_laser", re.compile(r"\bexcimer\b|\bxtrac\b")),
    (
        "flap",
        re.compile(r"\bflaps?\b|\badvancement\b|\brotation\b|\btransposition\b|\badjacent tissue\b|\bz-?plasty\b|\b1[34]\d{3}\b(?= flap)"),
    ),
    ("shave_removal", re.compile(r"\bshave (?:removal|excision)s?\b|\bshaved? off\b|\bshaved\b(?! ?bx)|\bshave removed\b")),
    (
        "biopsy",
        re.compile(r"\bbx(?:s|'s|'d|ed)?\b|\bbiops(?:y|ies|ied)\b|\bpunch(?:ed|es)?\b|\bincisional\b|\bshave\b|\bscoop\b|\bsauceri\w*"),
    ),
    ("excision", re.compile(r"\bexcis\w*|\bre-?excis\w*|\bellipse\b|\bwle\b|\bwide local\b|\bcut out\b")),
    ("repair", re.compile(r"\brepairs?\b|\bclosures?\b|\bclosed\b|\blayered\b|\bsutured\b|\blac(?:eration)?s?\b")),
    ("vascular_destruction", re.compile(r"\bpdl\b|\bpulsed dye\b|\bvbeam\b|\bvascular laser\b")),
    ("intralesional_injection", re.compile(r"\binject\w*|\bintralesional\b|\bilk\b|\bkenalog\b|\btriamcinolone\b|\bil steroid\b")),
    ("skin_tag_removal", re.compile(r"\bsnip\w*|\bclipped\b")),
    (
        "destruction",
        re.compile(
            r"\bedc\b|\bcurett\w*|\belectrodesic\w*|\bdestr\w*|\bcryo\w*|\bfroze\b|\bfrozen\b(?! section)|\bfreez\w*|\bln2\b|\bliquid nitrogen\b|\bcauter\w*|\blaser(?:ed)?\b|\bcantharidin\b|\bremov\w*|\btook off\b|\btreated\b"
        ),
    ),
]
_VAGUE = re.compile(r"\bremov\w*|\btook off\b|\btreated\b|\btaken off\b")
_SPECIFIC_DESTRUCTION = re.compile(r"\bedc\b|\bcurett\w*|\bcryo\w*|\bfroze\b|\bfreez\w*|\bln2\b|\bliquid nitrogen\b|\bdestr\w*|\blaser")
_METHODS = {
    "punch": r"punch(?:ed|es)?",
    "tangential": r"shave|shaved|tangential|scoop|saucer\w*",
    "incisional": r"incisional|incision|wedge",
}

_SIZE_RE = r"(\d+(?:\.\d+)?|\.\d+)\s*(cm|mm|centimet(?:er|re)s?|millimet(?:er|re)s?)?"
_NOT_A_SIZE = r"(?!\s*(?:ml|mg|cc|u\b|units?|sq|%|x\b|days?|wks?|weeks?|months?|hours?|blocks?|stages?))"
_AREA = re.compile(r"(\d+(?:\.\d+)?)\s*(?:sq\.?\s*cm|square\s*(?:cm|centimet(?:er|re)s?)|cm2|cm²|cm\^2|sqcm)")
_TWO_D = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*(?:cm|mm)?\s*(?:x|by)\s*(\d+(?:\.\d+)?|\.\d+)\s*(cm|mm)\b")
_CODE = re.compile(r"(?<![\w.])(\d{4}[0-9FTU]|[A-Z]\d{4})(?:-([A-Z0-9]{2}))?(?:-([A-Z0-9]{2}))?(?:\s*x\s*(\d{1,3}))?(?!\w|\.\d)", re.I)
_MODIFIER = re.compile(
    r"(?<![\w.])(?:-|mod(?:ifier)?s?\s+|\b)(2[45]|5[0-9]|7[6-9]|26|tc|g[axyzc]|x[epsu]|j[wz]|kx|e[1-4]|f[a1-9]|t[a1-9]|rt|lt|gc)(?![\w.])",
    re.I,
)

_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5}
_STAGE_COUNT = re.compile(r"\b(\d{1,2})\s*(?:mohs\s*)?(?:stages?|layers?)\b")
_ORDINAL_STAGE = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th)\s*(?:stage|layer)\b|\bstage\s*(\d)\s*(?=had|has|with|was|=|:|-)"
)
_ORD = r"(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|stage\s*(\d)(?=\s*(?:had|has|with|was|=|:|-)))"
_BLOCKS_AFTER_ORDINAL = re.compile(
    r"\b" + _ORD + r"\s*(?:stage|layer)?\s*(?:had|has|with|of|was|=|:|-)?\s*(\d{1,2})\s*(?:tissue\s*)?blo?c?ks?"
)
_BLOCKS_BEFORE_ORDINAL = re.compile(r"\b(\d{1,2})\s*(?:tissue\s*)?blo?c?ks?\s*(?:in|on|for|at|during)\s*(?:the\s*)?" + _ORD)
_EACH = re.compile(
    r"(?:(under|less than|fewer than|up to|<=?)\s*)?(\d{1,2})\s*(?:tissue\s*)?blocks?\s*(?:each|per stage|in each|every stage|apiece)\b|\beach\s*(?:stage\s*)?(?:had|has|with)?\s*(?:(under|less than|fewer than|up to|<=?)\s*)?(\d{1,2})\s*blocks?"
)

_SYMPTOMS: list[tuple[Symptom, str]] = [
    ("bleeding", r"bleed\w*|bled|bloody"),
    ("itching", r"itch\w*|pruritic"),
    ("pain", r"pain\w*|tender\w*|hurts?|sore"),
    ("inflammation", r"inflam\w*|swollen|red and swollen|erythema\w*"),
    ("irritation", r"irritat\w*|rubs?|rubbing|catch(?:es|ing)? on|snag\w*|caught|chafe?\w*|trauma\w*"),
    ("change", r"chang\w*|enlarg\w*|growing|grew|new mole|evolving|darken\w*"),
    ("infection", r"infect\w*|drain\w*|pus|purulen\w*|oozing"),
    ("obstruction", r"obstruct\w*|block(?:s|ing) (?:the )?(?:vision|ear|nostril)"),
    ("functional_impairment", r"vision|impair\w*"),
    ("suspicious", r"suspicious|rule out|r/o|atypical looking|concern(?:ing|ed) for"),
]
_SYMPTOM = [(s, re.compile(r"\b(?:" + p + r")")) for s, p in _SYMPTOMS]
_NO_SYMPTOMS = re.compile(
    r"\bno (?:symptoms?|itch\w*|bleed\w*|complaints?|pain)\b|\bdoes ?n[o']?t bother\b|\bnot bother\w*\b|\basymptomatic\b|"
    r"\bjust wants? (?:it|them) (?:gone|off|removed)\b|\bcosmetic\w*\b|\bhates? (?:how|the way) (?:it|they) looks?\b|"
    r"\bfor looks\b|\bappearance only\b|\bvanity\b|\bdoesn'?t like (?:the look|how)\b"
)
_COSMETIC = re.compile(
    r"\bcosmetic\w*\b|\bhates? (?:how|the way) (?:it|they) looks?\b|\bjust wants? (?:it|them) (?:gone|off)\b|\bfor looks\b|\bvanity\b|\bappearance only\b"
)


@dataclass
class Item:
    """One lesion, or one counted group of lesions of a kind, or one repair, as the question describes it."""

    procedure: str | None = None  # a coding.Procedure, or "repair", "flap", "pdt", "phototherapy"
    kind: str | None = None  # bcc, scc, ak, sk, wart, tag, nevus, cyst, vascular, keloid, lesion ...
    pathology: Pathology | None = None
    site: Site | None = None
    site_word: str | None = None
    side: str | None = None
    part: str | None = None  # upper/lower (eyelid), thumb/second... (finger)
    count: int | None = None
    lesion_cm: float | None = None
    margin_cm: float | None = None
    size_cm: float | None = None  # the excised diameter when the question says so
    size_is_excised: bool = False
    area_sq_cm: float | None = None
    biopsies: dict[str, int] = field(default_factory=dict)
    stage_blocks: list[int] | None = None
    stages: int | None = None
    repair_class: RepairClass | None = None
    repair_cm: list[float] = field(default_factory=list)
    symptoms: list[Symptom] = field(default_factory=list)
    text: str = ""
    assumptions: list[str] = field(default_factory=list)
    kind_own: bool = False  # the kind was written for this lesion (not carried over from the one before)
    vague: bool = False  # the procedure came from a vague verb ("removed", "took off", "treated")
    count_implied: bool = False  # the count is 1 from "a keloid", not a number written

    @property
    def malignant(self) -> bool:
        return self.pathology in ("malignant", "in_situ")

    def request(self) -> SuggestRequest | None:
        """The coding request for this item, or None when it is not a procedure the coding engine codes."""
        proc = self.procedure
        if proc is None or proc not in _CODED:
            return None
        size = self.size_cm if self.size_cm is not None else None
        lesion, margin = self.lesion_cm, self.margin_cm
        if proc in ("shave_removal", "destruction") and size is None:
            size, lesion, margin = lesion, None, None
        pathology = self.pathology
        if proc == "destruction" and pathology is None and self.kind in _BENIGN_KINDS:
            pathology = "benign"
        if proc == "destruction" and pathology is None and self.kind in (None, "lesion"):
            return None  # "2 lesions removed": what they were decides the family, and nothing says it
        if self.kind == "lipoma":
            return None  # subcutaneous tumors take the soft-tissue excision codes, not in our tables
        return SuggestRequest(
            procedure=proc,  # type: ignore[arg-type]
            pathology=pathology,
            lesion_count=self.count,
            site=self.site,
            size_cm=size,
            lesion_cm=lesion if proc == "excision" else None,
            margin_cm=margin if proc == "excision" else None,
            biopsies=[BiopsyCount(biopsy_method=m, count=n) for m, n in self.biopsies.items()] or None,  # type: ignore[arg-type]
            mohs_stage_blocks=self.stage_blocks,
            area_sq_cm=self.area_sq_cm,
        )


_CODED = frozenset({"destruction", "benign_destruction", "vascular_destruction", "excision", "shave_removal", "biopsy", "mohs",
                    "skin_tag_removal", "intralesional_injection", "excimer_laser"})  # fmt: skip


@dataclass
class NamedCode:
    code: str
    modifiers: list[str]
    units: int | None = None


@dataclass
class Question:
    """Everything a question states. ``asks`` holds what is asked: code, units, modifier, covered, both,
    document, correction, lookup, prior_auth, diagnosis."""

    text: str
    items: list[Item] = field(default_factory=list)
    codes: list[NamedCode] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)  # modifiers named (on codes or on their own)
    payer_type: str | None = None
    payer_name: str | None = None
    advantage: bool = False
    days_after: int | None = None  # days between the earlier procedure and the service asked about
    global_days: int | None = None  # the earlier procedure's global period, when the question says it ("10 day global")
    in_global: bool | None = None  # the question says the service is (True) or is not (False) in the global period
    relation: str | None = None  # coding.PostopRelation
    visit: bool = False  # an E/M visit is part of the question
    same_day: bool = False
    same_lesion: bool | None = None
    decided_by_path: bool = False  # a same-day biopsy's immediate result decided the definitive procedure
    decision_for_surgery: bool = False
    symptoms: list[Symptom] = field(default_factory=list)
    no_symptoms: bool = False
    cosmetic: bool = False
    abn: bool | None = None
    not_necessary: bool = False  # the biller expects a medical-necessity denial
    drug_mg: float | None = None
    drug_units: float | None = None
    discarded: float | None = None
    single_use: bool = False
    interpretation_only: bool = False
    preparation_only: bool = False
    teaching: bool = False
    path_result: Pathology | None = None  # what the pathology report came back as
    path_kind: str | None = None
    specimens: int | None = None
    photosensitizer: str | None = None
    asks: set[str] = field(default_factory=set)
    unused: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    @property
    def requests(self) -> list[SuggestRequest]:
        return [r for it in self.items if (r := it.request()) is not None]


def normalise(text: str) -> str:
    """Lower case, plain dashes and times signs, ``w/`` spelled out, number words as digits, ``ed&c`` as ``edc``.

    >>> normalise("Two AK's w/ cryo × 3, ED&C'd")
    "2 ak's with cryo x 3, edc"
    """
    t = text.lower().replace("\u2013", "-").replace("\u2014", "-").replace("×", "x").replace("’", "'").replace("\u00a0", " ")
    t = re.sub(r"\bed\s*&\s*c(?:'d|ed)?\b|\be\.?d\.? ?and ?c\b|\belectrodesiccation and curettage\b", "edc", t)
    t = re.sub(r"\bi\s*&\s*d\b", "incision-drainage", t)
    t = re.sub(r"\be\s*/\s*m\b|\be\s*&\s*m\b", "em", t)
    t = re.sub(r"\bbx'd\b|\bbiopsied\b", "bx", t)
    t = re.sub(r"\bcryo'd\b", "froze", t)
    t = re.sub(r"\bw/o\b", "without ", t)
    t = re.sub(r"\bw/\s*", "with ", t)
    t = re.sub(r"\bw\s+(?=[a-z0-9.])", "with ", t)
    t = re.sub(r"(?<=[a-z]) n (?=[a-z])", " and ", t)
    t = re.sub(r"\b(first|which|this|that|each|the|another|no|any|every|same|last|other|big|small) one\b", r"\1 ONE", t)
    t = re.sub(r"\bone (?:side|of)\b", lambda m: m.group(0).replace("one", "ONE"), t)
    t = _NUMBER_WORD.sub(lambda m: str(_NUMBER_WORDS[m.group(1)]), t).replace("ONE", "one")
    # "1.5 cm and 2.5 cm excised diameters": the label belongs to each size
    return re.sub(
        r"(\d+(?:\.\d+)?\s*(?:cm|mm)?)\s+and\s+(\d+(?:\.\d+)?\s*(?:cm|mm)?)\s+(excised diameter|excised dia|margin)s?\b",
        lambda m: f"{m.group(1)} {m.group(3)} and {m.group(2)} {m.group(3)}",
        t,
    )


def _cm(value: str, unit: str | None) -> float:
    number = float(value)
    return round(number / 10 if unit and unit.startswith("m") else number, 3)


@lru_cache(maxsize=256)
def _count_pattern(noun: str) -> re.Pattern[str]:
    between = r"(?:(?!(?:into|in|on|of|to|from|with|at|for)\b)[a-z'-]+\s+){0,2}?"
    return re.compile(r"(?<![\w.])(?<!kenalog )(?<!kenalog-)(\d{1,3})\s*x?\s+" + between + r"(?:" + noun + r")\b")


def _count(t: str, noun: str) -> int | None:
    """The number written before ``noun`` (``16 aks``, ``9 small keloids``) or after it (``aks x16``)."""
    total = sum(int(m.group(1)) for m in _count_pattern(noun).finditer(t))
    if total:
        return total
    after = re.search(r"\b(?:" + noun + r")\s*(?:x|:|=|#)\s*(\d{1,3})\b", t)
    return int(after.group(1)) if after else None


# ----------------------------------------------------------------------------- splitting into items

_SPLIT = re.compile(r"\s*(?:;|(?<!\d)\.(?!\d)\s+|\s\+\s|\bplus\b|\band also\b|\balso\b|,\s*and\b|,(?!\d)|\band\b|&|\s-\s|\s--\s|:)\s*")
_CONTEXT = re.compile(
    r"\bafter (?:an? |the |\d+ |his |her |my )?(?:\d{5} )?(?:excisions?|mohs|biops(?:y|ies)|bx|procedures?|surgery|flaps?|repairs?|grafts?)\b(?: \d{5})?|"
    r"\b(?:in|during|inside) the \d+[- ]day global (?:of|from|for) (?:an? |the )?(?:\d{5} )?(?:\w+ )?(?:flaps?|excisions?|repairs?|mohs)?|"
    r"\bfor path(?:ology)?\b|\bnot a bx\b|\bnot a biopsy\b|\bpath (?:is|came|comes) back\b|\bpath goes out\b|\bpath (?:is )?not back\b|\bcame back\b|"
    r"\b(?:has had|had|history of|hx of|prior|previous|last year'?s?)\s+(?:\d+\s+)?(?:prior\s+|previous\s+)?(?:mohs|excisions?|biops(?:y|ies)|bxs?|surger(?:y|ies))\b|"
    r"\b(?:for |just for )?suture removal\b|\bremove (?:the )?sutures\b|\bwent to path\b|\bsent (?:it )?(?:to|for) path\b"
)


def _protect(text: str) -> str:
    """Separators inside parentheses are kept inside one piece: ``(4 blocks then 2)``."""
    return re.sub(
        r"\(([^()]*)\)", lambda m: " (" + m.group(1).replace(",", " ;c; ").replace(" and ", " ;a; ").replace("+", " ;p; ") + ") ", text
    )


def _unprotect(text: str) -> str:
    return text.replace(" ;c; ", ", ").replace(" ;a; ", " and ").replace(" ;p; ", " + ")


def _kind(t: str) -> tuple[str | None, Pathology | None, int]:
    """The first lesion kind the text names (leftmost; at one position the earlier kind of ``_KINDS``)."""
    m = _ANY_KIND.search(t)
    if m is None:
        return None, None, len(t) + 1
    name = _KINDS[int(str(m.lastgroup)[1:])][0]
    return name, _KIND_PATH[name], m.start()


def _procedure(t: str) -> str | None:
    for name, pattern in _PROC_WORDS:
        if pattern.search(t):
            return name
    return None


def site_in(text: str) -> tuple[Site | None, str | None]:
    """The first body site a text names, and the word it used (``("face", "cheek")``)."""
    return _site(normalise(text))


def measures_in(text: str) -> dict[str, object]:
    """The sizes, margins, areas and lengths a text gives (``{"size": 4.01}`` for "over 4 cm")."""
    return _measures(normalise(text))


def side_in(text: str) -> str | None:
    """``left`` or ``right`` when a text names the side of a site."""
    return _side(normalise(text))


def _site(t: str) -> tuple[Site | None, str | None]:
    t = _CONTEXT.sub(" ", t)
    m = _SITE.search(t)
    if not m:
        return None, None
    return _SITE_WORDS[m.group(1)], m.group(1)


def _side(t: str) -> str | None:
    m = _SIDE.search(t)
    if not m:
        return None
    return "left" if m.group(1) else "right"


def _pieces(t: str) -> list[str]:
    # "hands and feet", "face and scalp": one place, not two lesions
    t = _SITE_PAIR.sub(lambda m: f"{m.group(1)}/{m.group(2)}", t)
    protected = _protect(t)
    return [_unprotect(p).strip() for p in _SPLIT.split(protected) if p and p.strip()]


def _measures(p: str) -> dict[str, object]:
    """Sizes, margins, areas, repair lengths and counts written in one piece of a question."""
    out: dict[str, object] = {}
    p = _TWO_D.sub(lambda m: f"{max(float(m.group(1)), float(m.group(2)))} {m.group(3)}", p)
    areas = [float(a) for a in _AREA.findall(p)]
    if areas:
        out["areas"] = areas
        p = _AREA.sub(" ", p)
    p = re.sub(r"\b\d+\s*(?:mm)?\s*punch\b", " punch", p)  # "4 mm punch": the punch tool, not the lesion
    margins = [_cm(v, u) for v, u in re.findall(_SIZE_RE + r"\s*(?:[a-z]+\s+){0,2}?margins?\b", p)]
    margins += [_cm(v, u) for v, u in re.findall(r"margins?\s*(?:of|:|=|were|was)?\s*" + _SIZE_RE, p)]
    if margins:
        out["margin"] = min(margins)
        p = re.sub(_SIZE_RE + r"\s*(?:[a-z]+\s+){0,2}?margins?\b|margins?\s*(?:of|:|=|were|was)?\s*" + _SIZE_RE, " ", p)
    repair_words = r"(?:intermediate|complex|simple|layered|layer|single[- ]layer|2[- ]layer|primary)?\s*(?:closures?|repairs?|closed)"
    lengths = [_cm(v, u) for v, u in re.findall(_SIZE_RE + r"\s*(?:long\s*)?(?:[a-z]+\s+){0,2}?" + repair_words, p)]
    lengths += [_cm(v, u) for v, u in re.findall(repair_words + r"\s*(?:of|:|=|was|length|measuring)?\s*" + _SIZE_RE, p)]
    if (
        re.search(r"\b(?:repairs?|closures?|lac\w*)\b", p)
        and not lengths
        and not re.search(r"\bexcis|\bbcc|\bscc|\bnevus|\bcyst|lesion", p)
    ):
        lengths = [_cm(v, u) for v, u in re.findall(_SIZE_RE, p) if u or "." in v]
    if lengths:
        out["repair"] = lengths
        p = re.sub(
            _SIZE_RE
            + r"\s*(?:long\s*)?(?:[a-z]+\s+){0,2}?"
            + repair_words
            + "|"
            + repair_words
            + r"\s*(?:of|:|=|was|length|measuring)?\s*"
            + _SIZE_RE,
            " ",
            p,
        )
    excised = re.search(r"(?:excised (?:diameter|dia\.?|size)|excision (?:diameter|size)|defect)\s*(?:of|is|was|=|:)?\s*" + _SIZE_RE, p)
    excised = excised or re.search(_SIZE_RE + r"\s*\(?\s*(?:excised|excision)\s*(?:diameter|dia\.?|size)?\b", p)
    if excised:
        out["excised"] = _cm(excised.group(1), excised.group(2))
        p = p[: excised.start()] + " " + p[excised.end() :]
    p = re.sub(
        r"\b(?:over|more than|greater than|>)\s*(\d+(?:\.\d+)?)\s*cm\b", lambda m: f"{float(m.group(1)) + 0.01:g} cm", p
    )  # "over 4 cm"
    sizes = [(_cm(v, u), bool(u)) for v, u in re.findall(r"(?<![\w.])" + _SIZE_RE + r"(?![\w.])" + _NOT_A_SIZE, p) if u or "." in v]
    if sizes:
        out["size"] = sizes[0][0]
    return out


def _mohs_blocks(p: str, item: Item) -> None:
    """Stages and blocks per stage, from ``2 stages (4 blocks then 2)``, ``3 stages: 8, 6 and 2 blocks``,
    ``first stage 3 blocks, second stage 2 blocks``, ``4 blocks each``, ``1 stage cut into 12 blocks``."""
    stages = [int(n) for n in _STAGE_COUNT.findall(p)]
    ordinals = [_ORDINAL.get(a, 0) or int(b or 0) for a, b in _ORDINAL_STAGE.findall(p)]
    n = max([*stages, *ordinals, 0])
    item.stages = n or item.stages
    listed = re.search(
        r"\b(?:stages?|blocks?(?:\s*per\s*stage)?)\s*:?\s*(\d{1,2}(?:\s*(?:,|/|\+|and|then)\s*\d{1,2})+)\b(?!\s*(?:cm|mm|stages?))", p
    )
    if listed:  # "stages 7,3", "blocks 6/4/2": the blocks of each stage
        item.stage_blocks = [int(x) for x in re.findall(r"\d+", listed.group(1))]
        item.stages = len(item.stage_blocks)
        return
    if "block" not in p and "blok" not in p:
        return
    each = _EACH.search(p)
    if each:
        bound, value = (each.group(1), each.group(2)) if each.group(2) else (each.group(3), each.group(4))
        per = int(value) - (1 if bound in ("under", "less than", "fewer than", "<") else 0)
        if n:
            item.stage_blocks = [per] * n
        return
    per_stage: dict[int, int] = {}
    for m in _BLOCKS_AFTER_ORDINAL.finditer(p):
        per_stage[_ORDINAL.get(m.group(1), 0) or int(m.group(2) or 1)] = int(m.group(3))
    for m in _BLOCKS_BEFORE_ORDINAL.finditer(p):
        per_stage[_ORDINAL.get(m.group(2), 0) or int(m.group(3) or 1)] = int(m.group(1))
    if per_stage:
        n = max([n, *per_stage])
        item.stages = n
        item.stage_blocks = [per_stage.get(i, 1) for i in range(1, n + 1)]
        if len(per_stage) < n:
            item.assumptions.append("Stages without a block count were taken as 5 blocks or fewer.")
        return
    rest = _STAGE_COUNT.sub(" ", p)
    rest = re.sub(r"\b\d+(?:\.\d+)?\s*(?:cm|mm)\b|\b\d+\s*(?:lesions?|mohs|sites?|tumou?rs?)\b|\bx\s*\d+\b", " ", rest)
    numbers = [int(x) for x in re.findall(r"(?<![\w.])(\d{1,2})(?![\w.])", rest)]
    if not numbers:
        return
    if n == 0:
        n = len(numbers) if len(numbers) > 1 and re.search(r"\bthen\b|,", rest) else 1
        item.stages = n
    if len(numbers) == n:
        item.stage_blocks = numbers
    elif ordinals and len(numbers) < n:
        blocks = dict(zip(sorted(set(ordinals)), numbers, strict=False))
        item.stage_blocks = [blocks.get(i, 1) for i in range(1, n + 1)]
        item.assumptions.append("Stages without a block count were taken as 5 blocks or fewer.")
    elif len(numbers) < n and all(b <= 5 for b in numbers) and len(numbers) == 1:
        item.stage_blocks = [numbers[0]] * n  # "2 stages, 4 blocks": no stage had more than 5 either way
    # otherwise the blocks cannot be placed on stages: left empty, and the answer asks for them


def _biopsies(p: str) -> dict[str, int]:
    p = re.sub(r"\bshave\s*(?:removal|excision)s?\b|\bshaved off\b|\bshaved\b(?! ?bx)", " ", p)
    counts: dict[str, int] = {}
    for method, word in _METHODS.items():
        for m in re.finditer(
            r"(?:(?<![\w.])(\d{1,2})\s*x?\s*)?\b(?:" + word + r")\b(?:\s*(?:bx|bxs|biops(?:y|ies)))?(?:\s*x\s*(\d{1,2})\b)?", p
        ):
            counts[method] = counts.get(method, 0) + int(m.group(1) or m.group(2) or 1)
    return counts


def _measured(item: Item) -> bool:
    """The item already has a measure of its own (size, count, area, stages, biopsies, repair length)."""
    if item.procedure == "biopsy" and re.search(r"\b(?:" + "|".join(_METHODS.values()) + r")\b", item.text):
        return True
    return any(v is not None for v in (item.lesion_cm, item.size_cm, item.count, item.area_sq_cm, item.stages)) or bool(
        item.repair_cm or _stage_words(item.text)
    )


def _stage_words(t: str) -> bool:
    return bool(re.search(r"\b\d+\s*(?:stages?|blocks?)\b", t))


def _new_item(
    item: Item, piece: str, kind: str | None, proc: str | None, site: Site | None, measures: dict[str, object], counted: int | None
) -> bool:
    """Whether this piece describes another lesion (or wound) than the item being read."""
    if not item.text:
        return False
    measured = _measured(item)
    piece_measured = bool(
        measures.get("size") or measures.get("areas") or measures.get("excised") or counted or _stage_words(piece) or measures.get("repair")
    )
    if proc == "repair" and not kind and item.procedure not in (None, "repair"):
        return False  # "w 4 cm intermediate closure": the closure of this lesion
    if proc in ("biopsy",) and item.procedure == "biopsy" and not site and not kind:
        return False  # "2 incisional, 1 punch, 2 shave": counted together
    if kind not in (None, "lesion") and item.kind not in (None, "lesion") and kind != item.kind:
        return True
    if not measured and item.kind in (None, "lesion") and (proc is None or item.procedure in (None, proc)):
        return False  # "2 mohs same day both on face: bcc nasal tip ...": a heading, then the lesion
    if item.kind in (None, "lesion") and kind and not site and not piece_measured and proc in (None, item.procedure):
        return False  # "excimer: 150 sq cm + 200 sq cm, psoriasis": what the measured lesions were
    if item.vague and proc and not kind and not site and not piece_measured:
        return False  # "2 lesions removed ... excised with 3 mm margins": how the lesion was removed
    if (kind not in (None, "lesion") or proc) and (measured or (item.site is not None and site is not None)):
        # "what repair code", "the excision?": a question about the item, not another one
        return bool(kind or site or piece_measured) or not (item.procedure in (None, proc) or _question_piece(piece))
    if proc and item.procedure and proc != item.procedure and proc != "repair" and (kind or site or piece_measured):
        return True
    if site is not None and item.site is not None and piece_measured:
        return True
    sized = item.lesion_cm is not None or item.size_cm is not None
    # "2 cysts from the back, 1.5 cm and 2.5 cm": a second size is a second lesion
    return bool(
        sized
        and not kind
        and not proc
        and (measures.get("size") or measures.get("excised"))
        and item.procedure in ("excision", "shave_removal", "destruction")
    )


def _question_piece(piece: str) -> bool:
    return bool(
        re.match(r"(?:what|which|how|can|could|do|does|is|are|should|would|will|any|the|bill|codes?|cpt|both)\b", piece)
        or piece.endswith("?")
    )


def _piece_count(piece: str, kind: str | None) -> int | None:
    if kind and kind != "lesion":
        n = _count(piece, _KIND_PATTERN[kind])
        if n:
            return n
    m = re.match(r"^(?:and |plus |\+ )?(\d{1,3})\s+(?:more\s+)?(?:on|to|of|in|at|from)\b", piece)  # "2 on L arm", "10 more on the arms"
    if m:
        return int(m.group(1))
    return _count(piece, r"lesions?|spots?|sites?|areas?|patches|plaques?|keloids?|scars?|cysts?|nodules?")


def _items(t: str) -> list[Item]:
    items: list[Item] = []
    item = Item()
    context_proc: str | None = None
    for piece in _pieces(t):
        if not piece:
            continue
        clean = _CONTEXT.sub(" ", piece)
        kind, path, _ = _kind(clean)
        proc_named = _procedure(clean)
        # "1.5 cm excised diameter" says a size, not another excision
        proc = _procedure(re.sub(r"\b(?:excised|excision) (?:diameter|dia\b|size)", " ", clean))
        site, site_word = _site(piece)
        measures = _measures(clean)
        counted = _piece_count(clean, kind)
        if _new_item(item, piece, kind, proc, site, measures, counted):
            items.append(item)
            prev = item
            item = Item()
            if kind in (None, "lesion") and (proc is None or prev.procedure in (None, proc)):
                item.kind, item.pathology = prev.kind, prev.pathology  # "and 2 on L arm": more of the same
            if proc is None:
                item.procedure, item.vague = prev.procedure, prev.vague
                item.repair_class = prev.repair_class if prev.procedure == "repair" else None
            if site is None and kind is None and prev.site is not None and (prev.count or 0) >= 2:
                item.site, item.site_word, item.side = prev.site, prev.site_word, prev.side  # "2 cysts from the back, 1.5 and 2.5 cm"
        elif (
            item.site is not None
            and site is not None
            and not _measured(item)
            and kind not in (None, "lesion")
            and item.kind in (None, "lesion")
        ):
            item.site = None  # "both on face: bcc nasal tip ...": the lesion's own site is the better one
        item.text = f"{item.text}, {piece}" if item.text else piece
        if proc_named == "excision" and proc in (None, "repair") and item.procedure in (None, "repair"):
            proc = "excision"
        replaces = (
            item.procedure is None
            or item.vague
            or (item.procedure == "destruction" and proc not in ("destruction", "repair"))
            or proc == "mohs"
        )
        if proc and replaces and not (proc == "repair" and item.procedure not in (None, "repair")):
            item.procedure = proc
            item.vague = proc == "destruction" and bool(_VAGUE.search(clean)) and not _SPECIFIC_DESTRUCTION.search(clean)
        if proc:
            context_proc = context_proc or proc
        if kind and (item.kind in (None, "lesion") or kind == item.kind):
            item.kind = kind
            item.kind_own = True
            item.pathology = path or item.pathology
        if site and item.site is None:
            item.site, item.site_word = site, site_word
            item.side = _side(piece) or item.side
            part = re.search(r"\b(upper|lower)\s+(?:eye)?lid|\b(thumb|great toe|index finger)\b", piece)
            if part:
                item.part = part.group(1) or {"index finger": "second", "great toe": "great"}.get(part.group(2), part.group(2))
        if counted and item.count is None:
            item.count = counted
        if "areas" in measures:
            item.area_sq_cm = (
                round((item.area_sq_cm or 0) + sum(areas), 3)
                if (areas := measures["areas"]) and isinstance(areas, list)
                else item.area_sq_cm
            )
        if "margin" in measures and item.margin_cm is None:
            item.margin_cm = measures["margin"]  # type: ignore[assignment]
        if "excised" in measures and item.size_cm is None:
            item.size_cm, item.size_is_excised = measures["excised"], True  # type: ignore[assignment]
        if "size" in measures and (item.procedure == "repair" or (proc == "repair" and kind is None)) and "repair" not in measures:
            item.repair_cm.append(measures["size"])  # type: ignore[arg-type]
        elif "size" in measures and item.lesion_cm is None:
            item.lesion_cm = measures["size"]  # type: ignore[assignment]
        if "repair" in measures:
            item.repair_cm += measures["repair"]  # type: ignore[arg-type]
        repair_class = re.search(r"\b(simple|intermediate|complex|layered|layer|single[- ]layer|2[- ]layer)\b", piece)
        if repair_class and re.search(r"repair|closure|closed|layer", piece):
            word = repair_class.group(1)
            item.repair_class = (
                "simple" if word in ("simple", "single-layer", "single layer") else "complex" if word == "complex" else "intermediate"
            )
        item.symptoms += [s for s, pattern in _SYMPTOM if pattern.search(piece) and not _negated(piece, pattern) and s not in item.symptoms]
    if item.text:
        items.append(item)
    for a, b in itertools.pairwise(items):
        if (
            a.procedure == b.procedure == "excision"
            and a.margin_cm is None
            and b.margin_cm is not None
            and b.site == a.site
            and not b.kind_own
        ):
            a.margin_cm = b.margin_cm  # "0.5 cm and 0.8 cm with 2 mm margins": the margins of both
    for it in items:
        _settle(it, context_proc)
    kept = [it for it in items if it.procedure or it.kind not in (None, "lesion") or it.repair_cm]
    # "excision of three lesions: nevus ..., SK ..., BCC ...": the heading counts the lesions that follow
    return [it for it in kept if not (_heading(it) and any(o is not it and o.procedure == it.procedure for o in kept))]


def _heading(it: Item) -> bool:
    return (
        it.kind in (None, "lesion")
        and it.site is None
        and not any(v is not None for v in (it.lesion_cm, it.size_cm, it.area_sq_cm, it.stages, it.margin_cm))
        and not (it.biopsies or it.repair_cm)
    )


def _settle(item: Item, context_proc: str | None) -> None:
    """Procedure from the kind when no word said it, then the procedure's own facts."""
    p = item.text
    if item.procedure is None:
        item.procedure = context_proc if context_proc not in (None, "repair") else None
    if item.procedure is None or item.procedure == "destruction":
        if item.kind == "tag" and item.procedure in (None, "destruction"):
            item.procedure = "skin_tag_removal"
        elif item.kind == "vascular" and item.procedure in (None, "destruction") and (item.area_sq_cm or re.search(r"laser|pdl", p)):
            item.procedure = "vascular_destruction"
        elif item.kind == "keloid" and item.procedure is None:
            item.procedure = "intralesional_injection"
        elif item.kind == "ak" and item.procedure is None:
            item.procedure = "destruction"
        elif item.kind in ("wart", "molluscum") and item.procedure is None:
            item.procedure = "benign_destruction"
    if re.search(r"\bpdt\b|\bphotodynamic\b|\blevulan\b|\bameluz\b|\bblue light\b|\bkerastick\b", p):
        item.procedure = "pdt"
    if item.procedure == "skin_tag_removal" and item.kind not in (None, "tag", "lesion"):
        item.procedure = "destruction"
    if item.procedure == "destruction":
        if item.kind in _BENIGN_KINDS and item.kind not in ("nevus", "cyst", "lipoma", "df"):
            item.procedure = "benign_destruction"
            item.pathology = "benign"
        elif item.kind == "tag":
            item.procedure = "skin_tag_removal"
        elif item.kind == "vascular":
            item.procedure = "vascular_destruction"
        elif item.pathology is None and item.kind in (None, "lesion") and item.count:
            pass
    if item.pathology is None and re.search(
        r"\bpath(?:ology)? (?:is )?(?:not back|pending)\b|\bpending path|\bwaiting (?:on|for) (?:the )?path|\bbefore (?:the )?path", p
    ):
        item.pathology = "pending"
    if item.procedure is None and item.margin_cm is not None:
        item.procedure = "excision"  # margins are only measured for excisions
    if item.procedure in ("intralesional_injection", "destruction", "benign_destruction", "skin_tag_removal") and item.count is None:
        item.count = _piece_count(p, item.kind)
        if (
            item.count is None
            and item.kind
            and re.search(r"\b(?:a|an|one|single)\s+(?:[a-z]+\s+)?(?:" + _KIND_PATTERN.get(item.kind, "lesion") + r")\b", p)
        ):
            item.count, item.count_implied = 1, True  # "into a keloid on the earlobe"
    if item.procedure == "mohs":
        _mohs_blocks(p, item)
    if item.procedure == "biopsy":
        item.biopsies = _biopsies(p)
        if len(item.biopsies) == 1 and sum(item.biopsies.values()) == 1 and (item.count or 0) > 1:
            item.biopsies = {m: item.count or 1 for m in item.biopsies}  # "biopsies on 6 separate lesions, all by punch"
    if item.repair_cm and item.procedure is None:
        item.procedure = "repair"


# ----------------------------------------------------------------------------- facts of the whole question

_ASKS: list[tuple[str, re.Pattern[str]]] = [
    (
        "modifier",
        re.compile(
            r"\bmod(?:ifier)?s?\b|\bwhich mod\b|\b(?:gets?|takes?|needs?)\s+(?:a |the )?-?(?:2[45]|5[0-9]|7[89])\b|\b-?(?:2[45]|5[0-9]|7[89]) (?:go|goes)\b|\b(?:25|57|58|59|24|78|79|50|51|26|gc|xs|e1)\s*(?:or|vs\.?|and)\s*(?:25|57|58|59|24|78|79|xs|51)\b|\bneed (?:a |the )?-?\d\d\b|\buse -?\d\d\b|\bw(?:ith)? -?(?:7[89]|5[789]|2[45])\?|\bga\b|\bgy\b|\bgz\b|\bgx\b|\bjw\b|\bjz\b"
        ),
    ),
    ("units", re.compile(r"\bhow many units\b|\bunits?\b\??")),
    (
        "covered",
        re.compile(
            r"\bcover\w*\b|\bwill (?:medicare|medicaid|insurance|they|the plan|bcbs|aetna|uhc|cigna) pay\b|\bpay for\b|\bdeny\b|\bdenied\b|\bmedical(?:ly)? necess\w*|\bcosmetic\b|\bpayable\b"
        ),
    ),
    (
        "both",
        re.compile(
            r"\bbill (?:the |a |an )?\w+(?: \w+)? (?:\+|and|plus|with|w) (?:the |a |an )?\w+[^.]*\?|\bboth\b|\btogether\b|\bon top of\b|\balong with\b|\btoo\b\??|\bas well\b|\b(?:and|\+|plus|with|w)\s+(?:the\s+)?\d{4}[0-9ft]\b.*\?|\bcan (?:i|we|you) (?:bill|add|code|charge|use)\b.*\b(?:and|\+|plus|with)\b"
        ),
    ),
    (
        "document",
        re.compile(
            r"\bwhat\b[^?.]*\b(?:document\w*|chart|notes?|write|op notes?|show|see|say|look for)\b|\bdocumentation\b|\bhow (?:do|should) (?:i|we|they|the \w+) document\b|"
            r"\b(?:aren'?t|are not|isn'?t|is not|not) supported\b|\bto support\b|\bneed to see\b|\bwhat'?s missing\b|\bholds? up\b|\bnote (?:need|needs|have|has to|must)\b|\bshould (?:the )?\w+ (?:write|document|chart)\b"
        ),
    ),
    (
        "correction",
        re.compile(
            r"\bpath\w*\b[^.?]*\b(?:came back|comes back|shows?|showed|is|=|says|said|reads?|returned|back as)\b|\bcame back\b|\bfix\b|\brecode\b|\brebill\b|\bswitch\b|\bcorrect(?:ed)? dx\b|\bchange the (?:cpt|code|dx)\b|\balready (?:sent|billed|submitted)\b"
        ),
    ),
    ("prior_auth", re.compile(r"\bprior auth\w*|\bpre-?auth\w*|\bprecert\w*|\bpa\b|\bauthori[sz]ation\b|\bapprove\b|\bapproval\b")),
    ("diagnosis", re.compile(r"\bicd(?:-?10)?\b|\bdx\b(?: code)?|\bdiagnosis code\b")),
    (
        "lookup",
        re.compile(
            r"\bwhat(?:'s| is|s) (?:code |cpt )?\d{4}[0-9ft]\b|\bwhat replaced\b|\bglobal (?:days|period)\b|\bper how many\b|\bis it \d{5} or \d{5}\b|\bis \d{4}[0-9ft] (?:an?|still|valid)\b|\b\d{5} for\b"
        ),
    ),
    (
        "code",
        re.compile(
            r"\bcodes?\b|\bcpt\b|\bbill\w*\b|\bwhat lines\b|\bline (?:these|them) up\b|\bwhich 1\d{3}x\b|\bwhich 9692x\b|\bwhich 172xx\b|\bwhat size\b|\bprimary\b|\badd on\b"
        ),
    ),
]
_OFF_TOPIC = re.compile(
    r"\bcolonoscop\w*|\bendoscop\w*|\bknee scope\b|\bmeniscect\w*|\barthroscop\w*|\bfractur\w*|\bbroken (?:wrist|arm|leg|bone)\b|"
    r"\bcataract\w*|\bhernia\w*|\bappendect\w*|\bcholecyst\w*|\bpregnan\w*|\bobstetric\w*|\bultrasound\b|\bmri\b|\bct scan\b|\bx-?rays?\b|"
    r"\bekg\b|\becho(?:cardiogram)?\b|\bdental\b|\btooth\b|\bflu shot\b|\bcovid\b|\bmammogra\w*|\bcardiac\b|\bheart\b|\bspine\b|\bbladder\b"
)
_PRACTICE_DATA = re.compile(
    r"\bwhich (?:doctor|dermatologist|provider|physician|doc|pa|np)s?\b|\bbilled the most\b|\bour (?:top|most)\b|"
    r"\b(?:pay|paid|reimburs\w*) us\b|\blast (?:month|week|year|quarter)\b|\bin (?:january|february|march|april|may|june|july|august|september|october|november|december)\b|"
    r"\bhow many \w+s? did\b|\bour (?:denial rate|collections|a/r|ar)\b|\bdid dr\b|\bfax\b|\bportal\b|\bclearinghouse\b|\blunch\b|\bpassword\b"
)


# Services named in words that have one code (a frozen section is 88331 whoever bills it).
_WORD_CODES = [
    (r"\bfrozen sections?\b|\bfrozens\b", "88331"),
    (r"\bimmuno\w*|\bihc\b|\bmart-?1\b|\bsox-?10\b|\bmelan-?a\b", "88342"),
    (r"\bchemical peels?\b", "15788"),
    (r"\bdermabrasion\b", "15780"),
    (r"\bfillers?\b|\bjuvederm\b|\brestylane\b|\bsculptra\b", "11950"),
    (r"\bsclerotherapy\b|\bspider veins?\b.*\binject\w*|\binject\w*\b.*\bspider veins?\b", "36468"),
    (r"\blaser hair removal\b|\bhair removal\b|\blaser resurfacing\b|\bresurfacing\b|\bipl\b|\btattoo removal\b", "17999"),
]
# Services done for appearance by their nature (the checker then treats the line as cosmetic).
_COSMETIC_SERVICE = re.compile(
    r"\bhair removal\b|\brejuvenation\b|\bresurfacing\b|\bwrinkles?\b|\bglabellar\b|\bcrow'?s feet\b|\bforehead lines\b|"
    r"\banti-?aging\b|\btattoo removal\b|\bfillers?\b|\bspider veins?\b|\bchemical peels?\b.*\b(?:scar|aging|wrinkle|tone)"
)


def _codes(raw: str) -> list[NamedCode]:
    out: list[NamedCode] = []
    for m in _CODE.finditer(raw):
        code = m.group(1).upper()
        if re.fullmatch(r"\d{5}", code) or lookup(code) is not None or re.fullmatch(r"[GJ]\d{4}", code):
            if re.search(r"\d{5}-" + code[:4], raw[max(0, m.start() - 6) : m.start() + 6]):
                continue  # the end of a range such as 17304-17310
            mods = [x.upper() for x in (m.group(2), m.group(3)) if x]
            out.append(NamedCode(code, mods, int(m.group(4)) if m.group(4) else None))
    return out


def _days(t: str) -> tuple[int | None, bool | None]:
    """Days from the earlier procedure to the service asked about, and whether the question says it is in the global."""
    in_global: bool | None = None
    if re.search(
        r"\b(?:in|inside|within|during|still in)\s+(?:the|her|his|their|a)?\s*(?:\d+[- ]day\s+)?(?:post-?op(?:erative)?\s+)?global\b|\bglobal (?:period )?(?:of|from)\b",
        t,
    ):
        in_global = True
    if re.search(r"\b(?:outside|after|past|out of) (?:the )?(?:\d+[- ]day )?global\b", t):
        in_global = False
    m = re.search(r"\bday (\d{1,3})\b(?: of| after| post)?", t) or re.search(
        r"\b(\d{1,3}) days? (?:after|later|post|since|out|from)\b|\bpost-?op day (\d{1,3})\b|\bpod ?(\d{1,3})\b", t
    )
    if m:
        return int(next(g for g in m.groups() if g)), in_global
    m = re.search(r"\b(\d{1,2}) (?:wks?|weeks?) (?:after|later|post|since|out)\b|\b(\d{1,2}) weeks? ago\b", t)
    if m:
        return 7 * int(m.group(1) or m.group(2)), in_global
    m = re.search(r"\b(\d{1,2}) (?:months?|mos?) (?:after|later|post|ago)\b", t)
    if m:
        return 30 * int(m.group(1)), in_global
    if re.search(r"\bnext week\b|\ba week (?:later|after)\b", t):
        return 7, in_global
    dates = re.findall(r"\b(1[0-2]|0?[1-9])/(3[01]|[12]\d|0?[1-9])(?:/(\d{2,4}))?\b", t)
    if len(dates) >= 2:  # "shave bx on 3/3 ... excision 3/10": the days between the two dates
        with contextlib.suppress(ValueError):
            first, second = (date(2026, int(m), int(d)) for m, d, _ in dates[:2])
            return (second - first).days, in_global
    if re.search(
        r"\bthe day before\b|\bday before\b|\byesterday\b.*\btoday\b|\bmonday\b.*\btuesday\b|\btuesday\b.*\bwednesday\b|\bwednesday\b.*\bthursday\b|\bthursday\b.*\bfriday\b|\bfor tomorrow\b|\btomorrow\b",
        t,
    ):
        return -1, in_global
    if re.search(
        r"\bsame (?:day|visit|dos|date|session)\b|\btoday\b.*\b(?:also|then)\b|\bthen (?:doc |dr |we |he |she )?(?:decided|did)\b|\bright then\b|\bsame time\b",
        t,
    ):
        return 0, in_global
    return None, in_global


def _relation(t: str) -> str | None:
    if re.search(r"\bunrelated\b|\bnot related\b|\bnew problem\b|\bsomething else\b|\bdifferent (?:problem|issue|condition)\b", t):
        return "unrelated"
    if re.search(
        r"\bback to the (?:or|operating room|procedure room|asc|surgery center)\b|\breturn(?:ed|ing)? to the (?:or|operating|procedure)\b|\bto the or\b|\bin the or\b",
        t,
    ):
        return "complication_return"
    if re.search(r"\bhematoma|\binfect\w*|\bdehisc\w*|\bbleeding\b|\bcomplication\b|\bwound (?:opened|broke)\b|\bopened it up\b", t):
        room = re.search(r"\b(?:the|an?) or\b|\boperating\b|\basc\b", t) and not re.search(
            r"\bexam room\b|\btreatment room\b|\bin the office\b", t
        )
        if re.search(r"\bprocedure (?:room|suite)\b", t) or room:
            return "complication_return"
        return "complication"
    if re.search(r"\bstaged\b|\bplanned\b|\bsecond stage\b|\b2nd stage\b", t):
        return "staged"
    if re.search(
        r"\bre-?excis\w*|\bmore margins?\b|\bexcise more\b|\bpos(?:itive)? margins?\b|\bwider\b|\bwide (?:local )?excision\b|\bwle\b|\bmore extensive\b|\bclear(?:ing)? margins\b|\bmargins? (?:were )?(?:positive|involved)\b",
        t,
    ):
        return "more_extensive"
    if re.search(r"\bsuture removal\b|\bwound check\b|\bpost-?op (?:visit|check)\b|\bfollow[- ]?up\b|\bremove (?:the )?sutures\b", t):
        return "routine"
    return None


def _drug(t: str, q: Question) -> None:
    conc = re.search(r"(\d+(?:\.\d+)?)\s*mg\s*/\s*(?:1\s*)?ml\b", t) or re.search(r"\bkenalog[- ]?(10|40)\b", t)
    ml = [float(v) for v in re.findall(r"(\d+(?:\.\d+)?|\.\d+)\s*(?:ml|cc)\b(?!\s*/)", t)]
    each = re.search(r"(\d+(?:\.\d+)?|\.\d+)\s*(?:ml|cc)\s*(?:into |in |to )?each\b", t)
    if conc and ml:
        total_ml = sum(ml)
        if each:
            n = re.search(r"\beach of (\d{1,2})\b", t) or re.search(
                r"(\d{1,2})\s+(?:[a-z]+\s+){0,3}?(?:lesions?|keloids?|patches|spots?|sites?)", t
            )
            if n:
                total_ml = float(each.group(1)) * int(n.group(1))
        q.drug_mg = round(float(conc.group(1)) * total_ml, 3)
    mg = re.search(r"(\d+(?:\.\d+)?)\s*mg\b(?!\s*/)", t)
    if q.drug_mg is None and mg and re.search(r"kenalog|triamcinolone|j3301|ilk|inject", t):
        q.drug_mg = float(mg.group(1))
    units = [float(v) for v in re.findall(r"(\d+(?:\.\d+)?)\s*(?:u|units?|iu)\b(?!\s*(?:of\s+)?(?:j3301|kenalog))", t)]
    if re.search(r"botox|j0585|botulinum|dysport|xeomin", t) and units:
        vial = re.search(r"(\d+)\s*u(?:nits?)?\s*vial|vial of (\d+)", t)
        vial_units = float(vial.group(1) or vial.group(2)) if vial else None
        used = [u for u in units if u != vial_units]
        if re.search(r"\beach (?:side|axilla|armpit)\b|\bper side\b|\bper axilla\b", t) and len(used) == 1:
            used = [used[0] * 2]
        q.drug_units = sum(used) if used else None
        if vial_units and q.drug_units is not None and re.search(r"toss\w*|discard\w*|wast\w*|threw|rest\b|left ?over", t):
            q.discarded = max(0.0, vial_units - q.drug_units)
    if re.search(
        r"\bnothing (?:left|wasted|discarded)\b|\bno (?:waste|wastage)\b|\bwhole (?:vial|stick|tube)\b|\bentire (?:vial|stick|tube)\b|\ball of it\b|\bused it all\b|\bnothing left over\b",
        t,
    ):
        q.discarded = 0.0
    if q.discarded is not None or re.search(r"single[- ]dose|single[- ]use|kerastick|vial", t):
        q.single_use = True


def parse(text: str) -> Question:
    """Every fact in a question.

    >>> q = parse("mohs today x2 lesions - bcc L cheek 2 stages (4 blocks then 2) and scc R forearm 1 stage w/ 6 blocks")
    >>> [(i.procedure, i.kind, i.site, i.stage_blocks) for i in q.items]
    [('mohs', 'bcc', 'face', [4, 2]), ('mohs', 'scc', 'arm', [6])]
    >>> q = parse("3 aks on face and 2 on L arm cryo'd today. codes + units?")
    >>> [(i.procedure, i.count) for i in q.items], sorted(q.asks)
    ([('destruction', 3), ('destruction', 2)], ['code', 'units'])
    """
    raw = text
    t = normalise(text)
    q = Question(text=t)
    q.codes = _codes(raw)
    for pattern, code in _WORD_CODES:
        if re.search(pattern, t) and code not in {c.code for c in q.codes}:
            q.codes.append(NamedCode(code, []))
    q.modifiers = list(
        dict.fromkeys(
            [m for c in q.codes for m in c.modifiers]
            + [m.upper() for m in _MODIFIER.findall(_CODE.sub(" ", t)) if _is_modifier_mention(t, m)]
        )
    )
    for word, name in KNOWN_PAYERS.items():
        if re.search(r"\b" + word + r"\b", t):
            q.payer_name = name
    q.advantage = bool(re.search(r"\b(?:medicare )?advantage\b|\bma plan\b|\bpart c\b|\bhumana gold\b", t))
    if re.search(r"\btraditional medicare\b|\boriginal medicare\b|\bmedicare part b\b", t) or (
        re.search(r"\bmedicare\b", t) and not q.advantage
    ):
        q.payer_type = "medicare"
    elif re.search(r"\bmedicaid\b", t):
        q.payer_type = "medicaid"
    elif q.advantage or q.payer_name or re.search(r"\bcommercial\b|\bprivate\b|\binsurance\b|\bppo\b|\bhmo\b", t):
        q.payer_type = "commercial"
    elif re.search(r"\bself[- ]?pay\b|\bcash\b", t):
        q.payer_type = "self_pay"
    q.days_after, q.in_global = _days(t)
    g = re.search(r"\b(0|10|90)[- ]day global\b", t)
    q.global_days = int(g.group(1)) if g else None
    q.relation = _relation(t)
    q.visit = bool(
        re.search(
            r"\b99\d{3}\b|\bem\b|\bvisit\b|\bconsult\w*\b|\bexam\b|\boffice visit\b|\bcame in for\b|\bcomes in for\b|\bflare\b|\bnew (?:pt|patient)\b|\bsaw (?:the )?pt\b|\bsaw (?:her|him|them)\b|\bseen for\b",
            t,
        )
    )
    q.same_day = q.days_after == 0 or bool(re.search(r"\bsame (?:day|dos|visit|date|session)\b", t))
    if re.search(r"\bsame (?:lesion|spot|mole|site|wound|defect)\b|\bexcised it\b|\bexcise it\b|\bremoved it\b|\bof it\b", t):
        q.same_lesion = True
    if re.search(
        r"\bdiff(?:erent)? (?:lesions?|sites?|spots?|areas?)\b|\bseparate (?:lesions?|sites?|spots?)\b|\ball diff\w*\b|\bnew (?:spot|mole|lesion)\b|\bunrelated\b",
        t,
    ):
        q.same_lesion = False
    q.decided_by_path = bool(
        re.search(r"\bfrozen\b|\bfrozen section\b|\bimmediate path\w*\b|\bstat path\b", t) and re.search(r"came back|showed|result", t)
    )
    q.decision_for_surgery = bool(re.search(r"\bdecided\b|\bdecision\b", t))
    q.symptoms = list(dict.fromkeys(s for s, pattern in _SYMPTOM if pattern.search(t) and not _negated(t, pattern)))
    q.no_symptoms = bool(_NO_SYMPTOMS.search(t))
    q.cosmetic = bool(_COSMETIC.search(t) or _COSMETIC_SERVICE.search(t))
    if re.search(
        r"\bno abn\b|\bwithout an? abn\b|\bnobody got an abn\b|\bdidn'?t (?:get|sign) (?:an )?abn\b|\bno one got\b.*\babn\b|\bnot signed\b",
        t,
    ):
        q.abn = False
    elif re.search(r"\babn\b", t) and re.search(r"\bsigned\b|\bon file\b|\bhas an abn\b|\bgot an abn\b|\bsign an abn\b", t):
        q.abn = True
    q.not_necessary = bool(
        re.search(
            r"\bnot (?:medically )?(?:reasonable|necessary)\b|\bmedical necessity\b|\bmay (?:get )?den\w*|\bexpect\w* (?:a |medicare to )?den\w*|\bnot covered\b",
            t,
        )
    )
    _drug(t, q)
    sends_out = re.search(
        r"\bsend (?:our |the )?slides (?:out )?to\b|\b(?:dermpath\w*|pathologist|outside lab|lab) (?:who |that )?reads?\b|\bwe (?:only )?(?:do the )?(?:process|prep)\w*\b",
        t,
    )
    q.interpretation_only = bool(
        re.search(
            r"\bread(?:s|ing)? (?:the )?(?:slides?|only)\b|\binterpret\w*\b|\bthe read\b|\bprofessional component\b|\bonly (?:does|do) the read\b",
            t,
        )
    )
    if sends_out and not re.search(r"\bwe (?:only )?read\b|\breads slides for\b", t):
        q.interpretation_only = False
    q.preparation_only = bool(sends_out) or (
        bool(
            re.search(
                r"\bprocess(?:es|ing)? only\b|\bonly (?:do|does) the (?:processing|prep)\b|\bprep(?:are)?s? the slides\b|\btechnical component\b|\bwe (?:only )?(?:process|prep)\b(?! ?the read)",
                t,
            )
        )
        and not re.search(r"\bdont do the processing\b|\bdon'?t do the processing\b|\bnot the processing\b|\bprepared by\b", t)
    )
    q.teaching = bool(re.search(r"\bresident\b|\bteaching\b|\battending\b|\bfellow\b", t))
    path = re.search(
        r"\bpath\w*\b[^.?]{0,40}?(?:\b(?:came back|comes back|shows?|showed|is|says|said|reads?|back as|returned)\b|=|:)\s*(?:as\s+|an?\s+)?([a-z' -]{2,60})",
        t,
    )
    path = path or re.search(r"\bcame back (?:as\s+)?([a-z' -]{2,60})", t)
    if path:
        kind, result, _ = _kind(path.group(1))
        if re.search(
            r"uncertain|unspecified behavior|d48|dysplas|atypi|benign|scar|no residual|negative|clear", path.group(1)
        ) and result not in ("malignant", "in_situ"):
            result = "benign"
            kind = (
                "uncertain" if re.search(r"uncertain", path.group(1)) else "scar" if re.search(r"scar|no residual", path.group(1)) else kind
            )
        q.path_result, q.path_kind = result, kind
    spec = re.search(r"\bparts? ([a-z](?:,? ?(?:and )?[a-z]){1,8})\b(?=\s*[-,(]|\s*$|\s+\d)", t)
    if spec:
        q.specimens = len(re.findall(r"\b[a-z]\b", spec.group(1)))
    m = re.search(r"(\d{1,2})\s+(?:separate\s+)?(?:specimens|sites|jars|containers)\b", t)
    if m:
        q.specimens = q.specimens or int(m.group(1))
    if re.search(r"\bat home\b|\bhome\b", t) and re.search(r"\btar\b|\bpetrolatum\b|\bpsoralen\b", t):
        q.photosensitizer = "none"
    item_text = _CODE.sub(" ", re.sub(r"(?<![\w.])\d{5}(?!\w|\.\d)", " ", t))
    item_text = re.sub(
        r"\b(?:path\w*\s*(?:report\s*)?(?:came back|comes back|shows?|showed|is|=|says|said|reads?|back as|returned|:)|came back)\s*(?:as\s+|an?\s+)?[a-z' -]{0,40}?(?=[.,;?]|$| so\b| and\b| but\b| we\b| doc\b)",
        " ",
        item_text,
    )
    q.items = _items(item_text)
    q.asks = {name for name, pattern in _ASKS if pattern.search(t)}
    if _PRACTICE_DATA.search(t):
        q.asks.add("practice_data")
    if _OFF_TOPIC.search(t):
        q.asks.add("off_topic")
    q.unused = _unused_numbers(raw, q)
    return q


def _negated(t: str, pattern: re.Pattern[str]) -> bool:
    """``no itching no bleeding``, ``doesn't bleed``: the symptom is named to say it is absent."""
    for m in pattern.finditer(t):
        before = t[max(0, m.start() - 14) : m.start()]
        if not re.search(r"\b(?:no|not|nor|without|never|denies|n't|doesnt|dont)\s+(?:\w+\s+)?$", before):
            return False
    return True


def _is_modifier_mention(t: str, mod: str) -> bool:
    """A two-character modifier said as a modifier (``-25``, ``mod 25``, ``25 or 57 on the visit``), not a count or size."""
    mod = mod.lower()
    if not mod.isdigit():
        return bool(re.search(r"(?<![\w.])-?" + mod + r"(?![\w.])", t))
    return bool(
        re.search(
            r"(?:-|\bmod(?:ifier)?s?\s+|\buse\s+|\bneed\s+(?:a\s+)?|\bput\s+(?:the\s+)?|\bappend\s+|\bor\s+|\bwith\s+|\bw\s+)-?"
            + mod
            + r"(?![\w.])(?!\s*(?:cm|mm|sq|days?|aks?|lesions?|units?|mg|ml|blocks?|stages?|minutes?|%))",
            t,
        )
        or re.search(r"(?<![\w.])" + mod + r"\s+(?:or|vs\.?|and)\s+-?\d\d(?![\w.])", t)
        or re.search(r"(?<![\w.])" + mod + r"\s+(?:on|modifier|mod|goes?|go)\b", t)
        or re.search(r"\b(?:gets?|takes?|needs?|get)\s+(?:a |the )?-?" + mod + r"(?![\w.])", t)
    )


def _unused_numbers(raw: str, q: Question) -> list[str]:
    """Numbers in the question that no fact accounts for (not a code, count, size, area, stage, block, day or dose)."""
    used: set[float] = set()
    for it in q.items:
        for v in (it.count, it.lesion_cm, it.margin_cm, it.size_cm, it.area_sq_cm, it.stages):
            if v is not None:
                used.add(float(v))
        used |= {float(b) for b in (it.stage_blocks or [])} | {float(v) for v in it.repair_cm} | {float(v) for v in it.biopsies.values()}
        if it.area_sq_cm is not None:
            used |= {float(a) for a in _AREA.findall(it.text)}
        if it.margin_cm is not None:
            used.add(round(it.margin_cm * 10, 3))
        if it.lesion_cm is not None:
            used.add(round(it.lesion_cm * 10, 3))
    for v in (q.days_after, q.drug_mg, q.drug_units, q.discarded, q.specimens):
        if v is not None:
            used.add(abs(float(v)))
    t = _CONTEXT.sub(" ", normalise(raw))  # "after 2 excisions": context, not a count to code
    t = _TWO_D.sub(lambda m: f"{max(float(m.group(1)), float(m.group(2)))} {m.group(3)}", _CODE.sub(" ", t))
    t = re.sub(r"\b[a-z]+-\d+\b", " ", t)
    for mod in q.modifiers:
        t = re.sub(r"(?<![\w.])-?" + re.escape(mod.lower()) + r"(?![\w.])", " ", t)
    t = re.sub(
        r"\b\d+[- ]day\b|\b\d+\s*(?:mg|ml|cc|u|units?|yo|y/o|year|years|yrs?|%|x a week|x/week|times)\b|\bx\s*\d\b|\bday \d+\b|\b\d+\s*(?:wks?|weeks?|months?|days?)\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d+\s*(?:mm\s*)?punch\b|\b(?:kenalog|part|parts)[- ]?\d+\b|\b(?:1st|2nd|3rd|\d+th)\b|\bstage \d\b|\b(?:9692|1710|172|116|114|1130|1131|1203)x+\b",
        " ",
        t,
    )
    left = []
    t = re.sub(r"\b\d{1,2}\s+(?:lesions|sites|spots|tumou?rs|mohs|excisions|biopsies)\b", " ", t) if len(q.items) > 1 else t
    for m in re.finditer(r"(?<![\w.])(\d+(?:\.\d+)?|\.\d+)(?![\w.])", t):
        v = float(m.group(1))
        if v in used or (v < 1 and round(v * 10, 3) in used):
            continue
        if v in (1.0,) and not q.items:
            continue
        left.append(m.group(1))
    return left


# ----------------------------------------------------------------------------- the earlier interface


@dataclass
class QuestionFacts:
    """What a question says about one procedure; ``quantified`` when it gave at least one number."""

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


@lru_cache(maxsize=1024)
def _parse_cached(text: str) -> Question:
    return parse(text)


def extract(text: str) -> QuestionFacts:
    """The facts of the first procedure the text describes (``parse`` reads every one of them).

    >>> f = extract("mohs on the cheek, 2 stages, first had 7 blocks")
    >>> (f.procedure, f.site, f.mohs_stage_blocks, f.quantified)
    ('mohs', 'face', [7, 1], True)
    """
    q = _parse_cached(text)
    item = next((it for it in q.items if it.request() is not None), None)
    if item is None:
        return QuestionFacts()
    r = item.request()
    assert r is not None
    assumptions = list(item.assumptions)
    if r.procedure == "mohs" and r.mohs_stage_blocks is None and item.stages and not re.search(r"\bblo?c?ks?\b", item.text):
        r = r.model_copy(update={"mohs_stage_blocks": [1] * item.stages})  # stages named, blocks not: 5 or fewer each
        assumptions.append("Stages without a block count were taken as 5 blocks or fewer.")
    facts = QuestionFacts(
        procedure=r.procedure,
        pathology=r.pathology,
        lesion_count=r.lesion_count,
        site=r.site,
        size_cm=r.size_cm,
        lesion_cm=r.lesion_cm,
        margin_cm=r.margin_cm,
        biopsies={b.biopsy_method: b.count for b in r.biopsies or []},
        mohs_stage_blocks=r.mohs_stage_blocks,
        mohs_stages=item.stages,
        area_sq_cm=r.area_sq_cm,
        assumptions=assumptions,
    )
    facts.quantified = (
        any(v is not None for v in (r.lesion_count, r.size_cm, r.lesion_cm, r.area_sq_cm, r.mohs_stage_blocks, item.stages))
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
