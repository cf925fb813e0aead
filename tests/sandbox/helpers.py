"""Builders and assertions for sandbox tests: images, resources, and the constraint registry."""

from __future__ import annotations

import base64
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from PIL import Image

from tests.conftest import SANDBOX_BASE_URL, SANDBOX_ORIGIN

COVERED: dict[str, list[str]] = defaultdict(list)
"""Constraint id -> tests that assert it (filled by `covers`, read by the coverage meta-test)."""

F = TypeVar("F", bound=Callable[..., Any])


def covers(*constraint_ids: str) -> Callable[[F], F]:
    """Tag a test as asserting the given constraint ids of REFERENCE section 11."""

    def tag(test: F) -> F:
        for constraint_id in constraint_ids:
            COVERED[constraint_id].append(f"{test.__module__}.{test.__name__}")
        return test

    return tag


def asgi_client(app: Any, token: str | None = "t") -> httpx.AsyncClient:
    """An in-process client on a sandbox app at SANDBOX_BASE_URL, sending `token` unless None."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=SANDBOX_BASE_URL,
        headers={"api_token": token} if token is not None else None,
    )


def image_bytes(
    width: int = 1024,
    height: int = 1024,
    color: tuple[int, int, int] = (40, 90, 160),
    fmt: str = "PNG",
    mode: str = "RGB",
) -> bytes:
    fill: Any = color if mode == "RGB" else (*color, 0)
    buffer = io.BytesIO()
    Image.new(mode, (width, height), fill).save(buffer, format=fmt)
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def png_b64(width: int = 1024, height: int = 1024, seed: int = 0) -> str:
    color = ((seed * 37) % 256, (seed * 91 + 50) % 256, (seed * 13 + 100) % 256)
    return b64(image_bytes(width, height, color))


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def expect_error(response: httpx.Response, status: int, constraint_id: str) -> Any:
    """The refusal's status and rule; its body in one of the shapes Bria documents."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["x-sandbox-constraint-id"] == constraint_id, response.headers
    body: Any = response.json()
    if isinstance(body, str):
        assert body, "a bare JSON string error is not empty"
        return body
    assert body["constraint_id"] == constraint_id, body
    assert ("message" in body) != ("errors" in body), body
    if "message" in body:
        assert isinstance(body["message"], str) and body["message"]
    else:
        assert body["errors"] and all(
            set(e) == {"msg", "field_name", "field_input"} for e in body["errors"]
        )
    return body


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


async def control(
    client: httpx.AsyncClient, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """A call to the sandbox's control routes (outside `/v1`)."""
    origin = str(client.base_url).removesuffix("/").removesuffix("/v1")
    return await client.request(method, f"{origin or SANDBOX_ORIGIN}/_sandbox{path}", **kwargs)


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    ok(await control(client, "POST", "/clock/advance", json={"seconds": seconds}))


async def put_file(client: httpx.AsyncClient, name: str, data: bytes, **params: Any) -> str:
    """Store bytes on the sandbox file host; returns the URL that serves them."""
    response = await control(client, "PUT", f"/files/{name}", content=data, params=params)
    assert response.status_code == 201, response.text
    origin = str(client.base_url).removesuffix("/").removesuffix("/v1")
    return f"{origin}/_sandbox/files/{name}"


async def project(
    client: httpx.AsyncClient,
    ip_type: str = "stylized_scene",
    ip_medium: str = "photography",
    **extra: Any,
) -> dict[str, Any]:
    body = {"project_name": "Proj", "ip_type": ip_type, "ip_medium": ip_medium, **extra}
    result: dict[str, Any] = ok(await client.post("/tailored-gen/projects", json=body), 201)
    return result


async def dataset(
    client: httpx.AsyncClient, project_id: int | None = None, upload_type: str = "basic"
) -> dict[str, Any]:
    if project_id is None:
        project_id = (await project(client))["id"]
    body = {"project_id": project_id, "name": "Set", "upload_type": upload_type}
    result: dict[str, Any] = ok(await client.post("/tailored-gen/datasets", json=body), 201)
    return result


async def upload(client: httpx.AsyncClient, dataset_id: int, seed: int = 0) -> dict[str, Any]:
    response = await client.post(
        f"/tailored-gen/datasets/{dataset_id}/images", json={"file": png_b64(seed=seed)}
    )
    result: dict[str, Any] = ok(response, 201)
    return result


async def completed_dataset(client: httpx.AsyncClient, images: int = 1) -> dict[str, Any]:
    created = await dataset(client)
    for seed in range(images):
        await upload(client, created["id"], seed)
    response = await client.put(
        f"/tailored-gen/datasets/{created['id']}", json={"status": "completed"}
    )
    result: dict[str, Any] = ok(response)
    return result


async def model(
    client: httpx.AsyncClient,
    dataset_id: int | None = None,
    mode: str = "fully_automated",
    version: str = "light",
) -> dict[str, Any]:
    if dataset_id is None:
        dataset_id = (await completed_dataset(client))["id"]
    body = {
        "name": "M",
        "dataset_id": dataset_id,
        "training_mode": mode,
        "training_version": version,
    }
    result: dict[str, Any] = ok(await client.post("/tailored-gen/models", json=body), 201)
    return result


async def training_model(
    client: httpx.AsyncClient, mode: str = "fully_automated", **params: Any
) -> dict[str, Any]:
    created = await model(client, mode=mode)
    response = await client.post(
        f"/tailored-gen/models/{created['id']}/start_training", json=params
    )
    result: dict[str, Any] = ok(response)
    assert result["status"] == "InProgress"
    return result


async def trained_model(
    client: httpx.AsyncClient, mode: str = "fully_automated", **params: Any
) -> dict[str, Any]:
    created = await training_model(client, mode=mode, **params)
    await advance(client, 31)
    result: dict[str, Any] = ok(await client.get(f"/tailored-gen/models/{created['id']}"))
    assert result["status"] == "Completed"
    return result
