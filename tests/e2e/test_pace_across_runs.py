"""The pace's allowance is the workspace's, not the run's: a `tailor plan` and the `tailor apply`
right after it, two runs of the CLI against `tailor sandbox serve` counting 5 requests a minute,
together send more than 5 in a minute, yet draw no 429 (client/recent_starts.py).

The minute is shortened to 4 s on our side (`settings.RATE_WINDOW_SECONDS`, so the runs are
click's runner in this process, each with its own client and pacer) and 3.5 s on the
sandbox's, as in test_rate_limits.py.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from reconciler import settings
from reconciler.client.recent_starts import HISTORY_FILE
from tests.e2e.conftest import assert_no_token, make_workspace, tailor_here
from tests.e2e.test_rate_limits import WAITING, limited_sandbox

pytestmark = [pytest.mark.slow, pytest.mark.socket]

RATE = ("--requests-per-minute", "5")


def test_a_plan_then_an_apply_at_once_draw_no_429_and_the_apply_says_it_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan's request and the apply's first 5 would be 6 in the sandbox's minute: counted
    alone, the apply drew a 429 and went on at half the rate, strictly spaced."""
    monkeypatch.setattr(settings, "RATE_WINDOW_SECONDS", 4.0)
    with limited_sandbox(tmp_path / "sandbox.db") as sandbox:
        sandbox.control("PUT", "limits", {"requests_per_minute": 5, "window_seconds": 3.5})
        ws = make_workspace(tmp_path, sandbox.api)
        sandbox.control("POST", "stats/reset")
        planned = tailor_here("plan", *RATE, str(ws))
        assert planned.exit_code == 0, planned.output
        plan_requests = sandbox.stats()["total"]
        started = time.monotonic()
        applied = tailor_here("apply", "--auto-approve", *RATE, str(ws))
        elapsed = time.monotonic() - started
        assert applied.exit_code == 0, applied.output
        received = sandbox.stats()["total"]
        admitted = sandbox.control("GET", "limits")["quota_used"]
    assert received - admitted == 0, f"{received - admitted} requests drew a 429"
    assert plan_requests >= 1 and received == plan_requests + 16
    assert WAITING not in applied.output
    assert elapsed >= 3 * 4.0 / 0.98 * 0.95, "16 requests at 5 a minute: three minutes' wait"
    record = json.loads((ws / HISTORY_FILE).read_text())
    assert list(record["origins"]) == [sandbox.origin]
    assert_no_token(ws, [planned.output, applied.output])
