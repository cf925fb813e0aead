"""Making a plan: read the state, refresh the live objects it names, and diff.

Shared by `tailor plan`, `tailor apply` and `tailor destroy` so that all three see the world
the same way; the planner itself stays pure.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from reconciler.addresses import Address, Kind
from reconciler.client.api import BriaClient
from reconciler.engine.refresh import RefreshScope, refresh
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Plan
from reconciler.resources import DesiredWorkspace, LiveSnapshot
from reconciler.state.model import StateDocument


async def make_plan(
    client: BriaClient,
    desired: DesiredWorkspace,
    state: StateDocument,
    *,
    targets: Sequence[Address] = (),
    refresh_only: bool = False,
    trust_completed: bool = True,
    projects: Collection[str] | None = None,
    images_as_counts: bool = False,
) -> tuple[Plan, LiveSnapshot]:
    """`trust_completed=False` lists the images of completed datasets too (for their URLs).
    `projects` limits the state to those project keys (destroy of one workspace's projects).
    `images_as_counts` leaves unchanged completed datasets' images as counts
    (`Plan.unchanged_images`) for a caller that only shows counts (text, Markdown), and their
    state rows unread; its `live_fingerprint` then leaves them out, so such a plan is for
    showing, never for saving. Else every image is in `Plan.changes`."""
    lazy = images_as_counts and trust_completed
    recorded, unread = state.recorded_parts() if lazy else (state.recorded(), {})
    if projects is not None:
        recorded = tuple(r for r in recorded if r.address.project in projects)
        unread = {a: u for a, u in unread.items() if a.project in projects}
    scope = RefreshScope.from_recorded(recorded, trust_completed=trust_completed)
    if unread:
        ids = {r.address: r.remote_id for r in recorded if r.kind is Kind.DATASET}
        scope = replace(scope, unread_counts={ids[a]: u.count for a, u in unread.items()})
    before = client.requests_answered
    live = await refresh(client, scope)
    refresh_requests = client.requests_answered - before
    plan = build_plan(
        desired,
        recorded,
        live,
        targets=targets,
        refresh_only=refresh_only,
        state_lineage=state.lineage,
        state_serial=state.serial,
        unread_images=unread,
    )
    plan = replace(
        plan if images_as_counts else plan.materialised(),
        refresh_requests=refresh_requests,
        requests_per_minute=client.requests_per_minute,
        recent_request_ages=client.recent_ages(),
    )
    if not trust_completed:
        # Apply checks a saved plan against a refresh that trusts completed datasets: the
        # fingerprint must be of that view, or such a plan would always be refused as stale.
        # Its refresh skips the image lists of those datasets: one request each, which the
        # apply's cost must not count.
        trusted = RefreshScope.from_recorded(recorded).as_read(live)
        plan = replace(
            plan,
            live_fingerprint=trusted.fingerprint(),
            refresh_requests=refresh_requests - len(trusted.images_from_state),
        )
    return plan, live
