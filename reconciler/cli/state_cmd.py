"""`tailor state list|show|rm|mv`, `tailor force-unlock`, `tailor output`: inspect, repair state.

None of these calls Bria. `rm` forgets (the objects stay at Bria), `mv` renames addresses (the
remote objects keep their ids); both refuse while creates of an interrupted apply are pending
where they act, until `tailor apply` has settled them. Where the state lives follows the usual
precedence: `--state` > TAILOR_STATE > `state:` in tailor.yaml > `.tailor/state.db`.

`tailor output --json` prints, from the state alone (no live status):
    {"acme-mascot": {"id": 1,
                     "datasets": {"v1": {"id": 3}},
                     "models": {"light": {"id": 5, "dataset": "v1", "dataset_id": 3}}}}
`dataset`/`dataset_id` appear when the state recorded which dataset a model trains on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from reconciler.addresses import Address, AddressError, Kind
from reconciler.cli.context import (
    api_identity,
    describe_binding,
    load_settings,
    locked,
    workspace_root,
)
from reconciler.cli.options import (
    WholeHelpGroup,
    lock_timeout_option,
    one_workspace,
    state_option,
    workspace_arguments,
    workspace_option,
)
from reconciler.errors import StateError
from reconciler.manifest.workspace import load_settings_file
from reconciler.render.counting import counted
from reconciler.resources import JsonValue
from reconciler.settings import resolve
from reconciler.state.factory import open_store
from reconciler.state.model import Intent, ResourceEntry, StateDocument
from reconciler.state.store import StateMissing, StateStore


def state_location(root: Path, flag: str | None) -> str:
    """Only the state-related sources: repairing state must not depend on the API settings."""
    file_state = load_settings_file(root).get("state")
    env_state = os.environ.get("TAILOR_STATE")
    settings = resolve(
        workspace=root,
        file_settings={"state": file_state} if file_state is not None else {},
        flags={"state": flag},
        environ={"TAILOR_STATE": env_state} if env_state else {},
    )
    return settings.state


@contextmanager
def _opened(path: Path, flag: str | None) -> Iterator[StateStore]:
    root = workspace_root(path)
    store = open_store(state_location(root, flag), workspace=root, create=False)
    try:
        yield store
    finally:
        store.close()


def _read(root: Path, flag: str | None) -> StateDocument:
    """The state, or an empty one when nothing was applied yet (no file is created)."""
    try:
        with _opened(root, flag) as store:
            return store.read()
    except StateMissing:
        return StateDocument(lineage="", serial=0)


@click.group("state", cls=WholeHelpGroup)
def state() -> None:
    """Inspect and repair what tailor owns (never calls Bria)."""


@state.command("list")
@workspace_arguments
@state_option
def list_(path: Path, state: str | None) -> None:
    """Print every address the state holds, one per line."""
    doc = _read(path, state)
    for entry in doc.sorted_entries():
        click.echo(entry.address)


@state.command("show")
@click.argument("address", metavar="ADDR")
@workspace_arguments
@state_option
def show(address: str, path: Path, state: str | None) -> None:
    """Print one resource as JSON: remote id, parent, last applied attributes, deposed ids."""
    parsed = Address.parse(address)
    doc = _read(path, state)
    entry = doc.require(parsed)
    payload: dict[str, JsonValue] = entry.to_json()
    payload["pending_intents"] = [i.to_json() for i in doc.intents if i.address == entry.address]
    click.echo(json.dumps(payload, indent=2, sort_keys=True))


@state.command("rm")
@click.argument("arguments", nargs=-1, required=True, metavar="ADDR... [PATH]")
@workspace_option
@click.option(
    "--recursive", is_flag=True,
    help="Also forget everything below a project (its datasets, images and models).",
)
@state_option
@lock_timeout_option
def rm(
    arguments: tuple[str, ...],
    path_option: Path | None,
    recursive: bool,
    state: str | None,
    lock_timeout: float,
) -> None:
    """Forget the resources at ADDR (one or more) without deleting anything at Bria.

    A dataset's images are forgotten with it. A project with datasets or models in the state
    is refused unless they are named too or --recursive is given. The last argument is the
    workspace PATH when it is an existing folder and not an address (else use -C).
    """
    addresses, path_argument = split_workspace(arguments)
    path = one_workspace(path_argument, path_option)
    parsed = [Address.parse(a) for a in addresses]
    with _opened(path, state) as store, locked(store, "state rm", lock_timeout) as lock:
        doc = store.read()
        doomed = forget_set(doc, parsed, recursive=recursive)
        refuse_pending("state rm", store.pending_intents(under=[str(a) for a in parsed]))
        with store.transaction(lock):
            for entry in doomed:
                store.remove(lock, entry.address)
    for entry in doomed:
        click.echo(f"Forgot {entry.address} ({entry.kind} {entry.remote_id})")
        if entry.deposed:
            ids = ", ".join(str(i) for i in entry.deposed)
            click.echo(f"  its replaced predecessors ({ids}) are no longer tracked either")
    click.echo(
        f"{counted(len(doomed), 'resource')} removed from the state; "
        "nothing was deleted at Bria."
    )


def split_workspace(arguments: tuple[str, ...]) -> tuple[tuple[str, ...], Path | None]:
    """ADDR... [PATH], as in `state show ADDR PATH`: a trailing existing folder is the
    workspace when it cannot be an address, or when it holds YAML files or a .tailor folder
    (a folder named like a project key, e.g. `quickstart`, that is a workspace)."""
    *addresses, last = arguments
    folder = Path(last)
    if not addresses or not folder.is_dir():
        return arguments, None
    try:
        Address.parse(last)
    except AddressError:
        return tuple(addresses), folder
    if (folder / ".tailor").is_dir() or any(folder.glob("*.y*ml")):
        return tuple(addresses), folder
    return arguments, None


def refuse_pending(command: str, pending: Sequence[Intent]) -> None:
    """Refuse surgery where an interrupted apply's creates are pending (read under the lock).

    Recovery records what such a create made under the intent's address: after `rm` an object
    the user meant to forget, after `mv` one under the old key. Moving an intent is not enough
    (its attributes name old keys) and dropping one could leave an object at Bria that nothing
    records, so apply settles them first.
    """
    if not pending:
        return
    shown = ", ".join(f"{i.operation} {i.address}" for i in pending[:3])
    more = f" and {len(pending) - 3} more" if len(pending) > 3 else ""
    count = (
        "1 operation of an interrupted apply is"
        if len(pending) == 1
        else f"{len(pending)} operations of an interrupted apply are"
    )
    raise StateError(
        f"cannot run `tailor {command}`: {count} still pending at the addresses it changes "
        f"({shown}{more}); Bria may hold objects they made that the state does not record yet",
        hint="run `tailor apply` first: before planning it records what those operations "
        "created, or forgets them if nothing was (you may decline its plan); then run "
        f"`tailor {command}` again",
    )


def forget_set(
    doc: StateDocument, addresses: list[Address], *, recursive: bool
) -> list[ResourceEntry]:
    """The entries `state rm` removes, or an error that says what else would need naming."""
    for address in addresses:
        doc.require(address)
    named = {str(a) for a in addresses}
    doomed: dict[str, ResourceEntry] = {}
    for address in addresses:
        doomed[str(address)] = doc.require(address)
        below = doc.descendants(address)
        if address.kind is Kind.PROJECT and not recursive:
            unnamed = [
                e.address for e in below if e.kind is not Kind.IMAGE and e.address not in named
            ]
            if unnamed:
                listed = ", ".join(unnamed[:5]) + (" …" if len(unnamed) > 5 else "")
                raise StateError(
                    f"{address} still has datasets or models in the state: {listed}",
                    hint="name them too, or pass --recursive to forget the whole project",
                )
        for entry in below:
            doomed[entry.address] = entry
    return sorted(doomed.values(), key=lambda e: Address.parse(e.address).sort_key())


@state.command("rebind")
@workspace_arguments
@click.option(
    "--api", "api", required=True, metavar="URL|sandbox",
    help="The API the state belongs to from now on.",
)
@state_option
@lock_timeout_option
def rebind(path: Path, api: str, state: str | None, lock_timeout: float) -> None:
    """Make the state belong to another API (a state refuses any API but its own).

    Check first that this API holds the objects the state records (same account, same
    sandbox database): nothing is sent to any API here. `tailor plan` then shows any recorded
    object the API lacks as created again.
    """
    root = workspace_root(path)
    settings = load_settings(root, api=api, state=state)
    identity = api_identity(settings)
    with _opened(root, state) as store, locked(store, "state rebind", lock_timeout) as lock:
        before = store.binding()
        store.bind(lock, identity)
        location = store.location
    was = f" (it belonged to {describe_binding(before)})" if before not in (None, identity) else ""
    click.echo(f"The state at {location} now belongs to {describe_binding(identity)}{was}.")


@state.command("mv")
@click.argument("old")
@click.argument("new")
@workspace_arguments
@state_option
@lock_timeout_option
def mv(old: str, new: str, path: Path, state: str | None, lock_timeout: float) -> None:
    """Rename OLD to NEW after a key changed in a manifest; the remote object stays.

    Moving a project moves everything below it; moving a dataset moves its images, and models
    that recorded the old dataset key record the new one.
    """
    source, target = Address.parse(old), Address.parse(new)
    with _opened(path, state) as store, locked(store, "state mv", lock_timeout) as lock:
        doc = store.read()
        moves = move_plan(doc, source, target)
        refuse_pending("state mv", pending_for_move(store, source, target))
        with store.transaction(lock):
            for before, _ in moves:
                store.remove(lock, before.address)
            for _, after in moves:
                store.put(lock, after)
    click.echo(f"Moved {source} to {target}" + _count_suffix(len(moves) - 1))


def _count_suffix(extra: int) -> str:
    if extra <= 0:
        return "."
    return f" (and {counted(extra, 'resource')} that depend on it)."


def move_plan(
    doc: StateDocument, source: Address, target: Address
) -> list[tuple[ResourceEntry, ResourceEntry]]:
    """(old entry, new entry) pairs for `state mv`, after checking the move makes sense."""
    entry = doc.require(source)
    if source == target:
        raise StateError(f"{source} and {target} are the same address")
    if source.kind is not target.kind:
        raise StateError(f"cannot move a {source.kind} ({source}) to a {target.kind} ({target})")
    if target.kind is not Kind.PROJECT and source.parent != target.parent:
        raise StateError(
            f"{source} can only be renamed within {source.parent}, not moved to {target.parent}",
            hint="the remote object belongs to its parent at Bria; rename the parent first",
        )
    if doc.get(target) is not None:
        raise StateError(
            f"{target} is already in the state",
            hint=f"forget it first with `tailor state rm {target}` if it is a leftover",
        )
    moves = [(entry, _renamed(entry, source, target))]
    moves += [(e, _renamed(e, source, target)) for e in doc.descendants(source)]
    leaving = {before.address for before, _ in moves}
    clashes = [
        a.address for _, a in moves if a.address in doc.resources and a.address not in leaving
    ]
    if clashes:
        raise StateError(f"cannot move {source} to {target}: {clashes[0]} is in the state")
    if source.kind is Kind.DATASET:
        moves += [
            (model, _retargeted(model, str(source.dataset), str(target.dataset)))
            for model in doc.descendants(Address(source.project))
            if model.kind is Kind.MODEL and model.attributes.get("dataset") == source.dataset
        ]
    return moves


def pending_for_move(store: StateStore, source: Address, target: Address) -> tuple[Intent, ...]:
    """Pending intents at or below either address; for a dataset, also the project's model
    creates: a model records the key of the dataset it trains on, and recovery would record
    the old one."""
    if source.kind is not Kind.DATASET:
        return store.pending_intents(under=[str(source), str(target)])
    return tuple(
        intent
        for intent in store.pending_intents(under=[source.project])
        if (at := Address.parse(intent.address)).kind is Kind.MODEL
        or source.contains(at)
        or target.contains(at)
    )


def _renamed(entry: ResourceEntry, source: Address, target: Address) -> ResourceEntry:
    at = Address.parse(entry.address)
    if source.kind is Kind.PROJECT:
        moved = Address(target.project, dataset=at.dataset, image=at.image, model=at.model)
    elif source.kind is Kind.DATASET:
        moved = Address(at.project, dataset=target.dataset, image=at.image)
    else:
        moved = target
    return ResourceEntry.for_address(moved, entry.remote_id, entry.attributes, entry.deposed)


def _retargeted(model: ResourceEntry, old_key: str, new_key: str) -> ResourceEntry:
    attributes = dict(model.attributes)
    if attributes.get("dataset") == old_key:
        attributes["dataset"] = new_key
    return ResourceEntry.for_address(model.address, model.remote_id, attributes, model.deposed)


@click.command("force-unlock")
@click.argument("lock_id")
@workspace_arguments
@state_option
def force_unlock(lock_id: str, path: Path, state: str | None) -> None:
    """Remove the state lock LOCK_ID left by a run that is gone.

    The id is in the error of the run that was refused. On PostgreSQL the session holding the
    lock is ended. Only do this when that run is really gone: two writers corrupt the record.
    """
    with _opened(path, state) as store:
        store.force_unlock(lock_id)
    click.echo(f"Lock {lock_id} removed; the state is unlocked.")


@click.command("output")
@workspace_arguments
@state_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def output(path: Path, state: str | None, as_json: bool) -> None:
    """Remote ids of projects, datasets and models, for apps that call generation endpoints."""
    doc = _read(path, state)
    if as_json:
        click.echo(json.dumps(outputs(doc), indent=2, sort_keys=True))
        return
    rows = [e for e in doc.sorted_entries() if e.kind is not Kind.IMAGE]
    width = max((len(e.address) for e in rows), default=0)
    for entry in rows:
        click.echo(f"{entry.address:<{width}}  {entry.kind:<7}  {entry.remote_id}")


def outputs(doc: StateDocument) -> dict[str, Any]:
    """The `tailor output --json` document (shape in the module docstring)."""
    result: dict[str, Any] = {}

    def project(key: str) -> dict[str, Any]:
        found: dict[str, Any] = result.setdefault(key, {"id": None, "datasets": {}, "models": {}})
        return found

    entries = [(Address.parse(entry.address), entry) for entry in doc.sorted_entries()]
    dataset_ids: dict[tuple[str, str], int] = {}
    for address, entry in entries:
        if entry.kind is Kind.PROJECT:
            project(address.project)["id"] = entry.remote_id
        elif entry.kind is Kind.DATASET and address.dataset is not None:
            project(address.project)["datasets"][address.dataset] = {"id": entry.remote_id}
            dataset_ids[(address.project, address.dataset)] = entry.remote_id
    for address, entry in entries:
        if entry.kind is not Kind.MODEL or address.model is None:
            continue
        model: dict[str, Any] = {"id": entry.remote_id}
        dataset_key = entry.attributes.get("dataset")
        if isinstance(dataset_key, str):
            model["dataset"] = dataset_key
            if (address.project, dataset_key) in dataset_ids:
                model["dataset_id"] = dataset_ids[(address.project, dataset_key)]
        project(address.project)["models"][address.model] = model
    return result
