"""The publish modal (the reason) was submitted: publish the pending rules workbook."""

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from ...admin import RulesDesk


def admin_publish_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
    desk: RulesDesk = context["desk"]
    reason = ((view.get("state", {}).get("values", {}).get("reason") or {}).get("text") or {}).get("value") or ""
    desk.publish_submitted(body.get("user", {}).get("id"), str(view.get("private_metadata") or ""), reason, client, ack)
