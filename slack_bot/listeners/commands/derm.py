"""``/derm ask|check|suggest|rule|help``, bare ``/derm <text>``, ``/derm admin ...`` for rules admins and
``/derm denials [digest ...]`` for billing managers.

Replies are ephemeral unless the user asked to share; the first message goes back in the
acknowledgement itself (well within 3 seconds: the work is local and bounded), further parts of a
long report through ``respond()``. Admin commands wait on the rules store (an export uploads a workbook) and
``/derm denials`` reads and charts the remittances: they are acknowledged at once and run on the bot's own pool of
slow jobs, answering through ``respond()``.
"""

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from ... import blocks, denials
from ...admin import RulesDesk
from ...bot import DermBot
from ...jobs import BUSY
from ...settings import Settings


def derm_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: dict[str, Any]) -> None:
    words = (command.get("text") or "").split(None, 1)
    bot: DermBot = context["derm"]
    if words and words[0].lower() in ("admin", "denials"):
        ack()
        desk: RulesDesk = context["desk"]
        user, rest = command.get("user_id"), words[1] if len(words) > 1 else ""
        if words[0].lower() == "admin":
            work: Callable[[], list[blocks.Message]] = lambda: desk.command(user, blocks.unescape(rest), client)  # noqa: E731
        else:
            settings: Settings = context.get("settings") or Settings()
            work = lambda: denials.command(user, rest, client, settings, desk.directory)  # noqa: E731
        if bot.jobs.submit(f"/derm {words[0].lower()}", _answer, work, respond) is None:
            respond(response_type="ephemeral", **blocks.notice(BUSY, ":hourglass:")[0])
        return
    reply = bot.reply(command.get("text") or "")
    # Only a claim check the user chose to share goes to the channel; everything else stays private.
    response_type = "in_channel" if reply.kind == "check" and not reply.private else "ephemeral"
    first, *rest = reply.messages
    ack(response_type=response_type, **first)
    for msg in rest:
        respond(response_type=response_type, **msg)


def _answer(work: Callable[[], list[blocks.Message]], respond: Respond) -> None:
    for msg in work():
        respond(response_type="ephemeral", **msg)
