"""``GET /rules/current``: the current ruleset as a JSON snapshot, for xlwings Lite users and other hosts.

A Starlette route (``derm serve`` mounts it beside the Slack endpoint). The body is what
``derm rules snapshot`` writes, so ``--rules path`` reads it back; the ETag changes with the ruleset,
and a client that sends it back in ``If-None-Match`` gets ``304 Not Modified``. Read-only and without
credentials or claim data, so any origin may fetch it (CORS).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .ruleset import Ruleset
from .service import ruleset as current_ruleset


def snapshot(ruleset: Ruleset) -> tuple[bytes, str]:
    """The snapshot's body and its ETag.

    >>> from derm_core.ruleset import default_ruleset
    >>> body, etag = snapshot(default_ruleset())
    >>> body.startswith(b'{"version":') and etag.startswith('"')
    True
    """
    body = ruleset.model_copy(update={"ncci_quarter": None}).model_dump_json().encode()
    return body, f'"{ruleset.version}-{hashlib.sha256(body).hexdigest()[:24]}"'


def rules_routes(get_ruleset: Callable[[], Ruleset] = current_ruleset) -> list[Route]:
    """The routes to mount; ``get_ruleset`` returns the current ruleset (cheap to call per request)."""
    last: dict[int, tuple[Ruleset, bytes, str]] = {}

    async def rules_current(request: Request) -> Response:
        ruleset = await run_in_threadpool(get_ruleset)  # may look at the store
        hit = last.get(id(ruleset))
        if hit is None or hit[0] is not ruleset:
            last.clear()
            hit = last[id(ruleset)] = (ruleset, *snapshot(ruleset))
        _, body, etag = hit
        headers = {
            "ETag": etag,
            "X-Ruleset-Version": ruleset.version,
            "Cache-Control": "no-cache",
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Expose-Headers": "ETag, X-Ruleset-Version",
        }
        wanted = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
        if etag in wanted or "*" in wanted:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    return [Route("/rules/current", rules_current, methods=["GET"])]
