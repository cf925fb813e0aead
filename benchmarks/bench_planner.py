"""Planner benchmark: build_plan on a large workspace, pure CPU (no I/O, no network).

    python benchmarks/bench_planner.py [--projects 20] [--datasets 3] [--images 200] [--repeat 3]

Three plans over the same workspace: everything new; nothing to do (state and live match);
one image added to every completed dataset (every dataset rebuilt, every model replaced). Also
times plan_to_json + json.dumps and plan_from_json of the largest plan.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable

from reconciler.addresses import Address, Kind
from reconciler.plan import attributes as attrs
from reconciler.plan.builder import build_plan
from reconciler.plan.planfile import plan_from_json, plan_to_json
from reconciler.resources import (
    DesiredDataset,
    DesiredImage,
    DesiredModel,
    DesiredProject,
    DesiredWorkspace,
    LiveDataset,
    LiveImage,
    LiveModel,
    LiveProject,
    LiveSnapshot,
    RecordedResource,
)


def _image(project: str, dataset: str, index: int) -> DesiredImage:
    name = f"img-{index:04d}.png"
    return DesiredImage(
        Address(project, dataset=dataset, image=name),
        name,
        f"images/{dataset}/{name}",
        hashlib.sha256(f"{project}/{dataset}/{name}".encode()).hexdigest(),
        None,
        None,
        1024,
        1024,
        "png",
        100_000,
    )


def workspace(projects: int, datasets: int, images: int, extra: int = 0) -> DesiredWorkspace:
    out = []
    for p in range(projects):
        key = f"brand-{p:02d}"
        ds = tuple(
            DesiredDataset(
                Address(key, dataset=f"v{d}"),
                f"v{d}",
                f"v{d}",
                "basic",
                None,
                tuple(_image(key, f"v{d}", i) for i in range(images + extra)),
            )
            for d in range(datasets)
        )
        models = tuple(
            DesiredModel(
                Address(key, model=f"m{d}"), f"m{d}", f"m{d}", f"v{d}", "light", "fully_automated"
            )
            for d in range(datasets)
        )
        out.append(
            DesiredProject(
                Address(key),
                key,
                key,
                "defined_character",
                "illustration",
                ip_name="Mascot",
                ip_description="A mascot",
                datasets=ds,
                models=models,
            )
        )
    return DesiredWorkspace(".", tuple(out))


def converged(ws: DesiredWorkspace) -> tuple[list[RecordedResource], LiveSnapshot]:
    recorded: list[RecordedResource] = []
    projects: dict[int, LiveProject] = {}
    datasets: dict[int, LiveDataset] = {}
    images: dict[int, tuple[LiveImage, ...]] = {}
    models: dict[int, LiveModel] = {}
    next_id = 1
    for p in ws.projects:
        pid, next_id = next_id, next_id + 1
        recorded.append(
            RecordedResource(p.address, Kind.PROJECT, pid, attributes=attrs.project_attributes(p))
        )
        projects[pid] = LiveProject(
            pid, p.name, p.description, p.ip_type, p.ip_medium, p.ip_name, p.ip_description
        )
        ids = {}
        for d in p.datasets:
            did, next_id = next_id, next_id + 1
            ids[d.key] = did
            recorded.append(
                RecordedResource(
                    d.address, Kind.DATASET, did, p.address, attrs.dataset_attributes(d)
                )
            )
            datasets[did] = LiveDataset(
                did, pid, d.name, "A prefix, ", "completed", "basic", images_count=len(d.images)
            )
            live = []
            for i in d.images:
                iid, next_id = next_id, next_id + 1
                recorded.append(
                    RecordedResource(
                        i.address, Kind.IMAGE, iid, d.address, attrs.image_attributes(i)
                    )
                )
                live.append(LiveImage(iid, did, i.name, "A prefix, auto caption", "automatic"))
            images[did] = tuple(live)
        for m in p.models:
            mid, next_id = next_id, next_id + 1
            recorded.append(
                RecordedResource(m.address, Kind.MODEL, mid, p.address, attrs.model_attributes(m))
            )
            models[mid] = LiveModel(
                mid,
                pid,
                ids[m.dataset],
                m.name,
                m.description,
                "Completed",
                m.training_mode,
                m.training_version,
            )
    return recorded, LiveSnapshot(projects, datasets, images, models)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--datasets", type=int, default=3)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ws = workspace(args.projects, args.datasets, args.images)
    grown = workspace(args.projects, args.datasets, args.images - 1, extra=1)
    state, live = converged(workspace(args.projects, args.datasets, args.images - 1))
    full_state, full_live = converged(ws)
    empty = LiveSnapshot()
    cases = {
        "all new": lambda: build_plan(ws, [], empty),
        "no change": lambda: build_plan(ws, full_state, full_live),
        "image added everywhere": lambda: build_plan(grown, state, live),
    }
    print(f"{len(full_state)} resources in the state")
    for name, run in cases.items():
        plan = run()
        seconds = best_of(args.repeat, run)
        print(f"{name:24s} {len(plan.changes):6d} changes  {seconds:6.2f} s")
    biggest = build_plan(grown, state, live)
    seconds = best_of(args.repeat, lambda: json.dumps(plan_to_json(biggest), sort_keys=True))
    text = json.dumps(plan_to_json(biggest), sort_keys=True)
    print(f"{'plan_to_json + dumps':24s} {len(text):9d} bytes {seconds:6.2f} s")
    seconds = best_of(args.repeat, lambda: plan_from_json(json.loads(text)))
    print(f"{'loads + plan_from_json':24s} {'':15s} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
