"""A FIBO advanced dataset applied on the in-process sandbox: the schema set before the one
bulk upload (without one Bria skips captioning, tg L2055), so every image arrives captioned
from it; the NAME.json caption PUT after it, never a caption file in the ZIP; no
`automatic_captioning` sent; the next plan empty."""

from __future__ import annotations

import json

import pytest

from reconciler.plan.model import StepKind
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio

SCHEMA = {"mood": "", "palette": [], "subjects": []}
CAPTION = {"mood": "calm", "palette": ["teal"], "subjects": ["a fox"]}
BULK = "POST /v1/tailored-gen/datasets/{dataset_id}/images/bulk-upload"
UPLOAD = "POST /v1/tailored-gen/datasets/{dataset_id}/images"


async def test_a_fibo_bulk_upload_is_captioned_from_the_schema_set_before_it(env: Env) -> None:
    seed_images(env.root, "acme", 6, size=1024)
    (env.root / "images" / "acme" / "img-02.json").write_text(json.dumps(CAPTION))
    body = simple_project(models={}, upload="advanced")
    body["datasets"]["v1"].update(
        {"training_version": "fibo", "visual_schema": SCHEMA, "increase_resolution": False}
    )
    write_manifest(env.root, "acme", body)
    await env.sandbox("POST", "stats/reset")
    plan, result = await env.apply()
    assert result.ok, result.failed
    kinds = [s.kind for c in plan.changes for s in c.steps]
    assert kinds.index(StepKind.SET_VISUAL_SCHEMA) < kinds.index(StepKind.BULK_UPLOAD)
    [bulk] = [s for c in plan.changes for s in c.steps if s.kind is StepKind.BULK_UPLOAD]
    assert "automatic_captioning" not in bulk.args
    requests = (await env.sandbox("GET", "stats"))["requests"]
    assert requests[BULK] == 1 and UPLOAD not in requests, requests

    [dataset] = await env.live("/tailored-gen/datasets")
    assert dataset["status"] == "completed" and dataset["upload_type"] == "advanced"
    images = await env.live(f"/tailored-gen/datasets/{dataset['id']}/images")
    assert len(images) == 6
    for image in images:
        caption = json.loads(image["caption"])
        if image["image_name"] == "img-02.png":
            assert (caption, image["caption_source"]) == (CAPTION, "manual")
        else:
            assert image["caption_source"] == "automatic" and sorted(caption) == sorted(SCHEMA)
    recorded = env.store.read().require("acme/datasets/v1/images/img-02.png")
    assert recorded.attributes["caption"] == CAPTION
    assert not (await env.plan()).has_changes
    assert env.transport.client_errors() == []
