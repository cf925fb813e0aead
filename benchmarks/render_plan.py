"""Rendering benchmark: a plan with N image changes (default 10,000) as text, verbose text,
Markdown (65,000-character budget) and JSON; plus the plain apply progress for the same plan.

    python benchmarks/render_plan.py [--images 10000] [--repeat 3]

Pure CPU, no I/O: the plan is built in memory from `reconciler.plan.model` values.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable

from reconciler.addresses import Address
from reconciler.events import AddressResult, ResultStatus, StepEvent, StepOutcome
from reconciler.plan.model import Action, Change, Plan, Reason, ReplaceMode, Step, StepKind
from reconciler.render.jsonplan import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.progress import LineProgress, render_outcome_table
from reconciler.render.text import render_text

HEADER = "API: embedded sandbox · state: .tailor/state.db"


def build(images: int) -> Plan:
    changes: list[Change] = []
    for index in range(3):
        dataset = Address("bench", dataset=f"v{index}")
        changes.append(
            Change(
                dataset, Action.CREATE, Reason.NEW, steps=(Step(StepKind.CREATE_DATASET, dataset),)
            )
        )
    for i in range(images):
        address = Address("bench", dataset=f"v{i % 3}", image=f"img-{i:05d}.png")
        after = {"name": address.key, "path": f"images/{address.key}", "sha256": "0" * 64}
        step = Step(StepKind.UPLOAD_IMAGE, address, {"image_name": address.key})
        changes.append(Change(address, Action.CREATE, Reason.NEW, after=after, steps=(step,)))
    model = Address("bench", model="light")
    changes.append(
        Change(
            model,
            Action.REPLACE,
            Reason.CASCADE,
            replace_mode=ReplaceMode.CREATE_BEFORE_DESTROY,
            replaced_by=Address("bench", dataset="v0"),
            steps=(Step(StepKind.CREATE_MODEL, model), Step(StepKind.START_TRAINING, model)),
        )
    )
    changes.sort(key=lambda c: c.sort_key())
    return Plan(changes=tuple(changes))


def progress(plan: Plan) -> str:
    stream = io.StringIO()
    hooks = LineProgress(stream, plan=plan)
    for change in plan.changes:
        for step in change.steps:
            hooks.on_step(StepEvent(str(change.address), step.describe(), StepOutcome.DONE))
    results = [AddressResult(change.address, ResultStatus.DONE) for change in plan.changes]
    return stream.getvalue() + render_outcome_table(results)


def measure(name: str, run: Callable[[], str], repeat: int) -> None:
    best = float("inf")
    size = 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(run())
        best = min(best, time.perf_counter() - start)
    print(f"| {name} | {best * 1000:,.0f} ms | {size:,} chars |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plan = build(args.images)
    print(f"{args.images:,} image changes; best of {args.repeat}")
    print("| output | time | size |\n| --- | --- | --- |")
    measure("text", lambda: render_text(plan, header=HEADER, color=False), args.repeat)
    measure(
        "text --verbose",
        lambda: render_text(plan, header=HEADER, color=False, verbose=True),
        args.repeat,
    )
    measure("markdown", lambda: render_markdown(plan, header=HEADER), args.repeat)
    measure("json", lambda: render_json(plan), args.repeat)
    measure("progress lines + outcome table", lambda: progress(plan), args.repeat)


if __name__ == "__main__":
    main()
