"""Plan <-> JSON, `format_version` 1 (CONTRACT section 7, plus what a saved plan needs).

The contract keys (format_version, state, changes[address, kind, action, replace_mode?,
requires_replace?, replaced_by?, before, after, steps], drift, summary, errors) are what users
and reviewers read. The extra keys let `apply PLANFILE` run exactly what was shown:
per-change `reason`, `field_changes`, `step_details` (the structured steps), `notes`,
`deposed`, `remote_id`, `location`, `replace_path` (a dataset replace: `clone` or
`rebuild`, and why), `deleted_with_parent` (only when true; a plan saved before it
derives it); plan-level `warnings`, `dependencies`, `order`, `live_fingerprint`,
`targets`, `refresh_only`, and `cost` (what the apply will spend in requests to Bria,
`plan.cost`). `plan_from_json(plan_to_json(p)) == p`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from reconciler.addresses import Address
from reconciler.errors import Location, PlanError
from reconciler.plan.build_path import BuildPath, ReplacePath
from reconciler.plan.cost import apply_cost
from reconciler.plan.model import (
    Action,
    Change,
    Diagnostic,
    Drift,
    FieldChange,
    Phase,
    Plan,
    Reason,
    ReplaceMode,
    Severity,
    Step,
    StepKind,
)
from reconciler.resources import JsonValue

FORMAT_VERSION = 1

JsonObject = dict[str, JsonValue]


class _Addresses(dict[str, Address]):
    """Each address text of a saved plan parsed once: a change, its steps and its
    `replaced_by` repeat the same few thousand addresses."""

    def __missing__(self, text: str) -> Address:
        address = self[text] = Address.parse(text)
        return address


def _location_to_json(location: Location | None) -> JsonValue:
    if location is None:
        return None
    return {"file": location.file, "line": location.line, "column": location.column}


def _location_from_json(data: Any) -> Location | None:
    if data is None:
        return None
    return Location(str(data["file"]), data.get("line"), data.get("column"))


def _step_to_json(step: Step) -> JsonObject:
    data: JsonObject = {
        "kind": step.kind.value,
        "address": str(step.address),
        "method": step.method,
        "path": step.path,
        "args": dict(step.args),
        "phase": step.phase.value,
    }
    if step.path_params:
        data["path_params"] = dict(step.path_params)
    if step.deferred:
        data["deferred"] = True
    if step.note:
        data["note"] = step.note
    return data


def _step_from_json(data: Any, addresses: _Addresses) -> Step:
    return Step(
        kind=StepKind(data["kind"]),
        address=addresses[data["address"]],
        args=dict(data.get("args", {})),
        path_params={str(k): str(v) for k, v in data.get("path_params", {}).items()},
        phase=Phase(data.get("phase", Phase.MAIN.value)),
        deferred=bool(data.get("deferred", False)),
        note=str(data.get("note", "")),
    )


def _field_change_to_json(fc: FieldChange) -> JsonObject:
    data: JsonObject = {"field": fc.field, "before": fc.before, "after": fc.after}
    if fc.known_after_apply:
        data["known_after_apply"] = True
    if fc.forces_replace:
        data["forces_replace"] = True
    return data


def _field_change_from_json(data: Any) -> FieldChange:
    return FieldChange(
        field=str(data["field"]),
        before=data.get("before"),
        after=data.get("after"),
        known_after_apply=bool(data.get("known_after_apply", False)),
        forces_replace=bool(data.get("forces_replace", False)),
    )


def _attrs(value: Mapping[str, JsonValue] | None) -> JsonValue:
    return None if value is None else dict(value)


def _change_to_json(change: Change) -> JsonObject:
    data: JsonObject = {
        "address": str(change.address),
        "kind": change.kind.value,
        "action": change.action.value,
        "reason": change.reason.value,
        "reason_text": change.reason.describe(),
    }
    if change.replace_mode is not None:
        data["replace_mode"] = change.replace_mode.value
    if change.action is Action.REPLACE or change.requires_replace:
        data["requires_replace"] = list(change.requires_replace)
    if change.replaced_by is not None:
        data["replaced_by"] = str(change.replaced_by)
    if change.deposed is not None:
        data["deposed"] = change.deposed
    data["remote_id"] = change.remote_id
    data["before"] = _attrs(change.before)
    data["after"] = _attrs(change.after)
    data["field_changes"] = [_field_change_to_json(fc) for fc in change.field_changes]
    data["steps"] = [step.describe() for step in change.steps]
    data["step_details"] = [_step_to_json(step) for step in change.steps]
    data["notes"] = list(change.notes)
    data["location"] = _location_to_json(change.location)
    if change.replace_path is not None:
        data["replace_path"] = {
            "path": change.replace_path.path.value, "why": change.replace_path.why
        }
    if change.deleted_with_parent:
        data["deleted_with_parent"] = True
    return data


def _deleted_with_parent(data: Any) -> bool:
    """The flag as saved; a plan saved before it existed (the same `format_version`) said so
    only by its reason, and no other change had that reason."""
    if "deleted_with_parent" in data:
        return bool(data["deleted_with_parent"])
    return bool(data["reason"] == Reason.PARENT_DELETED.value)


def _change_from_json(data: Any, addresses: _Addresses) -> Change:
    replaced_by = data.get("replaced_by")
    replace_mode = data.get("replace_mode")
    path = data.get("replace_path")
    before = data.get("before")
    after = data.get("after")
    return Change(
        address=addresses[data["address"]],
        action=Action(data["action"]),
        reason=Reason(data["reason"]),
        before=None if before is None else dict(before),
        after=None if after is None else dict(after),
        field_changes=tuple(_field_change_from_json(f) for f in data.get("field_changes", [])),
        requires_replace=tuple(str(f) for f in data.get("requires_replace", [])),
        replace_mode=None if replace_mode is None else ReplaceMode(replace_mode),
        replaced_by=None if replaced_by is None else addresses[replaced_by],
        steps=tuple(_step_from_json(s, addresses) for s in data.get("step_details", [])),
        notes=tuple(str(n) for n in data.get("notes", [])),
        deposed=data.get("deposed"),
        remote_id=data.get("remote_id"),
        location=_location_from_json(data.get("location")),
        replace_path=None if path is None else ReplacePath(BuildPath(path["path"]), path["why"]),
        deleted_with_parent=_deleted_with_parent(data),
    )


def _diagnostic_to_json(diag: Diagnostic) -> JsonObject:
    return {
        "severity": diag.severity.value,
        "summary": diag.summary,
        "detail": diag.detail,
        "address": None if diag.address is None else str(diag.address),
        "location": _location_to_json(diag.location),
        "constraint": diag.constraint,
    }


def _diagnostic_from_json(data: Any, addresses: _Addresses) -> Diagnostic:
    address = data.get("address")
    return Diagnostic(
        severity=Severity(data["severity"]),
        summary=str(data["summary"]),
        detail=str(data.get("detail", "")),
        address=None if address is None else addresses[address],
        location=_location_from_json(data.get("location")),
        constraint=data.get("constraint"),
    )


@dataclass(frozen=True)
class MadeWith:
    """The API and the state a plan was made with, named in the document as the text plan names
    them in its first line (CONTRACT section 2): a sandbox plan is never mistaken for Bria's."""

    api: str
    """"sandbox" or the API's base URL."""
    state: str
    """The state's path or DSN, any password hidden."""


def plan_to_json(plan: Plan, made_with: MadeWith | None = None) -> dict[str, JsonValue]:
    """The plan as a JSON-able dict; dump it with `sort_keys=True` for byte-stable files.
    Every image is in it, those held as a count too (`Plan.materialised`)."""
    plan = plan.materialised()
    dependencies: JsonObject = {k: list(v) for k, v in sorted(plan.dependencies.items())}
    state: JsonObject = {"lineage": plan.state_lineage, "serial": plan.state_serial}
    origin: JsonObject = {}
    if made_with is not None:
        state["location"] = made_with.state
        origin["api"] = made_with.api
    return {
        "format_version": FORMAT_VERSION,
        **origin,
        "state": state,
        "changes": [_change_to_json(c) for c in plan.changes],
        "drift": [
            {"address": str(d.address), "field": d.field, "state": d.state, "live": d.live}
            for d in plan.drift
        ],
        "summary": cast(JsonValue, plan.summary.as_dict()),
        "errors": [_diagnostic_to_json(d) for d in plan.errors],
        "warnings": [_diagnostic_to_json(d) for d in plan.warnings],
        "dependencies": dependencies,
        "order": list(plan.order),
        "live_fingerprint": plan.live_fingerprint,
        "targets": [str(t) for t in plan.targets],
        "refresh_only": plan.refresh_only,
        "cost": _cost_to_json(plan),
    }


def _cost_to_json(plan: Plan) -> JsonObject:
    cost = apply_cost(plan)
    seconds = cost.seconds(plan.requests_per_minute)
    return {
        "requests": cost.total,
        "at_least": cost.at_least,
        "refresh_requests": plan.refresh_requests,
        "step_requests": cost.steps,
        "read_requests": cost.reads,
        "poll_requests": cost.polls,
        "requests_per_minute": plan.requests_per_minute,
        "seconds": None if seconds is None else round(seconds, 1),
    }


WRITTEN_KEYS = ("state", "changes", "order", "live_fingerprint")
"""Keys `plan_to_json` always writes that apply's checks rest on: without them a hand-made file
would be judged "stale" (or fresh) on defaults rather than called what it is."""


def plan_from_json(data: Mapping[str, Any]) -> Plan:
    """Read a saved plan. Raises PlanError for another format version or a broken file."""
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise PlanError(
            f"saved plan has format_version {version!r}; this tailor reads version "
            f"{FORMAT_VERSION}",
            hint="run `tailor plan --out FILE` again with this version of tailor",
        )
    missing = [key for key in WRITTEN_KEYS if key not in data]
    state = data.get("state")
    if not missing and not (isinstance(state, dict) and {"lineage", "serial"} <= state.keys()):
        missing = ["state.lineage", "state.serial"]
    if missing or not isinstance(state, dict):
        raise PlanError(
            f"saved plan is not a valid tailor plan: it has no {', '.join(missing)}",
            hint="make the plan again with `tailor plan --out FILE`",
        )
    addresses = _Addresses()
    try:
        cost = data.get("cost") or {}
        diagnostics = [_diagnostic_from_json(d, addresses) for d in data.get("errors", [])]
        diagnostics += [_diagnostic_from_json(d, addresses) for d in data.get("warnings", [])]
        plan = Plan(
            changes=tuple(_change_from_json(c, addresses) for c in data.get("changes", [])),
            drift=tuple(
                Drift(addresses[d["address"]], str(d["field"]), d.get("state"), d.get("live"))
                for d in data.get("drift", [])
            ),
            diagnostics=tuple(diagnostics),
            dependencies={
                str(k): tuple(str(n) for n in v) for k, v in data.get("dependencies", {}).items()
            },
            order=tuple(str(n) for n in data.get("order", [])),
            state_lineage=state.get("lineage"),
            state_serial=state.get("serial"),
            live_fingerprint=str(data.get("live_fingerprint", "")),
            targets=tuple(addresses[t] for t in data.get("targets", [])),
            refresh_only=bool(data.get("refresh_only", False)),
            refresh_requests=cost.get("refresh_requests"),
            requests_per_minute=cost.get("requests_per_minute"),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as broken:
        raise PlanError(
            f"saved plan is not a valid tailor plan: {broken}",
            hint="make the plan again with `tailor plan --out FILE`",
        ) from broken
    return plan
