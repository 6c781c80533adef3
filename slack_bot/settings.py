"""The bot's settings, read from the environment (contracts section 5)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, field_validator

from derm_core.settings import settings as derm_settings
from derm_core.settings import slack_ids


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
        """``"U123, S456"`` or a list (``derm_core.settings.slack_ids``).

        >>> Settings(admins="U0123ABC, S0456DEF").admins
        ['U0123ABC', 'S0456DEF']
        """
        return slack_ids(value)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The Slack variables from ``env`` (default: the process environment), the ``DERM_*`` ones through
        ``derm_core.settings``."""
        derm = derm_settings(env)
        env = os.environ if env is None else env
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            api_url=env.get("SLACK_API_URL") or None,
            rules=derm.rules,
            admins=derm.slack_admins,
            remittances_dir=derm.remittances_dir,
            digest_file=derm.digest_file,
        )

    def missing(self, *names: str) -> list[str]:
        """The environment variables among ``names`` (``bot_token``, ...) that are not set."""
        return [f"SLACK_{n.upper()}" for n in names if not getattr(self, n)]
