"""Writes docs/manifest-reference.md from schemas/manifest.schema.json.

Run `python scripts/gen_manifest_reference.py` after regenerating the schema; a test fails when
the committed page no longer matches. The schema is the single source: the page only lays it
out (a table per object, then the rules that span fields).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "manifest.schema.json"
TARGET = ROOT / "docs" / "manifest-reference.md"

SECTIONS = (
    ("Top level", None, "One manifest file per project."),
    ("ip", "Ip", "What the IP is; sent to Bria when the project is created."),
    ("datasets.KEY", "Dataset", "One training dataset; KEY is its stable address part."),
    ("images[] entry", "ImageEntry", "An image given as a mapping instead of a path or glob."),
    ("models.KEY", "Model", "One model trained on a dataset of the same project."),
    ("parameters", "ExpertParameters", "Expert training parameters (training_mode: expert)."),
    ("lifecycle (project, dataset)", "Lifecycle", "Guards against destructive plans."),
    ("lifecycle (model)", "ModelLifecycle", "Guards against destructive plans, for models."),
)
ANCHORS = {ref: title for title, ref, _ in SECTIONS if ref}


def anchor(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes."""
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def ref_link(ref: str) -> str:
    name = ref.rsplit("/", 1)[-1]
    title = ANCHORS.get(name, name)
    return f"[{title}](#{anchor(title)})"


def type_of(node: dict[str, Any]) -> str:
    """A short human form of a property's type and allowed values."""
    if "$ref" in node:
        return ref_link(node["$ref"])
    for key in ("anyOf", "oneOf"):
        if key in node:
            parts = [type_of(n) for n in node[key] if n.get("type") != "null"]
            return " or ".join(parts)
    if "enum" in node:
        return " \\| ".join(f"`{value}`" for value in node["enum"])
    kind = str(node.get("type", "any"))
    if kind == "array":
        return f"list of {type_of(node.get('items', {}))}"
    if kind == "object" and "patternProperties" in node:
        (value,) = node["patternProperties"].values()
        return f"mapping of KEY → {type_of(value)}"
    limits = []
    if "minimum" in node:
        limits.append(f"≥ {node['minimum']}")
    if "exclusiveMinimum" in node:
        limits.append(f"> {node['exclusiveMinimum']}")
    if "maximum" in node:
        limits.append(f"≤ {node['maximum']}")
    if node.get("pattern") == "\\S":
        limits.append("not blank")
    elif "pattern" in node:
        limits.append(f"matching `{node['pattern']}`")
    if node.get("minLength"):
        limits.append("not empty")
    return kind + (f" ({', '.join(limits)})" if limits else "")


def default_of(node: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in node:
        return "—"
    value = node["default"]
    if value is None:
        return "unset"
    return f"`{json.dumps(value)}`"


def table(node: dict[str, Any]) -> list[str]:
    required = set(node.get("required", []))
    rows = ["| key | type | default | description |", "| --- | --- | --- | --- |"]
    for name, prop in node.get("properties", {}).items():
        description = prop.get("description", "").replace("|", "\\|")
        rows.append(
            f"| `{name}` | {type_of(prop)} | {default_of(prop, name in required)} | {description} |"
        )
    return rows


def condition(node: dict[str, Any]) -> str:
    """The `if` side of a rule, for the shapes our schema uses."""
    if "not" in node:
        return f"not ({condition(node['not'])})"
    parts = []
    for name, test in node.get("properties", {}).items():
        if "const" in test:
            parts.append(f"`{name}` is `{test['const']}`")
        elif "enum" in test:
            parts.append(f"`{name}` is one of {', '.join(f'`{v}`' for v in test['enum'])}")
    return " and ".join(parts) or json.dumps(node)


def consequence(node: dict[str, Any]) -> str:
    parts = []
    if "required" in node:
        parts.append("required: " + ", ".join(f"`{n}`" for n in node["required"]))
    for name, test in node.get("properties", {}).items():
        if "const" in test:
            parts.append(f"`{name}` must be `{test['const']}`")
    if "not" in node and "required" in node["not"]:
        parts.append("not allowed: " + ", ".join(f"`{n}`" for n in node["not"]["required"]))
    if "not" in node and "anyOf" in node["not"]:
        names = [n for option in node["not"]["anyOf"] for n in option.get("required", [])]
        parts.append("not allowed: " + ", ".join(f"`{n}`" for n in names))
    return "; ".join(parts) or json.dumps(node)


def rules(node: dict[str, Any]) -> list[str]:
    found = list(node.get("allOf", []))
    if "if" in node:
        found.append({"if": node["if"], "then": node["then"]})
    return [f"- when {condition(r['if'])}: {consequence(r['then'])}" for r in found if "if" in r]


def render(schema: dict[str, Any]) -> str:
    lines = [
        "# Manifest reference",
        "",
        "<!-- Generated by scripts/gen_manifest_reference.py from schemas/manifest.schema.json;"
        " do not edit. -->",
        "",
        f"{schema.get('description', '')} Unknown keys are errors (with a \"did you mean\" hint);",
        "every error names FILE:LINE:COL. Editors validate as you type with the first line",
        "`# yaml-language-server: $schema=<path to>/schemas/manifest.schema.json`.",
        "Keys (project, dataset and model keys) match `^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$` and",
        "form the addresses: `PROJECT`, `PROJECT/datasets/KEY`,",
        "`PROJECT/datasets/KEY/images/FILE`, `PROJECT/models/KEY`.",
    ]
    definitions = schema.get("$defs", {})
    for title, ref, intro in SECTIONS:
        node = schema if ref is None else definitions[ref]
        lines += ["", f"## {title}", "", intro, "", *table(node)]
        found = rules(node)
        if found:
            lines += ["", "Rules:", "", *found]
    return "\n".join(lines) + "\n"


def main() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(render(schema), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()
