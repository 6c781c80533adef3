"""Claims the way billers paste them: ``99213-25 L57.0; 17000 L57.0; 17003 x14 L57.0; medicare``.

Shared by ``derm check --text`` and the Slack bot. Every token is either understood or reported back
in ``not_understood``; nothing is guessed. Codes written ``99213-25``, ``99213 25`` or ``99213 mod 25``;
units ``x14``, ``14u``, ``units 14``; ICD-10 codes with or without the dot; one line per service or all
on one line (each procedure code starts a new line). ``claim A1001`` names the claim (its id, so that an
override can refer to the claim without its text).

What the parser is not sure of is never used: a word it does not know goes to ``not_understood``, a second date
goes to ``unused_dates`` (the first date is the claim's date of service; a line is dated otherwise only by
``dos`` and a date written on that line's own segment: ``99213-24 L40.0 dos 2026-03-20``), an authorization
"number" without a digit (``auth pending``) is not an authorization. Documentation facts written beside a code in
their plain forms (``5 AKs``, ``nose``, ``1.2 cm``, ``2 stages 3 blocks each``: ``textfacts``) are read for that
line, and listed in the notes; written before the code, for that code (and then words between two codes, which
could be either's, are not read); a fact given two values for one line is read from neither. The TXT rules (``rules/text.py``) turn them
into warnings, so that a claim read only in part is never reported clean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from . import icd
from .codes import lookup, modifiers
from .models import Claim
from .textfacts import FAMILY_FACTS, describe, is_count, is_kind, is_site, read_facts
from .vocab import KNOWN_PAYERS

MAX_TEXT = 20_000
_CPT = re.compile(r"^\d{4}[0-9FTU]$")
_HCPCS = re.compile(r"^[A-Z]\d{4}$")
_UNITS = re.compile(r"^(?:[x×*](\d{1,4})|(\d{1,4})(?:u|units?)|(?:u|units?)[:=]?(\d{1,4}))$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$|^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_NPI = re.compile(r"^\d{10}$")
_SIZE_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)?|\.\d+)(?:cm|mm)?$", re.I)
_AUTH = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9._/#-]{0,39}$")  # an authorization number has a digit
_PAYER_WORD = re.compile(r"^[^\W\d_][^\W\d_&'.-]*(?:[&'.-][^\W\d_]+)*\.?$|^&$")  # letters only: Blue Cross, Aetna
# The claim's own id, so that overrides can name it without the claim's text: ``claim A1001``, ``claim# A1001``,
# ``claim:A1001``. Letters, digits and . _ / -, at least one digit, at most 40 characters.
CLAIM_ID_WORDS = {"claim", "claim#", "claimid", "claim-id", "claim_id", "clm", "clm#"}
_CLAIM_ID = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
_CLAIM_ID_INLINE = re.compile(r"^(?:claim|clm)(?:[-_ ]?id)?[#:=]((?=[^,;]*\d)[A-Za-z0-9][A-Za-z0-9._/-]{0,39})$", re.I)
PAYER_TYPES = {
    "medicare": "medicare",
    "mcr": "medicare",  # the abbreviations billers write
    "mcare": "medicare",
    "medicaid": "medicaid",
    "mcd": "medicaid",
    "mcaid": "medicaid",
    "commercial": "commercial",
    "selfpay": "self_pay",
    "self-pay": "self_pay",
    "cash": "self_pay",
}
FILLER = {
    "and",
    "with",
    "w",
    "w/",
    "plus",
    "+",
    "&",
    "dx",
    "icd",
    "icd10",
    "cpt",
    "code",
    "codes",
    "line",
    "units",
    "unit",
    "x",
    "mod",
    "modifier",
    "modifiers",
    "for",
    "of",
    "the",
    "a",
    "on",
    "claim",
    "check",
    "pt",
    "payer",
    "ins",
    "insurance",
    "-",
    "dos",
    "npi",
    "auth",
    "pa",
    "pa#",
}


# Modifiers that are also words of a note: in lower case they are words (a modifier is written PT, -PT or mod pt).
ENGLISH_MODIFIERS = {"am", "as", "at", "go", "he", "me", "up", "us", "pt", "hx", "pm", "md", "er", "ed"}
# Modifiers that are words of a note in any case ("2 AK", "1.2 cm", "180 sq cm", "40 MG", "0.3 cc"): a modifier only
# as -AK or mod AK.
NOTE_WORD_MODIFIERS = {"ak", "sk", "cm", "sq", "mg", "cc"}
SIDES = {"lt", "rt"}  # "lt cheek": in lower case before a site, a side and not the modifier


class TextParseError(ValueError):
    """The text holds nothing that can be checked as a claim."""


@dataclass
class ParsedText:
    claim: Claim
    not_understood: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unused_dates: list[date] = field(default_factory=list)  # dates after the first that no line took (TXT002)


def _date(token: str) -> date | None:
    m = _DATE.match(token)
    if not m:
        return None
    try:
        if m.group(1):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        year = int(m.group(6))
        return date(year + 2000 if year < 100 else year, int(m.group(4)), int(m.group(5)))
    except ValueError:
        return None


def _tokens(text: str) -> list[str]:
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    out: list[str] = []
    for segment in re.split(r"[;\n]+", text):
        words = re.split(r"[\s,]+", segment.strip())
        out += [w for w in words if w]
        out.append(";")
    return out


def _is_procedure(tok: str) -> bool:
    if _CPT.match(tok):
        return True
    if _HCPCS.match(tok):
        return lookup(tok) is not None or icd.status(icd.normalize(tok)) == "unknown"
    return False


def is_claim_id(text: str) -> bool:
    """A usable claim id: letters, digits and ``. _ / -``, at least one digit, at most 40 characters.

    >>> is_claim_id("A1001"), is_claim_id("Jane Doe")
    (True, False)
    """
    return bool(_CLAIM_ID.match(text))


def _is_diagnosis(tok: str) -> bool:
    return icd.looks_like_icd(tok) and icd.status(icd.normalize(tok)) != "unknown"


def _runs(loose: list[tuple[int, int, str]], filler: set[int]) -> list[tuple[int, list[str], int]]:
    """The words left over, in runs of words next to each other (filler words between them) after one line's code:
    (the line before them, the words, the first word's token position)."""
    runs: list[tuple[int, list[str], int]] = []
    last = -2
    for k, line, word in loose:
        if runs and runs[-1][0] == line and line != NEVER and all(j in filler for j in range(last + 1, k)):
            runs[-1][1].append(word)
        else:
            runs.append((line, [word], k))
        last = k
    return runs


NEVER = -2  # the "line" of a word that is never a fact (an unknown modifier)


@dataclass
class _Reading:
    at: int  # the line the words are written for
    words: list[str]
    lead: bool = False  # written before the line's code
    skip: frozenset[str] = frozenset()
    facts: dict = field(default_factory=dict)
    left: list[str] = field(default_factory=list)

    def read(self, lines: list[dict], skip: frozenset[str] = frozenset()) -> None:
        info = lookup(lines[self.at]["code"])
        self.skip |= skip
        self.facts, self.left = read_facts(self.words, info.family if info else None, self.skip)

    def placed(self, lines: list[dict]) -> list[tuple[int, str, Any]]:
        """(line, fact, value): family facts of an add-on go on the family's primary line (17000 for 17003)."""
        if not self.facts:
            return []
        info = lookup(lines[self.at]["code"])
        target = self.at
        if info is not None and info.is_addon:
            target = next((j for j in range(self.at - 1, -1, -1) if _primary_of(lines[j]["code"], info.family)), self.at)
        return [(target if fact in FAMILY_FACTS else self.at, fact, value) for fact, value in self.facts.items()]


def _place_facts(lines: list[dict], readings: list[_Reading], notes: list[str]) -> list[str]:
    """Put the facts read on their lines; a fact given two values for one line is not read at all, from any of the
    words (``17000 3 AKs; 17003 x3 4 AKs``). Mohs stages written on 17312's line (``stage 2 2 blocks``) follow the
    primary's when they go on in order. The words no fact used, in their order."""
    for _ in range(8):
        values: dict[tuple[int, str], list[tuple[Any, _Reading]]] = {}
        for r in readings:
            for line, fact, value in r.placed(lines):
                values.setdefault((line, fact), []).append((value, r))
        banned: list[tuple[str, _Reading]] = []
        for (line, fact), given in values.items():
            if fact == "mohs_more_stages":
                base = values.get((line, "mohs_stage_blocks"), [])
                blocks = list(base[0][0]) if len(base) == 1 else []
                for (first, more), _r in sorted(given, key=lambda g: g[0][0]):
                    blocks = blocks + more if blocks and first == len(blocks) + 1 else []
                if not blocks:
                    banned += [(fact, r) for _, r in given] + [("mohs_stage_blocks", r) for _, r in base]
            elif fact != "symptoms" and any(v != given[0][0] for v, _ in given):
                banned += [(fact, r) for _, r in given]
        if not banned:
            break
        for fact, r in banned:
            r.read(lines, frozenset({fact}))
    out: list[str] = []
    for r in readings:
        for line, fact, value in r.placed(lines):
            facts = lines[line].setdefault("facts", {})
            if fact == "symptoms":
                facts[fact] = sorted(set(facts.get(fact, [])) | set(value))
            elif fact == "mohs_more_stages":
                facts.setdefault("more", []).append(value)
            else:
                facts[fact] = value
        if r.facts:
            notes.append(f"Read from the text for line {r.at + 1} ({lines[r.at]['code']}): {describe(r.facts)}.")
        out += r.left
    for ln in lines:
        for first, more in sorted(ln.get("facts", {}).pop("more", [])):
            ln["facts"]["mohs_stage_blocks"] = ln["facts"]["mohs_stage_blocks"][: first - 1] + more
    return out


def _primary_of(code: str, family: str) -> bool:
    info = lookup(code)
    return info is not None and info.family == family and not info.is_addon


def parse_claim_text(text: str, today: date | None = None) -> ParsedText:
    """Parse a pasted claim.

    >>> p = parse_claim_text("99213-25 L57.0; 17000 L570; 17003 x14 L57.0; medicare")
    >>> [(l.code, l.modifiers, l.units, l.dx) for l in p.claim.lines]
    [('99213', ['25'], 1, ['L57.0']), ('17000', [], 1, ['L57.0']), ('17003', [], 14, ['L57.0'])]
    >>> parse_claim_text("claim A1001 17000 L57.0").claim.claim_id
    'A1001'
    """
    if len(text) > MAX_TEXT:
        raise TextParseError(f"the text is too long ({len(text):,} characters; at most {MAX_TEXT:,})")
    known_mods = modifiers()
    lines: list[dict] = []
    claim: dict = {"diagnoses": []}
    not_understood: list[str] = []
    notes: list[str] = []
    unused_dates: list[date] = []
    expect: str | None = None  # the keyword just seen: mod, units, npi, auth, payer, dos
    payer_words: list[str] = []
    segment_start = 0  # how many lines there were when this segment (text between ; or new lines) began
    loose: list[tuple[int, int, str]] = []  # (token position, line, word) of the words no rule of the loop read
    segment_of: dict[int, int] = {}  # token position -> its segment
    segment_first: dict[int, int] = {}  # segment -> its first line
    segment = 0
    tokens = _tokens(text)
    filler: set[int] = set()
    for k, raw in enumerate(tokens):
        tok = raw.strip(".:()[]{}\"'").upper() if raw != ";" else raw
        low = tok.lower()
        segment_of[k] = segment
        if len(lines) > segment_start:
            segment_first.setdefault(segment, segment_start)
        if tok == ";":
            expect = None
            segment_start = len(lines)
            segment += 1
            continue
        if not tok:
            continue
        inline = _CLAIM_ID_INLINE.match(raw)
        if inline and "claim_id" not in claim:
            claim["claim_id"] = inline.group(1)
            continue
        if low in CLAIM_ID_WORDS and "claim_id" not in claim:
            expect = "claim_id"
            continue
        if expect == "claim_id":
            expect = None
            candidate = raw.strip(".:,()[]{}\"'")
            code = tok.split("-")[0]
            if _CLAIM_ID.match(candidate) and not (_CPT.match(code) or lookup(code)) and _date(tok) is None and not _is_diagnosis(tok):
                claim["claim_id"] = candidate
                continue
        if expect == "payer" and low not in FILLER and not _is_procedure(tok):
            word = raw.strip(".:,")
            if low.replace(" ", "") not in PAYER_TYPES and _PAYER_WORD.match(word):
                payer_words.append(word)
                continue
            expect = None  # a date, a code or a number ends the payer's name
        current = lines[-1] if lines else None
        if "-" in tok and _is_procedure(tok.split("-")[0]):
            code, *mods = tok.split("-")
            lines.append({"code": code, "modifiers": [], "dx": []})
            for m in mods:
                if m in known_mods:
                    lines[-1]["modifiers"].append(m)
                elif m:
                    loose.append((k, NEVER, f"-{m}"))
            expect = None
            continue
        if _is_procedure(tok):
            lines.append({"code": tok, "modifiers": [], "dx": []})
            expect = None
            continue
        if expect == "units" and tok.isdigit() and current is not None:
            current["units"] = int(tok)
            expect = None
            continue
        if expect == "npi" and _NPI.match(tok):
            claim["rendering_npi"] = tok
            expect = None
            continue
        if expect == "auth" and current is not None:
            expect = None
            if _AUTH.match(raw.strip(".:,")):
                current["prior_auth"] = raw.strip(".:,")
                continue
            # "auth pending", "auth needed": not an authorization number; the word is not understood below
        # 12 x 8 mm, 1.2 x 0.8 cm, 12 x8 mm: a size's two sides, not units
        after_size = bool(loose) and loose[-1][0] == k - 1 and bool(_SIZE_NUMBER.match(loose[-1][2]))
        if after_size and (low in ("x", "by", "×") or (low[:1] in "x×" and k + 1 < len(tokens) and tokens[k + 1].lower() in ("cm", "mm"))):
            loose.append((k, len(lines) - 1, raw))
            expect = None
            continue
        # "AKs x5", "skin tags x 12": units of the line, or the count of lesions? Neither is read.
        if (_UNITS.match(low) or low in ("x", "×")) and loose and loose[-1][0] == k - 1 and is_kind(loose[-1][2]):
            loose.append((k, len(lines) - 1, raw))
            expect = None
            continue
        units = _UNITS.match(low)
        if units and current is not None:
            current["units"] = int(next(g for g in units.groups() if g))
            continue
        word_not_mod = ((low in ENGLISH_MODIFIERS and not raw.isupper()) or low in NOTE_WORD_MODIFIERS) and expect != "mod"  # "pt seen"
        word_not_mod |= tok.isdigit() and expect != "mod" and is_count(tokens[k : k + 4])  # "25 skin tags": a count
        word_not_mod |= low in SIDES and not raw.isupper() and expect != "mod" and is_site(tokens[k + 1 : k + 4])
        if current is not None and not word_not_mod and (tok in known_mods and (expect == "mod" or tok.isdigit() or len(tok) == 2)):
            if tok not in current["modifiers"]:
                current["modifiers"].append(tok)
            continue
        if icd.looks_like_icd(tok) and not tok.isdigit():
            code = icd.normalize(tok)
            (current["dx"] if current is not None else claim["diagnoses"]).append(code)
            continue
        d = _date(tok)
        if d is not None:
            own_line = expect == "dos" and current is not None and len(lines) > segment_start and "date_of_service" not in current
            expect = None
            if "date_of_service" not in claim:
                claim["date_of_service"] = d
            elif own_line and current is not None:
                current["date_of_service"] = d
                notes.append(f"Line {len(lines)} is dated {d} (the dos written on its line).")
            elif d != claim["date_of_service"]:
                unused_dates.append(d)  # "bx was 2/10/26": never a line's date of service by guess (TXT002)
            continue
        key = low.replace(" ", "")
        if key in PAYER_TYPES:
            claim["payer"] = {"type": PAYER_TYPES[key], **({"name": claim["payer"]["name"]} if claim.get("payer", {}).get("name") else {})}
            continue
        if key in KNOWN_PAYERS:
            claim["payer"] = {"type": claim.get("payer", {}).get("type", "commercial"), "name": KNOWN_PAYERS[key]}
            continue
        if low in ("mod", "modifier", "modifiers"):
            expect = "mod"
            continue
        if low in ("units", "unit", "x", "u", "qty"):
            expect = "units"
            continue
        if low in ("npi", "rendering"):
            expect = "npi"
            continue
        if low in ("auth", "pa", "pa#", "auth#", "authorization", "prior_auth"):
            expect = "auth"
            continue
        if low in ("payer", "ins", "insurance", "plan"):
            expect = "payer"
            continue
        if low in ("dos", "dos:"):
            expect = "dos"
            continue
        if low in FILLER:
            filler.add(k)
            continue
        loose.append((k, len(lines) - 1, raw))
    readings: list[_Reading] = []
    lead_facts = False  # facts written before their code somewhere: words between two codes could be either's
    for line, words, k0 in _runs(loose, filler):
        first = segment_first.get(segment_of[k0], 0 if line == -1 and lines else None)
        lead = first is not None and line < first  # before the first code of its segment (or of the claim)
        if line == NEVER or (line < 0 and not lead):
            readings.append(_Reading(0, words, left=words))
            continue
        r = _Reading(first if lead and first is not None else line, words, lead)
        r.read(lines)
        lead_facts |= lead and bool(r.facts)
        readings.append(r)
    if lead_facts:  # "shave bx arm 11102, punch bx leg 11104": is "punch bx leg" 11102's or 11104's? Neither.
        for r in readings:
            if r.facts and not r.lead and r.at < len(lines) - 1:
                r.facts, r.left = {}, r.words
    not_understood += _place_facts(lines, readings, notes)
    if payer_words:
        name = " ".join(payer_words)
        claim["payer"] = {"type": claim.get("payer", {}).get("type", "commercial"), "name": name}
    if not lines:
        raise TextParseError("no procedure code found (expected CPT codes such as 17000 or HCPCS codes such as J3301)")
    # every diagnosis mentioned is a claim diagnosis; a line that names none takes them all
    for ln in lines:
        claim["diagnoses"] += [d for d in ln["dx"] if d not in claim["diagnoses"]]
        if not ln["dx"]:
            del ln["dx"]
    if "date_of_service" not in claim:
        claim["date_of_service"] = today or datetime.now().date()
        notes.append(f"No date of service given; checked as of {claim['date_of_service']}.")
    if "payer" not in claim:
        notes.append("No payer given; payer-specific checks were skipped (add medicare, medicaid, commercial or the payer's name).")
    if not claim["diagnoses"]:
        notes.append("No diagnosis given.")
    claim["lines"] = lines
    return ParsedText(Claim.model_validate(claim), not_understood, notes, unused_dates)
