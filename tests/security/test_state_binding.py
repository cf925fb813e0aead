"""The state is bound to the API it was made against and refuses any other before a request.

The implicit default (the embedded sandbox when BRIA_API_TOKEN is unset) must never let a
state made against one API be used with another: the second run would recreate everything
there and overwrite the recorded ids.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import serve_sandbox
from tests.security.conftest import Run, make_workspace, tailor, tailor_env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`tailor sandbox serve` on a loopback port: an API other than the embedded sandbox."""
    with serve_sandbox(tmp_path / "served.db") as process:
        yield process.origin


def _requests(origin: str) -> int:
    total = httpx.get(f"{origin}/_sandbox/stats", timeout=10).json()["total"]
    assert isinstance(total, int)
    return total


def _without_token() -> dict[str, str]:
    env = tailor_env()
    del env["BRIA_API_TOKEN"]
    return env


def _applied_on_the_embedded_sandbox(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path, "state: .tailor/state.db\n")
    applied = tailor("apply", "--auto-approve", cwd=root, env=_without_token())
    applied.assert_clean()
    assert applied.code == 0, applied.output
    return root


def _refused(run: Run, bound: str, used: str) -> None:
    run.assert_refused("belongs to", bound, used, "nothing was sent", "tailor state rebind --api")


@pytest.mark.parametrize(
    "command",
    [
        ("plan",),
        ("plan", "--format", "markdown"),
        ("apply", "--auto-approve"),
        ("destroy", "--auto-approve"),
        ("import", "--adopt"),
    ],
)
def test_a_sandbox_state_refuses_another_api(
    tmp_path: Path, server: str, command: tuple[str, ...]
) -> None:
    root = _applied_on_the_embedded_sandbox(tmp_path)
    before = _requests(server)
    run = tailor(*command, cwd=root, env=tailor_env(BRIA_API_URL=f"{server}/v1"))
    _refused(run, "the embedded sandbox (database ", f"{server}/v1")
    assert _requests(server) == before


def test_a_state_made_against_a_url_refuses_the_implicit_sandbox(
    tmp_path: Path, server: str
) -> None:
    root = make_workspace(tmp_path, f"api: {server}/v1\nstate: .tailor/state.db\n")
    tailor("apply", "--auto-approve", cwd=root).assert_clean()
    # The same workspace without a token, as on a pull request from a fork, with no api: set.
    (root / "tailor.yaml").write_text("state: .tailor/state.db\n")
    run = tailor("apply", "--auto-approve", cwd=root, env=_without_token())
    _refused(run, f"{server}/v1", "the embedded sandbox")
    assert not (root / ".tailor" / "sandbox.db").exists() or _no_projects_in_embedded(root)


def _no_projects_in_embedded(root: Path) -> bool:
    with sqlite3.connect(root / ".tailor" / "sandbox.db") as conn:
        return conn.execute("SELECT COUNT(*) FROM projects").fetchone()[0] == 0


def test_a_new_sandbox_database_is_another_api(tmp_path: Path) -> None:
    root = _applied_on_the_embedded_sandbox(tmp_path)
    (root / ".tailor" / "sandbox.db").unlink()
    run = tailor("plan", cwd=root, env=_without_token())
    _refused(run, "the embedded sandbox (database ", "the embedded sandbox (database ")


def test_rebind_moves_on_deliberately(tmp_path: Path, server: str) -> None:
    root = _applied_on_the_embedded_sandbox(tmp_path)
    env = tailor_env(BRIA_API_URL=f"{server}/v1")
    rebound = tailor("state", "rebind", "--api", f"{server}/v1", cwd=root, env=env)
    rebound.assert_clean()
    assert rebound.code == 0, rebound.output
    assert f"now belongs to {server}/v1 (it belonged to the embedded sandbox" in rebound.output
    planned = tailor("plan", cwd=root, env=env)
    planned.assert_clean()
    assert planned.code == 0, planned.output
    # The served sandbox has none of the recorded objects: the plan says so, nothing is lost.
    assert "deleted outside tailor" in planned.output
    back = tailor("plan", cwd=root, env=_without_token())
    _refused(back, f"{server}/v1", "the embedded sandbox")


def test_a_state_without_a_binding_is_bound_by_its_next_write(tmp_path: Path) -> None:
    root = _applied_on_the_embedded_sandbox(tmp_path)
    with sqlite3.connect(root / ".tailor" / "state.db") as conn:  # as states made before
        conn.execute("DROP TABLE tailor_binding")
    planned = tailor("plan", cwd=root, env=_without_token())
    assert planned.code == 0, planned.output
    applied = tailor("apply", "--auto-approve", cwd=root, env=_without_token())
    assert applied.code == 0, applied.output
    with sqlite3.connect(root / ".tailor" / "state.db") as conn:
        (api,) = conn.execute("SELECT api FROM tailor_binding").fetchone()
    assert api.startswith("sandbox ")


def test_postgres_state_refuses_another_api(
    tmp_path: Path, server: str, postgres_schema_dsn: str
) -> None:
    root = make_workspace(tmp_path, "")
    env = _without_token()
    env["TAILOR_STATE"] = postgres_schema_dsn
    tailor("apply", "--auto-approve", cwd=root, env=env).assert_clean()
    other = tailor_env(BRIA_API_URL=f"{server}/v1", TAILOR_STATE=postgres_schema_dsn)
    before = _requests(server)
    _refused(tailor("plan", cwd=root, env=other), "the embedded sandbox", f"{server}/v1")
    assert _requests(server) == before
