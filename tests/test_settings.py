"""Settings resolution: flag > environment > tailor.yaml > default, for the rate settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.main import cli
from reconciler.errors import ConfigError
from reconciler.settings import (
    DEFAULT_RATE_LIMIT_WAIT,
    FREE_PLAN_REQUESTS_PER_MINUTE,
    resolve,
)
from tests.conftest import EXAMPLES, copy_example

QUICKSTART = EXAMPLES / "quickstart"
REAL = {"BRIA_API_TOKEN": "tok", "BRIA_API_URL": "https://engine.prod.bria-api.com/v1"}


def test_requests_per_minute_precedence(tmp_path: Path) -> None:
    file = {"requests_per_minute": 20}
    env = {**REAL, "TAILOR_REQUESTS_PER_MINUTE": "30"}
    flags = {"requests_per_minute": 40.0}
    assert resolve(workspace=tmp_path, environ=REAL).requests_per_minute == 10
    assert resolve(workspace=tmp_path, file_settings=file, environ=REAL).requests_per_minute == 20
    assert resolve(workspace=tmp_path, file_settings=file, environ=env).requests_per_minute == 30
    both = resolve(workspace=tmp_path, file_settings=file, environ=env, flags=flags)
    assert both.requests_per_minute == 40


def test_the_real_api_defaults_to_the_free_plan_and_a_sandbox_to_no_limit(
    tmp_path: Path,
) -> None:
    assert FREE_PLAN_REQUESTS_PER_MINUTE == 10
    real = resolve(workspace=tmp_path, environ=REAL)
    assert real.requests_per_minute == FREE_PLAN_REQUESTS_PER_MINUTE
    assert real.rate_limit_wait == DEFAULT_RATE_LIMIT_WAIT >= 600
    embedded = resolve(workspace=tmp_path, environ={})
    assert embedded.uses_sandbox and embedded.requests_per_minute is None
    for url in ("http://127.0.0.1:8787/v1", "http://localhost:9/v1", "http://[::1]:9/v1"):
        loopback = resolve(workspace=tmp_path, environ={"BRIA_API_TOKEN": "t", "BRIA_API_URL": url})
        assert loopback.requests_per_minute is None, url
    limited = resolve(
        workspace=tmp_path, environ={"TAILOR_REQUESTS_PER_MINUTE": "60"}
    )
    assert limited.uses_sandbox and limited.requests_per_minute == 60


def test_rate_limit_wait_from_file_and_environment(tmp_path: Path) -> None:
    assert resolve(
        workspace=tmp_path, file_settings={"rate_limit_wait": 30}, environ=REAL
    ).rate_limit_wait == 30
    env = {**REAL, "TAILOR_RATE_LIMIT_WAIT": "0"}
    assert resolve(
        workspace=tmp_path, file_settings={"rate_limit_wait": 30}, environ=env
    ).rate_limit_wait == 0


@pytest.mark.parametrize("value", ["fast", "0", "-5", "nan", "inf"])
def test_a_bad_environment_value_names_the_variable(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=f"TAILOR_REQUESTS_PER_MINUTE .*{value!r}"):
        resolve(workspace=tmp_path, environ={**REAL, "TAILOR_REQUESTS_PER_MINUTE": value})


def test_a_bad_wait_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TAILOR_RATE_LIMIT_WAIT"):
        resolve(workspace=tmp_path, environ={**REAL, "TAILOR_RATE_LIMIT_WAIT": "-1"})


def _workspace(tmp_path: Path, tailor_yaml: str) -> Path:
    """A copy of the quickstart with `tailor_yaml`."""
    root = tmp_path / "ws"
    copy_example(QUICKSTART, root)
    (root / "tailor.yaml").write_text(tailor_yaml)
    return root


@pytest.mark.parametrize(
    ("tailor_yaml", "expected"),
    [
        ("api: sandbox\nrequests_per_minute: 0\n",
         "tailor.yaml:2:22: requests_per_minute: input should be greater than 0"),
        ("api: sandbox\nrate_limit_wait: -3\n",
         "tailor.yaml:2:18: rate_limit_wait: input should be greater than or equal to 0"),
        ("api: sandbox\nrequests_per_second: 2\n",
         "hint: did you mean 'requests_per_minute'?"),
        ("api: sandbx\n",
         "tailor.yaml:1:6: api: expected 'sandbox' or an http:// or https:// URL, not 'sandbx'"
         "\n  hint: did you mean 'sandbox'?"),
        ("api: engine.prod.bria-api.com/v1\n",
         "hint: a URL starts with its scheme, e.g. https://engine.prod.bria-api.com/v1"),
        ("api: htps://engine.prod.bria-api.com/v1\n",
         "hint: the scheme is http or https, e.g. https://engine.prod.bria-api.com/v1"),
    ],
)
def test_a_bad_tailor_yaml_value_names_file_line_and_field(
    tmp_path: Path, tailor_yaml: str, expected: str
) -> None:
    root = _workspace(tmp_path, tailor_yaml)
    result = CliRunner().invoke(cli, ["plan", str(root)], env={"BRIA_API_TOKEN": ""})
    assert result.exit_code == 1
    assert expected in result.output


@pytest.mark.parametrize("command", [["plan"], ["apply"], ["destroy"], ["import", "--adopt"]])
def test_the_commands_that_talk_to_bria_take_the_flag(tmp_path: Path, command: list[str]) -> None:
    root = _workspace(tmp_path, "api: sandbox\n")
    result = CliRunner().invoke(
        cli, [*command, "--requests-per-minute", "0", str(root)], env={"BRIA_API_TOKEN": ""}
    )
    assert result.exit_code == 2
    assert "--requests-per-minute" in result.output and "x>0" in result.output
    nan = CliRunner().invoke(
        cli, [*command, "--requests-per-minute", "nan", str(root)], env={"BRIA_API_TOKEN": ""}
    )
    assert nan.exit_code == 1
    assert "--requests-per-minute must be a number more than zero" in nan.output
