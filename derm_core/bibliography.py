"""The bibliography: what the reference keys that rules, FAQ entries and the code tables cite stand for.

Rules cite ``references=("CPT destruction guidelines", "AAPC2007", "KZA")``, FAQ entries ``references: [...]`` and
code-table entries ``source: [...]``. A reference without spaces (``AAPC2007``, ``L34938``, ``DES-01``) is a key
into ``data/bibliography.yaml``, which gives its title and, where the source is public, its URL; a reference with
spaces (``CPT destruction guidelines``) is already its own title; ``faq:ID`` points at an FAQ entry.
``derm ref KEY`` prints one entry; rule docs, answers and check reports show the title next to the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Source:
    """One bibliography entry. ``see``: the keys one of our own coding notes rests on."""

    key: str
    title: str
    url: str | None = None
    more: tuple[str, ...] = ()
    see: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title}
        if self.url:
            out["url"] = self.url
        if self.more:
            out["more"] = list(self.more)
        if self.see:
            out["see"] = list(self.see)
        return out


@cache
def sources() -> dict[str, Source]:
    """Every entry of ``data/bibliography.yaml`` by key."""
    raw = yaml.safe_load(resources.files("derm_core.data").joinpath("bibliography.yaml").read_text(encoding="utf-8"))
    return {
        str(k): Source(str(k), v["title"], v.get("url"), tuple(v.get("more") or ()), tuple(v.get("see") or ()))
        for k, v in raw["sources"].items()
    }


def is_key(reference: str) -> bool:
    """A reference that must resolve: no spaces (``AAPC2007``, ``faq:multiple-aks``), not a sentence.

    >>> is_key("AAPC2007"), is_key("faq:multiple-aks"), is_key("CPT destruction guidelines")
    (True, True, False)
    """
    return bool(reference) and not any(c.isspace() for c in reference.strip())


def resolve(reference: str) -> Source | None:
    """The entry a reference stands for: a bibliography key, or ``faq:ID`` (an FAQ entry, in the shipped FAQ).
    None for a reference that is its own title, or an unknown key.

    >>> resolve("KZA").url
    'https://www.kzanow.com/coding-coaches/coding-question-on-a-diagnosis'
    >>> resolve("faq:multiple-aks").title.startswith("FAQ:")
    True
    """
    reference = reference.strip()
    if reference.startswith("faq:"):
        entry = _faq_titles().get(reference[4:])
        return Source(reference, f"FAQ: {entry} (derm ask; the FAQ sheet of the rules workbook)") if entry else None
    return sources().get(reference)


@cache
def _faq_titles() -> dict[str, str]:
    from .ruleset import default_ruleset

    return {e.id: e.title for e in default_ruleset().faq}


def unresolved(references: Iterable[str], faq_ids: Iterable[str] | None = None) -> list[str]:
    """The keys among ``references`` that resolve to nothing (``faq_ids``: the FAQ entries that exist, when they are
    not the shipped ones, e.g. an admin's FAQ upload)."""
    ids = set(faq_ids) if faq_ids is not None else None
    out = []
    for r in references:
        if not is_key(r):
            continue
        if r.startswith("faq:") and ids is not None:
            if r[4:] not in ids:
                out.append(r)
        elif resolve(r) is None:
            out.append(r)
    return out


def cite(reference: str) -> str:
    """A reference as a biller can follow it: the key with its title and URL.

    >>> cite("AAPC2007")
    'AAPC2007: AAPC General Surgery Coding Alert, "Your lesion destruction coding gains precision for 2007" (https://aapc.com/codes/coding-newsletters/my-general-surgery-coding-alert/your-lesion-destruction-coding-gains-precision-for-2007-article)'
    >>> cite("CPT destruction guidelines")
    'CPT destruction guidelines'
    """
    source = resolve(reference) if is_key(reference) else None
    if source is None:
        return reference
    text = f"{source.key}: {source.title}" + (f" ({source.url})" if source.url else "")
    if source.see:
        text += "; based on " + ", ".join(source.see)
    return text


def cited(references: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The resolved entries of ``references`` (and the keys they are based on), by key: for a JSON report."""
    out: dict[str, dict[str, Any]] = {}
    todo = list(references)
    while todo:
        r = todo.pop(0)
        if r in out or not is_key(r):
            continue
        source = resolve(r)
        if source is not None:
            out[r] = source.as_dict()
            todo += list(source.see)
    return out


def describe(key: str) -> str | None:
    """``derm ref KEY``: the entry, with the sources it is based on and where it is cited; None when unknown."""
    source = resolve(key)
    if source is None:
        return None
    lines = [f"{source.key}: {source.title}"]
    if source.url:
        lines.append(f"  {source.url}")
    lines += [f"  also {u}" for u in source.more]
    for k in source.see:
        lines.append(f"  based on {cite(k)}")
    where = citing(source.key)
    if where:
        lines.append(f"  cited by {', '.join(where[:20])}" + (f" and {len(where) - 20} more" if len(where) > 20 else ""))
    return "\n".join(lines)


def citing(key: str) -> list[str]:
    """The rules, FAQ entries and codes that cite ``key``."""
    from . import codes
    from .engine import all_rules

    out = [rid for rid, r in all_rules().items() if key in r.references]
    out += [f"faq:{e.id}" for e in _shipped_faq() if key in e.references]
    out += [f"code {c}" for c, info in codes.all_codes().items() if key in info.source]
    return out


def _shipped_faq() -> list[Any]:
    from .ruleset import default_ruleset

    return list(default_ruleset().faq)


def search(text: str) -> list[Source]:
    """Entries whose key or title contains ``text`` (case-insensitive), for ``derm ref`` with a partial key."""
    needle = text.strip().casefold()
    return [s for s in sources().values() if needle in s.key.casefold() or needle in s.title.casefold()]
