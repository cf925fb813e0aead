"""A completed FIBO dataset's new version by Clone Dataset As Draft: the copy inherits the
generated schema, which the state keeps, and an explicit JSON caption that Bria's clone answer
reports as automatic (as its published answer says of every copy) is set again, as JSON text."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from reconciler.addresses import Address
from reconciler.plan.model import Action, StepKind
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio

KEPT = {"subjects": "a fox waving", "style": "flat"}
EDITED = {"subjects": "a fox asleep", "style": "flat"}
AUTOMATIC = json.dumps({"subjects": "something Bria saw"})


class AutomaticCopies(httpx.AsyncBaseTransport):
    """Bria's published clone answer: every copy's caption automatic. Records caption PUTs."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.caption_puts: list[tuple[str, dict[str, Any]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        path = request.url.path
        if request.method == "PUT" and "/images/" in path:
            self.caption_puts.append((path, json.loads(request.content)))
        if request.method == "POST" and path.endswith("/clone") and response.status_code < 300:
            body = json.loads(await response.aread())
            for image in body.get("images") or []:
                image.update(caption=AUTOMATIC, caption_source="automatic")
            return httpx.Response(response.status_code, json=body)
        return response


def write_fibo(env: Env, edited: dict[str, str]) -> None:
    seed_images(env.root, "acme", 6)
    folder = env.root / "images" / "acme"
    (folder / "img-01.json").write_text(json.dumps(edited))
    (folder / "img-02.json").write_text(json.dumps(KEPT))
    body = simple_project(models={})
    body["datasets"]["v1"].update({"training_version": "fibo", "visual_schema": "auto"})
    write_manifest(env.root, "acme", body)


async def test_a_fibo_clone_keeps_its_schema_and_explicit_json_captions(env: Env) -> None:
    write_fibo(env, KEPT)
    _, first = await env.apply()
    assert first.ok, first.failed
    address = Address("acme", dataset="v1")
    schema = env.store.read().get(address).attributes["visual_schema"]  # type: ignore[union-attr]
    assert isinstance(schema, dict) and schema

    write_fibo(env, EDITED)
    answers = AutomaticCopies(env.transport.inner)
    env.transport.inner = answers
    plan, second = await env.apply()
    assert second.ok, second.failed
    (change,) = [c for c in plan.changes if c.address == address]
    assert change.action is Action.REPLACE
    assert change.steps[0].kind is StepKind.CLONE_DATASET

    entry = env.store.read().get(address)
    assert entry is not None
    assert entry.attributes["visual_schema"] == schema, "the copy's inherited schema is kept"
    copies = {
        i["image_name"]: i
        for i in await env.live(f"/tailored-gen/datasets/{entry.remote_id}/images")
    }
    kept_path = f"/v1/tailored-gen/datasets/{entry.remote_id}/images/{copies['img-02.png']['id']}"
    sent = [body for path, body in answers.caption_puts if path == kept_path]
    assert sent == [{"caption": json.dumps(KEPT, sort_keys=True)}]
    assert json.loads(copies["img-01.png"]["caption"]) == EDITED
    assert json.loads(copies["img-02.png"]["caption"]) == KEPT

    env.transport.inner = answers.inner
    again = await env.plan()
    assert [c.address for c in again.changes if c.action is not Action.NO_OP] == []
