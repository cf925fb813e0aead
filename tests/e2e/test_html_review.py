"""`tailor plan --format html` end to end: previews from local files and from the live API's
thumbnails (embedded sandbox and a real socket), and the page as headless Chromium draws it.

`TAILOR_UPDATE_SCREENSHOT=1` also rewrites examples/review-screenshot.png from the quickstart
with one image changed.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageChops

from reconciler.engine.thumbnails import MAX_SIDE, downscale, fetch_thumbnails
from tests.conftest import SANDBOX_BASE_URL, SANDBOX_ORIGIN, SANDBOX_TOKEN, skip_or_fail
from tests.e2e.conftest import TOKEN, Sandbox, change_image, make_workspace, tailor, tailor_here

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "examples" / "review-screenshot.png"
SCREENSHOT_MAX_BYTES = 300 * 1024
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)
_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


# --------------------------------------------------------------------------- chromium


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    skip_or_fail("headless Chromium is not installed (apt-get install chromium)")
    raise AssertionError("unreachable")


def run_chromium(page: Path, tmp: Path, *action: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{time.monotonic_ns()}"
    command = [
        chromium(),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--window-size=1280,2000",
        *action,
        page.as_uri(),
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL
    )


def console_messages(stderr: str) -> list[str]:
    """Everything the page logged: errors, uncaught exceptions and blocked requests alike."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def check_in_chromium(page: Path, tmp: Path, images: int) -> Path:
    """Draws the page; asserts it parsed, logged nothing and shows its images. Returns the PNG."""
    dom = run_chromium(page, tmp, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<h1>Plan review</h1>" in dom.stdout
    assert dom.stdout.count("<img") == images
    assert console_messages(dom.stderr) == []
    png = tmp / "page.png"
    shot = run_chromium(page, tmp, f"--screenshot={png}")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert console_messages(shot.stderr) == []
    with Image.open(png) as drawn:
        assert drawn.size == (1280, 2000)
        rgb = drawn.convert("RGB")
    # the quickstart's foxes are orange: their pixels prove the data: URIs were decoded
    red, green, blue = rgb.split()
    mask = ImageChops.multiply(
        ImageChops.multiply(
            red.point(lambda v: 255 if v > 200 else 0),
            green.point(lambda v: 255 if 90 < v < 150 else 0),
        ),
        blue.point(lambda v: 255 if v < 80 else 0),
    )
    orange = mask.histogram()[255]
    assert orange > 1_000 * max(1, images)
    return png


def test_the_console_check_catches_a_blocked_request(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; img-src data:\"></head>"
        '<body><img src="http://127.0.0.1:9/x.png"></body></html>'
    )
    result = run_chromium(page, tmp_path, "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert any("Content Security Policy" in line for line in console_messages(result.stderr))


# --------------------------------------------------------------------------- thumbnails


def _noise_png(width: int, height: int, mode: str = "RGB") -> bytes:
    image = Image.frombytes(mode, (width, height), os.urandom(width * height * len(mode)))
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_downscale_bounds_size_and_bytes() -> None:
    preview = downscale(_noise_png(1500, 900), max_bytes=12_000)
    assert preview is not None and preview.startswith(b"\xff\xd8\xff")
    assert len(preview) <= 12_000
    with Image.open(BytesIO(preview)) as image:
        assert max(image.size) <= MAX_SIDE
    transparent = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    out = BytesIO()
    transparent.save(out, "PNG")
    flat = downscale(out.getvalue())
    assert flat is not None
    with Image.open(BytesIO(flat)) as image:
        assert image.convert("RGB").getpixel((10, 10)) == (255, 255, 255)
    assert downscale(b"not an image") is None


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/slow.jpg"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


@pytest.mark.anyio
async def test_fetch_through_the_in_process_sandbox_and_leave_out_failures(
    sandbox_app: object, tmp_path: Path, silent_server: str
) -> None:
    transport = httpx.ASGITransport(app=sandbox_app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=transport, base_url=SANDBOX_BASE_URL, headers={"api_token": SANDBOX_TOKEN}
    ) as bria:
        project = (
            await bria.post(
                "/tailored-gen/projects",
                json={"project_name": "p", "ip_type": "icons", "ip_medium": "illustration"},
            )
        ).json()
        dataset = (
            await bria.post(
                "/tailored-gen/datasets", json={"project_id": project["id"], "name": "d"}
            )
        ).json()
        upload = await bria.post(
            f"/tailored-gen/datasets/{dataset['id']}/images",
            json={
                "image_name": "a.png",
                "file": base64.b64encode(_noise_png(600, 600)).decode("ascii"),
                "increase_resolution": True,
            },
        )
        assert upload.status_code in (200, 201), upload.text
        image = upload.json()
    urls = {
        "thumb": image["thumbnail_url"],
        "full": image["image_url"],
        "missing": f"{SANDBOX_ORIGIN}/_sandbox/files/nothing.jpg",
        "silent": silent_server,
        "not-http": "file:///etc/passwd",
    }
    # The silent server is cut by the per-request timeout (1 s), long before the total one:
    # the total is generous so that a loaded machine's slow downscale never drops a preview.
    started = time.monotonic()
    got = await fetch_thumbnails(
        urls,
        mounts={SANDBOX_ORIGIN: transport},
        max_bytes=20_000,
        total_seconds=120.0,
        request_seconds=1.0,
    )
    assert time.monotonic() - started < 60
    assert set(got) == {"thumb", "full"}
    for data in got.values():
        assert len(data) <= 20_000
        with Image.open(BytesIO(data)) as preview:
            assert max(preview.size) <= MAX_SIDE
    capped = await fetch_thumbnails(urls, mounts={SANDBOX_ORIGIN: transport}, max_count=1)
    assert set(capped) == {"thumb"}
    # The total bound alone cuts a request whose own timeout is far off.
    started = time.monotonic()
    cut = await fetch_thumbnails(
        {"silent": silent_server, "thumb": urls["thumb"]},
        mounts={SANDBOX_ORIGIN: transport},
        total_seconds=0.5,
        request_seconds=120.0,
        concurrency=1,
    )
    assert time.monotonic() - started < 60
    assert cut == {}


# --------------------------------------------------------------------------- whole command


def _page_checks(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert not _EXTERNAL.search(page)
    assert "<script" not in page.lower()
    assert TOKEN not in page


def _card(page: str, name: str) -> str:
    return page.split(f"<code>{name}</code>", 1)[1].split('<div class="card', 1)[0]


@pytest.mark.slow
def test_review_page_with_the_embedded_sandbox(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, "sandbox")
    applied = tailor_here("apply", str(ws), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    mirror_image(ws / "images" / "v1" / "fox-02.png")
    started = time.monotonic()
    result = tailor_here("plan", str(ws), "--format", "html")
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    page = result.stdout
    _page_checks(page)
    assert "API: embedded sandbox" in page
    changed = _card(page, "fox-02.png")
    # before: the live thumbnail, served by the embedded sandbox's in-process file host
    assert changed.count('<img src="data:image/jpeg;base64,') == 2, changed[:400]
    assert "no preview" not in changed
    # the five unchanged images are copied by the clone, not uploaded again
    assert "built by clone: Clone Dataset As Draft copies its 6 image(s)" in page
    assert "uploaded again into the new dataset" not in page
    assert "acme-mascot/models/light" in page
    assert elapsed < 60

    html_file = tmp_path / "review.html"
    html_file.write_text(page, encoding="utf-8")
    png = check_in_chromium(html_file, tmp_path, images=2)
    if os.environ.get("TAILOR_UPDATE_SCREENSHOT") == "1":
        save_example_screenshot(png)


def mirror_image(path: Path) -> None:
    """A change a reviewer can see: the drawing flipped left to right."""
    with Image.open(path) as image:
        flipped = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    flipped.save(path)


def save_example_screenshot(png: Path) -> None:
    """The drawn page cropped to its content and palette-reduced to stay small."""
    with Image.open(png) as drawn:
        rgb = drawn.convert("RGB")
    background = Image.new("RGB", rgb.size, (255, 255, 255))
    box = ImageChops.difference(rgb, background).getbbox()
    assert box is not None
    left, top, right, bottom = box
    cropped = rgb.crop(
        (
            max(0, left - 24),
            max(0, top - 24),
            min(rgb.width, right + 24),
            min(rgb.height, bottom + 24),
        )
    )
    small = cropped.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(SCREENSHOT, optimize=True)
    assert SCREENSHOT.stat().st_size <= SCREENSHOT_MAX_BYTES


def test_example_screenshot_is_small() -> None:
    assert SCREENSHOT.is_file()
    assert SCREENSHOT.stat().st_size <= SCREENSHOT_MAX_BYTES
    with Image.open(SCREENSHOT) as image:
        assert image.format == "PNG"
        assert image.width >= 800


@pytest.mark.slow
@pytest.mark.socket
def test_review_page_over_a_socket(sandbox: Sandbox, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, sandbox.api)
    applied = tailor("apply", "--auto-approve", ".", cwd=ws)
    assert applied.returncode == 0, applied.stderr
    change_image(ws / "images" / "v1" / "fox-02.png")
    (ws / "images" / "v1" / "fox-03.txt").write_text('Foxy <script>alert("hi")</script>\n')
    (ws / "images" / "v1" / "fox-06.png").unlink()
    result = tailor("plan", "--format", "html", ".", cwd=ws)
    assert result.returncode == 0, result.stderr
    page = result.stdout
    _page_checks(page)
    assert sandbox.api in page
    changed = _card(page, "fox-02.png")
    assert changed.count('<img src="data:image/jpeg;base64,') == 2
    assert "&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt;" in _card(page, "fox-03.png")
    # a file removed from the manifest: only the live side exists
    removed = _card(page, "fox-06.png")
    assert "live, to be removed" in removed and removed.count("<img") == 1


@pytest.mark.slow
def test_two_hundred_image_review_renders_in_chromium(tmp_path: Path) -> None:
    """The issue's size case, drawn by a real browser: under 10 MB, all 200 previews decoded."""
    from reconciler.addresses import Address
    from reconciler.plan.model import Action, Change, Plan, Reason
    from reconciler.render.html import Previews, render_html

    dataset = Address("acme", dataset="v2")
    changes = [
        Change(
            Address("acme", dataset="v2", image=f"img-{i:03d}.png"),
            Action.CREATE,
            Reason.NEW,
            after={"name": f"img-{i:03d}.png", "sha256": f"{i:064x}", "caption": None},
        )
        for i in range(200)
    ]
    plan = Plan(changes=(Change(dataset, Action.CREATE, Reason.NEW), *changes))
    fox = (REPO / "examples" / "quickstart" / "images" / "v1" / "fox-01.png").read_bytes()
    preview = downscale(fox)
    page = render_html(
        plan,
        header="API: embedded sandbox",
        previews=Previews(new={c.address: preview for c in changes}),
    )
    assert len(page.encode("utf-8")) < 10_000_000
    html_file = tmp_path / "review-200.html"
    html_file.write_text(page, encoding="utf-8")
    dom = run_chromium(html_file, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<h1>Plan review</h1>" in dom.stdout
    assert dom.stdout.count('<img src="data:image/jpeg;base64,') == 200
    assert console_messages(dom.stderr) == []
