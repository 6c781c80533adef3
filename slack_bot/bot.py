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
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from derm_core import service
from derm_core.coding import CodingError, SuggestRequest, suggest
from derm_core.engine import all_rules, data_versions, warm_up
from derm_core.faq import ask
from derm_core.models import Claim
from derm_core.question_facts import parse_procedure_text
from derm_core.render import rule_doc
from derm_core.rulecases import example
from derm_core.ruleset import Ruleset
from derm_core.textclaim import ParsedText, TextParseError, is_claim_id, parse_claim_text
from derm_core.textfacts import facts_text
from derm_core.vocab import KNOWN_PAYERS

from . import blocks
from .blocks import Message, esc
from .jobs import Jobs
from .overrides import claim_reference
from .phi import identifiers

log = logging.getLogger("slack_bot")

MAX_INPUT = 20_000  # characters; Slack messages can hold 40,000
SUBCOMMANDS = ("ask", "check", "suggest", "rule", "help")
QUESTION_WORDS = {
    "what", "how", "can", "when", "should", "is", "are", "do", "does", "why", "which", "who", "where", "may", "must", "will",
    "would", "could", "if", "explain", "tell",
}  # fmt: skip
_RULE_ID = re.compile(r"^(?:DRM|SHT|TXT)\d{3}$", re.I)
EXAMPLE_CLAIM = "`/derm check 99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare`"

SheetChecker = Callable[..., Any]
# Where the text came from, which decides what a refusal asks of the user: a message (a DM, a mention) stays in
# Slack until it is deleted; a message a colleague posted (the message shortcut) only its author can delete; the
# text of a slash command, a modal or ``derm chat`` is not kept as a message.
Source = Literal["command", "message", "shortcut", "modal", "chat"]
DELETE_REQUEST = {
    "message": " Slack keeps your message, so please delete it now (hover over it, open *More actions* and choose *Delete message*).",
    "shortcut": " Slack keeps that message: please ask its author to delete it (or delete it yourself if it is yours).",
}


def known_payers(ruleset: Ruleset) -> frozenset[str]:
    """Payer names a reply may show (lower case): the vocabulary's and those the ruleset's tables name. Any other
    name typed as a payer is free text, and is shown as its type only."""
    hit = _PAYERS.get(id(ruleset))
    if hit is None or hit[0] is not ruleset:
        names = {n.casefold() for n in KNOWN_PAYERS.values()}
        for table in ("prior_authorization", "payer_policies", "unit_limits", "cosmetic", "rule_overrides"):
            names |= {str(row.payer).casefold() for row in getattr(ruleset, table, []) if getattr(row, "payer", "*") != "*"}
        if len(_PAYERS) > 8:
            _PAYERS.clear()
        hit = _PAYERS[id(ruleset)] = (ruleset, frozenset(names))
    return hit[1]


_PAYERS: dict[int, tuple[Ruleset, frozenset[str]]] = {}
_PAYER_KEYS = {name.casefold(): key for key, name in reversed(list(KNOWN_PAYERS.items()))}
_PAYER_TYPES = {"medicare": "medicare", "medicaid": "medicaid", "commercial": "commercial", "self_pay": "selfpay"}


def share_text(claim: Claim, payers: frozenset[str] = frozenset()) -> str:
    """The parsed claim written out again as a pasted claim (what the Share button carries, never the text that was
    pasted): claim id, diagnoses, lines with modifiers, units, their diagnoses and the facts read for them, prior
    auth and dates, the payer
    (its name only when it is one the bot knows), the date of service. ``parse_claim_text`` reads it back as the
    same claim.

    >>> from derm_core.textclaim import parse_claim_text
    >>> share_text(parse_claim_text("17000 L57.0 Jdoe; 17003 x14; medicare 2026-03-02").claim)
    '2026-03-02; L57.0; 17000 L57.0; 17003 x14; medicare'
    """
    parts = [f"claim {claim.claim_id}"] if claim.claim_id else []
    if claim.date_of_service:
        parts.append(claim.date_of_service.isoformat())  # first: the first date read is the claim's
    if claim.diagnoses:
        parts.append(" ".join(claim.diagnoses))  # before any line: the claim's own diagnoses, in their order
    for ln in claim.lines:
        words = [ln.code + "".join(f"-{m}" for m in ln.modifiers)]
        if ln.units != 1:
            words.append(f"x{ln.units}")
        words += ln.dx or []
        words += facts_text(ln.facts.model_dump(mode="json", exclude_none=True))  # what was read from the text
        if ln.prior_auth:
            words += ["auth", ln.prior_auth if is_claim_id(ln.prior_auth) else "given"]
        if ln.date_of_service:
            words += ["dos", ln.date_of_service.isoformat()]  # a line's own date is read only after dos
        parts.append(" ".join(words))
    if claim.rendering_npi:
        parts.append(f"npi {claim.rendering_npi}")
    if claim.payer:
        payer = [_PAYER_TYPES.get(claim.payer.type.value, "commercial")]
        name = claim.payer.name
        if name and name.casefold() in _PAYER_KEYS:
            payer.append(_PAYER_KEYS[name.casefold()])
        elif name and name.casefold() in payers and is_payer_words(name):
            payer += ["payer", name]
        parts.append(" ".join(payer))
    return "; ".join(parts)


def _after_command(text: str) -> str:
    """The text after its leading subcommand words (``share check``, ``ask``, ...), as the detector should read it.

    >>> _after_command("share check 17000 L57.0"), _after_command("17000 check")
    ('17000 L57.0', '17000 check')
    """
    words = text.split(None, 1)
    while len(words) > 1 and words[0].lower() in (*SUBCOMMANDS, "share"):
        text = words[1]
        words = text.split(None, 1)
    return text


def is_payer_words(name: str) -> bool:
    """A payer name that reads back as a payer after ``payer`` (words of letters, no code or date in it)."""
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z&'./ -]{0,80}", name))


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
        self.jobs = Jobs()  # slow work (sheets, remittances, rules, denials), never on the threads that acknowledge

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

    def reply(self, text: str, *, offer_share: bool = True, source: Source = "command") -> Reply:
        """Answer ``/derm <text>`` (also mentions and DMs, ``source="message"``, and ``derm chat``).

        >>> DermBot(sheet_checker=None).reply("help").kind
        'help'
        """
        return self._guarded("reply", lambda: self._screened(text or "", source, lambda t: self._route(t, offer_share)))

    def check(self, text: str, *, offer_share: bool = True, share: bool = False, source: Source = "shortcut") -> Reply:
        """Check ``text`` as a pasted claim (the message shortcut, the Share button, the modal)."""
        return self._guarded("check", lambda: self._screened(text or "", source, lambda t: self._check(t, None, offer_share, share)))

    def rule_modal(self, rule_id: str) -> dict[str, Any]:
        r = all_rules().get(rule_id.strip().upper())
        if r is None:
            return blocks.rule_modal("rule", "There is no rule by that name.")
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

    def _screened(self, text: str, source: Source, then: Callable[[str], Reply]) -> Reply:
        """Refuse what the bot must not read (too long, binary, patient identifiers); else go on with the text,
        unescaped (Slack sends ``&``, ``<``, ``>`` as entities; every reply escapes them again). A refusal names
        the kinds of identifier, never the text, and asks for the message to be deleted where Slack keeps it."""
        if len(text) > MAX_INPUT:
            return _notice(
                "too_long", f"That is too long for me ({len(text):,} characters; at most {MAX_INPUT:,}). Paste one claim at a time."
            )
        if "\x00" in text:
            return _notice("binary", "That looks like binary data, not text. Paste the claim's codes as text.")
        found = identifiers(_after_command(text))  # read without "check": "check 5551234567" is no check number
        if found:
            log.info("refused: patient identifiers (%s)", ", ".join(found))
            return _notice(
                "phi",
                f"This looks like it holds patient identifiers ({', '.join(found)}), so I did not read it and I keep "
                f"nothing of it.{DELETE_REQUEST.get(source, '')} {blocks.PHI_REMINDER} For example {EXAMPLE_CLAIM}.",
                emoji=":lock:",
            )
        return then(blocks.unescape(text).strip())

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
        except TextParseError:  # its message may quote the text: our own words instead
            return _notice(
                "check", f"I could not read a claim there: no procedure code (such as 17000 or J3301). For example {EXAMPLE_CLAIM}."
            )
        except ValidationError:
            return _notice(
                "check", "Part of that claim has a value I cannot use (for example an impossible date). Please check it and try again."
            )
        ruleset = self.ruleset()
        # with the TXT findings for what was read only in part, and the findings billers overrode for this claim id
        [report] = service.check_text(parsed, ruleset).claims
        payers = known_payers(ruleset)
        share_value = share_text(parsed.claim, payers) if offer_share and not share else None
        target = blocks.OverrideTarget(*claim_reference(parsed.claim), ruleset_version=ruleset.version)
        return Reply(blocks.check_report(report, parsed, share_value, target, payers), "check", private=not share)

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
            named = f"rule {esc(rule_id.upper())}" if _RULE_ID.match(rule_id) else "rule by that name"  # never echo free text
            return _notice("rule", f"There is no {named}. `/derm rule` lists them all.")
        return Reply(blocks.rule_message(r.id, rule_doc(r, *example(r.id))), "rule")
