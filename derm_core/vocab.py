"""Billers' words for the claim facts, in one place for charge sheets, pasted claims and questions: body sites,
pathology, biopsy methods and payer types.

Sites follow ICD-10-CM's grouping where CPT's leaves a choice (the shoulder is upper limb, C44.6-, so ``arm``).

>>> site_of("R forearm"), site_of("Shoulder"), site_of("upper arm"), site_of("office")
('arm', 'arm', 'arm', None)
>>> pathology_of("BCC"), pathology_of("pre-malignant"), method_of("shave")
('malignant', 'premalignant', 'tangential')
>>> payer_type_of("Medicare Part B"), payer_type_of("Self-Pay"), payer_type_of("Aetna")
('medicare', 'self_pay', None)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import get_args

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
