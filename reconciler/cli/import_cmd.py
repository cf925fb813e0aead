"""`tailor import ADDR REMOTE_ID` and `tailor import --adopt [PATH]`: record existing objects.

Nothing changes at Bria. After an import, `tailor plan` shows how the manifest differs from
what was taken over.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.addresses import Address
from reconciler.cli.context import (
    bind_on_first_write,
    check_binding,
    load_settings,
    locked,
    open_client,
    open_state,
    run_async,
    workspace_root,
)
from reconciler.cli.options import (
    api_option,
    lock_timeout_option,
    one_workspace,
    requests_per_minute_option,
    state_option,
    workspace_option,
)
from reconciler.engine import recovery
from reconciler.engine.adopt import Declared, adopt_all, import_one
from reconciler.errors import ConfigError, ValidationFailed
from reconciler.manifest.workspace import load_workspace
from reconciler.resources import DesiredWorkspace
from reconciler.settings import Settings
from reconciler.state.model import ResourceEntry


def _declared(root: Path) -> DesiredWorkspace | None:
    try:
        return load_workspace(root)
    except ValidationFailed:
        return None


async def _run(
    settings: Settings,
    workspace: DesiredWorkspace | None,
    address: Address | None,
    remote_id: int | None,
    lock_timeout: float,
) -> list[ResourceEntry]:
    async with open_client(settings) as (client, stager):
        with open_state(settings) as store, locked(store, "import", lock_timeout) as lock:
            bind_on_first_write(store, lock, check_binding(store, settings))
            for resolution in await recovery.resolve(client, store, lock, stager=stager):
                click.echo(resolution.describe())
            document = store.read()
            if address is not None and remote_id is not None:
                entries = await import_one(
                    client, document, address, remote_id, Declared.of(workspace)
                )
            else:
                assert workspace is not None
                entries = await adopt_all(client, document, workspace)
            with store.transaction(lock):
                for entry in entries:
                    store.put(lock, entry)
            return entries


@click.command("import")
@click.argument("address", required=False, metavar="[ADDR")
@click.argument("remote_id", required=False, metavar="REMOTE_ID]")
@click.argument("path", required=False, type=click.Path(path_type=Path), metavar="[PATH]")
@workspace_option
@click.option("--adopt", "adopt", is_flag=True,
              help="Match existing objects to the manifests' keys by name.")
@lock_timeout_option
@api_option
@state_option
@requests_per_minute_option
def import_(
    address: str | None,
    remote_id: str | None,
    path: Path | None,
    path_option: Path | None,
    adopt: bool,
    lock_timeout: float,
    api: str | None,
    state: str | None,
    requests_per_minute: float | None,
) -> None:
    """Record existing Bria objects in the state: one under ADDR (`import ADDR REMOTE_ID
    [PATH]`), or everything the manifests declare, matched by name (`import --adopt [PATH]`).

    Nothing changes at Bria.
    """
    workspace: DesiredWorkspace | None
    if adopt:
        if remote_id is not None:
            raise ConfigError("--adopt takes an optional PATH, not an address and an id")
        given = Path(address) if address is not None else None
        root = workspace_root(one_workspace(given, path_option))
        workspace = load_workspace(root)
        target: Address | None = None
    else:
        if address is None or remote_id is None:
            raise ConfigError(
                "import needs an address and a remote id",
                hint="tailor import acme-mascot/models/light 42, or tailor import --adopt",
            )
        if not remote_id.isdecimal():
            raise ConfigError(
                f"REMOTE_ID must be the object's numeric id at Bria, not {remote_id!r}",
                hint="tailor import acme-mascot/models/light 42",
            )
        root = workspace_root(one_workspace(path, path_option))
        workspace = _declared(root)
        target = Address.parse(address)
    settings = load_settings(
        root, api=api, state=state, requests_per_minute=requests_per_minute
    )
    click.echo(settings.describe())
    bria_id = int(remote_id) if remote_id is not None else None
    entries = run_async(_run(settings, workspace, target, bria_id, lock_timeout))
    if not entries:
        click.echo("Nothing to import: no unmanaged object matches a manifest key by name.")
        return
    for entry in entries:
        click.echo(f"Imported {entry.address} = {entry.kind} {entry.remote_id}")
    click.echo("Run `tailor plan` to see how the manifests differ from what was imported.")
