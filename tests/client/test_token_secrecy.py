"""The API token appears in no log record, no exception text or repr, no repr of the client."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import httpx
import pytest

from reconciler.client.api import BriaClient
from reconciler.client.errors import ApiError
from reconciler.client.models import CreateProjectRequest
from reconciler.client.retry import RetryPolicy
from reconciler.secret import Secret
from tests.client.conftest import BASE_URL, Control
from tests.conftest import free_port

pytestmark = pytest.mark.anyio

SECRET = "tok-SECRET-1234567890"
QUICK = RetryPolicy(max_attempts=3, total_seconds=5.0, base_delay=0.001, max_delay=0.002)


def _all_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + str(error)


async def _exercise(bria: BriaClient, control: Control | None) -> list[BaseException]:
    errors: list[BaseException] = []
    project = await bria.create_project(CreateProjectRequest(
        project_name="secret-test", ip_medium="illustration", ip_type="icons"))
    await bria.list_projects()
    for call in (bria.get_project(424242),
                 bria.create_project(CreateProjectRequest(
                     project_name="", ip_medium="illustration", ip_type="icons"))):
        try:
            await call
        except ApiError as error:
            errors.append(error)
    if control is not None:
        await control.faults(drop_connection_rate=1.0)
        try:
            await bria.get_project(project.id)
        except ApiError as error:
            errors.append(error)
        await control.faults(lose_response_after_commit_rate=1.0)
        await bria.create_project(CreateProjectRequest(
            project_name="adopted", ip_medium="illustration", ip_type="icons"))
        await control.faults()
    return errors


def _assert_secret_absent(caplog: pytest.LogCaptureFixture, errors: list[BaseException],
                          bria: BriaClient) -> None:
    assert caplog.records, "DEBUG logging was not captured"
    assert any("api_token" in r.getMessage() for r in caplog.records)  # header logged, redacted
    for record in caplog.records:
        assert SECRET not in record.getMessage(), record.getMessage()
        assert SECRET not in str(record.args)
    assert SECRET not in caplog.text
    assert errors
    for error in errors:
        assert SECRET not in _all_text(error)
    assert SECRET not in repr(bria) and SECRET not in str(bria)
    assert SECRET not in repr(vars(bria))


async def test_token_never_leaks_in_process(
    app: Any, control: Control, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with BriaClient(BASE_URL, Secret(SECRET), transport=httpx.ASGITransport(app=app),
                          retry=QUICK) as bria:
        errors = await _exercise(bria, control)
        _assert_secret_absent(caplog, errors, bria)


async def test_token_never_leaks_over_a_socket(
    served_app_url: tuple[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    origin, _ = served_app_url
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(base_url=origin) as http:
        control = Control(http)
        async with BriaClient(f"{origin}/v1", Secret(SECRET), retry=QUICK) as bria:
            errors = await _exercise(bria, control)
            _assert_secret_absent(caplog, errors, bria)
    async with BriaClient(f"http://127.0.0.1:{free_port()}/v1", Secret(SECRET),
                          retry=QUICK) as bria:
        with pytest.raises(ApiError) as refused:
            await bria.list_models()
        _assert_secret_absent(caplog, [refused.value], bria)
