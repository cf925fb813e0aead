"""Bria's rules checked on the manifests before any call, so that a clean plan meets no 4xx.

Each rule is `reconciler.bria_rules`'s, in the words `tailor validate` uses for it: this module
only says which resource it is about (the address, then the manifest key) and where it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Literal

from reconciler.addresses import Address
from reconciler.bria_rules import (
    DatasetFacts,
    DatasetImageRules,
    ModelDatasetFacts,
    ModelFacts,
    ProjectFacts,
    Violation,
    dataset_violations,
    family_lock_violations,
    image_size_violations,
    missing_dataset_violation,
    model_violations,
    project_violations,
)
from reconciler.errors import Location
from reconciler.plan.draft import DraftPlan
from reconciler.resources import DesiredDataset, DesiredModel, DesiredProject


def summary(address: Address, violation: Violation) -> str:
    """`ADDRESS: KEY: message`, the planner's spelling of validate's `PATH: message`."""
    key = ".".join(violation.field)
    return f"{address}: {key}: {violation.message}" if key else f"{address}: {violation.message}"


def _report(
    out: DraftPlan, address: Address, where: Location | None, found: Iterable[Violation]
) -> None:
    for violation in found:
        out.error(
            summary(address, violation),
            address,
            where,
            detail=violation.hint or "",
            constraint=violation.constraint,
        )


def check_project(out: DraftPlan, project: DesiredProject, locked: str | None = None) -> None:
    """PRJ-* on the IP, and DS-FAMILY-LOCK over the project's datasets (`locked`: the family
    Bria or the state says the project is locked to)."""
    facts = ProjectFacts(
        project.ip_type, project.ip_medium, project.ip_name, project.ip_description
    )
    _report(out, project.address, project.location, project_violations(facts))
    datasets = sorted(project.datasets, key=lambda d: d.key)
    by_key = {d.key: d for d in datasets}
    locks = family_lock_violations([(d.key, d.training_version) for d in datasets], locked)
    for key, violation in sorted(locks.items()):
        dataset = by_key[key]
        _report(out, dataset.address, dataset.location, [violation])


def dataset_facts(dataset: DesiredDataset) -> DatasetFacts:
    declared: Literal["declared"] | None = "declared" if dataset.visual_schema else None
    return DatasetFacts(
        key=dataset.key,
        training_version=dataset.training_version,
        upload_type=dataset.upload_type,
        caption_prefix=dataset.caption_prefix,
        visual_schema="auto" if dataset.visual_schema_auto else declared,
        refine=len(dataset.refine),
        images=len(dataset.images),
        completed=dataset.completed,
    )


def check_dataset(out: DraftPlan, project: DesiredProject, dataset: DesiredDataset) -> None:
    """A dataset's rules for its generation, and its images'."""
    _report(
        out,
        dataset.address,
        dataset.location,
        dataset_violations(dataset_facts(dataset), project.ip_type),
    )
    upload = dataset.upload_type
    rules = DatasetImageRules(
        upload, upload == "basic" and dataset.increase_resolution, dataset.training_version
    )
    for image in dataset.images:
        found = rules.violations(
            image.width,
            image.height,
            image.caption,
            dataset.is_fibo and _is_json_object(image.caption),
        )
        too_large = image_size_violations(image.size_bytes, upload)
        if too_large or found:
            where = image.location or dataset.location
            _report(out, image.address, where, [*too_large, *found])


def check_model(
    out: DraftPlan, project: DesiredProject, model: DesiredModel, dataset: DesiredDataset | None
) -> None:
    """MODEL-* and TRAIN-*: create and start_training rules."""
    if dataset is None:
        found = [missing_dataset_violation(project.key, model.dataset)]
        _report(out, model.address, model.location, found)
        return
    facts = ModelFacts(
        model.training_version, model.training_mode, dict(model.parameters), model.train
    )
    on = ModelDatasetFacts(dataset.key, dataset.training_version, dataset.completed)
    _report(out, model.address, model.location, model_violations(facts, on))


def _is_json_object(text: str | None) -> bool:
    if text is None or not text.startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False
