"""`tailor sandbox serve` on a real loopback socket: the quickstart path, auth, stats, faults."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.sandbox.helpers import image_bytes

pytestmark = pytest.mark.socket


def _origin(base_url: str) -> str:
    return base_url.removesuffix("/v1")


def test_quickstart_flow_over_http(sandbox_server: str) -> None:
    headers = {"api_token": "any-token"}
    with httpx.Client(base_url=sandbox_server, headers=headers, timeout=30) as client:
        project = client.post(
            "/tailored-gen/projects",
            json={"project_name": "p", "ip_type": "stylized_scene", "ip_medium": "photography"},
        )
        assert project.status_code == 201
        dataset = client.post(
            "/tailored-gen/datasets", json={"project_id": project.json()["id"], "name": "d"}
        ).json()
        image = client.post(
            f"/tailored-gen/datasets/{dataset['id']}/images",
            json={"file": base64.b64encode(image_bytes()).decode()},
        )
        assert image.status_code == 201
        assert image.json()["image_url"].startswith(_origin(sandbox_server))
        assert client.get(image.json()["image_url"], headers={"api_token": ""}).status_code == 200
        done = client.put(f"/tailored-gen/datasets/{dataset['id']}", json={"status": "completed"})
        assert done.json()["status"] == "completed"
        model = client.post(
            "/tailored-gen/models",
            json={
                "name": "m",
                "dataset_id": dataset["id"],
                "training_mode": "fully_automated",
                "training_version": "max",
            },
        ).json()
        started = client.post(f"/tailored-gen/models/{model['id']}/start_training")
        assert started.json()["status"] == "InProgress"
        advanced = client.post(
            f"{_origin(sandbox_server)}/_sandbox/clock/advance", json={"seconds": 31}
        )
        assert advanced.status_code == 200
        assert client.get(f"/tailored-gen/models/{model['id']}").json()["status"] == "Completed"
        stats = client.get(f"{_origin(sandbox_server)}/_sandbox/stats").json()
        assert stats["requests"]["POST /v1/tailored-gen/models/{model_id}/start_training"] == 1
        assert stats["total"] == 7


def test_auth_and_dropped_connections_over_http(sandbox_server: str) -> None:
    with httpx.Client(base_url=sandbox_server, timeout=10) as client:
        refused = client.get("/tailored-gen/projects")
        assert refused.status_code == 401 and refused.json()["constraint_id"] == "AUTH-TOKEN"
        faults = client.put(
            f"{_origin(sandbox_server)}/_sandbox/faults", json={"drop_connection_rate": 1.0}
        )
        assert faults.status_code == 200
        with pytest.raises(httpx.TransportError):
            client.get("/tailored-gen/projects", headers={"api_token": "t"})
        client.put(
            f"{_origin(sandbox_server)}/_sandbox/faults",
            json={"lose_response_after_commit_rate": 1.0},
        )
        with pytest.raises(httpx.TransportError):
            client.post(
                "/tailored-gen/projects",
                headers={"api_token": "t"},
                json={"project_name": "kept", "ip_type": "icons", "ip_medium": "illustration"},
            )
        client.put(f"{_origin(sandbox_server)}/_sandbox/faults", json={})
        listed = client.get("/tailored-gen/projects", headers={"api_token": "t"}).json()
        assert [p["project_name"] for p in listed] == ["kept"]
