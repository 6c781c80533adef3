"""The current ruleset for long-running front ends (Slack bot, ``derm serve``, batch checks): a cheap check of
the source at most every ``interval`` seconds, a reload when it changed, and the last good version (with a
warning) when the source cannot be read. No threads: the check happens inside ``get()``.

Sources, first match wins: a snapshot file (``--rules``/``DERM_RULES``), a URL serving ``GET /rules/current``
(``DERM_RULES_URL``: front ends without a database, such as xlwings Lite), the rules store (``DERM_RULES_DB``, or
the default store file when it exists), the shipped ruleset.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .ruleset import Ruleset, default_ruleset, parse_snapshot, read_snapshot
from .settings import settings

log = logging.getLogger("derm_core.rules")

POLL_SECONDS = 2.0
_STORES: dict[str, Any] = {}


def _configured_url() -> str | None:
    try:
        from .store import configured_url

        return configured_url()
    except ImportError:  # a minimal install (xlwings Lite): no store
        return None


def _store(url: str) -> Any:
    store = _STORES.get(url)
    if store is None:
        from .store import open_store

        store = _STORES[url] = open_store(url)
    return store


def _http_get(url: str, etag: str | None) -> tuple[int, str | None, str]:
    """(status, ETag, body) of a GET; in xlwings Lite (Pyodide: no sockets) through the browser's fetch."""
    try:
        from pyodide.http import open_url

        return 200, None, str(open_url(url).read())
    except ImportError:
        pass
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers.get("ETag"), response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        if e.code == 304:
            return 304, etag, ""
        raise


def _describe(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text[:200]}" if text else type(e).__name__


class CurrentRuleset:
    """The ruleset to check with, kept fresh.

    >>> current = CurrentRuleset(db_url="none")  # no store: the shipped ruleset
    >>> current.get().version == default_ruleset().version
    True
    """

    def __init__(
        self,
        rules_file: str | Path | None = None,
        *,
        url: str | None = None,
        db_url: str | None = None,
        interval: float = POLL_SECONDS,
        warn: Callable[[str], None] | None = None,
    ):
        self.rules_file = Path(rules_file) if rules_file else None
        self.url = url  # GET /rules/current of a ``derm serve``
        self.db_url = db_url  # None: DERM_RULES_DB or the default store when it exists; "none": never a store
        self.interval = interval
        self._warn_fn = warn or log.warning
        self._ruleset: Ruleset | None = None
        self._token: object = None
        self._checked = 0.0
        self._warned: object = None
        self._lock = threading.Lock()

    def get(self) -> Ruleset:
        """The current ruleset (checks the source when the last check is older than ``interval``)."""
        ruleset = self._ruleset
        if ruleset is not None and time.monotonic() - self._checked < self.interval:
            return ruleset
        with self._lock:
            if self._ruleset is None or time.monotonic() - self._checked >= self.interval:
                self._refresh()
                self._checked = time.monotonic()
            assert self._ruleset is not None
            return self._ruleset

    def refresh(self) -> Ruleset:
        """Check the source now."""
        self._checked = 0.0
        return self.get()

    # --- sources -----------------------------------------------------------------------------------

    def _url(self) -> str | None:
        if self.db_url == "none":
            return None
        return self.db_url or _configured_url()

    def _refresh(self) -> None:
        if self.rules_file is not None:
            self._refresh_file(self.rules_file)
            return
        if self.url is not None:
            self._refresh_url(self.url)
            return
        url = self._url()
        if url is None:
            self._use(("default",), default_ruleset())
        else:
            self._refresh_store(url)

    def _use(self, token: object, ruleset: Ruleset) -> None:
        self._token, self._ruleset, self._warned = token, ruleset, None

    def _refresh_store(self, url: str) -> None:
        try:
            store = _store(url)
            token = (url, store.token())
            if token != self._token:
                self._use(token, store.ruleset())
        except Exception as e:  # a database that is down must not take the checker down
            self._fall_back(("store", url), f"the rules store cannot be read ({_describe(e)})", store_ok=False)

    def _refresh_file(self, path: Path) -> None:
        try:
            stat = path.stat()
        except OSError:
            self._fall_back(("missing", str(path)), f"the ruleset file {path} is missing")
            return
        token = ("file", str(path), stat.st_mtime_ns, stat.st_size)
        if token == self._token:
            return
        try:
            ruleset = read_snapshot(path)
        except Exception as e:
            self._fall_back(token, f"the ruleset file {path} cannot be used ({_describe(e)})")
            return
        self._use(token, ruleset)

    def _refresh_url(self, url: str) -> None:
        etag = self._token[1] if isinstance(self._token, tuple) and self._token[0] == "url" else None
        try:
            status, tag, body = _http_get(url, etag)
            if status == 304 and self._ruleset is not None:
                return
            ruleset = parse_snapshot(body)
        except Exception as e:
            self._fall_back(("url", url), f"the ruleset at {url} cannot be used ({_describe(e)})", store_ok=False)
            return
        self._use(("url", tag), ruleset)

    def _fall_back(self, why_token: object, problem: str, store_ok: bool = True) -> None:
        """Keep the last good version; without one, use the store (when it is not what failed) or the shipped ruleset."""
        if self._ruleset is not None:
            message = f"{problem}; still using the last good ruleset, version {self._ruleset.version}"
        else:
            url = self._url() if store_ok else None
            fallback = None
            if url is not None:
                try:
                    fallback = _store(url).ruleset()
                except Exception as e:
                    problem += f"; the rules store cannot be read either ({_describe(e)})"
            where = "the rules store's current version" if fallback is not None else "the shipped ruleset"
            self._ruleset = fallback or default_ruleset()
            message = f"{problem}; using {where}, version {self._ruleset.version}"
        if self._warned != why_token:
            self._warned = why_token
            self._warn_fn(message)


_CURRENT: dict[tuple[str | None, str | None, str | None], CurrentRuleset] = {}


def current_ruleset(rules_file: str | Path | None = None, warn: Callable[[str], None] | None = None) -> Ruleset:
    """The ruleset to check with: ``rules_file`` when given, else the settings' snapshot file (``DERM_RULES``), URL
    (``DERM_RULES_URL``) or store (``DERM_RULES_DB``), else the shipped default; one cached ``CurrentRuleset`` per
    source, so repeated calls are cheap and a new version is seen within ``POLL_SECONDS``. ``warn`` receives the
    warning when the source cannot be read (default: the ``derm_core.rules`` logger)."""
    s = settings()
    rules_file = rules_file or s.rules
    url = None if rules_file else s.rules_url
    key = (str(rules_file) if rules_file else None, url, s.rules_db)
    current = _CURRENT.get(key)
    if current is None:
        current = _CURRENT[key] = CurrentRuleset(rules_file, url=url)
    current._warn_fn = warn or log.warning
    return current.get()


def refresh() -> None:
    """Make every cached source check again on its next use (after this process published a version)."""
    for current in list(_CURRENT.values()):
        current._checked = 0.0


def rules_store(url: str | None = None) -> Any:
    """The rules store to administer (``url``, else ``DERM_RULES_DB``, else the default file), opened once per URL."""
    from .store import normalise_url, store_url

    return _store(normalise_url(url) if url else store_url())


def reset() -> None:
    """Forget cached sources and store connections (tests; a process that changed its environment)."""
    _CURRENT.clear()
    for store in _STORES.values():
        store.close()
    _STORES.clear()
