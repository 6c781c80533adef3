"""The Bolt app: ``create_app(settings)`` builds it, ``listeners/`` wires it, ``DermBot`` answers.

The same app object serves Socket Mode (``derm slack``), HTTP (``derm serve``, see ``server.py``) and
the tests. Our loggers never see claim, question or file text, and the Slack SDK's loggers are kept
at INFO or above because at DEBUG they log whole request and response bodies.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from .admin import RulesDesk
from .bot import DermBot
from .listeners import register_listeners
from .settings import Settings

log = logging.getLogger("slack_bot")
SDK_LOGGERS = ("slack_sdk", "slack_bolt")


def quiet_sdk_loggers() -> None:
    """Pin the SDK loggers, and every child logger they made (Bolt copies the root's level onto ``slack_bolt.App``
    when an app is built), at INFO or above, so that a root logger at DEBUG does not turn them on: at DEBUG they
    log whole request and reply bodies."""
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in SDK_LOGGERS]
    for name in (*SDK_LOGGERS, *names):
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:  # NOTSET (inherit) included
            logger.setLevel(logging.INFO)


class _SeenEvents:
    """Event ids already handled: Slack retries an event it thinks was not acknowledged."""

    def __init__(self, size: int = 2000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def first_time(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._ids:
                return False
            self._ids[event_id] = None
            if len(self._ids) > self._size:
                self._ids.popitem(last=False)
            return True


def create_app(settings: Settings, bot: DermBot | None = None, desk: RulesDesk | None = None) -> App:
    """The Bolt app for ``settings``. ``bot`` defaults to a ``DermBot`` on the current ruleset, ``desk`` (rules
    administration) to one for the admins in ``settings`` on the configured rules store."""
    quiet_sdk_loggers()
    bot = bot or DermBot(rules=settings.rules)
    desk = desk or RulesDesk(settings.admins)
    bot.warm_up()
    client = WebClient(token=settings.bot_token, base_url=settings.api_url or WebClient.BASE_URL)
    app = App(client=client, signing_secret=settings.signing_secret)
    quiet_sdk_loggers()  # again: building the app gave slack_bolt.App the root logger's level
    seen = _SeenEvents()

    @app.middleware
    def context_and_dedupe(body: dict[str, Any], context: dict[str, Any], ack: Callable[..., Any], next: Callable[[], Any]) -> Any:
        event_id = body.get("event_id")
        if event_id and not seen.first_time(str(event_id)):
            return ack()
        context["derm"] = bot
        context["desk"] = desk
        context["api_url"] = settings.api_url
        context["settings"] = settings
        return next()

    @app.error
    def on_error(error: Exception) -> None:
        # The exception text may quote the payload; log only its type.
        log.error("listener failed: %s", type(error).__name__)

    register_listeners(app)
    return app
