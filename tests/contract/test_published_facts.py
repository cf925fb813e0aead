"""Facts the sandbox models where Bria's published OpenAPI document contradicts an [assumed]
fact of the older reference: the published text wins (docs/bria-api-notes.md)."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.helpers import expect_error, ok

pytestmark = pytest.mark.anyio
PROJECTS = "/tailored-gen/projects"


@pytest.mark.parametrize("medium", ["illustration", "photography"])
async def test_create_project_takes_ip_type_other(
    sandbox_http: httpx.AsyncClient, medium: str
) -> None:
    """Create Project's ip_type enum lists `other`, "For IP types that don't fit into any of
    the types" (tg L669-679); only four named types are illustration-only (L682-683)."""
    body = {"project_name": f"misc-{medium}", "ip_type": "other", "ip_medium": medium}
    made = ok(await sandbox_http.post(PROJECTS, json=body), 201)
    assert (made["ip_type"], made["ip_medium"]) == ("other", medium)
    shown = ok(await sandbox_http.get(f"{PROJECTS}/{made['id']}"))
    assert shown["ip_type"] == "other"
    listed = ok(await sandbox_http.get(PROJECTS))
    assert [p["ip_type"] for p in listed] == ["other"]


async def test_an_ip_type_outside_the_published_enum_is_still_refused(
    sandbox_http: httpx.AsyncClient,
) -> None:
    body = {"project_name": "p", "ip_type": "others", "ip_medium": "illustration"}
    expect_error(await sandbox_http.post(PROJECTS, json=body), 400, "PRJ-IP-TYPE-ENUM")
