"""The Override modal was submitted: store the override, close the modal, confirm in the conversation."""

from typing import Any

from slack_bolt import Ack
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from ... import blocks
from ...overrides import submitted


def override_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    user = body.get("user", {}).get("id")
    result = submitted(user, view)
    if result.errors:
        ack(response_action="errors", errors=result.errors)
        return
    if result.response_url:
        ack(response_action="clear")
        respond = Respond(response_url=result.response_url)
        for msg in result.messages or []:
            respond(response_type="ephemeral", replace_original=False, **msg)
    else:  # no conversation to answer in: the modal itself confirms
        ack(response_action="update", view=blocks.override_done_modal(result.messages or []))
