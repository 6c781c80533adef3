"""Every ``DERM_*`` environment variable in one place, read by pydantic-settings.

Front ends read ``settings()`` when they need a value (it is cheap, and a test or a long-running process that
changes its environment sees the change); nothing else in the code reads ``DERM_*`` variables.

>>> Settings(rules_db=" sqlite:///x.db ").rules_db
'sqlite:///x.db'
>>> Settings(slack_admins="U0123ABC, S0456DEF").slack_admins
['U0123ABC', 'S0456DEF']
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_SLACK_ID = re.compile(r"^[UWS][A-Z0-9]{2,30}$")


class Settings(BaseSettings):
    """The toolkit's settings; each field is the variable ``DERM_<FIELD>`` (e.g. ``DERM_RULES_DB``)."""

    model_config = SettingsConfigDict(env_prefix="DERM_", extra="ignore")

    rules: str | None = None
    """A ruleset snapshot file (YAML or JSON) to check with instead of the current version."""
    rules_db: str | None = None
    """The rules store: a SQLAlchemy URL (PostgreSQL for several hosts) or a file path; default: an SQLite file in
    the user's data folder."""
    rules_url: str | None = None
    """Where front ends without a database (xlwings Lite) GET the current ruleset, e.g. ``https://host/rules/current``."""
    slack_admins: Annotated[list[str], NoDecode] = []
    """Rules admins in Slack: user ids (U..., W...) and user-group ids (S...), separated by commas or spaces."""
    remittances_dir: str | None = None
    """The folder ``/derm denials`` analyses (835 files, exports, zips)."""
    digest_file: str | None = None
    """Where earlier versions kept the denials digest channel (default: next to the rules store); read while the rules
    store has none. The channel is now kept in the rules store, shared by every replica of the bot."""

    @field_validator("rules", "rules_db", "rules_url", "remittances_dir", "digest_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @field_validator("slack_admins", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> list[str]:
        return slack_ids(value)


class ServerSettings(BaseSettings):
    """What ``derm serve`` and the Slack bot read once, at start (kept apart from :class:`Settings`, which front ends
    read per request: each field there costs every request a little)."""

    model_config = SettingsConfigDict(env_prefix="DERM_", extra="ignore")

    rules_token: str | None = None
    """The token ``GET /rules/current`` asks for (``Authorization: Bearer TOKEN`` or ``?token=TOKEN``); without it the
    ruleset is served to clients on the same machine only."""
    debug_unsafe: bool = False
    """``1``: let the Slack bot's and Slack's own loggers follow the root logger's level, DEBUG included. At DEBUG
    they log whole requests and replies, claim text among them: for a developer's machine, never with real data."""

    @field_validator("rules_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return (value.strip() or None) if isinstance(value, str) else value


def server_settings() -> ServerSettings:
    """The server's settings as the environment gives them now.

    >>> server_settings().debug_unsafe in (True, False)
    True
    """
    return ServerSettings()


def slack_ids(value: Any) -> list[str]:
    """``"U123, S456"`` or a list; each a Slack user id (U/W...) or user-group id (S...), upper-cased, once each.

    >>> slack_ids("u1ab s2cd;W3EF, U1AB")
    ['U1AB', 'S2CD', 'W3EF']
    """
    items = re.split(r"[\s,;]+", value) if isinstance(value, str) else list(value or [])
    ids = [str(i).strip().upper() for i in items if str(i).strip()]
    bad = [i for i in ids if not _SLACK_ID.match(i)]
    if bad:
        raise ValueError(f"not Slack user or user-group ids: {', '.join(bad[:5])} (users start with U or W, user groups with S)")
    return list(dict.fromkeys(ids))


_LAST: list[tuple[tuple[tuple[str, str], ...], Settings]] = []


def settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings as the environment gives them now (or as ``env``, a mapping of ``DERM_*`` names, gives them).

    Reading them is cheap: they are parsed again only when a ``DERM_*`` variable changed (parsing costs about half a
    millisecond, and the Slack bot and ``derm serve`` ask on every request).
    """
    if env is None:
        key = tuple(sorted((k, v) for k, v in os.environ.items() if k[:5].upper() == "DERM_"))
        if _LAST and _LAST[0][0] == key:
            return _LAST[0][1].model_copy()
        value = Settings()
        _LAST[:] = [(key, value)]
        return value.model_copy()
    return Settings.model_validate({k[len("DERM_") :].lower(): v for k, v in env.items() if k.startswith("DERM_")})
