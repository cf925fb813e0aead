from __future__ import annotations

from reconciler.addresses import Address
from reconciler.errors import Location, ManifestError, PlanError, ValidationFailed
from reconciler.plan.model import Diagnostic, Severity
from reconciler.render.diagnostics import format_diagnostic, format_error


def test_error_with_location_and_hint() -> None:
    error = ManifestError(
        "unknown key 'datset'",
        hint="did you mean 'dataset'?",
        location=Location("mascot.yaml", 12, 5),
    )
    assert format_error(error) == (
        "Error: unknown key 'datset'\n  at mascot.yaml:12:5\n  hint: did you mean 'dataset'?"
    )


def test_error_without_location_or_hint_is_one_line() -> None:
    assert format_error(PlanError("saved plan is stale")) == "Error: saved plan is stale"


def test_multi_line_hint_stays_aligned() -> None:
    text = format_error(PlanError("stale", hint="run plan\nthen apply"))
    assert text.splitlines()[1:] == ["  hint: run plan", "        then apply"]


def test_validation_failed_lists_every_error_in_file_order() -> None:
    failed = ValidationFailed(
        [
            ManifestError("second", location=Location("b.yaml", 3, 1)),
            ManifestError("first", location=Location("a.yaml", 9, 2), hint="fix it"),
        ]
    )
    text = format_error(failed)
    assert text.startswith("Error: 2 errors in the workspace\n\n")
    assert text.index("a.yaml:9:2") < text.index("b.yaml:3:1")
    assert "Error: first\n  at a.yaml:9:2\n  hint: fix it" in text


def test_diagnostic_names_address_and_constraint() -> None:
    diagnostic = Diagnostic(
        Severity.WARNING,
        "dataset has 3 images",
        detail="Bria needs at least 5.",
        address=Address("p", dataset="v1"),
        location=Location("m.yaml", 4),
        constraint="DATASET-MIN-IMAGES",
    )
    assert format_diagnostic(diagnostic) == (
        "Warning: dataset has 3 images\n"
        "  at m.yaml:4\n"
        "  address: p/datasets/v1\n"
        "  Bria needs at least 5.\n"
        "  constraint: DATASET-MIN-IMAGES"
    )


def test_colour_only_when_asked() -> None:
    error = PlanError("x")
    assert "\x1b[" not in format_error(error)
    assert format_error(error, color=True).startswith("\x1b[1;31mError:\x1b[0m x")
