"""A create whose answer was lost never adopts an object another address owns or took in
this run (issue 14, item 1): two same-named datasets created at once, one POST lost."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest

from reconciler.client.api import BriaClient
from reconciler.client.retry import RetryPolicy
from reconciler.engine.planning import make_plan
from reconciler.manifest.workspace import load_workspace
from reconciler.secret import Secret
from tests.conftest import SANDBOX_BASE_URL, SANDBOX_TOKEN
from tests.engine.conftest import Env, simple_project, write_manifest

pytestmark = pytest.mark.anyio


class LoseTheSecondDatasetPost(httpx.AsyncBaseTransport):
    """The first POST /datasets goes through; the second is 'lost' (a read timeout that
    never reached Bria) once the first has been answered."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.posts = 0
        self.first_answered = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/tailored-gen/datasets"):
            self.posts += 1
            index = self.posts
            if index == 2:
                await self.first_answered.wait()
                raise httpx.ReadTimeout("lost", request=request)
            response = await self.inner.handle_async_request(request)
            if index == 1:
                self.first_answered.set()
            return response
        return await self.inner.handle_async_request(request)


async def test_a_lost_create_does_not_adopt_its_same_named_siblings_object(env: Env) -> None:
    body = simple_project(models={})
    body["datasets"] = {"a": {"images": [], "completed": False},
                        "b": {"images": [], "completed": False}}
    write_manifest(env.root, "acme", body)
    desired = load_workspace(env.root)
    project = desired.projects[0]
    same = tuple(replace(d, name="shared") for d in project.datasets)  # as validate now refuses
    desired = replace(desired, projects=(replace(project, datasets=same),))
    lossy = LoseTheSecondDatasetPost(env.transport)
    env.client = BriaClient(
        SANDBOX_BASE_URL, Secret(SANDBOX_TOKEN), transport=lossy,
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05),
    )
    try:
        plan, _ = await make_plan(env.client, desired, env.store.read())
        _, result = await env.apply(plan=plan, parallelism=4)
    finally:
        await env.client.aclose()
    assert result.ok, result.failed
    state = env.store.read()
    ids = {state.require(f"acme/datasets/{k}").remote_id for k in ("a", "b")}
    live = await env.live("/tailored-gen/datasets")
    assert len(ids) == 2  # each address its own object
    assert ids == {d["id"] for d in live}
