"""``derm chat``, ``derm serve`` and ``derm slack`` from the command line; Socket Mode requests; the
HTTP server's health check and body limit; settings."""

import http.client
import json
import urllib.request

import pytest
from slack_bolt.request import BoltRequest
from testpaths import BENCHMARKS
from typer.testing import CliRunner

from derm_cli.main import app as cli
from slack_bot.settings import Settings

ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL")


def test_derm_chat_answers_each_line_with_the_same_handlers():
    result = CliRunner().invoke(
        cli, ["chat"], input="help\n99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02\nrule DRM050\nquit\nhelp\n"
    )
    assert result.exit_code == 0
    assert result.output.count("Derm billing checker") == 1, "stops at quit"
    assert "DRM050" in result.output and "derm rule DRM050" in result.output
    assert "What it does" in result.output


def test_serve_and_slack_say_which_tokens_are_missing(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")  # one of the two: a mistake, not the rules-only server
    serve = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert serve.exit_code == 2 and "SLACK_BOT_TOKEN not set" in serve.output
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    slack = CliRunner().invoke(cli, ["slack"])
    assert slack.exit_code == 2 and "SLACK_APP_TOKEN not set" in slack.output


def test_serve_says_which_admin_ids_are_not_slack_ids(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("DERM_SLACK_ADMINS", "U0123ABC, ann@example.com")
    result = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 2 and "admins: not Slack user or user-group ids: ANN@EXAMPLE.COM" in result.output


@pytest.mark.slow
def test_serve_says_when_slack_cannot_be_reached(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")  # discard port: nothing listens
    result = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 2 and "cannot start the Slack app" in result.output


def test_settings_from_the_environment():
    s = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb", "SLACK_SIGNING_SECRET": "sec", "SLACK_APP_TOKEN": "xapp", "SLACK_API_URL": "http://h/api"}
    )
    assert (s.bot_token, s.signing_secret, s.app_token, s.api_url) == ("xoxb", "sec", "xapp", "http://h/api/")
    assert Settings.from_env({}).missing("bot_token", "app_token") == ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"]


def test_socket_mode_requests_reach_the_same_listeners(bolt_app, slack):
    body = {
        "command": "/derm",
        "text": "rule DRM110",
        "user_id": "U1",
        "channel_id": "C1",
        "team_id": "T1",
        "response_url": slack.response_url(),
    }
    response = bolt_app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    assert response.status == 200
    assert "Rule DRM110" in json.loads(response.body)["text"]


def test_health_check_and_body_limit(http_base):
    with urllib.request.urlopen(f"{http_base}/healthz", timeout=5) as r:
        assert json.loads(r.read()) == {"ok": True}
    # The server answers from the declared length, before reading a body it will not accept.
    conn = http.client.HTTPConnection(*http_base.removeprefix("http://").split(":"), timeout=10)
    conn.putrequest("POST", "/slack/events")
    conn.putheader("content-length", "2000000")
    conn.endheaders()
    assert conn.getresponse().status == 413
    conn.close()


@pytest.mark.slow
def test_load_benchmark_runs_derm_serve_and_reports_without_errors():
    import subprocess
    import sys

    script = BENCHMARKS / "slack_load.py"
    result = subprocess.run(
        [sys.executable, str(script), "--seconds", "1", "--clients", "2", "--warm-up", "0.2"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 errors" in result.stdout and "p99" in result.stdout
