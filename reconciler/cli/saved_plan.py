"""Saved plan files (`tailor plan --out FILE`): written by plan, read by apply and graph.

Kept apart from the commands so that `tailor graph --plan` reads a plan without importing the
HTTP client and the engine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from reconciler.errors import ConfigError, PlanError
from reconciler.plan.model import Plan
from reconciler.plan.planfile import MadeWith, plan_from_json, plan_to_json


def write_saved_plan(path: Path, plan: Plan, root: Path, made_with: MadeWith) -> None:
    """The plan JSON plus where its workspace is, so apply can find the images."""
    document = plan_to_json(plan, made_with)
    # Relative to the plan file, so the plan still applies on another machine or checkout
    # (a CI artifact downloaded next to the workspace).
    document["workspace"] = os.path.relpath(root, path.resolve().parent)
    path.write_text(json.dumps(document, sort_keys=True, indent=2) + "\n", encoding="utf-8")


def check_destination(path: Path, root: Path) -> None:
    """Refuse, before any planning, an `--out` that would lose something: a folder, a file
    that is not a saved plan (a manifest, an image, notes), or a new `*.yaml` beside the
    manifests, which every later command would read as one. A saved plan is replaced."""
    where = f"--out {path}"
    if path.is_dir():
        raise ConfigError(f"{where} is a folder", hint="name a file: --out tailor.plan")
    if path.exists():
        if not _is_saved_plan(path):
            raise ConfigError(
                f"{where} exists and is not a saved plan; tailor does not overwrite it",
                hint="name another file (tailor.plan), or remove this one first",
            )
        return
    if not path.parent.is_dir():
        raise ConfigError(f"{where}: the folder {path.parent} does not exist")
    if path.suffix in (".yaml", ".yml") and path.parent.resolve() == root.resolve():
        raise ConfigError(
            f"{where} would be read as a manifest by every later command in {root}",
            hint="save plans as FILE.plan (or outside the workspace folder)",
        )


def _is_saved_plan(path: Path) -> bool:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "format_version" in data and "changes" in data


def pending_warning(count: int, *, workspace: Path, saved_to: Path | None) -> str:
    """What `plan` says about operations an interrupted apply left pending. Apply resolves them
    before anything else and every resolution is a state write, so a plan saved now is always
    refused as stale: said here, not first by the apply."""
    text = (
        f"warning: {count} operation(s) of an interrupted apply are pending; "
        "the next apply resolves them first."
    )
    if saved_to is None:
        return text
    return (
        f"{text} That changes the state, so `tailor apply {saved_to}` will refuse this saved "
        f"plan as stale. Run `tailor apply {workspace}` without a saved plan instead, or save "
        "a new plan once an apply has resolved them (an apply resolves them even when it then "
        "refuses a plan or is declined)."
    )


def resolved_first(count: int) -> PlanError:
    """Apply's refusal of a saved plan when it first had to resolve pending operations."""
    return PlanError(
        f"Saved plan is stale: this apply first resolved {count} operation(s) an interrupted "
        "apply had left pending (above), which changed the state since the plan was made. "
        "Run plan again.",
        hint="nothing is pending now, so a new `tailor plan --out FILE` applies; or run "
        "`tailor apply PATH` without a saved plan",
    )


def load_saved_plan(path: Path) -> tuple[Plan, Path | None]:
    """A plan file written by `write_saved_plan`, and the workspace it names (if any)."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PlanError(
            f"cannot read the saved plan {path}: {error}",
            hint="make one with `tailor plan --out FILE`",
        ) from None
    if not isinstance(data, dict):
        raise PlanError(f"{path} is not a saved tailor plan")
    workspace = data.get("workspace")
    root: Path | None = None
    if isinstance(workspace, str) and workspace:
        root = Path(workspace)
        if not root.is_absolute():
            root = (path.parent / root).resolve()
    return plan_from_json(data), root
