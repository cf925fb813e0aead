"""Every endpoint family, through BriaClient, against the in-process sandbox; typed results."""

from __future__ import annotations

import base64
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.client.api import BriaClient
from reconciler.client.bulkzip import ZipEntry, build_bulk_zip
from reconciler.client.errors import BadRequest, Conflict, LocalFileError, NotFound
from reconciler.client.models import (
    BulkUploadStatus,
    CreateDatasetRequest,
    CreateModelRequest,
    CreateProjectRequest,
    Dataset,
    GeneratePrefixRequest,
    Image,
    Model,
    Project,
    ProjectParameters,
    UpdateDatasetRequest,
    UpdateModelRequest,
    UpdateProjectRequest,
    UploadModelRequest,
)
from reconciler.client.staging import SandboxStager, staged
from tests.client.conftest import BASE_URL, Control, png_bytes, write_png

pytestmark = pytest.mark.anyio


async def _project(client: BriaClient, name: str = "mascot") -> Project:
    return await client.create_project(
        CreateProjectRequest(project_name=name, ip_medium="illustration",
                             ip_type="defined_character", ip_name="Lora",
                             ip_description="a purple haired girl")
    )


async def test_projects(client: BriaClient) -> None:
    project = await _project(client)
    assert isinstance(project, Project)
    assert (project.project_name, project.ip_type, project.ip_name) == (
        "mascot", "defined_character", "Lora")
    assert project.created_at is not None and project.created_at.tzinfo is not None
    assert [p.id for p in await client.list_projects()] == [project.id]
    assert (await client.get_project(project.id)) == project
    updated = await client.update_project(
        project.id, UpdateProjectRequest(project_description="new words"))
    assert updated.project_description == "new words"
    assert await client.list_project_datasets(project.id) == []
    await client.delete_project(project.id)
    with pytest.raises(NotFound):
        await client.get_project(project.id)
    assert await client.list_projects() == []


async def test_datasets_images_and_captions(
    client: BriaClient, control: Control, tmp_path: Path
) -> None:
    project = await _project(client)
    dataset = await client.create_dataset(CreateDatasetRequest(project_id=project.id, name="v1"))
    assert isinstance(dataset, Dataset)
    assert (dataset.status, dataset.captions_update_status, dataset.images_count) == (
        "draft", "empty", 0)
    assert dataset.caption_prefix

    by_file = await client.upload_image(dataset.id, path=write_png(tmp_path / "a.png", 300, 1),
                                        image_name="a.png", increase_resolution=True)
    url = await control.put_file("remote-b.png", png_bytes(1024, 2))
    by_url = await client.upload_image(dataset.id, image_url=url, image_name="b.png",
                                       increase_resolution=False)
    for image, name in ((by_file, "a.png"), (by_url, "b.png")):
        assert isinstance(image, Image)
        assert image.image_name == name and image.caption_source == "automatic"
        assert image.caption is not None and image.caption.startswith(dataset.caption_prefix)
    assert [i.id for i in await client.list_images(dataset.id)] == [by_file.id, by_url.id]
    assert (await client.get_image(dataset.id, by_url.id)).image_name == "b.png"

    manual = await client.update_image_caption(dataset.id, by_file.id, "Lora waving")
    assert (manual.caption, manual.caption_source) == ("Lora waving", "manual")
    regenerated = await client.regenerate_image_caption(dataset.id, by_file.id)
    assert regenerated.caption_source == "automatic"
    assert regenerated.caption == by_file.caption  # deterministic for the same prefix

    renamed = await client.update_dataset(
        dataset.id, UpdateDatasetRequest(caption_prefix="An illustration of Lora, "))
    assert renamed.caption_prefix == "An illustration of Lora, "
    assert await client.regenerate_all_captions(dataset.id) is None  # 202, no body relied on
    running = await client.get_dataset(dataset.id, max_images=1)
    assert running.captions_update_status == "in_progress"
    await control.advance(120)
    full = await client.get_dataset(dataset.id, max_images=1)
    assert full.captions_update_status == "completed"
    assert full.images is not None and len(full.images) == 1 and full.images_count == 2
    assert full.images[0].caption is not None
    assert full.images[0].caption.startswith("An illustration of Lora, ")

    clone = await client.clone_dataset(dataset.id, name="v2")
    default_clone = await client.clone_dataset(dataset.id)
    assert clone.name == "v2" and clone.status == "draft"
    assert default_clone.name == "Copy of v1"
    assert clone.images is not None and len(clone.images) == 2

    await client.delete_image(dataset.id, by_url.id)
    with pytest.raises(NotFound):
        await client.get_image(dataset.id, by_url.id)
    with pytest.raises(LocalFileError):
        await client.upload_image(dataset.id, path=tmp_path / "missing.png", image_name="m.png",
                                  increase_resolution=True)
    completed = await client.update_dataset(dataset.id, UpdateDatasetRequest(status="completed"))
    assert completed.status == "completed"
    with pytest.raises(Conflict):
        await client.upload_image(dataset.id, path=tmp_path / "a.png", image_name="c.png",
                                  increase_resolution=True)
    names = sorted(d.name for d in await client.list_datasets())
    assert names == ["Copy of v1", "v1", "v2"]
    await client.delete_dataset(clone.id)
    assert len(await client.list_project_datasets(project.id)) == 2


async def test_bulk_upload_through_the_sandbox_file_host(
    app: Any, client: BriaClient, control: Control, tmp_path: Path
) -> None:
    project = await _project(client)
    dataset = await client.create_dataset(
        CreateDatasetRequest(project_id=project.id, name="bulk", upload_type="advanced"))
    entries = [
        ZipEntry(write_png(tmp_path / "big1.png", 1024, 3), "big1.png", "Lora running"),
        ZipEntry(write_png(tmp_path / "big2.png", 1024, 4), "big2.png", "Lora sitting"),
        ZipEntry(write_png(tmp_path / "tiny.png", 300, 5), "tiny.png", "too small"),
    ]
    zip_path = tmp_path / "bulk.zip"
    assert build_bulk_zip(entries, zip_path, require_captions=True) == 3

    stager = SandboxStager(BASE_URL, transport=httpx.ASGITransport(app=app))
    async with staged(stager, zip_path, "bulk.zip") as zip_url:
        assert zip_url.startswith("http://127.0.0.1:8787/_sandbox/files/")
        assert await client.bulk_upload(dataset.id, zip_url, automatic_captioning=False) is None
        started = await client.bulk_upload_status(dataset.id)
        assert isinstance(started, BulkUploadStatus)
        assert started.status in ("pending", "processing")
        status = started
        for _ in range(20):
            status = await client.bulk_upload_status(dataset.id)
            if status.status in ("completed", "failed"):
                break
            await control.advance(5)
    assert status.status == "completed"
    assert (status.done, status.failed) == (2, 1)
    assert status.failed_images[0].filename == "tiny.png"
    assert status.failed_images[0].error_code == 412
    images = await client.list_images(dataset.id)
    assert sorted((i.image_name, i.caption, i.caption_source) for i in images) == [
        ("big1.png", "Lora running", "manual"), ("big2.png", "Lora sitting", "manual")]
    download = await client.download_dataset(dataset.id)
    assert download.download_url.startswith("http")
    with pytest.raises(BadRequest):  # Bria lists 400, not 409, for a second bulk upload
        await client.bulk_upload(dataset.id, zip_url)


async def test_generate_prefix(client: BriaClient) -> None:
    images = [base64.b64encode(png_bytes(512, n)).decode() for n in range(2)]
    request = GeneratePrefixRequest(images=images, ip_type="defined_character",
                                    ip_medium="illustration", ip_name="Lora")
    first = await client.generate_prefix(request)
    assert first.prefix and first.prefix == (await client.generate_prefix(request)).prefix
    with pytest.raises(BadRequest):
        await client.generate_prefix(
            GeneratePrefixRequest(images=images * 4, ip_type="stylized_scene",
                                  ip_medium="photography"))


async def _completed_dataset(client: BriaClient, tmp_path: Path) -> tuple[Project, Dataset]:
    project = await _project(client)
    dataset = await client.create_dataset(CreateDatasetRequest(project_id=project.id, name="d"))
    await client.upload_image(dataset.id, path=write_png(tmp_path / "x.png", 256, 9),
                              image_name="x.png", increase_resolution=True)
    await client.update_dataset(dataset.id, UpdateDatasetRequest(status="completed"))
    return project, dataset


async def test_models_training_checkpoints_download_and_generation(
    client: BriaClient, control: Control, tmp_path: Path
) -> None:
    project, dataset = await _completed_dataset(client, tmp_path)
    expert = await client.create_model(CreateModelRequest(
        name="max-expert", dataset_id=dataset.id, training_mode="expert", training_version="max"))
    auto = await client.create_model(CreateModelRequest(
        name="light-auto", dataset_id=dataset.id, training_mode="fully_automated",
        training_version="light", description="first try"))
    assert isinstance(expert, Model)
    assert (expert.status, expert.project_id, expert.checkpoint_steps) == (
        "Created", project.id, [])
    await client.update_model(auto.id, UpdateModelRequest(description="second try"))
    assert (await client.get_model(auto.id)).description == "second try"
    assert {m.id for m in await client.list_models()} == {expert.id, auto.id}
    assert {m.id for m in await client.list_project_models(project.id)} == {expert.id, auto.id}

    with pytest.raises(BadRequest):
        await client.start_training(auto.id, {"rank": 8})
    training = await client.start_training(
        expert.id, {"total_training_steps": 1000, "checkpoint_interval": 500, "rank": 16})
    assert training.status == "InProgress"
    assert training.generation_prefix == dataset.caption_prefix
    assert training.training_parameters["rank"] == 16
    await client.start_training(auto.id)
    assert await client.stop_training(auto.id) is None  # 200, no body relied on
    assert (await client.get_model(auto.id)).status == "Stopping"
    await control.advance(3600)
    assert (await client.get_model(auto.id)).status == "Stopped"
    done = await client.get_model(expert.id)
    assert done.status == "Completed"
    listed = await client.list_models(include_training_parameters=True)
    assert next(m for m in listed if m.id == expert.id).training_parameters["rank"] == 16

    checkpoints = await client.list_checkpoints(expert.id)
    assert [c.checkpoint_step for c in checkpoints.checkpoints] == [500, 1000]
    assert checkpoints.active_model_version == "1000"
    assert (await client.get_checkpoint(expert.id, 500)).checkpoint_step == 500
    await client.delete_checkpoint(expert.id, 500)
    with pytest.raises(NotFound):
        await client.get_checkpoint(expert.id, 500)
    with pytest.raises(BadRequest):
        await client.delete_checkpoint(expert.id, 1000)

    download = await client.download_model(expert.id)
    assert download.download_url and download.base_model_name == "BRIA-3.2"
    assert download.generation_prefix == dataset.caption_prefix
    generated = await client.generate_tailored(expert.id, "Lora on a bike", num_results=2, seed=7)
    assert len(generated.result) >= 1 and generated.result[0].urls
    at_step = await client.generate_tailored(expert.id, "Lora on a bike", checkpoint_step=1000)
    assert at_step.result and at_step.result[0].urls
    with pytest.raises(NotFound):
        await client.generate_tailored(expert.id, "Lora", checkpoint_step=500)

    await client.delete_model(auto.id)
    assert (await client.get_model(auto.id)).status == "Deleted"
    assert {m.id for m in await client.list_models()} == {expert.id}


async def test_upload_model_into_a_project_and_into_a_new_one(
    client: BriaClient, control: Control
) -> None:
    project = await _project(client)
    url = await control.put_file("lora.safetensors", b"\x00" * 2048)
    model = await client.upload_model(UploadModelRequest(
        model_url=url, model_name="imported", training_version="bria-3.2",
        project_id=project.id))
    assert (model.status, model.name, model.training_mode) == ("syncing", "imported", None)
    await control.advance(60)
    assert (await client.get_model(model.id)).status == "completed"
    elsewhere = await client.upload_model(UploadModelRequest(
        model_url=url, model_name="imported-2", training_version="bria-2.3",
        project_parameters=ProjectParameters(project_name="uploads", ip_medium="illustration")))
    new_project = await client.get_project(elsewhere.project_id or -1)
    assert (new_project.project_name, new_project.ip_type) == ("uploads", "other")
    assert any(p.ip_type == "other" for p in await client.list_projects())


async def test_zip_is_fetched_as_built(tmp_path: Path) -> None:
    """Sanity check of the fixture images: the ZIP holds exactly the bytes on disk."""
    entry = ZipEntry(write_png(tmp_path / "k.png", 64, 1), "k.png", None)
    build_bulk_zip([entry], tmp_path / "k.zip")
    with zipfile.ZipFile(tmp_path / "k.zip") as archive:
        assert archive.read("k.png") == entry.path.read_bytes()
