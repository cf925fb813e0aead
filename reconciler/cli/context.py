"""The composition root: settings, client, stager and state store for one command.

This is the only place that decides whether the API is the embedded sandbox (in-process, no
socket) or a real URL, and the only module outside the sandbox that imports it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import click

from reconciler.client.api import BriaClient
from reconciler.client.recent_starts import SharedStarts, api_origin
from reconciler.client.retry import RetryPolicy
from reconciler.client.staging import S3Stager, SandboxStager, Stager
from reconciler.errors import ConfigError, StateError
from reconciler.manifest.workspace import load_settings_file
from reconciler.render.progress import RateLimitNotices
from reconciler.secret import Secret
from reconciler.settings import Settings, is_loopback_url, resolve
from reconciler.state.factory import open_store
from reconciler.state.store import StateLock, StateMissing, StateStore

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")

EMBEDDED_SANDBOX_URL = "http://embedded-sandbox.localhost"
"""Base of the in-process sandbox. Requests never leave the process (ASGI transport)."""
EMBEDDED_SANDBOX_TOKEN = Secret("embedded-sandbox")
SANDBOX_DB = Path(".tailor") / "sandbox.db"
SANDBOX_IDENTITY_KEY = "tailor:database-identity"
"""Where the embedded sandbox's database keeps the id that states made against it record."""
SANDBOX_BINDING = "sandbox "


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, with the result handed over outside the main task.

    On Python 3.11, asyncio.run restores the SIGINT handler at the end, and the signal module
    formats repr(main task) while doing so, which formats the task's result: for a plan of
    12,000 images that alone took half a second.
    """
    box: list[T] = []

    async def main() -> None:
        box.append(await work)

    asyncio.run(main())
    return box[0]


def workspace_root(path: str | Path) -> Path:
    root = Path(path)
    if not root.exists():
        raise ConfigError(f"workspace {str(path)!r} does not exist")
    if not root.is_dir():
        raise ConfigError(f"workspace {str(path)!r} is not a folder")
    return root.resolve()


def load_settings(
    root: Path,
    *,
    api: str | None = None,
    state: str | None = None,
    parallelism: int | None = None,
    requests_per_minute: float | None = None,
) -> Settings:
    """flag > environment > tailor.yaml > default, for the workspace at `root`."""
    return resolve(
        workspace=root,
        file_settings=load_settings_file(root),
        flags={
            "api": api,
            "state": state,
            "parallelism": parallelism,
            "requests_per_minute": requests_per_minute,
        },
    )


def _embedded_transport(root: Path) -> httpx.AsyncBaseTransport:
    import httpx

    from reconciler.sandbox.app import create_app

    db = _sandbox_db(root)
    app = create_app(db_path=str(db), public_url=EMBEDDED_SANDBOX_URL)
    return httpx.ASGITransport(app=app)


def _sandbox_db(root: Path) -> Path:
    db = root / SANDBOX_DB
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"cannot create the embedded sandbox's database {SANDBOX_DB.as_posix()}: "
            f"{error.strerror or error}",
            hint="the embedded sandbox needs a writable workspace; or set api: to a sandbox "
            "server (tailor sandbox serve)",
        ) from None
    return db


def api_identity(settings: Settings) -> str:
    """What a state records as the API it belongs to: the base URL, or for the embedded
    sandbox the id of its database (a new sandbox.db is another API, with other objects)."""
    if not settings.uses_sandbox:
        parts = urlsplit(settings.api)
        return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
    from reconciler.sandbox.store import Store

    db = _sandbox_db(settings.workspace)
    try:
        store = Store(str(db))
        try:
            identity = store.meta_get(SANDBOX_IDENTITY_KEY)
            if identity is None:
                identity = uuid.uuid4().hex
                store.meta_set(SANDBOX_IDENTITY_KEY, identity)
        finally:
            store.close()
    except Exception as error:  # sqlite3.Error and OSError alike: the file is not usable
        raise ConfigError(f"cannot use the embedded sandbox's database {db}: {error}") from None
    return SANDBOX_BINDING + identity


def describe_binding(identity: str) -> str:
    if identity.startswith(SANDBOX_BINDING):
        return f"the embedded sandbox (database {identity.removeprefix(SANDBOX_BINDING)[:8]})"
    return identity


def check_binding(store: StateStore | None, settings: Settings) -> str:
    """This run's API identity, after making sure the state does not belong to another API.

    Called before any request: the implicit "sandbox when no token" default must never
    send a state's ids to the other API, nor record the other API's ids over them.
    """
    identity = api_identity(settings)
    bound = store.binding() if store is not None else None
    if store is not None and bound is not None and bound != identity:
        spelled = "sandbox" if settings.uses_sandbox else settings.api
        raise StateError(
            f"the state at {store.location} belongs to {describe_binding(bound)}, but this "
            f"run uses {describe_binding(identity)}; nothing was sent",
            hint="use the API the state was made with (api:, BRIA_API_URL, BRIA_API_TOKEN), "
            f"or, after checking that {spelled} holds the objects the state records, run "
            f"`tailor state rebind --api {spelled}`",
        )
    return identity


def bind_on_first_write(store: StateStore, lock: StateLock, identity: str) -> None:
    """A state is bound by its first write, also one made before states recorded their API."""
    if store.binding() is None:
        store.bind(lock, identity)


def api_base_url(settings: Settings) -> str:
    return f"{EMBEDDED_SANDBOX_URL}/v1" if settings.uses_sandbox else settings.api


@asynccontextmanager
async def open_client(settings: Settings) -> AsyncIterator[tuple[BriaClient, Stager | None]]:
    """A BriaClient for the settings' API, and where advanced-dataset zips are staged."""
    async with open_client_with_files(settings) as (client, stager, _files):
        yield client, stager


@asynccontextmanager
async def open_client_with_files(
    settings: Settings,
) -> AsyncIterator[tuple[BriaClient, Stager | None, dict[str, httpx.AsyncBaseTransport]]]:
    """`open_client`, plus the httpx mounts that reach the API's file URLs (image and
    thumbnail URLs): the in-process transport for the embedded sandbox's origin, else none."""
    transport: httpx.AsyncBaseTransport | None = None
    token = settings.token
    if settings.uses_sandbox:
        transport = _embedded_transport(settings.workspace)
        token = EMBEDDED_SANDBOX_TOKEN
    if token is None:
        raise ConfigError(f"no API token for {settings.api}", hint="export BRIA_API_TOKEN=...")
    base_url = api_base_url(settings)
    client = BriaClient(
        base_url,
        token,
        transport=transport,
        max_concurrency=settings.parallelism,
        requests_per_minute=settings.requests_per_minute,
        shared_starts=SharedStarts(settings.workspace, api_origin(base_url)),
        retry=RetryPolicy(rate_limit_seconds=settings.rate_limit_wait),
    )
    client.on_rate_limit(RateLimitNotices(lambda line: click.echo(line, err=True)))
    files = {EMBEDDED_SANDBOX_URL: transport} if transport is not None else {}
    async with client:
        yield client, make_stager(settings, base_url, transport), files


def make_stager(
    settings: Settings, base_url: str, transport: httpx.AsyncBaseTransport | None
) -> Stager | None:
    """S3 when configured; the sandbox's own file host when the API is a sandbox."""
    if settings.staging:
        if not settings.staging.startswith("s3://"):
            raise ConfigError(
                f"staging must be an s3:// URL, not {settings.staging!r}",
                hint="staging: s3://my-bucket/tailor/",
            )
        return S3Stager.from_url(settings.staging)
    if settings.uses_sandbox or is_loopback_url(base_url):
        return SandboxStager(base_url, transport=transport)
    return None


@contextmanager
def open_state(settings: Settings) -> Iterator[StateStore]:
    store = open_store(settings.state, workspace=settings.workspace)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def existing_state(settings: Settings) -> Iterator[StateStore | None]:
    """The state for a command that only reads it (plan): None when there is none yet, so
    that no state file or folder is created."""
    try:
        store = open_store(settings.state, workspace=settings.workspace, create=False)
    except StateMissing:
        yield None
        return
    try:
        yield store
    finally:
        store.close()


@contextmanager
def locked(store: StateStore, operation: str, timeout: float) -> Iterator[StateLock]:
    """The state lock for one command; a takeover (SQLite: a dead process's lock) is said."""
    with store.lock(operation, timeout=timeout) as lock:
        for warning in lock.warnings:
            click.echo(f"warning: {warning}", err=True)
        yield lock
