"""Refresh reads the same world by project or organisation-wide, with lists (and the bulk status
of managed advanced drafts)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reconciler.client.models import (
    CreateDatasetRequest,
    CreateModelRequest,
    CreateProjectRequest,
    UpdateDatasetRequest,
)
from reconciler.engine import refresh as refresh_module
from reconciler.engine.refresh import RefreshScope, refresh
from reconciler.resources import LiveDataset, LiveProject, LiveSnapshot
from tests.conftest import SANDBOX_ORIGIN
from tests.engine.conftest import Env

pytestmark = pytest.mark.anyio


async def _world(env: Env, projects: int) -> tuple[set[int], set[int]]:
    """`projects` managed projects and one other, each with two datasets and a model."""
    managed: set[int] = set()
    datasets: set[int] = set()
    for index in range(projects + 1):
        project = await env.client.create_project(
            CreateProjectRequest(
                project_name=f"brand-{index}", ip_medium="illustration", ip_type="icons"
            )
        )
        for key in ("a", "b"):
            dataset = await env.client.create_dataset(
                CreateDatasetRequest(project_id=project.id, name=key)
            )
            if index < projects:
                datasets.add(dataset.id)
        await env.client.create_model(
            CreateModelRequest(
                name="light",
                dataset_id=dataset.id,
                training_mode="fully_automated",
                training_version="light",
            )
        )
        if index < projects:
            managed.add(project.id)
    return managed, datasets


async def test_organisation_wide_lists_read_what_per_project_lists_read(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    managed, datasets = await _world(env, projects=3)
    scope = RefreshScope(frozenset(managed), frozenset(datasets))

    monkeypatch.setattr(refresh_module, "BY_PROJECT_UP_TO", 3)
    env.transport.answers.clear()
    by_project = await refresh(env.client, scope)
    per_project_requests = len(env.transport.answers)

    monkeypatch.setattr(refresh_module, "BY_PROJECT_UP_TO", 2)
    env.transport.answers.clear()
    organisation = await refresh(env.client, scope)
    paths = sorted(path for _method, path, _status in env.transport.answers)

    assert organisation == by_project
    assert len(organisation.datasets) == 6 and len(organisation.models) == 3  # not the 4th's
    assert per_project_requests == 1 + 2 * 3
    assert paths == [
        "/v1/tailored-gen/datasets",
        "/v1/tailored-gen/models",
        "/v1/tailored-gen/projects",
    ]  # the datasets are empty: no image lists


async def test_only_managed_advanced_drafts_cost_a_bulk_status_read(env: Env) -> None:
    """BULK-ONCE-ONLY needs the one status no list shows: read for managed advanced drafts
    only, None when Bria never saw a bulk upload (404), and the same on a second read."""
    project = await env.client.create_project(
        CreateProjectRequest(project_name="brand", ip_medium="illustration", ip_type="icons")
    )
    made = {
        key: await env.client.create_dataset(
            CreateDatasetRequest(project_id=project.id, name=key, upload_type=upload)
        )
        for key, upload in [
            ("basic", "basic"), ("fresh", "advanced"), ("spent", "advanced"),
            ("unmanaged", "advanced"),
        ]
    }
    zip_url = f"{SANDBOX_ORIGIN}/_sandbox/files/broken.zip"
    (await env.control.put(zip_url, content=b"not a zip")).raise_for_status()
    for key in ("spent", "unmanaged"):
        await env.client.bulk_upload(made[key].id, zip_url)
    await env.sandbox("POST", "clock/advance", {"seconds": 60})
    managed = frozenset(made[key].id for key in ("basic", "fresh", "spent"))
    scope = RefreshScope(frozenset({project.id}), managed)

    env.transport.answers.clear()
    live = await refresh(env.client, scope)
    reads = sorted(path for _method, path, _status in env.transport.answers)

    status = "/v1/tailored-gen/datasets/{}/images/bulk-upload/status"
    assert [p for p in reads if p.endswith("/status")] == sorted(
        status.format(made[key].id) for key in ("fresh", "spent")
    )
    assert len(reads) == 3 + 2
    seen = {key: live.datasets[made[key].id] for key in made}
    assert {key: d.bulk_status for key, d in seen.items()} == {
        "basic": None, "fresh": None, "spent": "failed", "unmanaged": None
    }
    assert (await refresh(env.client, scope)).fingerprint() == live.fingerprint()
    unread = {**live.datasets, made["spent"].id: replace(seen["spent"], bulk_status=None)}
    assert replace(live, datasets=unread).fingerprint() != live.fingerprint()


async def test_fibo_facts_are_read_from_bria(env: Env) -> None:
    """A dataset's training_version and schema (as an object), and the family Bria locked the
    project to, reach the live records the planner compares; a legacy dataset says max."""
    fibo = await env.client.create_project(
        CreateProjectRequest(project_name="fibo", ip_medium="photography", ip_type="stylized_scene")
    )
    legacy = await env.client.create_project(
        CreateProjectRequest(project_name="legacy", ip_medium="illustration", ip_type="icons")
    )
    unlocked = await env.client.create_project(
        CreateProjectRequest(project_name="empty", ip_medium="illustration", ip_type="icons")
    )
    shots = await env.client.create_dataset(
        CreateDatasetRequest(project_id=fibo.id, name="shots", training_version="fibo")
    )
    bare = await env.client.create_dataset(
        CreateDatasetRequest(project_id=fibo.id, name="bare", training_version="fibo")
    )
    schema = {"style": "studio", "palette": ["#ff0000", "#00ff00"], "subjects": {"main": "a fox"}}
    await env.client.update_dataset(
        shots.id, UpdateDatasetRequest(visual_schema=json.dumps(schema))
    )
    icons = await env.client.create_dataset(CreateDatasetRequest(project_id=legacy.id, name="v1"))
    scope = RefreshScope(
        frozenset({fibo.id, legacy.id, unlocked.id}), frozenset({shots.id, bare.id, icons.id})
    )

    live = await refresh(env.client, scope)

    assert live.datasets[shots.id].training_version == "fibo"
    assert live.datasets[shots.id].visual_schema == schema
    assert (live.datasets[bare.id].training_version, live.datasets[bare.id].visual_schema) == (
        "fibo", None
    )
    assert (live.datasets[icons.id].training_version, live.datasets[icons.id].visual_schema) == (
        "max", None
    )
    locks = {pid: live.projects[pid].training_version for pid in (fibo.id, legacy.id, unlocked.id)}
    assert locks == {fibo.id: "fibo", legacy.id: "max", unlocked.id: None}


def test_new_live_fields_are_hashed_only_when_bria_said_them() -> None:
    """Saved plans made before refresh read these fields keep their fingerprint; a value Bria
    reports is part of it, so a schema changed in the Console invalidates a saved plan."""
    project = LiveProject(1, "acme", "", "icons", "illustration")
    dataset = LiveDataset(2, 1, "v1", None, "draft", "basic")
    before = LiveSnapshot(projects={1: project}, datasets={2: dataset})
    unsaid = LiveSnapshot(
        projects={1: replace(project, training_version=None)},
        datasets={2: replace(dataset, training_version=None, visual_schema=None)},
    )
    assert unsaid.fingerprint() == before.fingerprint()
    fibo = replace(dataset, training_version="fibo", visual_schema={"style": "flat"})
    said = LiveSnapshot(projects={1: project}, datasets={2: fibo})
    edited = LiveSnapshot(
        projects={1: project}, datasets={2: replace(fibo, visual_schema={"style": "bold"})}
    )
    assert len({before.fingerprint(), said.fingerprint(), edited.fingerprint()}) == 3
    locked = LiveSnapshot(
        projects={1: replace(project, training_version="fibo")}, datasets={2: fibo}
    )
    assert locked.fingerprint() != said.fingerprint()
