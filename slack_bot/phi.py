"""Patient identifiers in what Slack sends: ``derm_core.phi`` (the one detector, also used by the CLI) on the text
as the user typed it.

Slack sends ``&``, ``<`` and ``>`` as entities and wraps mentions, channels and links in ``<...>``. Mentions of
workspace members and channels (``<@U123|bea>``, ``<#C123|billing>``, ``<!here>``) name colleagues and places in
Slack, not patients, so they are blanked before the detector runs; e-mail links (``<mailto:...>``) and other links
are kept, since an address or a URL may hold an identifier.
"""

from __future__ import annotations

import re
from datetime import date

from derm_core import phi

from .blocks import unescape

_SLACK_REFERENCE = re.compile(r"<[@#!][^<>\s]*(?:\|[^<>]*)?>")


def slack_text(text: str) -> str:
    """``text`` with Slack's entities decoded and its member, channel and broadcast references blanked.

    >>> slack_text("<@U0123|bea> 17000 &amp; 17003 <#C1|billing>")
    '  17000 & 17003  '
    """
    return unescape(_SLACK_REFERENCE.sub(" ", text))


def identifiers(text: str, today: date | None = None) -> list[str]:
    """The kinds of patient identifier that ``text`` (as Slack sends it) seems to hold, in words, never the values.

    >>> identifiers("DOE, JANE 03/04/1956 17000 L57.0", date(2026, 3, 2))
    ['patient name', 'date next to a name']
    >>> identifiers("<@U0123ABC|jane.doe> 99213-25 L40.0; 17000 L57.0; medicare", date(2026, 3, 2))
    []
    """
    return phi.identifiers(slack_text(text), today)


def file_name_is_safe(name: str, today: date | None = None) -> bool:
    """Whether a file's name may be shown back (``Doe_Jane_DOB_1950.xlsx`` may not): the detector on the name with
    its separators read as spaces.

    >>> file_name_is_safe("march-charges.xlsx"), file_name_is_safe("DOE_JANE_03-04-1956.xlsx", date(2026, 3, 2))
    (True, False)
    """
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name)
    return not phi.find_phi(re.sub(r"[_+]+", " ", stem), today) and not phi.find_phi(stem, today)
