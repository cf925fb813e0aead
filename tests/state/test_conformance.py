"""Every backend passes the one behaviour suite in reconciler.state.conformance."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reconciler.state.conformance import CHECKS, StoreFactory


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__.removeprefix("check_") for c in CHECKS])
def test_backend_conforms(
    check: Callable[[StoreFactory], None], store_factory: StoreFactory
) -> None:
    check(store_factory)
