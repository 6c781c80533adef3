"""The *Check a claim* modal was submitted: the result replaces the form, seen only by its user."""

from typing import Any

from slack_bolt import Ack

from ... import blocks
from ...bot import DermBot


def check_claim_submitted(ack: Ack, view: dict[str, Any], context: dict[str, Any]) -> None:
    bot: DermBot = context["derm"]
    text = view["state"]["values"]["claim"]["text"].get("value") or ""
    reply = bot.check(text, offer_share=False, source="modal")
    ack(response_action="update", view=blocks.result_modal(reply.messages))
