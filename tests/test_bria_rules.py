"""Bria's rules by generation (reconciler.bria_rules): the same facts give the same verdict."""

from __future__ import annotations

from reconciler.bria_rules import (
    DatasetFacts,
    ModelDatasetFacts,
    ModelFacts,
    dataset_violations,
    family_lock_violations,
    model_version,
    model_violations,
    parameter_range_violations,
)


def _dataset(**kw: object) -> DatasetFacts:
    facts: dict[str, object] = {
        "key": "d",
        "training_version": "fibo",
        "upload_type": "basic",
        "caption_prefix": None,
        "visual_schema": "auto",
        "refine": 0,
        "images": 5,
        "completed": True,
    }
    facts.update(kw)
    return DatasetFacts(**facts)  # type: ignore[arg-type]


def _ids(found: list[object]) -> list[str]:
    return [v.constraint for v in found]  # type: ignore[attr-defined]


def test_completion_needs_five_images_on_fibo_and_one_on_legacy() -> None:
    assert _ids(dataset_violations(_dataset(images=4, visual_schema="declared"), None)) == [
        "DS-FIBO-COMPLETE"
    ]
    assert dataset_violations(_dataset(images=5), None) == []
    legacy = _dataset(training_version="max", visual_schema=None, images=0)
    assert _ids(dataset_violations(legacy, None)) == ["DS-COMPLETE-MIN-1-IMAGE"]
    assert (
        dataset_violations(_dataset(training_version="light", visual_schema=None, images=1), None)
        == []
    )


def test_an_auto_schema_needs_five_sample_images_even_on_a_draft() -> None:
    draft = _dataset(images=4, completed=False)
    assert _ids(dataset_violations(draft, None)) == ["VS-IMAGES-5-10"]


def test_fields_of_the_other_family_are_refused() -> None:
    assert _ids(dataset_violations(_dataset(caption_prefix="x, "), None)) == ["DS-FIELD-FAMILY"]
    legacy = _dataset(training_version="2.3", refine=1)
    found = dataset_violations(legacy, None)
    assert [(v.constraint, v.field) for v in found] == [
        ("DS-FIELD-FAMILY", ("visual_schema",)),
        ("DS-FIELD-FAMILY", ("refine",)),
    ]


def test_the_family_lock_follows_the_first_dataset_or_what_bria_reports() -> None:
    versions = [("a", "max"), ("b", "fibo"), ("c", "light")]
    assert sorted(family_lock_violations(versions)) == ["b"]
    assert sorted(family_lock_violations(versions, locked="fibo")) == ["a", "c"]
    assert (
        "Bria reports the project locked to fibo"
        in family_lock_violations(versions, locked="fibo")["a"].message
    )


def test_model_versions_by_family() -> None:
    fibo = ModelDatasetFacts("d", "fibo", True)
    legacy = ModelDatasetFacts("d", "3.2", True)
    omitted = ModelFacts(None, "fully_automated", {}, True)
    assert model_version(omitted, fibo) == "fibo"
    assert model_violations(omitted, fibo) == []
    assert _ids(model_violations(omitted, legacy)) == ["MODEL-VERSION-ENUM"]
    wrong = model_violations(ModelFacts("fibo", "fully_automated", {}, True), legacy)
    assert _ids(wrong) == ["MODEL-VERSION-FAMILY"]
    assert wrong[0].hint == "use training_version: bria-3.2"
    assert model_violations(ModelFacts("bria-3.2", "fully_automated", {}, True), legacy) == []


def test_the_checkpoint_default_differs_by_generation() -> None:
    params = {"checkpoint_interval": 1000}
    expert = ModelFacts(None, "expert", params, True)
    found = model_violations(expert, ModelDatasetFacts("d", "fibo", True))
    assert [v.message for v in found] == [
        "1000 is more than total_training_steps (750, the FIBO default)"
    ]
    legacy = ModelFacts("max", "expert", params, True)
    assert model_violations(legacy, ModelDatasetFacts("d", "max", True)) == []


def test_parameter_ranges() -> None:
    assert parameter_range_violations("rank", 4) == []
    assert [v.message for v in parameter_range_violations("rank", 300)] == ["300 is outside 4..256"]
    assert parameter_range_violations("rank", True) != []
    assert _ids(parameter_range_violations("lr_scheduler", "cosin")) == ["TRAIN-RANGE"]
