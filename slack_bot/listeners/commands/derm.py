"""``/derm ask|check|suggest|rule|help``, bare ``/derm <text>``, ``/derm admin ...`` for rules admins and
``/derm denials [digest ...]`` for billing managers.

Replies are ephemeral unless the user asked to share; the first message goes back in the
acknowledgement itself (well within 3 seconds: the work is local and bounded), further parts of a
long report through ``respond()``. Admin commands may wait on the rules store and ``/derm denials`` reads
and charts the remittances, so they are acknowledged at once and answered through ``respond()``.
"""

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from ... import denials
from ...admin import RulesDesk
from ...bot import DermBot
from ...settings import Settings


def derm_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: dict[str, Any]) -> None:
    words = (command.get("text") or "").split(None, 1)
    if words and words[0].lower() == "admin":
        ack()
        desk: RulesDesk = context["desk"]
        for msg in desk.command(command.get("user_id"), words[1] if len(words) > 1 else "", client):
            respond(response_type="ephemeral", **msg)
        return
    if words and words[0].lower() == "denials":
        ack()
        desk = context["desk"]
        settings: Settings = context.get("settings") or Settings()
        for msg in denials.command(command.get("user_id"), words[1] if len(words) > 1 else "", client, settings, desk.directory):
            respond(response_type="ephemeral", **msg)
        return
    bot: DermBot = context["derm"]
    reply = bot.reply(command.get("text") or "")
    # Only a claim check the user chose to share goes to the channel; everything else stays private.
    response_type = "in_channel" if reply.kind == "check" and not reply.private else "ephemeral"
    first, *rest = reply.messages
    ack(response_type=response_type, **first)
    for msg in rest:
        respond(response_type=response_type, **msg)
