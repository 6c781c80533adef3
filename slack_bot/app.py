"""The Bolt app: ``create_app(settings)`` builds it, ``listeners/`` wires it, ``DermBot`` answers.

The same app object serves Socket Mode (``derm slack``), HTTP (``derm serve``, see ``server.py``) and the tests.

* Every request's signature is checked before anything else (``guards.SignatureCheck``), and Events API retries
  and replayed form submissions are recognised by keys kept in the rules store (``guards.SeenKeys``).
* Listeners that answer at once (checks, questions, buttons) run on Bolt's listener threads; slow work goes to the
  bot's own bounded pool (``jobs.Jobs``), so it can never hold up an acknowledgement.
* Every Web API call retries a 429 after Slack's ``Retry-After`` and a dropped connection (``clients``).
* Our loggers never see claim, question or file text, and the bot's, Bolt's and slack_sdk's loggers are held at
  INFO or above (``guards.pin_loggers``) unless ``DERM_DEBUG_UNSAFE=1``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App

from derm_core.settings import server_settings

from .admin import RulesDesk
from .bot import DermBot
from .clients import RetryingRespond, describe, web_client
from .guards import SeenKeys, SignatureCheck, event_key, pin_loggers
from .listeners import register_listeners
from .settings import Settings

log = logging.getLogger("slack_bot")
LISTENER_THREADS = 16  # Bolt's own pool, for listeners that answer at once; slow work has its own (jobs.Jobs)
APP_NAME = "derm"  # Bolt names its listener loggers after the app ("derm:derm_command")


def create_app(settings: Settings, bot: DermBot | None = None, desk: RulesDesk | None = None) -> App:
    """The Bolt app for ``settings``. ``bot`` defaults to a ``DermBot`` on the current ruleset, ``desk`` (rules
    administration) to one for the admins in ``settings`` on the configured rules store."""
    unsafe = server_settings().debug_unsafe
    pin_loggers(unsafe)
    bot = bot or DermBot(rules=settings.rules)
    desk = desk or RulesDesk(settings.admins)
    bot.warm_up()
    base_logger = logging.getLogger("slack_bolt.App")  # every logger Bolt makes takes this one's level
    app = App(
        name=APP_NAME,
        client=web_client(settings.bot_token, settings.api_url),
        signing_secret=settings.signing_secret,
        logger=base_logger,
        request_verification_enabled=False,  # Bolt's own logs a refused request's body: ours runs instead, first
        before_authorize=SignatureCheck(settings.signing_secret),
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="derm-listener"),
    )
    pin_loggers(unsafe)  # again: building the app made loggers of its own
    seen = SeenKeys(desk.store)

    @app.middleware
    def context_and_dedupe(body: dict[str, Any], context: dict[str, Any], ack: Callable[..., Any], next: Callable[[], Any]) -> Any:
        key = event_key(body)
        if key and not seen.first_time(key):
            log.info("event already handled: acknowledged again, not answered again")
            return ack()
        context["derm"] = bot
        context["desk"] = desk
        context["api_url"] = settings.api_url
        context["settings"] = settings
        context["seen"] = seen
        if context.get("response_url"):
            context["respond"] = RetryingRespond(response_url=context["response_url"])
        return next()

    @app.error
    def on_error(error: Exception) -> None:
        # The exception text may quote the payload; log only its type and Slack's error code.
        log.error("listener failed: %s", describe(error))

    register_listeners(app)
    pin_loggers(unsafe)
    return app
