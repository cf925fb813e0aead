"""Taking over objects that exist at Bria: `tailor import ADDR ID` and `tailor import --adopt`.

An import only records; it never changes anything at Bria. The recorded attributes are what
Bria shows now (so the next plan's diff is exactly manifest vs. Bria), plus the local facts
Bria cannot tell: an image's file hash and path are taken from the manifest's same-named
image, because Bria stores a preprocessed copy whose bytes differ from the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reconciler.addresses import Address, Kind
from reconciler.client.api import BriaClient
from reconciler.client.errors import NotFound
from reconciler.client.models import Dataset, Image, Model, Project
from reconciler.engine.ledger import owners
from reconciler.engine.refresh import live_dataset, live_image, live_model, live_project
from reconciler.errors import TailorError
from reconciler.plan import attributes as attrs
from reconciler.resources import (
    CAPTION_PREFIX_AUTO,
    DesiredDataset,
    DesiredImage,
    DesiredModel,
    DesiredProject,
    DesiredWorkspace,
    JsonValue,
)
from reconciler.state.model import ResourceEntry, StateDocument


class ImportRefused(TailorError):
    """The object cannot be recorded under that address."""


@dataclass(frozen=True)
class Declared:
    """The manifests' records by address, for the facts Bria cannot give back."""

    projects: Mapping[Address, DesiredProject] = field(default_factory=dict)
    datasets: Mapping[Address, DesiredDataset] = field(default_factory=dict)
    images: Mapping[Address, DesiredImage] = field(default_factory=dict)
    models: Mapping[Address, DesiredModel] = field(default_factory=dict)

    @classmethod
    def of(cls, workspace: DesiredWorkspace | None) -> Declared:
        if workspace is None:
            return cls()
        projects = {p.address: p for p in workspace.projects}
        datasets = {d.address: d for p in workspace.projects for d in p.datasets}
        images = {i.address: i for d in datasets.values() for i in d.images}
        models = {m.address: m for p in workspace.projects for m in p.models}
        return cls(projects, datasets, images, models)


def _check_free(document: StateDocument, address: Address, kind: Kind, remote_id: int) -> None:
    if document.get(address) is not None:
        raise ImportRefused(
            f"{address} is already in the state",
            hint=f"run `tailor state rm {address}` first if it should point elsewhere",
        )
    holder = owners(document, kind).get(remote_id)
    if holder is not None:
        raise ImportRefused(f"{kind} {remote_id} is already managed as {holder}")


def _parent_id(document: StateDocument, address: Address) -> int:
    parent = address.parent
    assert parent is not None
    entry = document.get(parent)
    if entry is None:
        raise ImportRefused(
            f"{parent} is not in the state; import it before {address}",
            hint=f"tailor import {parent} ID",
        )
    return entry.remote_id


def project_entry(address: Address, project: Project, declared: Declared) -> ResourceEntry:
    values: dict[str, JsonValue] = attrs.live_project_view(live_project(project))
    wanted = declared.projects.get(address)
    values["prevent_destroy"] = wanted.prevent_destroy if wanted else False
    return ResourceEntry.for_address(address, project.id, values)


def dataset_entries(
    address: Address, dataset: Dataset, images: Iterable[Image], declared: Declared
) -> list[ResourceEntry]:
    values: dict[str, JsonValue] = attrs.live_dataset_view(live_dataset(dataset))
    wanted = declared.datasets.get(address)
    values["caption_prefix_auto"] = (
        wanted is not None and wanted.caption_prefix == CAPTION_PREFIX_AUTO
    )
    if wanted is not None and wanted.caption_prefix != CAPTION_PREFIX_AUTO:
        # Bria's answer may lack the prefix: unknown is recorded as declared, not as a change.
        values.setdefault("caption_prefix", wanted.caption_prefix)
    values["increase_resolution"] = wanted.increase_resolution if wanted else True
    values["prevent_destroy"] = wanted.prevent_destroy if wanted else False
    entries = [ResourceEntry.for_address(address, dataset.id, values)]
    for image in images:
        entries.append(image_entry(Address(address.project, dataset=address.dataset,
                                           image=image.image_name), image, declared))
    return entries


def image_entry(address: Address, image: Image, declared: Declared) -> ResourceEntry:
    live = live_image(image)
    wanted = declared.images.get(address)
    explicit = wanted is not None and wanted.caption is not None and wanted.caption == live.caption
    values: dict[str, JsonValue] = {
        "name": image.image_name,
        "path": wanted.path if wanted else None,
        "sha256": wanted.sha256 if wanted else None,
        "caption": live.caption if explicit or image.caption_source == "manual" else None,
    }
    return ResourceEntry.for_address(address, image.id, values)


def model_entry(
    address: Address, model: Model, dataset_key: str | None, declared: Declared
) -> ResourceEntry:
    wanted = declared.models.get(address)
    parameters: dict[str, JsonValue] = {k: v for k, v in wanted.parameters} if wanted else {}
    live = live_model(model, model.project_id or 0)
    values: dict[str, JsonValue] = attrs.live_model_view(live, dataset_key, parameters)
    values.setdefault("parameters", {})
    if wanted is not None:
        # Bria's published model object lacks training_version: unknown is recorded as
        # declared (a recorded None would force a replace of the trained model).
        values.setdefault("training_version", wanted.training_version)
        values.setdefault("training_mode", wanted.training_mode)
    values["train"] = model.status != "Created"
    values["prevent_destroy"] = wanted.prevent_destroy if wanted else False
    values["retain_on_replace"] = wanted.retain_on_replace if wanted else False
    return ResourceEntry.for_address(address, model.id, values)


def _dataset_key(document: StateDocument, project: Address, dataset_id: int | None
                 ) -> str | None:
    for entry in document.descendants(project):
        if entry.kind is Kind.DATASET and (
            entry.remote_id == dataset_id or dataset_id in entry.deposed
        ):
            return Address.parse(entry.address).key
    return None


async def import_one(
    client: BriaClient,
    document: StateDocument,
    address: Address,
    remote_id: int,
    declared: Declared,
) -> list[ResourceEntry]:
    """The entries that record remote object `remote_id` under `address` (after checks)."""
    kind = address.kind
    _check_free(document, address, kind, remote_id)
    try:
        if kind is Kind.PROJECT:
            return [project_entry(address, await client.get_project(remote_id), declared)]
        parent_id = _parent_id(document, address)
        if kind is Kind.DATASET:
            dataset = await client.get_dataset(remote_id)
            if dataset.project_id != parent_id:
                raise ImportRefused(
                    f"dataset {remote_id} belongs to project {dataset.project_id}, not to "
                    f"{address.parent} ({parent_id})"
                )
            images = await client.list_images(remote_id)
            owned = owners(document, Kind.IMAGE)
            taken = [i.id for i in images if i.id in owned]
            if taken:
                raise ImportRefused(f"images {taken} of dataset {remote_id} are already managed")
            return dataset_entries(address, dataset, images, declared)
        if kind is Kind.IMAGE:
            image = await client.get_image(parent_id, remote_id)
            if image.image_name != address.key:
                raise ImportRefused(
                    f"image {remote_id} is named {image.image_name!r}; its address would be "
                    f"{address.parent}/images/{image.image_name}"
                )
            return [image_entry(address, image, declared)]
        model = await client.get_model(remote_id)
    except NotFound:
        raise ImportRefused(f"Bria has no {kind} {remote_id} there") from None
    if model.status == "Deleted":
        raise ImportRefused(f"model {remote_id} is deleted at Bria")
    if model.project_id != parent_id:
        raise ImportRefused(
            f"model {remote_id} belongs to project {model.project_id}, not to "
            f"{address.parent} ({parent_id})"
        )
    key = _dataset_key(document, Address(address.project), model.dataset_id)
    if key is None:
        raise ImportRefused(
            f"model {remote_id} trains on dataset {model.dataset_id}, which is not in the state",
            hint="import that dataset first (tailor import PROJECT/datasets/KEY ID)",
        )
    return [model_entry(address, model, key, declared)]


def _single(address: Address, name: str, candidates: list[int], kind: str) -> int | None:
    if len(candidates) > 1:
        raise ImportRefused(
            f"{address}: several {kind}s are named {name!r} ({', '.join(map(str, candidates))})",
            hint=f"pick one with `tailor import {address} ID`",
        )
    return candidates[0] if candidates else None


async def adopt_all(
    client: BriaClient, document: StateDocument, workspace: DesiredWorkspace
) -> list[ResourceEntry]:
    """Match live objects to manifest keys by name; managed ones and misses are skipped."""
    declared = Declared.of(workspace)
    found: list[ResourceEntry] = []
    owned_projects = owners(document, Kind.PROJECT)
    live_projects = await client.list_projects()
    for project in workspace.projects:
        entry = document.get(project.address)
        if entry is not None:
            project_id = entry.remote_id
        else:
            candidates = [
                p.id
                for p in live_projects
                if p.project_name == project.name and p.id not in owned_projects
            ]
            chosen = _single(project.address, project.name, candidates, "project")
            if chosen is None:
                continue
            match = next(p for p in live_projects if p.id == chosen)
            found.append(project_entry(project.address, match, declared))
            project_id = chosen
        found.extend(await _adopt_children(client, document, project, project_id, declared))
    return found


async def _adopt_children(
    client: BriaClient,
    document: StateDocument,
    project: DesiredProject,
    project_id: int,
    declared: Declared,
) -> list[ResourceEntry]:
    found: list[ResourceEntry] = []
    owned = owners(document, Kind.DATASET)
    datasets = await client.list_project_datasets(project_id)
    dataset_keys: dict[int, str] = {
        e.remote_id: Address.parse(e.address).key
        for e in document.descendants(project.address)
        if e.kind is Kind.DATASET
    }
    for wanted in project.datasets:
        if document.get(wanted.address) is not None:
            continue
        candidates = [d.id for d in datasets if d.name == wanted.name and d.id not in owned]
        chosen = _single(wanted.address, wanted.name, candidates, "dataset")
        if chosen is None:
            continue
        dataset = next(d for d in datasets if d.id == chosen)
        images = await client.list_images(chosen)
        found.extend(dataset_entries(wanted.address, dataset, images, declared))
        dataset_keys[chosen] = wanted.key
    owned_models = owners(document, Kind.MODEL)
    models = await client.list_project_models(project_id, include_training_parameters=True)
    for wanted_model in project.models:
        if document.get(wanted_model.address) is not None:
            continue
        candidates = [
            m.id
            for m in models
            if m.name == wanted_model.name and m.id not in owned_models and m.status != "Deleted"
        ]
        chosen = _single(wanted_model.address, wanted_model.name, candidates, "model")
        if chosen is None:
            continue
        model = next(m for m in models if m.id == chosen)
        key = dataset_keys.get(model.dataset_id or -1)
        found.append(model_entry(wanted_model.address, model, key, declared))
    return found
