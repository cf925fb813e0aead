"""The executor against the in-process sandbox: convergence, partial failure, waits, bulk."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.client.errors import ServerError
from reconciler.engine.apply_result import ApplyResult, NodeResult
from reconciler.engine.handlers import HANDLERS
from reconciler.engine.ledger import Ledger
from reconciler.engine.planning import make_plan
from reconciler.engine.refresh_only import drift_apply_leaves, record_drift
from reconciler.engine.run_context import Outcome, RunContext, StepCall
from reconciler.events import AddressResult, ResultStatus
from reconciler.manifest.workspace import load_workspace
from reconciler.plan.model import Action, StepKind
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest, write_png

pytestmark = pytest.mark.anyio


def test_every_step_kind_has_exactly_one_handler() -> None:
    assert set(HANDLERS) == set(StepKind)


async def test_apply_converges_without_client_errors(env: Env) -> None:
    seed_images(env.root, "acme", 4)
    (env.root / "images" / "acme" / "img-00.txt").write_text("Foxy waving")
    write_manifest(env.root, "acme", simple_project(caption_prefix="auto"))
    plan, result = await env.apply()
    assert result.ok, result.failed
    assert plan.summary.create == 7
    after = await env.plan()
    assert not after.has_changes, after.changes
    assert env.transport.client_errors() == []
    datasets = await env.live("/tailored-gen/datasets")
    assert [d["status"] for d in datasets] == ["completed"]
    state = env.store.read()
    prefix = state.require("acme/datasets/v1").attributes["caption_prefix"]
    assert prefix == datasets[0]["caption_prefix"]
    models = await env.live("/tailored-gen/models")
    assert state.require("acme/models/light").remote_id == models[0]["id"]


async def test_a_failed_branch_stops_only_its_dependents(env: Env) -> None:
    seed_images(env.root, "alpha", 2)
    seed_images(env.root, "beta", 2, offset=10)
    write_manifest(env.root, "alpha", simple_project("alpha"))
    write_manifest(env.root, "beta", simple_project("beta"))
    plan = await env.plan()
    write_png(env.root / "images" / "alpha" / "img-01.png", 99)
    _, result = await env.apply(plan=plan)
    assert not result.ok
    rows = {str(r.address): r for r in result.by_address()}
    broken = rows["alpha/datasets/v1/images/img-01.png"]
    assert broken.status is ResultStatus.FAILED
    assert "file changed since plan" in broken.message
    assert rows["alpha/models/light"].status is ResultStatus.NOT_STARTED
    assert rows["alpha/datasets/v1"].status is ResultStatus.NOT_STARTED
    assert all(rows[a].status is ResultStatus.DONE for a in rows if a.startswith("beta"))
    recorded = env.store.read()
    assert recorded.get("beta/models/light") is not None
    assert recorded.get("alpha/datasets/v1/images/img-00.png") is not None
    assert recorded.get("alpha/models/light") is None

    _, rerun = await env.apply()
    assert rerun.ok, rerun.failed
    assert not (await env.plan()).has_changes
    assert len(await env.live("/tailored-gen/projects")) == 2
    assert len(await env.live("/tailored-gen/datasets")) == 2


def test_results_by_address_fold_nodes_and_leave_out_completed_no_ops() -> None:
    project, dataset = Address("p"), Address("p", dataset="v1")
    model, other = Address("p", model="m"), Address("q")
    blocked = "p/datasets/v1 did not complete"
    result = ApplyResult(
        nodes=(
            NodeResult("p", project, ResultStatus.DONE),
            NodeResult("p/datasets/v1", dataset, ResultStatus.DONE),
            NodeResult("p/datasets/v1#finalize", dataset, ResultStatus.FAILED, "HTTP 500"),
            NodeResult("p/models/m", model, ResultStatus.NOT_STARTED, blocked),
            NodeResult("q", other, ResultStatus.DONE),
        ),
        actions={"p": Action.NO_OP, "p/datasets/v1": Action.CREATE, "p/models/m": Action.NO_OP},
    )
    assert result.by_address() == (
        AddressResult(dataset, ResultStatus.FAILED, "HTTP 500"),
        AddressResult(model, ResultStatus.NOT_STARTED, blocked),
    )
    assert not result.ok
    assert [n.node for n in result.failed] == ["p/datasets/v1#finalize"]


async def test_parallelism_bounds_concurrent_work(env: Env) -> None:
    seed_images(env.root, "acme", 8)
    write_manifest(env.root, "acme", simple_project(models={}))
    _, result = await env.apply(parallelism=1)
    assert result.ok
    assert env.transport.most_in_flight == 1

    seed_images(env.root, "acme", 16)
    # The dataset is completed: new images force a replace with 16 uploads.
    _, result = await env.apply(parallelism=6)
    assert result.ok, result.failed
    assert env.transport.most_in_flight > 1


@pytest.mark.parametrize("training_seconds", [0.3])
async def test_wait_deletes_the_replaced_model_once_its_successor_trained(env: Env) -> None:
    seed_images(env.root, "acme", 2)
    write_manifest(env.root, "acme", simple_project())
    _, first = await env.apply(wait=True)
    assert first.ok, first.failed
    old_id = env.store.read().require("acme/models/light").remote_id
    changed = simple_project(models={"light": {"dataset": "v1", "training_version": "max"}})
    write_manifest(env.root, "acme", changed)
    plan, second = await env.apply(wait=True)
    assert second.ok, second.failed
    assert plan.changes and any(c.action is Action.REPLACE for c in plan.changes)
    entry = env.store.read().require("acme/models/light")
    assert entry.remote_id != old_id and entry.deposed == ()
    old = await env.live(f"/tailored-gen/models/{old_id}")
    assert old["status"] == "Deleted"
    new = await env.live(f"/tailored-gen/models/{entry.remote_id}")
    assert new["status"] == "Completed"
    assert not (await env.plan()).has_changes


async def test_replaced_model_is_kept_as_deposed_without_wait(env: Env) -> None:
    seed_images(env.root, "acme", 2)
    write_manifest(env.root, "acme", simple_project())
    await env.apply()
    old_id = env.store.read().require("acme/models/light").remote_id
    write_manifest(
        env.root,
        "acme",
        simple_project(models={"light": {"dataset": "v1", "training_version": "max"}}),
    )
    _, result = await env.apply()
    assert result.ok
    entry = env.store.read().require("acme/models/light")
    assert entry.deposed == (old_id,)
    assert not (await env.plan()).has_changes
    await env.sandbox("POST", "clock/advance", {"seconds": 7200})
    cleanup = await env.plan()
    assert [c.deposed for c in cleanup.changes if c.action is Action.DELETE] == [old_id]
    _, result = await env.apply()
    assert result.ok
    assert env.store.read().require("acme/models/light").deposed == ()
    assert (await env.live(f"/tailored-gen/models/{old_id}"))["status"] == "Deleted"


async def test_advanced_dataset_is_bulk_uploaded_and_its_images_recorded(env: Env) -> None:
    seed_images(env.root, "acme", 2, size=1024)
    write_manifest(env.root, "acme", simple_project(upload="advanced", models={}))
    _, result = await env.apply()
    assert result.ok, result.failed
    state = env.store.read()
    dataset_id = state.require("acme/datasets/v1").remote_id
    live = await env.live(f"/tailored-gen/datasets/{dataset_id}/images")
    recorded = {e.remote_id for e in state.descendants(Address("acme", dataset="v1"))}
    assert recorded == {i["id"] for i in live}
    assert not (await env.plan()).has_changes
    stats = await env.sandbox("GET", "stats")
    bulk = "POST /v1/tailored-gen/datasets/{dataset_id}/images/bulk-upload"
    assert stats["requests"].get(bulk) == 1


async def test_refresh_only_records_what_bria_has(env: Env) -> None:
    seed_images(env.root, "acme", 1)
    write_manifest(env.root, "acme", simple_project(models={}))
    await env.apply()
    project_id = env.store.read().require("acme").remote_id
    response = await env.control.put(
        f"http://127.0.0.1:8787/v1/tailored-gen/projects/{project_id}",
        json={"project_description": "edited in the Console"},
    )
    assert response.status_code == 200
    plan, _ = await make_plan(
        env.client, load_workspace(env.root), env.store.read(), refresh_only=True
    )
    assert [(str(d.address), d.field) for d in plan.drift] == [("acme", "description")]
    with env.store.lock("apply") as lock:
        assert record_drift(Ledger.open(env.store, lock), plan.drift) == 1
    recorded = env.store.read().require("acme").attributes
    assert recorded["description"] == "edited in the Console"
    after = await env.plan()
    assert after.drift == ()
    assert [c.action for c in after.changes if c.address == Address("acme")] == [Action.UPDATE]


async def test_apply_takes_in_the_drift_of_what_it_leaves_alone(env: Env) -> None:
    """A generated prefix edited in the Console is drift with nothing to send: apply records
    Bria's value (else every later plan reports it again); a declared field it sets back is not
    taken in."""
    seed_images(env.root, "acme", 2)
    project = simple_project(models={}, completed=False, caption_prefix="auto")
    write_manifest(env.root, "acme", project)
    await env.apply()
    state = env.store.read()
    base = "http://127.0.0.1:8787/v1/tailored-gen"
    dataset_id = state.require("acme/datasets/v1").remote_id
    project_id = state.require("acme").remote_id
    edits = {
        f"{base}/datasets/{dataset_id}": {"caption_prefix": "a fox, edited in the Console"},
        f"{base}/projects/{project_id}": {"project_description": "edited in the Console"},
    }
    for url, body in edits.items():
        assert (await env.control.put(url, json=body)).status_code == 200
    plan = await env.plan()
    assert sorted((str(d.address), d.field) for d in plan.drift) == [
        ("acme", "description"),
        ("acme/datasets/v1", "caption_prefix"),
    ]
    assert [(str(d.address), d.field) for d in drift_apply_leaves(plan)] == [
        ("acme/datasets/v1", "caption_prefix")
    ]
    with env.store.lock("apply") as lock:
        assert record_drift(Ledger.open(env.store, lock), drift_apply_leaves(plan)) == 1
    _, result = await env.apply(plan=plan)
    assert result.ok, result.failed
    recorded = env.store.read().require("acme/datasets/v1").attributes
    assert recorded["caption_prefix"] == "a fox, edited in the Console"
    after = await env.plan()
    assert (after.drift, after.has_changes) == ((), False)


async def test_a_deferred_dataset_delete_runs_when_this_apply_ended_the_training(
    env: Env,
) -> None:
    """The dataset's images change while its model trains, and the model leaves the manifest:
    the apply stops and deletes the model, so the old dataset can go in the same apply."""
    seed_images(env.root, "acme", 2)
    write_manifest(env.root, "acme", simple_project())
    await env.apply()
    old_id = env.store.read().require("acme/datasets/v1").remote_id
    write_png(env.root / "images" / "acme" / "img-01.png", 99)
    write_manifest(env.root, "acme", simple_project(models={}))
    plan, result = await env.apply()
    assert result.ok, result.failed
    delete_old = next(s for c in plan.changes for s in c.steps if s.kind is StepKind.DELETE_DATASET)
    assert delete_old.deferred  # at plan time a model trained on it
    assert env.store.read().require("acme/datasets/v1").deposed == ()
    datasets = await env.live("/tailored-gen/datasets")
    assert old_id not in [d["id"] for d in datasets]
    assert not (await env.plan()).has_changes
    assert env.transport.client_errors() == []


async def test_a_deferred_dataset_delete_waits_while_a_model_still_trains_on_it(
    env: Env,
) -> None:
    seed_images(env.root, "acme", 2)
    write_manifest(env.root, "acme", simple_project())
    await env.apply()
    old_id = env.store.read().require("acme/datasets/v1").remote_id
    write_png(env.root / "images" / "acme" / "img-01.png", 99)
    _, result = await env.apply()  # the model is replaced; its predecessor keeps training
    assert result.ok, result.failed
    assert old_id in env.store.read().require("acme/datasets/v1").deposed
    assert old_id in [d["id"] for d in await env.live("/tailored-gen/datasets")]
    assert env.transport.client_errors() == []


def test_a_deposed_object_is_a_row_of_its_own() -> None:
    """destroy counted the deposed model in its plan but folded it into the current one's row."""
    model = Address("p", model="m")
    result = ApplyResult(
        nodes=(
            NodeResult("p/models/m", model, ResultStatus.DONE),
            NodeResult("p/models/m~deposed/7", model, ResultStatus.DONE, deposed=7),
        ),
        actions={"p/models/m": Action.DELETE},
    )
    assert [r.label for r in result.by_address()] == ["p/models/m", "p/models/m (deposed 7)"]


async def test_a_late_dataset_delete_that_fails_fails_the_apply(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_images(env.root, "acme", 2)
    write_manifest(env.root, "acme", simple_project())
    await env.apply()
    write_png(env.root / "images" / "acme" / "img-01.png", 99)
    write_manifest(env.root, "acme", simple_project(models={}))
    planned = HANDLERS[StepKind.DELETE_DATASET]

    async def refused(ctx: RunContext, call: StepCall) -> Outcome:
        if call.step.args.get("old_id") is not None:
            raise ServerError("Injected server error", status=500, method="DELETE", path="/x")
        return await planned(ctx, call)

    monkeypatch.setitem(HANDLERS, StepKind.DELETE_DATASET, refused)
    _, result = await env.apply()
    assert not result.ok
    assert [str(n.address) for n in result.failed] == ["acme/datasets/v1"]
    assert "Injected server error" in result.failed[0].message


async def test_an_image_gone_or_turned_folder_since_plan_fails_its_upload_only(
    env: Env,
) -> None:
    seed_images(env.root, "acme", 3)
    write_manifest(env.root, "acme", simple_project(completed=False, models={}, images=3))
    plan = await env.plan()
    folder = env.root / "images" / "acme"
    (folder / "img-00.png").unlink()
    (folder / "img-01.png").unlink()
    (folder / "img-01.png").mkdir()
    _, result = await env.apply(plan=plan)
    rows = {str(r.address): r for r in result.by_address()}
    for name in ("img-00.png", "img-01.png"):
        failed = rows[f"acme/datasets/v1/images/{name}"]
        assert failed.status is ResultStatus.FAILED
        assert f"cannot read images/acme/{name}" in failed.message, failed.message
    assert rows["acme/datasets/v1/images/img-02.png"].status is ResultStatus.DONE
    assert env.store.read().intents == ()
