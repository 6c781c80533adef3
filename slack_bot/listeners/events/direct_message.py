"""Direct messages: text is answered in the thread; a shared charge sheet is checked after the ack, and a
shared rules workbook goes to the rules administration (admins only), and a shared remittance file (.835,
.txt, .zip) to the denial analysis (billing managers only)."""

from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from ... import denials
from ...admin import RulesDesk
from ...bot import DermBot
from ...sheets import check_shared_file
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
        user, comment = event.get("user"), event.get("text") or ""
        if denials.is_remittance(str(files[0].get("name") or "")):
            bot.sheet_jobs.submit(
                denials.remittance_shared, client, channel, thread_ts, files[0], user, desk.directory, context.get("api_url")
            )
            return

        def rulebook(path: Path, name: str) -> None:  # the rules workbook, not a charge sheet: rules administration
            desk.workbook_uploaded(client, channel, thread_ts, user, path, name, comment)

        # Slow work runs on the bot's own workers so that it never holds up acknowledgements.
        bot.sheet_jobs.submit(check_shared_file, bot, client, channel, thread_ts, files[0], context.get("api_url"), rulebook)
        return
    # A DM is private already: checks are posted there without a Share button.
    reply = bot.reply(event.get("text") or "", offer_share=False)
    reply.private = False
    post_in_thread(client, reply, channel, event.get("user"), thread_ts)
