"""``GET /rules/current``: the current ruleset as a JSON snapshot, for xlwings Lite users and other hosts.

A Starlette route (``derm serve`` mounts it beside the Slack endpoint). The body is what
``derm rules snapshot`` writes, so ``--rules path`` reads it back; the ETag changes with the ruleset,
and a client that sends it back in ``If-None-Match`` gets ``304 Not Modified``. It holds no claim data, but
it is the practice's payer contracts and policies: with ``DERM_RULES_TOKEN`` set, a request must carry the token
(``Authorization: Bearer TOKEN``, or ``?token=TOKEN`` in the URL, which ``DERM_RULES_URL`` may hold); without it
the ruleset is served only to clients on this machine (a loopback address, no proxy's forwarding header).
Browsers may fetch it from any origin (CORS), the token's header included.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .ruleset import Ruleset
from .service import ruleset as current_ruleset
from .settings import server_settings

FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, X-Ruleset-Version",
}


def snapshot(ruleset: Ruleset) -> tuple[bytes, str]:
    """The snapshot's body and its ETag.

    >>> from derm_core.ruleset import default_ruleset
    >>> body, etag = snapshot(default_ruleset())
    >>> body.startswith(b'{"version":') and etag.startswith('"')
    True
    """
    body = ruleset.model_copy(update={"ncci_quarter": None}).model_dump_json().encode()
    return body, f'"{ruleset.version}-{hashlib.sha256(body).hexdigest()[:24]}"'


def is_local(request: Request) -> bool:
    """A request from this machine: a loopback client address and no forwarding header (a reverse proxy on this
    machine forwards the world's requests from a loopback address)."""
    if any(h in request.headers for h in FORWARDING_HEADERS) or request.client is None:
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return request.client.host == "localhost"


def authorised(request: Request, token: str | None) -> bool:
    """With a token: the request carries it (bearer header or ``token`` query parameter). Without: it is local."""
    if not token:
        return is_local(request)
    given = request.headers.get("authorization", "")
    given = given[7:].strip() if given[:7].lower() == "bearer " else request.query_params.get("token", "")
    return hmac.compare_digest(given.encode(), token.encode())


def rules_routes(get_ruleset: Callable[[], Ruleset] = current_ruleset, token: str | None = None) -> list[Route]:
    """The routes to mount; ``get_ruleset`` returns the current ruleset (cheap to call per request). ``token``:
    the one requests must carry (default ``DERM_RULES_TOKEN``); without one, only local clients are served."""
    last: dict[int, tuple[Ruleset, bytes, str]] = {}
    token = token if token is not None else server_settings().rules_token

    async def rules_current(request: Request) -> Response:
        if request.method == "OPTIONS":  # a browser's preflight for the Authorization or If-None-Match header
            return Response(
                status_code=204,
                headers={**CORS, "Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Headers": "Authorization, If-None-Match"},
            )
        if not authorised(request, token):
            why = "a valid token" if token else "DERM_RULES_TOKEN set on the server (it serves only this machine without one)"
            return JSONResponse(
                {"error": f"unauthorised: /rules/current needs {why}"}, status_code=401, headers={**CORS, "WWW-Authenticate": "Bearer"}
            )
        ruleset = await run_in_threadpool(get_ruleset)  # may look at the store
        hit = last.get(id(ruleset))
        if hit is None or hit[0] is not ruleset:
            last.clear()
            hit = last[id(ruleset)] = (ruleset, *snapshot(ruleset))
        _, body, etag = hit
        headers = {"ETag": etag, "X-Ruleset-Version": ruleset.version, "Cache-Control": "no-cache", **CORS}
        wanted = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
        if etag in wanted or "*" in wanted:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    return [Route("/rules/current", rules_current, methods=["GET", "OPTIONS"])]
