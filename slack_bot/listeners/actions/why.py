"""The Why? button on a finding: the rule's documentation in a modal (pushed on top when the finding is in a modal)."""

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from ...bot import DermBot
from ..modals import show_modal


def why(ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
    ack()
    bot: DermBot = context["derm"]
    show_modal(client, body, bot.rule_modal(str(action.get("value") or "")))
