"""Projects, auth and caption-prefix rules (REFERENCE sections 0, 4, 5), in-process."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.helpers import (
    asgi_client,
    b64,
    covers,
    expect_error,
    image_bytes,
    ok,
    png_b64,
    project,
    put_file,
    training_model,
)
from tests.sandbox.helpers import control as control_call

pytestmark = pytest.mark.anyio
PROJECTS = "/tailored-gen/projects"


@covers("AUTH-TOKEN")
async def test_missing_token_is_refused(sandbox_http: httpx.AsyncClient) -> None:
    response = await sandbox_http.get(PROJECTS, headers={"api_token": ""})
    expect_error(response, 401, "AUTH-TOKEN")
    bare = httpx.AsyncClient(transport=sandbox_http._transport, base_url=sandbox_http.base_url)
    async with bare:
        expect_error(await bare.post(PROJECTS, json={}), 401, "AUTH-TOKEN")


@covers("AUTH-TOKEN")
async def test_unknown_token_is_refused_when_tokens_are_configured() -> None:
    from reconciler.sandbox.app import create_app

    async with asgi_client(create_app(api_tokens=frozenset({"good"})), token=None) as c:
        expect_error(await c.get(PROJECTS, headers={"api_token": "bad"}), 401, "AUTH-TOKEN")
        assert (await c.get(PROJECTS, headers={"api_token": "good"})).status_code == 200


async def test_project_crud_round_trip(sandbox_http: httpx.AsyncClient) -> None:
    assert ok(await sandbox_http.get(PROJECTS)) == []
    created = await project(
        sandbox_http, "defined_character", ip_name="Lora", ip_description="a girl with purple hair"
    )
    assert created["id"] == 1 and created["status"] == "active"
    assert created["project_description"] == "" and created["created_at"].endswith("Z")
    second = await project(sandbox_http)
    assert second["id"] == 2
    assert [p["id"] for p in ok(await sandbox_http.get(PROJECTS))] == [1, 2]
    updated = ok(await sandbox_http.put(f"{PROJECTS}/1", json={"project_name": "Renamed"}))
    assert updated["project_name"] == "Renamed" and updated["ip_name"] == "Lora"
    assert (await sandbox_http.delete(f"{PROJECTS}/1")).status_code == 204
    expect_error(await sandbox_http.get(f"{PROJECTS}/1"), 404, "NOT-FOUND")
    third = await project(sandbox_http)
    assert third["id"] == 3, "ids are never reused"
    expect_error(await sandbox_http.get(f"{PROJECTS}/abc"), 404, "NOT-FOUND")


@pytest.mark.parametrize(
    ("body", "constraint_id"),
    [
        ({"ip_type": "icons", "ip_medium": "illustration"}, "PRJ-NAME-REQUIRED"),
        (
            {"project_name": "", "ip_type": "icons", "ip_medium": "illustration"},
            "PRJ-NAME-REQUIRED",
        ),
        ({"project_name": "p", "ip_medium": "illustration"}, "PRJ-IP-TYPE-ENUM"),
        ({"project_name": "p", "ip_type": "icons"}, "PRJ-IP-MEDIUM-ENUM"),
        ({"project_name": "p", "ip_type": "icons", "ip_medium": "video"}, "PRJ-IP-MEDIUM-ENUM"),
        (
            {"project_name": "p", "ip_type": "icons", "ip_medium": "photography"},
            "PRJ-MEDIUM-ILLUSTRATION-ONLY",
        ),
        (
            {"project_name": "p", "ip_type": "character_variants", "ip_medium": "photography"},
            "PRJ-MEDIUM-ILLUSTRATION-ONLY",
        ),
        (
            {
                "project_name": "p",
                "ip_type": "defined_character",
                "ip_medium": "photography",
                "ip_description": "x",
            },
            "PRJ-IP-NAME-REQUIRED",
        ),
        (
            {
                "project_name": "p",
                "ip_type": "defined_character",
                "ip_medium": "photography",
                "ip_name": "Lora",
            },
            "PRJ-IP-DESC-REQUIRED",
        ),
        (
            {"project_name": "p", "ip_type": "object_variants", "ip_medium": "illustration"},
            "PRJ-IP-DESC-REQUIRED",
        ),
    ],
)
async def test_create_project_validation(
    sandbox_http: httpx.AsyncClient, body: dict[str, Any], constraint_id: str
) -> None:
    expect_error(await sandbox_http.post(PROJECTS, json=body), 400, constraint_id)


covers(
    "PRJ-NAME-REQUIRED",
    "PRJ-IP-TYPE-ENUM",
    "PRJ-IP-MEDIUM-ENUM",
    "PRJ-MEDIUM-ILLUSTRATION-ONLY",
    "PRJ-IP-NAME-REQUIRED",
    "PRJ-IP-DESC-REQUIRED",
)(test_create_project_validation)


@covers("PRJ-UPDATE-IMMUTABLE", "PRJ-IP-NAME-REQUIRED")
async def test_update_project_rules(sandbox_http: httpx.AsyncClient) -> None:
    created = await project(sandbox_http, "defined_character", ip_name="Lora", ip_description="d")
    url = f"{PROJECTS}/{created['id']}"
    expect_error(
        await sandbox_http.put(url, json={"ip_type": "icons"}), 400, "PRJ-UPDATE-IMMUTABLE"
    )
    expect_error(
        await sandbox_http.put(url, json={"ip_medium": "photography"}), 400, "PRJ-UPDATE-IMMUTABLE"
    )
    expect_error(await sandbox_http.put(url, json={"ip_name": None}), 400, "PRJ-IP-NAME-REQUIRED")
    expect_error(await sandbox_http.put(url, content=b"{oops"), 400, "BODY-JSON")


@covers("PRJ-DELETE-TRAINING")
async def test_project_delete_refused_while_training_then_cascades(
    sandbox_http: httpx.AsyncClient,
) -> None:
    trained = await training_model(sandbox_http)
    project_url = f"{PROJECTS}/{trained['project_id']}"
    expect_error(await sandbox_http.delete(project_url), 409, "PRJ-DELETE-TRAINING")
    ok(await sandbox_http.post(f"/tailored-gen/models/{trained['id']}/stop_training"))
    expect_error(await sandbox_http.delete(project_url), 409, "PRJ-DELETE-TRAINING")
    ok(await control_call(sandbox_http, "POST", "/clock/advance", json={"seconds": 2}))
    assert (await sandbox_http.delete(project_url)).status_code == 204
    dataset_url = f"/tailored-gen/datasets/{trained['dataset_id']}"
    expect_error(await sandbox_http.get(dataset_url), 404, "NOT-FOUND")
    expect_error(await sandbox_http.get(f"/tailored-gen/models/{trained['id']}"), 404, "NOT-FOUND")


PREFIX = "/tailored-gen/generate_prefix"


def _prefix_body(**extra: Any) -> dict[str, Any]:
    return {
        "ip_type": "stylized_scene",
        "ip_medium": "illustration",
        "images": [png_b64(256, 256)],
        **extra,
    }


async def test_generate_prefix_is_deterministic(sandbox_http: httpx.AsyncClient) -> None:
    first = ok(await sandbox_http.post(PREFIX, json=_prefix_body()))
    again = ok(await sandbox_http.post(PREFIX, json=_prefix_body()))
    assert first == again and first["prefix"].startswith("An illustration of stylized scene, ")
    named = ok(
        await sandbox_http.post(
            PREFIX,
            json=_prefix_body(ip_type="defined_character", ip_name="Lora", ip_medium="photography"),
        )
    )
    assert named["prefix"].startswith("A photo of Lora, ")


@covers("PFX-IP-TYPE-SUPPORTED", "PFX-IMAGES-XOR", "PFX-IMAGES-1-6")
async def test_generate_prefix_request_rules(sandbox_http: httpx.AsyncClient) -> None:
    expect_error(
        await sandbox_http.post(PREFIX, json=_prefix_body(ip_type="icons")),
        400,
        "PFX-IP-TYPE-SUPPORTED",
    )
    url = await put_file(sandbox_http, "p.png", image_bytes(300, 300))
    expect_error(
        await sandbox_http.post(PREFIX, json=_prefix_body(image_urls=[url])), 400, "PFX-IMAGES-XOR"
    )
    expect_error(
        await sandbox_http.post(PREFIX, json=_prefix_body(images=None)), 400, "PFX-IMAGES-XOR"
    )
    expect_error(
        await sandbox_http.post(PREFIX, json=_prefix_body(images=[])), 400, "PFX-IMAGES-1-6"
    )
    seven = [png_b64(256, 256, seed=i) for i in range(7)]
    expect_error(
        await sandbox_http.post(PREFIX, json=_prefix_body(images=seven)), 400, "PFX-IMAGES-1-6"
    )
    by_url = _prefix_body(images=None, image_urls=[url])
    assert ok(await sandbox_http.post(PREFIX, json=by_url))["prefix"]


@covers("PFX-IMAGE-INVALID", "PFX-MODERATION")
async def test_generate_prefix_image_rules(sandbox_http: httpx.AsyncClient) -> None:
    gif = image_bytes(300, 300, fmt="GIF", mode="RGB")
    body = _prefix_body(images=[png_b64(300, 300), b64(gif)])
    expect_error(await sandbox_http.post(PREFIX, json=body), 415, "PFX-IMAGE-INVALID")
    truncated = image_bytes(300, 300)[:200]
    expect_error(
        await sandbox_http.post(PREFIX, json=_prefix_body(images=[b64(truncated)])),
        400,
        "PFX-IMAGE-INVALID",
    )
    unreachable = _prefix_body(images=None, image_urls=["https://example.com/a.png"])
    expect_error(await sandbox_http.post(PREFIX, json=unreachable), 422, "PFX-IMAGE-INVALID")
    import hashlib

    blocked = image_bytes(300, 300, color=(1, 2, 3))
    digest = hashlib.sha256(blocked).hexdigest()
    ok(await control_call(sandbox_http, "PUT", "/faults", json={"moderation_block": [digest]}))
    moderated = _prefix_body(images=[b64(blocked)], content_moderation=True)
    expect_error(await sandbox_http.post(PREFIX, json=moderated), 422, "PFX-MODERATION")
    unmoderated = _prefix_body(images=[b64(blocked)])
    assert ok(await sandbox_http.post(PREFIX, json=unmoderated))["prefix"]
