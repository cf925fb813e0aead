"""The working memory of one planning run, and the step recipes the comparators share.

`Planner` holds the inputs (recorded state by address, live snapshot) and collects the
outputs (changes, drift, diagnostics). The per-kind comparators in `reconciler.plan.compare`
read and append to it; `builder.build_plan` runs them and the whole-plan passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

from reconciler.addresses import Address, Kind
from reconciler.errors import Location
from reconciler.plan import rules
from reconciler.plan.model import (
    Action,
    Change,
    Diagnostic,
    Drift,
    Reason,
    Severity,
    Step,
    StepKind,
)
from reconciler.resources import (
    DesiredDataset,
    DesiredImage,
    DesiredModel,
    JsonValue,
    LiveImage,
    LiveModel,
    LiveSnapshot,
    RecordedResource,
)


class Mode(Enum):
    """How a parent is handled, which decides what its children must do."""

    NEW = "new"
    RECREATE = "recreate"
    REPLACE = "replace"
    KEEP = "keep"


@dataclass
class Planner:
    live: LiveSnapshot
    recorded: dict[Address, RecordedResource]
    changes: list[Change] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    datasets: dict[Address, Action] = field(default_factory=dict)
    """What happens to each desired dataset, for the models planned after it."""

    _children: dict[tuple[Address, Kind], list[RecordedResource]] = field(default_factory=dict)
    _live_images: dict[int, dict[int, LiveImage]] = field(default_factory=dict)
    _managed: dict[Kind, set[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for address, rec in sorted(self.recorded.items(), key=lambda kv: kv[0].sort_key()):
            if address.parent is not None:
                self._children.setdefault((address.parent, address.kind), []).append(rec)

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def children(self, parent: Address, kind: Kind) -> Sequence[RecordedResource]:
        """Recorded resources of `kind` directly below `parent`, in address order."""
        return self._children.get((parent, kind), ())

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

    def error(
        self,
        summary: str,
        address: Address | None,
        location: Location | None = None,
        *,
        detail: str = "",
        constraint: str | None = None,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(Severity.ERROR, summary, detail, address, location, constraint)
        )

    def warn(
        self,
        summary: str,
        address: Address | None,
        location: Location | None = None,
        *,
        detail: str = "",
    ) -> None:
        self.diagnostics.append(Diagnostic(Severity.WARNING, summary, detail, address, location))

    def add_drift(
        self, address: Address, found: Iterable[tuple[str, JsonValue, JsonValue]]
    ) -> None:
        for name, state, seen in found:
            self.drift.append(Drift(address, name, state, seen))

    def gone(self, address: Address) -> None:
        """Drift for a recorded object that no longer exists at Bria."""
        self.drift.append(Drift(address, "exists", True, False))

    def note(self, address: Address, text: str) -> None:
        """Add a sentence to the current (not deposed) change of `address`."""
        for index, change in enumerate(self.changes):
            if change.address == address and change.deposed is None:
                self.changes[index] = replace(change, notes=(*change.notes, text))
                return

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
            found = {i.remote_id: i for i in self.live.images.get(dataset_id, ())}
            self._live_images[dataset_id] = found
        return found

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


def deposed_gone(address: Address, dep: int) -> Change:
    """A deposed predecessor Bria no longer has: only forgotten by the state."""
    step = Step(StepKind.FORGET, address, {"old_id": dep})
    return Change(
        address=address,
        action=Action.DELETE,
        reason=Reason.DEPOSED_GONE,
        steps=(step,),
        deposed=dep,
    )


# ---------------------------------------------------------------------- step recipes

OLD_ID_PARAMS = {"model_id": "old_id"}


def body(
    values: Mapping[str, JsonValue], *pairs: tuple[str, str], clear: bool = False
) -> dict[str, JsonValue]:
    """A request body: our field names -> Bria's. A create leaves unset optional values out
    (Bria applies its defaults); an update (`clear`) sends them as null, which clears the
    field at Bria: left out, Bria would keep the old value and every plan show the diff."""
    return {api: values.get(name) for name, api in pairs if clear or values.get(name) is not None}


def start_training(model: DesiredModel) -> Step:
    parameters: dict[str, JsonValue] = dict(sorted(model.parameters))
    return Step(
        StepKind.START_TRAINING,
        model.address,
        {"parameters": parameters},
        note=rules.TRAINING_STEP_NOTE,
    )


def stop_steps(address: Address, old: Mapping[str, JsonValue], status: str) -> list[Step]:
    """Stop a training model and wait until Bria reports it Stopped (deletes need that)."""
    ids = OLD_ID_PARAMS if "old_id" in old else {}
    steps: list[Step] = []
    if status == "InProgress":
        steps.append(Step(StepKind.STOP_TRAINING, address, dict(old), ids))
    steps.append(
        Step(StepKind.WAIT_TRAINING_STOPPED, address, dict(old), ids, note="until status Stopped")
    )
    return steps


def upload_steps(
    dataset: DesiredDataset, image: DesiredImage, *, captions_in_zip: bool
) -> tuple[Step, ...]:
    """Basic: upload then (explicit caption) PUT caption. Advanced: the dataset's bulk upload
    carries the file; an explicit caption is PUT afterwards unless the zip carries caption
    files (`captions_in_zip(dataset)`: the caller computes it once per dataset, since it looks
    at every image)."""
    steps: list[Step] = []
    if dataset.upload_type == "basic":
        args: dict[str, JsonValue] = {
            "image_name": image.name,
            "path": image.path,
            "sha256": image.sha256,
            "increase_resolution": dataset.increase_resolution,
        }
        steps.append(Step(StepKind.UPLOAD_IMAGE, image.address, args))
    if image.caption is not None and not captions_in_zip:
        steps.append(Step(StepKind.UPDATE_CAPTION, image.address, {"caption": image.caption}))
    return tuple(steps)


def captions_in_zip(dataset: DesiredDataset) -> bool:
    """An advanced dataset whose images all have explicit captions: its bulk-upload zip
    carries them as caption files, so no image PUTs its caption afterwards."""
    return dataset.upload_type == "advanced" and all_captions_explicit(dataset)


def all_captions_explicit(dataset: DesiredDataset) -> bool:
    return all(i.caption is not None for i in dataset.images)


def bulk_steps(dataset: DesiredDataset) -> list[Step]:
    """Advanced upload: zip the files (with caption .txt files when every image has an
    explicit caption), stage the zip where Bria can fetch it, bulk-upload, wait."""
    address = dataset.address
    explicit = all_captions_explicit(dataset)
    images: list[JsonValue] = [
        {"name": i.name, "path": i.path, "sha256": i.sha256, "caption": i.caption}
        for i in sorted(dataset.images, key=lambda i: i.name)
    ]
    zip_name = f"{dataset.content_fingerprint()[:16]}.zip"
    return [
        Step(
            StepKind.BUILD_ZIP,
            address,
            {"images": images, "caption_files": explicit, "zip_name": zip_name},
        ),
        Step(StepKind.STAGE_ZIP, address, {"zip_name": zip_name}),
        Step(StepKind.BULK_UPLOAD, address, {"automatic_captioning": not explicit}),
        Step(
            StepKind.WAIT_BULK_UPLOAD,
            address,
            {"expected_images": len(images)},
            note="until status completed; records the image ids by name",
        ),
    ]


def prefix_sample(images: Sequence[DesiredImage]) -> tuple[DesiredImage, ...]:
    """Up to 6 images for generate_prefix, the same for the same images whatever their order:
    sorted by sha256 (then name), evenly spaced."""
    ordered = sorted(images, key=lambda i: (i.sha256, i.name))
    count = len(ordered)
    size = rules.PREFIX_SAMPLE_MAX
    if count <= size:
        return tuple(ordered)
    return tuple(ordered[i * count // size] for i in range(size))
