"""Resolved settings: command-line flag > environment > tailor.yaml > default.

The token is a `Secret` (secret.py): it is read from the environment only and is never serialised,
printed or written anywhere. `describe()` gives the one line every plan and apply starts with.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reconciler.apihost import check_api_host, hide_password, is_loopback_host
from reconciler.errors import ConfigError
from reconciler.secret import Secret

SANDBOX = "sandbox"
BRIA_PRODUCTION_URL = "https://engine.prod.bria-api.com/v1"
DEFAULT_STATE = ".tailor/state.db"
DEFAULT_PARALLELISM = 8
FREE_PLAN_REQUESTS_PER_MINUTE = 10.0
"""Bria's free plan allows 10 requests a minute (starter: 60): the real API's default pace."""
PACING_HEADROOM = 0.98
"""The client sends at 98% of `requests_per_minute`: arrival times at Bria vary by the
network's jitter, and a window Bria counts must never see more than the rate."""
RATE_WINDOW_SECONDS = 60.0
"""The minute `requests_per_minute` counts over. Internal, not a setting: tests shorten it
(with the sandbox's `window_seconds`) to run several minutes' worth of requests in seconds."""


def request_interval(per_minute: float) -> float:
    """Seconds between two requests spaced strictly at `per_minute` (PACING_HEADROOM included)."""
    return RATE_WINDOW_SECONDS / (per_minute * PACING_HEADROOM)


def burst_size(per_minute: float) -> int:
    """Requests that may start at once at `per_minute`: a whole minute's allowance (at least 1)."""
    return max(1, math.floor(per_minute))


def burst_span(per_minute: float) -> float:
    """Seconds a start counts against the allowance: a minute at PACING_HEADROOM (61.2 s), so
    that network jitter never puts `burst_size` + 1 starts into one minute at Bria; longer below
    one request a minute, where a start waits for the interval."""
    return max(RATE_WINDOW_SECONDS / PACING_HEADROOM, request_interval(per_minute))


def paced_seconds(requests: int, per_minute: float) -> float:
    """How long pacing makes `requests` take, from the first start to the last, when nothing
    else holds them up and Bria answers no 429: each burst waits for the one before to age."""
    if requests <= 0:
        return 0.0
    return (requests - 1) // burst_size(per_minute) * burst_span(per_minute)


DEFAULT_RATE_LIMIT_WAIT = 600.0
"""Seconds one request keeps retrying Bria's 429 (rate limit) answers before apply gives up."""


@dataclass(frozen=True)
class Settings:
    """One command's settings, each from the first of flag, environment, tailor.yaml, default."""

    api: str
    """"sandbox" (the embedded emulator) or a base URL ending in /v1."""
    token: Secret | None
    state: str
    """A path (SQLite, relative to the workspace) or a postgresql:// DSN; `state.open_store`
    decides which backend it names."""
    parallelism: int = DEFAULT_PARALLELISM
    staging: str | None = None
    requests_per_minute: float | None = None
    """The client's pace; None: unpaced (the default for a sandbox, embedded or loopback)."""
    rate_limit_wait: float = DEFAULT_RATE_LIMIT_WAIT
    workspace: Path = Path(".")

    @property
    def uses_sandbox(self) -> bool:
        return self.api == SANDBOX

    def describe(self) -> str:
        api = "embedded sandbox (.tailor/sandbox.db)" if self.uses_sandbox else self.api
        return f"API: {api} · state: {hide_password(self.state)}"

    def __repr__(self) -> str:
        return (
            f"Settings(api={self.api!r}, token={'set' if self.token else 'unset'}, "
            f"state={hide_password(self.state)!r}, parallelism={self.parallelism})"
        )


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname or "")


def _positive(name: str, value: Any, *, zero: bool = False) -> float:
    """A setting that must be a positive number (or zero when `zero`), as a float."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if math.isnan(number) or math.isinf(number) or number < 0 or (number == 0 and not zero):
        bound = "zero or more" if zero else "more than zero"
        raise ConfigError(f"{name} must be a number {bound}, not {value!r}")
    return number


def resolve(
    *,
    workspace: Path,
    file_settings: Mapping[str, Any] | None = None,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the four sources. `file_settings` is tailor.yaml, already validated."""
    env = os.environ if environ is None else environ
    file_values = dict(file_settings or {})
    flag_values = {k: v for k, v in (flags or {}).items() if v is not None}

    # Whitespace only (an empty secret pasted with a newline) is no token; around a real
    # token it would only break the Authorization header.
    token_text = env.get("BRIA_API_TOKEN", "").strip()
    token = Secret(token_text) if token_text else None

    def source(name: str, env_name: str | None) -> str | None:
        """Where the value `pick` takes comes from, as the user would name it."""
        if name in flag_values:
            return f"--{name.replace('_', '-')}"
        if env_name and env.get(env_name):
            return env_name
        if file_values.get(name) is not None:
            return f"tailor.yaml {name}"
        return None

    def pick(name: str, env_name: str | None, default: Any) -> Any:
        if name in flag_values:
            return flag_values[name]
        if env_name and env.get(env_name, "").strip():
            return env[env_name].strip()
        if file_values.get(name) is not None:
            return file_values[name]
        return default

    default_api = SANDBOX if token is None else BRIA_PRODUCTION_URL
    api = str(pick("api", "BRIA_API_URL", default_api)).rstrip("/")
    if api != SANDBOX and not api.startswith(("http://", "https://")):
        raise ConfigError(
            f"api must be 'sandbox' or an http(s) URL, not {api!r}",
            hint="set api: sandbox, or api: https://engine.prod.bria-api.com/v1",
        )
    if api != SANDBOX:
        check_api_host(api, env)
    if api != SANDBOX and token is None:
        raise ConfigError(
            f"the workspace names the API {api} but BRIA_API_TOKEN is not set",
            hint="export BRIA_API_TOKEN=..., or use api: sandbox to try tailor without an account",
        )
    parallelism = int(pick("parallelism", None, DEFAULT_PARALLELISM))
    if parallelism < 1:
        raise ConfigError(f"parallelism must be at least 1, not {parallelism}")
    # A sandbox (embedded or on loopback) has no rate limit unless one is set: the
    # quickstart stays instant. The real API gets the free plan's pace.
    unpaced = api == SANDBOX or is_loopback_url(api)
    rpm_env, wait_env = "TAILOR_REQUESTS_PER_MINUTE", "TAILOR_RATE_LIMIT_WAIT"
    rpm = pick("requests_per_minute", rpm_env, None if unpaced else FREE_PLAN_REQUESTS_PER_MINUTE)
    wait = pick("rate_limit_wait", wait_env, DEFAULT_RATE_LIMIT_WAIT)
    return Settings(
        api=api,
        token=token,
        state=str(pick("state", "TAILOR_STATE", DEFAULT_STATE)),
        parallelism=parallelism,
        staging=pick("staging", None, None),
        requests_per_minute=(
            None if rpm is None
            else _positive(source("requests_per_minute", rpm_env) or "requests_per_minute", rpm)
        ),
        rate_limit_wait=_positive(
            source("rate_limit_wait", wait_env) or "rate_limit_wait", wait, zero=True
        ),
        workspace=workspace,
    )
