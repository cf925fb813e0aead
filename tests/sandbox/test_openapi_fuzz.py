"""Property-based checks of every Bria route against the sandbox's own OpenAPI document.

Schemathesis generates requests from the document; every answer must be a documented status,
match its response schema and never be a 5xx. Bounded: 12 examples per operation by default;
`SANDBOX_FUZZ_EXAMPLES=200` runs a deeper search.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from reconciler.sandbox.app import create_app
from tests.sandbox.helpers import png_b64


def _seeded_app() -> Any:
    """An app holding one of each resource, so generated ids sometimes hit something real."""
    app = create_app(training_seconds=0.0)
    backend = app.state.backend
    backend.projects.create(
        {"project_name": "p", "ip_type": "stylized_scene", "ip_medium": "photography"}
    )
    backend.datasets.create({"project_id": 1, "name": "basic"})
    backend.images.upload(1, {"file": png_b64(256, 256)})
    backend.datasets.create({"project_id": 1, "name": "advanced", "upload_type": "advanced"})
    backend.datasets.clone(1, {})
    backend.datasets.update(3, {"status": "completed"})
    model = backend.models.create(
        {"name": "m", "dataset_id": 3, "training_mode": "expert", "training_version": "max"}
    )
    backend.models.start_training(model["id"], {"total_training_steps": 200})
    return app


APP = _seeded_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("SANDBOX_FUZZ_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_bria_routes_conform_to_their_schema(case: Any) -> None:
    case.call_and_validate(headers={"api_token": "fuzz"}, checks=CHECKS)
