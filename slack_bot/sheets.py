"""Charge sheets dropped in a DM: screen the upload, download it, take the patient identifiers out
(``deidentify``), check the copy with ``charge_sheets.check_sheet`` after the event was acknowledged, report
progress, reply with the annotated workbook and say which columns were taken out.

The bot only decides what it downloads (a spreadsheet name, a sane size, from Slack, with the bot
token); ``check_sheet`` itself refuses files that are not what their name says, and zip bombs, with a
``SheetError`` whose message is shown to the user. A file's name is shown back only when it holds no
identifier itself (``Doe_Jane_DOB.xlsx`` becomes "your file").
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient

from derm_core.rulebook import looks_like_rulebook
from derm_core.sheets.workbook import SheetError

from . import blocks
from .blocks import esc
from .clients import describe
from .deidentify import strip_identifiers
from .phi import file_name_is_safe

log = logging.getLogger("slack_bot.sheets")

SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
MAX_FILE_BYTES = 20 * 1024 * 1024
PROGRESS_EVERY = 2.0  # seconds between progress updates


class SheetRejected(Exception):
    """An upload the bot will not read; the message is shown to the user."""


def screen(name: str, size: int | None) -> str:
    """The file's suffix, if the name and declared size are those of a charge sheet.

    >>> screen("march.xlsx", 1000)
    '.xlsx'
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SHEET_SUFFIXES:
        raise SheetRejected(
            "I can check charge sheets saved as .xlsx or .csv (also .xls and .ods); please save the file in one of those formats."
        )
    if size is not None and size > MAX_FILE_BYTES:
        raise SheetRejected(f"That file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; please split the charge sheet.")
    return suffix


def download(url: str, token: str | None, dest: Path, trusted_hosts: set[str]) -> None:
    """Fetch a Slack file with the bot token, stopping at the size limit."""
    if urlsplit(url).hostname not in trusted_hosts:
        raise SheetRejected("I can only read files shared in Slack.")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    got = 0
    with urllib.request.urlopen(request, timeout=30) as response, dest.open("wb") as out:
        while chunk := response.read(65536):
            got += len(chunk)
            if got > MAX_FILE_BYTES:
                raise SheetRejected(f"That file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; please split the charge sheet.")
            out.write(chunk)


def trusted_hosts(api_url: str | None) -> set[str]:
    hosts = {"files.slack.com"}
    if api_url:
        hosts.add(urlsplit(api_url).hostname or "")
    return hosts


RulebookHandler = Callable[[Path, str], None]


def resolve_file(client: WebClient, file: dict[str, Any], channel: str, thread_ts: str) -> dict[str, Any] | None:
    """The shared file's object: as the event gave it, or from ``files.info`` when Slack sent only its id and
    ``file_access: check_file_info``. None (and a reply saying so) when the file cannot be seen."""
    if file.get("file_access") == "check_file_info" or (file.get("id") and not file.get("name")):
        try:
            found = client.files_info(file=str(file.get("id") or ""))
            info = found.get("file") or {}
        except Exception as e:
            log.error("files.info failed: %s", describe(e))
            info = {}
        if not info.get("name") or not (info.get("url_private_download") or info.get("url_private")):
            text = "I can't open that file (Slack did not give me access to it). Share it again in this DM, or check it with `derm sheet check`."
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, **blocks.notice(text, ":warning:")[0])
            return None
        return dict(info)
    return file


def check_shared_file(
    bot: Any,
    client: WebClient,
    channel: str,
    thread_ts: str,
    file: dict[str, Any],
    api_url: str | None,
    rulebook: RulebookHandler | None = None,
) -> None:
    """The whole job for one file: runs on the bot's sheet workers, after the event was acknowledged.

    ``rulebook``: called with the downloaded file and its name when the file is the rules workbook (its sheet
    names say so) rather than a charge sheet; the rules administration takes it from there."""
    name = str(file.get("name") or "sheet")
    shown = name if file_name_is_safe(name) else "your file"
    progress_ts: str | None = None

    def say(msg: blocks.Message) -> None:
        if progress_ts:
            client.chat_update(channel=channel, ts=progress_ts, **msg)
        else:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, **msg)

    try:
        suffix = screen(name, file.get("size"))
        stem = re.sub(r"[^\w.-]+", "_", Path(name).stem)[:80] if shown == name else "charges"  # safe as a file name
        url = str(file.get("url_private_download") or file.get("url_private") or "")
        with tempfile.TemporaryDirectory(prefix="derm-sheet-") as tmp:
            stem = stem or "charges"
            source = Path(tmp) / f"{stem}{suffix}"  # messages about the file name it so
            output = Path(tmp) / f"{stem}-checked.xlsx"
            (Path(tmp) / "copy").mkdir()
            downloaded = False
            if rulebook is not None and suffix in (".xlsx", ".xlsm"):
                download(url, client.token, source, trusted_hosts(api_url))
                downloaded = True
                if looks_like_rulebook(source):
                    rulebook(source, name if shown == name else "rules workbook")
                    return
            if bot.sheet_checker is None:
                raise SheetRejected(
                    "Charge sheets are not supported yet. Paste a claim's codes instead, or check the sheet with `derm sheet check`."
                )
            progress_ts = client.chat_postMessage(channel=channel, thread_ts=thread_ts, **blocks.sheet_progress(shown))["ts"]
            if not downloaded:
                download(url, client.token, source, trusted_hosts(api_url))
            stripped = strip_identifiers(source, Path(tmp) / "copy" / f"{stem}.xlsx")
            last = time.monotonic()

            def progress(done: int, total: int) -> None:
                nonlocal last
                if time.monotonic() - last >= PROGRESS_EVERY:
                    last = time.monotonic()
                    say(blocks.sheet_progress(shown, done, total))

            summary = bot.sheet_checker(stripped.path, output, bot.ruleset(), progress=progress)
            client.files_upload_v2(channel=channel, thread_ts=thread_ts, file=str(output), filename=output.name, title=output.name)
            say(blocks.sheet_summary(shown, summary, stripped)[0])
            log.info("charge sheet: %d identifier column(s) taken out", len(stripped.removed))
        log.info("charge sheet checked")
    except SheetRejected as e:
        say(blocks.notice(str(e), ":warning:")[0])
    except SheetError as e:  # the file is not a usable charge sheet; the message says why, naming the file
        log.info("charge sheet refused")
        say(blocks.notice(f"I could not check that file: {esc(e, 600)}", ":warning:")[0])
    except Exception as e:
        log.error("charge sheet failed: %s", describe(e))
        say(blocks.notice("I could not check that file as a charge sheet. Nothing was kept.", ":warning:")[0])
