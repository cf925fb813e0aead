"""Apply progress: the `Hooks` the engine calls, and the table shown when apply ends.

Two listeners with one behaviour: `RichProgress` draws bars on a terminal, `LineProgress`
writes timestamped lines that are rate-limited (per dataset and per wait) so a CI log of a
5,000-image upload stays a few dozen lines long. When apply ends, `render_outcome_table` shows
the executor's results (`AddressResult`s, one per address). `RateLimitNotices` says why a run
that Bria slows down with 429 answers is waiting.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from reconciler.addresses import Address, AddressError, Kind
from reconciler.events import (
    AddressResult,
    RateLimitEvent,
    ResultStatus,
    StepEvent,
    StepOutcome,
    WaitEvent,
)
from reconciler.plan.model import Action, Plan, StepKind
from reconciler.render.style import Style
from reconciler.unprintable import visible

if TYPE_CHECKING:  # rich is imported by RichProgress: plan and the rate-limit lines need none
    from rich.console import Console
    from rich.progress import TaskID

# --------------------------------------------------------------------------- results


def _image_rows(
    dataset: Address, items: list[AddressResult], max_failed: int
) -> list[tuple[ResultStatus, str, str]]:
    counts = Counter(r.status for r in items)
    worst = next(
        (o for o in (ResultStatus.FAILED, ResultStatus.NOT_STARTED) if counts[o]),
        ResultStatus.DONE,
    )
    text = ", ".join(f"{counts[o]:,} {o.value}" for o in ResultStatus if counts[o])
    rows = [(worst, f"{dataset} images ({len(items):,})", text)]
    failures = [r for r in items if r.status is ResultStatus.FAILED]
    rows.extend((r.status, visible(str(r.address)), r.message) for r in failures[:max_failed])
    if len(failures) > max_failed:
        rows.append((ResultStatus.FAILED, f"… {len(failures) - max_failed:,} more failed", ""))
    return rows


def _image_dataset(address: Address) -> Address | None:
    return address.parent if address.kind is Kind.IMAGE else None


def _row_key(address: Address) -> tuple[str, int, str, str]:
    """Address order, except that images follow their own dataset."""
    project, order, middle, image = address.sort_key()
    return (project, min(order, 1) if address.kind is Kind.IMAGE else order, middle, image)


def render_outcome_table(
    results: Sequence[AddressResult],
    *,
    color: bool = False,
    max_failed_images: int = 20,
    verb: str = "Apply",
) -> str:
    """Resources one row each; images one row per dataset, with failed images listed (up to
    `max_failed_images` per dataset) so the reason for each failure is visible."""
    style = Style(color)
    ordered = sorted(results, key=lambda r: _row_key(r.address))
    images: dict[Address, list[AddressResult]] = {}
    for result in ordered:
        dataset = _image_dataset(result.address)
        if dataset is not None:
            images.setdefault(dataset, []).append(result)
    rows: list[tuple[ResultStatus, str, str]] = []
    for result in ordered:
        dataset = _image_dataset(result.address)
        if dataset is None:
            rows.append((result.status, visible(result.label), result.message))
        elif dataset in images:
            rows.extend(_image_rows(dataset, images.pop(dataset), max_failed_images))
    colours = {
        ResultStatus.DONE: "green",
        ResultStatus.FAILED: "red",
        ResultStatus.NOT_STARTED: "yellow",
    }
    width = min(max((len(address) for _, address, _ in rows), default=0), 70)
    lines = [f"{verb} results:"]
    for status, address, message in rows:
        cell = style(f"{status.value:<11}", colours[status])
        line = f"  {cell}  {address:<{width}}"
        if message:
            line += f"  {message}"
        lines.append(line.rstrip())
    lines += ["", outcome_line(results, verb)]
    return "\n".join(lines) + "\n"


def outcome_line(results: Sequence[AddressResult], verb: str = "Apply") -> str:
    """`Apply: 3 done (and 6 images), 0 failed, 0 not started.`: counted as the plan's line
    counts, projects, datasets and models with images apart."""
    resources: Counter[ResultStatus] = Counter()
    images: Counter[ResultStatus] = Counter()
    for result in results:
        (images if result.address.kind is Kind.IMAGE else resources)[result.status] += 1
    parts = []
    for status, word in (
        (ResultStatus.DONE, "done"),
        (ResultStatus.FAILED, "failed"),
        (ResultStatus.NOT_STARTED, "not started"),
    ):
        text = f"{resources[status]:,} {word}"
        if images[status]:
            text += f" (and {images[status]:,} image{'s' * (images[status] != 1)})"
        parts.append(text)
    return f"{verb}: {', '.join(parts)}."


# --------------------------------------------------------------------------- listeners


def per_minute_text(per_minute: float) -> str:
    """60 -> "60 requests/minute"; 2.5 -> "2.5 requests/minute"."""
    rounded = round(per_minute) if per_minute >= 10 else round(per_minute, 1)
    return f"{rounded:g} requests/minute"


class RateLimitNotices:
    """`waiting for Bria's rate limit (30 requests/minute); 143 of 210 requests done`.

    Called with every 429 the client meets (see BriaClient.on_rate_limit); writes at most one
    line per `interval` seconds. `expected` is the run's predicted request count (the plan's
    cost) and `start` the client's answered count when the run began, so that the line counts
    this run's requests only.
    """

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        expected: int | None = None,
        start: int = 0,
        interval: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self._expected = expected
        self._start = start
        self._interval = interval
        self._monotonic = monotonic
        self._shown: float | None = None

    def __call__(self, event: RateLimitEvent) -> None:
        now = self._monotonic()
        if self._shown is not None and now - self._shown < self._interval:
            return
        self._shown = now
        pace = "" if event.per_minute is None else f" ({per_minute_text(event.per_minute)})"
        done = max(0, event.answered - self._start)
        of = f" of {self._expected:,}" if self._expected is not None else ""
        self._write(f"waiting for Bria's rate limit{pace}; {done:,}{of} requests done")


@lru_cache(maxsize=65536)
def _dataset_of_image(address: str) -> str | None:
    """The dataset of an image step's event (events name addresses as text)."""
    try:
        dataset = _image_dataset(Address.parse(address))
    except AddressError:
        return None
    return None if dataset is None else str(dataset)


_VERBS = {"POST": "uploaded", "PUT": "captioned", "DELETE": "deleted"}


def image_step_totals(plan: Plan) -> dict[str, int]:
    """Planned image steps per dataset address: the denominator of the upload counters."""
    totals: Counter[str] = Counter()
    for change in plan.changes:
        if change.kind is Kind.IMAGE and change.action is not Action.NO_OP:
            parent = change.address.parent
            totals[str(parent)] += sum(1 for step in change.steps if not step.deferred)
    return dict(totals)


def _datasets_with_other_image_steps(plan: Plan) -> set[str]:
    """Datasets whose planned image steps are not all uploads (captions, deletes)."""
    return {
        str(change.address.parent)
        for change in plan.changes
        if change.kind is Kind.IMAGE
        and any(s.kind is not StepKind.UPLOAD_IMAGE and not s.deferred for s in change.steps)
    }


@dataclass
class _DatasetCounter:
    total: int | None
    uploads_only: bool = True
    """Every planned step is an upload, so the total counts images."""
    verbs: Counter[str] = field(default_factory=Counter)
    failed: int = 0
    last_shown: float | None = None

    @property
    def finished(self) -> int:
        return sum(self.verbs.values()) + self.failed

    def describe(self) -> str:
        done = sum(self.verbs.values())
        of = f"/{self.total:,}" if self.total is not None else ""
        if self.uploads_only and set(self.verbs) <= {"uploaded"}:
            text = f"uploaded {done:,}{of} images"
        else:
            parts = ", ".join(f"{verb} {n:,}" for verb, n in sorted(self.verbs.items()))
            text = f"image steps {done:,}{of} done ({parts})"
        if self.failed:
            text += f", {self.failed:,} failed"
        return text


class _ImageCounting:
    """The per-dataset image counters both listeners show."""

    def __init__(self, plan: Plan | None) -> None:
        self._totals = image_step_totals(plan) if plan is not None else {}
        self._mixed = _datasets_with_other_image_steps(plan) if plan is not None else set()
        self._datasets: dict[str, _DatasetCounter] = {}

    def _count_image(self, dataset: str, event: StepEvent) -> _DatasetCounter:
        counter = self._datasets.get(dataset)
        if counter is None:
            counter = _DatasetCounter(self._totals.get(dataset), dataset not in self._mixed)
            self._datasets[dataset] = counter
        if event.outcome is StepOutcome.DONE:
            verb = _VERBS.get(event.step.split(" ", 1)[0], "done")
            counter.verbs[verb] += 1
        elif event.outcome is StepOutcome.FAILED:
            counter.failed += 1
        return counter


class LineProgress(_ImageCounting):
    """Plain timestamped lines for logs: `[12:00:01] acme/datasets/v1: uploaded 40/200 images`.

    Image counters print at most once per `interval` seconds each (and always when a
    dataset's images finish); a wait prints when its status changes and otherwise a heartbeat
    with the time waited so far at most once per `heartbeat` seconds (a training polled for
    hours must not fill a CI log); failures always print, up to `max_image_failures` per
    dataset.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        plan: Plan | None = None,
        interval: float = 10.0,
        heartbeat: float = 60.0,
        max_image_failures: int = 10,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        super().__init__(plan)
        self._stream = stream
        self._interval = interval
        self._heartbeat = heartbeat
        self._max_image_failures = max_image_failures
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._waits: dict[tuple[str, str], tuple[str, float]] = {}
        self._wait_started: dict[tuple[str, str], float] = {}

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stream.flush()

    def _emit(self, address: str, text: str) -> None:
        stamp = self._wall_clock().strftime("%H:%M:%S")
        self._stream.write(f"[{stamp}] {visible(address)}: {text}\n")

    def note(self, text: str) -> None:
        """A line about the whole run (not one address), e.g. a rate-limit wait."""
        stamp = self._wall_clock().strftime("%H:%M:%S")
        self._stream.write(f"[{stamp}] {text}\n")

    def on_step(self, event: StepEvent) -> None:
        dataset = _dataset_of_image(event.address)
        if dataset is None:
            self._resource_step(event)
            return
        if event.outcome not in (StepOutcome.DONE, StepOutcome.FAILED):
            return
        counter = self._count_image(dataset, event)
        if event.outcome is StepOutcome.FAILED:
            if counter.failed <= self._max_image_failures:
                self._emit(event.address, f"{event.step} failed: {event.message}")
            if counter.failed == self._max_image_failures:
                self._emit(dataset, "further image failures are only counted")
        now = self._monotonic()
        complete = counter.total is not None and counter.finished >= counter.total
        due = counter.last_shown is None or now - counter.last_shown >= self._interval
        if complete or due:
            counter.last_shown = now
            self._emit(dataset, counter.describe())

    def _resource_step(self, event: StepEvent) -> None:
        if event.outcome is StepOutcome.DONE:
            self._emit(event.address, f"{event.step} done")
        elif event.outcome is StepOutcome.FAILED:
            self._emit(event.address, f"{event.step} failed: {event.message}")
        elif event.outcome is StepOutcome.SKIPPED:
            reason = f": {event.message}" if event.message else ""
            self._emit(event.address, f"{event.step} skipped{reason}")

    def on_wait(self, event: WaitEvent) -> None:
        key = (event.address, event.what)
        now = self._monotonic()
        started = self._wait_started.setdefault(key, now)
        previous = self._waits.get(key)
        if previous is not None:
            status, shown = previous
            if status == event.status and now - shown < self._heartbeat:
                return
        self._waits[key] = (event.status, now)
        text = f"{event.what} {event.status}"
        if event.progress is not None:
            text += f" ({event.progress:.0%})"
        if now > started:
            text += f", waiting {_elapsed(now - started)}"
        self._emit(event.address, text)


def _elapsed(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def rich_escape(text: str) -> str:
    """rich's markup escape, imported with rich when a RichProgress draws."""
    from rich.markup import escape as markup_escape

    return markup_escape(text)


class RichProgress(_ImageCounting):
    """Bars on a terminal: one per dataset's images and one per wait; other steps as lines.

    Use as a context manager so the live display is started and stopped around apply.
    """

    def __init__(self, console: Console, *, plan: Plan | None = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        super().__init__(plan)
        self._console = console
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def _task(self, key: str, description: str, total: float | None) -> TaskID:
        task = self._tasks.get(key)
        if task is None:
            task = self._progress.add_task(description, total=total)
            self._tasks[key] = task
        return task

    def on_step(self, event: StepEvent) -> None:
        dataset = _dataset_of_image(event.address)
        if dataset is None:
            if event.outcome is StepOutcome.DONE:
                self._progress.console.print(
                    f"[green]✓[/] {rich_escape(event.address)}: {rich_escape(event.step)}",
                    highlight=False,
                )
            elif event.outcome is StepOutcome.FAILED:
                self._print_failure(event)
            return
        if event.outcome not in (StepOutcome.DONE, StepOutcome.FAILED):
            return
        counter = self._count_image(dataset, event)
        task = self._task("images:" + dataset, rich_escape(f"{dataset} images"), counter.total)
        self._progress.update(task, completed=counter.finished)
        if event.outcome is StepOutcome.FAILED:
            self._print_failure(event)

    def note(self, text: str) -> None:
        """A line about the whole run (not one address), e.g. a rate-limit wait."""
        self._progress.console.print(rich_escape(text), highlight=False)

    def _print_failure(self, event: StepEvent) -> None:
        text = f"{event.address}: {event.step} failed: {event.message}"
        self._progress.console.print(f"[red]✗[/] {rich_escape(text)}", highlight=False)

    def on_wait(self, event: WaitEvent) -> None:
        key = f"wait:{event.address}:{event.what}"
        description = rich_escape(f"{event.address}: {event.what} {event.status}")
        task = self._task(key, description, 100 if event.progress is not None else None)
        completed = None if event.progress is None else round(event.progress * 100)
        self._progress.update(task, description=description, completed=completed)
