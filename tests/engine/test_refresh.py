"""Refresh reads the same world by project or organisation-wide, with lists only."""

from __future__ import annotations

import pytest

from reconciler.client.models import (
    CreateDatasetRequest,
    CreateModelRequest,
    CreateProjectRequest,
)
from reconciler.engine import refresh as refresh_module
from reconciler.engine.refresh import RefreshScope, refresh
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
