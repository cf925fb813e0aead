"""The example CI files: they parse, have the three flows, and their shell really works.

The flow tests run the files' own shell blocks with bash, in a git checkout, against
`tailor sandbox serve` and PostgreSQL state: review on a pull request, apply of the reviewed
plan, stale-plan refusal and re-plan, and the drift job's exit codes. Every `tailor` command
line in a file must have been run by its flow test.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.gitops.ciscripts import (
    ShellBlock,
    commands_in,
    github_blocks,
    gitlab_blocks,
    load,
    tailor_commands,
)
from tests.gitops.conftest import ROOT, TOKEN, CiRunner, substitute

GITHUB = ROOT / "examples" / "ci" / "github-actions.yml"
GITLAB = ROOT / "examples" / "ci" / "gitlab-ci.yml"
MARKER = "<!-- tailor-plan -->"
ARTIFACTS = ["tailor.plan", "plan.json", "plan.md", "planned-tree.txt"]
ALLOWED_ACTIONS = {
    "actions/checkout",
    "actions/setup-python",
    "actions/upload-artifact",
    "actions/github-script",
}
EXPRESSION = re.compile(r"\$\{\{\s*(secrets|env)\.([A-Z_]+)\s*\}\}")


# ---- structure ---------------------------------------------------------------------------------


def test_github_workflow_has_the_three_flows() -> None:
    workflow = load(GITHUB)
    triggers = workflow["on"]
    assert set(triggers) >= {"pull_request", "push", "schedule"}
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"][0]["cron"].count(" ") == 4
    jobs = workflow["jobs"]
    assert set(jobs) == {"plan", "apply", "drift"}
    assert "pull_request" in jobs["plan"]["if"]
    assert "push" in jobs["apply"]["if"] and "refs/heads/main" in jobs["apply"]["if"]
    assert "schedule" in jobs["drift"]["if"]
    assert jobs["apply"]["concurrency"]["cancel-in-progress"] == "false"
    assert jobs["apply"]["concurrency"]["group"]
    assert jobs["plan"]["permissions"]["pull-requests"] == "write"
    assert workflow["env"]["TAILOR_STATE"] == "${{ secrets.TAILOR_STATE_DSN }}"
    assert workflow["env"]["BRIA_API_TOKEN"] == "${{ secrets.BRIA_API_TOKEN }}"
    used = {
        step["uses"].split("@")[0]
        for job in jobs.values()
        for step in job["steps"]
        if "uses" in step
    }
    assert used == ALLOWED_ACTIONS
    upload = next(s for s in jobs["plan"]["steps"] if s.get("uses", "").startswith("actions/up"))
    assert set(upload["with"]["path"].split()) == set(ARTIFACTS)
    scripts = [
        s["with"]["script"] for s in jobs["plan"]["steps"] if "github-script" in s.get("uses", "")
    ]
    assert MARKER in scripts[0] and "updateComment" in scripts[0] and "createComment" in scripts[0]


def test_gitlab_pipeline_has_the_three_flows() -> None:
    pipeline = load(GITLAB)
    assert pipeline["stages"] == ["validate", "plan", "apply", "drift"]

    def conditions(job: str) -> str:
        return " ".join(rule["if"] for rule in pipeline[job]["rules"])

    assert "merge_request_event" in conditions("validate")
    assert "merge_request_event" in conditions("plan")
    assert "CI_DEFAULT_BRANCH" in conditions("apply") and "push" in conditions("apply")
    assert "schedule" in conditions("drift")
    assert pipeline["apply"]["resource_group"]
    assert set(pipeline["plan"]["artifacts"]["paths"]) == set(ARTIFACTS)
    assert pipeline["variables"]["TAILOR_STATE"] == "$TAILOR_STATE_DSN"
    notes = "\n".join(pipeline["plan"]["script"])
    assert MARKER in notes and "TAILOR_GITLAB_TOKEN" in notes and '"PUT"' in notes


@pytest.mark.parametrize("path", [GITHUB, GITLAB], ids=["github", "gitlab"])
def test_every_shown_command_is_a_tailor_command(path: Path) -> None:
    blocks = list(github_blocks(load(path)) if path == GITHUB else gitlab_blocks(load(path)))
    commands = commands_in(blocks)
    assert len(commands) >= 5
    assert {argv[1] for argv in commands} >= {"validate", "plan", "apply"}


def test_extractor_finds_commands_where_the_shell_would() -> None:
    script = (
        "x=$(tailor output --json)\n"
        "if ! tailor plan \\\n   --detailed-exitcode; then echo \"tailor plan failed\"; fi\n"
        "cat <<'EOF'\ntailor apply\nEOF\n"
        "true && tailor apply saved.plan --auto-approve 2> errors.txt # tailor destroy\n"
        "echo ::error::tailor refused\n"
    )
    assert tailor_commands(script) == [
        ("tailor", "output", "--json"),
        ("tailor", "plan", "--detailed-exitcode"),
        ("tailor", "apply", "saved.plan", "--auto-approve"),
    ]


# ---- the flows, run ----------------------------------------------------------------------------


@dataclass
class Flavor:
    """Where one CI service keeps each flow's shell, and how it passes results on."""

    blocks: list[ShellBlock]
    env: dict[str, str]
    validate: list[ShellBlock]
    plan: list[ShellBlock]
    apply: ShellBlock
    drift: ShellBlock
    extra: Callable[[Path], dict[str, str]]
    """Per-run files the service provides (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY)."""


def find(blocks: list[ShellBlock], job: str, step: str) -> ShellBlock:
    (found,) = [b for b in blocks if b.job == job and b.step == step]
    return found


def github_env(values: Mapping[str, Any], secrets: Mapping[str, str], base: dict[str, str]) -> None:
    for name, value in values.items():

        def lookup(match: re.Match[str]) -> str:
            kind, key = match.groups()
            return secrets[key] if kind == "secrets" else base[key]

        base[name] = EXPRESSION.sub(lookup, value)


def github_flavor(ci: CiRunner, state_dsn: str) -> Flavor:
    workflow = load(GITHUB)
    secrets = {"BRIA_API_TOKEN": TOKEN, "TAILOR_STATE_DSN": state_dsn}
    env = dict(ci.env)
    github_env(workflow["env"], secrets, env)
    blocks = list(github_blocks(workflow))
    for block in blocks:
        assert "${{" not in block.script, f"{block.step}: pass expressions through env"

    def extra(tmp: Path) -> dict[str, str]:
        return {
            "GITHUB_OUTPUT": str(tmp / "github-output"),
            "GITHUB_STEP_SUMMARY": str(tmp / "step-summary.md"),
        }

    return Flavor(
        blocks=blocks,
        env=env,
        validate=[find(blocks, "plan", "Validate")],
        plan=[find(blocks, "plan", "Plan"), find(blocks, "plan", "Plan as JSON")],
        apply=find(blocks, "apply", "Apply"),
        drift=find(blocks, "drift", "Detect drift"),
        extra=extra,
    )


def gitlab_flavor(ci: CiRunner, state_dsn: str) -> Flavor:
    pipeline = load(GITLAB)
    env = dict(ci.env)
    env.update(
        {
            "BRIA_API_TOKEN": TOKEN,
            "TAILOR_STATE_DSN": state_dsn,
            "TAILOR_GITLAB_TOKEN": "glpat-test",
            "CI_PROJECT_DIR": str(ci.checkout),
        }
    )
    for name, value in pipeline["variables"].items():
        env[name] = substitute(value, env)
    blocks = list(gitlab_blocks(pipeline))
    plan = find(blocks, "plan", "script[0]")
    exit_with_plan_code = find(blocks, "plan", "script[2]")
    assert "plan-exitcode.txt" in exit_with_plan_code.script
    return Flavor(
        blocks=blocks,
        env=env,
        validate=[find(blocks, "validate", "script[0]")],
        plan=[plan, exit_with_plan_code],
        apply=find(blocks, "apply", "script[1]"),
        drift=find(blocks, "drift", "script[0]"),
        extra=lambda tmp: {},
    )


def run_ok(
    ci: CiRunner,
    flavor: Flavor,
    block: ShellBlock,
    tmp: Path,
    code: int = 0,
    cwd: Path | None = None,
) -> str:
    result = ci.run(block, {**flavor.env, **flavor.extra(tmp)}, cwd=cwd)
    assert result.returncode == code, (
        f"{block.job}/{block.step} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout + result.stderr


def review(ci: CiRunner, flavor: Flavor, tmp: Path, branch: str) -> Path:
    """The pull request pipeline, on another runner (another folder): validate and plan.
    Returns the artifact zip the apply job downloads."""
    runner = tmp / f"pr-runner-{branch}" / "repo"
    ci.git("worktree", "add", "-q", "--detach", str(runner), branch)
    for block in [*flavor.validate, *flavor.plan]:
        run_ok(ci, flavor, block, tmp, cwd=runner)
    markdown = (runner / "plan.md").read_text(encoding="utf-8")
    assert markdown.startswith(MARKER)
    shown = json.loads((runner / "plan.json").read_text(encoding="utf-8"))
    assert shown["format_version"] == 1 and shown["errors"] == []
    planned_tree = (runner / "planned-tree.txt").read_text().strip()
    assert planned_tree == ci.git("rev-parse", f"{branch}^{{tree}}")
    artifact = tmp / f"artifact-{branch}.zip"
    ci.keep_artifact(runner, ARTIFACTS, artifact)
    ci.git("worktree", "remove", "--force", str(runner))  # that runner is gone by merge time
    return artifact


def land(ci: CiRunner, flavor: Flavor, tmp: Path, artifact: Path | None) -> str:
    """The default-branch pipeline: a fresh checkout with the downloaded plan, then apply."""
    ci.fresh_checkout()
    if artifact is not None:
        (ci.checkout / "reviewed-plan.zip").write_bytes(artifact.read_bytes())
    return run_ok(ci, flavor, flavor.apply, tmp)


def flow(ci: CiRunner, flavor: Flavor, tmp: Path, *, moved_by_hotfix: bool) -> None:
    ci.env = flavor.env  # direct `tailor` calls see what the CI jobs see
    # Pull request 1 (the quickstart itself) is reviewed, merged and applied as reviewed.
    ci.git("checkout", "-q", "-b", "pr-1")
    ci.edit_manifest("description: fast generation", "description: quick generation")
    ci.commit("pr-1")
    first = review(ci, flavor, tmp, "pr-1")
    ci.git("checkout", "-q", "main")
    ci.git("merge", "-q", "--ff-only", "pr-1")
    before = len(ci.ran())
    output = land(ci, flavor, tmp, first)
    assert "stale" not in output
    assert ("tailor", "apply", "reviewed/tailor.plan", "--auto-approve") in ci.ran()
    assert ("tailor", "apply", ".", "--auto-approve") not in ci.ran()
    assert len(ci.ran()) == before + 1
    assert ci.tailor("plan", "--detailed-exitcode").returncode == 0

    # The drift job: 0 while Bria matches, 2 once a model is renamed outside tailor.
    run_ok(ci, flavor, flavor.drift, tmp, code=0)
    (model,) = [m for m in ci.bria("GET", "/tailored-gen/models") if m["status"] != "Deleted"]
    ci.bria("PUT", f"/tailored-gen/models/{model['id']}", {"name": "renamed-in-console"})
    drifted = run_ok(ci, flavor, flavor.drift, tmp, code=2)
    assert "renamed-in-console" in drifted + _summary(tmp)

    # Pull request 2 is reviewed; then the world moves before it merges.
    ci.git("checkout", "-q", "-b", "pr-2")
    ci.edit_manifest("models:\n", "models:\n  extra:\n    dataset: v1\n    training_version: max\n")
    ci.commit("pr-2")
    second = review(ci, flavor, tmp, "pr-2")
    if moved_by_hotfix:
        # A hotfix applied from another checkout moves the state: the saved plan is refused.
        hotfix = tmp / "hotfix"
        ci.git("worktree", "add", "-q", "--detach", str(hotfix), "main")
        ci.edit_manifest("quick generation", "hotfix description", root=hotfix)
        applied = ci.tailor("apply", ".", "--auto-approve", cwd=hotfix)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        unpacked = tmp / "unpacked"
        with zipfile.ZipFile(second) as archive:
            archive.extractall(unpacked)
        saved = json.loads((unpacked / "tailor.plan").read_text(encoding="utf-8"))
        saved["workspace"] = str(ci.checkout)  # as the apply job does
        (unpacked / "tailor.plan").write_text(json.dumps(saved), encoding="utf-8")
        refused = ci.tailor("apply", str(unpacked / "tailor.plan"), "--auto-approve")
        assert refused.returncode == 1
        assert "Saved plan is stale: the state changed" in refused.stderr
    else:
        # Someone edits the model in the Console again: the live API moved instead.
        ci.bria("PUT", f"/tailored-gen/models/{model['id']}", {"description": "console edit"})
    ci.git("checkout", "-q", "main")
    ci.git("merge", "-q", "--ff-only", "pr-2")

    # The apply job sees the stale plan refused, plans main again and applies that.
    output = land(ci, flavor, tmp, second)
    assert "Saved plan is stale" in output
    assert ("tailor", "apply", ".", "--auto-approve") in ci.ran()
    live = {m["name"]: m for m in ci.bria("GET", "/tailored-gen/models")}
    assert live["light"]["description"] == "quick generation for social posts"
    assert "extra" in live and "renamed-in-console" not in live
    run_ok(ci, flavor, flavor.drift, tmp, code=0)

    missing = commands_in(flavor.blocks) - ci.ran()
    assert not missing, f"commands shown in the CI file but never run by this test: {missing}"
    ci.assert_token_never_shown()


def _summary(tmp: Path) -> str:
    path = tmp / "step-summary.md"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.mark.slow
@pytest.mark.socket
@pytest.mark.postgres
def test_github_actions_flow(ci: CiRunner, state_dsn: str, tmp_path: Path) -> None:
    flavor = github_flavor(ci, state_dsn)
    flow(ci, flavor, tmp_path, moved_by_hotfix=True)
    assert "::error::Objects changed in Bria outside tailor" in "".join(ci.outputs)
    assert "## " in _summary(tmp_path) or MARKER in _summary(tmp_path)


@pytest.mark.slow
@pytest.mark.socket
@pytest.mark.postgres
def test_gitlab_ci_flow(ci: CiRunner, state_dsn: str, tmp_path: Path) -> None:
    flow(ci, gitlab_flavor(ci, state_dsn), tmp_path, moved_by_hotfix=False)
