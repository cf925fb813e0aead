"""The HTML review page for a 200-image dataset change: preview making, render time, page size.

    python -m benchmarks.bench_review_page [--images 200] [--kind noise|smooth]

Local previews are made from distinct 1024x1024 PNGs written to a temporary folder (noise is
JPEG's worst case; smooth gradients are closer to drawings). Two plans are rendered: every
image added (one preview each) and every image's content changed (before and after: two each).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from reconciler.addresses import Address
from reconciler.engine.thumbnails import per_preview_budget, read_local_thumbnails
from reconciler.plan.model import Action, Change, FieldChange, Plan, Reason
from reconciler.render.html import Previews, render_html
from reconciler.resources import JsonValue


def make_images(folder: Path, count: int, kind: str) -> dict[Address, str]:
    paths: dict[Address, str] = {}
    for index in range(count):
        name = f"img-{index:04d}.png"
        if kind == "noise":
            image = Image.frombytes("RGB", (1024, 1024), os.urandom(1024 * 1024 * 3))
        else:
            image = Image.linear_gradient("L").resize((1024, 1024)).convert("RGB")
            image.putpixel((index % 1024, 0), (index % 256, 0, 0))
        image.save(folder / name)
        paths[Address("bench", dataset="v1", image=name)] = name
    return paths


def plans(addresses: list[Address]) -> dict[str, Plan]:
    def attrs(address: Address, sha: str) -> dict[str, JsonValue]:
        return {"name": address.key, "path": address.key, "sha256": sha, "caption": "a caption"}

    added = tuple(Change(a, Action.CREATE, Reason.NEW, after=attrs(a, "n")) for a in addresses)
    changed = tuple(
        Change(
            a,
            Action.REPLACE,
            Reason.IMAGE_CONTENT_CHANGED,
            before=attrs(a, "o"),
            after=attrs(a, "n"),
            field_changes=(FieldChange("sha256", "o", "n", forces_replace=True),),
            remote_id=i,
        )
        for i, a in enumerate(addresses)
    )
    return {"added": Plan(changes=added), "changed": Plan(changes=changed)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--kind", choices=("noise", "smooth"), default="noise")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = make_images(root, args.images, args.kind)
        for name, plan in plans(list(paths)).items():
            sides = 2 if name == "changed" else 1
            budget = per_preview_budget(args.images * sides)
            started = time.perf_counter()
            local = read_local_thumbnails(root, paths, max_bytes=budget)
            made = time.perf_counter() - started
            previews = Previews(new=local, old=local if sides == 2 else {})
            timings = []
            page = ""
            for _ in range(5):
                started = time.perf_counter()
                page = render_html(plan, header="API: bench · state: bench", previews=previews)
                timings.append(time.perf_counter() - started)
            size = len(page.encode("utf-8"))
            mean_preview = statistics.mean(len(p) for p in local.values())
            print(
                f"{name:8} {args.kind:6} {args.images} images: previews made in {made:.2f} s "
                f"(budget {budget:,} B, mean {mean_preview:,.0f} B), render "
                f"{statistics.median(timings) * 1000:.1f} ms median, page {size / 1e6:.2f} MB, "
                f"{page.count('<img'):,} <img>"
            )


if __name__ == "__main__":
    main()
