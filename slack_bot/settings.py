"""The bot's settings, read from the environment (contracts section 5)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, field_validator

_SLACK_ID = re.compile(r"^[UWS][A-Z0-9]{2,30}$")


class Settings(BaseModel):
    """Tokens and endpoints. ``api_url`` (``SLACK_API_URL``) points the Web API client elsewhere, e.g. at a
    local double; it always ends with ``/`` because slack_sdk joins method names onto it.

    >>> Settings(api_url="http://127.0.0.1:8080/api").api_url
    'http://127.0.0.1:8080/api/'
    """

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str | None = None
    rules: str | None = None  # a ruleset snapshot file; None: the current ruleset
    admins: list[str] = []  # rules admins: Slack user ids (U..., W...) and user-group ids (S...)
    remittances_dir: str | None = None  # the folder ``/derm denials`` analyses (835 files, exports, zips)
    digest_file: str | None = None  # where the denials digest channel is kept; None: next to the rules store

    @field_validator("api_url")
    @classmethod
    def _trailing_slash(cls, value: str | None) -> str | None:
        if not value:
            return None
        return value if value.endswith("/") else value + "/"

    @field_validator("admins", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> list[str]:
        """``"U123, S456"`` or a list; each a Slack user id (U/W...) or user-group id (S...).

        >>> Settings(admins="U0123ABC, S0456DEF").admins
        ['U0123ABC', 'S0456DEF']
        """
        items = re.split(r"[\s,;]+", value) if isinstance(value, str) else list(value or [])
        ids = [str(i).strip().upper() for i in items if str(i).strip()]
        bad = [i for i in ids if not _SLACK_ID.match(i)]
        if bad:
            raise ValueError(f"not Slack user or user-group ids: {', '.join(bad[:5])} (users start with U or W, user groups with S)")
        return list(dict.fromkeys(ids))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            api_url=env.get("SLACK_API_URL") or None,
            rules=env.get("DERM_RULES") or None,
            admins=[a for a in re.split(r"[\s,;]+", env.get("DERM_SLACK_ADMINS") or "") if a],
            remittances_dir=env.get("DERM_REMITTANCES_DIR") or None,
            digest_file=env.get("DERM_DIGEST_FILE") or None,
        )

    def missing(self, *names: str) -> list[str]:
        """The environment variables among ``names`` (``bot_token``, ...) that are not set."""
        return [f"SLACK_{n.upper()}" for n in names if not getattr(self, n)]
