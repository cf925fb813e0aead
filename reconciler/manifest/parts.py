"""A valid manifest's parts as plain records: what the rules and the loader read.

`quickparse.py` builds them from a valid manifest without pydantic; when it is unsure, the
pydantic models of `schema.py` check the file and `schema.as_part` turns what they accept into
the same records. Named tuples, not dataclasses: immutable and slotted, and a class costs a
sixth of a frozen dataclass's to build at import. Lists and mappings are as pydantic gives them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from reconciler.resources import (
    DatasetTrainingVersion,
    IpMedium,
    IpType,
    LrScheduler,
    TrainingMode,
    TrainingVersion,
    UploadType,
)


class Lifecycle(NamedTuple):
    prevent_destroy: bool = False


class ModelLifecycle(NamedTuple):
    prevent_destroy: bool = False
    retain_on_replace: bool = False


class Ip(NamedTuple):
    type: IpType
    medium: IpMedium
    name: str | None = None
    description: str | None = None


class ImageEntry(NamedTuple):
    path: str
    caption: str | None = None


class Dataset(NamedTuple):
    given: frozenset[str]
    """The keys the manifest sets (pydantic's model_fields_set): some rules tell a default
    from the same value written out."""
    images: list[str | ImageEntry]
    display_name: str | None = None
    training_version: DatasetTrainingVersion = "max"
    upload: UploadType = "basic"
    caption_prefix: str | None = None
    visual_schema: str | dict[str, Any] | None = None
    refine: list[str] | None = None
    increase_resolution: bool = True
    completed: bool = True
    lifecycle: Lifecycle = Lifecycle()


class ExpertParameters(NamedTuple):
    rank: int | None = None
    learning_rate: float | None = None
    lr_scheduler: LrScheduler | None = None
    total_training_steps: int | None = None
    checkpoint_interval: int | None = None
    lr_warmup_steps: int | None = None

    def chosen(self) -> dict[str, int | float | str]:
        """The parameters set, in declaration order (pydantic's `exclude_none` dump)."""
        values = zip(self._fields, self, strict=True)
        return {name: value for name, value in values if value is not None}


class Model(NamedTuple):
    given: frozenset[str]
    """As Dataset.given."""
    dataset: str
    display_name: str | None = None
    training_version: TrainingVersion | None = None
    training_mode: TrainingMode = "fully_automated"
    description: str = ""
    parameters: ExpertParameters | None = None
    train: bool = True
    lifecycle: ModelLifecycle = ModelLifecycle()


class Manifest(NamedTuple):
    project: str
    ip: Ip
    datasets: dict[str, Dataset]
    models: dict[str, Model]
    display_name: str | None = None
    description: str = ""
    lifecycle: Lifecycle = Lifecycle()

