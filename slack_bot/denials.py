"""Denial patterns in Slack, for the billing managers (the users and groups in ``DERM_SLACK_ADMINS``).

* ``/derm denials``: analyses the remittances folder (``DERM_REMITTANCES_DIR``), answers privately with the
  summary and sends the chart to the user's DM.
* A remittance file (.835, an 835 saved as .txt, a zip of them) dropped in a DM: the same summary and chart, in
  the file's thread.
* ``/derm denials digest <#channel>|off``: where the digest goes, kept in the rules store (so every replica of the
  bot, and the cron job, read the same); ``post_digest(client, settings)`` posts it (run weekly by
  ``derm denials digest --post`` from cron).

Everything posted comes from :mod:`derm_core.denials.slack_summary`: aggregated figures only (reasons, codes,
payers, months, KPIs), never claim numbers, patients, member ids or dates of birth. Reading problems are
counted, not quoted. Logs get kinds and counts only.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from . import blocks
from .blocks import Message
from .settings import Settings
from .sheets import MAX_FILE_BYTES, SheetRejected, download, trusted_hosts

if TYPE_CHECKING:
    from derm_core.denials.analysis import Analysis

    from .admin import AdminDirectory

log = logging.getLogger("slack_bot.denials")

REMITTANCE_SUFFIXES = (".835", ".txt", ".zip", ".edi", ".x12")
DIGEST_NAME = "denials-digest.json"
DIGEST_KEY = "denials_digest"  # the store's slack_settings key
CHART_NAME = "denials-chart.png"
CHART_TITLE = "Denied dollars by reason and by month"
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]{2,30})(?:\|[^>]*)?>$|^([CG][A-Z0-9]{2,30})$")


class Unavailable(Exception):
    """Nothing to analyse or nowhere to post; the message (our own wording) is shown to the user."""


def is_remittance(name: str) -> bool:
    """Whether a file dropped in a DM goes to the denial analysis (charge sheets are .xlsx/.xlsm/.csv).

    >>> is_remittance("ERA-week12.835"), is_remittance("march.zip"), is_remittance("sheet.xlsx")
    (True, True, False)
    """
    return Path(name).suffix.lower() in REMITTANCE_SUFFIXES


# --- the analysis and what is posted ------------------------------------------------------------------------


def analyse_folder(settings: Settings) -> Analysis:
    """The analysis of everything in the remittances folder; ``Unavailable`` when it is not set, missing or empty."""
    from derm_core.denials.analysis import analyze
    from derm_core.denials.sources import read_paths

    if not settings.remittances_dir:
        raise Unavailable(
            "The remittances folder is not set up yet: the bot's `DERM_REMITTANCES_DIR` setting names the folder of 835 files to analyse."
        )
    folder = Path(settings.remittances_dir).expanduser()
    if not folder.is_dir():
        raise Unavailable("The remittances folder (the bot's `DERM_REMITTANCES_DIR` setting) does not exist or is not a folder.")
    if not any(f.is_file() and not f.name.startswith(".") for f in folder.rglob("*")):
        raise Unavailable("The remittances folder (the bot's `DERM_REMITTANCES_DIR` setting) is empty: put the payers' 835 files there.")
    read = read_paths([folder])
    if not read.claims:
        raise Unavailable(
            f"No remittance claims could be read from the remittances folder ({len(read.problems)} reading problem(s); `derm denials analyze` names them)."
        )
    log.info("denials: %d files, %d claims, %d reading problems", read.files, len(read.claims), len(read.problems))
    return analyze(read)


def summary_message(a: Analysis, title: str | None = None) -> Message:
    """The summary blocks with a fallback text; ``title`` replaces the header's "Denials" (e.g. for the digest)."""
    from derm_core.denials.slack_summary import denials_summary_blocks

    found = denials_summary_blocks(a)
    if title:
        found[0]["text"]["text"] = found[0]["text"]["text"].replace("Denials", title, 1)[:150]
    problems = len(a.read.problems)
    if problems:
        note = f":warning: {problems} file(s) or segment(s) could not be read and were left out; `derm denials analyze` names them."
        found.insert(len(found) - 1, blocks.context(note))
    t = a.totals
    text = (
        f"{title or 'Denials'}: {int(t.get('denied_claims', 0))} of {int(t.get('claims', 0))} claims had a denial, "
        f"${t.get('denied_amount', 0):,.2f} denied."
    )
    return blocks.message(found, text)


def send_chart(client: WebClient, channel: str, a: Analysis, thread_ts: str | None = None) -> None:
    from derm_core.denials.slack_summary import chart_png

    client.files_upload_v2(channel=channel, thread_ts=thread_ts, content=chart_png(a), filename=CHART_NAME, title=CHART_TITLE)


def refused(configured: bool) -> list[Message]:
    why = (
        "Denial reports are for the billing managers, and you are not one of them."
        if configured
        else "No billing managers are set up for this bot yet (the bot's `DERM_SLACK_ADMINS` setting)."
    )
    return blocks.notice(f"Sorry, I can't show you that. {why} Ask a billing manager for this week's figures.", ":lock:")


# --- /derm denials ------------------------------------------------------------------------------------------


def command(user: str | None, text: str, client: WebClient, settings: Settings, directory: AdminDirectory) -> list[Message]:
    """``/derm denials [digest ...]`` after the acknowledgement: the ephemeral replies (the chart goes to the DM)."""
    if not directory.is_admin(user, client):
        log.info("denials refused")
        return refused(directory.configured)
    assert user is not None
    words = text.split()
    if words and words[0].lower() == "digest":
        return digest_command(user, words[1:], settings)
    try:
        a = analyse_folder(settings)
    except Unavailable as e:
        return blocks.notice(str(e), ":warning:")
    except Exception as e:
        log.error("denials analysis failed: %s", type(e).__name__)
        return blocks.notice("Sorry, the remittances could not be analysed. Try `derm denials analyze` on the server.", ":warning:")
    try:
        dm = client.conversations_open(users=user)["channel"]["id"]
        send_chart(client, dm, a)
        chart_note = "The chart is in our DM."
    except Exception as e:
        log.error("denials chart not sent: %s", type(e).__name__)
        chart_note = "The chart could not be sent."
    msg = summary_message(a)
    msg["blocks"].append(blocks.context(chart_note))
    return [msg]


# --- the weekly digest --------------------------------------------------------------------------------------


def digest_path(settings: Settings) -> Path:
    """Where earlier versions kept the digest channel, read while the store has none: ``DERM_DIGEST_FILE``, else
    ``denials-digest.json`` next to the rules store (its folder for SQLite, else the data folder)."""
    if settings.digest_file:
        return Path(settings.digest_file).expanduser()
    from derm_core.settings import settings as derm_settings
    from derm_core.store import default_path

    url = derm_settings().rules_db or ""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :]).parent / DIGEST_NAME
    if url and "://" not in url:
        return Path(url).expanduser().parent / DIGEST_NAME
    return default_path().parent / DIGEST_NAME


def digest_channel(settings: Settings) -> str | None:
    """The channel the digest goes to (None: off), from the rules store; while the store has never had one, from the
    file earlier versions kept it in (``digest_path``)."""
    from derm_core import live

    stored = live.rules_store().slack_setting(DIGEST_KEY)
    if stored is not None:
        return str((stored["value"] or {}).get("channel") or "") or None
    try:
        return str(json.loads(digest_path(settings).read_text()).get("channel") or "") or None
    except (OSError, ValueError, AttributeError):
        return None


def set_digest_channel(settings: Settings, channel: str | None, user: str) -> None:
    from derm_core import live

    live.rules_store().set_slack_setting(DIGEST_KEY, {"channel": channel}, set_by=f"slack:{user}")


def digest_command(user: str, args: list[str], settings: Settings) -> list[Message]:
    """``digest`` (where it goes), ``digest off``, ``digest <#C123|name>`` or ``digest C123``."""
    if not args:
        current = digest_channel(settings)
        where = f"goes to <#{current}>" if current else "is off"
        return blocks.notice(
            f"The weekly denials digest {where}. `/derm denials digest #channel` sets it, `/derm denials digest off` stops it."
        )
    if args[0].lower() == "off":
        set_digest_channel(settings, None, user)
        log.info("denials digest turned off")
        return blocks.notice("The weekly denials digest is off.")
    m = _CHANNEL.match(args[0])
    if not m:
        return blocks.notice(
            "Pick the channel from the list as you type `#` (or give its id, like `C0123ABC`): `/derm denials digest #billing`.",
            ":thinking_face:",
        )
    channel = m.group(1) or m.group(2)
    set_digest_channel(settings, channel, user)
    log.info("denials digest channel set")
    return blocks.notice(
        f"The weekly denials digest goes to <#{channel}> (aggregated figures only). "
        "Invite me to that channel; `derm denials digest --post` posts it (run it weekly from cron).",
        ":white_check_mark:",
    )


def post_digest(client: WebClient, settings: Settings) -> str:
    """Post the digest (summary and chart) to the channel an admin set; returns the channel. ``Unavailable`` when
    no channel is set or there is nothing to analyse."""
    channel = digest_channel(settings)
    if not channel:
        raise Unavailable("No digest channel is set: a billing manager sets one with `/derm denials digest #channel`.")
    a = analyse_folder(settings)
    client.chat_postMessage(channel=channel, **summary_message(a, title="Weekly denials digest"))
    send_chart(client, channel, a)
    log.info("denials digest posted")
    return channel


# --- a remittance file dropped in a DM ----------------------------------------------------------------------


def remittance_shared(
    client: WebClient, channel: str, thread_ts: str, file: dict[str, Any], user: str | None, directory: AdminDirectory, api_url: str | None
) -> None:
    """The job for one remittance file in a DM (on the bot's workers, after the acknowledgement)."""
    from derm_core.denials.analysis import analyze
    from derm_core.denials.sources import read_bytes

    def say(msg: Message) -> None:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, **msg)

    try:
        if not directory.is_admin(user, client):
            log.info("denials refused")
            say(refused(directory.configured)[0])
            return
        name = str(file.get("name") or "remittance.835")
        size = file.get("size")
        if size is not None and int(size) > MAX_FILE_BYTES:
            raise SheetRejected(f"That file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; please split it or zip it.")
        url = str(file.get("url_private_download") or file.get("url_private") or "")
        with tempfile.TemporaryDirectory(prefix="derm-remit-") as tmp:
            source = Path(tmp) / "remittance"
            download(url, client.token, source, trusted_hosts(api_url))
            read = read_bytes(source.read_bytes(), Path(name).name)
        if not read.claims:
            say(
                blocks.notice(
                    "I could not read any remittance claims from that file. Send an 835 file (.835 or .txt) or a zip of them.", ":warning:"
                )[0]
            )
            return
        a = analyze(read)
        say(summary_message(a))
        send_chart(client, channel, a, thread_ts)
        log.info("remittance file analysed: %d claims, %d reading problems", len(read.claims), len(read.problems))
    except SheetRejected as e:
        say(blocks.notice(str(e), ":warning:")[0])
    except Exception as e:
        log.error("remittance file failed: %s", type(e).__name__)
        say(blocks.notice("I could not analyse that file. Nothing was kept.", ":warning:")[0])
