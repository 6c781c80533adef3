"""Slow work (charge sheets, remittances, the rules workbook, admin exports and publishes, ``/derm denials``) on its
own bounded pool, so that it never takes the threads Bolt acknowledges requests with: a ``/derm check`` is answered
within Slack's 3 seconds however many slow jobs run.

The pool has a few workers and a short queue; when both are full, ``submit`` says so and the listener tells the
user to try again, instead of piling up work nobody is waiting for any more.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from .clients import describe

log = logging.getLogger("slack_bot.jobs")

BUSY = "I'm busy with other long jobs right now (charge sheets, remittances, rules). Please try again in a few minutes."


class Jobs:
    """``workers`` threads and room for ``queue`` waiting jobs.

    >>> jobs = Jobs(workers=1, queue=0)
    >>> jobs.submit("demo", lambda: None) is not None
    True
    >>> jobs.shutdown()
    """

    def __init__(self, workers: int = 2, queue: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="derm-job")
        self._slots = threading.BoundedSemaphore(workers + queue)
        self.workers, self.queue = workers, queue

    def submit(self, kind: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any] | None:
        """Run ``fn(*args, **kwargs)`` on the pool; None when the pool and its queue are full (nothing was started).
        A job that fails is logged by ``kind`` and error type (the job should have told the user already)."""
        if not self._slots.acquire(blocking=False):
            log.warning("job refused, the pool is full: %s", kind)
            return None

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as e:
                log.error("job failed: %s: %s", kind, describe(e))
                return None
            finally:
                self._slots.release()

        try:
            return self._pool.submit(run)
        except RuntimeError:  # shut down
            self._slots.release()
            return None

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)
