"""An advanced dataset whose one bulk upload is spent (it failed, Bria rejected images, or
someone sent one from the Console): the next plan rebuilds the dataset instead of sending a
second bulk upload, which Bria refuses with 409 (BULK-ONCE-ONLY)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from reconciler.plan.model import Action, Reason
from tests.conftest import SANDBOX_BASE_URL, SANDBOX_ORIGIN
from tests.engine.conftest import Env
from tests.engine.test_bulk_recovery import (
    DATASET,
    NAMES,
    advanced,
    assert_exactly_the_manifest,
    bulk_uploads_sent,
    crashed_apply,
    staging_the_zip,
)

pytestmark = pytest.mark.anyio

Damage = Callable[[bytes], bytes]


def unreadable(_archive: bytes) -> bytes:
    """Bria cannot open the ZIP at all: the job ends `failed`."""
    return b"this is not a zip archive"


def one_broken_image(archive: bytes) -> bytes:
    """The ZIP opens, but its first image is not an image: Bria rejects it, keeps the rest."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for index, info in enumerate(source.infolist()):
            target.writestr(info, b"not an image" if index == 0 else source.read(info))
    return out.getvalue()


class DamagingStage(httpx.AsyncBaseTransport):
    """The ZIP tailor stages on the file host arrives damaged."""

    def __init__(self, inner: httpx.AsyncBaseTransport, damage: Damage) -> None:
        self.inner = inner
        self.damage = damage

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and "/_sandbox/files/" in request.url.path:
            body = self.damage(await request.aread())
            headers = {k: v for k, v in request.headers.items() if k != "content-length"}
            request = httpx.Request("PUT", request.url, headers=headers, content=body)
        return await self.inner.handle_async_request(request)


@contextmanager
def damaged_zip(env: Env, damage: Damage) -> Iterator[None]:
    inner = env.transport.inner
    env.transport.inner = DamagingStage(inner, damage)
    try:
        yield
    finally:
        env.transport.inner = inner


async def bulk_status(env: Env, dataset_id: int) -> dict[str, object]:
    status: dict[str, object] = await env.live(
        f"/tailored-gen/datasets/{dataset_id}/images/bulk-upload/status"
    )
    return status


async def rebuilt_without_client_errors(env: Env, old_id: int, reported: str) -> None:
    """The plan replaces the dataset for BULK-ONCE-ONLY, naming what Bria reported; its apply
    gets no 4xx, deletes the old dataset, and the plan after it is empty."""
    plan = await env.plan()
    change = plan.change_for(str(DATASET))
    assert change is not None
    assert (change.action, change.reason) == (Action.REPLACE, Reason.BULK_ONCE_ONLY)
    assert any(f"bulk upload as {reported}" in note for note in change.notes), change.notes
    sent = await bulk_uploads_sent(env)
    env.transport.answers.clear()

    _, result = await env.apply(plan=plan)
    assert result.ok, result.failed
    assert env.transport.client_errors() == []
    assert await bulk_uploads_sent(env) == sent + 1
    assert env.store.read().require(DATASET).remote_id != old_id
    response = await env.control.get(f"{SANDBOX_BASE_URL}/tailored-gen/datasets/{old_id}")
    assert response.status_code == 404, "the old dataset is deleted"
    await assert_exactly_the_manifest(env)


@pytest.mark.parametrize(
    ("damage", "status", "arrived", "reported"),
    [
        (unreadable, "failed", 0, "'failed'"),
        (one_broken_image, "completed", len(NAMES) - 1, "'completed' with 1 image(s) rejected"),
    ],
    ids=["failed", "partly-rejected"],
)
async def test_a_bulk_upload_that_failed_or_lost_images_is_not_sent_again(
    env: Env, damage: Damage, status: str, arrived: int, reported: str
) -> None:
    advanced(env)
    with damaged_zip(env, damage):
        _, first = await env.apply()
    assert [n.address for n in first.failed if n.address == DATASET] == [DATASET]
    old_id = env.store.read().require(DATASET).remote_id
    assert (await bulk_status(env, old_id))["status"] == status
    assert len(env.store.read().descendants(DATASET)) == arrived

    await rebuilt_without_client_errors(env, old_id, reported)


async def test_a_bulk_upload_sent_from_the_console_is_not_followed_by_tailors(env: Env) -> None:
    """tailor made the dataset but died before its upload; someone then sent a ZIP from the
    Console that Bria could not read."""
    advanced(env)
    await crashed_apply(env, staging_the_zip, sent=False)
    old_id = env.store.read().require(DATASET).remote_id
    staged = await env.control.put(f"{SANDBOX_ORIGIN}/_sandbox/files/theirs.zip", content=b"?")
    staged.raise_for_status()
    sent = await env.control.post(
        f"{SANDBOX_BASE_URL}/tailored-gen/datasets/{old_id}/images/bulk-upload",
        json={"zip_url": f"{SANDBOX_ORIGIN}/_sandbox/files/theirs.zip"},
    )
    assert sent.status_code == 202, sent.text
    await env.sandbox("POST", "clock/advance", {"seconds": 60})
    assert (await bulk_status(env, old_id))["status"] == "failed"

    await rebuilt_without_client_errors(env, old_id, "'failed'")
