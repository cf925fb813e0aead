"""Small factories for planner tests: desired records, and the state + live of a clean apply.

`converged(ws)` plays what a successful apply leaves behind (state attributes = the changes'
`after`, live objects matching), so a scenario starts from "nothing to do" and changes one thing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from reconciler.addresses import Address, Kind
from reconciler.errors import Location
from reconciler.plan import attributes as attrs
from reconciler.resources import (
    CAPTION_PREFIX_AUTO,
    DesiredDataset,
    DesiredImage,
    DesiredModel,
    DesiredProject,
    DesiredWorkspace,
    JsonValue,
    LiveDataset,
    LiveImage,
    LiveModel,
    LiveProject,
    LiveSnapshot,
    RecordedResource,
)

PROJECT = "acme"
GENERATED_PREFIX = "An illustration of Foxy, hand-drawn, "
DEFAULT_PREFIX = "An illustration of Foxy, "
EXPERT_DEFAULTS: dict[str, JsonValue] = {
    "rank": 128,
    "learning_rate": 0.0001,
    "lr_scheduler": "constant",
    "total_training_steps": 1500,
    "checkpoint_interval": 500,
    "lr_warmup_steps": None,
}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def image(
    name: str,
    *,
    dataset: str = "v1",
    project: str = PROJECT,
    content: str | None = None,
    caption: str | None = None,
    size: tuple[int, int] = (1024, 1024),
) -> DesiredImage:
    return DesiredImage(
        address=Address(project, dataset=dataset, image=name),
        name=name,
        path=f"images/{dataset}/{name}",
        sha256=sha(content or name),
        caption=caption,
        caption_origin=None if caption is None else "explicit",
        width=size[0],
        height=size[1],
        format="png",
        size_bytes=50_000,
        location=Location(f"{project}.yaml", 12, 9),
    )


def images(count: int, *, dataset: str = "v1", project: str = PROJECT) -> tuple[DesiredImage, ...]:
    return tuple(
        image(f"fox-{i:02d}.png", dataset=dataset, project=project) for i in range(1, count + 1)
    )


def dataset(
    key: str = "v1",
    *,
    project: str = PROJECT,
    imgs: tuple[DesiredImage, ...] | None = None,
    **kw: Any,
) -> DesiredDataset:
    return DesiredDataset(
        address=Address(project, dataset=key),
        key=key,
        name=kw.pop("name", key),
        upload_type=kw.pop("upload_type", "basic"),
        caption_prefix=kw.pop("caption_prefix", None),
        images=imgs if imgs is not None else images(3, dataset=key, project=project),
        location=Location(f"{project}.yaml", 8, 3),
        **kw,
    )


def model(key: str = "light", *, project: str = PROJECT, **kw: Any) -> DesiredModel:
    return DesiredModel(
        address=Address(project, model=key),
        key=key,
        name=kw.pop("name", key),
        dataset=kw.pop("dataset", "v1"),
        training_version=kw.pop("training_version", "light"),
        training_mode=kw.pop("training_mode", "fully_automated"),
        location=Location(f"{project}.yaml", 30, 3),
        **kw,
    )


def project(
    key: str = PROJECT,
    *,
    datasets: tuple[DesiredDataset, ...] | None = None,
    models: tuple[DesiredModel, ...] | None = None,
    **kw: Any,
) -> DesiredProject:
    return DesiredProject(
        address=Address(key),
        key=key,
        name=kw.pop("name", key),
        ip_type=kw.pop("ip_type", "defined_character"),
        ip_medium=kw.pop("ip_medium", "illustration"),
        description=kw.pop("description", "Brand mascot"),
        ip_name=kw.pop("ip_name", "Foxy"),
        ip_description=kw.pop("ip_description", "An orange fox"),
        datasets=datasets if datasets is not None else (dataset(project=key),),
        models=models if models is not None else (model(project=key),),
        file=f"{key}.yaml",
        location=Location(f"{key}.yaml", 1, 1),
        **kw,
    )


def workspace(*projects: DesiredProject) -> DesiredWorkspace:
    return DesiredWorkspace(root=".", projects=projects if projects else (project(),))


@dataclass
class World:
    """State and live of a workspace after a clean apply; tests then edit pieces of it."""

    recorded: dict[Address, RecordedResource] = field(default_factory=dict)
    projects: dict[int, LiveProject] = field(default_factory=dict)
    datasets: dict[int, LiveDataset] = field(default_factory=dict)
    images: dict[int, list[LiveImage]] = field(default_factory=dict)
    models: dict[int, LiveModel] = field(default_factory=dict)

    def state(self) -> list[RecordedResource]:
        return sorted(self.recorded.values(), key=lambda r: r.address.sort_key())

    def snapshot(self) -> LiveSnapshot:
        return LiveSnapshot(
            projects=dict(self.projects),
            datasets=dict(self.datasets),
            images={k: tuple(v) for k, v in self.images.items()},
            models=dict(self.models),
        )

    def id_of(self, address: str) -> int:
        return self.recorded[Address.parse(address)].remote_id

    def keep_images(self, dataset: str, arrived: int) -> int:
        """Only the first `arrived` images of the dataset reached Bria (and so the state), as
        after a bulk upload that ended early or never ran; returns the dataset's id."""
        address = Address.parse(dataset)
        did = self.id_of(dataset)
        for gone in self.images[did][arrived:]:
            self.recorded.pop(Address(address.project, dataset=address.dataset, image=gone.name))
        self.images[did] = self.images[did][:arrived]
        return did


def converged(ws: DesiredWorkspace, *, model_status: str = "Completed") -> World:
    world = World()
    next_id = {"project": 1, "dataset": 10, "image": 100, "model": 1000}

    def allocate(kind: str) -> int:
        value = next_id[kind]
        next_id[kind] += 1
        return value

    for p in ws.projects:
        pid = allocate("project")
        world.recorded[p.address] = RecordedResource(
            p.address, Kind.PROJECT, pid, attributes=attrs.project_attributes(p)
        )
        world.projects[pid] = LiveProject(
            pid, p.name, p.description, p.ip_type, p.ip_medium, p.ip_name, p.ip_description
        )
        dataset_ids: dict[str, int] = {}
        for d in p.datasets:
            did = allocate("dataset")
            dataset_ids[d.key] = did
            after = attrs.dataset_attributes(d)
            if d.caption_prefix == CAPTION_PREFIX_AUTO:
                after["caption_prefix"] = GENERATED_PREFIX
            prefix = str(after.get("caption_prefix") or DEFAULT_PREFIX)
            world.recorded[d.address] = RecordedResource(
                d.address, Kind.DATASET, did, parent=p.address, attributes=after
            )
            world.datasets[did] = LiveDataset(
                did,
                pid,
                d.name,
                prefix,
                "completed" if d.completed else "draft",
                d.upload_type,
                "completed",
                len(d.images),
            )
            world.images[did] = []
            for i in d.images:
                iid = allocate("image")
                world.recorded[i.address] = RecordedResource(
                    i.address,
                    Kind.IMAGE,
                    iid,
                    parent=d.address,
                    attributes=attrs.image_attributes(i, json_caption=d.is_fibo),
                )
                world.images[did].append(
                    LiveImage(
                        iid,
                        did,
                        i.name,
                        i.caption if i.caption is not None else f"{prefix}{i.name} auto caption",
                        "automatic" if i.caption is None else "manual",
                    )
                )
        for m in p.models:
            mid = allocate("model")
            world.recorded[m.address] = RecordedResource(
                m.address, Kind.MODEL, mid, parent=p.address, attributes=attrs.model_attributes(m)
            )
            trained = m.train and model_status != "Created"
            parameters: dict[str, JsonValue] = {}
            if trained and m.training_mode == "expert":
                parameters = {**EXPERT_DEFAULTS, **dict(m.parameters)}
            world.models[mid] = LiveModel(
                mid,
                pid,
                dataset_ids.get(m.dataset),
                m.name,
                m.description,
                model_status if m.train else "Created",
                m.training_mode,
                m.training_version,
                parameters,
                DEFAULT_PREFIX if trained else "",
            )
    return world
