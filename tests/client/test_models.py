"""Bria's responses read tolerantly; our requests serialise strictly."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from reconciler.client.models import (
    CreateProjectRequest,
    Dataset,
    Model,
    Project,
    UploadModelRequest,
)


def _project(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": 1, "project_name": "p", "ip_medium": "illustration", "ip_type": "icons",
        "status": "active", "created_at": "2024-05-26T12:00:00Z",
    }
    return base | extra


def test_both_timestamp_forms_are_utc() -> None:
    zoned = Project.read(_project(created_at="2024-05-26T12:00:00Z"))
    naive = Project.read(_project(created_at="2025-08-20T06:06:05.849402"))
    assert zoned.created_at == datetime(2024, 5, 26, 12, tzinfo=UTC)
    assert naive.created_at == datetime(2025, 8, 20, 6, 6, 5, 849402, tzinfo=UTC)


def test_unknown_fields_and_ip_type_other_are_tolerated() -> None:
    project = Project.read(_project(ip_type="other", training_version="fibo", x=1))
    assert project.ip_type == "other"


def test_other_is_not_sendable_when_creating() -> None:
    with pytest.raises(ValidationError):
        CreateProjectRequest(project_name="p", ip_medium="illustration",
                             ip_type="other")  # type: ignore[arg-type]


def test_model_statuses_in_both_cases() -> None:
    for status in ("Created", "InProgress", "Completed", "syncing", "completed"):
        model = Model.read({"id": 3, "name": "m", "status": status,
                                      "training_mode": None, "training_version": None})
        assert model.status == status
    # A status tailor does not know is read as itself, never refused.
    assert Model.read({"id": 3, "name": "m", "status": "Exploded"}).status == "Exploded"


def test_request_body_omits_unset_fields_and_refuses_typos() -> None:
    request = CreateProjectRequest(project_name="p", ip_medium="photography",
                                   ip_type="stylized_scene")
    assert request.body() == {"project_name": "p", "ip_medium": "photography",
                              "ip_type": "stylized_scene"}
    with pytest.raises(ValidationError):
        CreateProjectRequest.read({"project_name": "p", "ip_medium": "photography",
                                             "ip_type": "icons", "ip_nam": "x"})
    nested = UploadModelRequest.read(
        {"model_url": "http://127.0.0.1/m.safetensors", "model_name": "m",
         "training_version": "bria-3.2",
         "project_parameters": {"project_name": "q", "ip_medium": "illustration"}})
    assert nested.body()["project_parameters"] == {"project_name": "q",
                                                    "ip_medium": "illustration"}


def test_dataset_images_only_when_present() -> None:
    listed = Dataset.read({"id": 1, "project_id": 1, "name": "d", "status": "draft",
                                     "caption_prefix": "A photo of ", "images_count": 2})
    assert listed.images is None
    full = Dataset.read({"id": 1, "project_id": 1, "name": "d", "status": "draft",
                                   "images": [{"id": 5, "dataset_id": 1, "image_name": "a.png",
                                               "caption_source": "unknown"}]})
    assert full.images is not None and full.images[0].caption_source == "unknown"


def test_training_version_is_read_case_insensitively() -> None:
    model = Model.read({"id": 1, "name": "m", "status": "Created",
                                  "training_version": "Max"})
    assert model.training_version == "max"


def test_the_pydantic_models_every_odd_answer_reads_are_built_at_import() -> None:
    """Built before any list's TypeAdapter, which would otherwise build each one's schema
    a second time. A fresh process: in this one other tests have long used them."""
    probe = (
        "from reconciler.client.pydantic_models import Dataset, Image, Model, Project\n"
        "print([m.__name__ for m in (Dataset, Image, Model, Project)"
        " if not m.__pydantic_complete__])"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.strip() == "[]"
