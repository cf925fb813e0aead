"""Secrets a user put in a URL are never printed back: an api: URL with user:password@ is
refused without quoting the password (it is often the token itself)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.conftest import TOKEN, run


@pytest.mark.parametrize("where", ["flag", "environment", "tailor.yaml"])
def test_an_api_url_with_a_password_is_refused_without_showing_it(
    quickstart: Path, where: str
) -> None:
    url = f"https://key:{TOKEN}@engine.prod.bria-api.com/v1"
    args = ["plan", str(quickstart)]
    env = {"BRIA_API_TOKEN": "tok-other"}
    if where == "flag":
        args += ["--api", url]
    elif where == "environment":
        env["BRIA_API_URL"] = url
    else:
        (quickstart / "tailor.yaml").write_text(f"api: {url}\n")
    result = run(*args, env=env)
    assert result.code == 1
    assert "carries credentials in the URL" in result.stderr
    assert "key:***@engine.prod.bria-api.com" in result.stderr
    assert TOKEN not in result.output
    assert not (quickstart / ".tailor").exists()
