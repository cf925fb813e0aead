"""Settle creates an earlier apply announced but never recorded (a crash, a lost answer).

For each pending intent the object is looked up by name under its parent. Exactly one
candidate that was not there before the request (`known_ids`) and that the state does not
already own is the object that create made: it is adopted under the intent's address. None
means the request never took effect: the intent is discarded. Several is ambiguous and
stops the run with the candidates listed, because guessing could orphan or double an object.

This runs before planning, so the plan sees the adopted objects and creates nothing twice.
`inspect` is the read-only half (for `tailor plan`); `resolve` writes, under the lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from reconciler.addresses import Kind
from reconciler.client.api import BriaClient
from reconciler.client.errors import NotFound
from reconciler.engine.ledger import CREATE_OPERATION, CreateIntent, entry_after_create
from reconciler.errors import StateError
from reconciler.state.model import Intent, StateDocument
from reconciler.state.store import StateLock, StateStore


class Verdict(StrEnum):
    ADOPT = "adopt"
    DISCARD = "discard"


@dataclass(frozen=True)
class Resolution:
    intent: Intent
    verdict: Verdict
    remote_id: int | None = None

    def describe(self) -> str:
        if self.verdict is Verdict.ADOPT:
            return (
                f"{self.intent.address}: an interrupted create had succeeded; "
                f"adopted remote id {self.remote_id}"
            )
        return f"{self.intent.address}: an interrupted create had not taken effect; forgotten"


class AmbiguousRecovery(StateError):
    """Several objects could be the result of one interrupted create."""


async def _same_named(client: BriaClient, intent: CreateIntent) -> list[int]:
    name = intent.name
    parent = intent.parent_id
    try:
        if intent.kind is Kind.PROJECT:
            return [p.id for p in await client.list_projects() if p.project_name == name]
        if parent is None:
            return []
        if intent.kind is Kind.DATASET:
            return [d.id for d in await client.list_project_datasets(parent) if d.name == name]
        if intent.kind is Kind.MODEL:
            return [
                m.id
                for m in await client.list_models()
                if m.name == name and m.dataset_id == parent
            ]
        return [i.id for i in await client.list_images(parent) if i.image_name == name]
    except NotFound:
        return []  # the parent is gone, and the object with it


def _owned_ids(document: StateDocument, kind: Kind) -> set[int]:
    owned: set[int] = set()
    for entry in document.resources.values():
        if entry.kind is kind:
            owned.add(entry.remote_id)
            owned.update(entry.deposed)
    return owned


async def inspect(client: BriaClient, document: StateDocument) -> list[Resolution]:
    """What `resolve` would do with each pending intent; writes nothing."""
    found: list[Resolution] = []
    claimed: set[tuple[Kind, int]] = set()
    for intent in document.intents:
        if intent.operation != CREATE_OPERATION:
            found.append(Resolution(intent, Verdict.DISCARD))
            continue
        create = CreateIntent.from_details(intent.address, intent.details)
        owned = _owned_ids(document, create.kind)
        candidates = [
            i
            for i in await _same_named(client, create)
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
            found.append(Resolution(intent, Verdict.ADOPT, candidates[0]))
        else:
            found.append(Resolution(intent, Verdict.DISCARD))
    return found


def apply_resolutions(
    store: StateStore, lock: StateLock, resolutions: Sequence[Resolution]
) -> None:
    """Record adoptions and close every intent, each in one commit."""
    for resolution in resolutions:
        intent = resolution.intent
        previous = store.read().get(intent.address)
        with store.transaction(lock):
            if resolution.verdict is Verdict.ADOPT and resolution.remote_id is not None:
                create = CreateIntent.from_details(intent.address, intent.details)
                store.put(lock, entry_after_create(previous, create, resolution.remote_id))
                store.complete_intent(lock, intent.intent_id, resolution.remote_id)
            else:
                store.discard_intent(lock, intent.intent_id)


async def resolve(client: BriaClient, store: StateStore, lock: StateLock) -> list[Resolution]:
    """Settle every pending intent under `lock`; returns what was done, for the output."""
    document = store.read()
    if not document.intents:
        return []
    resolutions = await inspect(client, document)
    apply_resolutions(store, lock, resolutions)
    return resolutions


def preview(document: StateDocument, resolutions: Sequence[Resolution]) -> StateDocument:
    """The state as `resolve` would leave it, without writing: lets `tailor plan` show the
    plan apply will make after recovery (an adopted create is no longer a create)."""
    resources = dict(document.resources)
    for resolution in resolutions:
        if resolution.verdict is not Verdict.ADOPT or resolution.remote_id is None:
            continue
        intent = resolution.intent
        create = CreateIntent.from_details(intent.address, intent.details)
        resources[intent.address] = entry_after_create(
            resources.get(intent.address), create, resolution.remote_id
        )
    return replace(document, resources=resources, intents=())
