"""Predecessors (deposed ids) that Bria no longer has: the state only forgets them."""

from __future__ import annotations

from reconciler.addresses import Address
from reconciler.plan.model import Action, Change, Reason, Step, StepKind


def deposed_gone(address: Address, dep: int) -> Change:
    """A deposed predecessor Bria no longer has: only forgotten by the state."""
    step = Step(StepKind.FORGET, address, {"old_id": dep})
    return Change(
        address=address,
        action=Action.DELETE,
        reason=Reason.DEPOSED_GONE,
        steps=(step,),
        deposed=dep,
    )
