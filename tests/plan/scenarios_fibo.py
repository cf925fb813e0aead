"""FIBO planner scenarios (issue 15): the rules that keep the two generations apart, and the
registry of every FIBO scenario (builds and changes have modules of their own). Merged into
`scenarios.SCENARIOS` like the rest; snapshots in snapshots/<name>.json."""

from __future__ import annotations

from collections.abc import Callable

from tests.plan.factories import converged, dataset, model, project, workspace
from tests.plan.factories_fibo import converged_fibo, fibo_dataset, fibo_model
from tests.plan.scenario_kit import Scenario, plan_of
from tests.plan.scenarios_fibo_builds import BUILD_SCENARIOS
from tests.plan.scenarios_fibo_changes import CHANGE_SCENARIOS
from tests.plan.scenarios_fibo_clone import CLONE_SCENARIOS

FLAT = {"style": "flat"}


def fibo_fewer_than_5_images() -> Scenario:
    ws = workspace(project(datasets=(fibo_dataset(count=4, schema=FLAT),), models=()))
    return Scenario(plan_of(ws), {"acme/datasets/v1": "create"}, errors=1)


def fibo_auto_schema_too_few_images() -> Scenario:
    """A draft needs no 5 images to exist, but `auto` needs 5-10 to sample (VS-IMAGES-5-10)."""
    ws = workspace(
        project(datasets=(fibo_dataset(count=4, auto=True, completed=False),), models=())
    )
    return Scenario(plan_of(ws), {"acme/datasets/v1": "create"}, errors=1)


def fibo_and_legacy_in_one_project() -> Scenario:
    ws = workspace(project(datasets=(fibo_dataset(count=5, schema=FLAT), dataset("v2")), models=()))
    return Scenario(
        plan_of(ws), {"acme/datasets/v1": "create", "acme/datasets/v2": "create"}, errors=1
    )


def fibo_model_of_the_wrong_family() -> Scenario:
    ws = workspace(
        project(
            datasets=(fibo_dataset(count=5, schema=FLAT),),
            models=(model(training_version="max"),),
        )
    )
    return Scenario(
        plan_of(ws), {"acme/datasets/v1": "create", "acme/models/light": "create"}, errors=1
    )


def fibo_model_on_a_legacy_dataset() -> Scenario:
    ws = workspace(project(models=(fibo_model(),)))
    return Scenario(
        plan_of(ws), {"acme/datasets/v1": "create", "acme/models/fibo": "create"}, errors=1
    )


def project_switches_family() -> Scenario:
    world = converged(workspace(project()))
    ws = workspace(
        project(
            datasets=(fibo_dataset(count=5, schema=FLAT),),
            models=(model(training_version="fibo"),),
        )
    )
    return Scenario(
        plan_of(ws, world),
        {"acme": "replace", "acme/datasets/v1": "replace", "acme/models/light": "replace"},
    )


def project_switches_family_prevent_destroy() -> Scenario:
    world = converged(workspace(project(prevent_destroy=True)))
    ws = workspace(
        project(
            prevent_destroy=True,
            datasets=(fibo_dataset(count=5, schema=FLAT),),
            models=(model(training_version="fibo"),),
        )
    )
    return Scenario(
        plan_of(ws, world),
        {"acme": "replace", "acme/datasets/v1": "replace", "acme/models/light": "replace"},
        errors=1,
    )


def fibo_project_back_to_legacy_prevent_destroy() -> Scenario:
    """The other way: a FIBO project under prevent_destroy whose manifest turns legacy."""
    world = converged_fibo(
        workspace(
            project(
                prevent_destroy=True,
                datasets=(fibo_dataset(schema=FLAT),),
                models=(fibo_model(),),
            )
        )
    )
    ws = workspace(project(prevent_destroy=True, models=(model("fibo", training_version="max"),)))
    return Scenario(
        plan_of(ws, world),
        {"acme": "replace", "acme/datasets/v1": "replace", "acme/models/fibo": "replace"},
        errors=1,
    )


FIBO_SCENARIOS: dict[str, Callable[[], Scenario]] = (
    {
        fn.__name__: fn
        for fn in (
            fibo_fewer_than_5_images,
            fibo_auto_schema_too_few_images,
            fibo_and_legacy_in_one_project,
            fibo_model_of_the_wrong_family,
            fibo_model_on_a_legacy_dataset,
            project_switches_family,
            project_switches_family_prevent_destroy,
            fibo_project_back_to_legacy_prevent_destroy,
        )
    }
    | BUILD_SCENARIOS
    | CHANGE_SCENARIOS
    | CLONE_SCENARIOS
)
