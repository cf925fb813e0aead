"""Property: for any valid workspace and any edit of it, apply then plan is empty, and an
apply of a clean plan never gets a 4xx from the sandbox (the planner foresaw Bria's rules)."""

from __future__ import annotations

import tempfile
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.plan.model import Action
from tests.engine.conftest import open_env, write_manifest, write_png

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

IP_KINDS = [
    {"type": "defined_character", "medium": "illustration", "name": "Foxy",
     "description": "an orange fox"},
    {"type": "stylized_scene", "medium": "photography"},
    {"type": "icons", "medium": "illustration"},
]
Spec = dict[str, Any]


@st.composite
def images(draw: st.DrawFn) -> list[Spec]:
    count = draw(st.integers(1, 3))
    return [
        {
            "seed": draw(st.integers(0, 10_000)),
            "caption": draw(st.sampled_from([None, "a fox in the snow", "a fox at the sea"])),
        }
        for _ in range(count)
    ]


@st.composite
def projects(draw: st.DrawFn) -> list[Spec]:
    found = []
    for key in draw(st.sampled_from([["p1"], ["p1", "p2"]])):
        ip = draw(st.sampled_from(IP_KINDS))
        prefixes: list[str | None] = [None, "A picture of the fox, "]
        if ip["type"] != "icons":
            prefixes.append("auto")
        datasets = {
            name: {
                "images": draw(images()),
                "completed": draw(st.booleans()),
                "caption_prefix": draw(st.sampled_from(prefixes)),
            }
            for name in draw(st.sampled_from([["v1"], ["v1", "v2"]]))
        }
        models = {}
        for name in draw(st.sampled_from([[], ["light"], ["light", "max"]])):
            dataset = draw(st.sampled_from(sorted(datasets)))
            expert = draw(st.booleans())
            models[name] = {
                "dataset": dataset,
                "version": draw(st.sampled_from(["light", "max"])),
                "expert": expert,
                "rank": draw(st.sampled_from([16, 32])) if expert else None,
                "description": draw(st.sampled_from(["", "first"])),
            }
        found.append({"key": key, "ip": ip, "datasets": datasets, "models": models})
    return found


EDITS = [
    "image_content", "add_image", "remove_image", "caption", "model_description",
    "model_version", "complete", "remove_model", "prefix",
]


def edit(spec: list[Spec], kind: str, pick: int) -> list[Spec]:
    changed = deepcopy(spec)
    project = changed[pick % len(changed)]
    datasets = project["datasets"]
    dataset = datasets[sorted(datasets)[pick % len(datasets)]]
    pictures = dataset["images"]
    models = project["models"]
    if kind == "image_content":
        pictures[pick % len(pictures)]["seed"] += 50_000
    elif kind == "add_image":
        pictures.append({"seed": 90_000 + pick, "caption": None})
    elif kind == "remove_image" and len(pictures) > 1:
        pictures.pop(pick % len(pictures))
    elif kind == "caption":
        image = pictures[pick % len(pictures)]
        image["caption"] = None if image["caption"] else "a fox, edited"
    elif kind == "model_description" and models:
        models[sorted(models)[pick % len(models)]]["description"] = "edited"
    elif kind == "model_version" and models:
        model = models[sorted(models)[pick % len(models)]]
        model["version"] = "max" if model["version"] == "light" else "light"
    elif kind == "complete":
        dataset["completed"] = not dataset["completed"]
    elif kind == "remove_model" and models:
        models.pop(sorted(models)[pick % len(models)])
    elif kind == "prefix":
        dataset["caption_prefix"] = "An edited prefix, "
    return changed


def write(root: Path, spec: list[Spec]) -> None:
    for old in root.glob("*.yaml"):
        old.unlink()
    for project in spec:
        key = project["key"]
        datasets: Spec = {}
        for name, data in project["datasets"].items():
            entries: list[Any] = []
            for index, image in enumerate(data["images"]):
                path = f"images/{key}/{name}/img-{index}.png"
                write_png(root / path, image["seed"])
                entries.append({"path": path, "caption": image["caption"]}
                               if image["caption"] else path)
            body: Spec = {"images": entries, "completed": data["completed"]}
            if data["caption_prefix"] is not None:
                body["caption_prefix"] = data["caption_prefix"]
            datasets[name] = body
        models: Spec = {}
        for name, model in project["models"].items():
            trainable = project["datasets"][model["dataset"]]["completed"]
            body = {
                "dataset": model["dataset"],
                "training_version": model["version"],
                "training_mode": "expert" if model["expert"] else "fully_automated",
                "description": model["description"],
                "train": trainable,
            }
            if model["expert"]:
                body["parameters"] = {"rank": model["rank"]}
            models[name] = body
        write_manifest(root, key, {
            "project": key, "ip": project["ip"], "datasets": datasets, "models": models,
        })


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=projects(), edits=st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 9)),
                                        min_size=1, max_size=3))
async def test_apply_then_plan_is_empty(spec: list[Spec], edits: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with open_env(Path(folder)) as env:
            write(env.root, spec)
            _, first = await env.apply()
            assert first.ok, first.failed
            assert not (await env.plan()).has_changes
            edited = spec
            for kind, pick in edits:
                edited = edit(edited, kind, pick)
            write(env.root, edited)
            _, second = await env.apply()
            assert second.ok, second.failed
            left = await env.plan()
            # Deletes deferred at plan time because a model trained there run at the end of
            # the apply that ended those trainings: nothing is left for a later plan.
            assert not left.drift
            assert not left.has_changes, [
                (str(c.address), c.action, c.reason)
                for c in left.changes
                if c.action is not Action.NO_OP
            ]
            assert env.transport.client_errors() == []
