"""Every row of the reference's constraint index has at least one test asserting it."""

from __future__ import annotations

import importlib
import pkgutil

import tests.sandbox
from reconciler.sandbox.constraints import REFERENCE_CONSTRAINTS
from tests.sandbox.helpers import COVERED

EXPECTED_ROWS = 79
"""Rows in REFERENCE section 11 when this was written; a new row must add a constant."""


def test_constraint_index_is_complete() -> None:
    ids = [constraint.id for constraint in REFERENCE_CONSTRAINTS]
    assert len(ids) == len(set(ids)) == EXPECTED_ROWS


def test_every_constraint_has_a_test() -> None:
    for module in pkgutil.iter_modules(tests.sandbox.__path__):
        if module.name.startswith("test_constraints_"):
            importlib.import_module(f"tests.sandbox.{module.name}")
    missing = [c.id for c in REFERENCE_CONSTRAINTS if not COVERED.get(c.id)]
    assert missing == []
    unknown = sorted(set(COVERED) - {c.id for c in REFERENCE_CONSTRAINTS})
    assert unknown == []
