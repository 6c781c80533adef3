"""Billers' words for the claim facts, in one place for charge sheets, pasted claims and questions: body sites,
pathology, biopsy methods and payer types.

Sites follow ICD-10-CM's grouping where CPT's leaves a choice (the shoulder is upper limb, C44.6-, so ``arm``).

>>> site_of("R forearm"), site_of("Shoulder"), site_of("upper arm"), site_of("office")
('arm', 'arm', 'arm', None)
>>> pathology_of("BCC"), pathology_of("pre-malignant"), method_of("shave")
('malignant', 'premalignant', 'tangential')
>>> payer_type_of("Medicare Part B"), payer_type_of("Self-Pay"), payer_type_of("Aetna")
('medicare', 'self_pay', None)
>>> header_candidates("ICD10 Code 2")[0], header_candidates("Date of Svc")[0], header_candidates("Chart  No.")[0]
(('dx2', 1.0), ('dos', 1.0), ('patient_id', 1.0))
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from typing import Any, Protocol, get_args

from .datafiles import package_yaml
from .models import BiopsyMethod, Pathology, Site

# Body-site words -> the contract's site vocabulary (cheek -> face, back -> trunk, forearm -> arm ...).
SITE_WORDS: dict[str, Site] = {
    **{s: s for s in get_args(Site)},
    **dict.fromkeys(["facial", "cheek", "cheeks", "forehead", "temple", "chin", "jaw", "jawline", "brow", "malar"], "face"),
    **dict.fromkeys(["nasal", "ala", "alar"], "nose"),
    **dict.fromkeys(["ears", "helix", "earlobe", "auricle"], "ear"),
    **dict.fromkeys(["eyelids", "lid"], "eyelid"),
    **dict.fromkeys(["lips", "vermilion"], "lip"),
    **dict.fromkeys(["mucosa", "mucosal", "mucous"], "mucous_membrane"),
    **dict.fromkeys(["hands", "finger", "fingers", "palm", "thumb", "knuckle"], "hand"),
    **dict.fromkeys(["feet", "toe", "toes", "sole", "heel", "plantar"], "foot"),
    **dict.fromkeys(["genital", "genitals", "penis", "penile", "scrotum", "vulva", "labia"], "genitalia"),
    **dict.fromkeys(["back", "chest", "abdomen", "belly", "flank", "buttock", "buttocks", "torso", "breast", "axilla", "hip"], "trunk"),
    **dict.fromkeys(["arms", "forearm", "forearms", "upper_arm", "elbow", "wrist", "shoulder", "shoulders"], "arm"),
    **dict.fromkeys(["legs", "thigh", "thighs", "shin", "shins", "calf", "lower_leg", "knee", "ankle", "pretibial"], "leg"),
}  # fmt: skip

PATHOLOGY_WORDS: dict[str, Pathology] = {
    **{p: p for p in get_args(Pathology)},
    **dict.fromkeys(["pre_malignant", "ak", "aks", "actinic_keratosis"], "premalignant"),
    **dict.fromkeys(["bcc", "scc", "melanoma", "carcinoma", "cancer"], "malignant"),
    **dict.fromkeys(["insitu", "mis", "scc_in_situ", "sccis"], "in_situ"),
}

METHOD_WORDS: dict[str, BiopsyMethod] = {
    **{m: m for m in get_args(BiopsyMethod)},
    **dict.fromkeys(["shave", "scoop", "saucerization"], "tangential"),
    **dict.fromkeys(["wedge", "incision"], "incisional"),
}

# Payer words that name the payer's type; a Medicare Advantage plan is a commercial (Part C) plan.
PAYER_TYPE_WORDS = {"medicare": "medicare", "medicaid": "medicaid", "selfpay": "self_pay", "cash": "self_pay"}
COMMERCIAL_WORDS = frozenset({"commercial", "private", "ppo", "hmo", "epo", "pos", "bcbs", "managedcare"})
# Payer names billers type as one word, with the name they go by on claims.
KNOWN_PAYERS = {
    "aetna": "Aetna",
    "cigna": "Cigna",
    "uhc": "UnitedHealthcare",
    "unitedhealthcare": "UnitedHealthcare",
    "humana": "Humana",
    "anthem": "Anthem",
    "bcbs": "BCBS",
    "bluecross": "BCBS",
    "kaiser": "Kaiser",
    "tricare": "Tricare",
    "highmark": "Highmark",
}


@lru_cache(maxsize=4096)
def key(value: str) -> str:
    """Lower case with runs of other characters as one ``_`` (``"Upper Arm"`` -> ``"upper_arm"``)."""
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


def _lookup(table: Mapping[str, str], value: str) -> str | None:
    k = key(value)
    if k in table:
        return table[k]
    words = k.split("_")  # "R forearm", "left cheek": the site word after a side
    return next((table[w] for w in reversed(words) if w in table), None) if len(words) > 1 else None


def site_of(value: str) -> Site | None:
    return _lookup(SITE_WORDS, value)  # type: ignore[return-value]


def pathology_of(value: str) -> Pathology | None:
    return PATHOLOGY_WORDS.get(key(value))


def method_of(value: str) -> BiopsyMethod | None:
    return METHOD_WORDS.get(key(value))


@lru_cache(maxsize=4096)
def payer_type_of(value: str) -> str | None:
    """``medicare``, ``medicaid``, ``commercial``, ``self_pay`` from what billers type, or None when it does not say."""
    k = key(value).replace("_", "")
    if "advantage" in k:
        return "commercial"
    for word, kind in PAYER_TYPE_WORDS.items():
        if word in k:
            return kind
    return "commercial" if k in COMMERCIAL_WORDS else None


# ----------------------------------------------------------------------------- column headers

FUZZY_MIN = 0.86  # a header this similar to a known one (after normalising) is taken for it, with that confidence


def normalise_header(text: object) -> str:
    """Lower-case letters and digits only.

    >>> normalise_header(" CPT / HCPCS ")
    'cpthcpcs'
    """
    return re.sub(r"[^a-z0-9]", "", str(text).lower()) if text is not None else ""


@cache
def header_synonyms() -> dict[str, list[str]]:
    """Field -> the headers that name it (``data/headers.yaml``), numbered columns expanded (``mod1`` .. ``dx4``)."""
    raw = package_yaml("headers.yaml")
    numbered, ordinal = raw.pop("numbered"), raw.pop("ordinal")
    raw.pop("not_fields")
    table: dict[str, list[str]] = {field: list(names) for field, names in raw.items()}
    for n, letter in zip("1234", "ABCD", strict=True):
        for prefix, names in numbered.items():
            table[f"{prefix}{n}"] = [name.format(n=n, letter=letter) for name in names] + ordinal.get(f"{prefix}{n}", [])
    return table


@cache
def _header_index() -> tuple[dict[str, list[str]], frozenset[str]]:
    index: dict[str, list[str]] = {}
    for field, names in header_synonyms().items():
        for name in names:
            fields = index.setdefault(normalise_header(name), [])
            if field not in fields:
                fields.append(field)
    raw = package_yaml("headers.yaml")
    return index, frozenset(normalise_header(n) for n in raw["not_fields"])


def similarity(a: str, b: str) -> float:
    """How alike two strings are, 0 to 1 (rapidfuzz when installed, else the standard library's difflib).

    >>> round(similarity("renderingnpi", "renderngnpi"), 2)
    0.96
    """
    try:
        from rapidfuzz.fuzz import ratio
    except ImportError:  # xlwings Lite and small installs: the same measure in pure Python
        from difflib import SequenceMatcher

        return SequenceMatcher(None, a, b).ratio()
    return float(ratio(a, b)) / 100


@lru_cache(maxsize=4096)
def header_candidates(text: str) -> tuple[tuple[str, float], ...]:
    """The fields a column header may name, best first, each with a confidence (1.0: a listed name; less: a near
    match). A header naming something else (Referring Provider, DOB ...) has none.

    >>> header_candidates("Location"), header_candidates("Referring Provider"), header_candidates("Diag Code 5")
    ((('office', 1.0), ('site', 1.0)), (), ())
    """
    key = normalise_header(text)
    index, not_fields = _header_index()
    if not key or key in not_fields:
        return ()
    if key in index:
        return tuple((field, 1.0) for field in index[key])
    digits = re.sub(r"\D", "", key)
    best: dict[str, float] = {}
    for name, fields in index.items():
        if len(name) < 4 or re.sub(r"\D", "", name) != digits:  # "Diag Code 5" is not "Diag Code 4"
            continue
        score = similarity(key, name)
        if score >= FUZZY_MIN:
            for field in fields:
                best[field] = max(best.get(field, 0.0), round(score, 2))
    if any(similarity(key, n) >= FUZZY_MIN for n in not_fields):
        return ()
    return tuple(sorted(best.items(), key=lambda kv: -kv[1]))


# ----------------------------------------------------------------------------- the payer table


class PayerEntry(Protocol):
    payer: str
    payer_type: Any
    plan: str


def payer_key(text: str) -> str:
    """A payer name as the payer table compares it: lower case, words separated by one space.

    >>> payer_key("Medicare - Noridian JF"), payer_key("Medi-Cal")
    ('medicare noridian jf', 'medi cal')
    """
    return " ".join(re.sub(r"[^a-z0-9*]+", " ", text.lower()).split())


def _specificity(pattern: str) -> tuple[int, int]:
    return (0 if "*" in pattern else 1, len(pattern.replace("*", "")))


@lru_cache(maxsize=16)
def _compiled(rows: tuple[Any, ...]) -> tuple[dict[str, Any], list[tuple[re.Pattern[str], Any]]]:
    exact: dict[str, Any] = {}
    patterns: list[tuple[tuple[int, int], re.Pattern[str], Any]] = []
    for row in rows:
        k = payer_key(row.payer)
        if "*" not in k:
            exact.setdefault(k, row)
        else:
            body = ".*".join(re.escape(part) for part in k.split("*"))
            patterns.append((_specificity(k), re.compile(f"^{body}$"), row))
    patterns.sort(key=lambda p: p[0], reverse=True)  # the most specific pattern first
    return exact, [(rx, row) for _, rx, row in patterns]


def payer_entry(text: str, rows: Sequence[PayerEntry]) -> PayerEntry | None:
    """The payer table's row for a payer name or financial class: the exact name, else the most specific pattern.

    >>> from derm_core.ruleset import shipped_payers
    >>> [payer_entry(t, shipped_payers()).plan for t in ("Aetna Medicare PPO", "Aetna PPO", "Medi-Cal", "MEDICARE NOVITAS JL")]
    ['Medicare Advantage', 'Commercial', 'Medicaid (California)', 'Traditional Medicare (MAC)']
    >>> payer_entry("Northwind Health", shipped_payers()) is None
    True
    """
    k = payer_key(text)
    if not k:
        return None
    exact, patterns = _compiled(tuple(rows))
    if k in exact:
        return exact[k]
    return next((row for rx, row in patterns if rx.match(k)), None)
