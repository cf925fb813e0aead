"""The frozen records the planner compares.

Three views of the same world, one per source:
- Desired*: what the manifests ask for (built by `reconciler.manifest`, no network).
- RecordedResource: what tailor last applied and owns (read from `reconciler.state`).
- Live*: what Bria has now (built by `reconciler.engine.refresh` from the client's answers).

They are plain values so that the planner stays pure: (desired, recorded, live) -> Plan.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, get_args

from reconciler.addresses import Address, Kind
from reconciler.errors import Location

JsonScalar: TypeAlias = str | int | float | bool | None
JsonValue: TypeAlias = JsonScalar | list["JsonValue"] | dict[str, "JsonValue"]

IpType = Literal[
    "defined_character",
    "stylized_scene",
    "multi_object_set",
    "object_variants",
    "icons",
    "character_variants",
]
IpMedium = Literal["illustration", "photography"]
PrefixIpType = Literal["stylized_scene", "defined_character", "object_variants"]
"""The IP types Bria's generate_prefix accepts (`caption_prefix: auto`)."""
PREFIX_IP_TYPES: tuple[PrefixIpType, ...] = get_args(PrefixIpType)
ILLUSTRATION_ONLY_IP_TYPES: tuple[IpType, ...] = (
    "multi_object_set",
    "object_variants",
    "icons",
    "character_variants",
)
"""Bria allows medium photography only for the other two, defined_character and stylized_scene."""
IP_NAME_REQUIRED: tuple[IpType, ...] = ("defined_character",)
IP_DESCRIPTION_REQUIRED: tuple[IpType, ...] = ("defined_character", "object_variants")
UploadType = Literal["basic", "advanced"]
TrainingVersion = Literal["light", "max"]
TrainingMode = Literal["fully_automated", "expert"]
LrScheduler = Literal[
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "constant",
    "constant_with_warmup",
]
DEFAULT_TOTAL_TRAINING_STEPS = 1500
"""Bria's default when an expert model omits total_training_steps."""
ImageFormat = Literal["png", "jpeg", "webp"]
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
"""The file names Bria takes images from: what a manifest glob picks up and a bulk ZIP holds."""

MAX_IMAGES: Mapping[UploadType, int] = {"basic": 200, "advanced": 5000}
"""Images a dataset may hold, by upload type."""
MAX_IMAGE_BYTES = 12 * 1024 * 1024
"""A basic upload's single-image payload limit (12 MB, read as MiB)."""
MAX_ZIP_BYTES = 5 * 1024**3
"""An advanced upload's zip."""
MIN_SIDE_UPSCALED = 256
"""Shortest side Bria accepts when it may upscale (basic upload, increase_resolution)."""
MIN_SIDE_STRICT = 1024
"""Shortest side otherwise."""

CAPTION_PREFIX_AUTO = "auto"
"""`caption_prefix: auto` in a manifest: ask Bria's generate_prefix from sampled images."""

# Expert parameters as sorted (name, value) pairs, e.g. (("rank", 32), ("learning_rate", 1e-4)).
Parameters: TypeAlias = tuple[tuple[str, int | float | str], ...]


# --------------------------------------------------------------------------- desired


@dataclass(frozen=True)
class DesiredImage:
    address: Address
    name: str
    """The image_name sent to Bria: the file's base name, unique within its dataset."""
    path: str
    """Path relative to the workspace root, POSIX separators."""
    sha256: str
    caption: str | None
    """Explicit or sidecar caption; None lets Bria caption the image automatically."""
    caption_origin: Literal["explicit", "sidecar"] | None
    width: int
    height: int
    format: ImageFormat
    size_bytes: int
    location: Location | None = None


@dataclass(frozen=True)
class DesiredDataset:
    address: Address
    key: str
    name: str
    upload_type: UploadType
    caption_prefix: str | None
    """Literal text, CAPTION_PREFIX_AUTO, or None to keep the default prefix Bria generates."""
    images: tuple[DesiredImage, ...]
    increase_resolution: bool = True
    completed: bool = True
    prevent_destroy: bool = False
    location: Location | None = None

    def content_fingerprint(self) -> str:
        """Hash of everything that is frozen once the dataset is completed."""
        payload = {
            "caption_prefix": self.caption_prefix,
            "images": sorted((i.name, i.sha256, i.caption) for i in self.images),
        }
        return _sha256_json(payload)


@dataclass(frozen=True)
class DesiredModel:
    address: Address
    key: str
    name: str
    dataset: str
    """Key of the dataset (same project) it trains on."""
    training_version: TrainingVersion
    training_mode: TrainingMode
    description: str = ""
    parameters: Parameters = ()
    train: bool = True
    prevent_destroy: bool = False
    retain_on_replace: bool = False
    location: Location | None = None

    @property
    def dataset_address(self) -> Address:
        return Address(self.address.project, dataset=self.dataset)


@dataclass(frozen=True)
class DesiredProject:
    address: Address
    key: str
    name: str
    """project_name at Bria: display_name, defaulting to the key."""
    ip_type: IpType
    ip_medium: IpMedium
    description: str = ""
    ip_name: str | None = None
    ip_description: str | None = None
    datasets: tuple[DesiredDataset, ...] = ()
    models: tuple[DesiredModel, ...] = ()
    prevent_destroy: bool = False
    file: str = ""
    """Manifest file relative to the workspace root."""
    location: Location | None = None


@dataclass(frozen=True)
class DesiredWorkspace:
    root: str
    projects: tuple[DesiredProject, ...] = ()


# --------------------------------------------------------------------------- recorded


@dataclass(frozen=True)
class RecordedResource:
    """One resource tailor owns, as the state last recorded it."""

    address: Address
    kind: Kind
    remote_id: int
    parent: Address | None = None
    attributes: Mapping[str, JsonValue] = field(default_factory=dict)
    """Last applied values of the declared fields (for images: name, sha256, caption)."""
    deposed: tuple[int, ...] = ()
    """Remote ids of predecessors replaced create-before-destroy and not yet deleted."""


# --------------------------------------------------------------------------- live


@dataclass(frozen=True)
class LiveProject:
    remote_id: int
    name: str
    description: str
    ip_type: str
    ip_medium: str
    ip_name: str | None = None
    ip_description: str | None = None
    status: str = "active"


@dataclass(frozen=True)
class LiveDataset:
    remote_id: int
    project_id: int
    name: str
    caption_prefix: str | None
    """None when Bria's answer did not carry it (FIBO datasets, the published object)."""
    status: str
    upload_type: str
    captions_update_status: str = "empty"
    images_count: int = 0
    bulk_status: str | None = None
    """Status of the dataset's one bulk upload (BULK-ONCE-ONLY); None when none was ever
    started, or when refresh did not ask (it asks only for managed advanced drafts)."""
    bulk_rejected: int = 0
    """Images that bulk upload reported failed."""


@dataclass(frozen=True)
class LiveImage:
    remote_id: int
    dataset_id: int
    name: str
    caption: str
    caption_source: str | None = None
    image_url: str | None = None
    thumbnail_url: str | None = None


@dataclass(frozen=True)
class LiveModel:
    remote_id: int
    project_id: int
    dataset_id: int | None
    name: str
    description: str
    status: str
    training_mode: str | None
    training_version: str | None
    training_parameters: Mapping[str, JsonValue] = field(default_factory=dict)
    generation_prefix: str = ""


@dataclass(frozen=True)
class UnreadableObject:
    """An object in one of Bria's lists that tailor could not read (a value of a type it
    cannot use, a missing id or name). Reported as a warning when tailor manages it, and
    otherwise ignored; never a reason to fail the rest."""

    kind: Kind
    remote_id: int | None
    """None when not even the id could be read."""
    problem: str


@dataclass(frozen=True)
class LiveSnapshot:
    """Everything refresh saw, keyed by remote id. Images are grouped by dataset id."""

    projects: Mapping[int, LiveProject] = field(default_factory=dict)
    datasets: Mapping[int, LiveDataset] = field(default_factory=dict)
    images: Mapping[int, tuple[LiveImage, ...]] = field(default_factory=dict)
    models: Mapping[int, LiveModel] = field(default_factory=dict)
    unreadable: tuple[UnreadableObject, ...] = ()

    def fingerprint(self) -> str:
        """A stable hash of what was seen, so a saved plan can detect that the API moved.

        Hashes each record's field values in order (no JSON of 12,000 images): a plan's
        refresh of a large workspace must not spend its time here. Image URLs are left out:
        Bria hands out fresh presigned links on every listing, which is not a change.
        """
        digest = hashlib.sha256()
        for title, group in (
            ("projects", self.projects),
            ("datasets", self.datasets),
            ("models", self.models),
        ):
            digest.update(title.encode())
            for key in sorted(group):
                digest.update(_record_bytes(group[key]))
        digest.update(b"images")
        for dataset_id in sorted(self.images):
            digest.update(f"dataset {dataset_id}".encode())
            for image in self.images[dataset_id]:
                seen = (image.remote_id, image.name, image.caption, image.caption_source)
                digest.update((repr(seen) + "\n").encode())
        if self.unreadable:
            digest.update(b"unreadable")
            for item in sorted(self.unreadable, key=repr):
                digest.update((repr(item) + "\n").encode())
        return digest.hexdigest()


_BULK_FIELDS = frozenset({"bulk_status", "bulk_rejected"})
"""LiveDataset fields refresh reads for some datasets only: hashed only when read, so that
every other world keeps the fingerprint it had before they existed (saved plans stay valid)."""


def _record_bytes(record: object) -> bytes:
    fields = vars(record)
    unread = _BULK_FIELDS if fields.get("bulk_status") is None else frozenset()
    values = [
        sorted(value.items()) if isinstance(value, Mapping) else value
        for name, value in fields.items()
        if name not in unread
    ]
    return (repr(values) + "\n").encode()


def _sha256_json(payload: object) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
