"""What one apply knows and records: the state entries (mirrored in memory) and the journal.

Every write goes through the Ledger, so the in-memory view that resolves `{dataset_id}` and
friends for later steps is always the state as written (or about to be). Writes are group
committed (`reconciler.state.group_commit`): queued, and committed together within a short
window on a writer thread, so the event loop never waits for the database. Creates are
journaled in two halves: `announce` before the request (an intent with what recovery needs to
find the object by name), durable before it returns; `created` after it (the entry and the
intent's completion, in one commit with whatever else is queued). A crash before that commit
leaves the intent pending, and recovery adopts the object. A create may journal the intents of
creates that will follow it (the next images of its dataset) in the same commit: each of those
finds its intent durable already when it is sent, and 200 uploads share ~25 commits, not ~110.
`flush` ends the run: it discards the intents journaled ahead for creates never sent. An advanced
dataset's bulk upload and the ZIP staged for it are journaled the same way (`BulkIntent`,
`StagedZip`), so a run that dies mid-upload leaves recovery what it needs to adopt the images
and delete the ZIP.
"""
# size: the journal's record types beside the one writer of them; recovery reads the same types

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import InitVar, dataclass, field, replace

from reconciler.addresses import Address, Kind
from reconciler.errors import StateError
from reconciler.resources import JsonValue
from reconciler.state.group_commit import GroupCommit
from reconciler.state.model import ResourceEntry, StateDocument
from reconciler.state.store import StateLock, StateStore

CREATE_OPERATION = "create"
CLONE_OPERATION = "clone"
"""A dataset's successor made by Clone Dataset As Draft: journaled as a create
(`CreateIntent`), and once found its copied images take over the recorded ones by name."""
BULK_OPERATION = "bulk_upload"
STAGE_OPERATION = "stage"


@dataclass(frozen=True)
class CreateIntent:
    """What recovery needs to find an object whose create answer may never have arrived."""

    address: Address
    kind: Kind
    name: str
    parent_id: int | None
    """project id (datasets), dataset id (models, images); None for projects."""
    known_ids: tuple[int, ...]
    """Same-named objects under the parent before the request: never this create's result."""
    attributes: Mapping[str, JsonValue]
    """The attributes to record if the object is found."""
    replaces: int | None = None
    """The remote id the address held before (kept as deposed once the successor exists)."""

    def details(self) -> dict[str, JsonValue]:
        return {
            "kind": str(self.kind),
            "name": self.name,
            "parent_id": self.parent_id,
            "known_ids": list(self.known_ids),
            "attributes": dict(self.attributes),
            "replaces": self.replaces,
        }

    @classmethod
    def from_details(cls, address: str, details: Mapping[str, JsonValue]) -> CreateIntent:
        parsed = Address.parse(address)
        known = details.get("known_ids")
        attributes = details.get("attributes")
        parent_id = details.get("parent_id")
        replaces = details.get("replaces")
        name = details.get("name")
        if not isinstance(name, str):
            raise StateError(f"the pending intent for {address} has no object name")
        return cls(
            address=parsed,
            kind=parsed.kind,
            name=name,
            parent_id=parent_id if isinstance(parent_id, int) else None,
            known_ids=tuple(k for k in known if isinstance(k, int))
            if isinstance(known, list)
            else (),
            attributes=dict(attributes) if isinstance(attributes, dict) else {},
            replaces=replaces if isinstance(replaces, int) else None,
        )


@dataclass(frozen=True)
class BulkIntent:
    """A bulk upload sent to a dataset: Bria takes one only (BULK-ONCE-ONLY), so a run that
    lost track of it must adopt its images by name, never upload again."""

    dataset: Address
    dataset_id: int
    images: Mapping[str, Mapping[str, JsonValue]]
    """Image name in the ZIP -> the attributes to record for it once it is at Bria."""

    def details(self) -> dict[str, JsonValue]:
        return {
            "dataset_id": self.dataset_id,
            "images": {name: dict(attributes) for name, attributes in self.images.items()},
        }

    @classmethod
    def from_details(cls, address: str, details: Mapping[str, JsonValue]) -> BulkIntent:
        dataset_id, images = details.get("dataset_id"), details.get("images")
        if not isinstance(dataset_id, int) or not isinstance(images, dict):
            raise StateError(f"the pending bulk upload of {address} is malformed")
        return cls(
            Address.parse(address),
            dataset_id,
            {name: dict(a) for name, a in images.items() if isinstance(a, dict)},
        )

    def arrived(self, listing: Mapping[str, Sequence[int]]) -> dict[str, int]:
        """Name -> id of this upload's images in the dataset's listing (name -> ids). A name
        found twice is left out: which one the ZIP brought cannot be told."""
        found: dict[str, int] = {}
        for name in self.images:
            ids = listing.get(name, ())
            if len(ids) == 1:
                found[name] = ids[0]
        return found

    def entries(self, found: Mapping[str, int]) -> list[ResourceEntry]:
        """The image entries for the names found at Bria (name -> image id)."""
        dataset = self.dataset
        return [
            ResourceEntry.for_address(
                Address(dataset.project, dataset=dataset.dataset, image=name),
                image_id,
                self.images[name],
            )
            for name, image_id in sorted(found.items())
            if name in self.images
        ]


@dataclass(frozen=True)
class StagedZip:
    """A ZIP put (or about to be put) where Bria fetches it: `key` in the staging area
    `location` (Stager.location), for a later run to delete if this one cannot."""

    location: str
    key: str

    def details(self) -> dict[str, JsonValue]:
        return {"location": self.location, "key": self.key}

    @classmethod
    def from_details(cls, address: str, details: Mapping[str, JsonValue]) -> StagedZip:
        location, key = details.get("location"), details.get("key")
        if not isinstance(location, str) or not isinstance(key, str):
            raise StateError(f"the pending staged ZIP of {address} is malformed")
        return cls(location, key)


def owners(document: StateDocument, kind: Kind) -> dict[int, str]:
    """Remote id -> the address that manages it, current or deposed: ids never to take again."""
    owned: dict[int, str] = {}
    for entry in document.resources.values():
        if entry.kind is kind:
            owned[entry.remote_id] = entry.address
            owned.update(dict.fromkeys(entry.deposed, entry.address))
    return owned


def by_name(listing: Iterable[tuple[int, str]]) -> dict[str, tuple[int, ...]]:
    """Name -> ids of a listing of (id, name): looked up per name, never scanned."""
    found: dict[str, tuple[int, ...]] = {}
    for remote_id, name in listing:
        found[name] = (*found.get(name, ()), remote_id)
    return found


def record_bulk(
    store: StateStore, lock: StateLock, intent_id: str, intent: BulkIntent, found: Mapping[str, int]
) -> list[ResourceEntry]:
    """A bulk upload ended: its images found at Bria (name -> id) recorded and its intent
    completed in one commit. Returns the entries written."""
    entries = intent.entries(found)
    with store.transaction(lock):
        for entry in entries:
            store.put(lock, entry)
        store.complete_intent(lock, intent_id, intent.dataset_id)
    return entries


@dataclass(frozen=True)
class CloneRecord:
    """What a clone changes in the state: the dataset's entry (its predecessor deposed), its
    recorded images re-pointed at their copies, and the images not found in the copy."""

    dataset: ResourceEntry
    images: tuple[ResourceEntry, ...]
    missing: tuple[str, ...]
    """Addresses of recorded images the clone has no single copy of: forgotten, so a later
    plan uploads them again instead of editing an image of the old dataset."""


def clone_record(
    entries: Mapping[str, ResourceEntry],
    intent: CreateIntent,
    clone_id: int,
    listing: Mapping[str, Sequence[int]],
) -> CloneRecord:
    """The clone `clone_id` made for `intent`, its images listed by name (`listing`)."""
    own = str(intent.address)
    dataset = entry_after_create(entries.get(own), intent, clone_id)
    images: list[ResourceEntry] = []
    missing: list[str] = []
    for entry in entries.values():
        if entry.kind is not Kind.IMAGE or entry.parent != own:
            continue
        name = Address.parse(entry.address).key
        ids = listing.get(name, ())
        if len(ids) == 1:
            images.append(replace(entry, remote_id=ids[0], deposed=()))
        else:
            missing.append(entry.address)
    return CloneRecord(dataset, tuple(images), tuple(missing))


def record_clone(
    store: StateStore, lock: StateLock, intent_id: str, record: CloneRecord
) -> None:
    """The clone, its images and the intent's completion in one commit."""
    with store.transaction(lock):
        store.put(lock, record.dataset)
        for entry in record.images:
            store.put(lock, entry)
        for address in record.missing:
            store.remove(lock, address)
        store.complete_intent(lock, intent_id, record.dataset.remote_id)


def entry_after_create(
    previous: ResourceEntry | None, intent: CreateIntent, remote_id: int
) -> ResourceEntry:
    """The entry once the object exists; the id it replaces becomes deposed (not images: an
    image's predecessor goes with its old dataset or was deleted first)."""
    deposed = previous.deposed if previous is not None else ()
    replaced = intent.replaces
    if (
        replaced is not None
        and replaced != remote_id
        and intent.kind is not Kind.IMAGE
        and replaced not in deposed
    ):
        deposed = (*deposed, replaced)
    return ResourceEntry.for_address(intent.address, remote_id, intent.attributes, deposed)


AHEAD = 8
"""Intents of creates expected next that one announce journals with its own (the next images
of its dataset): one commit for nine uploads, not one each. A run killed meanwhile leaves
them pending; recovery lists the dataset once for all and finds them not sent."""


@dataclass
class _Ahead:
    """An intent journaled ahead of its create: its id once committed, and the mark to await."""

    intent: CreateIntent
    recorded: list[str]
    mark: int


@dataclass
class Ledger:
    store: StateStore
    lock: StateLock
    entries: dict[str, ResourceEntry] = field(default_factory=dict)
    created_in_run: set[str] = field(default_factory=set)
    claimed: set[tuple[Kind, int]] = field(default_factory=set)
    """Objects this run created or adopted: never another address's, even once forgotten."""
    window: InitVar[float | None] = None
    """Group commit's window (None: its default)."""
    writer: GroupCommit = field(init=False)
    _listings: dict[tuple[str, int], dict[str, tuple[int, ...]]] = field(default_factory=dict)
    _listing_locks: dict[tuple[str, int], asyncio.Lock] = field(default_factory=dict)
    _ahead: dict[str, _Ahead] = field(default_factory=dict)
    """Per address: an intent journaled ahead, not yet claimed by its create."""

    def __post_init__(self, window: float | None) -> None:
        self.writer = GroupCommit(self.store, self.lock, window=window)

    @classmethod
    def open(cls, store: StateStore, lock: StateLock, *, window: float | None = None) -> Ledger:
        document = store.read()
        return cls(store, lock, dict(document.resources), window=window)

    def flush(self) -> None:
        """End the run's writes: intents journaled ahead for creates never sent discarded,
        every queued write committed now (blocking); raises the StateError of a failed one."""
        for ahead in self._ahead.values():
            self._discard(ahead)
        self._ahead.clear()
        self.writer.flush()

    def mark(self) -> int:
        """How many writes were queued so far: `durable(mark)` waits for those only."""
        return self.writer.queued

    async def durable(self, upto: int | None = None) -> None:
        """Queued writes (all, or those up to a `mark`) committed, without blocking the loop."""
        await self.writer.durable(upto)

    # ------------------------------------------------------------------ reads

    def get(self, address: Address) -> ResourceEntry | None:
        return self.entries.get(str(address))

    def remote_id(self, address: Address) -> int | None:
        entry = self.get(address)
        return entry.remote_id if entry is not None else None

    def attributes(self, address: Address) -> Mapping[str, JsonValue]:
        entry = self.get(address)
        return entry.attributes if entry is not None else {}

    # ------------------------------------------------------------------ writes

    async def _journal(self, address: str, operation: str, details: dict[str, JsonValue]) -> str:
        """Record an intent, durable when this returns; concurrent ones share a commit."""
        recorded: list[str] = []

        def write(store: StateStore, lock: StateLock) -> None:
            recorded[:] = [store.record_intent(lock, address, operation, details)]

        self.writer.submit(write)
        await self.writer.durable()
        return recorded[0]

    async def announce(self, intent: CreateIntent, ahead: Iterable[CreateIntent] = ()) -> str:
        """Journal a create's intent, durable when this returns. `ahead`: intents of creates
        expected next, journaled in the same commit; the create that finds its own intent
        journaled ahead (the same intent) only waits for that commit. One that finds a
        different intent discards it and journals its own."""
        address = str(intent.address)
        early = self._ahead.pop(address, None)
        if early is not None:
            if early.intent == intent:
                await self.writer.durable(early.mark)
                return early.recorded[0]
            self._discard(early)
        batch = [intent]
        batch += itertools.islice(
            (
                other for other in ahead
                if str(other.address) != address and str(other.address) not in self._ahead
            ),
            AHEAD,
        )
        recorded: list[list[str]] = [[] for _ in batch]

        def write(store: StateStore, lock: StateLock) -> None:
            for one, held in zip(batch, recorded, strict=True):
                held[:] = [store.record_intent(
                    lock, str(one.address), CREATE_OPERATION, one.details()
                )]

        self.writer.submit(write)
        mark = self.writer.queued
        for other, held in zip(batch[1:], recorded[1:], strict=True):
            self._ahead[str(other.address)] = _Ahead(other, held, mark)
        await self.writer.durable(mark)
        return recorded[0][0]

    def journaled_ahead(self, address: Address) -> bool:
        """Whether an intent for `address` was journaled ahead and waits for its create."""
        return str(address) in self._ahead

    def _discard(self, ahead: _Ahead) -> None:
        """An intent journaled ahead whose create will not be sent (queued after it, so its
        id is known when this runs)."""
        held = ahead.recorded
        self.writer.submit(lambda store, lock: store.discard_intent(lock, held[0]))

    def created(self, intent_id: str, intent: CreateIntent, remote_id: int) -> ResourceEntry:
        entry = entry_after_create(self.get(intent.address), intent, remote_id)

        def write(store: StateStore, lock: StateLock) -> None:
            store.put(lock, entry)
            store.complete_intent(lock, intent_id, remote_id)

        self.writer.submit(write)
        self.entries[entry.address] = entry
        self.created_in_run.add(entry.address)
        self.claimed.add((intent.kind, remote_id))
        return entry

    async def announce_clone(self, intent: CreateIntent) -> str:
        return await self._journal(str(intent.address), CLONE_OPERATION, intent.details())

    def cloned(
        self,
        intent_id: str,
        intent: CreateIntent,
        clone_id: int,
        listing: Mapping[str, Sequence[int]],
    ) -> CloneRecord:
        """The clone exists: recorded with its images (see `clone_record`)."""
        record = clone_record(self.entries, intent, clone_id, listing)
        self.writer.submit(lambda store, lock: record_clone(store, lock, intent_id, record))
        for entry in (record.dataset, *record.images):
            self.entries[entry.address] = entry
            self.claimed.add((entry.kind, entry.remote_id))
        for address in record.missing:
            self.entries.pop(address, None)
        return record

    def taken(self, kind: Kind, remote_id: int) -> bool:
        """Whether an address already has this object, in the state (current or deposed) or
        in this run: what a create's recovery must never adopt. Scans the entries, so it is
        for the rare lost answer, not for every create."""
        if (kind, remote_id) in self.claimed:
            return True
        return any(
            entry.kind is kind and (entry.remote_id == remote_id or remote_id in entry.deposed)
            for entry in self.entries.values()
        )

    def abandon(self, intent_id: str) -> None:
        """The create certainly did not happen (Bria refused it)."""
        self.writer.submit(lambda store, lock: store.discard_intent(lock, intent_id))

    async def announce_bulk(self, intent: BulkIntent) -> str:
        return await self._journal(str(intent.dataset), BULK_OPERATION, intent.details())

    def bulk_arrived(self, intent_id: str, intent: BulkIntent, found: Mapping[str, int]) -> None:
        self.writer.submit(lambda store, lock: record_bulk(store, lock, intent_id, intent, found))
        self.entries.update((entry.address, entry) for entry in intent.entries(found))

    async def announce_staged(self, address: Address, staged: StagedZip) -> str:
        return await self._journal(str(address), STAGE_OPERATION, staged.details())

    def unstaged(self, intent_id: str) -> None:
        """The staged ZIP is deleted."""
        self.writer.submit(lambda store, lock: store.complete_intent(lock, intent_id, None))

    def put(self, entry: ResourceEntry) -> None:
        self.writer.submit(lambda store, lock: store.put(lock, entry))
        self.entries[entry.address] = entry

    def patch(self, address: Address, attributes: Mapping[str, JsonValue]) -> None:
        entry = self.get(address)
        if entry is None or not attributes:
            return
        merged = {**entry.attributes, **attributes}
        if merged != dict(entry.attributes):
            self.put(replace(entry, attributes=merged))

    def remove_tree(self, address: Address) -> None:
        """Forget an address and everything recorded below it (Bria deleted them with it)."""
        own = str(address)
        if address.kind is Kind.IMAGE or address.kind is Kind.MODEL:
            doomed = [own] if own in self.entries else []
        else:
            below = own + "/"
            doomed = [key for key in self.entries if key == own or key.startswith(below)]
        if not doomed:
            return

        def write(store: StateStore, lock: StateLock) -> None:
            for key in doomed:
                store.remove(lock, key)

        self.writer.submit(write)
        for key in doomed:
            del self.entries[key]

    def drop_remote(self, address: Address, remote_id: int) -> None:
        """`remote_id` of `address` is gone: a deposed predecessor, or the current object."""
        entry = self.get(address)
        if entry is None:
            return
        if entry.remote_id == remote_id:
            if entry.deposed:
                # The current object went first; keep the predecessors tracked.
                self.put(replace(entry, remote_id=entry.deposed[-1], deposed=entry.deposed[:-1]))
            else:
                self.remove_tree(address)
            return
        if remote_id in entry.deposed:
            self.put(replace(entry, deposed=tuple(d for d in entry.deposed if d != remote_id)))

    # ------------------------------------------------------------------ listings

    async def names_under(
        self, scope: str, parent_id: int, fetch: Callable[[], Awaitable[list[tuple[int, str]]]]
    ) -> Mapping[str, tuple[int, ...]]:
        """Name -> ids of the objects under a parent, listed once per run (first use).

        Indexed by name once, so each of thousands of image creates looks its name up instead
        of scanning the whole listing (quadratic for a 12,000-image dataset)."""
        key = (scope, parent_id)
        known = self._listings.get(key)
        if known is not None:
            return known  # listed already: no lock to take (one listing per parent and run)
        lock = self._listing_locks.get(key)
        if lock is None:
            lock = self._listing_locks[key] = asyncio.Lock()
        async with lock:
            if key not in self._listings:
                self._listings[key] = by_name(await fetch())
            return self._listings[key]

    def listed(self, scope: str, parent_id: int) -> Mapping[str, tuple[int, ...]] | None:
        """Name -> ids under a parent if this run listed it already (no request); else None."""
        return self._listings.get((scope, parent_id))

    def know_listing(
        self, scope: str, parent_id: int, listing: Mapping[str, Sequence[int]]
    ) -> None:
        """A listing learned otherwise (a clone's answer lists its images): not read again."""
        self._listings[(scope, parent_id)] = {name: tuple(ids) for name, ids in listing.items()}

    def forget_listing(self, scope: str, parent_id: int) -> None:
        self._listings.pop((scope, parent_id), None)
