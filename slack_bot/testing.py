"""Slack without Slack: a local double of the Web API that records every call (path and payload),
and request signing. Used by the tests, the load benchmark and offline demos (``SLACK_API_URL``).

The double also stands in for ``response_url`` (``/respond/...``), file downloads (``/files/...``),
the upload URLs of ``files_upload_v2`` (``/upload/...``, whose bytes it keeps) and ``files.info``. It can
answer a method with Slack's rate limit (HTTP 429 with ``Retry-After``) a given number of times
(:meth:`SlackApiDouble.rate_limit`). It binds 127.0.0.1 only.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from slack_sdk.signature import SignatureVerifier

JSON_FIELDS = ("blocks", "view", "files", "attachments")


def signed_headers(
    body: str, secret: str, timestamp: int | None = None, content_type: str = "application/x-www-form-urlencoded"
) -> dict[str, str]:
    """The headers Slack sends with ``body``, signed with ``secret``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": str(SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)),
    }


@dataclass
class Call:
    path: str  # "chat.postMessage" for Web API methods, else the URL path ("/respond/r1")
    payload: dict[str, Any]
    headers: dict[str, str]
    status: int = 200  # what the double answered (429 when it rate-limited the call)


class SlackApiDouble:
    """``with SlackApiDouble() as slack: ... slack.api_url ...; slack.wait("chat.postMessage")``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.usergroups: dict[str, list[str]] = {}  # user-group id -> member ids, for usergroups.users.list
        self.file_objects: dict[str, dict[str, Any]] = {}  # file id -> the file object files.info returns
        self.uploaded: dict[str, bytes] = {}  # upload URL path -> the bytes posted to it
        self.limits: dict[str, tuple[int, int]] = {}  # method or path -> (answers left with 429, Retry-After seconds)
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output and logs quiet
                pass

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path.startswith("/api/"):  # Web API methods slack_sdk calls with GET (files.info)
                    path, _, query = self.path.partition("?")
                    method, payload = path[len("/api/") :], dict(parse_qsl(query, keep_blank_values=True))
                    double._record(Call(method, payload, headers))
                    self._send(200, json.dumps(double.answer(method, payload)).encode(), "application/json")
                    return
                double._record(Call(self.path, {}, headers))
                data = double.files.get(unquote(self.path.rsplit("/", 1)[-1])) if self.path.startswith("/files/") else None
                self._send(200 if data is not None else 404, data or b"not found", "application/octet-stream")

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                path = self.path.split("?", 1)[0]
                method = path[len("/api/") :] if path.startswith("/api/") else path
                payload = double._decode(raw, self.headers.get("content-type") or "", path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                retry_after = double._limited(method)
                if retry_after is not None:
                    double._record(Call(method, payload, headers, 429))
                    body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
                    self.send_response(429)
                    self.send_header("retry-after", str(retry_after))
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if path.startswith("/upload/"):
                    double.uploaded[path] = raw
                answer = double.answer(method, payload)
                double._record(Call(method, payload, headers))
                if path.startswith("/api/"):
                    self._send(200, json.dumps(answer).encode(), "application/json")
                else:
                    self._send(200, b"ok", "text/plain")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-api-double", daemon=True)

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> SlackApiDouble:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SlackApiDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}respond/{name}"

    def add_file(self, name: str, data: bytes) -> str:
        """Serve ``data`` as a Slack file; returns its download URL."""
        self.files[name] = data
        return f"{self.url}files/{quote(name)}"

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` (a Web API method, or a path such as ``/respond/r1``) with
        HTTP 429, ``{"ok": false, "error": "ratelimited"}`` and ``Retry-After: retry_after``, as Slack does."""
        with self._cond:
            self.limits[method] = (times, retry_after)

    def _limited(self, method: str) -> int | None:
        with self._cond:
            left, retry_after = self.limits.get(method, (0, 0))
            if left <= 0:
                return None
            self.limits[method] = (left - 1, retry_after)
            return retry_after

    def answered(self, path: str, status: int = 200) -> list[Call]:
        """The calls to ``path`` the double answered with ``status``."""
        return [c for c in self.called(path) if c.status == status]

    # --- what was called ------------------------------------------------------------------------

    def called(self, path: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.path == path or c.path.startswith(path + "/")]

    def wait(self, path: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The calls to ``path`` once there are at least ``count`` of them (AssertionError on time-out)."""
        self.wait_until(lambda: len(self.called(path)) >= count, timeout, f"{count} call(s) to {path}")
        return self.called(path)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}; calls: {[c.path for c in self.calls]}")
                self._cond.wait(left)

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()
            self.limits.clear()
            self.uploaded.clear()

    # --- how it answers -------------------------------------------------------------------------

    @staticmethod
    def _decode(raw: bytes, content_type: str, path: str) -> dict[str, Any]:
        if path.startswith("/upload/"):
            return {"bytes": len(raw), "head": raw[:8].hex()}  # the head tells a PNG from a workbook
        text = raw.decode("utf-8", "replace")
        if "json" in content_type:
            return dict(json.loads(text or "{}"))
        payload: dict[str, Any] = dict(parse_qsl(text, keep_blank_values=True))
        for key in JSON_FIELDS:
            if isinstance(payload.get(key), str):
                payload[key] = json.loads(payload[key])
        return payload

    def answer(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://derm.example/",
                "team": "Derm",
                "user": "derm",
                "team_id": "T1",
                "user_id": "UBOT",
                "bot_id": "BBOT",
            }
        if method == "chat.postMessage":
            return {"ok": True, "channel": payload.get("channel"), "ts": ts, "message": {"text": payload.get("text"), "ts": ts}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "chat.update":
            return {"ok": True, "channel": payload.get("channel"), "ts": payload.get("ts")}
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": "V1", **(payload.get("view") or {})}}
        if method == "usergroups.users.list":
            group = str(payload.get("usergroup") or "")
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(self.usergroups[group])}
        if method == "files.info":
            found = self.file_objects.get(str(payload.get("file") or ""))
            return {"ok": True, "file": found} if found else {"ok": False, "error": "file_not_found"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D1"}}
        if method == "files.getUploadURLExternal":
            n = next(self._ts)
            return {"ok": True, "upload_url": f"{self.url}upload/F{n}", "file_id": f"F{n}"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in payload.get("files", [])]}
        return {"ok": True}
