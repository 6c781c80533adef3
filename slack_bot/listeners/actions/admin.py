"""**Publish** and **Cancel** under an uploaded rules workbook's changes (admins only)."""

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from ...admin import RulesDesk


def publish(ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, respond: Respond, context: dict[str, Any]) -> None:
    ack()
    desk: RulesDesk = context["desk"]
    desk.publish_clicked(body.get("user", {}).get("id"), str(action.get("value") or ""), body["trigger_id"], client, respond)


def cancel(ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, respond: Respond, context: dict[str, Any]) -> None:
    ack()
    desk: RulesDesk = context["desk"]
    desk.cancel_clicked(body.get("user", {}).get("id"), str(action.get("value") or ""), client, respond)
