"""Dataset steps: create (journaled), rename, caption prefix (given or generated), captions
regenerated and waited for, completion, delete."""

from __future__ import annotations

import base64
from collections.abc import Collection
from typing import cast, get_args

from reconciler.addresses import Address
from reconciler.client.models import (
    CreateDatasetRequest,
    DatasetTrainingVersion,
    GeneratePrefixRequest,
    IpMedium,
    PrefixIpType,
    UpdateDatasetRequest,
    UploadType,
)
from reconciler.engine.journaled_create import journaled_create, same_named
from reconciler.engine.run_context import NOTHING, Outcome, RunContext, StepCall, StepFailed
from reconciler.engine.step_args import flag, optional_text, text
from reconciler.engine.waits import wait_captions
from reconciler.engine.workspace_files import checked_bytes
from reconciler.plan.attributes import RECAPTION_DUE
from reconciler.resources import JsonValue


async def create_dataset(ctx: RunContext, call: StepCall) -> Outcome:
    step, args = call.step, call.step.args
    project = Address(step.address.project)
    project_id = ctx.id_of(project)
    name = text(args, "name")
    upload_type = cast(UploadType, text(args, "upload_type", "basic"))
    version = text(args, "training_version", "max")
    if version not in get_args(DatasetTrainingVersion):
        raise StepFailed(f"{step.address}: unknown training_version {version!r}")
    request = CreateDatasetRequest(
        project_id=project_id,
        name=name,
        upload_type=upload_type,
        training_version=cast(DatasetTrainingVersion, version),
    )

    async def fetch() -> list[tuple[int, str]]:
        return [(d.id, d.name) for d in await ctx.client.list_project_datasets(project_id)]

    async def send(known: Collection[int]) -> int:
        return (await ctx.client.create_dataset(request, known_ids=known)).id

    known = await same_named(ctx, project, "datasets", project_id, fetch, name)
    return await journaled_create(ctx, call, name, project_id, known, send)


async def update_dataset(ctx: RunContext, call: StepCall) -> Outcome:
    args = call.step.args
    request = UpdateDatasetRequest(
        name=optional_text(args, "name"), caption_prefix=optional_text(args, "caption_prefix")
    )
    await ctx.client.update_dataset(ctx.path_id(call.step, "dataset_id"), request)
    learned: dict[str, JsonValue] = {}
    if request.caption_prefix is not None:
        learned = {"caption_prefix": request.caption_prefix, "caption_prefix_auto": False}
    return Outcome(attributes=learned)


async def encoded_samples(ctx: RunContext, call: StepCall) -> list[str]:
    """The step's sample images (`args.images`, workspace paths) as base64, each checked
    against `args.sha256[path]` when the plan recorded it."""
    step = call.step
    paths = step.args.get("images")
    if not isinstance(paths, list) or not paths:
        raise StepFailed(f"{step.address}: {step.kind.value} needs sample images")
    hashes = step.args.get("sha256")
    encoded: list[str] = []
    for relative in paths:
        if not isinstance(relative, str):
            raise StepFailed(f"{step.address}: a sample image path is not text")
        expected = hashes.get(relative) if isinstance(hashes, dict) else None
        sha256 = expected if isinstance(expected, str) else None
        data = await checked_bytes(ctx, relative, sha256, str(step.address))
        encoded.append(base64.b64encode(data).decode("ascii"))
    return encoded


async def generate_prefix(ctx: RunContext, call: StepCall) -> Outcome:
    args = call.step.args
    request = GeneratePrefixRequest(
        ip_type=cast(PrefixIpType, text(args, "ip_type")),
        ip_medium=cast(IpMedium, text(args, "ip_medium")),
        ip_name=optional_text(args, "ip_name"),
        images=await encoded_samples(ctx, call),
    )
    answer = await ctx.client.generate_prefix(request)
    ctx.results(call.step.address)["prefix"] = answer.prefix
    return NOTHING


async def set_caption_prefix(ctx: RunContext, call: StepCall) -> Outcome:
    step = call.step
    generated = flag(step.args, "generated", False)
    if generated:
        prefix = ctx.results(step.address).get("prefix")
        if not isinstance(prefix, str):
            raise StepFailed(f"{step.address}: no generated caption prefix to set")
    else:
        prefix = text(step.args, "caption_prefix")
    await ctx.client.update_dataset(
        ctx.path_id(step, "dataset_id"), UpdateDatasetRequest(caption_prefix=prefix)
    )
    return Outcome(attributes={"caption_prefix": prefix, "caption_prefix_auto": generated})


async def regenerate_captions(ctx: RunContext, call: StepCall) -> Outcome:
    await ctx.client.regenerate_all_captions(ctx.path_id(call.step, "dataset_id"))
    return NOTHING


async def wait_captions_step(ctx: RunContext, call: StepCall) -> Outcome:
    async with ctx.idle():
        await wait_captions(
            ctx.client, ctx.path_id(call.step, "dataset_id"), address=str(call.step.address),
            policy=ctx.waits, hooks=ctx.hooks,
        )
    if ctx.ledger.attributes(call.step.address).get(RECAPTION_DUE) is True:
        return Outcome(attributes={RECAPTION_DUE: False})
    return NOTHING


async def complete_dataset(ctx: RunContext, call: StepCall) -> Outcome:
    await ctx.client.update_dataset(
        ctx.path_id(call.step, "dataset_id"), UpdateDatasetRequest(status="completed")
    )
    return Outcome(attributes={"completed": True})


async def delete_dataset(ctx: RunContext, call: StepCall) -> Outcome:
    dataset_id = ctx.path_id(call.step, "dataset_id")
    await ctx.client.delete_dataset(dataset_id)
    return Outcome(gone=dataset_id)
