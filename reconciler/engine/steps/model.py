"""Model steps: create (journaled), update in place, training started (and waited for with
`--wait`), stopped and waited for, delete."""

from __future__ import annotations

from collections.abc import Collection
from typing import cast, get_args

from reconciler.addresses import Address
from reconciler.client.errors import ApiError, refused
from reconciler.client.models import (
    CreateModelRequest,
    ModelTrainingVersion,
    TrainingMode,
    UpdateModelRequest,
)
from reconciler.engine.journaled_create import journaled_create, same_named
from reconciler.engine.run_context import NOTHING, Outcome, RunContext, StepCall, StepFailed
from reconciler.engine.step_args import optional_text, text
from reconciler.engine.waits import wait_stopped, wait_training


async def create_model(ctx: RunContext, call: StepCall) -> Outcome:
    step, args = call.step, call.step.args
    dataset = Address.parse(text(args, "dataset_address"))
    dataset_id = ctx.id_of(dataset)
    name = text(args, "name")
    version = text(args, "training_version")
    if version not in get_args(ModelTrainingVersion):
        raise StepFailed(f"{step.address}: unknown training_version {version!r}")
    request = CreateModelRequest(
        name=name,
        dataset_id=dataset_id,
        training_mode=cast(TrainingMode, text(args, "training_mode")),
        training_version=cast(ModelTrainingVersion, version),
        description=optional_text(args, "description"),
    )

    project_id = ctx.id_of(Address(dataset.project))

    async def fetch() -> list[tuple[int, str]]:
        models = await ctx.client.list_project_models(project_id)
        return [(m.id, m.name) for m in models if m.dataset_id == dataset_id]

    async def send(known: Collection[int]) -> int:
        return (await ctx.client.create_model(request, known_ids=known)).id

    scope = f"models-of-{dataset_id}"
    known = await same_named(ctx, dataset, scope, project_id, fetch, name)
    return await journaled_create(ctx, call, name, dataset_id, known, send)


async def update_model(ctx: RunContext, call: StepCall) -> Outcome:
    args = call.step.args
    request = UpdateModelRequest(
        name=optional_text(args, "name"), description=optional_text(args, "description")
    )
    await ctx.client.update_model(ctx.path_id(call.step, "model_id"), request)
    return NOTHING


async def start_training(ctx: RunContext, call: StepCall) -> Outcome:
    step = call.step
    model_id = ctx.path_id(step, "model_id")
    parameters = step.args.get("parameters")
    params = dict(parameters) if isinstance(parameters, dict) else {}
    await ctx.client.start_training(model_id, params or None)
    # Recorded before a --wait, so an interrupted wait never starts a second training.
    ctx.ledger.patch(step.address, {"train": True})
    if ctx.wait_for_training:
        async with ctx.idle():
            await wait_training(
                ctx.client, model_id, address=str(step.address), policy=ctx.waits,
                hooks=ctx.hooks,
            )
        ctx.results(step.address)["trained"] = True
    return Outcome(attributes={"train": True})


async def stop_training(ctx: RunContext, call: StepCall) -> Outcome:
    model_id = ctx.path_id(call.step, "model_id")
    try:
        await ctx.client.stop_training(model_id)
    except ApiError as error:
        # Refused (409 in REFERENCE, maybe 400 at Bria): a fresh read decides whether there
        # is still a training to stop.
        if not refused(error):
            raise
        model = await ctx.client.get_model(model_id)
        if model.status in ("InProgress",):
            raise
    return NOTHING


async def wait_training_stopped(ctx: RunContext, call: StepCall) -> Outcome:
    async with ctx.idle():
        await wait_stopped(
            ctx.client, ctx.path_id(call.step, "model_id"), address=str(call.step.address),
            policy=ctx.waits, hooks=ctx.hooks,
        )
    return NOTHING


async def delete_model(ctx: RunContext, call: StepCall) -> Outcome:
    model_id = ctx.path_id(call.step, "model_id")
    await ctx.client.delete_model(model_id)
    return Outcome(gone=model_id)
