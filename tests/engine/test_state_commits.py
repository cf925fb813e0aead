"""Apply's state writes are group committed: few commits per apply, and a crash between a
create's answer and its commit is settled by recovery (the intent was durable first)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.client.staging import SandboxStager
from reconciler.engine import recovery
from reconciler.engine.apply_result import ApplyResult, RunControl
from reconciler.engine.executor import execute
from reconciler.engine.ledger import Ledger
from reconciler.engine.run_context import RunContext
from reconciler.events import NoHooks, StepEvent, StepOutcome
from reconciler.state import group_commit
from reconciler.state.sqlite import SqliteStateStore
from reconciler.state.store import StateLock
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio


@pytest.fixture
def commits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Committed write transactions of SQLite stores, counted; and a window long enough that
    only durability (intents, the end of the run) commits."""
    count = [0]
    original = SqliteStateStore._write_transaction

    @contextmanager
    def counting(self: SqliteStateStore, lock: StateLock) -> Iterator[Any]:
        with original(self, lock) as executor:
            yield executor
        count[0] += 1

    monkeypatch.setattr(SqliteStateStore, "_write_transaction", counting)
    monkeypatch.setattr(group_commit, "WINDOW_SECONDS", 3600.0)
    return count


def captioned(images: int, caption: str) -> dict[str, Any]:
    body = simple_project(images=images, completed=False, models={})
    body["datasets"]["v1"]["images"] = [
        {"path": f"images/acme/img-{index:02d}.png", "caption": f"{caption} {index}"}
        for index in range(images)
    ]
    return body


async def test_caption_updates_share_a_handful_of_commits(env: Env, commits: list[int]) -> None:
    seed_images(env.root, "acme", 30)
    write_manifest(env.root, "acme", captioned(30, "a fox"))
    _, first = await env.apply()
    assert first.ok, first.failed
    write_manifest(env.root, "acme", captioned(30, "a fox, reworded"))
    commits[0] = 0
    plan, result = await env.apply()
    assert result.ok, result.failed
    steps = sum(len(change.steps) for change in plan.changes)
    assert steps >= 30
    # One to prune the journal when the lock is taken, one at the end (3 per image before).
    assert commits[0] <= 2, (commits[0], steps)
    recorded = env.store.read().require("acme/datasets/v1/images/img-07.png").attributes
    assert recorded["caption"] == "a fox, reworded 7"


async def test_creates_commit_once_each_for_their_intent(env: Env, commits: list[int]) -> None:
    seed_images(env.root, "acme", 30)
    write_manifest(env.root, "acme", simple_project(images=30, completed=False, models={}))
    plan, result = await env.apply()
    assert result.ok, result.failed
    creates = sum(1 for c in plan.changes if c.action.value == "create")
    assert creates == 32  # project, dataset, 30 images
    # Each intent is durable before its request; the completions ride along (2 each before).
    assert commits[0] <= creates + 5, (commits[0], creates)
    assert len(env.store.read().resources) == 32


class CrashImage:
    """Hooks that copy the state's committed bytes at the first step event `when` picks:
    what a kill -9 at that moment would leave on disk."""

    def __init__(self, state: Path, into: Path, when: Callable[[StepEvent], bool]) -> None:
        self.state, self.into, self.when = state, into, when
        self.taken = False

    def on_step(self, event: StepEvent) -> None:
        if self.when(event) and not self.taken:
            source, target = sqlite3.connect(self.state), sqlite3.connect(self.into)
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
            self.taken = True

    def on_wait(self, event: object) -> None:
        return None


async def run_with(env: Env, hooks: CrashImage, *, parallelism: int) -> ApplyResult:
    plan = await env.plan()
    lock = env.store.acquire_lock("apply")
    try:
        ctx = RunContext(
            client=env.client, ledger=Ledger.open(env.store, lock), root=env.root, hooks=hooks,
            stager=SandboxStager("http://127.0.0.1:8787", transport=env.transport.inner),
        )
        return await execute(plan, ctx, parallelism=parallelism)
    finally:
        env.store.release_lock(lock)


async def test_what_a_step_builds_on_is_committed_before_it_is_sent(
    env: Env, commits: list[int], tmp_path: Path
) -> None:
    """Completing a dataset freezes its captions at Bria: the images' records must be on
    disk before the request goes, or a crash leaves captions a rerun can no longer set."""
    seed_images(env.root, "acme", 5)
    body = captioned(5, "a fox")
    body["datasets"]["v1"]["completed"] = True
    write_manifest(env.root, "acme", body)
    crash = tmp_path / "crash.db"
    hooks = CrashImage(
        env.root / ".tailor" / "state.db", crash,
        lambda e: e.step == "PUT /tailored-gen/datasets/{dataset_id}"  # the completion
        and e.outcome is StepOutcome.STARTED,
    )
    result = await run_with(env, hooks, parallelism=4)
    assert result.ok and hooks.taken, result.failed
    crashed = SqliteStateStore(crash)
    on_disk = crashed.read()
    crashed.close()
    assert on_disk.intents == ()
    images = [a for a in on_disk.resources if "/images/" in a]
    assert len(images) == 5
    assert all(on_disk.resources[a].attributes["caption"] for a in images)


async def test_a_crash_before_a_completion_is_committed_is_settled_by_recovery(
    env: Env, commits: list[int], tmp_path: Path
) -> None:
    seed_images(env.root, "acme", 5)
    write_manifest(env.root, "acme", captioned(5, "a fox"))
    state = env.root / ".tailor" / "state.db"
    crash = tmp_path / "crash.db"
    last = "acme/datasets/v1/images/img-04.png"
    hooks = CrashImage(
        state, crash, lambda e: e.address == last and e.outcome is StepOutcome.DONE
    )
    result = await run_with(env, hooks, parallelism=1)
    assert result.ok and hooks.taken
    env.store.close()
    crashed = SqliteStateStore(crash)
    on_disk = crashed.read()
    # The last image exists at Bria; its completion was queued, not committed.
    assert "acme/datasets/v1/images/img-04.png" not in on_disk.resources
    assert [i.address for i in on_disk.intents] == ["acme/datasets/v1/images/img-04.png"]
    assert len(on_disk.resources) == 6  # project, dataset, images 0-3
    held = crashed.current_lock()  # the dead run's lock (a real host takes it over by pid)
    assert held is not None
    crashed.force_unlock(held.lock_id)
    crashed.close()
    for leftover in state.parent.glob("state.db*"):
        leftover.unlink()
    crash.replace(state)
    env.store = SqliteStateStore(state)
    uploads_before = _uploads(env)
    resolutions = await recovery.inspect(env.client, env.store.read())
    assert [r.verdict for r in resolutions] == [recovery.Verdict.ADOPT]
    plan, again = await env.apply()
    assert again.ok, again.failed
    assert not [c for c in plan.changes if c.action.value in ("create", "replace")]
    assert not (await env.plan()).has_changes
    assert _uploads(env) == uploads_before == 5, "no image was uploaded twice"
    dataset = env.store.read().require("acme/datasets/v1").remote_id
    images = await env.live(f"/tailored-gen/datasets/{dataset}/images")
    assert sorted(i["image_name"] for i in images) == [f"img-{i:02d}.png" for i in range(5)]
    assert env.store.read().intents == ()


def _uploads(env: Env) -> int:
    return sum(
        1 for method, path, status in env.transport.answers
        if method == "POST" and path.endswith("/images") and status < 300
    )


async def test_uploads_share_commits_and_each_intent_is_on_disk_before_its_request(
    env: Env, commits: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload journals the intents of the dataset's next uploads with its own: 30 images
    share a handful of commits, and still every upload's intent is committed (on disk, seen
    by another connection) before its request goes out."""
    seed_images(env.root, "acme", 30)
    write_manifest(env.root, "acme", simple_project(images=30, completed=False, models={}))
    state = env.root / ".tailor" / "state.db"
    unjournaled: list[str] = []
    forward = env.transport.handle_async_request

    async def checking(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/images"):
            name = json.loads(request.content)["image_name"]
            reader = sqlite3.connect(state)
            try:
                found = reader.execute(
                    "SELECT count(*) FROM tailor_intents WHERE address = ? AND "
                    "status = 'pending'", (f"acme/datasets/v1/images/{name}",)
                ).fetchone()[0]
            finally:
                reader.close()
            if found != 1:
                unjournaled.append(f"{name}: {found}")
        return await forward(request)

    monkeypatch.setattr(env.transport, "handle_async_request", checking)
    _, result = await env.apply(parallelism=8)
    assert result.ok, result.failed
    assert _uploads(env) == 30
    assert unjournaled == []
    # The lock's prune, the project's and the dataset's intents and what the images build
    # on, the uploads' intents nine at a time, the end: 9-12 (23 with one per upload).
    assert commits[0] <= 16, commits[0]
    assert env.store.read().intents == ()


async def test_intents_journaled_ahead_of_uploads_never_sent_are_discarded(
    env: Env, commits: list[int]
) -> None:
    seed_images(env.root, "acme", 20)
    write_manifest(env.root, "acme", simple_project(images=20, completed=False, models={}))
    plan = await env.plan()
    control = RunControl()
    uploaded: list[str] = []

    class StopAfterThree(NoHooks):
        def on_step(self, event: StepEvent) -> None:
            if "/images/" in event.address and event.outcome is StepOutcome.DONE:
                uploaded.append(event.address)
                if len(uploaded) == 3:
                    control.stop("enough")

    lock = env.store.acquire_lock("apply")
    try:
        ctx = RunContext(
            client=env.client, ledger=Ledger.open(env.store, lock), root=env.root,
            hooks=StopAfterThree(),
        )
        result = await execute(plan, ctx, parallelism=2, control=control)
    finally:
        env.store.release_lock(lock)
    assert result.interrupted == "enough"
    assert 3 <= len(uploaded) < 20
    assert env.store.read().intents == (), "nothing left for recovery to settle"
    _, again = await env.apply()
    assert again.ok, again.failed
    assert _uploads(env) == 20, "every image uploaded once"
