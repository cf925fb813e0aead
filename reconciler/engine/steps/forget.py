"""The state-only step: an address's id (or a deposed predecessor's) forgotten, no API call."""

from __future__ import annotations

from reconciler.engine.run_context import NOTHING, Outcome, RunContext, StepCall


async def forget(ctx: RunContext, call: StepCall) -> Outcome:
    old = call.step.args.get("old_id")
    if isinstance(old, int):
        return Outcome(gone=old)
    current = ctx.ledger.remote_id(call.step.address)
    if current is None:
        return NOTHING
    return Outcome(gone=current)
