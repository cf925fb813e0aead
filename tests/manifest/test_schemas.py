"""schemas/*.json are generated from the pydantic models and must not go stale."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema  # comes with schemathesis (test extra)
import pytest

from reconciler.manifest.schema import SCHEMAS, render_schema
from reconciler.manifest.yamlload import load_yaml_bytes
from tests.manifest.conftest import GOOD_MANIFEST
from tests.manifest.test_good_workspaces import FULL

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_current(name: str) -> None:
    committed = (ROOT / "schemas" / SCHEMAS[name][1]).read_text(encoding="utf-8")
    assert committed == render_schema(name), (
        f"schemas/{SCHEMAS[name][1]} is stale: run "
        f"python -m reconciler.manifest.schema {name} > schemas/{SCHEMAS[name][1]}"
    )


def _load(text: str) -> object:
    """As tailor reads YAML (1e-4 is a number, as in YAML 1.2 editors)."""
    return load_yaml_bytes(text.encode(), "m.yaml").data


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(render_schema(name))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("text", [GOOD_MANIFEST, FULL], ids=["good", "full"])
def test_good_manifests_pass_the_json_schema(text: str) -> None:
    assert list(_validator("manifest").iter_errors(_load(text))) == []


def test_example_workspace_passes_the_json_schemas() -> None:
    example = ROOT / "examples" / "quickstart"
    if not example.is_dir():
        pytest.skip("no quickstart example in this checkout")
    for path in example.glob("*.yaml"):
        name = "tailor" if path.name == "tailor.yaml" else "manifest"
        data = load_yaml_bytes(path.read_bytes(), path.name).data
        assert list(_validator(name).iter_errors(data)) == [], path


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("medium: illustration", "medium: photography\n  type: icons"),
        ("datasets:", "dataset:"),
        ("  v1:", "  v 1:"),
        ("  name: Foxy\n", ""),
        ("training_version: light", "training_version: light\n    parameters: {rank: 8}"),
        ("training_version: light", "training_version: light\n    training_mode: x"),
    ],
)
def test_editors_see_the_same_mistakes(old: str, new: str) -> None:
    data = _load(
        GOOD_MANIFEST.replace(old, new, 1).replace(
            "  type: defined_character\n",
            "" if "type: icons" in new else "  type: defined_character\n",
        )
    )
    assert list(_validator("manifest").iter_errors(data)) != []


def test_tailor_schema() -> None:
    validator = _validator("tailor")
    assert list(validator.iter_errors({"api": "sandbox", "parallelism": 4})) == []
    assert list(validator.iter_errors({"api": "ftp://x"})) != []
    assert list(validator.iter_errors({"paralelism": 4})) != []


def test_readme_manifest_snippet_is_valid() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Manifest\n", 1)[1]
    snippet = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert snippet.startswith("# yaml-language-server: $schema=./schemas/manifest.schema.json")
    assert list(_validator("manifest").iter_errors(_load(snippet))) == []
