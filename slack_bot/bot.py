"""What the bot answers. One place turns text (a slash command, a mention, a DM, a shortcut, a line
typed in ``derm chat``) into replies, so every front end says the same thing.

Nothing here knows about Slack's transport: the listeners decide where a reply goes (ephemeral,
thread, DM, modal). Errors become polite replies; logs get the kind of request, never its text.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from derm_core import service
from derm_core.coding import CodingError, SuggestRequest, suggest
from derm_core.engine import all_rules, data_versions, warm_up
from derm_core.faq import ask
from derm_core.question_facts import parse_procedure_text
from derm_core.render import rule_doc
from derm_core.rulecases import example
from derm_core.ruleset import Ruleset
from derm_core.textclaim import ParsedText, TextParseError, parse_claim_text

from . import blocks
from .blocks import Message, esc
from .overrides import claim_reference
from .phi import identifiers

log = logging.getLogger("slack_bot")

MAX_INPUT = 20_000  # characters; Slack messages can hold 40,000
SUBCOMMANDS = ("ask", "check", "suggest", "rule", "help")
QUESTION_WORDS = {
    "what", "how", "can", "when", "should", "is", "are", "do", "does", "why", "which", "who", "where", "may", "must", "will",
    "would", "could", "if", "explain", "tell",
}  # fmt: skip
_RULE_ID = re.compile(r"^DRM\d{3}$", re.I)
EXAMPLE_CLAIM = "`/derm check 99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare`"

SheetChecker = Callable[..., Any]


@dataclass
class Reply:
    messages: list[Message]
    kind: str
    private: bool = False  # echoes a claim or refuses PHI: ephemeral or DM only, unless the user shares it


def _notice(kind: str, text: str, private: bool = True, emoji: str = ":information_source:") -> Reply:
    return Reply(blocks.notice(text, emoji), kind, private)


def default_sheet_checker() -> SheetChecker:
    """``charge_sheets.check_sheet`` in a child process (``check_sheet_isolated``), so that a file that makes a
    native reader abort never takes the bot down (imported on first use)."""
    from charge_sheets.isolated import check_sheet_isolated

    return check_sheet_isolated


class DermBot:
    """The bot's brain: routes text to check, ask, suggest, rule or help, and builds the Block Kit replies."""

    def __init__(self, rules: str | None = None, sheet_checker: SheetChecker | bool | None = True):
        self.rules = rules
        self.sheet_checker: SheetChecker | None = default_sheet_checker() if sheet_checker is True else (sheet_checker or None)
        self.sheet_jobs = ThreadPoolExecutor(max_workers=2, thread_name_prefix="derm-sheet")

    def warm_up(self) -> None:
        """Load the tables, the rules and the FAQ index before the first request, so that no reply
        pays for them (an acknowledgement is due within 3 seconds)."""
        self.reply("ask what is 17000?")
        self.reply("check 17000 L57.0")
        warm_up()

    def ruleset(self) -> Ruleset:
        return service.ruleset(self.rules)

    def versions(self) -> dict[str, Any]:
        return data_versions(self.ruleset())

    # --- entry points ---------------------------------------------------------------------------

    def reply(self, text: str, *, offer_share: bool = True) -> Reply:
        """Answer ``/derm <text>`` (also mentions, DMs and ``derm chat``).

        >>> DermBot(sheet_checker=None).reply("help").kind
        'help'
        """
        return self._guarded("reply", lambda: self._reply(text or "", offer_share))

    def check(self, text: str, *, offer_share: bool = True, share: bool = False) -> Reply:
        """Check ``text`` as a pasted claim (the message shortcut, the Share button, the modal)."""
        return self._guarded("check", lambda: self._screened(text or "", lambda t: self._check(t, None, offer_share, share)))

    def rule_modal(self, rule_id: str) -> dict[str, Any]:
        r = all_rules().get(rule_id.strip().upper())
        if r is None:
            return blocks.rule_modal("rule", f"There is no rule {rule_id[:20]}.")
        return blocks.rule_modal(r.id, rule_doc(r, *example(r.id)))

    def home(self) -> dict[str, Any]:
        return blocks.home(self.versions(), self.sheet_checker is not None)

    # --- routing --------------------------------------------------------------------------------

    def _guarded(self, kind: str, work: Callable[[], Reply]) -> Reply:
        start = time.perf_counter()
        try:
            reply = work()
        except Exception as e:  # a bug or hostile input must not take the bot down, nor leak the text into logs
            log.error("%s failed: %s", kind, type(e).__name__)
            return _notice(
                "error", "Sorry, something went wrong while reading that. Nothing was kept; please try again.", emoji=":warning:"
            )
        log.debug("%s answered as %s in %.1f ms", kind, reply.kind, (time.perf_counter() - start) * 1000)
        return reply

    def _screened(self, text: str, then: Callable[[str], Reply]) -> Reply:
        """Refuse what the bot must not read (too long, binary, patient identifiers); else go on with the text,
        unescaped (Slack sends ``&``, ``<``, ``>`` as entities; every reply escapes them again)."""
        if len(text) > MAX_INPUT:
            return _notice(
                "too_long", f"That is too long for me ({len(text):,} characters; at most {MAX_INPUT:,}). Paste one claim at a time."
            )
        if "\x00" in text:
            return _notice("binary", "That looks like binary data, not text. Paste the claim's codes as text.")
        found = identifiers(text)
        if found:
            return _notice(
                "phi",
                f"This looks like it holds patient identifiers ({', '.join(found)}), so I did not read it further and I "
                f"do not keep it. {blocks.PHI_REMINDER} For example {EXAMPLE_CLAIM}.",
                emoji=":lock:",
            )
        return then(blocks.unescape(text).strip())

    def _reply(self, text: str, offer_share: bool) -> Reply:
        return self._screened(text, lambda t: self._route(t, offer_share))

    def _route(self, text: str, offer_share: bool) -> Reply:
        words = text.split(None, 1)
        share = bool(words) and words[0].lower() == "share"
        if share:
            words = words[1].split(None, 1) if len(words) > 1 else []
        command = words[0].lower() if words else "help"
        rest = words[1] if len(words) > 1 else ""
        if command == "check" and rest[:6].lower() == "share ":
            share, rest = True, rest[6:]
        if command == "help":
            return Reply(blocks.help_message(), "help")
        if command == "check":
            return self._check(rest, None, offer_share, share)
        if command == "ask":
            return self._ask(rest)
        if command == "suggest":
            return self._suggest(rest)
        if command == "rule":
            return self._rule(rest)
        return self._bare(" ".join(words), offer_share, share)

    def _bare(self, text: str, offer_share: bool, share: bool) -> Reply:
        """``/derm <text>``: codes with diagnoses are a claim to check; anything else is a question (``ask`` also
        computes lines when the question carries the procedure's facts)."""
        first = text.split(None, 1)[0].lower().strip("?:,") if text else ""
        if _RULE_ID.match(text):
            return self._rule(text)
        if text.endswith("?") or first in QUESTION_WORDS:
            return self._ask(text)
        try:
            parsed = parse_claim_text(text)
        except (TextParseError, ValidationError):
            parsed = None
        if parsed is not None and parsed.claim.diagnoses:
            return self._check(text, parsed, offer_share, share)
        return self._ask(text)

    # --- the five commands ----------------------------------------------------------------------

    def _check(self, text: str, parsed: ParsedText | None, offer_share: bool, share: bool) -> Reply:
        if not text.strip():
            return _notice("check", f"Paste the claim after the command, e.g. {EXAMPLE_CLAIM}.")
        try:
            parsed = parsed or parse_claim_text(text)
        except TextParseError as e:
            return _notice("check", f"I could not read a claim there: {esc(e)}. For example {EXAMPLE_CLAIM}.")
        except ValidationError:
            return _notice(
                "check", "Part of that claim has a value I cannot use (for example an impossible date). Please check it and try again."
            )
        ruleset = self.ruleset()
        [report] = service.check([parsed.claim], ruleset).claims  # with the findings billers overrode for this claim id
        share_value = text if offer_share and not share else None
        target = blocks.OverrideTarget(*claim_reference(parsed.claim), ruleset_version=ruleset.version)
        return Reply(blocks.check_report(report, parsed, share_value, target), "check", private=not share)

    def _ask(self, question: str) -> Reply:
        if not question.strip():
            return _notice("ask", "Ask a coding question after the command, e.g. `/derm ask can I bill 17000 and 17003 on the same day?`")
        return Reply(blocks.answer(ask(question, self.ruleset())), "ask")

    def _suggest(self, text: str) -> Reply:
        hint = "For example `/derm suggest mohs cheek stages 7,3`."
        text = text.strip()
        try:
            if text.startswith("{"):
                request: SuggestRequest | None = SuggestRequest.model_validate_json(text)
            else:
                request = parse_procedure_text(text)
        except ValidationError:
            return _notice("suggest", f"I could not read that procedure description. {hint}")
        if request is None:
            return _notice("suggest", f"I could not tell which procedure that is. {hint}")
        try:
            result = suggest(request)
        except CodingError as e:
            return _notice("suggest", f"I need more facts to choose the code: {esc(e)}. {hint}")
        return Reply(blocks.suggestion(result), "suggest")

    def _rule(self, rule_id: str) -> Reply:
        rules = all_rules()
        rule_id = rule_id.strip()
        if not rule_id:
            return Reply(blocks.rules_list(rules.values()), "rule")
        r = rules.get(rule_id.upper())
        if r is None:
            return _notice("rule", f"There is no rule {esc(rule_id, 40)}. `/derm rule` lists them all.")
        return Reply(blocks.rule_message(r.id, rule_doc(r, *example(r.id))), "rule")
