"""BriaClient: one async method per endpoint of Bria's training API.

    client = BriaClient("https://engine.prod.bria-api.com/v1", Secret(token),
                        transport=None, max_concurrency=8, requests_per_minute=None,
                        retry=RetryPolicy(), timeouts=Timeouts())
    async with client:
        project = await client.create_project(CreateProjectRequest(...))

Safety of writes after a lost answer (connection dropped, timeout, 5xx once sent):
- Reads, PUTs, DELETEs and stateless POSTs (generate_prefix, generation, FIBO's calls in
  `client/fibo.py`) are retried freely; a DELETE answering 404 after such a loss counts as done.
- Creates (project, dataset, model, image upload, clone, model upload) are never repeated
  blindly. Rule: before the first attempt the client notes the ids of objects that already
  carry the same name under the same parent (`known_ids` lets a caller who just listed the
  parent pass them and save that request). After a lost answer it lists the parent again:
  exactly one same-named object not in `known_ids` (asked then, so a live collection can also
  hold ids the caller's other creates took meanwhile) → that object is adopted as the result;
  none → the create is sent again; more than one → AmbiguousCreate is raised. Names are
  matched exactly: projects by `project_name`; datasets by `name` within the project; models
  by `name` and `dataset_id`; images by `image_name` within the dataset; model uploads by
  `model_name` within the project (or within the new project named in project_parameters).
- start_training / stop_training after a lost answer read the model: a status that proves the
  transition happened settles the call. bulk_upload reads the bulk-upload status likewise.
  When a repeated call is refused (any 4xx: Bria documents 400 for a second bulk upload, and
  no 409 for several refusals), that fresh read decides, never the status code.

Bodies: tailor relies only on answers Bria documents in full. Stop Training (200), bulk upload
(202), Regenerate All Captions (202) and Update Model (a partial object) return None: what a
caller needs next it reads (the waits poll anyway). A create or update whose answer is empty or
unreadable reads the object instead (a create finds it as after a lost answer). A list answer's
unreadable items are skipped one by one (`Listing.skipped`), never failing the others.
"""
# size: one method per Bria endpoint, one class the engine holds (FIBO's in client/fibo.py)

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from reconciler.addresses import Kind
from reconciler.client.answers import Listing, many, maybe, one
from reconciler.client.errors import (
    AmbiguousCreate,
    ApiError,
    LocalFileError,
    NotFound,
    refused,
    unreadable,
)
from reconciler.client.fibo import FiboCalls
from reconciler.client.json_records import JsonRecord
from reconciler.client.models import (
    TRAINING_STARTED,
    BulkUploadStatus,
    CaptionPrefix,
    Checkpoint,
    CheckpointList,
    CreateDatasetRequest,
    CreateModelRequest,
    CreateProjectRequest,
    Dataset,
    DatasetDownload,
    GeneratePrefixRequest,
    GenerationResult,
    Identified,
    Image,
    Model,
    ModelDownload,
    Project,
    UpdateDatasetRequest,
    UpdateModelRequest,
    UpdateProjectRequest,
    UploadModelRequest,
)
from reconciler.client.retry import RetryPolicy
from reconciler.client.transport import (
    Call,
    Recover,
    RetryingSender,
    Settled,
    SettleError,
    Timeouts,
)
from reconciler.client.wire import Answer
from reconciler.events import RateLimitEvent
from reconciler.secret import Secret

if TYPE_CHECKING:
    from httpx import AsyncBaseTransport

    from reconciler.client.recent_starts import SharedStarts

logger = logging.getLogger("reconciler.client")

__all__ = ["BriaClient", "Listing"]

M = TypeVar("M", bound=JsonRecord)
T = TypeVar("T")


H = TypeVar("H", bound=Identified)


def _nothing(response: Answer) -> None:
    return None


async def _done_if_gone(error: ApiError) -> Settled[None] | None:
    """A DELETE repeated after a lost answer that finds nothing has already worked."""
    return Settled(None) if isinstance(error, NotFound) else None


def _check_on_refusal(check: Recover[T]) -> SettleError[T]:
    """A refusal (any 4xx) of a call repeated after a lost answer may mean the first one
    worked: a fresh read (`check`) decides, whatever the status code."""

    async def settle(error: ApiError) -> Settled[T] | None:
        return await check() if refused(error) else None

    return settle


def _flag(value: bool) -> str:
    return "true" if value else "false"


class BriaClient(FiboCalls):
    """Typed, retrying access to Bria's training API. Never holds the token in a printable form."""

    def __init__(
        self,
        base_url: str,
        token: Secret,
        *,
        transport: AsyncBaseTransport | None = None,
        max_concurrency: int = 8,
        requests_per_minute: float | None = None,
        shared_starts: SharedStarts | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        self._t = RetryingSender(
            base_url,
            token,
            transport=transport,
            max_concurrency=max_concurrency,
            requests_per_minute=requests_per_minute,
            retry=retry,
            timeouts=timeouts,
        )
        if shared_starts is not None:
            self._t.pacer.share(shared_starts)
        self.base_url = self._t.base_url

    def __repr__(self) -> str:
        return f"BriaClient(base_url={self.base_url!r})"

    @property
    def requests_answered(self) -> int:
        """Requests Bria answered so far (429s not counted): what a plan's cost predicts."""
        return self._t.answered

    @property
    def requests_per_minute(self) -> float | None:
        """The pace the client was set to (it goes slower after Bria's 429s); None: unpaced."""
        return self._t.pacer.limit

    def recent_ages(self) -> tuple[float, ...]:
        """Seconds since other runs in the workspace started the requests still counting
        against the pace's minute, oldest first; () when unpaced."""
        return self._t.pacer.recent_ages()

    def on_rate_limit(self, listener: Callable[[RateLimitEvent], None] | None) -> None:
        """Tell `listener` of every 429 before the call waits it out."""
        self._t.on_rate_limit = listener

    def stop_retrying(self) -> None:
        """The API is gone (apply's circuit breaker): calls in flight make no more attempts."""
        self._t.stop_retrying()

    async def __aenter__(self) -> BriaClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._t.aclose()

    # ------------------------------------------------------------------ plumbing

    async def _get(self, path: str, parse: Callable[[Answer], T],
                   params: Mapping[str, str | int] | None = None) -> T:
        return await self._t.request(Call("GET", path, params=params), parse, idempotent=True)

    async def _update(
        self, path: str, body: object, model: type[M], read: Callable[[], Awaitable[M]]
    ) -> M:
        """PUT; the object from the answer, or from `read` when the answer holds none."""
        found = await self._t.request(Call("PUT", path, json=body), maybe(model),
                                      idempotent=True)
        return found if found is not None else await read()

    async def _delete(self, path: str) -> None:
        await self._t.request(
            Call("DELETE", path), _nothing, idempotent=True, settle_error=_done_if_gone
        )

    async def _create(
        self,
        call: Call,
        model: type[H],
        *,
        find: Callable[[], Awaitable[list[H]]],
        known_ids: Collection[int] | None,
        what: str,
        adopt: Callable[[H], Awaitable[H]] | None = None,
    ) -> H:
        """POST a create that is never blindly repeated (rule in the module docstring)."""
        # Not copied: a caller may pass a live collection that also holds the ids other
        # creates of the same run took meanwhile, looked up only if recovery has to look.
        known: Collection[int] = (
            known_ids if known_ids is not None else {o.id for o in await find()}
        )

        async def recover() -> Settled[H | None] | None:
            candidates = [o for o in await find() if o.id not in known]
            if not candidates:
                return None
            if len(candidates) > 1:
                ids = ", ".join(str(o.id) for o in candidates)
                raise AmbiguousCreate(
                    f"the answer to creating {what} was lost and several new objects match it "
                    f"(ids {ids})",
                    status=None,
                    method=call.method,
                    path=call.path,
                    hint="Delete the extra objects in Bria, or import the right one, then rerun.",
                )
            found = candidates[0]
            logger.debug("%s %s: adopting id %d, created before the answer was lost",
                         call.method, call.path, found.id)
            adopted: H = await adopt(found) if adopt is not None else found
            return Settled(adopted)

        statuses: list[int] = []

        def parse(response: Answer) -> H | None:
            statuses.append(response.status_code)
            return maybe(model)(response)

        made = await self._t.request(call, parse, idempotent=False, recover=recover)
        if made is not None:
            return made
        # Created, but the answer is empty or unreadable: find it as after a lost answer.
        settled = await recover()
        if settled is None or settled.value is None:
            raise unreadable(
                statuses[-1] if statuses else 200,
                f"it holds no readable {what}, and none was found by name afterwards",
                method=call.method,
                path=call.path,
            )
        return settled.value

    # ------------------------------------------------------------------ projects

    async def list_projects(self) -> Listing[Project]:
        return await self._get("/tailored-gen/projects", many(Project, Kind.PROJECT))

    async def get_project(self, project_id: int) -> Project:
        return await self._get(f"/tailored-gen/projects/{project_id}", one(Project))

    async def create_project(
        self, request: CreateProjectRequest, *, known_ids: Collection[int] | None = None
    ) -> Project:
        """Create a project; `known_ids`: ids of projects with this name that already exist."""

        async def find() -> list[Project]:
            return [p for p in await self.list_projects()
                    if p.project_name == request.project_name]

        return await self._create(
            Call("POST", "/tailored-gen/projects", json=request.body()),
            Project,
            find=find,
            known_ids=known_ids,
            what=f"project {request.project_name!r}",
        )

    async def update_project(self, project_id: int, request: UpdateProjectRequest) -> Project:
        return await self._update(f"/tailored-gen/projects/{project_id}", request.body(),
                                  Project, lambda: self.get_project(project_id))

    async def delete_project(self, project_id: int) -> None:
        await self._delete(f"/tailored-gen/projects/{project_id}")

    # ------------------------------------------------------------------ datasets

    async def list_datasets(self) -> Listing[Dataset]:
        return await self._get("/tailored-gen/datasets", many(Dataset, Kind.DATASET))

    async def list_project_datasets(self, project_id: int) -> Listing[Dataset]:
        return await self._get(f"/tailored-gen/projects/{project_id}/datasets",
                               many(Dataset, Kind.DATASET))

    async def get_dataset(self, dataset_id: int, max_images: int = 200) -> Dataset:
        """The dataset with its first `max_images` images (1 to 200) and the total images_count."""
        return await self._get(f"/tailored-gen/datasets/{dataset_id}", one(Dataset),
                               params={"max_images": max_images})

    async def create_dataset(
        self, request: CreateDatasetRequest, *, known_ids: Collection[int] | None = None
    ) -> Dataset:
        """Create a draft dataset; `known_ids`: same-named datasets already in the project."""

        async def find() -> list[Dataset]:
            return [d for d in await self.list_project_datasets(request.project_id)
                    if d.name == request.name]

        return await self._create(
            Call("POST", "/tailored-gen/datasets", json=request.body()),
            Dataset,
            find=find,
            known_ids=known_ids,
            what=f"dataset {request.name!r}",
        )

    async def update_dataset(self, dataset_id: int, request: UpdateDatasetRequest) -> Dataset:
        return await self._update(f"/tailored-gen/datasets/{dataset_id}", request.body(),
                                  Dataset, lambda: self.get_dataset(dataset_id, max_images=1))

    async def delete_dataset(self, dataset_id: int) -> None:
        await self._delete(f"/tailored-gen/datasets/{dataset_id}")

    async def clone_dataset(
        self,
        dataset_id: int,
        name: str | None = None,
        *,
        project_id: int | None = None,
        known_ids: Collection[int] | None = None,
    ) -> Dataset:
        """A new draft copy (with images). Default name, as Bria's: "Copy of <source name>".
        Given the name and the source's `project_id`, the source is not read first (the
        clone's project, where a lost answer is looked for by name)."""
        if name is None or project_id is None:
            source = await self.get_dataset(dataset_id, max_images=1)
            clone_name = name if name is not None else f"Copy of {source.name}"
            in_project = source.project_id
        else:
            clone_name, in_project = name, project_id

        async def find() -> list[Dataset]:
            return [d for d in await self.list_project_datasets(in_project)
                    if d.name == clone_name]

        async def with_images(found: Dataset) -> Dataset:
            return await self.get_dataset(found.id)

        return await self._create(
            Call("POST", f"/tailored-gen/datasets/{dataset_id}/clone",
                 json={"name": name} if name is not None else {}),
            Dataset,
            find=find,
            known_ids=known_ids,
            what=f"clone {clone_name!r} of dataset {dataset_id}",
            adopt=with_images,
        )

    async def download_dataset(self, dataset_id: int) -> DatasetDownload:
        """Pre-signed URLs of an advanced dataset (note: path without /tailored-gen)."""
        return await self._get(f"/datasets/{dataset_id}/download", one(DatasetDownload))

    async def generate_prefix(self, request: GeneratePrefixRequest) -> CaptionPrefix:
        """Stateless, so retried freely."""
        return await self._t.request(
            Call("POST", "/tailored-gen/generate_prefix", json=request.body(), kind="upload"),
            one(CaptionPrefix),
            idempotent=True,
        )

    # ------------------------------------------------------------------ images

    async def list_images(self, dataset_id: int) -> Listing[Image]:
        return await self._get(f"/tailored-gen/datasets/{dataset_id}/images",
                               many(Image, Kind.IMAGE))

    async def get_image(self, dataset_id: int, image_id: int) -> Image:
        return await self._get(f"/tailored-gen/datasets/{dataset_id}/images/{image_id}",
                               one(Image))

    async def upload_image(
        self,
        dataset_id: int,
        *,
        path: Path | None = None,
        data: bytes | None = None,
        image_url: str | None = None,
        image_name: str,
        increase_resolution: bool,
        content_moderation: bool = False,
        known_ids: Collection[int] | None = None,
    ) -> Image:
        """Upload one image into a basic dataset: a local file, its bytes already read (a
        caller that checked them sends exactly those), or a URL (exactly one).

        The file is read and base64-encoded here, one file per call, so memory is bounded by
        the concurrency cap, never by the dataset size.
        """
        if [path, data, image_url].count(None) != 2:
            raise ValueError("give exactly one of path, data or image_url")
        body: dict[str, object] = {
            "image_name": image_name,
            "increase_resolution": increase_resolution,
            "content_moderation": content_moderation,
        }
        if path is not None:
            try:
                data = await asyncio.to_thread(path.read_bytes)
            except OSError as error:
                raise LocalFileError(
                    f"cannot read image {path}: {error.strerror or error}"
                ) from error
        if data is not None:
            body["file"] = base64.b64encode(data).decode("ascii")
        else:
            body["image_url"] = image_url

        async def find() -> list[Image]:
            return [i for i in await self.list_images(dataset_id) if i.image_name == image_name]

        return await self._create(
            Call("POST", f"/tailored-gen/datasets/{dataset_id}/images", json=body, kind="upload"),
            Image,
            find=find,
            known_ids=known_ids,
            what=f"image {image_name!r}",
        )

    async def update_image_caption(self, dataset_id: int, image_id: int, caption: str) -> Image:
        """Set a manual caption (caption_source becomes manual)."""
        return await self._update(f"/tailored-gen/datasets/{dataset_id}/images/{image_id}",
                                  {"caption": caption}, Image,
                                  lambda: self.get_image(dataset_id, image_id))

    async def regenerate_image_caption(self, dataset_id: int, image_id: int) -> Image:
        """A fresh automatic caption from the image and the current caption_prefix."""
        return await self._update(f"/tailored-gen/datasets/{dataset_id}/images/{image_id}",
                                  {"regenerate_caption": True}, Image,
                                  lambda: self.get_image(dataset_id, image_id))

    async def delete_image(self, dataset_id: int, image_id: int) -> None:
        await self._delete(f"/tailored-gen/datasets/{dataset_id}/images/{image_id}")

    async def regenerate_all_captions(self, dataset_id: int) -> None:
        """Start re-captioning every image (asynchronous: poll get_dataset until completed).

        After a lost answer, a dataset whose captions are `in_progress` proves the call took
        effect; otherwise it is sent again (re-captioning twice is harmless).
        """

        async def running() -> Settled[None] | None:
            dataset = await self.get_dataset(dataset_id, max_images=1)
            return Settled(None) if dataset.captions_update_status == "in_progress" else None

        await self._t.request(
            Call("PUT", f"/tailored-gen/datasets/{dataset_id}/images"),
            _nothing,
            idempotent=False,
            recover=running,
            settle_error=_check_on_refusal(running),
        )

    async def bulk_upload(
        self,
        dataset_id: int,
        zip_url: str,
        automatic_captioning: bool | None = True,
        content_moderation: bool = False,
    ) -> None:
        """Start the one bulk upload of an empty advanced dataset from a ZIP Bria can fetch
        (poll bulk_upload_status for its progress). `automatic_captioning` None leaves the
        field out: Bria's current operation (FIBO) has only zip_url and content_moderation."""

        async def started() -> Settled[None] | None:
            try:
                await self.bulk_upload_status(dataset_id)
            except NotFound:
                return None
            return Settled(None)

        await self._t.request(
            Call(
                "POST",
                f"/tailored-gen/datasets/{dataset_id}/images/bulk-upload",
                json={
                    "zip_url": zip_url,
                    **({} if automatic_captioning is None
                       else {"automatic_captioning": automatic_captioning}),
                    "content_moderation": content_moderation,
                },
                kind="upload",
            ),
            _nothing,
            idempotent=False,
            recover=started,
            settle_error=_check_on_refusal(started),
        )

    async def bulk_upload_status(self, dataset_id: int) -> BulkUploadStatus:
        return await self._get(f"/tailored-gen/datasets/{dataset_id}/images/bulk-upload/status",
                               one(BulkUploadStatus))

    # ------------------------------------------------------------------ models

    async def list_models(self, include_training_parameters: bool = False) -> Listing[Model]:
        """Every model except Deleted ones."""
        return await self._get(
            "/tailored-gen/models",
            many(Model, Kind.MODEL),
            params={"include_training_parameters": _flag(include_training_parameters)},
        )

    async def list_project_models(
        self, project_id: int, include_training_parameters: bool = False
    ) -> Listing[Model]:
        return await self._get(
            f"/tailored-gen/projects/{project_id}/models",
            many(Model, Kind.MODEL),
            params={"include_training_parameters": _flag(include_training_parameters)},
        )

    async def get_model(self, model_id: int) -> Model:
        """The full model, also when Deleted."""
        return await self._get(f"/tailored-gen/models/{model_id}", one(Model))

    async def create_model(
        self, request: CreateModelRequest, *, known_ids: Collection[int] | None = None
    ) -> Model:
        """Create a model (status Created); `known_ids`: same-named models on the dataset."""

        async def find() -> list[Model]:
            return [m for m in await self.list_models()
                    if m.name == request.name and m.dataset_id == request.dataset_id]

        return await self._create(
            Call("POST", "/tailored-gen/models", json=request.body()),
            Model,
            find=find,
            known_ids=known_ids,
            what=f"model {request.name!r}",
        )

    async def update_model(self, model_id: int, request: UpdateModelRequest) -> None:
        """Rename or describe. Bria answers a partial model: get_model for the whole."""
        await self._t.request(Call("PUT", f"/tailored-gen/models/{model_id}",
                                   json=request.body()), _nothing, idempotent=True)

    async def delete_model(self, model_id: int) -> None:
        """Bria marks the model Deleted; repeating it is harmless."""
        await self._delete(f"/tailored-gen/models/{model_id}")

    async def start_training(
        self, model_id: int, params: Mapping[str, object] | None = None
    ) -> Model:
        """Start training (expert parameters only for expert models). Never starts twice."""

        async def started() -> Settled[Model | None] | None:
            model = await self.get_model(model_id)
            return Settled(model) if model.status in TRAINING_STARTED else None

        answer: Model | None = await self._t.request(
            Call("POST", f"/tailored-gen/models/{model_id}/start_training",
                 json=dict(params or {})),
            maybe(Model),
            idempotent=False,
            recover=started,
            settle_error=_check_on_refusal(started),
        )
        return answer if answer is not None else await self.get_model(model_id)

    async def stop_training(self, model_id: int) -> None:
        """Ask a running training to stop (status Stopping, then Stopped; poll get_model)."""

        async def stopped() -> Settled[None] | None:
            model = await self.get_model(model_id)
            return Settled(None) if model.status in ("Stopping", "Stopped") else None

        await self._t.request(
            Call("POST", f"/tailored-gen/models/{model_id}/stop_training"),
            _nothing,
            idempotent=False,
            recover=stopped,
            settle_error=_check_on_refusal(stopped),
        )

    async def list_checkpoints(self, model_id: int) -> CheckpointList:
        return await self._get(f"/tailored-gen/models/{model_id}/checkpoints",
                               one(CheckpointList))

    async def get_checkpoint(self, model_id: int, checkpoint_step: int) -> Checkpoint:
        return await self._get(f"/tailored-gen/models/{model_id}/checkpoints/{checkpoint_step}",
                               one(Checkpoint))

    async def delete_checkpoint(self, model_id: int, checkpoint_step: int) -> None:
        await self._delete(f"/tailored-gen/models/{model_id}/checkpoints/{checkpoint_step}")

    async def upload_model(
        self, request: UploadModelRequest, *, known_ids: Collection[int] | None = None
    ) -> Model:
        """Register a .safetensors model Bria fetches from `model_url` (status syncing).

        With `project_parameters` Bria also creates the project; after a lost answer the
        model is looked for in new projects of that name (`known_ids` is then ignored).
        """
        if (request.project_id is None) == (request.project_parameters is None):
            raise ValueError("give exactly one of project_id or project_parameters")
        call = Call("POST", "/tailored-gen/models/upload_model", json=request.body(),
                    kind="upload")
        what = f"uploaded model {request.model_name!r}"
        project_id = request.project_id
        if project_id is not None:

            async def find_in_project() -> list[Model]:
                return [m for m in await self.list_project_models(project_id)
                        if m.name == request.model_name]

            return await self._create(call, Model, find=find_in_project,
                                      known_ids=known_ids, what=what)

        assert request.project_parameters is not None
        project_name = request.project_parameters.project_name
        old_projects = {p.id for p in await self.list_projects()
                        if p.project_name == project_name}

        async def find_in_new_project() -> list[Model]:
            found: list[Model] = []
            for project in await self.list_projects():
                if project.project_name == project_name and project.id not in old_projects:
                    found.extend(m for m in await self.list_project_models(project.id)
                                 if m.name == request.model_name)
            return found

        return await self._create(call, Model, find=find_in_new_project,
                                  known_ids=(), what=what)

    async def download_model(self, model_id: int) -> ModelDownload:
        return await self._get(f"/tailored-gen/models/{model_id}/download", one(ModelDownload))

    # ------------------------------------------------------------------ generation

    async def generate_tailored(
        self,
        model_id: int,
        prompt: str,
        checkpoint_step: int | None = None,
        **fields: object,
    ) -> GenerationResult:
        """v1 text-to-image with a legacy tailored model (or one of its checkpoints); FIBO
        models generate with `generate_image` (v2).

        `fields` are passed as Bria's request fields (num_results, aspect_ratio, seed, …).
        Generation creates no resource, so it is retried after a lost answer.
        """
        path = f"/text-to-image/tailored/{model_id}"
        if checkpoint_step is not None:
            path += f"/{checkpoint_step}"
        return await self._t.request(
            Call("POST", path, json={"prompt": prompt, **fields}, kind="generation"),
            one(GenerationResult),
            idempotent=True,
        )
