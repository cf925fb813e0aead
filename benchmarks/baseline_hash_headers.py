"""The baseline `tailor validate` is measured against: a plain single-threaded script that
finds the images, reads each one's header for its size and hashes its bytes.

    python benchmarks/baseline_hash_headers.py WORKSPACE

It prints one JSON line: the image count, its own wall time (from the first line of `main`,
after its imports) and the process's peak RSS. No manifests, no cache, no checks: what any
tool must do at least to know the images' content and dimensions.
"""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import time
from pathlib import Path

from PIL import Image


def hash_and_header(path: Path) -> tuple[str, int, int]:
    with path.open("rb") as handle:
        width, height = Image.open(handle).size
        handle.seek(0)
        digest = hashlib.sha256()
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest(), width, height


def main() -> None:
    started = time.perf_counter()
    root = Path(sys.argv[1])
    suffixes = {".png", ".jpg", ".jpeg", ".webp"}
    images = sorted(p for p in root.rglob("*") if p.suffix.lower() in suffixes)
    facts = [hash_and_header(path) for path in images]
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"images": len(facts), "seconds": seconds, "peak_rss_mib": peak_kib / 1024}))


if __name__ == "__main__":
    main()
