"""Every client method against the success bodies Bria's published document shows, and
against bodies it does not document (empty, `{}`, text, a partial object).

An httpx MockTransport plays Bria: each route answers a fixed status and body, and every
request is recorded, so a test sees both the result and how many requests it cost.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from reconciler.addresses import Kind
from reconciler.client.api import BriaClient, Listing
from reconciler.client.errors import BadRequest, UnreadableAnswer
from reconciler.client.models import (
    CreateDatasetRequest,
    CreateModelRequest,
    CreateProjectRequest,
    ProjectParameters,
    UpdateDatasetRequest,
    UpdateModelRequest,
    UpdateProjectRequest,
    UploadModelRequest,
)
from reconciler.client.retry import RetryPolicy
from reconciler.secret import Secret

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:9/v1"

# The examples of Bria's published document (tg.yml), as PUBLISHED-OPENAPI.md quotes them.
PROJECT_201 = {
    "id": 123, "project_name": "Branded Character", "project_description": "",
    "ip_name": "Lora", "ip_description": "A female character with purple hair",
    "ip_medium": "illustration", "ip_type": "defined_character", "status": "active",
    "created_at": "2024-05-26T12:00:00Z",
}
PROJECT_LISTED = PROJECT_201 | {"updated_at": "2024-05-26T14:30:00Z"}
DATASET_201 = {
    "id": 456, "project_id": 123, "name": "dataset v1", "visual_schema": None,
    "status": "draft", "captions_update_status": "empty", "upload_type": "basic",
    "created_at": "2024-05-26T12:00:00Z", "updated_at": "2024-05-26T12:00:00Z",
}
IMAGE_LISTED = {
    "id": 789, "dataset_id": 456, "caption": '{"subject": "character standing"}',
    "caption_source": "automatic", "upload_source_url": None, "image_name": "lora_standing.png",
    "image_url": "https://api.example.com/files/lora_standing.png",
    "thumbnail_url": "https://api.example.com/files/lora_standing_thumb.png",
    "created_at": "2024-05-26T12:30:00Z", "updated_at": "2024-05-26T12:30:00Z",
}
IMAGE_201 = IMAGE_LISTED | {"caption": None, "caption_source": "pending"}
DATASET_GOT = DATASET_201 | {
    "visual_schema": '{"style": "...", "colors": "..."}', "status": "completed",
    "captions_update_status": "completed", "images_count": 2, "images": [IMAGE_LISTED],
    "updated_at": "2024-05-26T14:30:00Z",
}
DATASET_LISTED = DATASET_201 | {"images_count": 0}
REGENERATE_202 = {
    "id": 456, "project_id": 123, "name": "dataset v1", "visual_schema": '{"style": "..."}',
    "status": "draft", "captions_update_status": "in_progress",
    "created_at": "2024-05-26T12:00:00Z", "updated_at": "2024-05-26T15:45:00Z",
}
MODEL_201 = {
    "id": 12233, "name": "Test Model", "description": "Test description", "status": "Created",
    "dataset_id": 456, "training_mode": "fully_automated", "project_id": 123,
    "created_at": "2025-08-20T06:06:05.849402", "updated_at": "2025-08-20T06:06:05.849404",
    "active_model_version": "default", "training_parameters": {}, "checkpoint_steps": [],
}
MODEL_LISTED = [
    {"id": 789, "name": "Lora Character Model", "description": "A model", "status": "Completed",
     "training_mode": "fully_automated", "active_model_version": "default",
     "training_parameters": {}, "checkpoint_steps": [], "project_id": 123, "dataset_id": 456,
     "created_at": "2024-05-26T12:00:00Z"},
    {"id": 790, "name": "Max Character Model", "description": "A model", "status": "Completed",
     "training_mode": "expert", "active_model_version": "1500",
     "training_parameters": {"learning_rate": 0.001, "lr_scheduler": "constant",
                             "lr_warmup_steps": None, "rank": 128, "total_training_steps": 1500},
     "checkpoint_steps": ["1500", "1000", "500"], "project_id": 123, "dataset_id": 457,
     "created_at": "2024-05-27T09:00:00Z"},
]
MODEL_GOT = MODEL_LISTED[0]
MODEL_UPDATED = {
    "id": 789, "name": "Updated Lora Character Model", "description": "An updated model",
    "status": "Completed", "project_id": 123, "dataset_id": 456,
    "created_at": "2024-05-26T12:00:00Z",
}
TRAINING_200 = MODEL_201 | {
    "id": 12242, "status": "InProgress", "training_mode": "expert", "custom_metadata": "",
    "training_parameters": {"learning_rate": 0.0001, "lr_scheduler": "constant_with_warmup",
                            "rank": 128, "total_training_steps": 750,
                            "checkpoint_interval": 500, "lr_warmup_steps": 100},
}
UPLOADED_200 = {
    "id": 789, "name": "Lora Character Model", "description": "A model trained on my character",
    "status": "Completed", "project_id": 123, "dataset_id": 456,
    "created_at": "2024-05-26T12:00:00Z",
}
BULK_STATUS = {
    "status": "processing", "progress_percentage": 40, "total_processed": 4, "done": 3,
    "failed": 1, "failed_images": [{"filename": "a.png", "error_code": 412,
                                    "error_message": "resolution too low"}],
}
CHECKPOINTS = {
    "checkpoints": [{"checkpoint_step": 100, "training_job_id": 12242,
                     "created_at": "2025-08-20T10:04:13.827379"}],
    "active_model_version": "100",
}
MODEL_DOWNLOAD = {
    "download_url": "https://download-url-for-tailored-model.com",
    "base_model_name": "BRIA-FIBO", "base_model_card": "https://huggingface.co/briaai/BRIA-FIBO",
}
DATASET_DOWNLOAD = {"download_url": "https://example.com/d.zip"}

UNDOCUMENTED = [b"", b"{}", b"OK", b'{"id": 1}', b"null"]
"""Success bodies Bria does not document, each of which a client must survive."""

Answer = tuple[int, bytes]


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


@dataclass
class FakeBria:
    """Routes `METHOD /path` to (status, body); unrouted requests answer 599 (a test bug)."""

    routes: dict[str, Answer | list[Answer]] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {request.url.path.removeprefix('/v1')}"
        self.sent.append(key)
        answer = self.routes.get(key, (599, b"unrouted"))
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        status, body = answer
        return httpx.Response(status, content=body)

    def client(self) -> BriaClient:
        return BriaClient(
            BASE, Secret("t0ken"), transport=httpx.MockTransport(self.handle),
            retry=RetryPolicy(max_attempts=1),
        )


Call = Callable[[BriaClient], Awaitable[Any]]


async def _run(bria: FakeBria, call: Call) -> Any:
    async with bria.client() as client:
        return await call(client)


# ------------------------------------------------------------------ writes without a body


NO_BODY_WRITES: dict[str, tuple[str, int, bytes | None, Call]] = {
    # name: (route, documented status, documented body or None, call)
    "stop_training": ("POST /tailored-gen/models/7/stop_training", 200, None,
                      lambda c: c.stop_training(7)),
    "bulk_upload": ("POST /tailored-gen/datasets/4/images/bulk-upload", 202, None,
                    lambda c: c.bulk_upload(4, "https://example.com/z.zip")),
    "regenerate_all_captions": ("PUT /tailored-gen/datasets/4/images", 202,
                                _json(REGENERATE_202), lambda c: c.regenerate_all_captions(4)),
    "update_model": ("PUT /tailored-gen/models/7", 200, _json(MODEL_UPDATED),
                     lambda c: c.update_model(7, UpdateModelRequest(name="n"))),
    "delete_project": ("DELETE /tailored-gen/projects/1", 204, None,
                       lambda c: c.delete_project(1)),
    "delete_dataset": ("DELETE /tailored-gen/datasets/4", 204, None,
                       lambda c: c.delete_dataset(4)),
    "delete_image": ("DELETE /tailored-gen/datasets/4/images/9", 204, None,
                     lambda c: c.delete_image(4, 9)),
    "delete_model": ("DELETE /tailored-gen/models/7", 204, None, lambda c: c.delete_model(7)),
    "delete_checkpoint": ("DELETE /tailored-gen/models/7/checkpoints/500", 204, None,
                          lambda c: c.delete_checkpoint(7, 500)),
}


def _no_body_cases() -> list[Any]:
    cases = []
    for name, (route, status, documented, call) in NO_BODY_WRITES.items():
        bodies = ([documented] if documented is not None else []) + UNDOCUMENTED
        for index, body in enumerate(bodies):
            cases.append(pytest.param(route, status, body, call, id=f"{name}-{index}"))
    return cases


@pytest.mark.parametrize(("route", "status", "body", "call"), _no_body_cases())
async def test_writes_rely_on_no_body(route: str, status: int, body: bytes, call: Call) -> None:
    """Each succeeds with the documented body and any other, in exactly one request."""
    bria = FakeBria({route: (status, body)})
    assert await _run(bria, call) is None
    assert bria.sent == [route]


# ------------------------------------------------------------------ updates and start


UPDATES: dict[str, tuple[str, bytes, str, bytes, Call, Callable[[Any], object]]] = {
    # name: (route, documented body, re-read route, re-read body, call, what to compare)
    "update_project": (
        "PUT /tailored-gen/projects/123", _json(PROJECT_201 | {"ip_description": "A girl"}),
        "GET /tailored-gen/projects/123", _json(PROJECT_201 | {"ip_description": "A girl"}),
        lambda c: c.update_project(123, UpdateProjectRequest(ip_description="A girl")),
        lambda r: r.ip_description,
    ),
    "update_dataset": (
        "PUT /tailored-gen/datasets/456", _json(DATASET_201 | {"name": "v2"}),
        "GET /tailored-gen/datasets/456", _json(DATASET_GOT | {"name": "v2"}),
        lambda c: c.update_dataset(456, UpdateDatasetRequest(name="v2")),
        lambda r: r.name,
    ),
    "update_image_caption": (
        "PUT /tailored-gen/datasets/456/images/789",
        _json(IMAGE_LISTED | {"caption": '{"a": 1}', "caption_source": "manual"}),
        "GET /tailored-gen/datasets/456/images/789",
        _json(IMAGE_LISTED | {"caption": '{"a": 1}', "caption_source": "manual"}),
        lambda c: c.update_image_caption(456, 789, '{"a": 1}'),
        lambda r: (r.caption, r.caption_source),
    ),
    "regenerate_image_caption": (
        "PUT /tailored-gen/datasets/456/images/789", _json(IMAGE_LISTED),
        "GET /tailored-gen/datasets/456/images/789", _json(IMAGE_LISTED),
        lambda c: c.regenerate_image_caption(456, 789),
        lambda r: (r.caption, r.caption_source),
    ),
    "start_training": (
        "POST /tailored-gen/models/12242/start_training", _json(TRAINING_200),
        "GET /tailored-gen/models/12242", _json(TRAINING_200),
        lambda c: c.start_training(12242, {"rank": 128}),
        lambda r: (r.status, r.training_parameters["total_training_steps"]),
    ),
}


def _update_cases() -> list[Any]:
    cases = []
    for name, (route, documented, reread, reread_body, call, seen) in UPDATES.items():
        for index, body in enumerate([documented, *UNDOCUMENTED]):
            cases.append(pytest.param(route, body, reread, reread_body, call, seen,
                                      index == 0, id=f"{name}-{index}"))
    return cases


@pytest.mark.parametrize(
    ("route", "body", "reread", "reread_body", "call", "seen", "documented"), _update_cases()
)
async def test_updates_read_the_object_when_the_answer_holds_none(
    route: str, body: bytes, reread: str, reread_body: bytes, call: Call,
    seen: Callable[[Any], object], documented: bool,
) -> None:
    status = 200
    bria = FakeBria({route: (status, body), reread: (200, reread_body)})
    result = await _run(bria, call)
    expected = await _run(FakeBria({route: (200, reread_body)}), call)
    assert seen(result) == seen(expected)
    assert bria.sent == ([route] if documented else [route, reread])


# ------------------------------------------------------------------ creates


CREATES: dict[str, tuple[str, int, dict[str, Any], str, Call]] = {
    # name: (route, status, documented body, list route, call)
    "create_project": (
        "POST /tailored-gen/projects", 201, PROJECT_201, "GET /tailored-gen/projects",
        lambda c: c.create_project(CreateProjectRequest(
            project_name="Branded Character", ip_medium="illustration",
            ip_type="defined_character", ip_name="Lora")),
    ),
    "create_dataset": (
        "POST /tailored-gen/datasets", 201, DATASET_201,
        "GET /tailored-gen/projects/123/datasets",
        lambda c: c.create_dataset(CreateDatasetRequest(project_id=123, name="dataset v1")),
    ),
    "upload_image": (
        "POST /tailored-gen/datasets/456/images", 201, IMAGE_201,
        "GET /tailored-gen/datasets/456/images",
        lambda c: c.upload_image(456, image_url="https://example.com/a.png",
                                 image_name="lora_standing.png", increase_resolution=True),
    ),
    "create_model": (
        "POST /tailored-gen/models", 201, MODEL_201 | {"name": "Test Model"},
        "GET /tailored-gen/models",
        lambda c: c.create_model(CreateModelRequest(
            name="Test Model", dataset_id=456, training_mode="fully_automated",
            training_version="max")),
    ),
    "upload_model": (
        "POST /tailored-gen/models/upload_model", 200, UPLOADED_200,
        "GET /tailored-gen/projects/123/models",
        lambda c: c.upload_model(UploadModelRequest(
            model_url="https://example.com/m.safetensors", model_name="Lora Character Model",
            training_version="bria-3.2", project_id=123)),
    ),
}


def _create_cases() -> list[Any]:
    cases = []
    for name, (route, status, documented, listing, call) in CREATES.items():
        for index, body in enumerate([_json(documented), *UNDOCUMENTED]):
            cases.append(pytest.param(route, status, documented, listing, call, body,
                                      id=f"{name}-{index}"))
    return cases


@pytest.mark.parametrize(("route", "status", "documented", "listing", "call", "body"),
                         _create_cases())
async def test_creates_find_the_new_object_when_the_answer_holds_none(
    route: str, status: int, documented: dict[str, Any], listing: str, call: Call, body: bytes
) -> None:
    """Before: no such object; the create answers `body`; after: the list shows it."""
    bria = FakeBria({route: (status, body), listing: [(200, b"[]"), (200, _json([documented]))]})
    made = await _run(bria, call)
    assert made.id == documented["id"]
    expected = [listing, route] if body == _json(documented) else [listing, route, listing]
    assert bria.sent == expected


async def test_a_create_whose_answer_and_object_are_both_missing_is_our_error() -> None:
    bria = FakeBria({"POST /tailored-gen/projects": (201, b""),
                     "GET /tailored-gen/projects": (200, b"[]")})
    with pytest.raises(UnreadableAnswer) as caught:
        await _run(bria, CREATES["create_project"][4])
    assert "Bria answered 201 to POST /tailored-gen/projects" in str(caught.value)
    assert caught.value.hint


async def test_upload_model_sends_the_current_fields() -> None:
    seen: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            seen.append(json.loads(request.content))
            return httpx.Response(200, json=UPLOADED_200)
        return httpx.Response(200, json=[])

    async with BriaClient(BASE, Secret("t"), transport=httpx.MockTransport(handle)) as c:
        await c.upload_model(UploadModelRequest(
            model_url="https://example.com/m.safetensors", model_name="m",
            training_version="bria-2.3", caption_prefix="A photo of ",
            project_parameters=ProjectParameters(project_name="p", ip_medium="photography")))
    assert seen == [{
        "model_url": "https://example.com/m.safetensors", "model_name": "m",
        "training_version": "bria-2.3", "caption_prefix": "A photo of ",
        "project_parameters": {"project_name": "p", "ip_medium": "photography"},
    }]


# ------------------------------------------------------------------ reads


READS: dict[str, tuple[str, object, Call, Callable[[Any], object], object]] = {
    "list_projects": ("GET /tailored-gen/projects", [PROJECT_LISTED],
                      lambda c: c.list_projects(), lambda r: [p.id for p in r], [123]),
    "get_project": ("GET /tailored-gen/projects/123", PROJECT_201,
                    lambda c: c.get_project(123), lambda r: r.training_version, None),
    "list_datasets": ("GET /tailored-gen/datasets", [DATASET_LISTED],
                      lambda c: c.list_datasets(), lambda r: [d.caption_prefix for d in r], [None]),
    "get_dataset": ("GET /tailored-gen/datasets/456", DATASET_GOT,
                    lambda c: c.get_dataset(456),
                    lambda r: (r.images_count, r.images[0].upload_source_url), (2, None)),
    "list_images": ("GET /tailored-gen/datasets/456/images", [IMAGE_LISTED, IMAGE_201],
                    lambda c: c.list_images(456), lambda r: [i.caption_source for i in r],
                    ["automatic", "pending"]),
    "get_image": ("GET /tailored-gen/datasets/456/images/789", IMAGE_LISTED,
                  lambda c: c.get_image(456, 789), lambda r: r.image_name, "lora_standing.png"),
    "list_models": ("GET /tailored-gen/models", MODEL_LISTED, lambda c: c.list_models(True),
                    lambda r: [m.checkpoint_steps for m in r], [[], ["1500", "1000", "500"]]),
    "get_model": ("GET /tailored-gen/models/789", MODEL_GOT, lambda c: c.get_model(789),
                  lambda r: (r.updated_at, r.training_version), (None, None)),
    "bulk_upload_status": ("GET /tailored-gen/datasets/4/images/bulk-upload/status",
                           BULK_STATUS, lambda c: c.bulk_upload_status(4),
                           lambda r: r.failed_images[0].error_code, 412),
    "list_checkpoints": ("GET /tailored-gen/models/7/checkpoints", CHECKPOINTS,
                         lambda c: c.list_checkpoints(7), lambda r: r.active_model_version, "100"),
    "get_checkpoint": ("GET /tailored-gen/models/7/checkpoints/100", CHECKPOINTS["checkpoints"][0],
                       lambda c: c.get_checkpoint(7, 100), lambda r: r.training_job_id, 12242),
    "download_model": ("GET /tailored-gen/models/7/download", MODEL_DOWNLOAD,
                       lambda c: c.download_model(7), lambda r: r.base_model_name, "BRIA-FIBO"),
    "download_dataset": ("GET /datasets/4/download", DATASET_DOWNLOAD,
                         lambda c: c.download_dataset(4), lambda r: r.captions_url, None),
}


@pytest.mark.parametrize(("route", "body", "call", "seen", "expected"), READS.values(),
                         ids=list(READS))
async def test_reads_accept_the_documented_bodies(
    route: str, body: object, call: Call, seen: Callable[[Any], object], expected: object
) -> None:
    assert seen(await _run(FakeBria({route: (200, _json(body))}), call)) == expected


@pytest.mark.parametrize("body", [b"", b"OK", b"{}", b'{"id": "x"}', b"[]"])
@pytest.mark.parametrize("name", ["get_project", "get_dataset", "get_model", "get_checkpoint"])
async def test_a_read_whose_body_cannot_be_read_is_our_error(name: str, body: bytes) -> None:
    route, _, call, _, _ = READS[name]
    with pytest.raises(UnreadableAnswer) as caught:
        await _run(FakeBria({route: (200, body)}), call)
    text = str(caught.value)
    assert "Bria answered 200 to GET" in text and "tailor could not read the answer" in text
    assert "t0ken" not in text and "Traceback" not in text


# ------------------------------------------------------------------ lists of mixed objects


async def test_one_unreadable_item_never_fails_the_list() -> None:
    fibo = DATASET_LISTED | {"id": 1, "training_version": "fibo", "caption_prefix": None,
                             "visual_schema": '{"style": "flat"}', "x_new_field": [1, 2]}
    strange = DATASET_LISTED | {"id": 2, "status": "archived", "upload_type": "streaming",
                                "captions_update_status": "queued", "images_count": None}
    broken = DATASET_LISTED | {"id": 3, "name": None}
    nameless = {"project_id": 123}
    body = _json([fibo, strange, broken, nameless, DATASET_LISTED])
    bria = FakeBria({"GET /tailored-gen/datasets": (200, body)})
    listed = await _run(bria, lambda c: c.list_datasets())
    assert isinstance(listed, Listing)
    assert [(d.id, d.status, d.training_version) for d in listed] == [
        (1, "draft", "fibo"), (2, "archived", None), (456, "draft", None)]
    assert (listed[0].caption_prefix, listed[1].images_count) == (None, 0)
    assert [(u.kind, u.remote_id) for u in listed.skipped] == [
        (Kind.DATASET, 3), (Kind.DATASET, None)]
    assert listed.skipped[0].problem.startswith("name: Input should be a valid string")
    assert "id: Field required" in listed.skipped[1].problem


async def test_a_list_answer_that_is_not_a_list_is_our_error() -> None:
    bria = FakeBria({"GET /tailored-gen/models": (200, b'{"models": []}')})
    with pytest.raises(UnreadableAnswer, match="expected a list, got dict"):
        await _run(bria, lambda c: c.list_models())


async def test_models_of_both_generations_read_side_by_side() -> None:
    fibo = MODEL_LISTED[0] | {"id": 5, "training_version": "fibo", "generation_prefix": None}
    legacy = MODEL_LISTED[0] | {"id": 6, "training_version": "Max", "generation_prefix": "A "}
    uploaded = UPLOADED_200 | {"id": 7, "status": "syncing", "dataset_id": None}
    future = MODEL_LISTED[0] | {"id": 8, "status": "Archived", "training_mode": "turbo"}
    bria = FakeBria({"GET /tailored-gen/models": (200, _json([fibo, legacy, uploaded, future]))})
    listed = await _run(bria, lambda c: c.list_models())
    assert [(m.training_version, m.generation_prefix, m.status) for m in listed] == [
        ("fibo", "", "Completed"), ("max", "A ", "Completed"), (None, "", "syncing"),
        (None, "", "Archived")]
    assert listed.skipped == ()


# ------------------------------------------------------------------ refusals after a lost answer


@pytest.mark.parametrize("refusal", [400, 409, 412])
async def test_a_refused_repeat_is_decided_by_a_fresh_read(refusal: int) -> None:
    """The first bulk upload's answer is lost (503) and it has not shown yet (404); the
    repeat is refused (Bria documents 400, REFERENCE assumed 409): a fresh read of the
    bulk-upload status shows the first one started, so the call succeeded."""
    route = "POST /tailored-gen/datasets/4/images/bulk-upload"
    status = "GET /tailored-gen/datasets/4/images/bulk-upload/status"
    bria = FakeBria({route: [(503, b""), (refusal, b"")],
                     status: [(404, b""), (200, _json(BULK_STATUS))]})
    async with BriaClient(BASE, Secret("t"), transport=httpx.MockTransport(bria.handle),
                          retry=RetryPolicy(max_attempts=3, base_delay=0)) as client:
        assert await client.bulk_upload(4, "https://example.com/z.zip") is None
    assert bria.sent == [route, status, route, status]


async def test_a_refused_repeat_with_nothing_done_is_raised_with_brias_text() -> None:
    route = "POST /tailored-gen/models/7/start_training"
    bria = FakeBria({
        route: [(503, b""), (400, b'{"message": "Advanced training parameters are only '
                                   b"supported when training_mode is set to 'expert'.\"}")],
        "GET /tailored-gen/models/7": (200, _json(MODEL_GOT | {"id": 7, "status": "Created"})),
    })
    async with BriaClient(BASE, Secret("t"), transport=httpx.MockTransport(bria.handle),
                          retry=RetryPolicy(max_attempts=3, base_delay=0)) as client:
        with pytest.raises(BadRequest, match="only supported when training_mode is set"):
            await client.start_training(7, {"rank": 8})


async def test_create_dataset_always_names_its_generation() -> None:
    """Bria's default family will change to fibo: tailor never leaves it to the default."""
    seen: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            seen.append(json.loads(request.content))
            return httpx.Response(201, json=DATASET_201)
        return httpx.Response(200, json=[])

    async with BriaClient(BASE, Secret("t"), transport=httpx.MockTransport(handle)) as c:
        await c.create_dataset(CreateDatasetRequest(project_id=123, name="dataset v1"))
    assert seen == [{"project_id": 123, "name": "dataset v1", "training_version": "max"}]
