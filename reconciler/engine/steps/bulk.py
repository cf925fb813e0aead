"""An advanced dataset's images: a ZIP built, staged where Bria fetches it, bulk-uploaded once,
waited for, its images recorded by name, and the staged ZIP deleted.

Bria takes one bulk upload per dataset, so the upload is journaled before it is sent and the
staged ZIP before it is put: a run that dies leaves the next run's recovery what it needs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from reconciler.addresses import Address
from reconciler.client.bulkzip import ZipEntry, build_bulk_zip
from reconciler.client.errors import ApiError, refused
from reconciler.client.staging import StagedFile, StagingError
from reconciler.engine.journaled_create import IMAGES, list_images
from reconciler.engine.ledger import BulkIntent, StagedZip
from reconciler.engine.run_context import (
    NOTHING,
    Outcome,
    RunContext,
    Staging,
    StepCall,
    StepFailed,
)
from reconciler.engine.step_args import flag, optional_text, records, text
from reconciler.engine.waits import bulk_upload_ended, check_bulk_upload
from reconciler.engine.workspace_files import checked_file
from reconciler.plan.model import Step, StepKind
from reconciler.resources import JsonValue


async def build_zip(ctx: RunContext, call: StepCall) -> Outcome:
    step, args = call.step, call.step.args
    images = args.get("images")
    if not isinstance(images, list):
        raise StepFailed(f"{step.address}: the ZIP step lists no images")
    entries: list[ZipEntry] = []
    for item in images:
        if not isinstance(item, dict):
            raise StepFailed(f"{step.address}: a ZIP entry is malformed")
        path = await checked_file(
            ctx, text(item, "path"), optional_text(item, "sha256"),
            f"{step.address}/images/{text(item, 'name')}",
        )
        entries.append(ZipEntry(path, text(item, "name"), optional_text(item, "caption")))
    destination = ctx.scratch_dir() / text(args, "zip_name", "dataset.zip")
    await asyncio.to_thread(
        build_bulk_zip, entries, destination,
        require_captions=flag(args, "caption_files", False),
    )
    ctx.results(step.address)["zip_path"] = str(destination)
    return NOTHING


async def stage_zip(ctx: RunContext, call: StepCall) -> Outcome:
    """Journal the key, then upload: a run that dies before it deletes the ZIP leaves the
    next run's recovery what it needs to delete it."""
    step = call.step
    if ctx.stager is None:
        raise StepFailed(
            f"{step.address}: an advanced dataset needs a staging location for its ZIP",
            hint="set staging: s3://bucket/prefix/ in tailor.yaml",
        )
    zip_path = ctx.results(step.address).get("zip_path")
    if not isinstance(zip_path, str):
        raise StepFailed(f"{step.address}: the ZIP was not built")
    name = text(step.args, "zip_name", "dataset.zip")
    key = ctx.stager.new_key(name)
    intent_id = await ctx.ledger.announce_staged(step.address, StagedZip(ctx.stager.location, key))
    # Registered before the upload, so a failed (perhaps partial) upload is deleted too.
    ctx.staged[str(step.address)] = Staging(StagedFile(ctx.stager.where(key), key), intent_id)
    staged = await ctx.stager.put(Path(zip_path), name, key=key)
    ctx.staged[str(step.address)] = Staging(staged, intent_id)
    ctx.results(step.address)["zip_url"] = staged.url
    return NOTHING


def _bulk_intent(call: StepCall, dataset_id: int) -> BulkIntent:
    """The bulk upload of the change's ZIP. Each image records its attributes as the ZIP
    entry gives them (the image's own), its caption only when the ZIP carries caption files
    (otherwise a later step PUTs it, as after a basic upload)."""
    build = next((s for s in call.change.steps if s.kind is StepKind.BUILD_ZIP), None)
    if build is None:
        raise StepFailed(f"{call.step.address}: the bulk upload has no ZIP step")
    in_zip = flag(build.args, "caption_files", False)
    images: dict[str, dict[str, JsonValue]] = {
        text(item, "name"): {**item, "caption": item.get("caption") if in_zip else None}
        for item in records(build.args.get("images"))
    }
    return BulkIntent(call.step.address, dataset_id, images)


def _hand_over(ctx: RunContext, address: Address) -> None:
    """Bria may still read this dataset's ZIP: it stays staged and journaled, and the next
    run's recovery deletes it once the bulk upload has ended."""
    ctx.staged.pop(str(address), None)


def captioning_choice(step: Step) -> bool | None:
    """The legacy generation's `automatic_captioning`; None (the field left out) for a FIBO
    dataset, whose step carries no such choice."""
    choice = step.args.get("automatic_captioning")
    return choice if isinstance(choice, bool) else None


async def bulk_upload(ctx: RunContext, call: StepCall) -> Outcome:
    """Journaled before it is sent: Bria takes one bulk upload per dataset, so a run that
    loses track of it must adopt its images, never send another."""
    step = call.step
    url = ctx.results(step.address).get("zip_url")
    if not isinstance(url, str):
        raise StepFailed(f"{step.address}: the ZIP was not staged")
    dataset_id = ctx.path_id(step, "dataset_id")
    intent_id = await ctx.ledger.announce_bulk(_bulk_intent(call, dataset_id))
    try:
        await ctx.client.bulk_upload(dataset_id, url, automatic_captioning=captioning_choice(step))
    except ApiError as error:
        if refused(error):
            ctx.ledger.abandon(intent_id)
        else:
            _hand_over(ctx, step.address)
        raise
    ctx.results(step.address)["bulk_intent"] = intent_id
    return NOTHING


async def wait_bulk_upload_step(ctx: RunContext, call: StepCall) -> Outcome:
    """Until the upload ends; then its images are recorded by name (whatever Bria rejected),
    the ZIP deleted, and only then a rejection reported."""
    step = call.step
    dataset_id = ctx.path_id(step, "dataset_id")
    try:
        async with ctx.idle():
            status = await bulk_upload_ended(
                ctx.client, dataset_id, address=str(step.address), policy=ctx.waits,
                hooks=ctx.hooks,
            )
    except BaseException:
        _hand_over(ctx, step.address)
        raise
    ctx.ledger.forget_listing(IMAGES, dataset_id)
    intent_id = ctx.results(step.address).get("bulk_intent")
    if isinstance(intent_id, str):
        intent = _bulk_intent(call, dataset_id)
        listing = await ctx.ledger.names_under(IMAGES, dataset_id, list_images(ctx, dataset_id))
        ctx.ledger.bulk_arrived(intent_id, intent, intent.arrived(listing))
    await release_staged(ctx, step.address)
    check_bulk_upload(status, str(step.address))
    return NOTHING


async def release_staged(ctx: RunContext, address: Address | None = None) -> None:
    """Delete the staged ZIPs (of one dataset, or all): Bria has read them, or never will.
    Each is tried once; one that cannot be deleted stays journaled for the next run, and the
    first such error is raised after the others were tried."""
    stager = ctx.stager
    if stager is None:
        return  # nothing is staged without one
    keys = [key for key in ctx.staged if address is None or key == str(address)]
    failed: StagingError | None = None
    for key in keys:
        staging = ctx.staged.pop(key)
        try:
            await stager.remove(staging.file)
        except StagingError as error:
            failed = failed or error
            continue
        ctx.ledger.unstaged(staging.intent_id)
    if failed is not None:
        raise failed
