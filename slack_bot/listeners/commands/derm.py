"""``/derm ask|check|suggest|rule|help`` and bare ``/derm <text>``.

Replies are ephemeral unless the user asked to share; the first message goes back in the
acknowledgement itself (well within 3 seconds: the work is local and bounded), further parts of a
long report through ``respond()``.
"""

from typing import Any

from slack_bolt import Ack, Respond

from ...bot import DermBot


def derm_command(ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]) -> None:
    bot: DermBot = context["derm"]
    reply = bot.reply(command.get("text") or "")
    # Only a claim check the user chose to share goes to the channel; everything else stays private.
    response_type = "in_channel" if reply.kind == "check" and not reply.private else "ephemeral"
    first, *rest = reply.messages
    ack(response_type=response_type, **first)
    for msg in rest:
        respond(response_type=response_type, **msg)
