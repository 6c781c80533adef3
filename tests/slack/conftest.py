"""The real Bolt app, driven with signed requests, talking to a local double of Slack's Web API.

``send`` is parametrised: once in process (``app.dispatch(BoltRequest(...))``), once through the
HTTP server (uvicorn on loopback, port 0) receiving signed POSTs at ``/slack/events``.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import uvicorn
from slack_bolt.request import BoltRequest

from slack_bot.app import create_app
from slack_bot.bot import DermBot
from slack_bot.server import create_asgi
from slack_bot.settings import Settings
from slack_bot.testing import SlackApiDouble, signed_headers

SECRET = "test-signing-secret"
_ids = itertools.count(1)


@dataclass
class Response:
    status: int
    body: str
    seconds: float

    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}


ADMIN = "UADMIN1"  # a rules admin by user id
GROUP = "SADMINS1"  # a user group of rules admins
GROUP_ADMIN = "UGROUPADM"  # a member of it


@pytest.fixture(scope="session")
def slack():
    with SlackApiDouble() as double:
        double.usergroups[GROUP] = [GROUP_ADMIN, "UOTHER9"]
        yield double


@pytest.fixture(scope="session")
def derm_bot():
    return DermBot()  # with the Excel add-in's check_sheet


@pytest.fixture(scope="session")
def bolt_app(slack, derm_bot):
    settings = Settings(bot_token="xoxb-test", signing_secret=SECRET, api_url=slack.api_url.rstrip("/"), admins=f"{ADMIN},{GROUP}")
    return create_app(settings, bot=derm_bot)


class LoopbackServer:
    """uvicorn serving the ASGI app on 127.0.0.1, port 0, in a thread."""

    def __init__(self, asgi) -> None:
        self.server = uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def http_base(bolt_app):
    with LoopbackServer(create_asgi(bolt_app, signing_secret=SECRET)) as base:
        yield base


def post(url: str, body: str, headers: dict[str, str]) -> Response:
    start = time.perf_counter()
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return Response(r.status, r.read().decode(), time.perf_counter() - start)
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read().decode(), time.perf_counter() - start)


class Sender:
    """Sends signed Slack requests to the app, one way or the other, and builds their payloads."""

    def __init__(self, mode: str, app, slack: SlackApiDouble, base: str | None) -> None:
        self.mode, self.app, self.slack, self.base = mode, app, slack, base
        self.secret = SECRET

    def raw(self, body: str, headers: dict[str, str]) -> Response:
        if self.mode == "http":
            return post(f"{self.base}/slack/events", body, headers)
        start = time.perf_counter()
        r = self.app.dispatch(BoltRequest(body=body, headers={k: [v] for k, v in headers.items()}))
        return Response(r.status, r.body, time.perf_counter() - start)

    def signed(self, body: str, content_type: str = "application/x-www-form-urlencoded") -> Response:
        r = self.raw(body, signed_headers(body, SECRET, content_type=content_type))
        assert r.seconds < 3, "every request is acknowledged within 3 seconds"
        return r

    def command(self, text: str, user: str = "U1", channel: str = "C1", response_url: str | None = None) -> Response:
        """A signed ``/derm text``; its response_url is unique unless given, so that late calls of one test
        cannot be mistaken for another's."""
        return self.signed(
            urlencode(
                {
                    "token": "legacy",
                    "team_id": "T1",
                    "api_app_id": "A1",
                    "channel_id": channel,
                    "user_id": user,
                    "command": "/derm",
                    "text": text,
                    "response_url": response_url or self.slack.response_url(f"{self.mode}-{next(_ids)}"),
                    "trigger_id": "trigger-1",
                }
            )
        )

    def event(self, event: dict[str, Any], event_id: str | None = None) -> Response:
        body = {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids)}",
            "event_time": int(time.time()),
            "event": event,
        }
        return self.signed(json.dumps(body), "application/json")

    def interactive(self, payload: dict[str, Any], user: str = "U1") -> Response:
        base = {"team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1", "token": "legacy", "trigger_id": f"trigger-{next(_ids)}"}
        return self.signed(urlencode({"payload": json.dumps({**base, **payload})}))

    def button(self, action_id: str, value: str, user: str = "U1", response_url: str | None = None) -> Response:
        """A click on a button of one of the bot's messages (in a DM)."""
        return self.interactive(
            {
                "type": "block_actions",
                "actions": [{"action_id": action_id, "block_id": "b1", "value": value, "type": "button", "action_ts": "1"}],
                "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "D1"},
                "channel": {"id": "D1"},
                "response_url": response_url or self.slack.response_url(f"{self.mode}-{next(_ids)}"),
            },
            user=user,
        )

    def submit(self, callback_id: str, metadata: str, values: dict[str, str | None], user: str = "U1") -> Response:
        """A modal submitted with plain text inputs (block_id -> value; each input's action_id is ``text``)."""
        state = {block: {"text": {"type": "plain_text_input", "value": value}} for block, value in values.items()}
        view = {"id": "V1", "type": "modal", "callback_id": callback_id, "private_metadata": metadata, "state": {"values": state}}
        return self.interactive({"type": "view_submission", "view": view}, user=user)

    def share_file(self, name: str, data: bytes, user: str = "U1", text: str = "", ts: str | None = None) -> str:
        """A file dropped in a DM with the bot (with ``text`` as its comment); returns the thread's ts."""
        ts = ts or f"1700.{next(_ids):04d}"
        url = self.slack.add_file(f"{self.mode}-{next(_ids)}-{name}", data)
        file = {"id": "F9", "name": name, "size": len(data), "url_private_download": url}
        self.event(
            {
                "type": "message",
                "subtype": "file_share",
                "channel_type": "im",
                "user": user,
                "text": text,
                "ts": ts,
                "channel": "D1",
                "files": [file],
            }
        )
        return ts


@pytest.fixture(params=["dispatch", "http"])
def send(request, bolt_app, slack):
    base = request.getfixturevalue("http_base") if request.param == "http" else None
    slack.reset()
    return Sender(request.param, bolt_app, slack, base)


class _AllRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured_logs():
    """Every log line of the test, at every level (root set to DEBUG), as formatted text."""
    handler = _AllRecords()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)  # setLevel (not the attribute) also clears the loggers' cached levels
    root.addHandler(handler)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
