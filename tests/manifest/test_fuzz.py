"""Hostile bytes never escape as anything but our own errors."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.errors import ManifestError
from reconciler.manifest.images import FileStamp, ImageProblem, inspect_image
from reconciler.manifest.yamlload import load_yaml_bytes

PNG_START = b"\x89PNG\r\n\x1a\n"
PREFIXES = st.sampled_from([b"", PNG_START, b"\xff\xd8\xff", b"RIFF\x00\x00\x00\x00WEBPVP8 "])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
def test_yaml_loader_raises_only_manifest_errors(raw: bytes) -> None:
    try:
        load_yaml_bytes(raw, "m.yaml")
    except ManifestError as error:
        assert error.location is not None and error.location.file == "m.yaml"


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(PREFIXES, st.binary(max_size=300))
def test_image_inspection_raises_only_image_problems(
    tmp_path: Path, prefix: bytes, body: bytes
) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(prefix + body)
    try:
        facts = inspect_image(path, FileStamp.of(path.stat()))
    except ImageProblem:
        return
    assert facts.width > 0 and facts.height > 0
