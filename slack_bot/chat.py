"""``derm chat``: the bot's handlers in the terminal, replies rendered as text. A demo without Slack."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .blocks import to_text
from .bot import DermBot

BANNER = "Type a claim (99213-25 L40.0; 17000 L57.0; medicare), a question, `suggest ...`, `rule DRM110` or `help`; `quit` ends."


def chat(bot: DermBot, lines: Iterable[str], write: Callable[[str], object] = print, prompt: Callable[[], object] | None = None) -> int:
    """Answer each line; returns how many were answered.

    >>> chat(DermBot(sheet_checker=None), ["rule DRM110", "quit"], write=lambda s: None)
    1
    """
    answered = 0
    if prompt:
        prompt()
    for line in lines:
        text = line.strip()
        if text.lower() in ("quit", "exit"):
            break
        if text:
            for msg in bot.reply(text, offer_share=False, source="chat").messages:
                write(to_text(msg["blocks"]) + "\n")
            answered += 1
        if prompt:
            prompt()
    return answered
