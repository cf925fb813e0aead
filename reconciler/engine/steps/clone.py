"""A completed dataset's new version by Clone Dataset As Draft: journaled like a create, then
the copies' ids recorded by name for the image steps that edit them."""

from __future__ import annotations

import json

from reconciler.addresses import Address, Kind
from reconciler.client.errors import ApiError, refused
from reconciler.client.fibo import json_object
from reconciler.engine.journaled_create import (
    IMAGES,
    NotOurs,
    provisional_attributes,
    same_named,
)
from reconciler.engine.ledger import CreateIntent, by_name
from reconciler.engine.run_context import NOTHING, Outcome, RunContext, StepCall
from reconciler.engine.step_args import flag, text

INHERITED = ("caption_prefix", "caption_prefix_auto", "visual_schema", "visual_schema_auto")
"""What Bria's clone copies from its source besides the images: the prefix and the schema."""


async def clone_dataset(ctx: RunContext, call: StepCall) -> Outcome:
    """Journaled before it is sent, so a lost answer or a crash is adopted by name, never
    cloned twice. The clone's answer lists its images (or, if it does not list them all, one
    listing does): the recorded images take their copies' ids, which the image steps after
    it edit, so only changed images are sent. A copy the state does not record is deleted
    (the plan clones only when there is none), and an explicit caption the copy does not
    carry is set again (Bria's published clone answer says every copy's caption is
    automatic; a FIBO caption is compared and sent as its JSON object), so the version holds
    what the manifest declares. The copy inherits the source's visual schema, and so does
    its record."""
    step = call.step
    address = step.address
    project = Address(address.project)
    project_id = ctx.id_of(project)
    source_id = ctx.path_id(step, "dataset_id")
    name = text(step.args, "name")

    async def fetch() -> list[tuple[int, str]]:
        return [(d.id, d.name) for d in await ctx.client.list_project_datasets(project_id)]

    known = await same_named(ctx, project, "datasets", project_id, fetch, name)
    recorded = ctx.ledger.attributes(address)
    attributes = provisional_attributes(call.change)
    for inherited in INHERITED:  # of the fields the version's generation has
        if inherited in attributes and inherited in recorded:
            attributes[inherited] = recorded[inherited]
    intent = CreateIntent(address, Kind.DATASET, name, project_id, known, attributes, source_id)
    intent_id = await ctx.ledger.announce_clone(intent)
    try:
        clone = await ctx.client.clone_dataset(
            source_id, name, project_id=project_id,
            known_ids=NotOurs(frozenset(known), ctx.ledger, Kind.DATASET),
        )
    except ApiError as error:
        if refused(error):
            ctx.ledger.abandon(intent_id)
        raise
    copies = clone.images
    if copies is None or len(copies) != clone.images_count:
        copies = list(await ctx.client.list_images(clone.id))
    listing = by_name((image.id, image.image_name) for image in copies)
    record = ctx.ledger.cloned(intent_id, intent, clone.id, listing)
    ctx.ledger.know_listing(IMAGES, clone.id, listing)
    captions = {entry.remote_id: entry.attributes.get("caption") for entry in record.images}
    recaptioned = flag(step.args, "recaptioned", False)
    for image in copies:
        if image.id not in captions:
            await ctx.client.delete_image(clone.id, image.id)
            continue
        if recaptioned:  # a new schema regenerates every caption; the plan PUTs them after
            continue
        caption = captions[image.id]
        if isinstance(caption, dict) and json_object(image.caption) != caption:
            sent = json.dumps(caption, sort_keys=True, ensure_ascii=False)
            await ctx.client.update_image_caption(clone.id, image.id, sent)
        elif isinstance(caption, str) and caption != image.caption:
            await ctx.client.update_image_caption(clone.id, image.id, caption)
    return NOTHING
