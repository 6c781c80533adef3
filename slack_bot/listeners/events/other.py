"""Events the bot does not act on (a subscription added in the app's settings, an event type Slack adds): they are
acknowledged with 200, so that Slack does not retry them, and nothing else happens."""

from typing import Any


def other_event(event: dict[str, Any]) -> None:
    return None
