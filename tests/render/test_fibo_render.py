"""JSON-object values (FIBO visual schemas, JSON captions) in the text, Markdown and JSON plans:
key by key in text and Markdown, objects in the plan JSON."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from reconciler.addresses import Kind
from reconciler.plan.fields import rules_for
from reconciler.plan.planfile import plan_from_json
from reconciler.render.jsonplan import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text
from reconciler.render.valueview import (
    AUTO_SUFFIX,
    Bounds,
    child_path,
    drift_rows,
    generated_fields,
    leaf_changes,
    value_rows,
)
from tests.render import fibo_plans
from tests.render.golden import check_golden, golden
from tests.security.test_inert_rendering import github_like

HEADER = "API: embedded sandbox · state: .tailor/state.db"
PLAN_SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json"


@pytest.mark.parametrize("name", sorted(fibo_plans.ALL))
def test_text_matches_golden(name: str) -> None:
    plan = fibo_plans.ALL[name]()
    check_golden(golden(f"{name}.txt"), render_text(plan, header=HEADER, color=False))
    verbose = render_text(plan, header=HEADER, color=False, verbose=True)
    check_golden(golden(f"{name}.verbose.txt"), verbose)


@pytest.mark.parametrize("name", sorted(fibo_plans.ALL))
def test_markdown_matches_golden(name: str) -> None:
    check_golden(golden(f"{name}.md"), render_markdown(fibo_plans.ALL[name](), header=HEADER))


@pytest.mark.parametrize("name", sorted(fibo_plans.ALL))
def test_json_matches_golden(name: str) -> None:
    check_golden(golden(f"{name}.json"), render_json(fibo_plans.ALL[name]()))


def test_a_schema_edit_is_shown_key_by_key() -> None:
    text = render_text(fibo_plans.edit_fibo(), header=HEADER, color=False)
    assert '~ visual_schema.style.palette[1] = "#3355aa" → "#1144cc"' in text
    assert '- visual_schema.style.mood = "playful"' in text
    assert '+ visual_schema.composition = {"framing": "centered"}' in text
    # an element put first in a list is one row; keys and elements that did not change are
    # not repeated
    assert '+ visual_schema.subject.accessories[0] = "red hat"' in text
    assert "accessories[1]" not in text and "visual_schema.subject.name" not in text
    assert "visual_schema.lighting" not in text


def test_an_object_facing_a_non_object_is_shown_whole_on_its_own_lines() -> None:
    text = render_text(fibo_plans.edit_fibo(), header=HEADER, color=False, verbose=True)
    lines = text.splitlines()
    opening = lines.index('            ~ caption = "a fox in a scarf" → {')
    assert lines[opening + 1] == '                + "action": "sitting",'
    assert "              }" in lines[opening + 2 :]
    assert '              } → "a running fox"' in lines
    # a schema replaced by a generated one: the old one whole, then what is known
    assert "        } → (known after apply)  # forces replacement" in lines


def test_a_list_shown_whole_keeps_its_brackets() -> None:
    instructions = ["add a lighthouse to subjects, a long instruction", "mute the palette"]
    created = [row.text for row in value_rows("refine", instructions, instructions, marker="+")]
    assert created[0] == "refine = [" and created[-1] == "]"
    replaced = [row.text for row in value_rows("refine", instructions, {"style": "flat"})]
    assert replaced[0] == "refine = [" and replaced[-1].startswith("] → ")


def test_a_generated_schema_is_known_after_apply() -> None:
    text = render_text(fibo_plans.create_fibo(), header=HEADER, color=False)
    assert "+ visual_schema = (known after apply)" in text


def test_the_auto_flag_spelling_matches_the_field_table() -> None:
    """The renderers know a generated value by its `NAME_auto` flag; every `generated_when`
    row of the field table must be spelt that way, or a generated value would print as null."""
    rows = [row for kind in Kind for row in rules_for(kind) if row.generated_when is not None]
    assert rows
    for row in rows:
        assert row.generated_when == row.name + AUTO_SUFFIX
        assert generated_fields({row.generated_when: True}) == {row.name}
        assert generated_fields({row.generated_when: False}) == set()


def test_legacy_object_values_keep_their_one_line() -> None:
    assert value_rows("parameters", {"rank": 32}, {"rank": 32}, marker="-")[0].text == (
        'parameters = {"rank": 32}'
    )
    assert [r.text for r in value_rows("parameters", {}, {}, marker="+")] == ["parameters = {}"]


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("palette", "style.palette"),
        (1, "style[1]"),
        ("a b", 'style["a b"]'),
        ("x]\n.y", 'style["x]\\n.y"]'),
        ("ünïcode", 'style["ünïcode"]'),
    ],
)
def test_paths_quote_keys_that_are_not_plain_names(key: str | int, path: str) -> None:
    assert child_path("style", key) == path


def test_leaf_changes_see_types_and_list_lengths() -> None:
    before = {"on": True, "list": [1, 2], "same": {"a": 1}}
    after = {"on": 1, "list": [1], "same": {"a": 1}}
    found = [(p, b, a) for p, b, a in leaf_changes("v", before, after)]
    assert [p for p, _, _ in found] == ["v.list[1]", "v.on"]
    assert found[1][1:] == (True, 1)
    rows = value_rows("v", before, after)
    assert [r.marker for r in rows] == ["-", "~"]
    assert rows[0].text == "v.list[1] = 2"


def test_drifted_objects_are_listed_key_by_key_with_absent_sides() -> None:
    rows = drift_rows("visual_schema", {"a": 1, "b": {"c": 2}}, {"b": {"c": 3}, "d": "x"})
    assert rows == [
        ("visual_schema.a", "1", "(absent)"),
        ("visual_schema.b.c", "2", "3"),
        ("visual_schema.d", "(absent)", '"x"'),
    ]


def test_bounds_cut_rows_and_long_values_and_say_so() -> None:
    before = {f"k{i}": "x" * 50 for i in range(10)}
    after = {f"k{i}": "y" * 50 for i in range(10)}
    rows = value_rows("s", before, after, bounds=Bounds(rows=3, value_chars=20))
    assert len(rows) == 4
    assert rows[-1].text.startswith("# … 7 more changed keys")
    assert "… (52 characters)" in rows[0].text


@pytest.mark.parametrize("limit", [65_000, 20_000, 6_000])
def test_a_large_schema_change_keeps_the_markdown_limit(limit: int) -> None:
    text = render_markdown(fibo_plans.large_schema_change(), header=HEADER, max_chars=limit)
    assert len(text) <= limit
    if limit == 65_000:
        assert "more changed keys" in text
        assert "visual_schema.key-0000" in text


def test_hostile_json_stays_inert_in_markdown() -> None:
    markdown = render_markdown(fibo_plans.edit_fibo(), header=HEADER)
    assert "\u202e" not in markdown and "\x07" not in markdown
    assert "\n+ fake = line" not in markdown  # the key's newline is shown as \n
    page = github_like(markdown)
    assert "script" not in page.tags and "img" not in page.tags and "a" not in page.tags
    assert not [h for h in page.hrefs if "evil" in h]
    assert "alert" not in "".join(page.prose)


def test_hostile_json_stays_inert_in_text() -> None:
    text = render_text(fibo_plans.edit_fibo(), header=HEADER, color=False, verbose=True)
    assert "\u202e" not in text and "\x07" not in text
    assert not [line for line in text.splitlines() if line.startswith("+ fake")]


def test_json_plan_keeps_objects_as_objects_and_fits_its_schema() -> None:
    for build in fibo_plans.ALL.values():
        plan = build()
        document = json.loads(render_json(plan))
        jsonschema.validate(document, json.loads(PLAN_SCHEMA.read_text(encoding="utf-8")))
        assert plan_from_json(document) == plan
    document = json.loads(render_json(fibo_plans.edit_fibo()))
    filed = next(c for c in document["changes"] if c["address"] == "acme-fibo/datasets/filed")
    assert filed["after"]["visual_schema"]["style"]["palette"][1] == "#1144cc"
    assert isinstance(filed["field_changes"][0]["before"], dict)
    drift = document["drift"][0]
    assert drift["live"]["style"]["mood"] == "gloomy"


def test_an_element_put_first_in_a_list_is_one_added_row() -> None:
    before = {"palette": ["#ff7a00", "#3355aa", "#ffffff"]}
    after = {"palette": ["#000000", "#ff7a00", "#3355aa", "#ffffff"]}
    rows = value_rows("visual_schema", before, after)
    assert [(r.marker, r.text) for r in rows] == [
        ("+", 'visual_schema.palette[0] = "#000000"'),
    ]


def test_a_removed_element_keeps_its_index_and_the_rest_are_unchanged() -> None:
    before = {"palette": ["a", "b", "c", "d"]}
    after = {"palette": ["a", "c", "d", "e"]}
    rows = value_rows("s", before, after)
    assert [(r.marker, r.text) for r in rows] == [
        ("-", 's.palette[1] = "b"'),
        ("+", 's.palette[3] = "e"'),
    ]


def test_a_changed_object_in_a_list_is_compared_key_by_key_at_its_new_index() -> None:
    before = {"people": [{"name": "Foxy", "age": 3}, {"name": "Owl", "age": 9}]}
    after = {"people": [{"name": "Bunny", "age": 1}, {"name": "Foxy", "age": 3},
                        {"name": "Owl", "age": 10}]}
    rows = value_rows("v", before, after)
    assert [(r.marker, r.text) for r in rows] == [
        ("+", 'v.people[0] = {"age": 1, "name": "Bunny"}'),
        ("~", "v.people[2].age = 9 → 10"),
    ]


def test_list_elements_match_on_type_as_well_as_value() -> None:
    rows = value_rows("v", {"l": [1, True, "1"]}, {"l": [True, 1, "1"]})
    assert sorted(r.marker for r in rows) == ["+", "-"], rows


def test_drift_shows_an_inserted_element_as_absent_before() -> None:
    rows = drift_rows("caption", {"tags": ["fox", "red"]}, {"tags": ["cute", "fox", "red"]})
    assert rows == [("caption.tags[0]", "(absent)", '"cute"')]
