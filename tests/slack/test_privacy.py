"""No claim, question, reason or file text reaches the logs, with the root logger at DEBUG *before the app is built*
(Bolt copies the root's level onto the loggers it makes): the bot's, Bolt's and slack_sdk's loggers stay at INFO.
``DERM_DEBUG_UNSAFE=1`` is the one way to let them follow the root. Run in process and over uvicorn, and once as
``derm serve`` started with logging at DEBUG."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from slack_bot.app import create_app
from slack_bot.guards import PINNED
from slack_bot.settings import Settings
from slack_bot.testing import signed_headers

from .conftest import ADMIN, SECRET, LoopbackServer, Sender, _AllRecords

PLANTED = "ZEBRA7Q"
CLAIM = f"99213-25 L40.0; 17000 L57.0 {PLANTED}claim; 17003 x14 L57.0; medicare 2026-03-02"


def _unpin() -> None:
    """As in a fresh process: the loggers earlier tests pinned go back to following the root."""
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0].split(":")[0] in PINNED:
            logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.fixture(params=["dispatch", "http"])
def debug_run(request, slack, derm_bot, monkeypatch):
    """A new app built while the root logger is at DEBUG, a Sender for it, and every log line of the test."""
    monkeypatch.delenv("DERM_DEBUG_UNSAFE", raising=False)
    handler = _AllRecords()
    root = logging.getLogger()
    level = root.level
    _unpin()
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    slack.reset()
    try:
        settings = Settings(bot_token="xoxb-test", signing_secret=SECRET, api_url=slack.api_url, admins=ADMIN)
        app = create_app(settings, bot=derm_bot)
        if request.param == "http":
            from slack_bot.server import create_asgi

            with LoopbackServer(create_asgi(app, signing_secret=SECRET)) as base:
                yield Sender("http", app, slack, base), handler.lines
        else:
            yield Sender("dispatch", app, slack, None), handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def boom(*args, **kwargs):
    raise RuntimeError(f"failed on {PLANTED}exception")


def test_a_full_run_logs_no_claim_question_reason_or_file_text(debug_run, derm_bot, monkeypatch):
    send, lines = debug_run
    send.command(f"check {CLAIM}")
    send.command(f"{PLANTED}question what is modifier 25?")
    send.command(f"check Jane {PLANTED}phi DOB 01/02/1950 17000")
    send.command(f"admin rollback 9999 {PLANTED}reason", user=ADMIN)
    send.event({"type": "app_mention", "user": "U1", "text": f"<@UBOT> {CLAIM}", "ts": "1.1", "channel": "C1"})
    send.event({"type": "message", "channel_type": "im", "user": "U1", "text": CLAIM, "ts": "1.2", "channel": "D1"})
    send.event({"type": "reaction_added", "user": "U1", "reaction": f"{PLANTED}reaction", "item": {"type": "message"}})
    send.interactive(
        {
            "type": "message_action",
            "callback_id": "check_claim",
            "message": {"text": CLAIM},
            "channel": {"id": "C1"},
            "response_url": send.slack.response_url(),
        }
    )
    send.interactive(
        {
            "type": "block_actions",
            "actions": [{"action_id": "share", "value": CLAIM, "type": "button"}],
            "response_url": send.slack.response_url(),
        }
    )
    send.interactive({"type": "block_actions", "actions": [{"action_id": "unknown-button", "value": CLAIM, "type": "button"}]})
    send.submit("check_claim_modal", "", {"claim": CLAIM})
    target = json.dumps({"r": "DRM050", "c": "PRIV1", "l": 0, "n": 1, "v": "1", "u": ""})
    send.submit("override", target, {"reason": f"two sites {PLANTED}override"})
    # a forged request: Bolt's own check logs the whole body of a request it refuses
    body = f"command=/derm&text=check+{PLANTED}forged"
    assert (
        send.raw(
            body, {"content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": "1", "x-slack-signature": "v0=bad"}
        ).status
        == 401
    )
    send.share_file(f"{PLANTED}.csv", f"claim,code,dx\n{PLANTED}file,17000,L57.0\n".encode())
    send.slack.wait_until(
        lambda: any("Rows checked" in json.dumps(c.payload) for c in send.slack.called("chat.update")), what="sheet summary"
    )
    monkeypatch.setattr(derm_bot, "_check", boom)  # a bug inside a handler
    assert "went wrong" in send.command(f"check {CLAIM}").json()["text"]
    send.slack.wait("chat.postEphemeral")
    send.slack.wait("chat.postMessage", 2)
    time.sleep(0.2)  # late lines of the listener threads

    logged = "\n".join(lines)
    assert lines, "the run did log something"
    assert "RuntimeError" in logged, "failures are logged by type"
    assert "request refused: no valid signature" in logged
    assert PLANTED not in logged
    for name in ("slack_bolt.App", "slack_sdk.web.base_client", "derm:derm_command", "slack_bot", "slack_sdk.socket_mode"):
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name


def test_debug_unsafe_lets_the_loggers_follow_the_root(slack, derm_bot, monkeypatch):
    monkeypatch.setenv("DERM_DEBUG_UNSAFE", "1")
    root = logging.getLogger()
    level = root.level
    _unpin()
    root.setLevel(logging.DEBUG)
    try:
        create_app(Settings(bot_token="xoxb-test", signing_secret=SECRET, api_url=slack.api_url), bot=derm_bot)
        assert logging.getLogger("slack_bolt.App").isEnabledFor(logging.DEBUG)
        monkeypatch.delenv("DERM_DEBUG_UNSAFE")
        create_app(Settings(bot_token="xoxb-test", signing_secret=SECRET, api_url=slack.api_url), bot=derm_bot)
        assert not logging.getLogger("slack_bolt.App").isEnabledFor(logging.DEBUG)
    finally:
        root.setLevel(level)


SERVE_AT_DEBUG = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG); from derm_cli.main import main; sys.argv[0] = 'derm'; main()"
)


@pytest.mark.slow
def test_derm_serve_started_with_logging_at_debug_logs_no_claim_text(slack, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "DERM_RULES_DB": f"sqlite:///{tmp_path / 'rules.db'}",
    }
    env.pop("DERM_DEBUG_UNSAFE", None)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE_AT_DEBUG, "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None and time.monotonic() < deadline, "derm serve did not start"
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        body = f"command=%2Fderm&text=check+{PLANTED}+{CLAIM.replace(' ', '+').replace(';', '%3B')}&user_id=U1&channel_id=C1&team_id=T1&response_url={slack.response_url()}"
        request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=signed_headers(body, SECRET))
        with urllib.request.urlopen(request, timeout=10) as r:
            assert "Claim check" in r.read().decode()
        event = json.dumps(
            {
                "type": "event_callback",
                "event_id": "EvDebug1",
                "team_id": "T1",
                "event": {"type": "message", "channel_type": "im", "user": "U1", "text": CLAIM, "ts": "1.5", "channel": "D1"},
            }
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/slack/events",
            data=event.encode(),
            headers=signed_headers(event, SECRET, content_type="application/json"),
        )
        urllib.request.urlopen(request, timeout=10).close()
        slack.wait_until(lambda: any(c.payload.get("thread_ts") == "1.5" for c in slack.called("chat.postMessage")), what="the DM reply")
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    assert "DEBUG" in stderr, "the root logger was at DEBUG (something did log at DEBUG)"
    assert PLANTED not in stderr


def test_socket_mode_logs_through_the_pinned_logger_and_retries(debug_run):
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.http_retry import RateLimitErrorRetryHandler

    send, _ = debug_run
    handler = SocketModeHandler(send.app, "xapp-test")  # not connected: Socket Mode's own client, as `derm slack` makes it
    try:
        assert not handler.client.logger.isEnabledFor(logging.DEBUG), "it would log every incoming DM"
        assert any(isinstance(h, RateLimitErrorRetryHandler) for h in handler.client.web_client.retry_handlers)
    finally:
        handler.client.close()
