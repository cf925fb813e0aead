"""tailor reads PNG and JPEG headers itself and leaves the rest to Pillow: over generated
images, whole and damaged, the answer (size or error message) is the one Pillow alone gives."""

from __future__ import annotations

import hashlib
import io
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from reconciler.manifest import images
from reconciler.manifest.headers import jpeg_size, png_size
from reconciler.manifest.images import FileStamp, ImageProblem, inspect_image


def _exif(with_resolution: bool) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "tailor"
    if with_resolution:
        exif[0x0128] = 2
        exif[0x011A] = 300.0
    return exif.tobytes()


@st.composite
def png_files(draw: st.DrawFn) -> bytes:
    mode = draw(st.sampled_from(["1", "L", "LA", "P", "RGB", "RGBA", "I;16"]))
    size = (draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    image = Image.new(mode, size, draw(st.integers(0, 255)))
    options: dict[str, object] = {"optimize": draw(st.booleans())}
    if draw(st.booleans()):
        info = PngImagePlugin.PngInfo()
        for key, value, kind in draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["Title", "Software", "x"]),
                    st.text(max_size=20),
                    st.sampled_from(["text", "ztxt", "itxt"]),
                ),
                max_size=3,
            )
        ):
            if kind == "itxt":
                info.add_itxt(key, value, zip=draw(st.booleans()))
            else:
                info.add_text(key, value, zip=kind == "ztxt")
        options["pnginfo"] = info
    if draw(st.booleans()):
        options["icc_profile"] = draw(st.binary(max_size=64))
    if draw(st.booleans()):
        options["exif"] = _exif(draw(st.booleans()))
    if draw(st.booleans()):
        options["dpi"] = (draw(st.integers(1, 600)),) * 2
    if mode in ("L", "RGB", "P") and draw(st.booleans()):
        options["transparency"] = 0 if mode != "RGB" else (0, 0, 0)
    if draw(st.booleans()):
        options["interlace"] = 1  # Pillow writes it only for some modes; harmless otherwise
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


@st.composite
def jpeg_files(draw: st.DrawFn) -> bytes:
    mode = draw(st.sampled_from(["L", "RGB", "CMYK"]))
    size = (draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    image = Image.new(mode, size, draw(st.integers(0, 255)))
    options: dict[str, object] = {
        "quality": draw(st.integers(1, 100)),
        "progressive": draw(st.booleans()),
        "optimize": draw(st.booleans()),
    }
    if draw(st.booleans()):
        options["exif"] = _exif(draw(st.booleans()))
    if draw(st.booleans()):
        options["icc_profile"] = draw(st.binary(min_size=1, max_size=100))
    if draw(st.booleans()):
        options["dpi"] = (draw(st.integers(0, 600)),) * 2
    if draw(st.booleans()):
        options["comment"] = draw(st.binary(max_size=30))
    if mode == "RGB":
        options["subsampling"] = draw(st.sampled_from([0, 1, 2]))
    if draw(st.booleans()):
        options["restart_marker_blocks"] = 1
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _structure(data: bytes) -> list[int]:
    """Where the header's fields are: each PNG chunk's start, each JPEG marker's before the
    scan (damage anywhere else is mostly in pixel data, which no header reader looks at)."""
    if data.startswith(b"\x89PNG"):
        starts, position = [], 8
        while position + 8 <= len(data):
            starts.append(position)
            position += 12 + int.from_bytes(data[position : position + 4], "big")
        return starts
    scan = data.find(b"\xff\xda")
    return [i for i in range(len(data[:scan])) if data[i] == 0xFF]


def _with_png_checksums(data: bytes) -> bytes:
    """Every chunk's CRC made right again, so a damaged field is judged by its value."""
    out, position = bytearray(data), 8
    while position + 12 <= len(data):
        end = position + 8 + int.from_bytes(data[position : position + 4], "big")
        if end + 4 > len(data):
            break
        out[end : end + 4] = zlib.crc32(out[position + 4 : end]).to_bytes(4, "big")
        position = end + 4
    return bytes(out)


@st.composite
def damaged(draw: st.DrawFn, files: st.SearchStrategy[bytes]) -> bytes:
    data = draw(files)
    near = draw(st.sampled_from(_structure(data) or [0])) + draw(st.integers(0, 12))
    at = min(len(data), near if draw(st.integers(0, 4)) else draw(st.integers(0, len(data))))
    damage = draw(st.sampled_from(["none", "cut", "byte", "byte, checksums", "insert", "delete"]))
    if damage == "cut":
        return data[:at]
    if damage.startswith("byte"):
        changed = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
        return _with_png_checksums(changed) if damage.endswith("checksums") else changed
    if damage == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if damage == "delete":
        return data[:at] + data[at + draw(st.integers(1, 16)) :]
    return data


@contextmanager
def _pillow_only() -> Iterator[None]:
    with (
        patch.object(images, "png_size", return_value=None),
        patch.object(images, "jpeg_size", return_value=None),
    ):
        yield


def _answer(data: bytes, *, pillow_only: bool) -> object:
    head = data[:64]
    try:
        image_format = images._sniff(head)
        if pillow_only:
            with _pillow_only():
                return images._header_size(data, image_format, None)
        return images._header_size(data, image_format, None)
    except ImageProblem as problem:
        return problem.message


@settings(max_examples=600, deadline=None)
@given(damaged(png_files() | jpeg_files()))
def test_header_reader_answers_as_pillow(data: bytes) -> None:
    assert _answer(data, pillow_only=False) == _answer(data, pillow_only=True)


def _samples() -> list[bytes]:
    samples = []
    for mode, kind, options in [
        ("RGB", "PNG", {}),
        ("P", "PNG", {"transparency": 0, "dpi": (72, 72)}),
        ("L", "PNG", {"transparency": 0}),
        ("RGB", "JPEG", {"progressive": True, "dpi": (300, 300), "exif": _exif(False)}),
        ("CMYK", "JPEG", {"icc_profile": b"profile", "comment": b"c"}),
    ]:
        buffer = io.BytesIO()
        Image.new(mode, (5, 3)).save(buffer, kind, **options)
        samples.append(buffer.getvalue())
    return samples


@pytest.mark.parametrize("data", _samples(), ids=["png", "png-p", "png-l", "jpeg", "jpeg-cmyk"])
def test_every_header_byte_damaged_is_answered_as_pillow(data: bytes) -> None:
    """Each byte of the header set to a few values (the PNG checksums made right again, so
    each field is judged by its value), and the file cut there: the same answer as Pillow's."""
    header = max(_structure(data)) + 24
    for at in range(min(header, len(data))):
        for value in {0, 1, 2, 8, 0xFF, data[at] ^ 1}:
            changed = data[:at] + bytes([value]) + data[at + 1 :]
            for case in (changed, _with_png_checksums(changed), data[:at]):
                assert _answer(case, pillow_only=False) == _answer(case, pillow_only=True), at


@settings(max_examples=200, deadline=None)
@given(png_files() | jpeg_files())
def test_header_reader_reads_whole_common_files_itself(data: bytes) -> None:
    """The reader is used: whole files without an ICC profile, compressed text or EXIF
    (whose resolution Pillow reads) never reach Pillow."""
    plain = png_size(data) if data.startswith(b"\x89PNG") else jpeg_size(data)
    pillow = Image.open(io.BytesIO(data)).size
    assert plain in (None, pillow)
    info = Image.open(io.BytesIO(data)).info
    if not {"icc_profile", "exif", "transparency"} & set(info) and not any(
        isinstance(value, PngImagePlugin.iTXt) or key in ("Title", "Software", "x")
        for key, value in info.items()
    ):
        assert plain == pillow


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["RGB", "RGBA", "L"]),
    st.integers(1, 64),
    st.integers(1, 64),
    st.booleans(),
    st.booleans(),
)
def test_webp_reader_answers_as_pillow(
    mode: str, width: int, height: int, lossless: bool, animated: bool
) -> None:
    frames = [Image.new(mode, (width, height), shade) for shade in (0, 128)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", lossless=lossless, save_all=animated, append_images=frames[1:])
    data = buffer.getvalue()
    assert _answer(data, pillow_only=False) == Image.open(io.BytesIO(data)).size


def test_large_file_header_is_read_from_its_first_bytes(tmp_path: Path) -> None:
    """A file past the whole-read size is hashed from disk; its header is read without
    Pillow from the first bytes, and the facts are the same as with Pillow."""
    path = tmp_path / "big.png"
    Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3)).save(path, compress_level=0)
    stamp = FileStamp.of(path.stat())
    assert stamp.size > images.WHOLE_READ_BYTES
    with patch.object(images, "_pillow_size", side_effect=AssertionError("Pillow asked")):
        plain = inspect_image(path, stamp)
    with _pillow_only():
        assert inspect_image(path, stamp) == plain
    assert (plain.width, plain.height, plain.sha256) == (
        700,
        700,
        hashlib.sha256(path.read_bytes()).hexdigest(),
    )
