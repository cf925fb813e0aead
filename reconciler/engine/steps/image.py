"""Image steps of a basic dataset: upload (journaled), caption set (text, or a FIBO JSON
object) or regenerated, delete."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator

from reconciler.addresses import Address
from reconciler.engine.journaled_create import (
    IMAGES,
    create_intent,
    journaled_create,
    list_images,
    listed_names,
    same_named,
)
from reconciler.engine.ledger import CreateIntent
from reconciler.engine.run_context import Outcome, RunContext, StepCall
from reconciler.engine.step_args import flag, optional_text, text
from reconciler.engine.workspace_files import checked_bytes


async def upload_image(ctx: RunContext, call: StepCall) -> Outcome:
    step, args = call.step, call.step.args
    dataset = Address(step.address.project, dataset=step.address.dataset)
    dataset_id = ctx.id_of(dataset)
    name = text(args, "image_name")
    data = await checked_bytes(
        ctx, text(args, "path"), optional_text(args, "sha256"), str(step.address)
    )
    increase = flag(args, "increase_resolution", True)

    async def send(known: Collection[int]) -> int:
        image = await ctx.client.upload_image(
            dataset_id, data=data, image_name=name, increase_resolution=increase,
            known_ids=known,
        )
        return image.id

    known = await same_named(
        ctx, dataset, IMAGES, dataset_id, list_images(ctx, dataset_id), name
    )
    ahead = _uploads_ahead(ctx, call, dataset, dataset_id)
    return await journaled_create(ctx, call, name, dataset_id, known, send, ahead)


def _uploads_ahead(
    ctx: RunContext, call: StepCall, dataset: Address, dataset_id: int
) -> Iterator[CreateIntent]:
    """The intents the dataset's next uploads (plan order, not started yet) will journal, as
    they will compute them: the Ledger journals a few with this one (Ledger.announce)."""
    listing = listed_names(ctx, dataset, IMAGES, dataset_id)
    if listing is None:
        return
    for other in ctx.ahead(call):
        if ctx.ledger.journaled_ahead(other.step.address):
            continue  # journaled by an upload before this one
        name = text(other.step.args, "image_name")
        yield create_intent(ctx, other, name, dataset_id, listing.get(name, ()))


async def update_caption(ctx: RunContext, call: StepCall) -> Outcome:
    """A text caption (legacy) or a JSON object (FIBO sidecar, sent as canonical JSON text:
    sorted keys, so the same object is always the same text); recorded as given."""
    given = call.step.args.get("caption")
    caption = (
        json.dumps(given, sort_keys=True, ensure_ascii=False)
        if isinstance(given, dict)
        else text(call.step.args, "caption")
    )
    await ctx.client.update_image_caption(
        ctx.path_id(call.step, "dataset_id"), ctx.path_id(call.step, "image_id"), caption
    )
    return Outcome(attributes={"caption": given})


async def regenerate_caption(ctx: RunContext, call: StepCall) -> Outcome:
    await ctx.client.regenerate_image_caption(
        ctx.path_id(call.step, "dataset_id"), ctx.path_id(call.step, "image_id")
    )
    return Outcome(attributes={"caption": None})


async def delete_image(ctx: RunContext, call: StepCall) -> Outcome:
    image_id = ctx.path_id(call.step, "image_id")
    await ctx.client.delete_image(ctx.path_id(call.step, "dataset_id"), image_id)
    return Outcome(gone=image_id)
