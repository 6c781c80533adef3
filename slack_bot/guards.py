"""What stands between Slack's requests and the listeners: the signature check, the de-duplication of retried and
replayed requests, and loggers that cannot be turned up to DEBUG by accident.

* :func:`signature_ok` checks a request's signature on its raw bytes, before anything parses them, and answers
  False (never raises) for a missing, malformed or stale header. :class:`SignatureCheck` is the same as a Bolt
  middleware: Bolt's own logs the whole body of a request it refuses, at INFO.
* :class:`SeenKeys` remembers event ids and submitted forms in the rules store (shared by every process and kept
  across restarts), falling back to memory while the store cannot be reached.
* :func:`pin_loggers`: at DEBUG, slack_sdk and Bolt log whole request and reply bodies (claim text among them),
  and Bolt copies the root logger's level onto the loggers it makes. Unless ``DERM_DEBUG_UNSAFE=1``, the bot's,
  Bolt's and slack_sdk's loggers are held at INFO or above whatever the root logger's level is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from .clients import describe

log = logging.getLogger("slack_bot")

# --- signatures ------------------------------------------------------------------------------------------------

MAX_CLOCK_SKEW = 300  # seconds; Slack's own advice, and what Bolt accepts


def signature_ok(secret: str | None, body: bytes | str, timestamp: str | None, signature: str | None, now: float | None = None) -> bool:
    """Whether ``body`` carries Slack's signature for ``secret``: a numeric timestamp within five minutes and a
    matching ``v0=`` HMAC. Any malformed header is just False.

    >>> from slack_bot.testing import signed_headers
    >>> h = signed_headers("a=1", "s3cret")
    >>> signature_ok("s3cret", b"a=1", h["x-slack-request-timestamp"], h["x-slack-signature"])
    True
    >>> signature_ok("s3cret", b"a=1", "yesterday", h["x-slack-signature"]), signature_ok("s3cret", b"a=2", None, None)
    (False, False)
    """
    if not secret or not timestamp or not signature or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_CLOCK_SKEW:
        return False
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        return False
    return SignatureVerifier(secret).is_valid(body=text, timestamp=timestamp, signature=signature)


def first_header(headers: Mapping[str, Any], name: str) -> str | None:
    """A header's first value, from Bolt's ``{name: [values]}`` or a plain mapping."""
    value = headers.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return str(value) if value is not None else None


class SignatureCheck(Middleware):
    """Bolt middleware: 401 for a request without Slack's valid signature (Socket Mode needs none). Logs only that a
    request was refused."""

    def __init__(self, secret: str | None) -> None:
        self.secret = secret

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        if req.mode == "socket_mode":
            return next()
        headers = req.headers
        if signature_ok(
            self.secret, req.raw_body, first_header(headers, "x-slack-request-timestamp"), first_header(headers, "x-slack-signature")
        ):
            return next()
        log.info("request refused: no valid signature")
        return BoltResponse(status=401, body={"error": "invalid request"})


# --- requests already handled ------------------------------------------------------------------------------------


class SeenKeys:
    """Keys of requests already handled. ``store`` returns the rules store (``RulesStore.first_time``); when it
    fails, the key is remembered in memory instead, so retries are still caught within this process."""

    def __init__(self, store: Callable[[], Any], memory: int = 5000) -> None:
        self._store = store
        self._memory: OrderedDict[str, None] = OrderedDict()
        self._size = memory
        self._lock = threading.Lock()
        self._store_down = False

    def first_time(self, key: str) -> bool:
        try:
            new = bool(self._store().first_time(key))
        except Exception as e:
            if not self._store_down:
                log.error("request keys kept in memory: the rules store failed (%s)", describe(e))
            self._store_down = True
            return self._remember(key)
        self._store_down = False
        return new and self._remember(key, store_said_new=True)

    def _remember(self, key: str, store_said_new: bool = False) -> bool:
        with self._lock:
            if key in self._memory and not store_said_new:
                return False
            self._memory[key] = None
            self._memory.move_to_end(key)
            while len(self._memory) > self._size:
                self._memory.popitem(last=False)
        return True


def event_key(body: Mapping[str, Any]) -> str | None:
    """``event:<event_id>`` for an Events API request, else None."""
    event_id = body.get("event_id")
    return f"event:{event_id}" if event_id else None


def view_key(body: Mapping[str, Any]) -> str:
    """A digest of a submitted form: the same request replayed gives the same key; a user's second submission (new
    values, a new trigger) does not. Nothing of the form can be read back from it."""
    view = body.get("view") or {}
    parts: Sequence[Any] = (
        body.get("trigger_id"),
        (body.get("user") or {}).get("id"),
        view.get("id"),
        view.get("hash"),
        view.get("callback_id"),
        (view.get("state") or {}).get("values"),
    )
    return "view:" + hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:40]


# --- logging ------------------------------------------------------------------------------------------------------

PINNED = ("slack_bot", "slack_sdk", "slack_bolt", "derm_core", "charge_sheets", "derm")
_UNSAFE_WARNED = False


def pin_loggers(unsafe: bool = False, names: Sequence[str] = ()) -> None:
    """Hold the bot's, Bolt's and slack_sdk's loggers (and every child logger they made) at INFO or above, whatever
    the root logger's level. ``unsafe`` (``DERM_DEBUG_UNSAFE=1``) leaves them alone, with a warning."""
    global _UNSAFE_WARNED
    if unsafe:
        if not _UNSAFE_WARNED:
            log.warning("DERM_DEBUG_UNSAFE is set: at DEBUG the logs hold whole Slack requests and replies, claim text among them")
            _UNSAFE_WARNED = True
        return
    roots = (*PINNED, *names)
    existing = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0].split(":")[0] in roots]
    for name in (*roots, *existing):
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:  # NOTSET (inherit from the root) included
            logger.setLevel(logging.INFO)
