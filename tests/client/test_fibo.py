"""FIBO through the client: schema, refine, JSON captions, a FIBO model, v2 generation."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from reconciler.client.api import BriaClient
from reconciler.client.errors import ApiError, BadRequest, Conflict, NotFound
from reconciler.client.fibo import json_object
from reconciler.client.models import (
    CreateDatasetRequest,
    CreateModelRequest,
    CreateProjectRequest,
    Dataset,
    GenerateImageRequest,
    GenerateVisualSchemaRequest,
    ImageAccepted,
    ImageGenerated,
    RefineStructuredPromptRequest,
    UpdateDatasetRequest,
)
from reconciler.secret import Secret
from tests.client.conftest import FAST_RETRY, TOKEN, Control, png_bytes, write_png

pytestmark = pytest.mark.anyio


def _samples(count: int) -> list[str]:
    return [base64.b64encode(png_bytes(300, seed)).decode() for seed in range(count)]


async def _fibo_model(client: BriaClient, control: Control, tmp_path: Path) -> int:
    """Create, schema, refine, set, upload, caption, complete, train: the FIBO apply's calls."""
    project = await client.create_project(CreateProjectRequest(
        project_name="fibo", ip_medium="photography", ip_type="stylized_scene"))
    dataset = await client.create_dataset(CreateDatasetRequest(
        project_id=project.id, name="shots", training_version="fibo"))
    assert (dataset.training_version, dataset.visual_schema) == ("fibo", None)
    schema = await client.generate_visual_schema(GenerateVisualSchemaRequest(images=_samples(5)))
    refined = await client.refine_structured_prompt(RefineStructuredPromptRequest(
        dataset_id=dataset.id, structured_prompt=schema.visual_schema,
        instruction="set the style to 'studio product shot'"))
    assert json_object(refined.structured_prompt) == {
        **(json_object(schema.visual_schema) or {}), "style": "studio product shot"}
    updated = await client.update_dataset(
        dataset.id, UpdateDatasetRequest(visual_schema=refined.structured_prompt))
    assert updated.visual_schema == json_object(refined.structured_prompt)
    images = [
        await client.upload_image(dataset.id, path=write_png(tmp_path / f"{n}.png", 300, n),
                                  image_name=f"{n}.png", increase_resolution=True)
        for n in range(5)
    ]
    caption = json_object(images[0].caption)
    assert caption is not None and caption["style"] == "studio product shot"
    mine = json.dumps({"style": "flat", "subjects": "a fox"})
    assert (await client.update_image_caption(dataset.id, images[1].id, mine)).caption == mine
    with pytest.raises(BadRequest):
        await client.update_image_caption(dataset.id, images[1].id, "a fox")
    await client.update_dataset(dataset.id, UpdateDatasetRequest(status="completed"))
    with pytest.raises(Conflict):
        await client.update_dataset(dataset.id, UpdateDatasetRequest(visual_schema="{}"))
    model = await client.create_model(CreateModelRequest(
        name="m", dataset_id=dataset.id, training_mode="expert", training_version="fibo"))
    started = await client.start_training(model.id)
    assert started is not None
    assert started.training_parameters["lr_scheduler"] == "constant_with_warmup"
    assert started.training_parameters["total_training_steps"] == 750
    await control.advance(31)
    assert (await client.get_model(model.id)).status == "Completed"
    return model.id


async def test_a_fibo_dataset_and_model_end_to_end(
    client: BriaClient, control: Control, tmp_path: Path
) -> None:
    model_id = await _fibo_model(client, control, tmp_path)
    image = await client.generate_image(GenerateImageRequest(
        tailored_model_id=str(model_id), prompt="a red fox", sync=True))
    assert isinstance(image, ImageGenerated)
    assert (json_object(image.structured_prompt) or {})["subjects"] == "a red fox"
    accepted = await client.generate_image(GenerateImageRequest(
        tailored_model_id=str(model_id), prompt="a red fox"))
    assert isinstance(accepted, ImageAccepted)
    status = await client.request_status(accepted.request_id)
    assert status.status == "COMPLETED" and status.result["image_url"] == image.image_url
    with pytest.raises(BadRequest):
        await client.generate_tailored(model_id, "a red fox")  # v1 is the legacy path
    with pytest.raises(NotFound):
        await client.request_status("unknown")


async def test_refusals_reach_the_caller(client: BriaClient) -> None:
    with pytest.raises(ValidationError):
        GenerateVisualSchemaRequest(images=_samples(4))
    with pytest.raises(ApiError) as refused:
        await client.generate_visual_schema(GenerateVisualSchemaRequest(
            images=[*_samples(4), base64.b64encode(b"not an image").decode()]))
    assert refused.value.status == 415
    with pytest.raises(NotFound):
        await client.refine_structured_prompt(RefineStructuredPromptRequest(
            dataset_id=999, structured_prompt="{}", instruction="add mood"))


def test_json_object_reads_only_objects() -> None:
    assert json_object('{"a": 1}') == {"a": 1}
    assert json_object("[1]") is None and json_object("nope") is None and json_object(None) is None


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ('{"style": "flat", "palette": ["#fff"]}', {"style": "flat", "palette": ["#fff"]}),
        ({"style": "flat"}, {"style": "flat"}),
        ("not json", "not json"),
        ("[1, 2]", "[1, 2]"),
        (["a"], '["a"]'),
        (None, None),
    ],
)
def test_a_dataset_s_schema_is_read_as_an_object(said: object, read: object) -> None:
    """Bria documents JSON text; an object is taken as given; anything else stays readable
    text, so a dataset is never skipped for its schema."""
    answer = {"id": 1, "project_id": 2, "name": "v1", "status": "draft", "visual_schema": said}
    assert Dataset.read(answer).visual_schema == read


def test_a_dataset_without_fibo_fields_reads_as_unknown() -> None:
    dataset = Dataset.read({"id": 1, "project_id": 2, "name": "v1", "status": "draft"})
    assert (dataset.training_version, dataset.visual_schema) == (None, None)
    fibo = Dataset.read(
        {"id": 1, "project_id": 2, "name": "v1", "status": "draft", "training_version": "FIBO"}
    )
    assert fibo.training_version == "fibo"


async def test_fibo_calls_survive_lost_answers(client: BriaClient, control: Control) -> None:
    """Stateless, so retried after a dropped connection or a 5xx; the same answer comes back."""
    request = GenerateVisualSchemaRequest(images=_samples(5))
    expected = await client.generate_visual_schema(request)
    await control.faults(drop_connection_rate=0.5, error_rate=0.3, seed=7)
    for _ in range(4):
        assert await client.generate_visual_schema(request) == expected
    await control.faults()


async def test_fibo_over_a_socket(served_app_url: tuple[str, Any], tmp_path: Path) -> None:
    origin, _ = served_app_url
    async with httpx.AsyncClient(base_url=origin) as http, BriaClient(
        f"{origin}/v1", Secret(TOKEN), retry=FAST_RETRY
    ) as bria:
        control = Control(http)
        model_id = await _fibo_model(bria, control, tmp_path)
        image = await bria.generate_image(GenerateImageRequest(
            tailored_model_id=str(model_id), prompt="a fox", sync=True))
        assert isinstance(image, ImageGenerated)
        assert image.image_url.startswith(origin)
        stats = await control.stats()
        assert stats["POST /v2/image/generate/tailored"] == 1
        assert stats["POST /v1/tailored-gen/generate_visual_schema"] == 1
