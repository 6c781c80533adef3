"""The publish modal (the reason) was submitted: publish the pending rules workbook, after the acknowledgement, on the
bot's pool of slow jobs. A replayed submission is acknowledged and ignored."""

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from ...admin import RulesDesk
from ...bot import DermBot
from ...guards import SeenKeys, view_key


def admin_publish_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
    desk: RulesDesk = context["desk"]
    bot: DermBot = context["derm"]
    seen: SeenKeys = context["seen"]
    if not seen.first_time(view_key(body)):
        ack(response_action="clear")
        return
    values = view.get("state", {}).get("values", {})
    reason = ((values.get("reason") or {}).get("text") or {}).get("value") or ""
    confirmation = ((values.get("confirm") or {}).get("text") or {}).get("value") or ""
    desk.publish_submitted(
        body.get("user", {}).get("id"),
        str(view.get("private_metadata") or ""),
        reason,
        client,
        ack,
        run=lambda work: bot.jobs.submit("publish", work) is not None,
        confirmation=confirmation,
    )
