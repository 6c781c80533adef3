"""The pieces every message is built from: escaping, sections, buttons, pagination within Slack's limits, and
the checks (slack_sdk's models plus the message-level limits they do not check) and the text rendering for ``derm chat``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from derm_core.models import SuggestedLine
from derm_core.render import lines_text

MAX_BLOCKS = 50  # per message
MAX_VIEW_BLOCKS = 100  # per modal or Home tab
MAX_SECTION = 3000  # characters of section text
MAX_MESSAGE_CHARS = 12_000  # blocks JSON per message; Slack answers msg_blocks_too_long at about 13,000
MAX_MESSAGES = 4  # a longer report is truncated with a note
MAX_TEXT = 3000  # the fallback text shown in notifications
MAX_VALUE = 2000  # button value

STATUS = {
    "clean": ":white_check_mark: Clean",
    "warning": ":warning: Warnings",
    "error": ":no_entry: Errors",
}
SEVERITY_TITLE = {"error": ":red_circle: Errors", "warning": ":large_yellow_circle: Warnings", "info": ":large_blue_circle: Notes"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Message = dict[str, Any]
BlockDict = dict[str, Any]


def esc(text: object, limit: int | None = None) -> str:
    """Text safe for mrkdwn: control characters dropped, ``&``, ``<``, ``>`` escaped, optionally shortened.

    >>> esc("17000 <!channel> & <@U123>")
    '17000 &lt;!channel&gt; &amp; &lt;@U123&gt;'
    """
    s = _CONTROL.sub("", str(text))
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str, accessory: BlockDict | None = None) -> BlockDict:
    """A mrkdwn section; ``text`` must already be escaped. Clipped to 3000 characters."""
    block: BlockDict = {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION)}}
    if accessory:
        block["accessory"] = accessory
    return block


def header(text: str) -> BlockDict:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, 150), "emoji": True}}


def context(text: str) -> BlockDict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, MAX_SECTION)}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> BlockDict:
    b: BlockDict = {"type": "button", "text": {"type": "plain_text", "text": _clip(text, 75)}, "action_id": action_id, "value": value}
    if style:
        b["style"] = style
    return b


DIVIDER: BlockDict = {"type": "divider"}


def message(blocks: list[BlockDict], text: str) -> Message:
    return {"text": _clip(text, MAX_TEXT), "blocks": blocks}


def notice(text: str, emoji: str = ":information_source:") -> list[Message]:
    """A one-section reply; ``text`` must already be escaped (our own wording plus escaped user text)."""
    return [message([section(f"{emoji} {text}")], text)]


def paginate(blocks: list[BlockDict], text: str, more_hint: str = "") -> list[Message]:
    """Split ``blocks`` into messages of at most 50 blocks and 12,000 characters of JSON; after
    ``MAX_MESSAGES`` messages the rest is dropped with a note saying how much was left out."""
    pages: list[list[BlockDict]] = [[]]
    size = 0
    for i, block in enumerate(blocks):
        n = len(json.dumps(block))
        if pages[-1] and (len(pages[-1]) >= MAX_BLOCKS - 1 or size + n > MAX_MESSAGE_CHARS - 400):
            if len(pages) == MAX_MESSAGES:
                note = f"_{len(blocks) - i} more block(s) of this reply were left out to stay within Slack's limits.{more_hint}_"
                pages[-1].append(context(note))
                break
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += n
    return [message(page, text if i == 0 else f"{text} (part {i + 1})") for i, page in enumerate(pages)]


PHI_REMINDER = "Post codes only: never names, dates of birth, MRNs, phone or Social Security numbers."


def plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def bill(lines: Sequence[SuggestedLine]) -> str:
    return f"`{esc(lines_text(lines))}`"


_SLACK_AUTHOR = re.compile(r"^slack:([UW][A-Z0-9]{1,30})$")


def who(author: str) -> str:
    """An author or user as Slack shows it: ``slack:U123`` becomes a mention (Slack renders the name).

    >>> who("slack:U0123ABC"), who("Ann <Admin>")
    ('<@U0123ABC>', 'Ann &lt;Admin&gt;')
    """
    m = _SLACK_AUTHOR.match(author)
    return f"<@{m.group(1)}>" if m else esc(author, 100)


def claim_label(claim_ref: str, line: int | None) -> str:
    """``claim A1001, line 2`` (escaped); a pasted claim without an id is *this claim*."""
    what = "this claim" if claim_ref.startswith("text:") else f"claim {esc(claim_ref, 60)}"
    return what + (f", line {line + 1}" if line is not None else "")


# --- rendering as text (derm chat) and validation -----------------------------------------------

_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def unescape(text: str) -> str:
    """Slack's text with ``&amp;``, ``&lt;``, ``&gt;`` turned back into characters (the inverse of :func:`esc`).

    >>> unescape("17000 &lt;!here&gt; &amp;")
    '17000 <!here> &'
    """
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def to_text(blocks: Iterable[BlockDict]) -> str:
    """A reply as terminal text (``derm chat``): Why? buttons become ``derm rule`` hints."""
    out: list[str] = []
    for b in blocks:
        kind = b["type"]
        if kind == "header":
            title = b["text"]["text"]
            out += [title, "=" * min(len(title), 60)]
        elif kind == "section":
            out.append(unescape(b["text"]["text"]))
            acc = b.get("accessory")
            if acc and acc.get("action_id", "").startswith("why"):
                out.append(f"  (why? derm rule {acc['value']})")
        elif kind == "context":
            out.append("  " + unescape(" ".join(e.get("text", "") for e in b["elements"])))
        elif kind == "divider":
            out.append("-" * 40)
    return "\n".join(out)


def check_message(msg: Message) -> None:
    """Raise ValueError unless Slack would accept ``msg``: every block valid for slack_sdk's models,
    at most 50 blocks, the blocks JSON within the size Slack accepts, the fallback text within limits."""
    blocks = msg.get("blocks", [])
    if not msg.get("text") or len(msg["text"]) > MAX_TEXT:
        raise ValueError("message text missing or too long")
    if not 0 < len(blocks) <= MAX_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks in one message (at most {MAX_BLOCKS})")
    if len(json.dumps(blocks)) > MAX_MESSAGE_CHARS:
        raise ValueError("blocks JSON larger than Slack accepts")
    _parse(blocks)


def check_view(view: dict[str, Any]) -> None:
    """Raise unless ``view`` (modal or Home tab) is valid for slack_sdk's View model and Slack's limits."""
    if not 0 < len(view.get("blocks", [])) <= MAX_VIEW_BLOCKS:
        raise ValueError("a view holds 1 to 100 blocks")
    View(**view).to_dict()
    _parse(view["blocks"])


def _parse(blocks: list[BlockDict]) -> None:
    for b in blocks:
        parsed = Block.parse(b)
        if parsed is None:
            raise ValueError(f"unknown block type {b.get('type')!r}")
        if parsed.to_dict() != b:
            raise ValueError(f"block did not round-trip: {b.get('type')}")


def references(refs: Any, limit: int = 1000) -> str:
    """References as Slack mrkdwn a biller can follow: a bibliography key becomes a link to its source titled by
    the key and the source's title (``derm_core.bibliography``); other references are escaped as they are."""
    from derm_core.bibliography import is_key, resolve

    out, used = [], 0
    for ref in refs:
        source = resolve(ref) if is_key(ref) else None
        if source is None:
            text = esc(ref, 200)
        else:
            label = esc(f"{source.key}: {_clip(source.title, 120)}", 200).replace("|", "/").replace(">", "")
            text = f"<{source.url}|{label}>" if source.url and "|" not in source.url and ">" not in source.url else label
        if used + len(text) > limit:
            break
        out.append(text)
        used += len(text) + 2
    return "; ".join(out)
