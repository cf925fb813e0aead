"""What the comparators read: the recorded state and the live snapshot, with small queries.

Read-only during a walk: a comparator asks the context what tailor recorded and what Bria has,
and writes its changes, drift and findings to the `DraftPlan` (`plan/draft.py`). Indexes that
many resources ask for (children by parent, managed ids, a dataset's live images) are built
once, on first use. The recorded images of completed datasets the state left unread
(`UnreadImages`) are read when a comparator first asks for them, and their live view (which
refresh took from the state without building it) is made from them then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from reconciler.addresses import Address, Kind
from reconciler.plan import rules
from reconciler.resources import (
    LiveDataset,
    LiveImage,
    LiveModel,
    LiveProject,
    LiveSnapshot,
    RecordedResource,
    UnreadImages,
)


class Mode(Enum):
    """How a parent is handled, which decides what its children must do."""

    NEW = "new"
    RECREATE = "recreate"
    REPLACE = "replace"
    KEEP = "keep"


@dataclass
class PlanningContext:
    """What the comparisons look up: Bria's objects and the state's records."""

    live: LiveSnapshot
    recorded: Mapping[Address, RecordedResource]
    """Every recorded resource except the images in `unread`."""
    unread: Mapping[Address, UnreadImages] = field(default_factory=dict)
    """Recorded images not read yet, by dataset address."""

    _children: dict[tuple[Address, Kind], list[RecordedResource]] = field(default_factory=dict)
    _live_images: dict[int, dict[int, LiveImage]] = field(default_factory=dict)
    _managed: dict[Kind, set[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for address, rec in sorted(self.recorded.items(), key=lambda kv: kv[0].sort_key()):
            if address.parent is not None:
                self._children.setdefault((address.parent, address.kind), []).append(rec)

    def children(self, parent: Address, kind: Kind) -> Sequence[RecordedResource]:
        """Recorded resources of `kind` directly below `parent`, in address order."""
        found = self._children.get((parent, kind))
        if found is None and kind is Kind.IMAGE and parent in self.unread:
            found = self._children[(parent, kind)] = list(self.unread[parent].load())
        return found or ()

    def image_count(self, dataset: Address) -> int:
        """How many images the state records below a dataset, without reading unread ones."""
        unread = self.unread.get(dataset)
        if unread is not None and (dataset, Kind.IMAGE) not in self._children:
            return unread.count
        return len(self.children(dataset, Kind.IMAGE))

    def recorded_at(self, address: Address) -> RecordedResource | None:
        return self.recorded.get(address)

    def managed_ids(self, kind: Kind) -> set[int]:
        """Remote ids the state manages (deposed included); scanned once per kind, since it
        is asked for every new resource."""
        ids = self._managed.get(kind)
        if ids is None:
            ids = set()
            for r in self.recorded.values():
                if r.kind is kind:
                    ids.add(r.remote_id)
                    ids.update(r.deposed)
            self._managed[kind] = ids
        return ids

    def unmanaged_projects(self) -> list[LiveProject]:
        """Live projects the state does not manage, by id."""
        managed = self.managed_ids(Kind.PROJECT)
        return [p for i, p in sorted(self.live.projects.items()) if i not in managed]

    def unmanaged_datasets(self, project_id: int | None) -> list[LiveDataset]:
        """Live datasets of a project that the state does not manage, by id."""
        managed = self.managed_ids(Kind.DATASET)
        return [
            d
            for i, d in sorted(self.live.datasets.items())
            if d.project_id == project_id and i not in managed
        ]

    def unmanaged_models(self, project_id: int) -> list[LiveModel]:
        """Live (not soft-deleted) models of a project that the state does not manage, by id."""
        managed = self.managed_ids(Kind.MODEL)
        return [
            m
            for i, m in sorted(self.live.models.items())
            if m.project_id == project_id and i not in managed and m.status != "Deleted"
        ]

    def live_project(self, remote_id: int) -> LiveProject | None:
        return self.live.projects.get(remote_id)

    def live_dataset(self, remote_id: int) -> LiveDataset | None:
        return self.live.datasets.get(remote_id)

    def live_model(self, remote_id: int) -> LiveModel | None:
        """A model Bria still has; a soft-deleted one (status Deleted) counts as gone."""
        model = self.live.models.get(remote_id)
        if model is None or model.status == "Deleted":
            return None
        return model

    def live_images(self, dataset_id: int) -> Mapping[int, LiveImage]:
        """A dataset's live images by id, indexed once: drift, content changes, the bulk
        check and the image updates of one dataset all ask (5,000 images each)."""
        found = self._live_images.get(dataset_id)
        if found is None:
            images = self.live.images.get(dataset_id)
            if images is None and dataset_id in self.live.images_from_state:
                images = self._from_state(dataset_id)
            found = {i.remote_id: i for i in images or ()}
            self._live_images[dataset_id] = found
        return found

    def _from_state(self, dataset_id: int) -> tuple[LiveImage, ...]:
        """A completed dataset's images as refresh would have taken them from the state."""
        for address in self.unread:
            rec = self.recorded.get(address)
            if rec is not None and rec.remote_id == dataset_id:
                recorded = self.children(address, Kind.IMAGE)
                images = (LiveImage.from_recorded(r, dataset_id) for r in recorded)
                return tuple(sorted(images, key=lambda i: i.remote_id))
        return ()

    def training_on(
        self, *, dataset_id: int | None = None, project_id: int | None = None
    ) -> list[LiveModel]:
        """Live models training on a dataset or in a project (Bria refuses deletes then)."""
        return sorted(
            (
                m
                for m in self.live.models.values()
                if m.status in rules.TRAINING_STATUSES
                and (dataset_id is None or m.dataset_id == dataset_id)
                and (project_id is None or m.project_id == project_id)
            ),
            key=lambda m: m.remote_id,
        )
