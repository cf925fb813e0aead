"""Where a no-change `tailor plan` spends its CPU, phase by phase, in one process.

    python -m benchmarks.plan_phases WORKSPACE [--repeat 2]

WORKSPACE is an applied workspace whose API is up (e.g. the one bench_plan_vs_script keeps
in benchmarks/.work/plan-vs-script/PxDxI/workspace, with `tailor sandbox serve` on its
database). Each phase is timed in CPU seconds (`time.process_time`, steadier than wall time on
a shared machine), with the `tailor` command's GC thresholds: imports, manifests (with the
image cache warm), the state read, its conversion to recorded resources, the refresh, the
plan and its text rendering, as `tailor plan` does them for text output: the images of
completed datasets whose content digest matches are left in the state (not even fetched) and
kept as a count in the plan. The first repeat includes what is set up once (the client).
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from dataclasses import replace
from pathlib import Path

started = time.process_time()

from reconciler.addresses import Kind  # noqa: E402
from reconciler.cli.context import (  # noqa: E402 (timed: the imports are a phase)
    existing_state,
    load_settings,
    open_client_with_files,
    run_async,
)
from reconciler.cli.main import GC_THRESHOLDS  # noqa: E402
from reconciler.engine.refresh import RefreshScope, refresh  # noqa: E402
from reconciler.manifest.workspace import load_workspace  # noqa: E402
from reconciler.plan.builder import build_plan  # noqa: E402
from reconciler.render.text import render_text  # noqa: E402
from reconciler.resources import LiveSnapshot, RecordedResource  # noqa: E402

IMPORTS = time.process_time() - started


def one_plan(root: Path) -> dict[str, float]:
    spent: dict[str, float] = {}
    mark = time.process_time()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.process_time()
        spent[name] = round(now - mark, 3)
        mark = now

    settings = load_settings(root, api=None, state=None, requests_per_minute=None)
    desired = load_workspace(root)
    phase("manifests")
    with existing_state(settings) as store:
        assert store is not None, "apply the workspace first"
        document = store.read(defer_trusted_images=True)
        phase("state read")
        recorded, unread = document.recorded_parts()
        phase("recorded")

        async def read_live(found: tuple[RecordedResource, ...]) -> LiveSnapshot:
            async with open_client_with_files(settings) as (client, _stager, _files):
                scope = RefreshScope.from_recorded(found)
                ids = {r.address: r.remote_id for r in found if r.kind is Kind.DATASET}
                counts = {ids[address]: images.count for address, images in unread.items()}
                return await refresh(client, replace(scope, unread_counts=counts))

        live = run_async(read_live(recorded))
        phase("refresh")
        plan = build_plan(desired, recorded, live, unread_images=unread)
        phase("build_plan")
    render_text(plan, header="", color=False)
    phase("render")
    spent["total"] = round(sum(spent.values()), 3)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    gc.set_threshold(*GC_THRESHOLDS)
    os.environ.setdefault("BRIA_API_TOKEN", "bench-token")
    print(f"imports {IMPORTS:.3f} s CPU")
    for _ in range(args.repeat):
        print(one_plan(args.workspace))


if __name__ == "__main__":
    main()
