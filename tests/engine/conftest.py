"""Engine tests run the real pieces in one process: the sandbox app (ASGI), the BriaClient,
a SQLite state store, manifests written to a temporary workspace, the planner and executor."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from PIL import Image

from reconciler.addresses import Address, Kind
from reconciler.client.api import BriaClient
from reconciler.client.retry import RetryPolicy
from reconciler.client.staging import SandboxStager
from reconciler.engine import recovery
from reconciler.engine.apply_result import ApplyResult
from reconciler.engine.executor import execute
from reconciler.engine.ledger import CreateIntent, Ledger
from reconciler.engine.planning import make_plan
from reconciler.engine.run_context import RunContext
from reconciler.engine.waits import WaitPolicy
from reconciler.events import NoHooks
from reconciler.manifest.workspace import load_workspace
from reconciler.plan.model import Plan
from reconciler.secret import Secret
from reconciler.state.sqlite import SqliteStateStore
from reconciler.state.store import StateStore
from tests.conftest import SANDBOX_BASE_URL, SANDBOX_ORIGIN, SANDBOX_TOKEN


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the sandbox and remembers every answer's status."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.answers: list[tuple[str, str, int]] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            response = await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1
        self.answers.append((request.method, request.url.path, response.status_code))
        return response

    def client_errors(self) -> list[tuple[str, str, int]]:
        return [a for a in self.answers if 400 <= a[2] < 500]


@dataclass
class Env:
    root: Path
    app: Any
    transport: CountingTransport
    client: BriaClient
    store: StateStore
    control: httpx.AsyncClient
    runs: list[ApplyResult] = field(default_factory=list)

    async def plan(self) -> Plan:
        plan, _live = await make_plan(self.client, load_workspace(self.root), self.store.read())
        return plan

    async def apply(
        self, *, parallelism: int = 4, wait: bool = False, plan: Plan | None = None
    ) -> tuple[Plan, ApplyResult]:
        lock = self.store.acquire_lock("apply")
        stager = SandboxStager(SANDBOX_BASE_URL, transport=self.transport.inner)
        waits = WaitPolicy(first_interval=0.01, max_interval=0.05, training=20.0)
        try:
            await recovery.resolve(self.client, self.store, lock, stager=stager, waits=waits)
            made = plan or await self.plan()
            assert not made.errors, made.errors
            ctx = RunContext(
                client=self.client,
                ledger=Ledger.open(self.store, lock),
                root=self.root,
                hooks=NoHooks(),
                stager=stager,
                waits=waits,
                wait_for_training=wait,
            )
            result = await execute(made, ctx, parallelism=parallelism)
        finally:
            self.store.release_lock(lock)
        self.runs.append(result)
        return made, result

    async def live(self, path: str) -> Any:
        response = await self.control.get(f"{SANDBOX_BASE_URL}{path}")
        response.raise_for_status()
        return response.json()

    async def sandbox(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.control.request(
            method, f"{SANDBOX_ORIGIN}/_sandbox/{path}", json=body
        )
        response.raise_for_status()
        return response.json() if response.content else None


@pytest.fixture
def training_seconds() -> float:
    """Simulated training time on the wall clock; a test parametrizes it to be short."""
    return 3600.0


@pytest.fixture
async def env(tmp_path: Path, training_seconds: float) -> AsyncIterator[Env]:
    async with open_env(tmp_path, training_seconds) as made:
        yield made


@asynccontextmanager
async def open_env(tmp_path: Path, training_seconds: float = 3600.0) -> AsyncIterator[Env]:
    """A fresh in-memory sandbox, client and state under `tmp_path`/ws."""
    from reconciler.sandbox.app import create_app

    app = create_app(public_url=SANDBOX_ORIGIN, training_seconds=training_seconds)
    transport = CountingTransport(httpx.ASGITransport(app=app))
    client = BriaClient(
        SANDBOX_BASE_URL,
        Secret(SANDBOX_TOKEN),
        transport=transport,
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05),
    )
    store = SqliteStateStore(tmp_path / "ws" / ".tailor" / "state.db")
    control = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), headers={"api_token": SANDBOX_TOKEN}
    )
    root = tmp_path / "ws"
    root.mkdir(exist_ok=True)
    try:
        yield Env(root, app, transport, client, store, control)
    finally:
        await control.aclose()
        await client.aclose()
        store.close()


async def clone_announced(env: Env, address: Address) -> tuple[int, Any]:
    """What apply does up to the clone of the dataset at `address`, then dies: the intent
    journaled, the clone made at Bria, no answer recorded. Returns the source id and clone."""
    document = env.store.read()
    source = document.require(str(address))
    project_id = document.require(address.project).remote_id
    with env.store.lock("apply") as lock:
        attributes = {**source.attributes, "completed": False}
        await Ledger.open(env.store, lock).announce_clone(
            CreateIntent(address, Kind.DATASET, address.key, project_id, (source.remote_id,),
                         attributes, source.remote_id)
        )
    clone = await env.client.clone_dataset(
        source.remote_id, address.key, project_id=project_id, known_ids=[source.remote_id]
    )
    return source.remote_id, clone


def write_png(path: Path, seed: int, size: int = 300) -> None:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (size, size), tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(20):
        image.putpixel((rng.randrange(size), rng.randrange(size)), (rng.randrange(256), 0, 0))
    image.save(path)


def write_manifest(root: Path, name: str, body: dict[str, Any]) -> None:
    (root / f"{name}.yaml").write_text(yaml.safe_dump(body, sort_keys=False))


def simple_project(
    key: str = "acme",
    *,
    images: int = 3,
    completed: bool = True,
    caption_prefix: str | None = None,
    models: dict[str, dict[str, Any]] | None = None,
    upload: str = "basic",
) -> dict[str, Any]:
    dataset: dict[str, Any] = {
        "upload": upload,
        "images": [f"images/{key}/*.png"],
        "completed": completed,
    }
    if caption_prefix is not None:
        dataset["caption_prefix"] = caption_prefix
    if upload == "advanced":
        dataset.pop("completed")
        dataset["completed"] = completed
    return {
        "project": key,
        "description": "test project",
        "ip": {
            "name": "Foxy",
            "description": "an orange fox",
            "type": "defined_character",
            "medium": "illustration",
        },
        "datasets": {"v1": dataset},
        "models": models
        if models is not None
        else {"light": {"dataset": "v1", "training_version": "light"}},
    }


def seed_images(root: Path, key: str, count: int, *, size: int = 300, offset: int = 0) -> None:
    for index in range(count):
        write_png(root / "images" / key / f"img-{index:02d}.png", offset + index, size)
