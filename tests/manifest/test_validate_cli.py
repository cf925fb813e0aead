"""`tailor validate` output formats, exit codes, and the public loading functions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.errors import Location, ValidationFailed
from reconciler.manifest.workspace import load_settings_file, load_workspace
from reconciler.settings import resolve
from tests.manifest.conftest import GOOD_MANIFEST, run_validate, write_files

THREE_MISTAKES = (
    GOOD_MANIFEST.replace("medium: illustration", "medium: photo").replace(
        "training_version: light", "training_version: lite"
    )
    + "    colour: red\n"
)


@pytest.fixture
def broken_workspace(good_workspace: Path) -> Path:
    write_files(good_workspace, {"acme.yaml": THREE_MISTAKES, "tailor.yaml": "stat: x.db\n"})
    return good_workspace


def test_every_error_at_once_sorted_by_location(broken_workspace: Path) -> None:
    result = run_validate(broken_workspace)

    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if not line.startswith("  ")]
    assert errors == [
        "acme.yaml:4:11: ip.medium: 'photo' is not one of illustration, photography",
        "acme.yaml:14:23: models.light.training_version: 'lite' is not one of light, max, "
        "bria-2.3, bria-3.2, fibo",
        "acme.yaml:15:5: unknown key 'colour' in models.light",
        "tailor.yaml:1:1: unknown key 'stat' in the top level",
        "4 errors found; nothing was sent to Bria.",
    ]
    assert "  hint: did you mean 'state'?" in result.output


def test_json_format(broken_workspace: Path) -> None:
    result = run_validate(broken_workspace, "--format", "json")

    assert result.exit_code == 1
    items = json.loads(result.stdout)
    assert len(items) == 4
    assert items[0] == {
        "file": "acme.yaml",
        "line": 4,
        "column": 11,
        "message": "ip.medium: 'photo' is not one of illustration, photography",
        "hint": "did you mean 'photography'?",
    }


def test_json_format_when_valid(good_workspace: Path) -> None:
    result = run_validate(good_workspace, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_github_format(broken_workspace: Path) -> None:
    result = run_validate(broken_workspace, "--format", "github")

    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    root = broken_workspace.as_posix().replace(":", "%3A")
    assert first == (
        f"::error file={root}/acme.yaml,line=4,col=11::ip.medium: 'photo' is not one of "
        "illustration, photography (hint: did you mean 'photography'?)"
    )


def test_ok_summary(good_workspace: Path) -> None:
    result = run_validate(good_workspace)
    assert result.exit_code == 0
    assert result.output == "OK: 1 project, 1 dataset (2 images), 1 model\n"


def test_path_that_is_a_file(good_workspace: Path) -> None:
    result = run_validate(good_workspace / "acme.yaml")
    assert result.exit_code == 1
    assert "is not a folder" in result.output


def test_load_workspace_raises_with_every_error(broken_workspace: Path) -> None:
    with pytest.raises(ValidationFailed) as caught:
        load_workspace(broken_workspace)
    assert [e.location for e in caught.value.errors] == [
        Location("acme.yaml", 4, 11),
        Location("acme.yaml", 14, 23),
        Location("acme.yaml", 15, 5),
        Location("tailor.yaml", 1, 1),
    ]


def test_settings_file_feeds_settings_resolve(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "tailor.yaml": "# yaml-language-server: $schema=x\napi: sandbox\nparallelism: 3\n"
            "requests_per_minute: 2.5\nstaging: null\n"
        },
    )
    file_settings = load_settings_file(tmp_path)
    assert file_settings == {"api": "sandbox", "parallelism": 3, "requests_per_minute": 2.5}
    settings = resolve(workspace=tmp_path, file_settings=file_settings, environ={})
    assert settings.parallelism == 3
    assert settings.uses_sandbox


def test_settings_file_absent_or_empty(tmp_path: Path) -> None:
    assert load_settings_file(tmp_path) == {}
    (tmp_path / "tailor.yaml").write_text("# only comments\n", encoding="utf-8")
    assert load_settings_file(tmp_path) == {}


def test_settings_file_errors(tmp_path: Path) -> None:
    (tmp_path / "tailor.yaml").write_text("api: ftp://x\nparallelism: many\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        load_settings_file(tmp_path)
    assert [str(e.location) for e in caught.value.errors] == ["tailor.yaml:1:6", "tailor.yaml:2:14"]


def _tailor(*args: str) -> subprocess.CompletedProcess[str]:
    code = "from reconciler.cli.main import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


def test_subprocess_bad_workspace(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.yaml": "project: [\n"})
    result = _tailor("validate", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.startswith("a.yaml:2:1: invalid YAML")
    assert "Traceback" not in result.stdout + result.stderr


def test_subprocess_missing_workspace(tmp_path: Path) -> None:
    result = _tailor("validate", str(tmp_path / "nope"), "--format", "github")
    assert result.returncode == 1
    assert "does not exist" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_subprocess_good_workspace(good_workspace: Path) -> None:
    result = _tailor("validate", str(good_workspace))
    assert (result.returncode, result.stdout) == (
        0,
        "OK: 1 project, 1 dataset (2 images), 1 model\n",
    )


def test_manifest_linked_from_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("secret: value\n", encoding="utf-8")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "linked.yaml").symlink_to(outside)
    result = run_validate(workspace)
    assert result.exit_code == 1
    assert result.output.startswith("linked.yaml: linked.yaml is a link to a file outside")
    assert "secret" not in result.output


def test_image_problems_are_reported_with_schema_errors(good_workspace: Path) -> None:
    manifest = GOOD_MANIFEST.replace("images/*.png", "images/missing.png") + "colour: red\n"
    write_files(good_workspace, {"acme.yaml": manifest})
    result = run_validate(good_workspace)
    assert [line for line in result.output.splitlines() if not line.startswith("  ")] == [
        "acme.yaml:10:9: datasets.v1.images[0]: image file 'images/missing.png' does not exist",
        "acme.yaml:15:1: unknown key 'colour' in the top level",
        "2 errors found; nothing was sent to Bria.",
    ]


def test_bria_word_guidance_is_a_warning(good_workspace: Path) -> None:
    manifest = GOOD_MANIFEST.replace("name: Foxy", "name: Foxy the Very Orange Fox")
    write_files(good_workspace, {"acme.yaml": manifest})
    result = run_validate(good_workspace)
    assert result.exit_code == 0
    assert "warning: acme.yaml:5:9: ip.name has 5 words; Bria asks for a name of 1-3 words" in (
        result.output
    )


ONE_PASS_MANIFEST = """\
project: acme
ip:
  type: object_variants
  medium: illustration
datasets:
  v1:
    images: [pictures/*.png]
  v2:
    upload: bogus
    images: [images/missing.png]
models:
  light:
    dataset: v3
    training_version: lite
  max:
    dataset: v9
    training_version: max
"""


def test_schema_reference_and_file_problems_in_one_pass(good_workspace: Path) -> None:
    """Each check runs unless it depends on a part that failed: the image lists of a valid
    and an invalid dataset, the references of a valid and an invalid model, the ip rule."""
    write_files(good_workspace, {"acme.yaml": ONE_PASS_MANIFEST})
    result = run_validate(good_workspace)
    assert [line for line in result.output.splitlines() if not line.startswith("  ")] == [
        "acme.yaml:3:3: ip.description: required when ip.type is object_variants",
        "acme.yaml:7:14: datasets.v1.images[0]: 'pictures/*.png' matches no image files "
        "(.png, .jpg, .jpeg, .webp)",
        "acme.yaml:9:13: datasets.v2.upload: 'bogus' is not one of basic, advanced",
        "acme.yaml:10:14: datasets.v2.images[0]: image file 'images/missing.png' does not exist",
        "acme.yaml:13:14: models.light.dataset: no dataset 'v3' in project 'acme'",
        "acme.yaml:14:23: models.light.training_version: 'lite' is not one of light, max, "
        "bria-2.3, bria-3.2, fibo",
        "acme.yaml:16:14: models.max.dataset: no dataset 'v9' in project 'acme'",
        "7 errors found; nothing was sent to Bria.",
    ]


def test_no_reference_errors_when_the_dataset_keys_are_broken(good_workspace: Path) -> None:
    """A model naming a dataset whose key is itself invalid gets no second error."""
    manifest = GOOD_MANIFEST.replace("  v1:\n", "  'v 1':\n", 1)
    write_files(good_workspace, {"acme.yaml": manifest})
    result = run_validate(good_workspace)
    assert "no dataset" not in result.output
    assert "1 error found" in result.output
