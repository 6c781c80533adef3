"""Signed ``/derm check`` commands against one ``derm serve`` replica, then against two on the same PostgreSQL store
behind nginx with the deployment's config (``deploy/slack/nginx.conf``, addresses changed to loopback): requests per
second and acknowledgement times. On a machine with few cores the point is not a speed-up but what the proxy hop
and the shared store cost. Loopback only; the bot's Web API calls go to a local double of Slack.

Run: ``python benchmarks/slack_replicas.py --db postgresql://USER@127.0.0.1:PORT/DB [--seconds 10] [--clients 4]``
(an empty database; nginx on the PATH for the second part).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from replicakit import Replica, free_port, nginx_conf  # noqa: E402
from slack_load import SECRET, load, percentile  # noqa: E402

from slack_bot.testing import SlackApiDouble  # noqa: E402


def measure(port: int, seconds: float, clients: int) -> str:
    latencies, errors, wall = load(port, seconds, clients)
    return (
        f"{len(latencies) / wall:.0f} req/s, ack p50 {percentile(latencies, 50) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.1f} ms, {len(errors)} errors"
    )


def nginx_in_front(ports: list[int], folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = nginx_conf(folder, ports, port)
    server = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("nginx did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="an empty PostgreSQL database for the rules store")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    with SlackApiDouble() as slack:
        env = {"SLACK_BOT_TOKEN": "xoxb-load", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url, "DERM_RULES_DB": args.db}
        replicas = [Replica(env), Replica(env)]
        try:
            for replica in replicas:
                replica.wait_healthy()
            measure(replicas[0].port, 2, args.clients)  # warm-up
            print(f"one replica, direct:      {measure(replicas[0].port, args.seconds, args.clients)}")
            if shutil.which("nginx") is None:
                print("two replicas behind nginx: skipped (nginx is not installed)")
                return
            with tempfile.TemporaryDirectory(prefix="derm-nginx-") as tmp:
                server, port = nginx_in_front([r.port for r in replicas], Path(tmp))
                try:
                    measure(port, 2, args.clients)
                    print(f"two replicas behind nginx: {measure(port, args.seconds, args.clients)}")
                finally:
                    server.terminate()
                    server.wait(15)
        finally:
            for replica in replicas:
                replica.stop()


if __name__ == "__main__":
    main()
