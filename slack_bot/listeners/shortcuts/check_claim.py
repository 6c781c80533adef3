"""*Check this claim* on a message (the result goes privately to the person who used it), and the
global *Check a claim* shortcut that opens a modal to paste one into."""

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from ... import blocks
from ...bot import DermBot


def check_claim_message(ack: Ack, shortcut: dict[str, Any], respond: Respond, context: dict[str, Any]) -> None:
    ack()
    bot: DermBot = context["derm"]
    reply = bot.check((shortcut.get("message") or {}).get("text") or "")
    for msg in reply.messages:
        respond(response_type="ephemeral", replace_original=False, **msg)


def check_claim_modal(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    ack()
    client.views_open(trigger_id=shortcut["trigger_id"], view=blocks.claim_input_modal())
