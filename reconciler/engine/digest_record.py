"""When apply records a completed dataset's content digest, and from what.

Apply records it as a dataset's change finishes (after all its images): from the plan's own
`after` values, the ones the planner hashes from the manifest next time, and only when the
state's image rows hold exactly those values, so that a matching digest later means a full
comparison would find nothing to do. Adopted, recovered and cloned datasets get theirs the
same way, at the end of the first apply whose plan holds them; an apply with nothing to do
records those still missing (a state from before digests), so that the next plan trusts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from reconciler.addresses import Kind
from reconciler.plan.digest import content_digest
from reconciler.plan.model import Action, Change, Plan
from reconciler.state.store import StateLock, StateStore

if TYPE_CHECKING:
    from reconciler.engine.ledger import Ledger


def record_content_digest(ledger: Ledger, dataset: Change, images: Sequence[Change]) -> None:
    """Record `dataset`'s digest if it ends completed with exactly the plan's images."""
    after = dataset.after
    if dataset.deposed is not None or dataset.action is Action.DELETE or after is None:
        return
    entry = ledger.get(dataset.address)
    if entry is None or after.get("completed") is not True:
        return
    if entry.attributes.get("completed") is not True:
        return
    kept: list[Change] = []
    for image in images:
        if image.deposed is not None or image.action is Action.DELETE:
            continue
        recorded = ledger.get(image.address)
        if image.after is None or recorded is None:
            return
        values = recorded.attributes
        if any(values.get(key) != value for key, value in image.after.items()):
            return
        kept.append(image)
    digest = content_digest(after, (image.after or {} for image in kept))
    key, remote_id, count = str(dataset.address), entry.remote_id, len(kept)
    # Queued after the writes of its images: the store counts the rows it describes.
    ledger.writer.submit(
        lambda store, lock: store.record_digest(lock, key, remote_id, digest, count)
    )


def record_missing_digests(store: StateStore, lock: StateLock, plan: Plan) -> int:
    """After a plan with no changes: the digests of its completed datasets that the state
    has none for. Returns how many were recorded. Writes no resource (the serial stays)."""
    recorded = store.read().digests
    missing = [
        change
        for change in plan.changes
        if change.kind is Kind.DATASET
        and change.deposed is None
        and str(change.address) not in recorded
        and (change.after or {}).get("completed") is True
    ]
    if not missing:
        return 0  # the usual case: a no-change apply does not load the ledger for it
    from reconciler.engine.ledger import Ledger

    ledger = Ledger.open(store, lock)
    for change in missing:
        record_content_digest(ledger, change, plan.images_of(change.address))
    ledger.flush()
    return len(store.read().digests) - len(recorded)
