"""Clients that talk to Slack, all with the same retries: a 429 (rate limited) is retried after the ``Retry-After``
Slack sends, and a dropped connection is retried, by slack_sdk's own retry handlers. Every Web API client the bot
makes comes from :func:`web_client` (Bolt copies its handlers onto the client it makes for each request), and
``respond()`` posts to ``response_url`` through :class:`RetryingRespond`.

What fails anyway is logged by kind and Slack's error code (:func:`describe`), never with the payload.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.webhook import WebhookClient, WebhookResponse

RETRIES = 2  # per request, for each kind of failure


def retry_handlers() -> list[RetryHandler]:
    """A connection-error and a rate-limit handler (the latter waits for ``Retry-After``), new for each client."""
    return [ConnectionErrorRetryHandler(max_retry_count=RETRIES), RateLimitErrorRetryHandler(max_retry_count=RETRIES)]


def web_client(token: str | None, api_url: str | None = None, **options: Any) -> WebClient:
    """A Web API client for ``token`` (at ``api_url``, e.g. a local double), retrying 429s and dropped connections.

    >>> [type(h).__name__ for h in web_client("xoxb-1").retry_handlers]
    ['ConnectionErrorRetryHandler', 'RateLimitErrorRetryHandler']
    """
    return WebClient(token=token, base_url=api_url or WebClient.BASE_URL, retry_handlers=retry_handlers(), **options)


class RetryingRespond(Respond):
    """Bolt's ``respond()`` with the same retries as the Web API clients (Bolt's own has none)."""

    def __call__(self, text: str | dict[str, Any] = "", **kwargs: Any) -> WebhookResponse:  # type: ignore[override]
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        client = WebhookClient(url=self.response_url, proxy=self.proxy, ssl=self.ssl, retry_handlers=retry_handlers())
        message = _build_message(**text) if isinstance(text, dict) else _build_message(text=text, **kwargs)
        response = client.send_dict(message)
        if response.status_code >= 400:
            raise ResponseUrlError(response.status_code)
        return response


class ResponseUrlError(Exception):
    """``response_url`` refused the message (after the retries); the message holds the status only."""

    def __init__(self, status: int) -> None:
        super().__init__(f"response_url answered {status}")
        self.status = status


def describe(error: BaseException) -> str:
    """An error as the log may show it: its type and, for Slack's, the error code and HTTP status (never the payload).

    >>> from slack_sdk.web import SlackResponse
    >>> r = SlackResponse(client=None, http_verb="POST", api_url="u", req_args={}, data={"ok": False, "error": "ratelimited"}, headers={}, status_code=429)
    >>> describe(SlackApiError("The request to the Slack API failed.", r))
    'SlackApiError ratelimited (HTTP 429)'
    """
    if isinstance(error, SlackApiError):
        response = error.response
        code = response.get("error") if hasattr(response, "get") else None
        return f"SlackApiError {code or 'unknown_error'} (HTTP {getattr(response, 'status_code', '?')})"
    if isinstance(error, ResponseUrlError):
        return f"ResponseUrlError (HTTP {error.status})"
    return type(error).__name__
