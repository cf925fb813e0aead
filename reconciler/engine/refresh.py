"""Refresh: read what Bria has now, with list endpoints, concurrently.

The number of requests grows with projects and datasets, never with images: one list of all
projects; the datasets and models of the managed projects, from one list of each per project,
or (beyond `BY_PROJECT_UP_TO` managed projects) from one organisation-wide list of each, sent
beside the projects list; then one list of images per managed dataset that has any. The one
read that is not a list: a managed advanced dataset still in draft also costs its bulk-upload
status (no list shows it), since Bria refuses a second bulk upload even after a failed one
(BULK-ONCE-ONLY) and the planner must know whether that one upload is spent.
Terraform providers read one resource per request; for a dataset of 200 images that is the
difference between 1 and 200 round trips.

A completed dataset is immutable at Bria (no uploads, deletes or caption edits), so when the
state recorded it completed and Bria still reports it completed with the same image count,
its images are taken from the state instead of listed again. Callers that need the live
image URLs (the HTML review) turn that off with `trust_completed=False`.

An object a list holds that tailor cannot read (another generation's, or a value of a type it
cannot use) is skipped by the client and kept in `LiveSnapshot.unreadable`: the planner warns
about it when the state manages it and leaves it alone; the rest is read as usual.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from reconciler.addresses import Address, Kind
from reconciler.client.api import BriaClient
from reconciler.client.errors import NotFound
from reconciler.client.models import BulkUploadStatus, Dataset, Image, Model, Project
from reconciler.records import record
from reconciler.resources import (
    JsonValue,
    LiveDataset,
    LiveImage,
    LiveModel,
    LiveProject,
    LiveSnapshot,
    RecordedResource,
    UnreadableObject,
)


@record
class RefreshScope:
    """Which remote objects to read: those the state says tailor owns."""

    project_ids: frozenset[int] = frozenset()
    dataset_ids: frozenset[int] = frozenset()
    completed_images: Mapping[int, tuple[RecordedResource, ...]] = field(default_factory=dict)
    """Recorded images of datasets the state recorded as completed, by dataset remote id."""
    unread_counts: Mapping[int, int] = field(default_factory=dict)
    """Completed datasets whose recorded images the state left unread: how many, by id."""

    @classmethod
    def from_recorded(
        cls, recorded: Iterable[RecordedResource], *, trust_completed: bool = True
    ) -> RefreshScope:
        projects: set[int] = set()
        datasets: set[int] = set()
        completed: dict[Address, int] = {}
        images: dict[Address, list[RecordedResource]] = {}
        for resource in recorded:
            if resource.kind is Kind.PROJECT:
                projects.add(resource.remote_id)
            elif resource.kind is Kind.DATASET:
                datasets.add(resource.remote_id)
                datasets.update(resource.deposed)
                if resource.attributes.get("completed") is True:
                    completed[resource.address] = resource.remote_id
            elif resource.kind is Kind.IMAGE and resource.parent is not None:
                images.setdefault(resource.parent, []).append(resource)
        completed_images = (
            {rid: tuple(images.get(address, ())) for address, rid in completed.items()}
            if trust_completed
            else {}
        )
        return cls(frozenset(projects), frozenset(datasets), completed_images)

    def images_unread(self, dataset_id: int, status: str, images_count: int) -> bool:
        """An unchanged completed dataset whose images stay in the state, unread: the
        planner makes their live view from the state if it needs it."""
        return status == "completed" and self.unread_counts.get(dataset_id) == images_count

    def known_images(
        self, dataset_id: int, status: str, images_count: int
    ) -> tuple[LiveImage, ...] | None:
        """The images of an unchanged completed dataset, from the state; None to list them."""
        recorded = self.completed_images.get(dataset_id)
        if recorded is None or status != "completed":
            return None
        if len(recorded) != images_count:
            return None
        return tuple(sorted((LiveImage.from_recorded(r, dataset_id) for r in recorded), key=_by_id))

    def as_read(self, live: LiveSnapshot) -> LiveSnapshot:
        """`live` (read with every image listed) as a refresh with this scope reads it: the
        images of unchanged completed datasets taken from the state."""
        images = dict(live.images)
        from_state: set[int] = set()
        for dataset_id in self.completed_images:
            dataset = live.datasets.get(dataset_id)
            if dataset is None or dataset_id not in images or dataset.images_count == 0:
                continue
            known = self.known_images(dataset_id, dataset.status, dataset.images_count)
            if known is not None:
                images[dataset_id] = known
                from_state.add(dataset_id)
        return replace(live, images=images, images_from_state=frozenset(from_state))


BY_PROJECT_UP_TO = 2
"""Up to this many managed projects, their datasets and models are listed per project (small
answers in an organisation with many other projects); beyond it, with one list of each for the
whole organisation: three requests in one round trip however many projects there are."""


@dataclass
class _Collected:
    projects: dict[int, LiveProject] = field(default_factory=dict)
    datasets: dict[int, LiveDataset] = field(default_factory=dict)
    images: dict[int, tuple[LiveImage, ...]] = field(default_factory=dict)
    models: dict[int, LiveModel] = field(default_factory=dict)
    unreadable: list[UnreadableObject] = field(default_factory=list)
    from_state: set[int] = field(default_factory=set)


async def refresh(client: BriaClient, scope: RefreshScope) -> LiveSnapshot:
    """Read every project in scope with its datasets, models and (managed) datasets' images.

    All projects are listed (one request) so that unmanaged objects with a manifest's name can
    be reported; only managed projects are read further.
    """
    collected = _Collected()
    if len(scope.project_ids) > BY_PROJECT_UP_TO:
        await _read_organisation(client, scope, collected)
    else:
        all_projects = await client.list_projects()
        collected.unreadable.extend(all_projects.skipped)
        for project in all_projects:
            collected.projects[project.id] = live_project(project)
        in_scope = [p.id for p in all_projects if p.id in scope.project_ids]
        await asyncio.gather(*(_read_project(client, pid, scope, collected) for pid in in_scope))
    return LiveSnapshot(
        projects=collected.projects,
        datasets=collected.datasets,
        images=collected.images,
        models=collected.models,
        unreadable=tuple(collected.unreadable),
        images_from_state=frozenset(collected.from_state),
    )


async def _read_organisation(
    client: BriaClient, scope: RefreshScope, collected: _Collected
) -> None:
    """Projects, datasets and models with one list each, kept to the managed projects' (what
    `_read_project` reads for each), then the managed datasets' images."""
    all_projects, datasets, models = await asyncio.gather(
        client.list_projects(),
        client.list_datasets(),
        client.list_models(include_training_parameters=True),
    )
    for listing in (all_projects, datasets, models):
        collected.unreadable.extend(listing.skipped)
    for project in all_projects:
        collected.projects[project.id] = live_project(project)
    in_scope = {p.id for p in all_projects if p.id in scope.project_ids}
    project_of_dataset = {d.id: d.project_id for d in datasets}
    mine = [d for d in datasets if d.project_id in in_scope]
    for dataset in mine:
        collected.datasets[dataset.id] = live_dataset(dataset)
    for model in models:
        project_id = model.project_id
        if project_id is None and model.dataset_id is not None:
            project_id = project_of_dataset.get(model.dataset_id)
        if project_id is not None and project_id in in_scope:
            collected.models[model.id] = live_model(model, project_id)
    wanted = [d for d in mine if d.id in scope.dataset_ids]
    await asyncio.gather(*(_read_managed(client, d, scope, collected) for d in wanted))


async def _read_project(
    client: BriaClient, project_id: int, scope: RefreshScope, collected: _Collected
) -> None:
    try:
        datasets, models = await asyncio.gather(
            client.list_project_datasets(project_id),
            client.list_project_models(project_id, include_training_parameters=True),
        )
    except NotFound:
        # Deleted between the project list and now: it is simply gone.
        collected.projects.pop(project_id, None)
        return
    collected.unreadable.extend((*datasets.skipped, *models.skipped))
    for dataset in datasets:
        collected.datasets[dataset.id] = live_dataset(dataset)
    for model in models:
        collected.models[model.id] = live_model(model, project_id)
    wanted = [d for d in datasets if d.id in scope.dataset_ids]
    await asyncio.gather(*(_read_managed(client, d, scope, collected) for d in wanted))


async def _read_managed(
    client: BriaClient, dataset: Dataset, scope: RefreshScope, collected: _Collected
) -> None:
    """A managed dataset's images and, for an advanced draft, its bulk-upload status."""
    if dataset.upload_type != "advanced" or dataset.status != "draft":
        await _read_images(client, dataset, scope, collected)
        return
    _, bulk = await asyncio.gather(
        _read_images(client, dataset, scope, collected), _bulk_status(client, dataset.id)
    )
    seen = collected.datasets.get(dataset.id)
    if bulk is not None and seen is not None:
        collected.datasets[dataset.id] = replace(
            seen, bulk_status=bulk.status, bulk_rejected=bulk.failed
        )


async def _bulk_status(client: BriaClient, dataset_id: int) -> BulkUploadStatus | None:
    """None when no bulk upload was ever started (BULK-STATUS-NONE, 404)."""
    try:
        return await client.bulk_upload_status(dataset_id)
    except NotFound:
        return None


async def _read_images(
    client: BriaClient, dataset: Dataset, scope: RefreshScope, collected: _Collected
) -> None:
    if dataset.images_count == 0:
        collected.images[dataset.id] = ()
        return
    if scope.images_unread(dataset.id, dataset.status, dataset.images_count):
        collected.from_state.add(dataset.id)
        return
    known = scope.known_images(dataset.id, dataset.status, dataset.images_count)
    if known is not None:
        collected.images[dataset.id] = known
        collected.from_state.add(dataset.id)
        return
    try:
        images = await client.list_images(dataset.id)
    except NotFound:
        collected.datasets.pop(dataset.id, None)
        return
    collected.unreadable.extend(images.skipped)
    collected.images[dataset.id] = tuple(live_image(i) for i in images)


def _by_id(image: LiveImage) -> int:
    return image.remote_id


def live_project(project: Project) -> LiveProject:
    return LiveProject(
        remote_id=project.id,
        name=project.project_name,
        description=project.project_description or "",
        ip_type=project.ip_type,
        ip_medium=project.ip_medium,
        ip_name=project.ip_name,
        ip_description=project.ip_description,
        status=project.status,
        training_version=project.training_version,
    )


def live_dataset(dataset: Dataset) -> LiveDataset:
    return LiveDataset(
        remote_id=dataset.id,
        project_id=dataset.project_id,
        name=dataset.name,
        caption_prefix=dataset.caption_prefix,
        status=dataset.status,
        upload_type=dataset.upload_type,
        captions_update_status=dataset.captions_update_status or "empty",
        images_count=dataset.images_count,
        training_version=dataset.training_version,
        visual_schema=dataset.visual_schema,
    )


def live_image(image: Image) -> LiveImage:
    return LiveImage(
        remote_id=image.id,
        dataset_id=image.dataset_id,
        name=image.image_name,
        caption=image.caption or "",
        caption_source=image.caption_source,
        image_url=image.image_url,
        thumbnail_url=image.thumbnail_url,
    )


def live_model(model: Model, project_id: int) -> LiveModel:
    parameters: dict[str, JsonValue] = {}
    for name, value in (model.training_parameters or {}).items():
        if value is None or isinstance(value, str | int | float | bool):
            parameters[name] = value
    return LiveModel(
        remote_id=model.id,
        project_id=model.project_id if model.project_id is not None else project_id,
        dataset_id=model.dataset_id,
        name=model.name,
        description=model.description or "",
        status=model.status,
        training_mode=model.training_mode,
        training_version=model.training_version,
        training_parameters=parameters,
        generation_prefix=model.generation_prefix or "",
    )
