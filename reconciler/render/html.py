"""The plan as one self-contained HTML page for reviewers of a dataset change.

Everything is inline: the CSS, and every preview as a data: URI. A Content-Security-Policy
forbids any other source and every script, so the page never makes a request and user text
can never run. Pure: previews arrive as bytes (the CLI makes them, see
`reconciler.engine.thumbnails`); `wanted_previews` says which ones this page can show.

What a reviewer sees: the API/state line, the counts, every replaced or deleted project,
dataset and model with its reason, then per dataset a grid of the images added, removed or
changed (before and after side by side when the content changes).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.addresses import Address, Kind
from reconciler.plan.model import Action, Change, Diagnostic, Plan, Severity
from reconciler.render import htmljson
from reconciler.render.escape import html_text
from reconciler.render.htmlstyle import STYLESHEET
from reconciler.render.planview import (
    NO_CHANGES,
    SUMMARY_ACTIONS,
    change_notes,
    conclusion,
    cost_line,
    drift_by_address,
    format_value,
    is_destructive,
    label,
    refusal,
    resource_changes,
    summary_rows,
)
from reconciler.render.valueview import KNOWN_AFTER_APPLY, drift_rows, has_object, is_object
from reconciler.resources import JsonValue

MAX_IMAGE_BYTES = 7_000_000
"""Preview bytes one page embeds (base64 adds a third): keeps a 200-image page under 10 MB."""
GENERATED_CAPTION = "caption generated after upload"
AUTOMATIC_CAPTION = "automatic caption"


class ImageReview(StrEnum):
    """What a reviewer needs to look at for one image change."""

    ADDED = "added"
    REMOVED = "removed"
    CONTENT = "image changed"
    CAPTION = "caption changed"
    CARRIED = "carried over"
    """Re-uploaded unchanged into a rebuilt dataset: counted, not shown."""


def classify(change: Change) -> ImageReview | None:
    if change.kind is not Kind.IMAGE or change.action is Action.NO_OP:
        return None
    if change.action is Action.CREATE:
        return ImageReview.ADDED
    if change.action is Action.DELETE:
        return ImageReview.REMOVED
    fields = {fc.field for fc in change.field_changes}
    if "sha256" in fields:
        return ImageReview.CONTENT
    if "caption" in fields:
        return ImageReview.CAPTION
    return ImageReview.CARRIED


@dataclass(frozen=True)
class WantedPreviews:
    new_paths: Mapping[Address, str]
    """Image address -> workspace-relative path of the local file (the after side)."""
    old_ids: Mapping[Address, int]
    """Image address -> remote id of the live image (the before side)."""


@dataclass(frozen=True)
class Previews:
    """Encoded images (JPEG, PNG, WebP or GIF bytes) by image address."""

    new: Mapping[Address, bytes] = field(default_factory=dict)
    old: Mapping[Address, bytes] = field(default_factory=dict)


def _review_changes(plan: Plan) -> list[tuple[Change, ImageReview]]:
    result = []
    for change in plan.changes:
        if change.deposed is not None:
            continue
        review = classify(change)
        if review is not None:
            result.append((change, review))
    return result


def wanted_previews(plan: Plan) -> WantedPreviews:
    """The previews `render_html` would show for this plan."""
    new: dict[Address, str] = {}
    old: dict[Address, int] = {}
    for change, review in _review_changes(plan):
        if review is ImageReview.CARRIED:
            continue
        path = (change.after or {}).get("path")
        if review is not ImageReview.REMOVED and isinstance(path, str):
            new[change.address] = path
        if review in (ImageReview.REMOVED, ImageReview.CONTENT) and change.remote_id is not None:
            old[change.address] = change.remote_id
    return WantedPreviews(new, old)


# --------------------------------------------------------------------------- page


def render_html(
    plan: Plan,
    *,
    header: str,
    previews: Previews | None = None,
    max_image_bytes: int = MAX_IMAGE_BYTES,
) -> str:
    images = _ImageBudget(previews or Previews(), max_image_bytes)
    body = [
        _head_section(plan, header),
        _diagnostics(plan.diagnostics),
        _resources(plan),
        _drift(plan),
        _image_sections(plan, images),
        "<footer>Made by <code>tailor plan --format html</code>. This page is self-contained: "
        "it loads nothing from the network and runs no scripts.</footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>tailor plan review</title>\n"
        f"<style>{STYLESHEET}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )


def _e(text: object) -> str:
    return html_text(text)


def _badge(text: str, kind: str) -> str:
    return f'<span class="badge {_e(kind)}">{_e(text)}</span>'


def _head_section(plan: Plan, header: str) -> str:
    parts = [
        "<header>",
        "<h1>Plan review</h1>",
        f'<p class="where">{_e(header)}</p>',
    ]
    if plan.targets:
        targets = ", ".join(f"<code>{_e(t)}</code>" for t in plan.targets)
        parts.append(f"<p>Targeted to {targets}: changes elsewhere are not shown or applied.</p>")
    if not plan.has_changes:
        parts.append(f'<p class="verdict ok">{_e(NO_CHANGES)}</p>')
    else:
        parts.append(f'<p class="verdict">{_e(conclusion(plan))}</p>')
        parts.append(f'<p class="cost">{_e(cost_line(plan) or "")}</p>')
    refused = refusal(plan)
    if refused:
        parts.append(f'<p class="verdict refused">{_e(refused)}</p>')
    parts.append("</header>")
    parts.append(_summary_table(plan))
    return "\n".join(parts)


def _summary_table(plan: Plan) -> str:
    head = "".join(f"<th>{_e(a.value)}</th>" for a in SUMMARY_ACTIONS)
    rows = [
        f"<tr><th>{_e(title)}</th>" + "".join(f"<td>{n:,}</td>" for n in counts) + "</tr>"
        for title, counts in summary_rows(plan)
    ]
    return (
        f'<table class="summary"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _diagnostics(items: Sequence[Diagnostic]) -> str:
    if not items:
        return ""
    lines = []
    for item in items:
        kind = "error" if item.severity is Severity.ERROR else "warning"
        text = f"{_badge(kind, kind)} {_e(item.summary)}"
        if item.address is not None:
            text += f" — <code>{_e(item.address)}</code>"
        if item.location is not None:
            text += f" at <code>{_e(item.location)}</code>"
        if item.detail:
            text += f'<div class="detail">{_e(item.detail)}</div>'
        if item.constraint:
            text += f'<div class="detail">constraint <code>{_e(item.constraint)}</code></div>'
        lines.append(f"<li>{text}</li>")
    return f"<section><h2>Errors and warnings</h2><ul>{''.join(lines)}</ul></section>"


def _resources(plan: Plan) -> str:
    changes = resource_changes(plan)
    destructive = [c for c in changes if is_destructive(c)]
    other = [c for c in changes if not is_destructive(c)]
    parts = []
    if destructive:
        items = "".join(f"<li>{_resource_line(c)}</li>" for c in destructive)
        parts.append(
            f'<section class="destructive"><h2>Replacements and deletions</h2>'
            f"<ul>{items}</ul></section>"
        )
    if other:
        items = "".join(f"<li>{_resource_line(c)}</li>" for c in other)
        parts.append(f"<section><h2>Other changes</h2><ul>{items}</ul></section>")
    return "\n".join(parts)


def _resource_line(change: Change) -> str:
    text = f"{_badge(change.action.value, change.action.value)} {_e(change.kind)} "
    text += f"<code>{_e(label(change))}</code>"
    if change.replace_mode is not None:
        text += f" ({_e(change.replace_mode.value.replace('_', ' '))})"
    text += f": {_e(change.reason.describe())}"
    details = []
    if change.replaced_by is not None:
        details.append(f"replaced_by <code>{_e(change.replaced_by)}</code>")
    if change.requires_replace:
        fields = ", ".join(f"<code>{_e(f)}</code>" for f in change.requires_replace)
        details.append(f"forced by {fields}")
    for fc in change.field_changes:
        if has_object(fc):
            details.append(f"<code>{_e(fc.field)}</code>:{htmljson.field_change(fc)}")
            continue
        after = KNOWN_AFTER_APPLY if fc.known_after_apply else format_value(fc.after)
        details.append(f"<code>{_e(fc.field)}</code>: {_e(format_value(fc.before))} → {_e(after)}")
    details += [_e(note) for note in change_notes(change)]
    if details:
        text += '<ul class="detail">' + "".join(f"<li>{d}</li>" for d in details) + "</ul>"
    return text


def _drift(plan: Plan) -> str:
    rows = [
        f"<tr><td><code>{_e(d.address)}</code></td><td><code>{_e(path)}</code></td>"
        f"<td>{_e(state)}</td><td>{_e(live)}</td></tr>"
        for items in drift_by_address(plan.drift).values()
        for d in items
        for path, state, live in drift_rows(d.field, d.state, d.live)
    ]
    if not rows:
        return ""
    return (
        "<section><h2>Changed outside tailor</h2><table><thead><tr><th>address</th>"
        "<th>field</th><th>recorded</th><th>live</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


# --------------------------------------------------------------------------- images


class _ImageBudget:
    """Turns preview bytes into data: URIs until the page's image budget is spent."""

    def __init__(self, previews: Previews, max_bytes: int) -> None:
        self._previews = previews
        self._left = max_bytes
        self.left_out = 0

    def uri(self, address: Address, *, old: bool) -> str | None:
        data = (self._previews.old if old else self._previews.new).get(address)
        if data is None:
            return None
        mime = _mime(data)
        if mime is None:
            return None
        if len(data) > self._left:
            self.left_out += 1
            return None
        self._left -= len(data)
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _mime(data: bytes) -> str | None:
    """Raster formats only: an SVG could carry script."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


_REVIEW_ORDER = {
    ImageReview.CONTENT: 0,
    ImageReview.REMOVED: 1,
    ImageReview.CAPTION: 2,
    ImageReview.ADDED: 3,
}


def _image_sections(plan: Plan, images: _ImageBudget) -> str:
    by_dataset: dict[Address, list[tuple[Change, ImageReview]]] = {}
    for change, review in _review_changes(plan):
        parent = change.address.parent
        assert parent is not None  # an image address always has its dataset
        by_dataset.setdefault(parent, []).append((change, review))
    datasets = {c.address: c for c in plan.changes if c.kind is Kind.DATASET and c.deposed is None}
    for address, change in datasets.items():
        if htmljson.schema_block(change):  # a schema to review, even when no image changes
            by_dataset.setdefault(address, [])
    if not by_dataset:
        return ""
    sections = []
    for dataset in sorted(by_dataset):
        items = by_dataset[dataset]
        sections.append(_dataset_section(dataset, datasets.get(dataset), items, images))
    if images.left_out:
        sections.append(
            f'<p class="note">{images.left_out:,} previews were left out to keep this page '
            "small; the captions and names are all listed.</p>"
        )
    return "\n".join(sections)


def _dataset_section(
    dataset: Address,
    change: Change | None,
    items: list[tuple[Change, ImageReview]],
    images: _ImageBudget,
) -> str:
    counts = {review: 0 for review in ImageReview}
    for _change, review in items:
        counts[review] += 1
    summary = ", ".join(f"{counts[r]:,} {r.value}" for r in ImageReview if counts[r])
    what = "Images of" if items else "Dataset"  # a schema change alone
    title = f"<h2>{what} <code>{_e(dataset)}</code></h2>"
    lines = [f'<section class="dataset">{title}']
    if change is not None and change.action is not Action.NO_OP:
        lines.append(
            f"<p>{_badge(change.action.value, change.action.value)} "
            f"{_e(change.reason.describe())}</p>"
        )
    lines.append(htmljson.schema_block(change))
    if summary:
        lines.append(f'<p class="counts">{_e(summary)}</p>')
    if counts[ImageReview.CARRIED]:
        lines.append(
            f'<p class="note">{counts[ImageReview.CARRIED]:,} unchanged images are uploaded '
            "again into the new dataset; they are not shown.</p>"
        )
    if change is not None and change.replace_path is not None:
        lines.append(f'<p class="note">{_e(change.replace_path.describe())}</p>')
    shown = sorted(
        ((c, r) for c, r in items if r is not ImageReview.CARRIED),
        key=lambda item: (_REVIEW_ORDER[item[1]], item[0].address.key),
    )
    cards = [_card(c, r, images) for c, r in shown]
    grid = f'<div class="grid">{"".join(cards)}</div>' if cards else ""
    lines.append(f"{grid}</section>")
    return "\n".join(line for line in lines if line)


def _card(change: Change, review: ImageReview, images: _ImageBudget) -> str:
    name = change.address.key
    kind = review.name.lower()
    head = f'<div class="name">{_badge(review.value, kind)} <code>{_e(name)}</code></div>'
    if review is ImageReview.CONTENT:
        figures = (
            '<div class="pair">'
            + _figure(images.uri(change.address, old=True), f"{name} before", "before (live)")
            + _figure(images.uri(change.address, old=False), f"{name} after", "after (local)")
            + "</div>"
        )
    elif review is ImageReview.REMOVED:
        figures = _figure(images.uri(change.address, old=True), name, "live, to be removed")
    else:
        figures = _figure(images.uri(change.address, old=False), name, _path(change))
    captions, layout = _captions(change, review), " wide" * (review is ImageReview.CONTENT)
    if not layout and htmljson.is_structured(change):  # the JSON caption beside the preview
        captions, layout = f'<div class="side">{captions}</div>', " structured"
    return f'<div class="card {kind}{layout}">{head}{figures}{captions}</div>'


def _figure(uri: str | None, alt: str, caption: str) -> str:
    if uri is None:
        picture = '<div class="noimg">no preview</div>'
    else:
        picture = f'<img src="{uri}" alt="{_e(alt)}">'
    return f"<figure>{picture}<figcaption>{_e(caption)}</figcaption></figure>"


def _path(change: Change) -> str:
    path = (change.after or {}).get("path")
    return path if isinstance(path, str) else "local file"


def _caption_text(attrs: Mapping[str, JsonValue] | None, *, after: bool) -> str:
    caption = htmljson.caption_of(attrs)
    if isinstance(caption, str):
        return f"<q>{_e(caption)}</q>"
    if is_object(caption):
        return htmljson.pretty_object(caption)
    return f"<em>{GENERATED_CAPTION if after else AUTOMATIC_CAPTION}</em>"


def _caption_line(text: str, label: str = "") -> str:
    """A `<pre>` (a JSON caption) cannot sit in a `<p>`."""
    tag = "div" if text.startswith("<pre") else "p"
    return f'<{tag} class="caption">{label}{text}</{tag}>'


def _captions(change: Change, review: ImageReview) -> str:
    if review is ImageReview.REMOVED:
        return _caption_line(_caption_text(change.before, after=False))
    after = _caption_text(change.after, after=True)
    if review is ImageReview.ADDED:
        return _caption_line(after)
    old, new = htmljson.caption_of(change.before), htmljson.caption_of(change.after)
    if is_object(old) and is_object(new) and old != new:
        return htmljson.caption_changes(old, new)
    before = _caption_text(change.before, after=False)
    if before == after:
        return _caption_line(after)
    return _caption_line(before, '<span class="was">before:</span> ') + _caption_line(
        after, '<span class="now">after:</span> '
    )
