"""The **Override** button under a finding: a modal asks why (any biller may override; admins review the counts)."""

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from ... import blocks
from ...overrides import modal_for
from ..modals import in_a_modal, show_modal


def override(ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    view = modal_for(str(action.get("value") or ""), body.get("response_url"))
    if view is None:
        if in_a_modal(body):
            return
        respond(
            response_type="ephemeral",
            replace_original=False,
            **blocks.notice("That Override button is not valid any more; check the claim again.")[0],
        )
        return
    show_modal(client, body, view)
