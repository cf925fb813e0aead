"""Bounded polling for Bria's asynchronous work: captions, bulk uploads, training, stopping.

Every wait has a deadline and a growing interval (capped), so a stuck job ends as an error
the user can act on instead of an endless loop. Progress goes to the Hooks as WaitEvents.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from reconciler.client.api import BriaClient
from reconciler.client.models import BulkUploadStatus, Dataset, Model
from reconciler.errors import TailorError
from reconciler.events import Hooks, WaitEvent
from reconciler.records import record

T = TypeVar("T")

TRAINING_ENDED = frozenset({"Completed", "Failed", "Stopped", "Deleted"})
"""No training runs any more: what a training wait and a stop wait both poll for."""
BULK_ENDED = frozenset({"completed", "failed"})


class WaitTimeout(TailorError):
    """Bria's asynchronous job did not finish within the bound we allow it."""


class JobFailed(TailorError):
    """Bria's asynchronous job ended, but not the way the plan needs."""


@record
class WaitPolicy:
    """Deadlines (seconds) per kind of job and the polling interval bounds."""

    captions: float = 900.0
    bulk_upload: float = 3600.0
    training: float = 6 * 3600.0
    stopping: float = 900.0
    first_interval: float = 0.2
    max_interval: float = 15.0
    growth: float = 1.6


async def poll(
    fetch: Callable[[], Awaitable[T]],
    finished: Callable[[T], bool],
    *,
    deadline_s: float,
    policy: WaitPolicy,
    describe: Callable[[T], WaitEvent],
    hooks: Hooks,
    what: str,
) -> T:
    """Call `fetch` until `finished` holds or the deadline passes (then WaitTimeout)."""
    start = time.monotonic()
    interval = policy.first_interval
    last_status: str | None = None
    while True:
        value = await fetch()
        event = describe(value)
        if event.status != last_status or event.progress is not None:
            hooks.on_wait(event)
            last_status = event.status
        if finished(value):
            return value
        elapsed = time.monotonic() - start
        if elapsed >= deadline_s:
            raise WaitTimeout(
                f"{what} was still {event.status} after {elapsed:.0f} s",
                hint="run apply again later: it picks up where this run stopped",
            )
        await asyncio.sleep(min(interval, max(0.0, deadline_s - elapsed)))
        interval = min(policy.max_interval, interval * policy.growth)


async def wait_captions(
    client: BriaClient, dataset_id: int, *, address: str, policy: WaitPolicy, hooks: Hooks
) -> Dataset:
    """Until Regenerate All Captions is no longer in progress."""
    return await poll(
        lambda: client.get_dataset(dataset_id, max_images=1),
        lambda d: d.captions_update_status != "in_progress",
        deadline_s=policy.captions,
        policy=policy,
        describe=lambda d: WaitEvent(address, "captions", d.captions_update_status or "unknown"),
        hooks=hooks,
        what=f"caption regeneration of {address}",
    )


async def bulk_upload_ended(
    client: BriaClient, dataset_id: int, *, address: str, policy: WaitPolicy, hooks: Hooks
) -> BulkUploadStatus:
    """Until the bulk upload ends, however it ended (the images that arrived are recorded
    before `check_bulk_upload` judges it)."""
    return await poll(
        lambda: client.bulk_upload_status(dataset_id),
        lambda s: s.status in BULK_ENDED,
        deadline_s=policy.bulk_upload,
        policy=policy,
        describe=lambda s: WaitEvent(
            address, "bulk upload", s.status, s.progress_percentage / 100.0
        ),
        hooks=hooks,
        what=f"bulk upload of {address}",
    )


def check_bulk_upload(status: BulkUploadStatus, address: str) -> None:
    """A failed job or any failed image is a JobFailed."""
    if status.status == "failed":
        raise JobFailed(f"Bria could not read the ZIP of {address}: the bulk upload failed")
    if status.failed_images:
        lines = "\n".join(
            f"  - {f.filename}: {f.error_message or 'rejected'}"
            + (f" ({f.error_code})" if f.error_code else "")
            for f in status.failed_images
        )
        raise JobFailed(
            f"Bria rejected {len(status.failed_images)} image(s) of {address}:\n{lines}",
            hint="fix or remove these images; the dataset is replaced on the next apply",
        )


def _training_event(address: str, model: Model) -> WaitEvent:
    return WaitEvent(address, "training", model.status)


async def wait_training(
    client: BriaClient, model_id: int, *, address: str, policy: WaitPolicy, hooks: Hooks
) -> Model:
    """Until training ends; anything but Completed is a JobFailed."""
    model = await poll(
        lambda: client.get_model(model_id),
        lambda m: m.status in TRAINING_ENDED,
        deadline_s=policy.training,
        policy=policy,
        describe=lambda m: _training_event(address, m),
        hooks=hooks,
        what=f"training of {address}",
    )
    if model.status != "Completed":
        raise JobFailed(f"training of {address} ended {model.status}")
    return model


async def wait_stopped(
    client: BriaClient, model_id: int, *, address: str, policy: WaitPolicy, hooks: Hooks
) -> Model:
    """Until a stopping training has ended (so the model and its parents can be deleted)."""
    return await poll(
        lambda: client.get_model(model_id),
        lambda m: m.status in TRAINING_ENDED,
        deadline_s=policy.stopping,
        policy=policy,
        describe=lambda m: WaitEvent(address, "training stop", m.status),
        hooks=hooks,
        what=f"stopping the training of {address}",
    )
