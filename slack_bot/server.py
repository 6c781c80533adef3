"""HTTP mode: an ASGI (Starlette) app that serves Slack's requests at ``/slack/events``, ``GET /healthz`` and the
current ruleset at ``GET /rules/current`` (``derm_core.web``; behind ``DERM_RULES_TOKEN`` unless the client is on
this machine). Without a Bolt app (no Slack credentials) it serves ``/healthz`` and ``/rules/current`` only, for
Excel users.

A Slack request is taken in three steps, each able to stop it cheaply:

1. the body is read as it streams in and refused with 413 as soon as it passes 1 MiB (Slack's payloads are far
   smaller; a chunked upload without a length is never buffered whole);
2. the signature is checked on the raw bytes (401 for a missing, malformed or stale header, a non-numeric
   timestamp included), before anything parses the body;
3. only then does Bolt's Starlette adapter parse it (400, never a traceback, if a signed body is still garbage).

The dispatch itself runs in a worker thread because the sync Bolt app waits (polling) for ``ack()``, which would
otherwise stall the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from derm_core.ruleset import Ruleset
from derm_core.service import ruleset as current_ruleset
from derm_core.web import rules_routes

from .clients import describe
from .guards import signature_ok

log = logging.getLogger("slack_bot.server")
MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller


class TooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body, read as it arrives; ``TooLarge`` as soon as it passes ``limit`` bytes (or declares more)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_asgi(
    bolt_app: App | None,
    rules: Callable[[], Ruleset] = current_ruleset,
    *,
    signing_secret: str | None = None,
    rules_token: str | None = None,
) -> Starlette:
    """The ASGI app. ``bolt_app`` None: ``/rules/current`` and ``/healthz`` only. ``signing_secret``: the secret the
    raw body is checked against before parsing (Bolt checks again after)."""

    async def slack_events(request: Request) -> Response:
        try:
            body = await read_limited(request)
        except TooLarge:
            return PlainTextResponse("payload too large", status_code=413)
        headers = request.headers
        if not signature_ok(signing_secret, body, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")):
            log.info("request refused: no valid signature")
            return JSONResponse({"error": "invalid request"}, status_code=401)
        try:
            bolt_request = to_bolt_request(request, body)
        except Exception as e:  # signed, yet not a payload Bolt can read: say so, without a traceback
            log.warning("signed request not readable: %s", describe(e))
            return JSONResponse({"error": "unreadable request"}, status_code=400)
        assert bolt_app is not None
        bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    routes = [Route("/healthz", healthz, methods=["GET"]), *rules_routes(rules, rules_token)]
    if bolt_app is not None:
        routes.insert(0, Route("/slack/events", slack_events, methods=["POST"]))
    return Starlette(routes=routes)


def serve(
    bolt_app: App | None, host: str = "127.0.0.1", port: int = 3000, *, signing_secret: str | None = None, rules_token: str | None = None
) -> None:
    import uvicorn

    asgi = create_asgi(bolt_app, signing_secret=signing_secret, rules_token=rules_token)
    uvicorn.run(asgi, host=host, port=port, access_log=False, log_level="info")
