"""What every scenario module shares: the Scenario record and how a scenario plans.

A scenario builds (desired, state, live), plans it, and names the actions, errors and drift the
plan must hold, so a snapshot is never the only thing a scenario checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.addresses import Address
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Plan
from reconciler.resources import DesiredWorkspace, LiveSnapshot, RecordedResource
from tests.plan.factories import World

LINEAGE = "3f0c6f7e-lineage"


@dataclass(frozen=True)
class Scenario:
    plan: Plan
    actions: dict[str, str]
    """address (or "address~deposed/ID") -> expected action."""
    errors: int = 0
    drift: tuple[str, ...] = ()
    """Expected "address field" drift entries."""
    extra: dict[str, object] = field(default_factory=dict)


def plan_of(
    ws: DesiredWorkspace,
    world: World | None = None,
    *,
    targets: tuple[Address, ...] = (),
    refresh_only: bool = False,
) -> Plan:
    state: list[RecordedResource] = world.state() if world else []
    live = world.snapshot() if world else LiveSnapshot()
    plan = build_plan(
        ws,
        state,
        live,
        targets=targets,
        refresh_only=refresh_only,
        state_lineage=LINEAGE,
        state_serial=len(state),
    )
    LIVE_FINGERPRINTS[id(plan)] = live.fingerprint()
    return plan


LIVE_FINGERPRINTS: dict[int, str] = {}
"""id(plan) -> the fingerprint of the live snapshot it was planned from: the snapshots leave
`live_fingerprint` out (a change to the hash would rewrite every one) and a test checks it here."""
