"""Stateless replicas: two ``derm serve`` processes on one PostgreSQL rules store, behind a round-robin proxy that
retries the other replica when one cannot be reached. Requests are signed as Slack signs them; the bot's Web API
calls go to the local double of Slack.

* a rules workbook uploaded through one replica is published through the other (Publish, then the modal);
* an override recorded through one replica is applied by the other's next check;
* an event Slack retries lands on the other replica and is answered once;
* one replica is killed in the middle of a load of checks, and no request is lost: behind the test's proxy, and
  behind nginx with the deployment's configuration (when nginx is installed).

Needs PostgreSQL (``DERM_TEST_PG_URL``; ``.ci/run`` starts one), skipped without it (a failure in CI).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import threading
import time
import urllib.request
from collections import Counter

import pytest
from replicakit import Replica, RoundRobinProxy, free_port, nginx_conf
from storekit import pg_base_url, pg_database

from derm_core import live
from derm_core.store import open_store
from slack_bot import blocks
from slack_bot.testing import SlackApiDouble

from .conftest import ADMIN, SECRET, Sender
from .test_admin import CLAIM, PA_CHECK, add_aetna_pa, buttons, override_click, wait_posted, wait_updated, workbook
from .test_listeners import override_values, texts, why_values

pytestmark = pytest.mark.slow
_n = itertools.count(1)


@pytest.fixture(scope="module")
def pg_url():
    with pg_database(pg_base_url("the replica tests"), f"derm_replicas_{os.getpid()}") as url:
        yield url


@pytest.fixture(scope="module")
def slack_double():
    with SlackApiDouble() as double:
        yield double


@pytest.fixture(scope="module")
def replicas(pg_url, slack_double):
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_double.api_url,
        "DERM_RULES_DB": pg_url,
        "DERM_SLACK_ADMINS": ADMIN,
    }
    started = [Replica(env), Replica(env)]  # both at once: the first start of a store is raced on purpose
    try:
        for replica in started:
            replica.wait_healthy()
        yield started
    finally:
        for replica in started:
            replica.stop()


@pytest.fixture(scope="module")
def proxy(replicas):
    with RoundRobinProxy([r.address for r in replicas]) as p:
        yield p


@pytest.fixture(scope="module")
def store(pg_url, replicas):
    s = open_store(pg_url)
    yield s
    s.close()


@pytest.fixture
def send(proxy, slack_double):
    slack_double.reset()
    return Sender("http", None, slack_double, proxy.url)


def steer(proxy: RoundRobinProxy, to: int) -> None:
    """Make the next request go to replica ``to`` (round robin: pass health checks through the proxy until it is its turn)."""
    for _ in range(len(proxy.backends)):
        if proxy.next_backend() == to:
            return
        with urllib.request.urlopen(proxy.url + "/healthz", timeout=10) as r:
            assert r.status == 200
    assert proxy.next_backend() == to


def test_a_workbook_uploaded_through_one_replica_is_published_through_the_other(send, proxy, store, tmp_path):
    ts = send.share_file("rules.xlsx", workbook(store, tmp_path, add_aetna_pa), user=ADMIN, text="Aetna excimer memo")
    uploaded_on = proxy.last().backend
    other = 1 - uploaded_on
    review = wait_posted(send.slack, ts, "Rules workbook ·")
    token = buttons(review)["admin_publish"]
    held = store.pending(token)
    assert held is not None and held["filename"] == "rules.xlsx" and held["changes"] == 1, "the upload waits in the store"

    steer(proxy, other)
    send.button("admin_publish", token, user=ADMIN)
    assert proxy.last().backend == other
    view = send.slack.wait("views.open")[-1].payload["view"]
    blocks.check_view(view)
    assert view["private_metadata"] == token
    reason_input = next(b for b in view["blocks"] if b.get("block_id") == "reason")
    assert reason_input["element"]["initial_value"] == "Aetna excimer memo", "the other replica read the upload's comment"

    steer(proxy, other)
    answer = send.submit("admin_publish", token, {"reason": "Aetna excimer PA (memo of March)"}, user=ADMIN).json()
    assert proxy.last().backend == other
    assert answer == {"response_action": "clear"}
    closed = wait_updated(send.slack, "Published as version")
    assert not buttons(closed), "the other replica closed the review it did not post"
    assert "version *2*" in texts(wait_posted(send.slack, ts, "Published version"))
    v2 = store.get(2)
    assert (v2.author, v2.reason, v2.parent) == (f"slack:{ADMIN}", "Aetna excimer PA (memo of March)", 1)
    assert store.pending(token) is None

    # both replicas check with the new version (each sees it within live.POLL_SECONDS)
    for replica in (uploaded_on, other):
        deadline = time.monotonic() + live.POLL_SECONDS + 5
        while True:
            steer(proxy, replica)
            found = why_values(send.command(PA_CHECK).json())
            assert proxy.last().backend == replica
            if "DRM950" in found:
                break
            assert time.monotonic() < deadline, f"replica {replica} still checks with the old version"
            time.sleep(0.2)

    # a second submission of the same upload, through either replica, finds nothing to publish
    for replica in (uploaded_on, other):
        steer(proxy, replica)
        again = send.submit("admin_publish", token, {"reason": "again"}, user=ADMIN).json()
        assert again["response_action"] == "errors" and "no longer waiting" in again["errors"]["reason"]
    assert store.head() == 2


def test_an_override_recorded_through_one_replica_applies_to_the_others_checks(send, proxy, store):
    claim = CLAIM.replace("A1001", "R2001")
    steer(proxy, 0)
    msg = send.command(f"check {claim}").json()
    assert "DRM050" in [v["r"] for v in override_values(msg)]
    steer(proxy, 0)
    view, url = override_click(send, msg, "DRM050")
    steer(proxy, 0)
    assert send.submit("override", view["private_metadata"], {"reason": "Two distinct sites, documented"}).json() == {
        "response_action": "clear"
    }
    assert proxy.last().backend == 0
    assert "Override recorded: *DRM050* on claim R2001" in texts(send.slack.wait(f"/respond/{url}")[0].payload)

    steer(proxy, 1)
    again = send.command(f"check {claim}").json()
    assert proxy.last().backend == 1
    assert "DRM050" not in [v["r"] for v in override_values(again)], "the other replica applies the stored override"
    assert "Overridden by <@U1>" in texts(again) and "Two distinct sites, documented" in texts(again)
    [row] = store.overrides_for(["R2001"])
    assert (row["rule"], row["user"]) == ("DRM050", "slack:U1")


def test_an_event_retried_to_the_other_replica_is_answered_once(send, proxy):
    event = {"type": "message", "channel_type": "im", "user": "U1", "text": "help", "ts": "1700.9001", "channel": "D1"}
    event_id = f"EvReplica{next(_n)}"
    steer(proxy, 0)
    assert send.event(event, event_id=event_id).status == 200
    send.slack.wait("chat.postMessage")
    assert send.event(event, event_id=event_id).status == 200  # Slack's retry, on the other replica
    assert proxy.last().backend == 1
    assert send.event({**event, "ts": "1700.9002"}, event_id=f"{event_id}b").status == 200
    send.slack.wait("chat.postMessage", 2)
    time.sleep(0.5)
    assert [c.payload["thread_ts"] for c in send.slack.called("chat.postMessage")] == ["1700.9001", "1700.9002"]


CHECKS = [
    "99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02",
    "17000 L57.0; 17003 x3 L57.0; medicare 2026-03-02",
    "11102 L82.1; 11103 x2 L82.1; commercial aetna 2026-02-11",
]


def load_with_a_kill(send: Sender, victim: Replica, clients: int = 4, before: int = 40, after: int = 60) -> tuple[int, int, list[str]]:
    """Checks from ``clients`` threads until ``before`` are answered, then ``victim`` is killed (SIGKILL), then until
    ``after`` more are answered: (answered, answered when killed, what went wrong)."""
    answered = [0]
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def client(number: int) -> None:
        for i in range(500):
            if stop.is_set():
                return
            r = send.command(f"check {CHECKS[(number + i) % len(CHECKS)]}", user=f"U{number}")
            with lock:
                if r.status == 200 and "Claim check" in r.json().get("text", ""):
                    answered[0] += 1
                else:
                    errors.append(f"{r.status} {r.body[:80]}")

    def until(count: int, deadline: float) -> None:
        while answered[0] < count and time.monotonic() < deadline and not errors:
            time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    killed_at = 0
    try:
        deadline = time.monotonic() + 90
        until(before, deadline)
        killed_at = answered[0]
        victim.kill()
        until(killed_at + after, deadline)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert killed_at >= before, f"the load did not get going: {killed_at} answered, errors {errors[:3]}"
    return answered[0], killed_at, errors


def test_a_replica_killed_under_load_loses_no_request(send, proxy, replicas):
    """Clients send checks through the proxy; one replica is killed half-way; every check is answered."""
    before = len(proxy.served)
    answered, killed_at, errors = load_with_a_kill(send, replicas[1])
    served = proxy.served[before:]
    assert not errors and not proxy.failed, f"lost: {errors[:5]} {proxy.failed[:5]}"
    assert answered >= killed_at + 60, "checks went on after the kill"
    assert len(served) == answered
    assert any(s.attempts > 1 for s in served), "the proxy retried the killed replica's requests on the other"
    assert all(s.backend == 0 for s in served[-20:]), "after the kill only the live replica answers"
    reasons = Counter(w for s in served for w in s.why)
    print(f"{answered} checks answered, 0 lost; replica 1 killed after {killed_at}; retried on the other replica: {dict(reasons)}")


def test_the_deployments_nginx_config_retries_the_other_replica(slack_double, replicas, tmp_path):
    """The proxy of docs/deploy.md (``deploy/slack/nginx.conf``, with the replicas' addresses on loopback) in front of
    the same two replicas: one is killed under load, and no request is lost."""
    nginx = shutil.which("nginx")
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: nginx-light)")
    for i, replica in enumerate(replicas):
        if replica.process.poll() is not None:  # killed by the test before: start it again, on its port
            replicas[i] = Replica(replica.env, port=replica.port)
            replicas[i].wait_healthy()
    port = free_port()
    conf = nginx_conf(tmp_path, [r.port for r in replicas], port)
    tested = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True, timeout=30)
    assert tested.returncode == 0, tested.stderr
    server = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        slack_double.reset()
        answered, killed_at, errors = load_with_a_kill(Sender("http", None, slack_double, f"http://127.0.0.1:{port}"), replicas[0])
        assert not errors, f"lost: {errors[:5]}"
        assert answered >= killed_at + 60
        print(f"through nginx: {answered} checks answered, 0 lost (a replica killed after {killed_at})")
    finally:
        server.terminate()
        server.wait(15)
