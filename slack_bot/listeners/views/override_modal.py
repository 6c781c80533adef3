"""The Override modal was submitted: store the override, close the modal, confirm in the conversation. The same
submission replayed (Slack's signature stays valid for minutes) stores nothing more: its key is kept in the rules
store (``guards.view_key``)."""

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from ... import blocks
from ...clients import RetryingRespond
from ...guards import SeenKeys, view_key
from ...overrides import submitted


def override_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
    user = body.get("user", {}).get("id")
    seen: SeenKeys = context["seen"]
    result = submitted(user, view, first_time=lambda: seen.first_time(view_key(body)))
    if result.errors:
        ack(response_action="errors", errors=result.errors)
        return
    if result.duplicate:
        ack(response_action="clear")
        return
    if result.response_url:
        ack(response_action="clear")
        respond = RetryingRespond(response_url=result.response_url)
        for msg in result.messages or []:
            respond(response_type="ephemeral", replace_original=False, **msg)
    else:  # no conversation to answer in: the modal itself confirms
        ack(response_action="update", view=blocks.override_done_modal(result.messages or []))
