"""``@derm <text>`` in a channel: answered in the thread; claim checks only to the person who asked."""

import re
from typing import Any

from slack_sdk import WebClient

from ...bot import DermBot, Reply

_MENTION = re.compile(r"^\s*(?:<@[A-Z0-9]+(?:\|[^>]*)?>\s*)+")


def post_in_thread(client: WebClient, reply: Reply, channel: str, user: str | None, thread_ts: str) -> None:
    """Post ``reply`` in a thread: privately (ephemeral) when it echoes a claim, else for everyone."""
    for msg in reply.messages:
        if reply.private and user:
            client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **msg)
        else:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, **msg)


def app_mention(event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
    bot: DermBot = context["derm"]
    reply = bot.reply(_MENTION.sub("", event.get("text") or ""), source="message")
    post_in_thread(client, reply, event["channel"], event.get("user"), event.get("thread_ts") or event["ts"])
