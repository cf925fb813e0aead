"""Every row of the reference's constraint index, and every rule the sandbox took from Bria's
published document, has at least one test asserting it."""

from __future__ import annotations

import importlib
import pkgutil

import tests.sandbox
from reconciler.sandbox.constraints import PUBLISHED_CONSTRAINTS, REFERENCE_CONSTRAINTS
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
    rules = (*REFERENCE_CONSTRAINTS, *PUBLISHED_CONSTRAINTS)
    missing = [c.id for c in rules if not COVERED.get(c.id)]
    assert missing == []
    unknown = sorted(set(COVERED) - {c.id for c in rules})
    assert unknown == []


def test_published_rules_do_not_reuse_reference_ids() -> None:
    reference = {c.id for c in REFERENCE_CONSTRAINTS}
    published = [c.id for c in PUBLISHED_CONSTRAINTS]
    assert len(published) == len(set(published)) and not reference & set(published)
