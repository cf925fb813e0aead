"""What the state holds between a dataset's create and the steps that finish it: only the
fields of the dataset's generation, with what the create alone made true (not completed, no
prefix or schema set yet). A FIBO dataset's record never gains a caption prefix, mid-create
or after."""

from __future__ import annotations

import httpx
import pytest

from reconciler.addresses import Address, Kind
from reconciler.engine.journaled_create import provisional_attributes
from reconciler.plan.fields import rules_for
from reconciler.plan.model import Action, Change, Reason
from tests.engine.conftest import Env
from tests.engine.test_fibo_workspace import write_fibo

pytestmark = pytest.mark.anyio

DATASET = Address("acme", dataset="v1")
REFINE_PATH = "/v1/tailored-gen/refine_structured_prompt"
LEGACY_ONLY = {row.name for row in rules_for(Kind.DATASET) if row.legacy_only}
FIBO_ONLY = {row.name for row in rules_for(Kind.DATASET) if row.fibo_only}


class RefusingRefine(httpx.AsyncBaseTransport):
    """Bria refuses every refine: the apply stops after the dataset's create."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == REFINE_PATH:
            return httpx.Response(400, json={"message": "refused in this test"})
        return await self.inner.handle_async_request(request)


async def test_a_fibo_dataset_stopped_after_its_create_records_no_caption_prefix(
    env: Env,
) -> None:
    write_fibo(env.root)
    env.transport.inner = RefusingRefine(env.transport.inner)
    plan, result = await env.apply()
    assert not result.ok
    [planned] = [c for c in plan.changes if c.address == DATASET]
    assert planned.after is not None and not LEGACY_ONLY & set(planned.after)
    recorded = env.store.read().require(str(DATASET))
    assert recorded.remote_id is not None
    assert not LEGACY_ONLY & set(recorded.attributes), recorded.attributes
    assert set(recorded.attributes) == set(planned.after)
    assert recorded.attributes["completed"] is False
    assert recorded.attributes["visual_schema"] is None
    assert recorded.attributes["visual_schema_auto"] is False
    live = await env.live(f"/tailored-gen/datasets/{recorded.remote_id}")
    assert live["status"] == "draft"


async def test_the_rerun_sets_the_schema_the_stopped_run_did_not(env: Env) -> None:
    write_fibo(env.root)
    inner = env.transport.inner
    env.transport.inner = RefusingRefine(inner)
    await env.apply()
    env.transport.inner = inner
    plan, result = await env.apply()
    assert result.ok, result.failed
    [dataset] = [c for c in plan.changes if c.address == DATASET]
    assert dataset.action is Action.UPDATE
    assert any(fc.field == "visual_schema" for fc in dataset.field_changes)
    recorded = env.store.read().require(str(DATASET)).attributes
    assert isinstance(recorded["visual_schema"], dict) and recorded["completed"] is True
    assert not LEGACY_ONLY & set(recorded)
    assert not (await env.plan()).has_changes


def _created(after: dict[str, object]) -> Change:
    return Change(address=DATASET, action=Action.CREATE, reason=Reason.NEW, after=after)


def test_each_generation_keeps_only_its_own_fields() -> None:
    common = {"name": "v1", "upload_type": "basic", "completed": True}
    legacy = provisional_attributes(
        _created({**common, "training_version": "max", "caption_prefix": "Foxy,",
                  "caption_prefix_auto": False})
    )
    assert legacy["caption_prefix"] is None and legacy["completed"] is False
    assert not FIBO_ONLY & set(legacy)
    fibo = provisional_attributes(
        _created({**common, "training_version": "fibo", "visual_schema": {"a": 1},
                  "visual_schema_auto": False, "refine": []})
    )
    assert not LEGACY_ONLY & set(fibo)
    assert fibo["visual_schema"] is None and fibo["completed"] is False
