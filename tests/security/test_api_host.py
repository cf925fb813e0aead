"""The token goes only to https://*.bria-api.com, or over http to loopback, unless the
environment (never tailor.yaml) names another host in TAILOR_ALLOW_API_HOST."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.apihost import check_api_host
from reconciler.errors import ConfigError
from tests.security.conftest import (
    HeaderLog,
    assert_no_token_in_files,
    make_workspace,
    tailor,
    tailor_env,
)


@pytest.mark.parametrize(
    "api",
    [
        "https://engine.prod.bria-api.com/v1",
        "https://engine.stg.bria-api.com/v1",
        "http://127.0.0.1:8787/v1",
        "http://[::1]:8787/v1",
        "http://localhost:8787/v1",
    ],
)
def test_bria_https_and_loopback_http_are_allowed(api: str) -> None:
    check_api_host(api, {})


@pytest.mark.parametrize(
    ("api", "host"),
    [
        ("http://engine.prod.bria-api.com/v1", "engine.prod.bria-api.com"),
        ("https://bria-api.com.evil.example/v1", "bria-api.com.evil.example"),
        ("https://evilbria-api.com/v1", "evilbria-api.com"),
        ("http://10.0.0.1:8787/v1", "10.0.0.1"),
        ("http://127.1:8787/v1", "127.1"),
        ("https://127.0.0.1.example/v1", "127.0.0.1.example"),
        ("http://localhost.evil.example/v1", "localhost.evil.example"),
    ],
)
def test_other_hosts_are_refused_naming_the_host_and_the_opt_in(api: str, host: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_api_host(api, {})
    text = str(caught.value)
    assert f"refusing to send the API token to {host}" in text
    assert "TAILOR_ALLOW_API_HOST" in text or "https://" in text


def test_credentials_in_the_url_are_refused() -> None:
    with pytest.raises(ConfigError, match="credentials"):
        check_api_host("https://user:pw@engine.prod.bria-api.com/v1", {})


@pytest.mark.parametrize(
    ("api", "shown"),
    [
        ("https://engine.prod.bria-api.com/v1?region=eu", "'?region=eu'"),
        ("http://127.0.0.1:8787/v1#top", "'#top'"),
    ],
)
def test_a_query_or_fragment_is_refused_not_dropped(api: str, shown: str) -> None:
    """The client builds each request's URL from the base path: a query would be lost."""
    with pytest.raises(ConfigError, match="would not send") as caught:
        check_api_host(api, {})
    assert shown in str(caught.value)


def test_the_environment_opts_in_one_host_at_a_time() -> None:
    check_api_host(
        "https://bria.internal.example/v1", {"TAILOR_ALLOW_API_HOST": "bria.internal.example"}
    )
    check_api_host("http://10.0.0.1/v1", {"TAILOR_ALLOW_API_HOST": "x.example, 10.0.0.1"})
    with pytest.raises(ConfigError):
        check_api_host(
            "https://other.example/v1", {"TAILOR_ALLOW_API_HOST": "bria.internal.example"}
        )


def _pointing_at(tmp_path: Path, api: str) -> Path:
    return make_workspace(tmp_path, f"api: {api}\nstate: .tailor/state.db\n")


@pytest.mark.parametrize(
    "command",
    [
        ("plan",),
        ("plan", "--format", "json"),
        ("apply", "--auto-approve"),
        ("destroy", "--auto-approve"),
        ("import", "--adopt"),
    ],
)
def test_a_pull_request_cannot_send_the_token_to_its_server(
    tmp_path: Path, header_log: HeaderLog, command: tuple[str, ...]
) -> None:
    # 127.1 reaches the logging server on 127.0.0.1, but is not a loopback literal: only the
    # host check stands between the token and the server (the control test below proves it).
    root = _pointing_at(tmp_path, f"http://127.1:{header_log.port}/v1")
    run = tailor(*command, cwd=root)
    run.assert_refused("127.1", "TAILOR_ALLOW_API_HOST")
    assert header_log.requests == []
    assert_no_token_in_files(root)


def test_the_opt_in_is_the_only_way_through(tmp_path: Path, header_log: HeaderLog) -> None:
    """Control: the same workspace with the environment's opt-in does reach the server with
    the token, so the refusal above is the host check and not an unreachable address."""
    root = _pointing_at(tmp_path, f"http://127.1:{header_log.port}/v1")
    run = tailor("plan", cwd=root, env=tailor_env(TAILOR_ALLOW_API_HOST="127.1"))
    run.assert_clean()
    assert header_log.saw_token()


def test_tailor_yaml_cannot_opt_in(tmp_path: Path, header_log: HeaderLog) -> None:
    root = make_workspace(
        tmp_path,
        f"api: http://127.1:{header_log.port}/v1\nallow_api_host: 127.1\n"
        "TAILOR_ALLOW_API_HOST: 127.1\n",
    )
    run = tailor("plan", cwd=root)
    run.assert_refused("allow_api_host")
    assert header_log.requests == []


def test_bria_url_from_the_environment_is_checked_too(
    tmp_path: Path, header_log: HeaderLog
) -> None:
    root = make_workspace(tmp_path, "state: .tailor/state.db\n")
    run = tailor(
        "plan", cwd=root, env=tailor_env(BRIA_API_URL=f"https://127.1:{header_log.port}/v1")
    )
    run.assert_refused("127.1", "*.bria-api.com")
    assert header_log.requests == []


def test_a_query_in_tailor_yaml_is_refused_before_any_request(
    tmp_path: Path, header_log: HeaderLog
) -> None:
    root = make_workspace(
        tmp_path, f"api: http://127.0.0.1:{header_log.port}/v1?tenant=a\nstate: .tailor/s.db\n"
    )
    run = tailor("plan", cwd=root)
    run.assert_refused("'?tenant=a'", "would not send")
    assert header_log.requests == []
    assert not (root / ".tailor" / "s.db").exists()
