"""The App Home tab: what the bot does, the ruleset version and the data behind it."""

from typing import Any

from slack_sdk import WebClient

from ...bot import DermBot


def app_home_opened(event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
    if event.get("tab", "home") != "home":
        return
    bot: DermBot = context["derm"]
    client.views_publish(user_id=event["user"], view=bot.home())
