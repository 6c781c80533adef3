"""End to end: an admin publishes a prior-authorization row through the rules workbook, and a running
``derm serve`` (a real process, never restarted) reflects it within 10 seconds at ``GET /rules/current``
and in the Slack bot's answer to ``/derm check``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from slack_bot.testing import signed_headers

pytestmark = pytest.mark.slow

SECRET = "e2e-signing-secret"
CLAIM = "check 96920 L40.0; aetna 2026-03-02"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def _slack_check(base: str, slack) -> str:
    body = urlencode(
        {
            "team_id": "T1",
            "api_app_id": "A1",
            "channel_id": "C1",
            "user_id": "U1",
            "command": "/derm",
            "text": CLAIM,
            "response_url": slack.response_url(),
            "trigger_id": "t1",
        }
    )
    request = urllib.request.Request(f"{base}/slack/events", data=body.encode(), headers=signed_headers(body, SECRET), method="POST")
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.read().decode()


def _derm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "derm_cli.main", *args], env=env, capture_output=True, text=True, timeout=120)


def _has_acme_row(doc: dict) -> bool:
    return any(r["payer"] == "Aetna" and r["code"] == "96920-96922" for r in doc["prior_authorization"])


def test_a_pa_row_published_by_workbook_import_reaches_serve_without_restart(tmp_path, slack):
    env = {
        **os.environ,
        "DERM_RULES_DB": f"sqlite:///{tmp_path / 'rules.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
    }
    workbook = tmp_path / "rules.xlsx"
    assert _derm("rules", "export", str(workbook), env=env).returncode == 0

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "derm_cli.main", "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while _get(f"{base}/healthz")[0] != 200:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else "derm serve exited"
            assert time.monotonic() < deadline, "derm serve did not start"
            time.sleep(0.2)
        status, body = _get(f"{base}/rules/current")
        assert status == 200 and not _has_acme_row(json.loads(body))
        assert "DRM950" not in _slack_check(base, slack)

        book = load_workbook(workbook)
        book["Prior Authorization"].append(["Aetna", "commercial", "96920-96922", "Excimer laser needs PA (payer memo)"])
        book.save(workbook)
        done = _derm("rules", "import", str(workbook), "--author", "Ann Admin", "--reason", "Aetna excimer PA", env=env)
        assert done.returncode == 0 and "Published version 2." in done.stdout, done.stderr
        published = time.monotonic()

        seen: dict[str, float] = {}
        while len(seen) < 2:
            elapsed = time.monotonic() - published
            assert elapsed < 10, f"not reflected within 10 s: {sorted(seen)}"
            if "rules" not in seen and _has_acme_row(json.loads(_get(f"{base}/rules/current")[1])):
                seen["rules"] = elapsed
            if "slack" not in seen and "DRM950" in _slack_check(base, slack):
                seen["slack"] = elapsed
            time.sleep(0.1)
        print(f"seen after publish: GET /rules/current {seen['rules']:.2f} s, Slack /derm check {seen['slack']:.2f} s")
        assert server.poll() is None  # the same process all along
    finally:
        server.terminate()
        server.wait(10)
