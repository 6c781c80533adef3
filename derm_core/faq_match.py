"""Word matching against the FAQ knowledge base, the same way the FAQ sheet's formulas do it.

The FAQ sheet has to work in Excel without any add-in, so its lookup is plain word counting:
each entry gets a line of keywords (codes, modifiers, title and question words, no stop words),
and the entry sharing most words with the question wins. ``best_entry`` does the same in Python,
for the Excel function ``DERM_FAQ`` when the full FAQ search (``derm_core.faq``) is not installed.
"""

from __future__ import annotations

import re

from .ruleset import FaqEntry

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "bill",
        "billed",
        "billing",
        "by",
        "can",
        "code",
        "codes",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "pt",
        "same",
        "should",
        "the",
        "to",
        "use",
        "we",
        "what",
        "when",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, as the sheet formula splits them.

    >>> words("How do I bill 16 AK's?")
    ['how', 'do', 'i', 'bill', '16', 'ak', 's']
    """
    return re.sub(r"[?,'/;:()\".!]", " ", text.lower()).split()


def keywords(entry: FaqEntry) -> str:
    """The entry's keywords, space-separated, each once; plural ``s`` also without it."""
    found: dict[str, None] = {}
    for text in [entry.id.replace("-", " "), entry.title, *entry.questions, *entry.codes, *entry.modifiers, *entry.rules]:
        for w in words(text):
            if w in STOPWORDS or len(w) < 2:
                continue
            found[w] = None
            if len(w) > 3 and w.endswith("s"):
                found[w[:-1]] = None
    return " ".join(found)


def best_entry(question: str, entries: list[FaqEntry]) -> tuple[FaqEntry | None, int]:
    """The entry sharing most keywords with the question, and how many; (None, 0) when none shares any."""
    asked = set(words(question))
    best: tuple[FaqEntry | None, int] = (None, 0)
    for entry in entries:
        score = len(asked & set(keywords(entry).split()))
        if score > best[1]:
            best = (entry, score)
    return best
