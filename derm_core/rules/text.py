"""Pasted claims: what the parser read only in part (TXT001-TXT002).

These rules run on a parsed pasted claim (``textclaim.ParsedText``), next to the claim rules, wherever a pasted
claim is checked (``derm check --text``, ``derm chat``, Slack): what the parser was not sure of is never used,
and these warnings say so, so that a claim read only in part is never reported clean. They never quote the words
themselves (a name typed into a claim would come back in a Slack reply).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..models import Category, Finding
from .base import Hit, all_rules, rule

if TYPE_CHECKING:
    from ..textclaim import ParsedText

REFS = ("user guide: pasting a claim",)


def kinds_text(tokens: Sequence[str]) -> str:
    """What was not understood, by kind and count only: ``2 words and 1 modifier``.

    >>> kinds_text(["Zebra", "Doe", "-ZZ", "1234"])
    '2 words, 1 modifier and 1 number'
    """
    kinds = {"word": 0, "modifier": 0, "number": 0, "other item": 0}
    for t in tokens:
        kind = (
            "modifier"
            if t.startswith("-")
            else "word"
            if any(ch.isalpha() for ch in t)
            else "number"
            if any(ch.isdigit() for ch in t)
            else "other item"
        )
        kinds[kind] += 1
    parts = [f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in kinds.items() if n]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


@rule("TXT001", "Part of a pasted claim was not understood", Category.data_quality, "warning", families=(), scope="text", references=REFS)
def not_understood(parsed: ParsedText) -> Iterator[Hit]:
    """What it does: flags a pasted claim with words, numbers or modifiers the parser did not understand
    (``bx was``, ``-ZZ``, ``auth pending``). They are left out of the check, never guessed.

    Why is this bad? A word the parser skipped may be what changes the answer (a modifier typed wrongly, a
    diagnosis with a typo, a note about an earlier biopsy); a claim read only in part must not come out clean.
    """
    if parsed.not_understood:
        yield Hit(
            [],
            f"{kinds_text(parsed.not_understood)} in the pasted claim not understood; left out of the check.",
            "Check what was pasted: codes (17000), units (x4), modifiers (-25), diagnoses (L57.0), the payer and the date "
            "of service are read; anything else is left out.",
        )


@rule(
    "TXT002", "A second date in a pasted claim was not used", Category.data_quality, "warning", families=(), scope="text", references=REFS
)
def second_date(parsed: ParsedText) -> Iterator[Hit]:
    """What it does: flags a pasted claim with more than one date when a later date was not used: the first date
    is the claim's date of service and every line is checked on it, unless a line carries its own ``dos`` and
    date (``99213-24 L40.0 dos 2026-03-20``).

    Why is this bad? A second date is often about something else (``bx was 2/10/26``, a date of birth). Taken as a
    line's date of service it would move that line away from the others and hide the errors between them.
    """
    if parsed.unused_dates:
        n = len(parsed.unused_dates)
        dos = parsed.claim.date_of_service
        yield Hit(
            [],
            f"{n} more date{'s' if n > 1 else ''} in the pasted claim not used: every line was checked on {dos}.",
            "If a line was on another date, write dos and its date on that line (99213-24 L40.0 dos 2026-03-20); "
            "otherwise leave the other date out.",
        )


def text_findings(parsed: ParsedText) -> list[Finding]:
    """The TXT findings for a parsed pasted claim.

    >>> from derm_core.textclaim import parse_claim_text
    >>> [f.rule for f in text_findings(parse_claim_text("17000 L57.0 medicare 2026-03-02 bx was 2026-02-10"))]
    ['TXT001', 'TXT002']
    """
    return [r.finding(h) for r in all_rules().values() if r.scope == "text" for h in r.fn(parsed) if isinstance(h, Hit)]
