"""HTTP mode: an ASGI (Starlette) app that serves Slack's requests at ``/slack/events``, ``GET /healthz`` and the
current ruleset at ``GET /rules/current`` (``derm_core.web``).

Bolt's Starlette adapter converts requests and responses; the dispatch itself runs in a worker thread
because the sync Bolt app waits (polling) for ``ack()``, which would otherwise stall the event loop.
The same server will host the rules and Excel endpoints.
"""

from __future__ import annotations

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

MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller


def create_asgi(bolt_app: App, rules: Callable[[], Ruleset] = current_ruleset) -> Starlette:
    async def slack_events(request: Request) -> Response:
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            return PlainTextResponse("payload too large", status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("payload too large", status_code=413)
        bolt_response = await run_in_threadpool(bolt_app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[Route("/slack/events", slack_events, methods=["POST"]), Route("/healthz", healthz, methods=["GET"]), *rules_routes(rules)]
    )


def serve(bolt_app: App, host: str = "127.0.0.1", port: int = 3000) -> None:
    import uvicorn

    uvicorn.run(create_asgi(bolt_app), host=host, port=port, access_log=False, log_level="info")
