"""`tailor plan` end to end: refresh cost, output formats, saved plans, settings, secrecy.

Runs the CLI in-process (click's runner) against `tailor sandbox serve` on a real socket, so the
sandbox's request statistics show exactly what a plan costs.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from PIL import Image

from reconciler.cli.main import cli

TOKEN = "tok-SECRET-plan-7f3a9c1e"


def write_workspace(root: Path, api: str, *, projects: int = 2, draft_b: bool = False) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "tailor.yaml").write_text(f"api: {api}\n", encoding="utf-8")
    for p in range(projects):
        for d in ("a", "b"):
            folder = root / "images" / f"p{p}" / d
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(3):
                colour = (p * 60 + i * 20, 100 if d == "a" else 200, 50)
                Image.new("RGB", (256, 256), colour).save(folder / f"img-{i}.png")
        (root / f"p{p}.yaml").write_text(
            "\n".join(
                [
                    f"project: brand-{p}",
                    "ip:",
                    "  type: icons",
                    "  medium: illustration",
                    "datasets:",
                    "  a:",
                    f"    images: [images/p{p}/a/*.png]",
                    "  b:",
                    f"    images: [images/p{p}/b/*.png]",
                    f"    completed: {'false' if draft_b else 'true'}",
                    "models:",
                    "  light:",
                    "    dataset: a",
                    "    training_version: light",
                    "    training_mode: fully_automated",
                ]
            )
            + "\n",
            encoding="utf-8",
        )


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, list(args), env={"BRIA_API_TOKEN": TOKEN}, catch_exceptions=False
    )
    return result.exit_code, result.output


@pytest.fixture
def applied(tmp_path: Path, sandbox_server: str) -> tuple[Path, str]:
    workspace = tmp_path / "ws"
    write_workspace(workspace, sandbox_server)
    code, output = run("apply", str(workspace), "--auto-approve")
    assert code == 0, output
    return workspace, sandbox_server


def stats(base_url: str) -> dict[str, object]:
    origin = base_url.removesuffix("/v1")
    result: dict[str, object] = httpx.get(f"{origin}/_sandbox/stats", timeout=10).json()
    return result


def reset_stats(base_url: str) -> None:
    origin = base_url.removesuffix("/v1")
    httpx.post(f"{origin}/_sandbox/stats/reset", timeout=10).raise_for_status()


def test_no_change_plan_reads_lists_only(applied: tuple[Path, str]) -> None:
    workspace, base_url = applied
    reset_stats(base_url)
    code, output = run("plan", str(workspace), "--detailed-exitcode")
    assert code == 0, output
    assert "No changes" in output
    counted = stats(base_url)
    requests = counted["requests"]
    assert isinstance(requests, dict)
    # 1 list of projects + per project (2) its datasets and models. Every dataset is completed
    # and unchanged, so its images are known from the state: Bria cannot change them.
    assert counted["total"] == 1 + 2 * 2, requests
    assert not any("{image_id}" in route for route in requests)

    reset_stats(base_url)
    code, output = run("plan", str(workspace), "--format", "html")
    assert code == 0, output
    requests = stats(base_url)["requests"]
    assert isinstance(requests, dict)
    # The review page shows live thumbnails, so it lists every dataset's images.
    assert requests["GET /v1/tailored-gen/datasets/{dataset_id}/images"] == 4


def test_draft_datasets_images_are_listed(tmp_path: Path, sandbox_server: str) -> None:
    workspace = tmp_path / "ws"
    write_workspace(workspace, sandbox_server, projects=1, draft_b=True)
    code, output = run("apply", str(workspace), "--auto-approve")
    assert code == 0, output
    reset_stats(sandbox_server)
    code, output = run("plan", str(workspace), "--detailed-exitcode")
    assert code == 0, output
    requests = stats(sandbox_server)["requests"]
    assert isinstance(requests, dict)
    assert requests["GET /v1/tailored-gen/datasets/{dataset_id}/images"] == 1


def test_caption_edited_in_a_draft_dataset_is_drift(tmp_path: Path, sandbox_server: str) -> None:
    workspace = tmp_path / "ws"
    write_workspace(workspace, sandbox_server, projects=1, draft_b=True)
    (workspace / "images" / "p0" / "b" / "img-0.txt").write_text("a sidecar caption\n")
    code, output = run("apply", str(workspace), "--auto-approve")
    assert code == 0, output
    headers = {"api_token": TOKEN}
    datasets = httpx.get(f"{sandbox_server}/tailored-gen/datasets", headers=headers).json()
    draft = next(d for d in datasets if d["name"] == "b")
    images = httpx.get(
        f"{sandbox_server}/tailored-gen/datasets/{draft['id']}/images", headers=headers
    ).json()
    edited = next(i for i in images if i["image_name"] == "img-0.png")
    httpx.put(
        f"{sandbox_server}/tailored-gen/datasets/{draft['id']}/images/{edited['id']}",
        json={"caption": "edited in the Console"},
        headers=headers,
    ).raise_for_status()
    code, output = run("plan", str(workspace), "--detailed-exitcode")
    assert code == 2, output
    assert "edited in the Console" in output


def test_change_exits_2_and_first_line_names_api_and_state(applied: tuple[Path, str]) -> None:
    workspace, base_url = applied
    (workspace / "p0.yaml").write_text(
        (workspace / "p0.yaml").read_text().replace("project: brand-0", "project: brand-0\n"
                                                    "description: now described"),
        encoding="utf-8",
    )
    code, output = run("plan", str(workspace), "--detailed-exitcode")
    assert code == 2, output
    first = output.splitlines()[0]
    assert base_url in first and "state.db" in first
    assert "~" in output and "now described" in output


def test_saved_plan_and_formats(applied: tuple[Path, str], tmp_path: Path) -> None:
    workspace, _ = applied
    (workspace / "images" / "p1" / "b" / "img-9.png").parent.mkdir(exist_ok=True)
    Image.new("RGB", (300, 300), (9, 9, 9)).save(workspace / "images" / "p1" / "b" / "img-9.png")
    saved = tmp_path / "plan.json"
    code, output = run("plan", str(workspace), "--format", "json", "--out", str(saved))
    assert code == 0, output
    document = json.loads(saved.read_text())
    assert document["format_version"] == 1
    # Relative to the plan file, so a CI artifact applies in another checkout.
    assert (saved.parent / document["workspace"]).resolve() == workspace.resolve()
    assert document["summary"]["replace"] >= 1  # b is completed: a new image replaces it
    printed = json.loads(output[output.index("{") : output.rindex("}") + 1])
    assert printed["summary"] == document["summary"]

    code, markdown = run("plan", str(workspace), "--format", "markdown")
    assert code == 0
    assert markdown.lstrip().startswith("<!-- tailor-plan -->")
    assert "brand-1/datasets/b" in markdown


def test_saved_plan_applies_after_the_workspace_moved(
    applied: tuple[Path, str], tmp_path: Path
) -> None:
    workspace, _ = applied
    (workspace / "p0.yaml").write_text(
        (workspace / "p0.yaml").read_text() + "description: moved checkout\n", encoding="utf-8"
    )
    code, output = run("plan", str(workspace), "--out", str(workspace / "tailor.plan"))
    assert code == 0, output
    moved = tmp_path / "elsewhere"
    workspace.rename(moved)
    code, output = run("apply", str(moved / "tailor.plan"), "--auto-approve")
    assert code == 0, output
    code, output = run("plan", str(moved), "--detailed-exitcode")
    assert code == 0, output


def test_token_never_printed_or_written(applied: tuple[Path, str], tmp_path: Path) -> None:
    workspace, _ = applied
    outputs = []
    for fmt in ("text", "json", "markdown"):
        code, output = run("plan", str(workspace), "--format", fmt, "--out", str(tmp_path / fmt))
        assert code == 0
        outputs.append(output)
    assert all(TOKEN not in output for output in outputs)
    for path in [*workspace.rglob("*"), *tmp_path.glob("*")]:
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_real_api_without_token_is_an_error_never_the_sandbox(tmp_path: Path) -> None:
    write_workspace(tmp_path, "https://engine.prod.bria-api.com/v1", projects=1)
    result = CliRunner().invoke(cli, ["plan", str(tmp_path)], env={"BRIA_API_TOKEN": ""})
    assert result.exit_code == 1
    assert "BRIA_API_TOKEN is not set" in result.output
    assert not (tmp_path / ".tailor" / "sandbox.db").exists()


def test_manifest_error_is_reported_with_location(tmp_path: Path) -> None:
    write_workspace(tmp_path, "sandbox", projects=1)
    manifest = tmp_path / "p0.yaml"
    manifest.write_text(manifest.read_text().replace("training_mode:", "training_mod:"))
    result = CliRunner().invoke(cli, ["plan", str(tmp_path)])
    assert result.exit_code == 1
    assert "p0.yaml:" in result.output
    assert "training_mod" in result.output
    assert "Traceback" not in result.output


def test_fresh_presigned_image_urls_are_not_a_change() -> None:
    """Bria signs image URLs anew on every listing; a saved plan must not go stale over it."""
    from reconciler.resources import LiveImage, LiveSnapshot

    def snapshot(url: str) -> LiveSnapshot:
        image = LiveImage(7, 3, "a.png", "A fox", "manual", f"{url}/a.png", f"{url}/t.png")
        return LiveSnapshot(images={3: (image,)})

    assert snapshot("https://s3/sig=1").fingerprint() == snapshot("https://s3/sig=2").fingerprint()
    edited = LiveSnapshot(images={3: (LiveImage(7, 3, "a.png", "A cat", "manual"),)})
    assert edited.fingerprint() != snapshot("https://s3/sig=1").fingerprint()
