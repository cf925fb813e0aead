"""Step kind -> the client call that carries it out: one explicit registry, `HANDLERS`.

A handler receives the run's context and one step, performs the call, and returns what the
executor records (`Outcome`). Creates journal themselves through the Ledger (intent before
the request, entry after), because only they know the name and parent Bria will show.
Remote ids in paths come from the Ledger, so ids created earlier in the same apply are used.
"""
# size: being split into modules of one job by issue 18 (h18s)

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import tempfile
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast, get_args

from reconciler.addresses import Address, Kind
from reconciler.client.api import BriaClient
from reconciler.client.bulkzip import ZipEntry, build_bulk_zip
from reconciler.client.errors import ApiError, refused
from reconciler.client.models import (
    CreateDatasetRequest,
    CreateModelRequest,
    CreateProjectRequest,
    GeneratePrefixRequest,
    IpMedium,
    IpType,
    PrefixIpType,
    TrainingMode,
    UpdateDatasetRequest,
    UpdateModelRequest,
    UpdateProjectRequest,
    UploadType,
)
from reconciler.client.staging import StagedFile, Stager, StagingError
from reconciler.engine.ledger import BulkIntent, CreateIntent, Ledger, StagedZip
from reconciler.engine.waits import (
    WaitPolicy,
    bulk_upload_ended,
    check_bulk_upload,
    wait_captions,
    wait_stopped,
    wait_training,
)
from reconciler.errors import TailorError
from reconciler.events import Hooks
from reconciler.plan.model import Action, Change, Plan, Step, StepKind
from reconciler.resources import JsonValue, TrainingVersion

HASH_CHUNK = 1 << 20
IMAGES = "images"
"""The listing scope of a dataset's images (see Ledger.names_under)."""


class StepFailed(TailorError):
    """A step cannot be carried out for a reason found on this machine (not Bria's answer)."""


@dataclass(frozen=True)
class Outcome:
    """What a step did, for the executor to record."""

    attributes: Mapping[str, JsonValue] = field(default_factory=dict)
    """Recorded attributes learned (e.g. the caption prefix text); merged into the entry."""
    gone: int | None = None
    """This remote id of the step's address no longer exists at Bria (or is forgotten)."""


NOTHING = Outcome()


@dataclass(frozen=True)
class Staging:
    """A ZIP this run staged, and its journal entry (pending until the ZIP is deleted)."""

    file: StagedFile
    intent_id: str


@dataclass
class RunContext:
    """Everything a handler may use. One per apply; shared by all concurrent steps."""

    client: BriaClient
    ledger: Ledger
    root: Path
    hooks: Hooks
    stager: Stager | None = None
    waits: WaitPolicy = field(default_factory=WaitPolicy)
    wait_for_training: bool = False
    scratch: dict[str, dict[str, JsonValue]] = field(default_factory=dict)
    """Per address: results of earlier steps (generated prefix, zip path, staged URL)."""
    staged: dict[str, Staging] = field(default_factory=dict)
    """Per dataset address: its staged ZIP, until deleted or left to the next run."""
    work_dir: Path | None = None
    idle: Callable[[], AbstractAsyncContextManager[None]] = contextlib.nullcontext
    """Around a wait on Bria: the executor gives the step's working slot to other nodes."""

    def results(self, address: Address) -> dict[str, JsonValue]:
        return self.scratch.setdefault(str(address), {})

    def id_of(self, address: Address) -> int:
        remote_id = self.ledger.remote_id(address)
        if remote_id is None:
            raise StepFailed(f"{address} has no remote id in the state")
        return remote_id

    def path_id(self, step: Step, placeholder: str) -> int:
        """The remote id filling `{placeholder}` of the step's path."""
        arg = step.path_params.get(placeholder)
        if arg is not None:
            value = step.args.get(arg)
            if not isinstance(value, int):
                raise StepFailed(f"{step.address}: step {step} lacks the id {arg}")
            return value
        address = step.address
        if placeholder == "project_id":
            return self.id_of(Address(address.project))
        if placeholder == "dataset_id" and address.dataset is not None:
            return self.id_of(Address(address.project, dataset=address.dataset))
        return self.id_of(address)

    def scratch_dir(self) -> Path:
        if self.work_dir is None:
            base = self.root / ".tailor"
            base.mkdir(parents=True, exist_ok=True)
            self.work_dir = Path(tempfile.mkdtemp(prefix="apply-", dir=base))
        return self.work_dir


@dataclass(frozen=True)
class StepCall:
    step: Step
    change: Change


Handler = Callable[[RunContext, StepCall], Awaitable[Outcome]]


# ---------------------------------------------------------------------- argument helpers


def _text(args: Mapping[str, JsonValue], key: str, default: str | None = None) -> str:
    value = args.get(key, default)
    if not isinstance(value, str):
        raise StepFailed(f"the step lacks the text argument {key!r}")
    return value


def _optional_text(args: Mapping[str, JsonValue], key: str) -> str | None:
    value = args.get(key)
    return value if isinstance(value, str) else None


def _flag(args: Mapping[str, JsonValue], key: str, default: bool) -> bool:
    value = args.get(key, default)
    return value if isinstance(value, bool) else default


def _after(call: StepCall) -> Mapping[str, JsonValue]:
    return call.change.after or {}


def _replaces(ctx: RunContext, call: StepCall) -> int | None:
    """The remote id the address holds now, when this create builds its successor."""
    if call.change.action is Action.CREATE:
        return None
    return ctx.ledger.remote_id(call.step.address)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def changed_files(plan: Plan, root: Path) -> list[str]:
    """Workspace files whose content is no longer what the plan saw (or that are gone).

    A saved plan is checked before anything runs, so a changed image refuses the whole apply
    instead of failing at its own upload after other steps have already been carried out.
    """
    expected: dict[str, str] = {}
    for change in plan.changes:
        for step in change.steps:
            # An upload names its file in its args; a bulk ZIP lists its images.
            entries = [step.args, *_items(step.args.get("images"))]
            for entry in entries:
                path, sha256 = entry.get("path"), entry.get("sha256")
                if isinstance(path, str) and isinstance(sha256, str):
                    expected[path] = sha256
    changed: list[str] = []
    for relative, sha256 in sorted(expected.items()):
        try:
            if _file_sha256(root / relative) != sha256:
                changed.append(relative)
        except OSError:
            changed.append(relative)
    return changed


def _items(value: JsonValue | None) -> list[Mapping[str, JsonValue]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


async def _checked_file(ctx: RunContext, relative: str, sha256: str | None, what: str) -> Path:
    """The workspace file, provided its content is still what the plan saw."""
    path = ctx.root / relative
    try:
        found = await asyncio.to_thread(_file_sha256, path)
    except OSError as error:
        raise StepFailed(f"{what}: cannot read {relative}: {error.strerror or error}") from None
    if sha256 is not None and found != sha256:
        raise StepFailed(
            f"{what}: file changed since plan ({relative})",
            hint="run plan again to see the new content",
        )
    return path


async def _create(
    ctx: RunContext,
    call: StepCall,
    name: str,
    parent_id: int | None,
    known_ids: tuple[int, ...],
    send: Callable[[Collection[int]], Awaitable[int]],
) -> Outcome:
    """Journal, send, record. A refusal (4xx) drops the intent; a lost answer keeps it
    pending so that the next run's recovery settles it."""
    address = call.step.address
    intent = CreateIntent(
        address, address.kind, name, parent_id, known_ids,
        provisional_attributes(call.change), _replaces(ctx, call),
    )
    intent_id = ctx.ledger.announce(intent)
    try:
        remote_id = await send(NotOurs(frozenset(intent.known_ids), ctx.ledger, address.kind))
    except ApiError as error:
        if refused(error):
            ctx.ledger.abandon(intent_id)
        raise
    ctx.ledger.created(intent_id, intent, remote_id)
    return NOTHING


class NotOurs(Collection[int]):
    """The ids a create must never take for its own after a lost answer: those listed under
    the parent before it was sent, and, looked up only when recovery asks, any id the state
    or this run already gave an address (a same-named sibling created meanwhile)."""

    def __init__(self, listed: frozenset[int], ledger: Ledger, kind: Kind) -> None:
        self.listed = listed
        self.ledger = ledger
        self.kind = kind

    def __contains__(self, item: object) -> bool:
        if item in self.listed:
            return True
        return isinstance(item, int) and self.ledger.taken(self.kind, item)

    def __iter__(self) -> Iterator[int]:
        return iter(self.listed)

    def __len__(self) -> int:
        return len(self.listed)


Listing = Callable[[], Awaitable[list[tuple[int, str]]]]
"""Lists (id, name) of the objects under one parent."""


async def _same_named(
    ctx: RunContext, parent: Address | None, scope: str, parent_id: int, fetch: Listing, name: str
) -> tuple[int, ...]:
    """Ids already named `name` under the parent: never the result of this create. A parent
    created in this run has nothing under it, so it is not listed."""
    if parent is not None and str(parent) in ctx.ledger.created_in_run:
        return ()
    return (await ctx.ledger.names_under(scope, parent_id, fetch)).get(name, ())


def list_images(ctx: RunContext, dataset_id: int) -> Listing:
    """The listing of a dataset's images (scope IMAGES of Ledger.names_under)."""

    async def fetch() -> list[tuple[int, str]]:
        return [(i.id, i.image_name) for i in await ctx.client.list_images(dataset_id)]

    return fetch


# ---------------------------------------------------------------------- provisional records


def provisional_attributes(change: Change) -> dict[str, JsonValue]:
    """What is true right after the create request: lifecycle steps not done yet."""
    after = dict(change.after or {})
    kind = change.kind
    if kind is Kind.DATASET:
        after.update({"completed": False, "caption_prefix": None, "caption_prefix_auto": False})
    elif kind is Kind.MODEL:
        after["train"] = False
    elif kind is Kind.IMAGE:
        after["caption"] = None
    return after


# ---------------------------------------------------------------------- projects


async def create_project(ctx: RunContext, call: StepCall) -> Outcome:
    args = call.step.args
    name = _text(args, "project_name")
    request = CreateProjectRequest(
        project_name=name,
        ip_medium=cast(IpMedium, _text(args, "ip_medium")),
        ip_type=cast(IpType, _text(args, "ip_type")),
        project_description=_optional_text(args, "project_description"),
        ip_name=_optional_text(args, "ip_name"),
        ip_description=_optional_text(args, "ip_description"),
    )

    async def fetch() -> list[tuple[int, str]]:
        return [(p.id, p.project_name) for p in await ctx.client.list_projects()]

    async def send(known: Collection[int]) -> int:
        return (await ctx.client.create_project(request, known_ids=known)).id

    known = await _same_named(ctx, None, "projects", 0, fetch, name)
    return await _create(ctx, call, name, None, known, send)


async def update_project(ctx: RunContext, call: StepCall) -> Outcome:
    args = call.step.args
    # A field in the step is sent even when None: that clears it at Bria.
    request = UpdateProjectRequest(
        **{k: _optional_text(args, k) for k in UpdateProjectRequest.model_fields if k in args}
    )
    await ctx.client.update_project(ctx.path_id(call.step, "project_id"), request)
    return NOTHING


async def delete_project(ctx: RunContext, call: StepCall) -> Outcome:
    project_id = ctx.path_id(call.step, "project_id")
    await ctx.client.delete_project(project_id)
    return Outcome(gone=project_id)


# ---------------------------------------------------------------------- datasets


async def create_dataset(ctx: RunContext, call: StepCall) -> Outcome:
    step, args = call.step, call.step.args
    project = Address(step.address.project)
    project_id = ctx.id_of(project)
    name = _text(args, "name")
    upload_type = cast(UploadType, _text(args, "upload_type", "basic"))
    request = CreateDatasetRequest(project_id=project_id, name=name, upload_type=upload_type)

    async def fetch() -> list[tuple[int, str]]:
        return [(d.id, d.name) for d in await ctx.client.list_project_datasets(project_id)]

    async def send(known: Collection[int]) -> int:
        return (await ctx.client.create_dataset(request, known_ids=known)).id

    known = await _same_named(ctx, project, "datasets", project_id, fetch, name)
    return await _create(ctx, call, name, project_id, known, send)


async def update_dataset(ctx: RunContext, call: StepCall) -> Outcome:
    args = call.step.args
    request = UpdateDatasetRequest(
        name=_optional_text(args, "name"), caption_prefix=_optional_text(args, "caption_prefix")
    )
    await ctx.client.update_dataset(ctx.path_id(call.step, "dataset_id"), request)
    learned: dict[str, JsonValue] = {}
    if request.caption_prefix is not None:
        learned = {"caption_prefix": request.caption_prefix, "caption_prefix_auto": False}
    return Outcome(attributes=learned)


async def generate_prefix(ctx: RunContext, call: StepCall) -> Outcome:
    args = call.step.args
    paths = args.get("images")
    if not isinstance(paths, list) or not paths:
        raise StepFailed(f"{call.step.address}: generate_prefix needs sample images")
    encoded: list[str] = []
    for relative in paths:
        if not isinstance(relative, str):
            raise StepFailed(f"{call.step.address}: a sample image path is not text")
        path = await _checked_file(ctx, relative, None, str(call.step.address))
        data = await asyncio.to_thread(path.read_bytes)
        encoded.append(base64.b64encode(data).decode("ascii"))
    request = GeneratePrefixRequest(
        ip_type=cast(PrefixIpType, _text(args, "ip_type")),
        ip_medium=cast(IpMedium, _text(args, "ip_medium")),
        ip_name=_optional_text(args, "ip_name"),
        images=encoded,
    )
    answer = await ctx.client.generate_prefix(request)
    ctx.results(call.step.address)["prefix"] = answer.prefix
    return NOTHING


async def set_caption_prefix(ctx: RunContext, call: StepCall) -> Outcome:
    step = call.step
    generated = _flag(step.args, "generated", False)
    if generated:
        text = ctx.results(step.address).get("prefix")
        if not isinstance(text, str):
            raise StepFailed(f"{step.address}: no generated caption prefix to set")
    else:
        text = _text(step.args, "caption_prefix")
    await ctx.client.update_dataset(
        ctx.path_id(step, "dataset_id"), UpdateDatasetRequest(caption_prefix=text)
    )
    return Outcome(attributes={"caption_prefix": text, "caption_prefix_auto": generated})


async def regenerate_captions(ctx: RunContext, call: StepCall) -> Outcome:
    await ctx.client.regenerate_all_captions(ctx.path_id(call.step, "dataset_id"))
    return NOTHING


async def wait_captions_step(ctx: RunContext, call: StepCall) -> Outcome:
    async with ctx.idle():
        await wait_captions(
            ctx.client, ctx.path_id(call.step, "dataset_id"), address=str(call.step.address),
            policy=ctx.waits, hooks=ctx.hooks,
        )
    return NOTHING


async def complete_dataset(ctx: RunContext, call: StepCall) -> Outcome:
    await ctx.client.update_dataset(
        ctx.path_id(call.step, "dataset_id"), UpdateDatasetRequest(status="completed")
    )
    return Outcome(attributes={"completed": True})


async def delete_dataset(ctx: RunContext, call: StepCall) -> Outcome:
    dataset_id = ctx.path_id(call.step, "dataset_id")
    await ctx.client.delete_dataset(dataset_id)
    return Outcome(gone=dataset_id)


# ---------------------------------------------------------------------- images


async def upload_image(ctx: RunContext, call: StepCall) -> Outcome:
    step, args = call.step, call.step.args
    dataset = Address(step.address.project, dataset=step.address.dataset)
    dataset_id = ctx.id_of(dataset)
    name = _text(args, "image_name")
    path = await _checked_file(
        ctx, _text(args, "path"), _optional_text(args, "sha256"), str(step.address)
    )
    increase = _flag(args, "increase_resolution", True)

    async def send(known: Collection[int]) -> int:
        image = await ctx.client.upload_image(
            dataset_id, path=path, image_name=name, increase_resolution=increase,
            known_ids=known,
        )
        return image.id

    known = await _same_named(
        ctx, dataset, IMAGES, dataset_id, list_images(ctx, dataset_id), name
    )
    return await _create(ctx, call, name, dataset_id, known, send)


async def update_caption(ctx: RunContext, call: StepCall) -> Outcome:
    caption = _text(call.step.args, "caption")
    await ctx.client.update_image_caption(
        ctx.path_id(call.step, "dataset_id"), ctx.path_id(call.step, "image_id"), caption
    )
    return Outcome(attributes={"caption": caption})


async def regenerate_caption(ctx: RunContext, call: StepCall) -> Outcome:
    await ctx.client.regenerate_image_caption(
        ctx.path_id(call.step, "dataset_id"), ctx.path_id(call.step, "image_id")
    )
    return Outcome(attributes={"caption": None})


async def delete_image(ctx: RunContext, call: StepCall) -> Outcome:
    image_id = ctx.path_id(call.step, "image_id")
    await ctx.client.delete_image(ctx.path_id(call.step, "dataset_id"), image_id)
    return Outcome(gone=image_id)


async def build_zip(ctx: RunContext, call: StepCall) -> Outcome:
    step, args = call.step, call.step.args
    images = args.get("images")
    if not isinstance(images, list):
        raise StepFailed(f"{step.address}: the ZIP step lists no images")
    entries: list[ZipEntry] = []
    for item in images:
        if not isinstance(item, dict):
            raise StepFailed(f"{step.address}: a ZIP entry is malformed")
        path = await _checked_file(
            ctx, _text(item, "path"), _optional_text(item, "sha256"),
            f"{step.address}/images/{_text(item, 'name')}",
        )
        entries.append(ZipEntry(path, _text(item, "name"), _optional_text(item, "caption")))
    destination = ctx.scratch_dir() / _text(args, "zip_name", "dataset.zip")
    await asyncio.to_thread(
        build_bulk_zip, entries, destination,
        require_captions=_flag(args, "caption_files", False),
    )
    ctx.results(step.address)["zip_path"] = str(destination)
    return NOTHING


async def stage_zip(ctx: RunContext, call: StepCall) -> Outcome:
    """Journal the key, then upload: a run that dies before it deletes the ZIP leaves the
    next run's recovery what it needs to delete it."""
    step = call.step
    if ctx.stager is None:
        raise StepFailed(
            f"{step.address}: an advanced dataset needs a staging location for its ZIP",
            hint="set staging: s3://bucket/prefix/ in tailor.yaml",
        )
    zip_path = ctx.results(step.address).get("zip_path")
    if not isinstance(zip_path, str):
        raise StepFailed(f"{step.address}: the ZIP was not built")
    name = _text(step.args, "zip_name", "dataset.zip")
    key = ctx.stager.new_key(name)
    intent_id = ctx.ledger.announce_staged(step.address, StagedZip(ctx.stager.location, key))
    # Registered before the upload, so a failed (perhaps partial) upload is deleted too.
    ctx.staged[str(step.address)] = Staging(StagedFile(ctx.stager.where(key), key), intent_id)
    staged = await ctx.stager.put(Path(zip_path), name, key=key)
    ctx.staged[str(step.address)] = Staging(staged, intent_id)
    ctx.results(step.address)["zip_url"] = staged.url
    return NOTHING


def _bulk_intent(call: StepCall, dataset_id: int) -> BulkIntent:
    """The bulk upload of the change's ZIP. Each image records its attributes as the ZIP
    entry gives them (the image's own), its caption only when the ZIP carries caption files
    (otherwise a later step PUTs it, as after a basic upload)."""
    build = next((s for s in call.change.steps if s.kind is StepKind.BUILD_ZIP), None)
    if build is None:
        raise StepFailed(f"{call.step.address}: the bulk upload has no ZIP step")
    in_zip = _flag(build.args, "caption_files", False)
    images: dict[str, dict[str, JsonValue]] = {
        _text(item, "name"): {**item, "caption": item.get("caption") if in_zip else None}
        for item in _items(build.args.get("images"))
    }
    return BulkIntent(call.step.address, dataset_id, images)


def _hand_over(ctx: RunContext, address: Address) -> None:
    """Bria may still read this dataset's ZIP: it stays staged and journaled, and the next
    run's recovery deletes it once the bulk upload has ended."""
    ctx.staged.pop(str(address), None)


async def bulk_upload(ctx: RunContext, call: StepCall) -> Outcome:
    """Journaled before it is sent: Bria takes one bulk upload per dataset, so a run that
    loses track of it must adopt its images, never send another."""
    step = call.step
    url = ctx.results(step.address).get("zip_url")
    if not isinstance(url, str):
        raise StepFailed(f"{step.address}: the ZIP was not staged")
    dataset_id = ctx.path_id(step, "dataset_id")
    intent_id = ctx.ledger.announce_bulk(_bulk_intent(call, dataset_id))
    try:
        await ctx.client.bulk_upload(
            dataset_id, url, automatic_captioning=_flag(step.args, "automatic_captioning", True)
        )
    except ApiError as error:
        if refused(error):
            ctx.ledger.abandon(intent_id)
        else:
            _hand_over(ctx, step.address)
        raise
    ctx.results(step.address)["bulk_intent"] = intent_id
    return NOTHING


async def wait_bulk_upload_step(ctx: RunContext, call: StepCall) -> Outcome:
    """Until the upload ends; then its images are recorded by name (whatever Bria rejected),
    the ZIP deleted, and only then a rejection reported."""
    step = call.step
    dataset_id = ctx.path_id(step, "dataset_id")
    try:
        async with ctx.idle():
            status = await bulk_upload_ended(
                ctx.client, dataset_id, address=str(step.address), policy=ctx.waits,
                hooks=ctx.hooks,
            )
    except BaseException:
        _hand_over(ctx, step.address)
        raise
    ctx.ledger.forget_listing(IMAGES, dataset_id)
    intent_id = ctx.results(step.address).get("bulk_intent")
    if isinstance(intent_id, str):
        intent = _bulk_intent(call, dataset_id)
        listing = await ctx.ledger.names_under(IMAGES, dataset_id, list_images(ctx, dataset_id))
        ctx.ledger.bulk_arrived(intent_id, intent, intent.arrived(listing))
    await release_staged(ctx, step.address)
    check_bulk_upload(status, str(step.address))
    return NOTHING


async def release_staged(ctx: RunContext, address: Address | None = None) -> None:
    """Delete the staged ZIPs (of one dataset, or all): Bria has read them, or never will.
    Each is tried once; one that cannot be deleted stays journaled for the next run, and the
    first such error is raised after the others were tried."""
    stager = ctx.stager
    if stager is None:
        return  # nothing is staged without one
    keys = [key for key in ctx.staged if address is None or key == str(address)]
    failed: StagingError | None = None
    for key in keys:
        staging = ctx.staged.pop(key)
        try:
            await stager.remove(staging.file)
        except StagingError as error:
            failed = failed or error
            continue
        ctx.ledger.unstaged(staging.intent_id)
    if failed is not None:
        raise failed


# ---------------------------------------------------------------------- models


async def create_model(ctx: RunContext, call: StepCall) -> Outcome:
    step, args = call.step, call.step.args
    dataset = Address.parse(_text(args, "dataset_address"))
    dataset_id = ctx.id_of(dataset)
    name = _text(args, "name")
    version = _text(args, "training_version")
    if version not in get_args(TrainingVersion):
        raise StepFailed(f"{step.address}: unknown training_version {version!r}")
    request = CreateModelRequest(
        name=name,
        dataset_id=dataset_id,
        training_mode=cast(TrainingMode, _text(args, "training_mode")),
        training_version="light" if version == "light" else "max",
        description=_optional_text(args, "description"),
    )

    project_id = ctx.id_of(Address(dataset.project))

    async def fetch() -> list[tuple[int, str]]:
        models = await ctx.client.list_project_models(project_id)
        return [(m.id, m.name) for m in models if m.dataset_id == dataset_id]

    async def send(known: Collection[int]) -> int:
        return (await ctx.client.create_model(request, known_ids=known)).id

    scope = f"models-of-{dataset_id}"
    known = await _same_named(ctx, dataset, scope, project_id, fetch, name)
    return await _create(ctx, call, name, dataset_id, known, send)


async def update_model(ctx: RunContext, call: StepCall) -> Outcome:
    args = call.step.args
    request = UpdateModelRequest(
        name=_optional_text(args, "name"), description=_optional_text(args, "description")
    )
    await ctx.client.update_model(ctx.path_id(call.step, "model_id"), request)
    return NOTHING


async def start_training(ctx: RunContext, call: StepCall) -> Outcome:
    step = call.step
    model_id = ctx.path_id(step, "model_id")
    parameters = step.args.get("parameters")
    params = dict(parameters) if isinstance(parameters, dict) else {}
    await ctx.client.start_training(model_id, params or None)
    # Recorded before a --wait, so an interrupted wait never starts a second training.
    ctx.ledger.patch(step.address, {"train": True})
    if ctx.wait_for_training:
        async with ctx.idle():
            await wait_training(
                ctx.client, model_id, address=str(step.address), policy=ctx.waits,
                hooks=ctx.hooks,
            )
        ctx.results(step.address)["trained"] = True
    return Outcome(attributes={"train": True})


async def stop_training(ctx: RunContext, call: StepCall) -> Outcome:
    model_id = ctx.path_id(call.step, "model_id")
    try:
        await ctx.client.stop_training(model_id)
    except ApiError as error:
        # Refused (409 in REFERENCE, maybe 400 at Bria): a fresh read decides whether there
        # is still a training to stop.
        if not refused(error):
            raise
        model = await ctx.client.get_model(model_id)
        if model.status in ("InProgress",):
            raise
    return NOTHING


async def wait_training_stopped(ctx: RunContext, call: StepCall) -> Outcome:
    async with ctx.idle():
        await wait_stopped(
            ctx.client, ctx.path_id(call.step, "model_id"), address=str(call.step.address),
            policy=ctx.waits, hooks=ctx.hooks,
        )
    return NOTHING


async def delete_model(ctx: RunContext, call: StepCall) -> Outcome:
    model_id = ctx.path_id(call.step, "model_id")
    await ctx.client.delete_model(model_id)
    return Outcome(gone=model_id)


async def forget(ctx: RunContext, call: StepCall) -> Outcome:
    old = call.step.args.get("old_id")
    if isinstance(old, int):
        return Outcome(gone=old)
    current = ctx.ledger.remote_id(call.step.address)
    if current is None:
        return NOTHING
    return Outcome(gone=current)


HANDLERS: Mapping[StepKind, Handler] = {
    StepKind.CREATE_PROJECT: create_project,
    StepKind.UPDATE_PROJECT: update_project,
    StepKind.DELETE_PROJECT: delete_project,
    StepKind.CREATE_DATASET: create_dataset,
    StepKind.UPDATE_DATASET: update_dataset,
    StepKind.GENERATE_PREFIX: generate_prefix,
    StepKind.SET_CAPTION_PREFIX: set_caption_prefix,
    StepKind.REGENERATE_CAPTIONS: regenerate_captions,
    StepKind.WAIT_CAPTIONS: wait_captions_step,
    StepKind.COMPLETE_DATASET: complete_dataset,
    StepKind.DELETE_DATASET: delete_dataset,
    StepKind.UPLOAD_IMAGE: upload_image,
    StepKind.UPDATE_CAPTION: update_caption,
    StepKind.REGENERATE_CAPTION: regenerate_caption,
    StepKind.DELETE_IMAGE: delete_image,
    StepKind.BUILD_ZIP: build_zip,
    StepKind.STAGE_ZIP: stage_zip,
    StepKind.BULK_UPLOAD: bulk_upload,
    StepKind.WAIT_BULK_UPLOAD: wait_bulk_upload_step,
    StepKind.CREATE_MODEL: create_model,
    StepKind.UPDATE_MODEL: update_model,
    StepKind.START_TRAINING: start_training,
    StepKind.STOP_TRAINING: stop_training,
    StepKind.WAIT_TRAINING_STOPPED: wait_training_stopped,
    StepKind.DELETE_MODEL: delete_model,
    StepKind.FORGET: forget,
}
"""Every StepKind has exactly one handler (checked by a test)."""
