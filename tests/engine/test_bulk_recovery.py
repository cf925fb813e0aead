"""An advanced dataset's apply dying mid-upload: the next apply deletes the ZIP it left staged
and adopts the one bulk upload Bria accepted (BULK-ONCE-ONLY) instead of rebuilding."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from reconciler.addresses import Address
from reconciler.cli.plan_cmd import pending_warnings
from reconciler.client.staging import SandboxStager
from reconciler.engine import recovery
from reconciler.engine.ledger import BULK_OPERATION, STAGE_OPERATION, StagedZip
from reconciler.engine.planning import make_plan
from reconciler.manifest.workspace import load_workspace
from reconciler.plan.model import Action
from tests.conftest import SANDBOX_BASE_URL
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio

DATASET = Address("acme", dataset="v1")
BULK_ROUTE = "POST /v1/tailored-gen/datasets/{dataset_id}/images/bulk-upload"
NAMES = ["img-00.png", "img-01.png", "img-02.png"]


class Crash(BaseException):
    """The process died: nothing it does afterwards reaches Bria or the file host."""


class DyingTransport(httpx.AsyncBaseTransport):
    """Forwards requests until one that `dies_on` matches: that one is carried out (unless
    not `sent`), its answer never read, and every later request fails (SIGKILL, as the
    network sees it)."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        dies_on: Callable[[httpx.Request], bool],
        sent: bool,
    ) -> None:
        self.inner = inner
        self.dies_on = dies_on
        self.sent = sent
        self.dead = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.dead:
            raise Crash
        dies = self.dies_on(request)
        if dies and not self.sent:
            self.dead = True
            raise Crash
        response = await self.inner.handle_async_request(request)
        if dies:
            self.dead = True
            raise Crash
        return response


@contextmanager
def dying(env: Env, dies_on: Callable[[httpx.Request], bool], sent: bool) -> Iterator[None]:
    """Env's client and stager go through a DyingTransport while the block runs."""
    inner = env.transport.inner
    env.transport.inner = DyingTransport(inner, dies_on, sent)
    try:
        yield
    finally:
        env.transport.inner = inner


def staging_the_zip(request: httpx.Request) -> bool:
    return request.method == "PUT" and "/_sandbox/files/" in request.url.path


def sending_the_bulk_upload(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/bulk-upload")


def polling_the_bulk_upload(request: httpx.Request) -> bool:
    return request.method == "GET" and request.url.path.endswith("/bulk-upload/status")


def advanced(env: Env, *, captions: bool = False) -> None:
    seed_images(env.root, "acme", len(NAMES), size=1024)
    body = simple_project(upload="advanced", models={})
    if captions:
        body["datasets"]["v1"]["images"] = [
            {"path": f"images/acme/{name}", "caption": f"Foxy {name}"} for name in NAMES
        ]
    write_manifest(env.root, "acme", body)


async def crashed_apply(
    env: Env, dies_on: Callable[[httpx.Request], bool], *, sent: bool = True
) -> None:
    with dying(env, dies_on, sent), pytest.raises(Crash):
        await env.apply()


def staged_left(env: Env) -> list[StagedZip]:
    """The staged ZIPs the journal says a run left behind."""
    intents = env.store.read().intents
    return [StagedZip.from_details(i.address, i.details) for i in intents
            if i.operation == STAGE_OPERATION]


def bulk_pending(env: Env) -> int:
    return sum(i.operation == BULK_OPERATION for i in env.store.read().intents)


async def staged_file_status(env: Env, key: str) -> int:
    url = SandboxStager(SANDBOX_BASE_URL).where(key)
    return (await env.control.get(url)).status_code


async def bulk_uploads_sent(env: Env) -> int:
    stats = await env.sandbox("GET", "stats")
    count: int = stats["requests"].get(BULK_ROUTE, 0)
    return count


async def assert_exactly_the_manifest(env: Env) -> None:
    """One dataset holding the declared images, each recorded once, nothing pending."""
    state = env.store.read()
    assert state.intents == ()
    datasets = await env.live("/tailored-gen/datasets")
    assert [d["id"] for d in datasets] == [state.require(DATASET).remote_id]
    assert datasets[0]["status"] == "completed"
    images = await env.live(f"/tailored-gen/datasets/{datasets[0]['id']}/images")
    assert sorted(i["image_name"] for i in images) == NAMES
    recorded = {e.remote_id for e in state.descendants(DATASET)}
    assert recorded == {i["id"] for i in images}
    assert not (await env.plan()).has_changes


# ---------------------------------------------------------------------- gap 1: staged ZIPs


async def test_a_zip_staged_before_a_crash_is_deleted_by_the_next_apply(env: Env) -> None:
    advanced(env)
    await crashed_apply(env, staging_the_zip)
    left = staged_left(env)
    assert len(left) == 1
    assert left[0].location == SandboxStager(SANDBOX_BASE_URL).location
    assert await staged_file_status(env, left[0].key) == 200, "the crash left the ZIP staged"
    assert await bulk_uploads_sent(env) == 0

    _, result = await env.apply()
    assert result.ok, result.failed
    assert await staged_file_status(env, left[0].key) == 404
    assert await bulk_uploads_sent(env) == 1
    await assert_exactly_the_manifest(env)


async def test_the_zip_of_every_apply_is_deleted_and_its_journal_closed(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a crash: staged, journaled, deleted, closed (a deletion is what closes it)."""
    advanced(env)
    staged: list[str] = []
    original = SandboxStager.new_key

    def remembered(stager: SandboxStager, name: str) -> str:
        staged.append(original(stager, name))
        return staged[-1]

    monkeypatch.setattr(SandboxStager, "new_key", remembered)
    _, result = await env.apply()
    assert result.ok, result.failed
    assert len(staged) == 1
    assert await staged_file_status(env, staged[0]) == 404
    await assert_exactly_the_manifest(env)


class RefusingDeletes(httpx.AsyncBaseTransport):
    """The file host refuses every DELETE (a bucket policy without s3:DeleteObject)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE" and "/_sandbox/files/" in request.url.path:
            return httpx.Response(503)
        return await self.inner.handle_async_request(request)


async def test_a_zip_that_could_not_be_deleted_is_deleted_by_the_next_apply(env: Env) -> None:
    advanced(env)
    inner = env.transport.inner
    env.transport.inner = RefusingDeletes(inner)
    try:
        _, result = await env.apply()
    finally:
        env.transport.inner = inner
    assert [n.address for n in result.failed] == [DATASET]
    assert "did not delete" in result.failed[0].message
    left = staged_left(env)
    assert len(left) == 1
    assert bulk_pending(env) == 0, "the upload ended and its images are recorded"
    assert len(env.store.read().descendants(DATASET)) == len(NAMES)

    _, result = await env.apply()
    assert result.ok, result.failed
    assert await staged_file_status(env, left[0].key) == 404
    assert await bulk_uploads_sent(env) == 1
    await assert_exactly_the_manifest(env)


async def test_plan_deletes_nothing_and_a_foreign_location_is_left_alone(env: Env) -> None:
    advanced(env)
    await crashed_apply(env, staging_the_zip)
    left = staged_left(env)
    assert len(left) == 1
    document = env.store.read()
    inspected = await recovery.inspect(env.client, document)
    assert [r.verdict for r in inspected] == [recovery.Verdict.UNSTAGE]
    assert await staged_file_status(env, left[0].key) == 200, "plan only looks"

    other = SandboxStager("http://127.0.0.2:8787/v1", transport=env.transport.inner)
    with env.store.lock("apply") as lock:
        done = await recovery.resolve(env.client, env.store, lock, stager=other)
    assert await staged_file_status(env, left[0].key) == 200
    assert "delete it by hand" in done[0].describe() and left[0].key in done[0].describe()
    assert env.store.read().intents == (), "reported once, not on every run"


# ---------------------------------------------------------------------- gap 2: bulk upload


@pytest.mark.parametrize(
    "dies_on", [sending_the_bulk_upload, polling_the_bulk_upload], ids=["request", "wait"]
)
@pytest.mark.parametrize("finished", [False, True], ids=["still-running", "finished"])
async def test_a_bulk_upload_sent_before_a_crash_is_adopted_not_repeated(
    env: Env, dies_on: Callable[[httpx.Request], bool], finished: bool
) -> None:
    advanced(env)
    await crashed_apply(env, dies_on)
    assert bulk_pending(env) == 1
    assert env.store.read().descendants(DATASET) == [], "the crash recorded no image"
    left = staged_left(env)
    assert len(left) == 1
    if finished:
        await env.sandbox("POST", "clock/advance", {"seconds": 60})

    plan, result = await env.apply()
    assert result.ok, result.failed
    actions = {str(c.address): c.action for c in plan.changes}
    assert Action.REPLACE not in actions.values() and Action.CREATE not in actions.values()
    dataset = next(c for c in plan.changes if c.address == DATASET)
    assert [fc.field for fc in dataset.field_changes] == ["completed"], "only completion left"
    assert await bulk_uploads_sent(env) == 1
    assert await staged_file_status(env, left[0].key) == 404
    await assert_exactly_the_manifest(env)


async def test_explicit_captions_not_in_the_zip_are_put_after_adoption(env: Env) -> None:
    """Captions the bulk upload did not carry are recorded as not yet set: the next plan
    PUTs them on the adopted images."""
    seed_images(env.root, "acme", len(NAMES), size=1024)
    body = simple_project(upload="advanced", models={})
    body["datasets"]["v1"]["images"] = [
        {"path": "images/acme/img-00.png", "caption": "Foxy sitting"},
        "images/acme/img-01.png",
        "images/acme/img-02.png",
    ]
    write_manifest(env.root, "acme", body)
    await crashed_apply(env, sending_the_bulk_upload)
    plan, result = await env.apply()
    assert result.ok, result.failed
    updated = [str(c.address) for c in plan.changes if c.action is Action.UPDATE]
    assert updated == ["acme/datasets/v1", "acme/datasets/v1/images/img-00.png"]
    assert await bulk_uploads_sent(env) == 1
    await assert_exactly_the_manifest(env)
    image_id = env.store.read().require("acme/datasets/v1/images/img-00.png").remote_id
    dataset_id = env.store.read().require(DATASET).remote_id
    live = await env.live(f"/tailored-gen/datasets/{dataset_id}/images")
    assert next(i["caption"] for i in live if i["id"] == image_id) == "Foxy sitting"


async def test_captions_carried_by_the_zip_need_no_step_after_adoption(env: Env) -> None:
    advanced(env, captions=True)
    await crashed_apply(env, sending_the_bulk_upload)
    plan, result = await env.apply()
    assert result.ok, result.failed
    assert {c.action for c in plan.changes if c.address != DATASET} == {Action.NO_OP}
    await assert_exactly_the_manifest(env)


async def test_a_bulk_upload_that_never_reached_bria_is_sent_by_the_next_apply(
    env: Env,
) -> None:
    """The crash came after the journal entry, before the request left: nothing to adopt."""
    advanced(env)
    await crashed_apply(env, sending_the_bulk_upload, sent=False)
    assert bulk_pending(env) == 1
    plan, result = await env.apply()
    assert result.ok, result.failed
    assert Action.REPLACE not in {c.action for c in plan.changes}
    assert await bulk_uploads_sent(env) == 1
    await assert_exactly_the_manifest(env)


async def test_plan_previews_the_adoption_and_does_not_wait(env: Env) -> None:
    advanced(env)
    await crashed_apply(env, sending_the_bulk_upload)
    document = env.store.read()
    running = await recovery.inspect(env.client, document)
    by_operation = {r.intent.operation: r.verdict for r in running}
    assert by_operation[BULK_OPERATION] is recovery.Verdict.RUNNING
    warnings = pending_warnings(running, workspace=env.root, saved_to=None)
    assert warnings[0].startswith(f"warning: {len(running)} operation(s) of an interrupted")
    assert warnings[1:] == [
        f"warning: {DATASET}: the bulk upload an interrupted apply sent is still running at "
        "Bria, so this plan cannot include its images yet; `tailor apply` first waits for it "
        "and records them, then plans again."
    ]
    await env.sandbox("POST", "clock/advance", {"seconds": 60})
    done = await recovery.inspect(env.client, document)
    adopted = next(r for r in done if r.intent.operation == BULK_OPERATION)
    assert len(pending_warnings(done, workspace=env.root, saved_to=None)) == 1
    assert adopted.verdict is recovery.Verdict.ADOPT and sorted(adopted.images) == NAMES
    previewed = recovery.preview(document, done)
    plan, _ = await make_plan(env.client, load_workspace(env.root), previewed)
    assert {c.action for c in plan.changes if c.address != DATASET} == {Action.NO_OP}
    assert env.store.read().intents == document.intents, "inspect writes nothing"


async def test_a_rebuild_that_crashed_after_its_bulk_upload_is_finished_not_restarted(
    env: Env,
) -> None:
    """The replacement dataset got the upload: it is adopted, the old one deleted, and no
    third dataset is made."""
    advanced(env)
    _, first = await env.apply()
    assert first.ok, first.failed
    old_id = env.store.read().require(DATASET).remote_id
    seed_images(env.root, "acme", 1, size=1024, offset=50)  # img-00.png has new content
    rebuild = await env.plan()
    assert next(c for c in rebuild.changes if c.address == DATASET).action is Action.REPLACE
    await crashed_apply(env, sending_the_bulk_upload)
    new_id = env.store.read().require(DATASET).remote_id
    assert new_id != old_id and env.store.read().require(DATASET).deposed == (old_id,)

    plan, result = await env.apply()
    assert result.ok, result.failed
    assert Action.REPLACE not in {c.action for c in plan.changes}
    assert [c.deposed for c in plan.changes if c.action is Action.DELETE] == [old_id]
    assert await bulk_uploads_sent(env) == 2
    assert env.store.read().require(DATASET).remote_id == new_id
    await assert_exactly_the_manifest(env)
