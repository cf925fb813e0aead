"""The HTML review page: self-contained, size-bounded, escaped, and showing the right images."""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from PIL import Image

from reconciler.addresses import Address
from reconciler.engine.thumbnails import downscale, per_preview_budget
from reconciler.plan import rules
from reconciler.plan.model import (
    Action,
    Change,
    FieldChange,
    Plan,
    Reason,
    ReplaceMode,
    Step,
    StepKind,
)
from reconciler.render.html import (
    GENERATED_CAPTION,
    ImageReview,
    Previews,
    classify,
    render_html,
    wanted_previews,
)
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text
from reconciler.resources import JsonValue
from tests.render import sample_plans

DATASET = Address("acme-mascot", dataset="v1")
TEN_MB = 10 * 1024 * 1024
HOSTILE = '<script>alert("x")</script> & "quotes" \'single\''


def _image(name: str) -> Address:
    return Address("acme-mascot", dataset="v1", image=name)


def _attrs(name: str, sha: str, caption: str | None) -> dict[str, JsonValue]:
    return {"name": name, "path": f"images/v1/{name}", "sha256": sha, "caption": caption}


def _added(name: str, caption: str | None = None) -> Change:
    return Change(_image(name), Action.CREATE, Reason.NEW, after=_attrs(name, "n", caption))


def _content_changed(name: str, remote_id: int) -> Change:
    return Change(
        _image(name),
        Action.REPLACE,
        Reason.IMAGE_CONTENT_CHANGED,
        before=_attrs(name, "old", "same"),
        after=_attrs(name, "new", "same"),
        field_changes=(FieldChange("sha256", "old", "new", forces_replace=True),),
        replace_mode=ReplaceMode.DESTROY_BEFORE_CREATE,
        remote_id=remote_id,
    )


def _removed(name: str, remote_id: int) -> Change:
    return Change(
        _image(name),
        Action.DELETE,
        Reason.REMOVED_FROM_MANIFEST,
        before=_attrs(name, "old", None),
        remote_id=remote_id,
    )


def _caption_changed(name: str, remote_id: int, caption: str) -> Change:
    return Change(
        _image(name),
        Action.UPDATE,
        Reason.UPDATED_FIELDS,
        before=_attrs(name, "s", "old words"),
        after=_attrs(name, "s", caption),
        field_changes=(FieldChange("caption", "old words", caption),),
        remote_id=remote_id,
    )


def _carried(name: str, remote_id: int) -> Change:
    return Change(
        _image(name),
        Action.REPLACE,
        Reason.CASCADE,
        before=_attrs(name, "s", None),
        after=_attrs(name, "s", None),
        replaced_by=DATASET,
        remote_id=remote_id,
    )


def _noise_thumbnail(seed: int, budget: int) -> bytes:
    """A worst case for JPEG: random pixels (photos compress far better)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (512, 512), rng.randbytes(512 * 512 * 3))
    out = BytesIO()
    image.save(out, "PNG")
    preview = downscale(out.getvalue(), max_bytes=budget)
    assert preview is not None
    return preview


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser.tags


_EXTERNAL = re.compile(r"""(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?:https?:)?//", re.I)


def _assert_self_contained(page: str) -> None:
    assert not _EXTERNAL.search(page)
    assert not _CSS_URL.search(page)
    assert "@import" not in page
    for tag, attrs in _tags(page):
        assert tag not in ("script", "iframe", "object", "embed", "link", "base")
        for name in ("src", "href"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("data:image/"), (tag, value[:60])


def test_two_hundred_images_fit_in_ten_megabytes() -> None:
    count = 200
    changes = [_added(f"img-{i:03d}.png", caption=f"caption {i}") for i in range(count)]
    plan = Plan(changes=(Change(DATASET, Action.CREATE, Reason.NEW), *changes))
    budget = per_preview_budget(count)
    distinct = [_noise_thumbnail(seed, budget) for seed in range(8)]
    assert all(len(p) <= budget for p in distinct)
    previews = Previews(new={c.address: distinct[i % 8] for i, c in enumerate(changes)})
    page = render_html(plan, header=sample_plans.HEADER, previews=previews)
    assert len(page.encode("utf-8")) < TEN_MB
    images = [attrs for tag, attrs in _tags(page) if tag == "img"]
    assert len(images) == count
    assert page.count("<img") == count
    assert all(str(attrs["src"]).startswith("data:image/jpeg;base64,") for attrs in images)
    assert "no preview" not in page
    _assert_self_contained(page)


def test_oversized_previews_are_left_out_not_embedded() -> None:
    count = 200
    changes = [_content_changed(f"img-{i:03d}.png", remote_id=i) for i in range(count)]
    fake_jpeg = b"\xff\xd8\xff" + bytes(80_000)
    previews = Previews(
        new={c.address: fake_jpeg for c in changes}, old={c.address: fake_jpeg for c in changes}
    )
    page = render_html(Plan(changes=tuple(changes)), header="h", previews=previews)
    assert len(page.encode("utf-8")) < TEN_MB
    assert "previews were left out to keep this page small" in page
    assert page.count("no preview") > 0
    assert page.count("<img") + page.count("no preview") == 2 * count


def test_user_text_is_escaped() -> None:
    plan = Plan(
        changes=(
            _added("new.png", caption=HOSTILE),
            _caption_changed("cap.png", 7, HOSTILE),
            Change(
                Address("acme-mascot", model="m"),
                Action.DELETE,
                Reason.REMOVED_FROM_MANIFEST,
                notes=(HOSTILE,),
            ),
        )
    )
    page = render_html(plan, header=f"API: {HOSTILE}")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert page.count("&lt;script&gt;") == 4  # header, two captions, the model's note
    _assert_self_contained(page)


def test_no_external_requests_even_with_urls_in_user_text() -> None:
    plan = Plan(changes=(_added("a.png", caption='see <img src="https://evil.example/x.png">'),))
    page = render_html(plan, header="API: https://engine.prod.bria-api.com/v1")
    _assert_self_contained(page)
    assert "default-src 'none'; img-src data:" in page


def test_each_review_kind_is_shown_as_a_reviewer_needs() -> None:
    jpeg = _noise_thumbnail(1, 20_000)
    png = BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    changes = (
        _added("added.png"),
        _content_changed("changed.png", 11),
        _removed("removed.png", 12),
        _caption_changed("caption.png", 13, "new words"),
        _carried("carried.png", 14),
    )
    assert [classify(c) for c in changes] == [
        ImageReview.ADDED,
        ImageReview.CONTENT,
        ImageReview.REMOVED,
        ImageReview.CAPTION,
        ImageReview.CARRIED,
    ]
    wanted = wanted_previews(Plan(changes=changes))
    assert set(wanted.new_paths) == {_image(n) for n in ("added.png", "changed.png", "caption.png")}
    assert wanted.new_paths[_image("added.png")] == "images/v1/added.png"
    assert wanted.old_ids == {_image("changed.png"): 11, _image("removed.png"): 12}

    previews = Previews(
        new={_image("changed.png"): jpeg, _image("added.png"): png.getvalue()},
        old={_image("changed.png"): jpeg, _image("removed.png"): b"<svg onload=alert(1)>"},
    )
    page = render_html(Plan(changes=changes), header="h", previews=previews)
    card = page.split("<code>changed.png</code>", 1)[1].split('<div class="card', 1)[0]
    assert card.count("<img") == 2
    assert "before (live)" in card and "after (local)" in card
    assert "data:image/png;base64," in page
    # an SVG is never embedded (it could carry script): the removed image has no preview
    removed = page.split("<code>removed.png</code>", 1)[1].split('<div class="card', 1)[0]
    assert "no preview" in removed and "svg" not in page.lower()
    added = page.split("<code>added.png</code>", 1)[1].split('<div class="card', 1)[0]
    assert GENERATED_CAPTION in added
    caption = page.split("<code>caption.png</code>", 1)[1].split("</section>", 1)[0]
    assert "old words" in caption and "new words" in caption
    assert "carried.png" not in page
    assert "1 unchanged images are uploaded again" in page
    order = [page.index(f"<code>{n}.png</code>") for n in ("changed", "removed", "caption")]
    assert order == sorted(order)


def test_every_replaced_or_deleted_resource_is_named_with_its_reason() -> None:
    plan = sample_plans.dataset_replace_cascade()
    page = render_html(plan, header=sample_plans.HEADER)
    section = page.split("<h2>Replacements and deletions</h2>", 1)[1].split("</section>", 1)[0]
    for change in plan.changes:
        if change.address.image is None and change.action in (Action.REPLACE, Action.DELETE):
            assert f"<code>{change.address}</code>" in section
            assert change.reason.describe() in section
    assert "replaced_by <code>acme-mascot/datasets/v1</code>" in section
    assert sample_plans.HEADER in page
    _assert_self_contained(page)


def test_no_changes_page() -> None:
    page = render_html(sample_plans.no_changes(), header="h")
    assert "No changes. Your Bria resources match the manifests." in page
    assert "<img" not in page
    _assert_self_contained(page)


@pytest.mark.parametrize(
    "notes",
    [(), (rules.training_note("legacy"),), ("the predecessor is billed until it is deleted",)],
)
def test_every_renderer_shows_the_training_note_once_for_a_training_change(
    notes: tuple[str, ...],
) -> None:
    """The start_training step says a change trains, not the words of its other notes."""
    model = Address("p", model="m")
    steps = (Step(StepKind.CREATE_MODEL, model), Step(StepKind.START_TRAINING, model))
    training = Change(model, Action.CREATE, Reason.NEW, steps=steps, notes=notes)
    other = Address("p", model="kept")
    billed = Change(
        other,
        Action.DELETE,
        Reason.REMOVED_FROM_MANIFEST,
        steps=(Step(StepKind.DELETE_MODEL, other),),
        notes=("billed by Bria until deleted",),
    )
    plan = Plan(changes=(training, billed))
    for page in (
        render_html(plan, header="h"),
        render_text(plan, header="h", color=False),
        render_markdown(plan, header="h"),
    ):
        assert page.count(rules.training_note("legacy")) == 1
        for note in (*notes, "billed by Bria until deleted"):
            assert note in page


def test_a_fibo_training_change_without_notes_says_fibos_duration() -> None:
    """Bria: FIBO training "typically 2-4 hours"; the legacy generation 1-3."""
    model = Address("p", model="m")
    steps = (Step(StepKind.CREATE_MODEL, model), Step(StepKind.START_TRAINING, model))
    training = Change(model, Action.CREATE, Reason.NEW, steps=steps,
                      after={"training_version": "fibo"})
    plan = Plan(changes=(training,))
    for page in (
        render_html(plan, header="h"),
        render_text(plan, header="h", color=False),
        render_markdown(plan, header="h"),
    ):
        assert "2-4 hours" in page and "1-3 hours" not in page
