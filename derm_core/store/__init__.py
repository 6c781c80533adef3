"""The rules store: versioned rulesets, audit log, overrides and CMS NCCI data, in SQLite or PostgreSQL.

This module only says where the store is and opens it; SQLAlchemy and Alembic are imported by
``open_store`` (``core.py``), never by the claim checker itself, so ``derm_core`` still runs where there is
no database (xlwings Lite reads a snapshot file or ``GET /rules/current`` instead).

- ``DERM_RULES_DB``: a SQLAlchemy URL, e.g. ``postgresql://derm@db.internal/derm`` (the psycopg 3 driver is
  used) or ``sqlite:////srv/derm/rules.db``.
- Otherwise an SQLite file in the user's data folder (``default_path()``), created on first write.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..settings import settings

if TYPE_CHECKING:
    from .core import RulesStore


def default_path() -> Path:
    """The embedded store's file: ``rules.db`` in the user's data folder (``$XDG_DATA_HOME/derm`` on Linux)."""
    import platformdirs

    return platformdirs.user_data_path("derm", appauthor=False) / "rules.db"


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL with the psycopg 3 driver for PostgreSQL, or a path turned into an SQLite URL.

    >>> normalise_url("postgresql://derm@db/derm")
    'postgresql+psycopg://derm@db/derm'
    >>> normalise_url("/srv/derm/rules.db")
    'sqlite:////srv/derm/rules.db'
    """
    url = url.strip()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def configured_url() -> str | None:
    """The store to read rules from: ``DERM_RULES_DB`` when set, else the default file when it exists, else None."""
    url = settings().rules_db
    if url:
        return normalise_url(url)
    path = default_path()
    return f"sqlite:///{path}" if path.is_file() else None


def store_url() -> str:
    """The store to write to: ``DERM_RULES_DB`` when set, else the default file (created when missing)."""
    url = settings().rules_db
    if url:
        return normalise_url(url)
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def open_store(url: str | None = None) -> RulesStore:
    """The store at ``url`` (default: ``store_url()``), migrated to the current schema."""
    from .core import RulesStore

    return RulesStore(normalise_url(url) if url else store_url())


__all__ = ["configured_url", "default_path", "normalise_url", "open_store", "store_url"]
