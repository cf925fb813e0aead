"""Settle creates an earlier apply announced but never recorded (a crash, a lost answer).

For each pending intent the object is looked up by name under its parent. Exactly one
candidate that was not there before the request (`known_ids`) and that the state does not
already own is the object that create made: it is adopted under the intent's address. None
means the request never took effect: the intent is discarded. Several is ambiguous and
stops the run with the candidates listed, because guessing could orphan or double an object.

A pending clone (a dataset's successor made by Clone Dataset As Draft) is found the same way;
its copied images then take over the dataset's recorded images by name, as they would have
had the answer arrived.

A pending bulk upload (an advanced dataset's one upload, BULK-ONCE-ONLY) is settled by asking
Bria: never started (no status) -> discarded; started -> waited for when still running, then
its images are adopted by name, so the dataset is not rebuilt. A pending staged ZIP belongs to
a run that is gone (runs stage under the lock that recovery holds now): it is deleted once
every bulk upload is settled, through a stager of the same location, or reported for deleting
by hand; either way its intent is closed, so a ZIP is tried once.

This runs before planning, so the plan sees the adopted objects and creates nothing twice.
`inspect` is the read-only half (for `tailor plan`, which does not wait for a running bulk
upload); `resolve` writes, under the lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field, replace
from enum import StrEnum

from reconciler.addresses import Kind
from reconciler.client.api import BriaClient
from reconciler.client.errors import NotFound
from reconciler.client.staging import StagedFile, Stager, StagingError
from reconciler.engine.ledger import (
    BULK_OPERATION,
    CLONE_OPERATION,
    CREATE_OPERATION,
    STAGE_OPERATION,
    BulkIntent,
    CloneRecord,
    CreateIntent,
    StagedZip,
    by_name,
    clone_record,
    entry_after_create,
    owners,
    record_bulk,
    record_clone,
)
from reconciler.engine.waits import BULK_ENDED, WaitPolicy, bulk_upload_ended
from reconciler.errors import StateError
from reconciler.events import Hooks, NoHooks, WaitEvent
from reconciler.records import record
from reconciler.state.model import Intent, ResourceEntry, StateDocument
from reconciler.state.store import StateLock, StateStore


class Verdict(StrEnum):
    ADOPT = "adopt"
    DISCARD = "discard"
    RUNNING = "running"
    """A bulk upload Bria is still processing (only `inspect` without waiting says so)."""
    UNSTAGE = "unstage"
    """A staged ZIP of a run that is gone: deleted (or reported) by `resolve`."""


@record
class Resolution:
    intent: Intent
    verdict: Verdict
    remote_id: int | None = None
    images: Mapping[str, int] = field(default_factory=dict)
    """A bulk upload's or a clone's images found at Bria: name -> image id."""
    note: str = ""
    """What became of a staged ZIP."""

    def describe(self) -> str:
        address = self.intent.address
        if self.intent.operation == STAGE_OPERATION:
            return f"{address}: {self.note or 'a ZIP staged by an interrupted apply'}"
        if self.intent.operation == BULK_OPERATION:
            if self.verdict is Verdict.ADOPT:
                return (
                    f"{address}: an interrupted bulk upload had reached Bria; recorded its "
                    f"{len(self.images)} image(s) by name"
                )
            if self.verdict is Verdict.RUNNING:
                return (
                    f"{address}: an interrupted bulk upload is still running at Bria; apply "
                    "waits for it and records its images"
                )
            return f"{address}: an interrupted bulk upload had not taken effect; forgotten"
        if self.verdict is Verdict.ADOPT and self.intent.operation == CLONE_OPERATION:
            return (
                f"{address}: an interrupted clone had succeeded; adopted remote id "
                f"{self.remote_id} and its {len(self.images)} copied image(s) by name"
            )
        if self.verdict is Verdict.ADOPT:
            return (
                f"{self.intent.address}: an interrupted create had succeeded; "
                f"adopted remote id {self.remote_id}"
            )
        return f"{self.intent.address}: an interrupted create had not taken effect; forgotten"


class AmbiguousRecovery(StateError):
    """Several objects could be the result of one interrupted create."""


Listing = list[tuple[int, tuple[int | None, str]]]
"""(id, (parent id, name)) of the objects under one parent (models: of every dataset)."""


class _Listings:
    """Each parent listed once per recovery, however many of its creates are pending: an
    apply that was killed may leave several image intents of one dataset, and each listing
    is a request of the user's rationed allowance. Recovery sends no write to Bria, so a
    listing stays true while it runs."""

    def __init__(self, client: BriaClient) -> None:
        self.client = client
        self._found: dict[tuple[Kind, int | None], Listing] = {}

    async def same_named(self, intent: CreateIntent) -> list[int]:
        if intent.kind is not Kind.PROJECT and intent.parent_id is None:
            return []
        key = (intent.kind, None if intent.kind is Kind.MODEL else intent.parent_id)
        if key not in self._found:
            self._found[key] = await self._list(intent)
        name = (intent.parent_id, intent.name)
        return [remote_id for remote_id, found in self._found[key] if found == name]

    async def _list(self, intent: CreateIntent) -> Listing:
        client, parent = self.client, intent.parent_id
        try:
            if intent.kind is Kind.PROJECT:
                return [(p.id, (None, p.project_name)) for p in await client.list_projects()]
            if intent.kind is Kind.MODEL:
                return [(m.id, (m.dataset_id, m.name)) for m in await client.list_models()]
            assert parent is not None
            if intent.kind is Kind.DATASET:
                datasets = await client.list_project_datasets(parent)
                return [(d.id, (parent, d.name)) for d in datasets]
            return [(i.id, (parent, i.image_name)) for i in await client.list_images(parent)]
        except NotFound:
            return []  # the parent is gone, and the object with it


async def _copied_images(client: BriaClient, clone_id: int) -> dict[str, int]:
    """Name -> id of the clone's images, names found once only (as a bulk upload's)."""
    try:
        images = await client.list_images(clone_id)
    except NotFound:
        return {}
    listing = by_name((image.id, image.image_name) for image in images)
    return {name: ids[0] for name, ids in listing.items() if len(ids) == 1}


def _clone_record(
    resources: Mapping[str, ResourceEntry], resolution: Resolution, clone_id: int
) -> CloneRecord:
    create = CreateIntent.from_details(resolution.intent.address, resolution.intent.details)
    listing = {name: (image_id,) for name, image_id in resolution.images.items()}
    return clone_record(resources, create, clone_id, listing)


async def _bulk(
    client: BriaClient,
    document: StateDocument,
    intent: Intent,
    waits: WaitPolicy | None,
    hooks: Hooks,
) -> Resolution:
    """Ask Bria whether the bulk upload started; wait for it to end (with `waits`), then find
    its images by name."""
    bulk = BulkIntent.from_details(intent.address, intent.details)
    entry = document.get(intent.address)
    if entry is None or entry.remote_id != bulk.dataset_id:
        return Resolution(intent, Verdict.DISCARD)  # the state no longer holds that dataset
    try:
        status = await client.bulk_upload_status(bulk.dataset_id)
        if status.status in BULK_ENDED or waits is None:
            progress = status.progress_percentage / 100.0
            hooks.on_wait(WaitEvent(intent.address, "bulk upload", status.status, progress))
            if status.status not in BULK_ENDED:
                return Resolution(intent, Verdict.RUNNING)
        else:  # shows each status it passes through
            await bulk_upload_ended(
                client, bulk.dataset_id, address=intent.address, policy=waits, hooks=hooks
            )
        images = await client.list_images(bulk.dataset_id)
    except NotFound:
        return Resolution(intent, Verdict.DISCARD)  # never started, or the dataset is gone
    listing = by_name((image.id, image.image_name) for image in images)
    return Resolution(intent, Verdict.ADOPT, images=bulk.arrived(listing))


async def inspect(
    client: BriaClient,
    document: StateDocument,
    *,
    waits: WaitPolicy | None = None,
    hooks: Hooks | None = None,
) -> list[Resolution]:
    """What `resolve` would do with each pending intent; writes nothing. Without `waits`, a
    bulk upload still running is reported as such instead of waited for."""
    found: list[Resolution] = []
    claimed: set[tuple[Kind, int]] = set()
    listings = _Listings(client)
    for intent in document.intents:
        if intent.operation == BULK_OPERATION:
            found.append(await _bulk(client, document, intent, waits, hooks or NoHooks()))
            continue
        if intent.operation == STAGE_OPERATION:
            found.append(Resolution(intent, Verdict.UNSTAGE))
            continue
        if intent.operation not in (CREATE_OPERATION, CLONE_OPERATION):
            found.append(Resolution(intent, Verdict.DISCARD))
            continue
        create = CreateIntent.from_details(intent.address, intent.details)
        owned = owners(document, create.kind)
        candidates = [
            i
            for i in await listings.same_named(create)
            if i not in create.known_ids and i not in owned and (create.kind, i) not in claimed
        ]
        if len(candidates) > 1:
            raise AmbiguousRecovery(
                f"{intent.address}: an interrupted create left several objects named "
                f"{create.name!r} ({', '.join(map(str, candidates))}); tailor cannot tell "
                "which one it made",
                hint=f"delete the extra ones in Bria, or run `tailor import {intent.address} "
                "ID` for the right one; then run apply again",
            )
        if candidates:
            claimed.add((create.kind, candidates[0]))
            images: Mapping[str, int] = {}
            if intent.operation == CLONE_OPERATION:
                images = await _copied_images(client, candidates[0])
            found.append(Resolution(intent, Verdict.ADOPT, candidates[0], images=images))
        else:
            found.append(Resolution(intent, Verdict.DISCARD))
    return found


def apply_resolutions(
    store: StateStore, lock: StateLock, resolutions: Sequence[Resolution]
) -> None:
    """Record adoptions and close every intent (but a running bulk upload's), each in one
    commit."""
    for resolution in resolutions:
        intent = resolution.intent
        if resolution.verdict is Verdict.RUNNING:
            continue
        if intent.operation == BULK_OPERATION and resolution.verdict is Verdict.ADOPT:
            bulk = BulkIntent.from_details(intent.address, intent.details)
            record_bulk(store, lock, intent.intent_id, bulk, resolution.images)
            continue
        if resolution.verdict is Verdict.UNSTAGE:
            store.complete_intent(lock, intent.intent_id, None)
            continue
        if intent.operation == CLONE_OPERATION and resolution.remote_id is not None:
            record = _clone_record(store.read().resources, resolution, resolution.remote_id)
            record_clone(store, lock, intent.intent_id, record)
            continue
        previous = store.read().get(intent.address)
        with store.transaction(lock):
            if resolution.verdict is Verdict.ADOPT and resolution.remote_id is not None:
                create = CreateIntent.from_details(intent.address, intent.details)
                store.put(lock, entry_after_create(previous, create, resolution.remote_id))
                store.complete_intent(lock, intent.intent_id, resolution.remote_id)
            else:
                store.discard_intent(lock, intent.intent_id)


async def _unstage(resolution: Resolution, stager: Stager | None) -> Resolution:
    """Delete a ZIP that a run now gone had staged (missing already is fine)."""
    staged = StagedZip.from_details(resolution.intent.address, resolution.intent.details)
    if stager is None or stager.location != staged.location:
        return replace(
            resolution,
            note=f"{staged.location}/{staged.key}, a ZIP staged by an interrupted apply, is "
            "outside this run's staging location: delete it by hand",
        )
    where = stager.where(staged.key)
    try:
        await stager.remove(StagedFile(where, staged.key))
    except StagingError as error:
        return replace(
            resolution,
            note=f"could not delete {where}, a ZIP staged by an interrupted apply ({error}): "
            "delete it by hand",
        )
    return replace(resolution, note=f"deleted {where}, a ZIP staged by an interrupted apply")


async def resolve(
    client: BriaClient,
    store: StateStore,
    lock: StateLock,
    *,
    stager: Stager | None = None,
    waits: WaitPolicy | None = None,
    hooks: Hooks | None = None,
) -> list[Resolution]:
    """Settle every pending intent under `lock`; returns what was done, for the output.

    Bulk uploads still running are waited for (`waits`, default WaitPolicy) before any
    staged ZIP is deleted, since Bria may still be reading it."""
    if not store.pending_intents():
        return []  # the usual case: no need to read the whole state
    document = store.read()
    resolutions = await inspect(client, document, waits=waits or WaitPolicy(), hooks=hooks)
    resolutions = [
        await _unstage(r, stager) if r.verdict is Verdict.UNSTAGE else r for r in resolutions
    ]
    apply_resolutions(store, lock, resolutions)
    return resolutions


def preview(document: StateDocument, resolutions: Sequence[Resolution]) -> StateDocument:
    """The state as `resolve` would leave it, without writing: lets `tailor plan` show the
    plan apply will make after recovery (an adopted create is no longer a create)."""
    if not resolutions:
        return replace(document, intents=())
    resources = dict(document.resources)
    for resolution in resolutions:
        intent = resolution.intent
        if intent.operation == BULK_OPERATION and resolution.verdict is Verdict.ADOPT:
            bulk = BulkIntent.from_details(intent.address, intent.details)
            resources.update((e.address, e) for e in bulk.entries(resolution.images))
            continue
        if resolution.verdict is not Verdict.ADOPT or resolution.remote_id is None:
            continue
        if intent.operation == CLONE_OPERATION:
            record = _clone_record(resources, resolution, resolution.remote_id)
            resources.update((e.address, e) for e in (record.dataset, *record.images))
            for address in record.missing:
                resources.pop(address, None)
            continue
        create = CreateIntent.from_details(intent.address, intent.details)
        resources[intent.address] = entry_after_create(
            resources.get(intent.address), create, resolution.remote_id
        )
    # What a recovery records voids content digests in the state; here, drop them all.
    return replace(document, resources=resources, intents=(), digests={})
