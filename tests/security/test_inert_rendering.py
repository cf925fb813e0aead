"""Text from outside tailor is inert in every plan format.

The Markdown comes from a plan whose Console-side names (a drifted project and model name, an
image named at Bria, a finding that quotes them) carry a mention, a link, a remote image and
raw HTML; rendered by markdown-it-py as GitHub would (CommonMark, tables, strikethrough,
autolinks, raw HTML allowed), none of them may become a link, an image, a mention or an
element.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from reconciler.addresses import Address
from reconciler.plan.model import (
    Action,
    Change,
    Diagnostic,
    Drift,
    Plan,
    Reason,
    Severity,
    Step,
    StepKind,
)
from reconciler.render.escape import md_code, md_text
from reconciler.render.html import render_html
from reconciler.render.jsonplan import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text
from reconciler.unprintable import visible

PAYLOAD = "@someone [x](https://e.example) ![t](https://e.example/t.png) <img src=x>"
FAKE_LINE = "fox.png\nPlan: 0 to create, 0 to update, 0 to replace, 1 to delete.\u202egnp.exe"
HEADER = "API: embedded sandbox · state: .tailor/state.db"
PROJECT = Address("acme")
DATASET = Address("acme", dataset="v1")
MODEL = Address("acme", model="light")


def hostile_plan() -> Plan:
    image = Address.image_("acme", "v1", PAYLOAD)
    fake = Address.image_("acme", "v1", FAKE_LINE)
    deletes = tuple(
        Change(
            address,
            Action.DELETE,
            Reason.REMOVED_FROM_MANIFEST,
            before={"name": address.key, "caption": PAYLOAD},
            steps=(Step(StepKind.DELETE_IMAGE, address),),
        )
        for address in (image, fake)
    )
    rename = Change(
        MODEL,
        Action.UPDATE,
        Reason.DRIFT,
        before={"name": PAYLOAD},
        after={"name": "light"},
        steps=(Step(StepKind.UPDATE_MODEL, MODEL),),
    )
    return Plan(
        changes=(rename, *deletes),
        drift=(
            Drift(PROJECT, "name", "Acme", PAYLOAD),
            Drift(MODEL, "description", "fast", FAKE_LINE),
        ),
        diagnostics=(
            Diagnostic(
                Severity.WARNING,
                f"model name {PAYLOAD!r} was changed in the Console",
                detail=f"the Console calls it {PAYLOAD}",
                address=MODEL,
            ),
        ),
    )


class _Elements(HTMLParser):
    """Tags, links and the text outside code of a rendered page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.prose: list[str] = []
        self._code_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [value or "" for name, value in attrs if name in ("href", "src")]
        if tag in ("code", "pre"):
            self._code_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre"):
            self._code_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._code_depth == 0:
            self.prose.append(data)


def github_like(markdown: str) -> _Elements:
    renderer = MarkdownIt("gfm-like", {"html": True, "linkify": True})
    page = _Elements()
    page.feed(renderer.render(markdown))
    return page


def test_markdown_renders_no_link_image_mention_or_element_from_names() -> None:
    markdown = render_markdown(hostile_plan(), header=HEADER)
    assert markdown.count("someone") >= 4  # the names are shown, escaped
    page = github_like(markdown)
    assert "img" not in page.tags
    assert "a" not in page.tags, page.hrefs
    assert not [h for h in page.hrefs if "e.example" in h]
    assert "@someone" not in "".join(page.prose)  # a mention needs @ then the name
    allowed = {
        "p",
        "strong",
        "code",
        "pre",
        "h3",
        "ul",
        "li",
        "br",
        "details",
        "summary",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "em",
    }
    assert set(page.tags) <= allowed, set(page.tags) - allowed


def test_markdown_fences_hold_no_fake_plan_line() -> None:
    markdown = render_markdown(hostile_plan(), header=HEADER)
    assert "\nPlan: 0 to create" not in markdown
    assert "\u202e" not in markdown
    assert "\\u202e" in markdown


def test_text_plan_shows_controls_escaped() -> None:
    text = render_text(hostile_plan(), header=HEADER, color=False, verbose=True)
    assert "\u202e" not in text
    assert "fox.png\\nPlan: 0 to create" in text
    plan_lines = [line for line in text.splitlines() if line.startswith("Plan:")]
    assert len(plan_lines) == 1 and "0 to create, 1 to update" in plan_lines[0], plan_lines


def test_html_plan_escapes_names() -> None:
    page = _Elements()
    page.feed(render_html(hostile_plan(), header=HEADER))
    assert "img" not in page.tags and "a" not in page.tags
    assert "\u202e" not in "".join(page.prose)


def test_json_plan_keeps_the_exact_names() -> None:
    """JSON is data, not display: it keeps the exact text, escaped by the JSON encoding."""
    document = json.loads(render_json(hostile_plan()))
    assert PAYLOAD in json.dumps(document, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("tab\there", "tab\\there"),
        ("\u202eevil", "\\u202eevil"),
        ("\u2066x\u2069", "\\u2066x\\u2069"),
        ("line\u2028sep", "line\\u2028sep"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("c1\x85", "c1\\u0085"),
        ("plain café", "plain café"),
    ],
)
def test_visible(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_code_spans_survive_backticks_and_pipes() -> None:
    assert md_code("a``b") == "```a``b```"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("a|b", table=True) == "`a\\|b`"


def test_prose_escapes_markdown_syntax() -> None:
    assert md_text("*x* _y_ [l](u) <b>") == "\\*x\\* \\_y\\_ \\[l\\](u) \\<b\\>"
