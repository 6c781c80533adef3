"""Load test of the Slack bot in HTTP mode: signed ``/derm check`` slash commands from concurrent clients.

Starts ``derm serve`` on 127.0.0.1 (its Web API calls go to a local double), then for ``--seconds``
sends signed slash commands from ``--clients`` keep-alive connections and reports requests per
second, errors and acknowledgement times (the time until the HTTP response, which carries the
check itself). Loopback only; every loop is bounded in time and count.

Run: ``python benchmarks/slack_load.py [--seconds 30] [--clients 8]``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import urlencode

from slack_bot.testing import SlackApiDouble, signed_headers

SECRET = "load-test-signing-secret"
CLAIMS = [
    "99213-25 L40.0; 17000 L57.0; 17003 x14 L57.0; medicare 2026-03-02",
    "17000 L57.0; 17003 x3 L57.0; medicare 2026-03-02",
    "11102 L82.1; 11103 x2 L82.1; commercial aetna 2026-02-11",
    "17311 C44.311; 17312 x2 C44.311; 88305-26 C44.311; medicare 2026-01-20",
    "99214-25 L70.0; 11900 x3 L91.0; J3301 x4 L91.0; medicaid 2026-03-09",
]
MAX_REQUESTS_PER_CLIENT = 100_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"derm serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("derm serve did not start")


def client(port: int, seconds: float, number: int, latencies: list[float], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end and i < MAX_REQUESTS_PER_CLIENT:
        body = urlencode(
            {
                "command": "/derm",
                "text": f"check {CLAIMS[(number + i) % len(CLAIMS)]}",
                "user_id": f"U{number}",
                "channel_id": "C1",
                "team_id": "T1",
                "api_app_id": "A1",
                "response_url": "http://127.0.0.1:9/unused",
                "trigger_id": f"t{number}.{i}",
            }
        )
        i += 1
        start = time.perf_counter()
        try:
            conn.request("POST", "/slack/events", body=body, headers=signed_headers(body, SECRET))
            response = conn.getresponse()
            data = response.read()
            elapsed = time.perf_counter() - start
            if response.status != 200 or b'"blocks"' not in data:
                errors.append(f"status {response.status}")
            latencies.append(elapsed)
        except (OSError, http.client.HTTPException) as e:
            errors.append(type(e).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.close()


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=1000)[int(p * 10) - 1] if len(values) > 1 else (values[0] if values else 0.0)


def load(port: int, seconds: float, clients: int) -> tuple[list[float], list[str], float]:
    """``clients`` threads sending checks for ``seconds``: the acknowledgement times, the errors and the wall time."""
    latencies: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=client, args=(port, seconds, n, latencies, errors)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    return latencies, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warm-up", type=float, default=3.0, help="seconds of load before measuring")
    args = parser.parse_args()

    with SlackApiDouble() as slack:
        port = free_port()
        env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-load", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url}
        server = subprocess.Popen(
            [sys.executable, "-m", "derm_cli.main", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_healthy(port, server)
            for seconds in (args.warm_up, args.seconds):  # the last round is the one reported
                latencies, errors, wall = load(port, seconds, args.clients)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    done = len(latencies)
    print(f"clients {args.clients}, {args.seconds:.0f} s, {done} requests: {done / wall:.0f} req/s, {len(errors)} errors")
    print(
        f"ack time ms: p50 {percentile(latencies, 50) * 1000:.1f}, p99 {percentile(latencies, 99) * 1000:.1f}, max {max(latencies, default=0) * 1000:.1f}"
    )
    if errors:
        print("errors:", sorted(set(errors))[:5])
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
