"""A separate process that takes the state lock: `python lock_holder.py LOCATION WORKSPACE`.

Prints `LOCKED <lock id>` and holds the lock until its stdin is closed, or prints
`REFUSED <message>` and exits 3 when another process holds it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reconciler.errors import LockError
from reconciler.state.factory import open_store


def main() -> int:
    location, workspace = sys.argv[1], Path(sys.argv[2])
    store = open_store(location, workspace=workspace)
    try:
        with store.lock("apply") as lock:
            print(f"LOCKED {lock.lock_id}", flush=True)
            sys.stdin.read()
    except LockError as error:
        print(f"REFUSED {error}", flush=True)
        return 3
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
