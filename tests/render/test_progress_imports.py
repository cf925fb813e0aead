"""Commands that only plan or report rate limits do not import rich: it loads with the live
progress bars of `apply` (~0.04 s of start-up otherwise spent by every `tailor plan`)."""

from __future__ import annotations

import subprocess
import sys


def test_plan_and_the_rate_limit_lines_import_no_rich() -> None:
    probe = (  # as the `tailor` process, which marks httpx's own CLI (rich) absent
        "import sys\n"
        "from reconciler.cli.main import UNUSED_OPTIONAL_IMPORTS\n"
        "sys.modules.update(dict.fromkeys(UNUSED_OPTIONAL_IMPORTS))\n"
        "import reconciler.cli.plan_cmd\n"
        "from reconciler.render.progress import RateLimitNotices\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'rich'))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert found.stdout.strip() == "[]", found.stdout


def test_the_progress_bars_still_draw_with_rich() -> None:
    import io

    from rich.console import Console

    from reconciler.render.progress import RichProgress

    console = Console(file=io.StringIO(), force_terminal=False, width=80)
    with RichProgress(console) as progress:
        progress.note("waiting for Bria's [rate] limit")
    assert "waiting for Bria's [rate] limit" in console.file.getvalue()  # type: ignore[attr-defined]
