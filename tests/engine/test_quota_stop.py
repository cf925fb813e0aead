"""Bria's quota answer (403, a bare JSON string) stops an apply at once; once the quota is
raised, the next apply converges with no duplicate."""

from __future__ import annotations

import httpx
import pytest

from reconciler.client.api import BriaClient
from reconciler.client.errors import QuotaExceeded
from reconciler.client.retry import RetryPolicy
from reconciler.events import ResultStatus
from reconciler.plan.model import Action
from reconciler.secret import Secret
from tests.conftest import SANDBOX_BASE_URL, SANDBOX_TOKEN
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio

QUOTA = (
    b'"Quota exceeded: Free users can make up to 1000 requests in total. Please upgrade your '
    b'plan to continue using the service."'
)


class QuotaGate(httpx.AsyncBaseTransport):
    """In front of the sandbox: past `quota` requests, Bria's quota answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport, quota: int | None) -> None:
        self.inner = inner
        self.quota = quota
        self.passed = 0
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.quota is not None and self.passed >= self.quota:
            self.refused += 1
            return httpx.Response(403, content=QUOTA, headers={"content-type": "application/json"})
        self.passed += 1
        return await self.inner.handle_async_request(request)


async def test_the_quota_answer_stops_the_run_and_a_rerun_converges(env: Env) -> None:
    seed_images(env.root, "acme", 12)
    write_manifest(env.root, "acme", simple_project(images=12))
    gate = QuotaGate(env.transport, quota=6)
    await env.client.aclose()
    env.client = BriaClient(
        SANDBOX_BASE_URL, Secret(SANDBOX_TOKEN), transport=gate,
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05),
    )
    parallelism = 4
    plan, result = await env.apply(parallelism=parallelism)
    assert isinstance(result.stopped, QuotaExceeded)
    assert result.stopped.bria_message.startswith("Quota exceeded: Free users")
    # Never retried, and nothing new started after it: only requests already in flight.
    assert 1 <= gate.refused <= parallelism
    statuses = {r.status for r in result.by_address()}
    assert ResultStatus.NOT_STARTED in statuses and ResultStatus.DONE in statuses
    not_started = [n for n in result.nodes if n.status is ResultStatus.NOT_STARTED]
    assert all("quota" in n.message or "did not complete" in n.message for n in not_started)

    gate.quota = None  # the plan was upgraded
    _again, second = await env.apply(parallelism=parallelism)
    assert second.ok and second.stopped is None
    assert not (await env.plan()).has_changes
    projects = await env.live("/tailored-gen/projects")
    datasets = await env.live("/tailored-gen/datasets")
    images = await env.live(f"/tailored-gen/datasets/{datasets[0]['id']}/images")
    models = [m for m in await env.live("/tailored-gen/models") if m["status"] != "Deleted"]
    assert len(projects) == 1 and len(datasets) == 1 and len(models) == 1
    assert sorted(i["image_name"] for i in images) == [f"img-{n:02d}.png" for n in range(12)]
    assert plan.summary.create == 15 and _again.summary.create < 15
    assert all(c.action is not Action.DELETE for c in _again.changes)
