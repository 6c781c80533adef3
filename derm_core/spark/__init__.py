"""Claims checked on Apache Spark (the ``[spark]`` extra): ``check_dataframe(df, ruleset)`` checks a DataFrame of
claim lines on the executors and returns a DataFrame of findings; ``derm check --spark`` and
``derm denials analyze --spark`` run on it.

``lines`` is plain Python (the flat rows, one claim's rows back to a claim); ``check`` and ``denials`` need pyspark,
imported only when used, so the core imports without it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_dataframe", "read_lines", "session"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import check

        return getattr(check, name)
    raise AttributeError(name)
