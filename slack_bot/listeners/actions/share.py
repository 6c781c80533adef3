"""The Share button on a private claim check: the user asks to show it to the channel. The button carries the parsed
claim written out again (``bot.share_text``), never the text that was pasted, and it is screened again here."""

from typing import Any

from slack_bolt import Ack, Respond

from ...bot import DermBot


def share(ack: Ack, action: dict[str, Any], respond: Respond, context: dict[str, Any]) -> None:
    ack()
    bot: DermBot = context["derm"]
    reply = bot.check(str(action.get("value") or ""), offer_share=False, share=True, source="command")
    response_type = "ephemeral" if reply.private else "in_channel"
    for msg in reply.messages:
        respond(response_type=response_type, replace_original=False, **msg)
