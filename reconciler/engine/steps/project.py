"""Project steps: create (journaled), update in place, delete."""

from __future__ import annotations

from collections.abc import Collection
from typing import cast

from reconciler.client.models import (
    CreateProjectRequest,
    IpMedium,
    IpType,
    UpdateProjectRequest,
)
from reconciler.engine.journaled_create import journaled_create, same_named
from reconciler.engine.run_context import NOTHING, Outcome, RunContext, StepCall
from reconciler.engine.step_args import optional_text, text


async def create_project(ctx: RunContext, call: StepCall) -> Outcome:
    args = call.step.args
    name = text(args, "project_name")
    request = CreateProjectRequest(
        project_name=name,
        ip_medium=cast(IpMedium, text(args, "ip_medium")),
        ip_type=cast(IpType, text(args, "ip_type")),
        project_description=optional_text(args, "project_description"),
        ip_name=optional_text(args, "ip_name"),
        ip_description=optional_text(args, "ip_description"),
    )

    async def fetch() -> list[tuple[int, str]]:
        return [(p.id, p.project_name) for p in await ctx.client.list_projects()]

    async def send(known: Collection[int]) -> int:
        return (await ctx.client.create_project(request, known_ids=known)).id

    known = await same_named(ctx, None, "projects", 0, fetch, name)
    return await journaled_create(ctx, call, name, None, known, send)


async def update_project(ctx: RunContext, call: StepCall) -> Outcome:
    args = call.step.args
    # A field in the step is sent even when None: that clears it at Bria.
    request = UpdateProjectRequest(
        **{k: optional_text(args, k) for k in UpdateProjectRequest.field_names if k in args}
    )
    await ctx.client.update_project(ctx.path_id(call.step, "project_id"), request)
    return NOTHING


async def delete_project(ctx: RunContext, call: StepCall) -> Outcome:
    project_id = ctx.path_id(call.step, "project_id")
    await ctx.client.delete_project(project_id)
    return Outcome(gone=project_id)
