from __future__ import annotations

import re
from dataclasses import replace

import pytest

from reconciler.plan.model import WAITING_NOTE, Action, Change, FieldChange, Plan, Reason
from reconciler.render.text import render_text
from tests.render import sample_plans
from tests.render.golden import check_golden, golden

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("name", sorted(sample_plans.ALL))
def test_text_matches_golden(name: str) -> None:
    plan = sample_plans.ALL[name]()
    text = render_text(plan, header=sample_plans.HEADER, color=False)
    check_golden(golden(f"{name}.txt"), text)


def test_verbose_text_lists_every_image_and_matches_golden() -> None:
    plan = sample_plans.dataset_replace_cascade()
    text = render_text(plan, header=sample_plans.HEADER, color=False, verbose=True)
    for i in range(1, 9):
        assert f"+ fox-0{i}.png" in text
    check_golden(golden("dataset_replace_cascade.verbose.txt"), text)


def test_first_line_is_the_header_and_last_line_counts() -> None:
    plan = sample_plans.dataset_replace_cascade()
    lines = render_text(plan, header=sample_plans.HEADER, color=False).splitlines()
    assert lines[0] == sample_plans.HEADER
    assert lines[-1] == (
        "Plan: 0 to create (and 8 images to upload), 0 to update, 3 to replace, 0 to delete."
    )


def test_generated_caption_prefix_is_known_after_apply() -> None:
    text = render_text(sample_plans.create_workspace(), header="h", color=False)
    assert "+ caption_prefix = (known after apply)" in text


def test_no_changes_says_so() -> None:
    text = render_text(sample_plans.no_changes(), header="h", color=False)
    assert text.splitlines()[-1] == "No changes. Your Bria resources match the manifests."


def test_replace_markers_follow_replace_mode_and_forced_fields_are_marked() -> None:
    text = render_text(sample_plans.dataset_replace_cascade(), header="h", color=False)
    assert "+/- dataset acme-mascot/datasets/v1" in text
    assert '~ caption_prefix = "Foxy" → "Foxy the fox"  # forces replacement' in text
    assert "replaced_by: acme-mascot/datasets/v1" in text
    assert "DELETE /tailored-gen/models/{old_id}  # deferred" in text


def test_drift_comes_before_the_changes() -> None:
    text = render_text(sample_plans.drift(), header="h", color=False)
    assert text.index("Objects changed outside tailor") < text.index("will be updated in-place")
    assert "tailor state mv acme-mascot/models/light" in text


def test_errors_refuse_apply_and_name_the_manifest_location() -> None:
    text = render_text(sample_plans.prevent_destroy_blocked(), header="h", color=False)
    assert "Error: acme-mascot/models/max-expert has lifecycle.prevent_destroy" in text
    assert "  at mascot.yaml:31:5" in text
    assert text.index("Error:") < text.index("Warning:")
    assert text.rstrip().endswith("Apply is refused while the plan has 1 error.")


def test_many_images_are_summarised_unless_verbose() -> None:
    plan = sample_plans.many_images(3000)
    short = render_text(plan, header="h", color=False)
    assert "images: + 990 images to upload, - 5 to delete, ~ 5 captions" in short
    assert "img-00001.png" not in short
    assert len(short.splitlines()) < 80
    full = render_text(plan, header="h", color=False, verbose=True)
    assert "img-00989.png" in full
    assert "- del-4.png" in full


def test_colour_only_when_asked() -> None:
    plan = sample_plans.prevent_destroy_blocked()
    plain = render_text(plan, header="h", color=False)
    coloured = render_text(plan, header="h", color=True)
    assert not ANSI.search(plain)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain


def test_refresh_only_and_targets_say_so() -> None:
    plan = replace(sample_plans.drift(), changes=(), refresh_only=True)
    text = render_text(plan, header="h", color=False)
    assert text.splitlines()[-1] == (
        "Refresh only: 2 objects changed outside tailor. "
        "Applying this plan saved with --out records their live values in the state."
    )
    targeted = replace(sample_plans.drift(), targets=(sample_plans.LIGHT,))
    text = render_text(targeted, header="h", color=False)
    assert "Targeted to acme-mascot/models/light" in text.splitlines()[2]


def test_a_predecessor_waiting_for_training_is_said_though_nothing_changes() -> None:
    waiting = Change(
        sample_plans.LIGHT,
        Action.NO_OP,
        Reason.UNCHANGED,
        notes=(WAITING_NOTE.format(dep=7),),
        remote_id=9,
    )
    lines = render_text(Plan(changes=(waiting,)), header="h", color=False).splitlines()
    assert lines[-2:] == [
        "1 old model (id 7) will be deleted once acme-mascot/models/light has trained "
        "(by the first apply after that).",
        "No changes. Your Bria resources match the manifests.",
    ]


def test_images_that_force_a_replace_are_named_without_verbose() -> None:
    plan = sample_plans.dataset_replace_cascade()
    dataset = next(c for c in plan.changes if c.address == sample_plans.V1)
    dataset = replace(dataset, field_changes=(), requires_replace=("images",))
    caption = FieldChange("caption", "a fox", "a red fox", forces_replace=True)
    images = [
        replace(c, action=Action.REPLACE, field_changes=(caption,) if i == 0 else ())
        for i, c in enumerate(c for c in plan.changes if c.address.dataset and c.address.image)
    ]
    removed = replace(images[-1], action=Action.DELETE, reason=Reason.REMOVED_FROM_MANIFEST)
    others = [c for c in plan.changes if c.address != sample_plans.V1 and not c.address.image]
    changes = sorted([*others, dataset, *images[:-1], removed], key=lambda c: c.sort_key())
    text = render_text(replace(plan, changes=tuple(changes)), header="h", color=False)
    assert "      forces replacement: images\n        fox-01.png: caption\n" in text
    assert "        fox-08.png: removed\n" in text
    assert "fox-02.png:" not in text  # only carried over into the new dataset
