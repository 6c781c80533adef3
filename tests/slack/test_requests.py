"""Requests as Slack (or anyone else) may send them: the body limit is applied while the body streams in, the
signature is checked before the body is parsed (401 for any bad header, never a traceback), other event types get
200, ``GET /rules/current`` is behind a token off this machine, and the server runs without Slack for Excel users."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from slack_bot.server import create_asgi
from slack_bot.testing import signed_headers

from .conftest import SECRET, LoopbackServer, post

FORM = "application/x-www-form-urlencoded"


def host_port(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def test_a_chunked_body_past_1_mib_is_refused_while_it_streams(http_base):
    sock = socket.create_connection(host_port(http_base), timeout=10)
    sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"a" * 65536
    for _ in range(17):  # 1.06 MiB, no length declared; the rest (many more MiB) is never sent
        sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    sock.settimeout(10)
    answer = sock.recv(200)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:60]


def test_a_declared_length_past_the_limit_is_refused_before_the_body(http_base):
    conn = http.client.HTTPConnection(*host_port(http_base), timeout=10)
    conn.putrequest("POST", "/slack/events")
    conn.putheader("content-length", "2000000")
    conn.endheaders()
    assert conn.getresponse().status == 413
    conn.close()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-slack-request-timestamp": "soon", "x-slack-signature": "v0=00"},  # not a number
        {"x-slack-request-timestamp": "1", "x-slack-signature": "v0=00"},  # decades old
        {"x-slack-request-timestamp": str(int(time.time())), "x-slack-signature": "garbage"},
        {"x-slack-request-timestamp": "9" * 40, "x-slack-signature": "v0=00"},
    ],
    ids=["none", "non-numeric", "stale", "bad-signature", "huge-timestamp"],
)
def test_bad_signature_headers_get_401_without_a_traceback(send, headers, captured_logs):
    bodies = [('{"type": "event_callback", "event": {"type": "message", "text": "not-json"}}', "application/json"), ("text=not-json", FORM)]
    if send.mode == "http":  # over HTTP the server refuses garbage before anything parses it (in process, Bolt's parser is the caller's)
        bodies += [('{"type": "event_callback", "event": {', "application/json"), ("payload=%7Bnot-json", FORM)]
    for body, kind in bodies:
        r = send.raw(body, {"content-type": kind, **headers})
        assert r.status == 401, (body, r.status)
    logged = "\n".join(captured_logs)
    assert "Traceback" not in logged and "not-json" not in logged


def test_a_signed_body_bolt_cannot_read_gets_400_without_a_traceback(http_base, captured_logs):
    body = '{"type": "event_callback", "event": {'
    r = post(f"{http_base}/slack/events", body, signed_headers(body, SECRET, content_type="application/json"))
    assert r.status == 400
    assert "Traceback" not in "\n".join(captured_logs)


def test_events_the_bot_does_not_act_on_get_200(send):
    for event in ({"type": "reaction_added", "user": "U1", "reaction": "tada"}, {"type": "team_join", "user": {"id": "U9"}}):
        r = send.event(event)
        assert r.status == 200, event
    assert not send.slack.called("chat.postMessage")


# --- GET /rules/current ----------------------------------------------------------------------------------


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}, method=method), timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def test_rules_current_without_a_token_serves_this_machine_only(http_base):
    status, _, body = get(f"{http_base}/rules/current")
    assert status == 200 and json.loads(body)["version"]
    status, headers, body = get(f"{http_base}/rules/current", {"X-Forwarded-For": "203.0.113.9"})  # through a proxy
    assert status == 401 and "DERM_RULES_TOKEN" in json.loads(body)["error"] and headers["www-authenticate"] == "Bearer"


def test_rules_current_with_a_token_needs_it_from_everyone(bolt_app):
    with LoopbackServer(create_asgi(bolt_app, signing_secret=SECRET, rules_token="s3cret-token")) as base:
        assert get(f"{base}/rules/current")[0] == 401, "even from this machine"
        assert get(f"{base}/rules/current", {"Authorization": "Bearer wrong"})[0] == 401
        assert get(f"{base}/rules/current?token=wrong")[0] == 401
        ok, headers, body = get(f"{base}/rules/current", {"Authorization": "Bearer s3cret-token", "X-Forwarded-For": "203.0.113.9"})
        assert ok == 200 and json.loads(body)["version"] == headers["x-ruleset-version"]
        assert get(f"{base}/rules/current?token=s3cret-token")[0] == 200  # a DERM_RULES_URL can carry it
        status, headers, _ = get(
            f"{base}/rules/current", {"Origin": "https://excel.example", "Access-Control-Request-Method": "GET"}, "OPTIONS"
        )
        assert status == 204 and "Authorization" in headers["access-control-allow-headers"]


def test_without_slack_the_server_serves_the_ruleset_only():
    with LoopbackServer(create_asgi(None)) as base:
        assert get(f"{base}/rules/current")[0] == 200
        assert get(f"{base}/healthz")[0] == 200
        assert post(f"{base}/slack/events", "a=1", {"content-type": "application/x-www-form-urlencoded"}).status == 404


@pytest.mark.slow
def test_derm_serve_without_slack_credentials_serves_the_ruleset(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DERM_RULES_DB"] = f"sqlite:///{tmp_path / 'rules.db'}"
    server = subprocess.Popen(
        [sys.executable, "-m", "derm_cli.main", "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while not _up(port) or get(f"http://127.0.0.1:{port}/healthz")[0] != 200:
            assert server.poll() is None and time.monotonic() < deadline, "derm serve did not start"
            time.sleep(0.2)
        status, _, body = get(f"http://127.0.0.1:{port}/rules/current")
        assert status == 200 and "prior_authorization" in json.loads(body)
        assert post(f"http://127.0.0.1:{port}/slack/events", "a=1", {"content-type": "application/x-www-form-urlencoded"}).status == 404
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    assert "serving GET /rules/current only" in stderr


def _up(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
