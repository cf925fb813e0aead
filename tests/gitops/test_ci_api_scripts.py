"""The CI files' API scripts: the sticky plan comment/note and the download of the reviewed plan.

GitLab's Python runs against a small fake of GitLab's REST API on 127.0.0.1; GitHub's
github-script JavaScript runs in node with a recording fake of the Octokit client it is given.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import skip_or_fail
from tests.gitops.ciscripts import ShellBlock, gitlab_blocks, load
from tests.gitops.conftest import ROOT

GITHUB = ROOT / "examples" / "ci" / "github-actions.yml"
GITLAB = ROOT / "examples" / "ci" / "gitlab-ci.yml"
MARKER = "<!-- tailor-plan -->"
PROJECT = "/api/v4/projects/42"
ACCESS_TOKEN = "glpat-test-7f3e"


@dataclass
class FakeGitLab:
    """Just the endpoints the pipeline calls, with the access token checked on each."""

    notes: list[dict[str, Any]] = field(default_factory=list)
    artifact: bytes = b""
    calls: list[str] = field(default_factory=list)

    def answer(self, method: str, url: str, body: bytes, token: str | None) -> tuple[int, bytes]:
        self.calls.append(f"{method} {url}")
        if token != ACCESS_TOKEN:
            return 401, b'{"message": "401 Unauthorized"}'
        parts = urlsplit(url)
        path, query = parts.path, parse_qs(parts.query)
        notes = f"{PROJECT}/merge_requests/7/notes"
        if path == notes and method == "GET":
            page, per_page = int(query["page"][0]), int(query["per_page"][0])
            return 200, json.dumps(self.notes[(page - 1) * per_page : page * per_page]).encode()
        if path == notes and method == "POST":
            note = {"id": 100 + len(self.notes), "body": json.loads(body)["body"]}
            self.notes.append(note)
            return 201, json.dumps(note).encode()
        if path.startswith(f"{notes}/") and method == "PUT":
            note_id = int(path.rsplit("/", 1)[1])
            (note,) = [n for n in self.notes if n["id"] == note_id]
            note["body"] = json.loads(body)["body"]
            return 200, json.dumps(note).encode()
        if path == f"{PROJECT}/repository/commits/abc123/merge_requests":
            return 200, json.dumps([{"iid": 7, "state": "merged"}]).encode()
        if path == f"{PROJECT}/merge_requests/7/pipelines":
            pipelines = [{"id": 9, "status": "failed"}, {"id": 8, "status": "success"}]
            return 200, json.dumps(pipelines).encode()
        if path == f"{PROJECT}/pipelines/8/jobs" and query.get("scope[]") == ["success"]:
            jobs = [{"id": 31, "name": "validate"}, {"id": 32, "name": "plan"}]
            return 200, json.dumps(jobs).encode()
        if path == f"{PROJECT}/jobs/32/artifacts":
            return 200, self.artifact
        return 404, b'{"message": "404 Not Found"}'


@pytest.fixture
def gitlab() -> Iterator[tuple[FakeGitLab, str]]:
    fake = FakeGitLab()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = fake.answer(
                self.command, self.path, body, self.headers.get("PRIVATE-TOKEN")
            )
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    finally:
        server.shutdown()
        server.server_close()


def gitlab_block(job: str, step: str) -> ShellBlock:
    (block,) = [b for b in gitlab_blocks(load(GITLAB)) if b.job == job and b.step == step]
    return block


def run_gitlab(block: ShellBlock, cwd: Path, api: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CI_", "TAILOR_"))}
    env.update(
        {
            "CI_API_V4_URL": api,
            "CI_PROJECT_ID": "42",
            "CI_MERGE_REQUEST_IID": "7",
            "CI_JOB_ID": "32",
            "CI_JOB_URL": "https://gitlab.example.com/acme/ip/-/jobs/32",
            "CI_COMMIT_SHA": "abc123",
            "TAILOR_GITLAB_TOKEN": ACCESS_TOKEN,
        }
    )
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", block.script],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
    )


def test_gitlab_plan_note_is_created_once_then_updated(
    gitlab: tuple[FakeGitLab, str], tmp_path: Path
) -> None:
    fake, api = gitlab
    fake.notes = [{"id": i, "body": f"review remark {i}"} for i in range(1, 131)]
    post = gitlab_block("plan", "script[1]")
    (tmp_path / "plan.md").write_text(f"{MARKER}\n**Plan: 1 to create**\n", encoding="utf-8")

    first = run_gitlab(post, tmp_path, api)
    assert first.returncode == 0, first.stderr
    (tmp_path / "plan.md").write_text(f"{MARKER}\n**Plan: 2 to create**\n", encoding="utf-8")
    second = run_gitlab(post, tmp_path, api)
    assert second.returncode == 0, second.stderr

    ours = [n for n in fake.notes if n["body"].startswith(MARKER)]
    assert len(ours) == 1 and len(fake.notes) == 131
    assert "**Plan: 2 to create**" in ours[0]["body"]
    assert "jobs/32" in ours[0]["body"]
    assert sum(c.startswith("PUT ") for c in fake.calls) == 1
    assert sum(c.startswith("POST ") for c in fake.calls) == 1


def test_gitlab_note_says_the_plan_failed_without_markdown(
    gitlab: tuple[FakeGitLab, str], tmp_path: Path
) -> None:
    fake, api = gitlab
    result = run_gitlab(gitlab_block("plan", "script[1]"), tmp_path, api)
    assert result.returncode == 0, result.stderr
    (note,) = fake.notes
    assert note["body"].startswith(f"{MARKER}\n**The plan failed**")


def test_gitlab_apply_downloads_the_reviewed_plan(
    gitlab: tuple[FakeGitLab, str], tmp_path: Path
) -> None:
    fake, api = gitlab
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tailor.plan", '{"format_version": 1}')
    fake.artifact = buffer.getvalue()
    result = run_gitlab(gitlab_block("apply", "script[0]"), tmp_path, api)
    assert result.returncode == 0, result.stderr
    assert "Applying the plan reviewed on !7 (job 32)" in result.stdout
    assert (tmp_path / "reviewed-plan.zip").read_bytes() == fake.artifact


def test_gitlab_apply_plans_afresh_when_nothing_is_found(
    gitlab: tuple[FakeGitLab, str], tmp_path: Path
) -> None:
    _fake, api = gitlab
    block = gitlab_block("apply", "script[0]")
    fine = run_gitlab(block, tmp_path, api.replace("/api/v4", "/nothing"))
    assert fine.returncode == 0, fine.stderr
    assert "planning afresh" in fine.stdout
    assert not (tmp_path / "reviewed-plan.zip").exists()


# ---- GitHub: github-script in node ---------------------------------------------------------------

HARNESS = Path(__file__).with_name("github_script_harness.js")


def github_script(job: str, name: str) -> str:
    steps = load(GITHUB)["jobs"][job]["steps"]
    (step,) = [s for s in steps if s.get("name") == name]
    script = step["with"]["script"]
    assert isinstance(script, str)
    return script


def run_node(script: str, fixture: dict[str, Any], cwd: Path) -> list[list[Any]]:
    node = shutil.which("node")
    if node is None:
        skip_or_fail("node is not installed (GitHub's github-script steps run in node)")
        raise AssertionError("unreachable")
    (cwd / "script.js").write_text(script, encoding="utf-8")
    (cwd / "fixture.json").write_text(json.dumps(fixture), encoding="utf-8")
    result = subprocess.run(
        [node, str(HARNESS)],
        cwd=cwd,
        env={**os.environ, "FIXTURE": "fixture.json", "SCRIPT": "script.js"},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    calls: list[list[Any]] = json.loads(result.stdout)
    return calls


def comment(comment_id: int, body: str, kind: str) -> dict[str, Any]:
    return {"id": comment_id, "body": body, "user": {"type": kind}}


def test_github_comment_is_created_when_there_is_none(tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(f"{MARKER}\n**Plan: 1 to create**\n", encoding="utf-8")
    fixture = {"comments": [comment(1, f"{MARKER} quoted by a person", "User")]}
    calls = run_node(github_script("plan", "Post or update the plan comment"), fixture, tmp_path)
    (created,) = [args for name, args in calls if name == "createComment"]
    assert created["issue_number"] == 12 and created["body"].startswith(MARKER)
    assert "**Plan: 1 to create**" in created["body"] and "actions/runs/5" in created["body"]
    assert not [c for c in calls if c[0] == "updateComment"]


def test_github_comment_is_updated_in_place(tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(f"{MARKER}\n**Plan: 2 to update**\n", encoding="utf-8")
    fixture = {
        "comments": [comment(1, "LGTM", "User"), comment(2, f"{MARKER}\nold plan", "Bot")]
    }
    calls = run_node(github_script("plan", "Post or update the plan comment"), fixture, tmp_path)
    (updated,) = [args for name, args in calls if name == "updateComment"]
    assert updated["comment_id"] == 2 and "**Plan: 2 to update**" in updated["body"]
    assert not [c for c in calls if c[0] == "createComment"]


def test_github_apply_downloads_the_reviewed_plan(tmp_path: Path) -> None:
    import base64

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tailor.plan", '{"format_version": 1}')
    fixture = {
        "pulls": [{"number": 12, "merged_at": "2026-11-26T10:00:00Z",
                   "head": {"ref": "feature", "sha": "head-sha"}}],
        "runs": [{"id": 40, "head_sha": "older-sha"}, {"id": 41, "head_sha": "head-sha"}],
        "artifacts": [{"id": 9}],
        "zip": base64.b64encode(buffer.getvalue()).decode(),
    }
    calls = run_node(github_script("apply", "Download the reviewed plan"), fixture, tmp_path)
    assert (tmp_path / "reviewed-plan.zip").read_bytes() == buffer.getvalue()
    (listed,) = [args for name, args in calls if name == "listArtifacts"]
    assert listed == {"owner": "acme", "repo": "ip", "run_id": 41, "name": "tailor-plan"}


def test_github_apply_plans_afresh_without_a_merged_pull_request(tmp_path: Path) -> None:
    calls = run_node(
        github_script("apply", "Download the reviewed plan"), {"pulls": []}, tmp_path
    )
    assert any(name == "notice" and "planning afresh" in args for name, args in calls)
    assert not (tmp_path / "reviewed-plan.zip").exists()
