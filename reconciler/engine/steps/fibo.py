"""FIBO dataset steps: the visual schema generated from sample images, refined by each
instruction in order, and set on the draft dataset (Update Dataset `visual_schema`).

Generate Visual Schema is stateless, so it runs from the workspace's files before any upload;
images uploaded after the schema is set get Bria's JSON captions at upload. The schema text
passes from step to step in the run's results for the dataset's address; the state records the
schema that was set as a JSON object, so later plans compare objects, not whitespace.
"""

from __future__ import annotations

import json

from reconciler.client.fibo import json_object
from reconciler.client.models import (
    GenerateVisualSchemaRequest,
    RefineStructuredPromptRequest,
    UpdateDatasetRequest,
)
from reconciler.engine.run_context import NOTHING, Outcome, RunContext, StepCall, StepFailed
from reconciler.engine.step_args import flag, text
from reconciler.engine.steps.dataset import encoded_samples
from reconciler.plan.attributes import RECAPTION_DUE
from reconciler.plan.model import StepKind
from reconciler.resources import JsonValue

SCHEMA = "visual_schema"
"""The key of the schema text in the run's results for a dataset."""


def schema_text(value: JsonValue | None) -> str | None:
    """A declared schema (a JSON object in the step's arguments) as the text Bria takes."""
    if not isinstance(value, dict):
        return None
    return json.dumps(value, ensure_ascii=False)


async def generate_visual_schema(ctx: RunContext, call: StepCall) -> Outcome:
    images = await encoded_samples(ctx, call)
    answer = await ctx.client.generate_visual_schema(GenerateVisualSchemaRequest(images=images))
    if json_object(answer.visual_schema) is None:
        raise StepFailed(f"{call.step.address}: Bria's visual schema is not a JSON object")
    ctx.results(call.step.address)[SCHEMA] = answer.visual_schema
    return NOTHING


async def refine_visual_schema(ctx: RunContext, call: StepCall) -> Outcome:
    step = call.step
    results = ctx.results(step.address)
    current = results.get(SCHEMA)
    if not isinstance(current, str):
        current = schema_text(step.args.get(SCHEMA))
    if current is None:
        raise StepFailed(f"{step.address}: no visual schema to refine")
    request = RefineStructuredPromptRequest(
        dataset_id=ctx.path_id(step, "dataset_id"),
        structured_prompt=current,
        instruction=text(step.args, "instruction"),
    )
    answer = await ctx.client.refine_structured_prompt(request)
    if json_object(answer.structured_prompt) is None:
        raise StepFailed(f"{step.address}: Bria's refined schema is not a JSON object")
    results[SCHEMA] = answer.structured_prompt
    return NOTHING


async def set_visual_schema(ctx: RunContext, call: StepCall) -> Outcome:
    step = call.step
    generated = flag(step.args, "generated", False)
    if generated:
        found = ctx.results(step.address).get(SCHEMA)
        schema = found if isinstance(found, str) else None
        if schema is None:
            raise StepFailed(f"{step.address}: no generated visual schema to set")
    else:
        schema = schema_text(step.args.get(SCHEMA))
        if schema is None:
            raise StepFailed(f"{step.address}: visual_schema is not a JSON object")
    await ctx.client.update_dataset(
        ctx.path_id(step, "dataset_id"), UpdateDatasetRequest(visual_schema=schema)
    )
    recorded: JsonValue = json_object(schema)
    attributes: dict[str, JsonValue] = {SCHEMA: recorded, "visual_schema_auto": generated}
    if any(s.kind is StepKind.REGENERATE_CAPTIONS for s in call.change.steps):
        attributes[RECAPTION_DUE] = True
    return Outcome(attributes=attributes)
