from __future__ import annotations

import io
from datetime import datetime, timedelta

from rich.console import Console

from reconciler.addresses import Address
from reconciler.events import (
    AddressResult,
    Hooks,
    ResultStatus,
    StepEvent,
    StepOutcome,
    WaitEvent,
)
from reconciler.plan.model import Action, Change, Plan, Reason, Step, StepKind
from reconciler.render.progress import (
    LineProgress,
    RichProgress,
    image_step_totals,
    render_outcome_table,
)

UPLOAD = "POST /tailored-gen/datasets/{dataset_id}/images"
DATASET = Address("p", dataset="v1")
MODEL = Address("p", model="m")


def _image_plan(count: int) -> Plan:
    changes = [
        Change(DATASET, Action.CREATE, Reason.NEW, steps=(Step(StepKind.CREATE_DATASET, DATASET),))
    ]
    for i in range(count):
        address = Address("p", dataset="v1", image=f"i{i:04d}.png")
        changes.append(
            Change(
                address, Action.CREATE, Reason.NEW, steps=(Step(StepKind.UPLOAD_IMAGE, address),)
            )
        )
    changes.append(
        Change(
            MODEL,
            Action.CREATE,
            Reason.NEW,
            steps=(Step(StepKind.CREATE_MODEL, MODEL), Step(StepKind.START_TRAINING, MODEL)),
        )
    )
    return Plan(changes=tuple(changes))


class FakeClock:
    """Monotonic and wall clock that the test moves by hand."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def monotonic(self) -> float:
        return self.seconds

    def wall(self) -> datetime:
        return datetime(2026, 1, 1, 12, 0, 0) + timedelta(seconds=self.seconds)


def _line_progress(plan: Plan, clock: FakeClock, **kw: int) -> tuple[LineProgress, io.StringIO]:
    stream = io.StringIO()
    progress = LineProgress(
        stream, plan=plan, interval=10.0, monotonic=clock.monotonic, wall_clock=clock.wall, **kw
    )
    return progress, stream


def test_upload_lines_are_rate_limited() -> None:
    plan = _image_plan(200)
    clock = FakeClock()
    progress, stream = _line_progress(plan, clock)
    hooks: Hooks = progress
    for i in range(200):
        clock.seconds = i * 0.25  # 50 seconds in total
        address = f"p/datasets/v1/images/i{i:04d}.png"
        hooks.on_step(StepEvent(address, UPLOAD, StepOutcome.STARTED))
        hooks.on_step(StepEvent(address, UPLOAD, StepOutcome.DONE))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[12:00:00] p/datasets/v1: uploaded 1/200 images"
    assert lines[-1] == "[12:00:49] p/datasets/v1: uploaded 200/200 images"
    assert 5 <= len(lines) <= 8


def test_uploads_and_captions_count_steps_not_images() -> None:
    """Three images, each uploaded then captioned: six steps, never "uploaded 1/6 images"."""
    changes = []
    for i in range(3):
        address = Address("p", dataset="v1", image=f"i{i}.png")
        steps = (Step(StepKind.UPLOAD_IMAGE, address), Step(StepKind.UPDATE_CAPTION, address))
        changes.append(Change(address, Action.CREATE, Reason.NEW, steps=steps))
    progress, stream = _line_progress(Plan(changes=tuple(changes)), FakeClock())
    progress.on_step(StepEvent("p/datasets/v1/images/i0.png", UPLOAD, StepOutcome.DONE))
    assert stream.getvalue().splitlines() == [
        "[12:00:00] p/datasets/v1: image steps 1/6 done (uploaded 1)"
    ]


def test_image_failures_print_up_to_a_limit_then_count() -> None:
    plan = _image_plan(50)
    clock = FakeClock()
    progress, stream = _line_progress(plan, clock, max_image_failures=3)
    for i in range(50):
        address = f"p/datasets/v1/images/i{i:04d}.png"
        progress.on_step(StepEvent(address, UPLOAD, StepOutcome.FAILED, "HTTP 422: too small"))
    text = stream.getvalue()
    assert text.count("failed: HTTP 422: too small") == 3
    assert "p/datasets/v1: further image failures are only counted" in text
    assert text.splitlines()[-1].endswith("uploaded 0/50 images, 50 failed")


def test_resource_steps_and_waits() -> None:
    clock = FakeClock()
    progress, stream = _line_progress(_image_plan(1), clock)
    progress.on_step(StepEvent("p/models/m", "POST /tailored-gen/models", StepOutcome.STARTED))
    progress.on_step(StepEvent("p/models/m", "POST /tailored-gen/models", StepOutcome.DONE))
    for second in range(30):
        clock.seconds = second
        progress.on_wait(WaitEvent("p/models/m", "training", "InProgress", second / 100))
    clock.seconds = 31
    progress.on_wait(WaitEvent("p/models/m", "training", "Completed", 1.0))
    assert stream.getvalue().splitlines() == [
        "[12:00:00] p/models/m: POST /tailored-gen/models done",
        "[12:00:00] p/models/m: training InProgress (0%)",
        "[12:00:31] p/models/m: training Completed (100%), waiting 31 s",
    ]


def test_a_long_wait_prints_a_heartbeat_at_most_every_minute() -> None:
    """Two hours of training polled every 15 s, in a CI log: one line a minute, with the time
    waited so far (a line per poll filled logs; a status alone did not show it was alive)."""
    clock = FakeClock()
    progress, stream = _line_progress(_image_plan(1), clock)
    for tick in range(0, 2 * 3600, 15):
        clock.seconds = tick
        progress.on_wait(WaitEvent("p/models/m", "training", "InProgress"))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 120
    assert lines[1] == "[12:01:00] p/models/m: training InProgress, waiting 1 min 00 s"
    assert lines[-1] == "[13:59:00] p/models/m: training InProgress, waiting 1 h 59 min"


def _result(address: str, status: ResultStatus, message: str = "") -> AddressResult:
    return AddressResult(Address.parse(address), status, message)


def test_outcome_table_groups_images_under_their_dataset() -> None:
    results = [
        _result("p/models/m", ResultStatus.NOT_STARTED, "its dataset failed"),
        _result("p", ResultStatus.DONE),
        _result("p/datasets/v1", ResultStatus.DONE),
        *(_result(f"p/datasets/v1/images/i{i}.png", ResultStatus.DONE) for i in range(5)),
        _result("p/datasets/v1/images/bad.png", ResultStatus.FAILED, "HTTP 415"),
        _result("p/datasets/v2", ResultStatus.DONE),
    ]
    assert render_outcome_table(results) == (
        "Apply results:\n"
        "  done         p\n"
        "  done         p/datasets/v1\n"
        "  failed       p/datasets/v1 images (6)      5 done, 1 failed\n"
        "  failed       p/datasets/v1/images/bad.png  HTTP 415\n"
        "  done         p/datasets/v2\n"
        "  not started  p/models/m                    its dataset failed\n"
        "\n"
        "Apply: 3 done (and 5 images), 0 failed (and 1 image), 1 not started.\n"
    )
    assert "\x1b[" in render_outcome_table(results, color=True)


def test_outcome_table_bounds_listed_failures() -> None:
    results = [
        _result(f"p/datasets/v1/images/i{i:03d}.png", ResultStatus.FAILED, "x")
        for i in range(100)
    ]
    text = render_outcome_table(results, max_failed_images=5)
    assert text.count("  x\n") == 5
    assert "… 95 more failed" in text


def test_image_step_totals() -> None:
    assert image_step_totals(_image_plan(7)) == {"p/datasets/v1": 7}


def test_rich_progress_draws_bars_on_a_terminal() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100)
    plan = _image_plan(4)
    with RichProgress(console, plan=plan) as progress:
        for i in range(4):
            address = f"p/datasets/v1/images/i{i:04d}.png"
            progress.on_step(StepEvent(address, UPLOAD, StepOutcome.DONE))
        progress.on_step(StepEvent("p/models/m", "POST [x] /models", StepOutcome.FAILED, "boom"))
        progress.on_wait(WaitEvent("p/models/m", "training", "InProgress", 0.5))
    output = buffer.getvalue()
    assert "p/datasets/v1 images" in output
    assert "4/4" in output
    assert "POST [x] /models failed: boom" in output
    assert "\x1b[" in output
