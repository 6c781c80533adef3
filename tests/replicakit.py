"""Bot replicas for the tests: ``derm serve`` processes on one rules store, and a small round-robin HTTP proxy in front
of them that retries the next replica when one cannot be reached (refused, reset, or closed before it answered),
as a load balancer in front of the bot does. Loopback only.

Run as a script it is the proxy alone, for trying the deployment's topology with processes:
``python tests/replicakit.py 8080 127.0.0.1:3001 127.0.0.1:3002``.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from testpaths import ROOT

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection", "content-length", "host"}


@dataclass
class Served:
    path: str
    backend: int  # the index of the replica that answered
    attempts: int  # 1, or more when the proxy retried another replica
    why: tuple[str, ...] = ()  # why each earlier attempt failed: ConnectionRefusedError, RemoteDisconnected, ...


@dataclass
class RoundRobinProxy:
    """``with RoundRobinProxy([(host, port), ...]) as proxy: ... proxy.url ...``. Each request goes to the next replica
    in turn; when a replica cannot be reached, or drops the connection before answering, the request goes to the next
    one (each replica at most once). ``served`` records who answered what; ``failed`` what no replica answered."""

    backends: list[tuple[str, int]]
    port: int = 0  # 0: any free port
    timeout: float = 30.0
    served: list[Served] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._turn = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._forward(b"")

            def do_POST(self) -> None:
                self._forward(self.rfile.read(int(self.headers.get("content-length") or 0)))

            def _forward(self, body: bytes) -> None:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                answer = proxy.forward(self.command, self.path, body, headers)
                if answer is None:
                    status, reply, content_type = 502, b"no replica answered", "text/plain"
                else:
                    status, reply, content_type = answer
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="round-robin-proxy", daemon=True)

    def forward(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, str] | None:
        with self._lock:
            first, self._turn = self._turn, self._turn + 1
        why: list[str] = []
        for attempt in range(len(self.backends)):
            index = (first + attempt) % len(self.backends)
            host, port = self.backends[index]
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
            try:
                conn.request(method, path, body=body or None, headers=headers)
                response = conn.getresponse()
                reply = response.read()
            except (OSError, http.client.HTTPException) as e:  # refused, reset, closed before answering: the next replica
                why.append(type(e).__name__)
                continue
            finally:
                conn.close()
            with self._lock:
                self.served.append(Served(path, index, attempt + 1, tuple(why)))
            return response.status, reply, response.getheader("content-type") or "application/octet-stream"
        with self._lock:
            self.failed.append(path)
        return None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def next_backend(self) -> int:
        """The replica the next request goes to first."""
        with self._lock:
            return self._turn % len(self.backends)

    def last(self) -> Served:
        with self._lock:
            return self.served[-1]

    def __enter__(self) -> RoundRobinProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def nginx_conf(folder: Path, backends: list[int], port: int) -> Path:
    """The deployment's proxy config (``deploy/slack/nginx.conf``) for a foreground nginx in ``folder``, listening on
    ``port`` on loopback, in front of the replicas on ``backends`` (in place of bot1, bot2...)."""
    site = (ROOT / "deploy" / "slack" / "nginx.conf").read_text()
    for i, backend in enumerate(backends, 1):
        site = site.replace(f"bot{i}:3000", f"127.0.0.1:{backend}")
    site = site.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    temp = "".join(f"{k}_temp_path {folder}/{k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(
        f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temp}{site}\n}}\n"
    )
    return conf


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Replica:
    """One ``derm serve`` process on 127.0.0.1 with the environment given (the store, Slack's tokens, the admins)."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.env, self.port = env, port or free_port()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (the process writes to it until it stops; a pipe could fill)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "derm_cli.main", "serve", "--port", str(self.port)],
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    def wait_healthy(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"derm serve exited with {self.process.returncode}: {self.output()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("derm serve did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown, requests in flight are cut off, as when a server dies."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def main(argv: list[str]) -> None:
    listen, *backends = argv
    proxy = RoundRobinProxy([(b.rsplit(":", 1)[0], int(b.rsplit(":", 1)[1])) for b in backends], port=int(listen))
    print(f"round-robin proxy on {proxy.url} -> {', '.join(backends)}", flush=True)
    with proxy:
        proxy._thread.join()


if __name__ == "__main__":
    main(sys.argv[1:])
