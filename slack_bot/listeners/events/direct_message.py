"""Direct messages: text is answered in the thread; a shared file is handled on the bot's pool of slow jobs after
the event was acknowledged: a charge sheet is checked, the rules workbook goes to the rules administration (admins
only), a remittance file (.835, .txt, .zip) to the denial analysis (billing managers only). A file that arrives as
``file_access: check_file_info`` is looked up with ``files.info`` first."""

from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from ... import blocks, denials
from ...admin import RulesDesk
from ...bot import DermBot
from ...jobs import BUSY
from ...sheets import check_shared_file, resolve_file
from .app_mention import post_in_thread

IGNORED_SUBTYPES = {"message_changed", "message_deleted", "bot_message", "channel_join", "thread_broadcast"}


def direct_message(event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
    if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype") in IGNORED_SUBTYPES:
        return
    bot: DermBot = context["derm"]
    channel, thread_ts = event["channel"], event.get("thread_ts") or event["ts"]
    files = event.get("files") or []
    if files:
        desk: RulesDesk = context["desk"]
        job = bot.jobs.submit(
            "shared file", file_shared, bot, desk, client, channel, thread_ts, files[0], event.get("user"), event.get("text") or "", context
        )
        if job is None:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, **blocks.notice(BUSY, ":hourglass:")[0])
        return
    # A DM is private already: checks are posted there without a Share button.
    reply = bot.reply(event.get("text") or "", offer_share=False, source="message")
    reply.private = False
    post_in_thread(client, reply, channel, event.get("user"), thread_ts)


def file_shared(
    bot: DermBot,
    desk: RulesDesk,
    client: WebClient,
    channel: str,
    thread_ts: str,
    file: dict[str, Any],
    user: str | None,
    comment: str,
    context: dict[str, Any],
) -> None:
    """The job for one shared file (runs after the event was acknowledged)."""
    resolved = resolve_file(client, file, channel, thread_ts)
    if resolved is None:
        return
    file = resolved
    api_url = context.get("api_url")
    if denials.is_remittance(str(file.get("name") or "")):
        denials.remittance_shared(client, channel, thread_ts, file, user, desk.directory, api_url)
        return

    def rulebook(path: Path, name: str) -> None:  # the rules workbook, not a charge sheet: rules administration
        desk.workbook_uploaded(client, channel, thread_ts, user, path, name, comment)

    check_shared_file(bot, client, channel, thread_ts, file, api_url, rulebook)
