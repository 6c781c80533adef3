"""A publisher in its own process, for the concurrency and kill tests:
``python publisher.py URL PAYER BASE GO_FILE`` waits for GO_FILE, publishes one PA row, prints the outcome as JSON."""

import json
import sys
import time
from pathlib import Path

from derm_core.ruleset import PriorAuthRow
from derm_core.store import open_store
from derm_core.store.core import Conflict


def main() -> None:
    url, payer, base, go = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
    store = open_store(url)
    current = store.current().ruleset

    candidate = current.model_copy(update={"prior_authorization": [*current.prior_authorization, PriorAuthRow(payer=payer, code="96920")]})
    store.publish(candidate, author=payer, reason="warm up", dry_run=True)  # load rules and cases before the race
    deadline = time.monotonic() + 30
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    try:
        done = store.publish(candidate, author=payer, reason="race", base=None if base == "none" else int(base))
        print(json.dumps({"published": done.version.number if done.version else None}))
    except Conflict as e:
        print(json.dumps({"conflict": str(e)}))


if __name__ == "__main__":
    main()
