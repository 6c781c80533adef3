"""Slow work never holds up an acknowledgement: with more slow jobs running than Bolt has listener threads by default
(denial analyses, an admin export, charge sheets, a rules publish), ``/derm check`` is still answered in under a second.
The slow jobs are held on a gate so that they are all running (or queued) while the checks are timed. A full pool says
so instead of queuing without bound. In process and over HTTP."""

from __future__ import annotations

import threading
import time

import pytest

from slack_bot import denials
from slack_bot.admin import RulesDesk
from slack_bot.jobs import Jobs

from .conftest import ADMIN
from .test_listeners import CLAIM, texts


@pytest.fixture
def gate(monkeypatch, derm_bot):
    """Slow jobs that wait for the gate: ``/derm denials``, ``/derm admin export`` and charge sheets."""
    gate = threading.Event()
    started: list[str] = []

    def slow(kind):
        def wait(*args, **kwargs):
            started.append(kind)
            assert gate.wait(30), "the gate was never opened"
            raise denials.Unavailable(f"{kind} done")

        return wait

    monkeypatch.setattr(denials, "analyse_folder", slow("denials"))
    monkeypatch.setattr(RulesDesk, "_export", lambda self, user, client: slow("export")())
    monkeypatch.setattr(derm_bot, "sheet_checker", slow("sheet"))
    monkeypatch.setattr(derm_bot, "jobs", Jobs(workers=2, queue=8))
    yield gate, started
    gate.set()
    derm_bot.jobs.shutdown()


def test_check_is_acknowledged_under_a_second_while_slow_jobs_run(send, gate):
    opened, started = gate
    slow = [send.command("denials", user=ADMIN, response_url=send.slack.response_url(f"slow-{send.mode}-{i}")) for i in range(3)]
    slow.append(send.command("admin export", user=ADMIN, response_url=send.slack.response_url(f"slow-{send.mode}-3")))
    for i in range(2):
        send.share_file(f"sheet{i}.csv", b"claim,code,dx\nA1,17000,L57.0\n")
    assert all(r.status == 200 and r.seconds < 1 for r in slow), "the slow commands are acknowledged at once"
    deadline = time.monotonic() + 10
    while len(started) < 2:  # both workers busy; the other four jobs wait in the queue
        assert time.monotonic() < deadline
        time.sleep(0.02)

    for _ in range(5):
        r = send.command(f"check {CLAIM}")
        assert r.status == 200 and r.seconds < 1, f"acknowledged in {r.seconds:.2f} s"
        assert "Claim check" in r.json()["text"]
    assert len(started) == 2, "the slow jobs were still running"

    opened.set()
    for i in range(4):
        send.slack.wait(f"/respond/slow-{send.mode}-{i}")  # every slow command answers once its job has run


def test_a_full_pool_says_so_instead_of_queuing(send, gate, derm_bot, monkeypatch):
    opened, _ = gate
    monkeypatch.setattr(derm_bot, "jobs", Jobs(workers=1, queue=0))
    send.command("denials", user=ADMIN, response_url=send.slack.response_url(f"first-{send.mode}"))
    r = send.command("denials", user=ADMIN, response_url=send.slack.response_url(f"busy-{send.mode}"))
    assert r.status == 200
    assert "busy with other long jobs" in texts(send.slack.wait(f"/respond/busy-{send.mode}")[0].payload)
    opened.set()
    send.slack.wait(f"/respond/first-{send.mode}")
