"""What tailor owns: the versioned state document and its stores. Knows nothing of plans or HTTP.

The names other packages use, in one place (backends are imported lazily by `open_store`).
"""

from reconciler.state.factory import open_store
from reconciler.state.model import Intent, ResourceEntry, StateDocument, StateMeta
from reconciler.state.store import (
    LockInfo,
    StateLock,
    StateMissing,
    StateStore,
)

__all__ = [
    "Intent",
    "LockInfo",
    "ResourceEntry",
    "StateDocument",
    "StateLock",
    "StateMeta",
    "StateMissing",
    "StateStore",
    "open_store",
]
