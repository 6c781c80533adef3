"""Opening a modal from a button: ``views.open`` from a message, ``views.push`` from inside a modal (Slack refuses
``views.open`` there), so that Why? and Override work in the *Check a claim* result too."""

from typing import Any

from slack_sdk import WebClient


def in_a_modal(body: dict[str, Any]) -> bool:
    """Whether the button was pressed inside a modal (the payload's container is a view)."""
    return (body.get("container") or {}).get("type") == "view" or bool(body.get("view"))


def show_modal(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    if in_a_modal(body):
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)
