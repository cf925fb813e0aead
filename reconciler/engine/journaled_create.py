"""Creates journaled through the Ledger: intent before the request, entry after.

Only a create's handler knows the name and parent Bria will show, so it journals itself; a lost
answer leaves the intent pending for the next run's recovery, which must never adopt an id that
was listed under the parent before the create or that another address already owns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Mapping

from reconciler.addresses import Address, Kind
from reconciler.client.errors import ApiError, refused
from reconciler.engine.ledger import CreateIntent, Ledger
from reconciler.engine.run_context import NOTHING, Outcome, RunContext, StepCall
from reconciler.plan.fields import rules_for
from reconciler.plan.model import Action, Change
from reconciler.resources import FIBO, JsonValue

IMAGES = "images"
"""The listing scope of a dataset's images (see Ledger.names_under)."""

Listing = Callable[[], Awaitable[list[tuple[int, str]]]]
"""Lists (id, name) of the objects under one parent."""


def create_intent(
    ctx: RunContext, call: StepCall, name: str, parent_id: int | None, known_ids: tuple[int, ...]
) -> CreateIntent:
    address = call.step.address
    return CreateIntent(
        address, address.kind, name, parent_id, known_ids,
        provisional_attributes(call.change), _replaces(ctx, call),
    )


async def journaled_create(
    ctx: RunContext,
    call: StepCall,
    name: str,
    parent_id: int | None,
    known_ids: tuple[int, ...],
    send: Callable[[Collection[int]], Awaitable[int]],
    ahead: Iterable[CreateIntent] = (),
) -> Outcome:
    """Journal, send, record. A refusal (4xx) drops the intent; a lost answer keeps it
    pending so that the next run's recovery settles it. `ahead`: the intents of creates
    expected next, journaled in the same commit (Ledger.announce)."""
    address = call.step.address
    intent = create_intent(ctx, call, name, parent_id, known_ids)
    intent_id = await ctx.ledger.announce(intent, ahead)
    try:
        remote_id = await send(NotOurs(frozenset(intent.known_ids), ctx.ledger, address.kind))
    except ApiError as error:
        if refused(error):
            ctx.ledger.abandon(intent_id)
        raise
    ctx.ledger.created(intent_id, intent, remote_id)
    return NOTHING


def _replaces(ctx: RunContext, call: StepCall) -> int | None:
    """The remote id the address holds now, when this create builds its successor."""
    if call.change.action is Action.CREATE:
        return None
    return ctx.ledger.remote_id(call.step.address)


class NotOurs(Collection[int]):
    """The ids a create must never take for its own after a lost answer: those listed under
    the parent before it was sent, and, looked up only when recovery asks, any id the state
    or this run already gave an address (a same-named sibling created meanwhile)."""

    def __init__(self, listed: frozenset[int], ledger: Ledger, kind: Kind) -> None:
        self.listed = listed
        self.ledger = ledger
        self.kind = kind

    def __contains__(self, item: object) -> bool:
        if item in self.listed:
            return True
        return isinstance(item, int) and self.ledger.taken(self.kind, item)

    def __iter__(self) -> Iterator[int]:
        return iter(self.listed)

    def __len__(self) -> int:
        return len(self.listed)


async def same_named(
    ctx: RunContext, parent: Address | None, scope: str, parent_id: int, fetch: Listing, name: str
) -> tuple[int, ...]:
    """Ids already named `name` under the parent: never the result of this create. A parent
    created in this run has nothing under it, so it is not listed."""
    if parent is not None and str(parent) in ctx.ledger.created_in_run:
        return ()
    return (await ctx.ledger.names_under(scope, parent_id, fetch)).get(name, ())


def listed_names(
    ctx: RunContext, parent: Address, scope: str, parent_id: int
) -> Mapping[str, tuple[int, ...]] | None:
    """What `same_named` finds under the parent, when that needs no request (the parent was
    created in this run, or listed already); else None."""
    if str(parent) in ctx.ledger.created_in_run:
        return {}
    return ctx.ledger.listed(scope, parent_id)


def list_images(ctx: RunContext, dataset_id: int) -> Listing:
    """The listing of a dataset's images (scope IMAGES of Ledger.names_under)."""

    async def fetch() -> list[tuple[int, str]]:
        return [(i.id, i.image_name) for i in await ctx.client.list_images(dataset_id)]

    return fetch


UNSET_BY_CREATE: Mapping[str, JsonValue] = {
    "completed": False,
    "caption_prefix": None,
    "caption_prefix_auto": False,
    "visual_schema": None,
    "visual_schema_auto": False,
}
"""A dataset's fields that steps after its create set (complete, prefix, schema): what they
are at Bria between the create and those steps."""


def provisional_attributes(change: Change) -> dict[str, JsonValue]:
    """What is true right after the create request: lifecycle steps not done yet. A dataset
    carries only its generation's fields (the field table's `legacy_only`/`fibo_only`), as
    the finished record (the plan's `after`) does."""
    after = dict(change.after or {})
    kind = change.kind
    if kind is Kind.DATASET:
        fibo = after.get("training_version") == FIBO
        for row in rules_for(Kind.DATASET):
            if (row.legacy_only and fibo) or (row.fibo_only and not fibo):
                after.pop(row.name, None)
            elif row.name in UNSET_BY_CREATE:
                after[row.name] = UNSET_BY_CREATE[row.name]
    elif kind is Kind.MODEL:
        after["train"] = False
    elif kind is Kind.IMAGE:
        after["caption"] = None
    return after
