"""Coding answers: ``derm ask``, ``/derm ask`` and the Excel FAQ lookup.

A question is answered in one of three ways, tried in this order:

1. **Computed**: it carries procedure facts ("16 aks w cryo", "mohs cheek, 2 stages, first had 7
   blocks"), so the coding engine computes the lines; the FAQ entry that explains them comes along.
2. **Code lookup**: it asks about a code ("what is 17004", "is 11447 valid"), so the code tables
   answer, together with the best FAQ entry about that code.
3. **Knowledge base**: BM25 retrieval (bm25s) over each entry's title, questions, codes and answer,
   after biller abbreviations are spelled out and typos corrected against the vocabulary (rapidfuzz).

Below the confidence threshold the answer says so and lists the closest topics instead of guessing.
The index is built once per ruleset version (and FAQ size), so an admin's FAQ edit takes effect on
the next question.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import bm25s
import numpy as np
import snowballstemmer
from pydantic import BaseModel

try:
    from rapidfuzz import fuzz, process
except ImportError:  # xlwings Lite and small installs: the same measures from the standard library (slower)
    fuzz = process = None  # type: ignore[assignment]

from . import icd
from .codes import lookup
from .compose import Composed, compose, quantified
from .lookup import code_kind, describe_code
from .models import Claim, SuggestedLine
from .question_facts import Question, parse
from .ruleset import FaqEntry, Ruleset, default_ruleset
from .vocab import SITE_WORDS
from .vocab import similarity as _similarity

THRESHOLD = 0.5  # below this, "I don't have a confident answer"
CODE_CONFIDENCE = 0.9  # the code tables describe the code
# Biller abbreviations and synonyms, spelled out the same way in questions and in the FAQ entries.
_SYNONYMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"\bw/o\b", " without "),
        (r"\bw/", " with "),
        (r"\bf/u\b", " follow up "),
        (r"\bs/p\b", " after "),
        (r"\be\s*/\s*m\b|\be\s*&\s*m\b|\bevaluation and management\b|\boffice visits?\b|\bem\b", " em "),
        (r"\bed\s*&\s*c\b|\bedc\b|\belectrodesiccation and curettage\b", " edc curettage destruction "),
        (r"\bactinic keratos[ie]s\b|\bactinics?\b|\bsolar keratos[ie]s\b|\bak's\b|\baks?\b", " ak "),
        (r"\bseborrh?eic keratos[ie]s\b|\bseb\.?\s*k'?s?\b|\bsebk'?s?\b|\bsk's\b|\bsks?\b", " sk "),
        (r"\bbasal cell(?: carcinomas?)?\b|\bbcc's\b|\bbccs?\b", " bcc "),
        (r"\bsquamous cell(?: carcinomas?)?\b|\bscc's\b|\bsccs?\b", " scc "),
        (r"\bphysician assistants?\b|\bpa-c\b|\bpas?\b(?=\s+(?:bill|do|perform|see|render)\w*)", " physicianassistant "),
        (r"\bprior auth(?:ori[sz]ations?)?\b|\bpre-?auth(?:ori[sz]ations?)?\b|\bprecert(?:ification)?\b|\bpa\b", " priorauth "),
        (r"\bmods?\b|\bmodifiers?\b", " modifier "),
        (r"\bbx's\b|\bbxs?\b|\bbiops(?:y|ies|ied)\b", " biopsy "),
        (r"\bfrozen sections?\b|\bfrozens\b", " frozensection "),
        (r"\bcryo(?:therapy|surgery)?\b|\bfroze(?:n)?\b|\bfreez(?:e|ing)\b|\bliquid nitrogen\b|\bln2\b", " cryo destruction "),
        (r"\bdiff\b|\bdifferent\b|\bseparate\b", " different "),
        (r"\btx\b", " treatment "),
        (r"\bdx\b", " diagnosis "),
        (r"\bhx\b", " history "),
        (r"\bpts?\b", " patient "),
        (r"\bpath\b", " pathology "),
        (r"\bilk\b|\bkenalog\b|\bintralesional\b", " triamcinolone intralesional injection "),
        (r"\bskin tags?\b|\bacrochordons?\b", " skintag "),
        (r"\bmoh'?s\b", " mohs "),
        (r"\bnb-?uvb\b", " narrowband uvb phototherapy "),
        (r"\bihc\b|\bimmunohistochemi\w*\b", " immunostain "),
        (r"\bbilateral\w*\b|\bboth (?:sides|arms|forearms|legs|hands|cheeks)\b", " bilateral "),
        (r"\bmoles?\b|\bnevi\b", " nevus "),
        (r"\bpsoriatic\b", " psoriasis "),
        (r"\bdupilumab\b", " dupixent "),
        (r"\bbotulinum toxin\b|\bbotox\b|\bonabotulinumtoxina\b", " botox "),
        (r"\bsq\.?\s*cm\b|\bsquare (?:cm|centimet\w+)\b|\bcm2\b", " sqcm "),
        (r"\bvs\.?\b|\bversus\b", " versus "),
    ]
]
# All of them in one pass (leftmost match, earlier synonyms first at one position): much faster than one pass each.
_ALL_SYNONYMS = re.compile("|".join(f"(?P<s{i}>{p.pattern})" for i, (p, _) in enumerate(_SYNONYMS)))
_SYNONYM_TEXT = [r for _, r in _SYNONYMS]


def _synonym(m: re.Match[str]) -> str:
    return _SYNONYM_TEXT[int(str(m.lastgroup)[1:])]


# Body-site words carry their site group, as the FAQ names it: "shin" -> "shin leg", "cheek" -> "cheek face" (one pattern).
_SITE_GROUP_WORD = {word: f"{word} {site.replace('_', ' ')}" for word, site in SITE_WORDS.items() if word != site}
_SITE_SYNONYM = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _SITE_GROUP_WORD), key=len, reverse=True)) + r")\b")
_STOP = frozenset(
    re.split(
        r"\s+",
        "a an and are as at be been but by can could do does did for from had has have how i if in into is it its i'm im me my "
        "of on or our should so than that the their them then there these they this to too us was we were what what's whats "
        "when where which who why will with would you your yes ok okay please thanks hi hey u ur code codes coding cpt bill "
        "billing billed get got go use using used need needs tell know want any about whether also just like really good "
        "look looking near still some thing things theres way one ones x",
    )
)
_WORD = re.compile(r"(?<![\w.])[a-z]+(?![\w.])")
# Words the fact extractor knows, never "corrected" into something else.
_KNOWN_WORDS = frozenset(SITE_WORDS) | frozenset(
    re.split(
        r"\s+",
        "mohs stage stages block blocks biopsy biopsies punch shave excision excised margin margins keloid keloids "
        "injected injection wart warts skin tag tags excimer lesion lesions",
    )
)
# The words the fact parser reads, the only ones its input gets spelling fixes for.
_FACT_WORDS = _KNOWN_WORDS | frozenset(
    re.split(
        r"\s+",
        "cryo seborrheic keratosis keratoses actinic treated froze frozen destruction destroyed curettage excise excisions shaved removal "
        "removed repair repairs closure intermediate complex simple layered modifier modifiers pathology medicare medicaid nevus nevi "
        "melanoma basal squamous carcinoma molluscum hemangioma vitiligo psoriasis dermatitis kenalog triamcinolone hyperhidrosis "
        "botox phototherapy flap advancement rotation global bilateral incisional tangential units cosmetic covered benign malignant "
        "dysplastic cyst cysts acrochordons",
    )
)
_TOKEN = re.compile(r"[a-z]\d{2}\.[0-9a-z]{1,4}|\d+\.\d+|[a-z0-9]+")
_ICD_NO_DOT = re.compile(r"^[a-z]\d{2}[0-9a-z]{1,4}$")
# A code on its own, not one end of a range such as 17000-17004.
# ("x14" is units, never the ICD-10-CM external-cause code X14.)
_CODE_MENTION = re.compile(
    r"(?<![\w.-])([A-WYZa-wyz]\d{2}\.[0-9A-Za-z]{1,4}|[A-WYZa-wyz]\d{2,4}[0-9A-Za-z]?|\d{4}[0-9FTUftu])(?![\w.]|-\d)"
)
_CODE_INTENT = re.compile(
    r"\b(?:valid|invalid|still|exist|exists|deleted|real|a thing|mean|means|meaning|describe|description|definition|"
    r"billable|stand for|replaced|replacement)\b|\bwhat(?:'s|s| is| does)\s+(?:code\s+|cpt\s+)?[a-z]?\d"
)
_stemmer = snowballstemmer.stemmer("english")


class Answer(BaseModel):
    """An answer to a coding question (contracts section 3)."""

    answer: str
    entry: str | None  # FAQ entry id, None when no confident answer
    confidence: float  # 0.0-1.0
    related: list[dict]  # up to 3: {"id": ..., "title": ...}
    references: list[str]
    lines: list[SuggestedLine]  # computed lines when the question carried facts, else []
    claim: Claim | None = None  # the claim the answer describes (diagnoses and facts included), checked clean


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    return word if any(ch.isdigit() for ch in word) else _stemmer.stemWord(word)


def normalise(text: str) -> str:
    """Lower case with biller abbreviations spelled out, codes split from their modifiers.

    >>> normalise("16 AK's w/ cryo, 88305-26?")
    '16 ak with cryo destruction , 88305 26?'
    """
    t = text.lower().replace("\u2013", "-").replace("\u2014", "-").replace("’", "'")
    t = _ALL_SYNONYMS.sub(_synonym, t)
    t = _SITE_SYNONYM.sub(lambda m: _SITE_GROUP_WORD[m.group(1)], t)
    return " ".join(t.replace("-", " ").split())


def tokens(text: str) -> list[str]:
    """Search tokens: normalised, stemmed, without stop words and one-digit numbers; ICD codes get their dot.

    >>> tokens("Biopsies of SKs w/ punch, L821")
    ['biopsi', 'sk', 'punch', 'l82.1']
    """
    out = []
    for tok in _TOKEN.findall(normalise(text)):
        # Stop words go, and so do one-digit counts and sizes: they match examples in answers by chance.
        if tok in _STOP or (tok[0].isdigit() and (len(tok) == 1 or "." in tok)):
            continue
        if _ICD_NO_DOT.match(tok) and lookup(tok.upper()) is None and icd.looks_like_icd(tok):
            tok = tok[:3] + "." + tok[3:]
        out.append(_stem(tok))
    return out


@dataclass(frozen=True)
class _Ranked:
    order: list[int]  # entry indexes, best first
    scores: np.ndarray  # BM25 (scaled to the best) plus closeness to an entry's own phrasings
    confidence: float  # idf-weighted share of the question the best entry covers, or its phrasing similarity


class _Index:
    """BM25 over the FAQ entries plus a vocabulary for typo correction; built once per ruleset version."""

    def __init__(self, entries: list[FaqEntry]) -> None:
        self.entries = entries
        docs = []
        phrasings: list[str] = []
        self.phrasing_entry: list[int] = []
        for i, e in enumerate(entries):
            asked = [e.title, *e.questions]
            # Title and question phrasings count twice: they say what an entry is about, the answer says more.
            docs.append(tokens(" ".join([*asked, *asked, *e.codes, *e.modifiers, e.answer])))
            for phrase in asked:
                phrasings.append(" ".join(tokens(phrase)))
                self.phrasing_entry.append(i)
        self.phrasings = phrasings
        self.bm25 = bm25s.BM25()
        if docs:
            self.bm25.index(docs, show_progress=False)
        self.doc_sets = [frozenset(d) for d in docs]
        n = len(docs)
        df: dict[str, int] = {}
        for d in self.doc_sets:
            for tok in d:
                df[tok] = df.get(tok, 0) + 1
        self.idf = {tok: math.log(1 + (n - k + 0.5) / (k + 0.5)) for tok, k in df.items()}
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0
        self.by_code: dict[str, list[int]] = {}
        for i, e in enumerate(entries):
            for c in e.codes:
                self.by_code.setdefault(c.upper(), []).append(i)
        self.families = [[_family(c) for c in e.codes] for e in entries]
        self.title_codes = [{c.upper() for c in _CODE_MENTION.findall(e.title)} for e in entries]
        self.code_sets = [{c.upper() for c in e.codes} for e in entries]
        words = {w for e in entries for w in _WORD.findall(" ".join([e.title, *e.questions, e.answer]).lower())}
        self.word_set = (words | _KNOWN_WORDS) - _STOP
        self.words = sorted(self.word_set)
        self._anagrams = {"".join(sorted(w)): w for w in self.words if len(w) == 4}
        self._word_fix = lru_cache(maxsize=8192)(self._correct)

    def _correct(self, word: str) -> str:
        """The known word a misspelt word most likely meant (``biospy`` -> ``biopsy``), or the word itself."""
        if len(word) < 4 or word in _STOP or word in self.word_set:
            return word
        if len(word) == 4:
            return self._anagrams.get("".join(sorted(word)), word)
        if process is None:
            scored = max(((_similarity(word, w), w) for w in self.words), default=(0.0, word))
            return scored[1] if scored[0] >= 0.85 else word
        best = process.extractOne(word, self.words, scorer=fuzz.ratio, score_cutoff=85)
        if best and (best[0].startswith(word) or word.startswith(best[0])):
            return word  # "incision" is a word, not a misspelt "incisional"
        return best[0] if best else word

    def spell(self, question: str) -> str:
        """The question with misspelt words corrected against the FAQ's own words."""
        return _WORD.sub(lambda m: self._word_fix(m.group(0)), question.lower())

    def spell_facts(self, question: str) -> str:
        """The question with misspellings of the words the fact parser reads corrected (``mosh`` -> ``mohs``,
        ``bloks`` -> ``blocks``) and every other word left alone, so that a real word ("waiting") never becomes
        another one ("writing")."""

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            fixed = self._word_fix(word.lower())
            return fixed if fixed in _FACT_WORDS else word

        return _WORD.sub(fix, question)

    def rank(self, question: str) -> _Ranked | None:
        q = list(dict.fromkeys(tokens(question)))  # each word once: "hands" also brings "hand"
        if not q or not self.entries:
            return None
        bm = np.asarray(self.bm25.get_scores(q), dtype=float)
        top = float(bm.max())
        if top <= 0:
            return None
        if process is None:
            asked = " ".join(sorted(q))
            sims = np.asarray([100 * _similarity(asked, " ".join(sorted(p.split()))) for p in self.phrasings], dtype=float)
        else:
            sims = process.cdist([" ".join(q)], self.phrasings, scorer=fuzz.token_sort_ratio)[0]
        best_sim = np.zeros(len(self.entries))
        np.maximum.at(best_sim, self.phrasing_entry, sims)
        scores = bm / top + 0.5 * np.clip((best_sim - 60) / 40, 0, 1)
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        best = order[0]
        weights = [self.idf.get(t, self.unknown_idf) for t in q]
        coverage = sum(w for t, w in zip(q, weights, strict=True) if t in self.doc_sets[best]) / sum(weights)
        similarity = float(best_sim[best]) / 100
        confidence = max(coverage, similarity if similarity >= 0.85 else 0.0)
        return _Ranked(order, scores, round(min(1.0, confidence), 2))

    def share(self, i: int, families: set[str | None]) -> float:
        """How much of entry ``i`` is about these procedure families: the share of its codes that belong to them."""
        fams = self.families[i]
        return sum(f is not None and f in families for f in fams) / len(fams) if fams else 0.0


_INDEX_SOURCE: dict[tuple[str, int], _Index] = {}


def index_for(ruleset: Ruleset) -> _Index:
    """The search index of a ruleset's FAQ, built on first use of each (version, number of entries)."""
    key = (ruleset.version, len(ruleset.faq))
    found = _INDEX_SOURCE.get(key)
    if found is None:
        if len(_INDEX_SOURCE) >= 4:
            _INDEX_SOURCE.pop(next(iter(_INDEX_SOURCE)))
        found = _INDEX_SOURCE[key] = _Index(ruleset.faq)
    return found


def _ref(e: FaqEntry) -> dict:
    return {"id": e.id, "title": e.title}


def _related(index: _Index, order: list[int], skip: int | None) -> list[dict]:
    return [_ref(index.entries[i]) for i in itertools.islice((i for i in order if i != skip), 3)]


def _code_mentions(question: str) -> list[str]:
    """Codes the question names: procedure/HCPCS codes we know (valid or not) and ICD-10-CM codes."""
    found = []
    for raw in _CODE_MENTION.findall(question):
        code = raw.upper()
        if code not in found and code_kind(code) != "unknown":
            found.append(code)
    return found


def _family(code: str) -> str | None:
    """A code's procedure family; benign and malignant excisions are one procedure (the pathology picks the code)."""
    info = lookup(code.upper())
    if info is None:
        return None
    return "excision" if info.family.startswith("excision") else "repair" if info.family.startswith("repair") else info.family


def _explaining_entry(index: _Index, ranked: _Ranked | None, explanation: str, codes: set[str]) -> int | None:
    """The entry that best explains computed lines: about their procedure (at least half of its codes share
    their family), closest to the question and to the engine's explanation, and naming a line's code in its title."""
    families = {_family(c) for c in codes}
    shares = {i: s for i in range(len(index.entries)) if (s := index.share(i, families)) >= 0.5}
    if not shares or ranked is None:
        return None
    # The code lines' own words (only the codes billed, not those named to warn against them) break close calls.
    words = {t for t in tokens(explanation[:300]) if not t.isdigit() or t in codes}
    return max(
        shares,
        key=lambda i: (
            float(ranked.scores[i])
            + 0.5 * len(words & index.doc_sets[i]) / (len(words) or 1)
            + shares[i]
            + 0.25 * len(codes & index.code_sets[i]) / len(codes)
            + 0.5 * bool(codes & index.title_codes[i])
        ),
    )


def _best_naming(index: _Index, ranked: _Ranked | None, codes: list[str]) -> int | None:
    """The best-ranked entry that lists one of these codes."""
    naming = {i for c in codes for i in index.by_code.get(c, [])}
    return next((i for i in ranked.order if i in naming), None) if ranked else None


def _entry_for(index: _Index, ranked: _Ranked | None, composed: Composed) -> int | None:
    """The FAQ entry that explains a composed answer: one listing a rule that drove it, else one about its modifiers,
    else one about its codes (at least half of the entry's codes in their families), else one of its topic; the
    question's own ranking breaks ties."""
    entries = index.entries
    order = {i: k for k, i in enumerate(ranked.order)} if ranked else {}

    def best(candidates: list[int]) -> int | None:
        return min(candidates, key=lambda i: order.get(i, len(entries))) if candidates else None

    rules = set(composed.rules)
    found = best([i for i, e in enumerate(entries) if rules & set(e.rules)]) if rules else None
    if found is None and composed.modifiers:
        mods = {m for m in composed.modifiers if m}
        found = best([i for i, e in enumerate(entries) if mods & set(e.modifiers) and (not composed.topic or e.topic == composed.topic)])
        found = found if found is not None else best([i for i, e in enumerate(entries) if mods & set(e.modifiers)])
    if found is None and composed.codes:
        found = _explaining_entry(index, ranked, composed.text, set(composed.codes))
    if found is None and composed.topic:
        found = best([i for i, e in enumerate(entries) if e.topic == composed.topic])
    if found is None and ranked is not None and ranked.confidence >= THRESHOLD:
        found = ranked.order[0]  # nothing in the answer names its subject: the entry closest to the question
    return found


def _about_something_else(composed: Composed, facts: Question, index: _Index, ranked: _Ranked | None) -> bool:
    """A question without numbers or codes whose best FAQ entry is about another procedure than the one composed
    ("tendon sheath injection code for a keloid?" is about 20550, not about counting injected lesions)."""
    if (
        composed.modifiers
        or composed.rules
        or quantified(facts)
        or facts.codes
        or ranked is None
        or ranked.confidence < 0.75
        or not composed.codes
    ):
        return False  # an answer about modifiers or a checker finding, or one computed from numbers, is about this question
    top = index.entries[ranked.order[0]]
    if not top.codes:
        return True
    return _family(top.codes[0]) not in {_family(c) for c in composed.codes}


_NOTE_ENTRY = re.compile(r"\bnote\b|\bdocument\w*|\bmust show\b|\bchart\b")


def _documentation_answer(facts: Question, index: _Index, ranked: _Ranked | None) -> Answer | None:
    """ "What must the note say" about a procedure: the entry on that procedure's documentation (its codes' family),
    when the words of the question alone do not find one."""
    if "document" not in facts.asks or ranked is None:
        return None
    codes = {c.code for c in facts.codes} | {_GLOBAL_CODE[it.procedure] for it in facts.items if it.procedure in _GLOBAL_CODE}
    families = {_family(c) for c in codes} - {None}
    top = ranked.order[0]
    if not families or (
        ranked.confidence >= THRESHOLD and _NOTE_ENTRY.search(index.entries[top].title) and index.share(top, families) >= 0.5
    ):
        return None
    candidates = [i for i, e in enumerate(index.entries) if _NOTE_ENTRY.search(e.title) and index.share(i, families) >= 0.5]
    if not candidates:
        return None
    order = {i: k for k, i in enumerate(ranked.order)}
    best = min(candidates, key=lambda i: order.get(i, len(order)))
    e = index.entries[best]
    return Answer(
        answer=e.answer,
        entry=e.id,
        confidence=0.75,
        related=_related(index, ranked.order, best),
        references=list(e.references),
        lines=[],
    )


# A code of each procedure, for its family when the question names the procedure but not the code.
_GLOBAL_CODE = {"biopsy": "11102", "shave_removal": "11300", "excision": "11400", "destruction": "17000", "benign_destruction": "17110",
                "mohs": "17311", "skin_tag_removal": "11200", "intralesional_injection": "11900", "excimer_laser": "96920",
                "vascular_destruction": "17106", "repair": "12031"}  # fmt: skip


def _from_composed(composed: Composed, index: _Index, ranked: _Ranked | None) -> Answer:
    best = _entry_for(index, ranked, composed)
    entry = index.entries[best] if best is not None else None
    text = composed.text
    if entry is not None:
        text += (f"\n\nWhy: {entry.answer}" if composed.explain else "") + f"\n\nSee: {entry.title}."
    return Answer(
        answer=text,
        entry=entry.id if entry else None,
        confidence=composed.confidence,
        related=_related(index, ranked.order, best) if ranked else [],
        references=list(entry.references) if entry else [],
        lines=composed.lines,
        claim=composed.claim,
    )


def _code_answer(question: str, index: _Index, ranked: _Ranked | None) -> Answer | None:
    mentioned = _code_mentions(question)
    if not mentioned:
        return None
    content = [t for t in tokens(question) if t.upper() not in mentioned and not re.fullmatch(r"\d+", t)]
    if content and not _CODE_INTENT.search(question.lower()):
        return None
    parts = [describe_code(c) for c in mentioned[:3]]
    best = _best_naming(index, ranked, mentioned)
    if best is None and ranked is not None and ranked.confidence >= THRESHOLD:
        best = ranked.order[0]
    entry = index.entries[best] if best is not None else None
    if entry is not None:
        parts.append(entry.answer)
    return Answer(
        answer="\n\n".join(parts),
        entry=entry.id if entry else None,
        confidence=CODE_CONFIDENCE,
        related=_related(index, ranked.order, best) if ranked else [],
        references=(list(entry.references) if entry else []) + ["Code tables"],
        lines=[],
    )


def _not_confident(index: _Index, ranked: _Ranked | None) -> Answer:
    closest = _related(index, ranked.order, None) if ranked else []
    text = "I don't have a confident answer to that question."
    if closest:
        text += " The closest topics are: " + "; ".join(c["title"] for c in closest) + "."
    text += " Try naming the code or procedure, or ask a certified coder."
    return Answer(
        answer=text,
        entry=None,
        confidence=ranked.confidence if ranked else 0.0,
        related=closest,
        references=[],
        lines=[],
    )


def ask(question: str, ruleset: Ruleset | None = None) -> Answer:
    """Answer a biller's coding question from the coding engine, the code tables or the FAQ.

    >>> a = ask("how many units of 17003 for 9 AKs")
    >>> [(ln.code, ln.units) for ln in a.lines], a.entry is not None
    ([('17000', 1), ('17003', 8)], True)
    """
    ruleset = ruleset or default_ruleset()
    index = index_for(ruleset)
    text = index.spell(question)
    ranked = index.rank(text)
    facts = parse(index.spell_facts(question))
    if "practice_data" in facts.asks or "off_topic" in facts.asks:
        return _not_confident(index, None)
    composed = compose(facts, ruleset)
    if composed is not None and not _about_something_else(composed, facts, index, ranked):
        return _from_composed(composed, index, ranked)
    answer = _code_answer(question, index, ranked) or _documentation_answer(facts, index, ranked)
    if answer is not None:
        return answer
    if ranked is None or ranked.confidence < THRESHOLD:
        return _not_confident(index, ranked)
    best = index.entries[ranked.order[0]]
    return Answer(
        answer=best.answer,
        entry=best.id,
        confidence=ranked.confidence,
        related=_related(index, ranked.order, ranked.order[0]),
        references=list(best.references),
        lines=[],
    )
