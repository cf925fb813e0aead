"""The state document: what tailor owns, as plain values the stores read and write.

A state has a `lineage` (a uuid fixed when the state is created) and a `serial` (bumped by every
committed write), so a saved plan can tell that the state moved since it was made. Each
resource is one `ResourceEntry` keyed by its address; the intent journal lists operations that
were announced before an API call and not yet completed, so a later run can recover them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import field
from functools import partial

from reconciler.addresses import Address, Kind
from reconciler.errors import StateError
from reconciler.records import record
from reconciler.resources import JsonValue, RecordedResource, UnreadImages

EntryRow = tuple[object, ...]
"""address, kind, remote_id, parent, attributes (JSON text), deposed (JSON text)."""


@record
class StateMeta:
    """What a saved plan pins: cheap to read, changes with every committed write."""

    lineage: str
    serial: int


@record
class ResourceEntry:
    """One owned resource. For images `remote_id` is Bria's image id and `attributes` hold
    the content hash (`sha256`), the image name and the caption last applied."""

    address: str
    kind: Kind
    remote_id: int
    parent: str | None = None
    attributes: Mapping[str, JsonValue] = field(default_factory=dict)
    deposed: tuple[int, ...] = ()
    """Remote ids of predecessors replaced create-before-destroy and not yet deleted."""

    @classmethod
    def for_address(
        cls,
        address: Address | str,
        remote_id: int,
        attributes: Mapping[str, JsonValue] | None = None,
        deposed: tuple[int, ...] = (),
    ) -> ResourceEntry:
        """Build an entry whose kind and parent follow from the address, so they cannot drift."""
        parsed = address if isinstance(address, Address) else Address.parse(address)
        return cls(
            address=str(parsed),
            kind=parsed.kind,
            remote_id=remote_id,
            parent=str(parsed.parent) if parsed.parent is not None else None,
            attributes=dict(attributes or {}),
            deposed=tuple(deposed),
        )

    def to_recorded(self, content_digest: str | None = None) -> RecordedResource:
        address = Address.parse(self.address)
        return RecordedResource(
            address=address,
            kind=self.kind,
            remote_id=self.remote_id,
            parent=address.parent,
            attributes=dict(self.attributes),
            deposed=self.deposed,
            content_digest=content_digest,
        )

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "address": self.address,
            "kind": str(self.kind),
            "remote_id": self.remote_id,
            "parent": self.parent,
            "attributes": dict(self.attributes),
            "deposed": list(self.deposed),
        }


def entry_from_row(row: EntryRow) -> ResourceEntry:
    """One stored row as an entry (the columns both SQL backends store)."""
    address, kind, remote_id, parent, attributes, deposed = row
    return ResourceEntry(
        address=str(address),
        kind=Kind(str(kind)),
        remote_id=remote_id if isinstance(remote_id, int) else int(str(remote_id or 0)),
        parent=str(parent) if parent is not None else None,
        attributes=load_json_object(str(attributes)),
        deposed=load_int_list(str(deposed)),
    )


class DeferredResources(Mapping[str, ResourceEntry]):
    """The state's entries, the images of completed datasets with a valid digest kept as
    stored rows until something asks for them: looking one up, iterating or counting reads
    them all (so every caller sees the whole state); `StateDocument.recorded_parts` leaves
    them unread. They were read in the same snapshot as the rest, or are fetched on first use
    (`SqlStateStore.read(defer_trusted_images=True)`)."""

    def __init__(
        self, entries: dict[str, ResourceEntry], rows: Mapping[str, Sequence[EntryRow]]
    ) -> None:
        self._entries = entries
        self._rows = rows

    def _read_all(self) -> dict[str, ResourceEntry]:
        if self._rows:
            for rows in self._rows.values():
                for row in rows:
                    entry = entry_from_row(row)
                    self._entries[entry.address] = entry
            self._rows = {}
        return self._entries

    def __getitem__(self, key: str) -> ResourceEntry:
        found = self._entries.get(key)
        if found is not None:
            return found
        return self._read_all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read_all())

    def __len__(self) -> int:
        return len(self._read_all())

    def parts(self) -> tuple[Mapping[str, ResourceEntry], Mapping[str, Sequence[EntryRow]]]:
        """The entries read, and the unread image rows by dataset address."""
        return self._entries, self._rows


def _read_images(rows: Sequence[EntryRow]) -> tuple[RecordedResource, ...]:
    recorded = (entry_from_row(row).to_recorded() for row in rows)
    return tuple(sorted(recorded, key=lambda r: r.address.sort_key()))


@record
class Intent:
    """An operation announced before its API call; pending until completed or discarded."""

    intent_id: str
    address: str
    operation: str
    details: Mapping[str, JsonValue]
    recorded_at: str
    """ISO 8601, UTC."""

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "intent_id": self.intent_id,
            "address": self.address,
            "operation": self.operation,
            "details": dict(self.details),
            "recorded_at": self.recorded_at,
        }


@record
class StateDocument:
    """A consistent snapshot of the whole state, as the planner reads it."""

    lineage: str
    serial: int
    resources: Mapping[str, ResourceEntry] = field(default_factory=dict)
    intents: tuple[Intent, ...] = ()
    """Pending intents only, oldest first."""
    digests: Mapping[str, str] = field(default_factory=dict)
    """Content digests of completed datasets by address, only those still valid (see
    `StateStore.record_digest`): the planner compares a dataset's desired content to it
    before looking at its images one by one."""

    @property
    def meta(self) -> StateMeta:
        return StateMeta(self.lineage, self.serial)

    def get(self, address: Address | str) -> ResourceEntry | None:
        return self.resources.get(str(address))

    def require(self, address: Address | str) -> ResourceEntry:
        """The entry at `address`, or an error the user can act on."""
        entry = self.get(address)
        if entry is None:
            raise StateError(
                f"{address} is not in the state",
                hint="run `tailor state list` to see the addresses the state holds",
            )
        return entry

    def descendants(self, address: Address | str) -> list[ResourceEntry]:
        """Entries below `address` (not itself): a project's datasets, images and models."""
        # Keys are canonical addresses, so what lies below `root` is what starts with "root/".
        prefix = f"{Address.parse(str(address))}/"
        found = [entry for key, entry in self.resources.items() if key.startswith(prefix)]
        return sorted(found, key=lambda e: Address.parse(e.address).sort_key())

    def sorted_entries(self) -> Iterator[ResourceEntry]:
        yield from sorted(
            self.resources.values(), key=lambda e: Address.parse(e.address).sort_key()
        )

    def recorded_parts(self) -> tuple[tuple[RecordedResource, ...], dict[Address, UnreadImages]]:
        """`recorded()`, less the images the store left unread (completed datasets with a
        valid digest): those as a count per dataset, read only if asked for."""
        resources = self.resources
        if not isinstance(resources, DeferredResources):
            return self.recorded(), {}
        entries, rows = resources.parts()
        digests = self.digests
        recorded = sorted(
            (entry.to_recorded(digests.get(key)) for key, entry in entries.items()),
            key=lambda r: r.address.sort_key(),
        )
        unread = {
            Address.parse(parent): UnreadImages(len(found), partial(_read_images, found))
            for parent, found in rows.items()
        }
        return tuple(recorded), unread

    def recorded(self) -> tuple[RecordedResource, ...]:
        """What the planner compares against the manifests and the live API, in address order."""
        digests = self.digests
        recorded = [
            entry.to_recorded(digests.get(key) if digests else None)
            for key, entry in self.resources.items()
        ]
        return tuple(sorted(recorded, key=lambda r: r.address.sort_key()))


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
"""Built once: json.dumps with options builds a new encoder on every call (twice per put)."""


def dump_json(value: Mapping[str, JsonValue] | list[int]) -> str:
    """The one JSON encoding both SQL backends store (sorted keys: stable, diff-friendly)."""
    return _ENCODER.encode(value)


def load_json_object(text: str) -> dict[str, JsonValue]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise StateError("the state holds a malformed record (expected a JSON object)")
    return value


def load_int_list(text: str) -> tuple[int, ...]:
    if text == "[]":  # nearly every entry: nothing deposed, no JSON parse needed
        return ()
    value = json.loads(text)
    if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
        raise StateError("the state holds a malformed record (expected a list of ids)")
    return tuple(value)
