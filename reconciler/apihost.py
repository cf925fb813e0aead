"""Where the API token may be sent: https to Bria's hosts, http to loopback, else an opt-in.

A pull request controls `tailor.yaml`, so `api:` is untrusted: without this check, CI that runs
`tailor plan` with BRIA_API_TOKEN set would send the token to any host the pull request named.
The only opt-in for another host is the environment (TAILOR_ALLOW_API_HOST), which the CI
workflow's author sets and a pull request cannot.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

from reconciler.errors import ConfigError

ALLOW_HOST_ENV = "TAILOR_ALLOW_API_HOST"
BRIA_DOMAIN = "bria-api.com"


def check_api_host(api: str, environ: Mapping[str, str]) -> None:
    """Refuse an API URL the token must not be sent to; the error names the host and the opt-in."""
    try:
        parts = urlsplit(api)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (a malformed port raises here, not at the first request)
    except ValueError:
        raise ConfigError(f"api {api!r} is not a valid URL") from None
    if not host:
        raise ConfigError(f"api {api!r} names no host")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"api {hide_password(api)!r} carries credentials in the URL",
            hint="the token is read from BRIA_API_TOKEN; remove user:password@ from api:",
        )
    if parts.query or parts.fragment:
        extra = "?" + parts.query if parts.query else "#" + parts.fragment
        raise ConfigError(
            f"api {hide_password(api)!r} ends in {extra!r}, which tailor would not send",
            hint="give the API's base URL alone, e.g. https://engine.prod.bria-api.com/v1",
        )
    if host in allowed_hosts(environ):
        return
    if parts.scheme == "https" and is_bria_host(host):
        return
    if parts.scheme == "http" and is_loopback_host(host):
        return
    if parts.scheme == "http" and is_bria_host(host):
        reason = "plain http would send the token in clear"
        hint = f"use https://{host}{parts.path}"
    elif parts.scheme == "http":
        reason = "plain http is only for loopback addresses (127.0.0.1, ::1, localhost)"
        hint = f"if you trust {host}, set {ALLOW_HOST_ENV}={host} in the environment"
    else:
        reason = f"the token is sent only to *.{BRIA_DOMAIN}"
        hint = f"if you trust {host}, set {ALLOW_HOST_ENV}={host} in the environment"
    raise ConfigError(
        f"refusing to send the API token to {host}: {reason}",
        hint=f"{hint} (never in tailor.yaml: a pull request could set that)",
    )


def allowed_hosts(environ: Mapping[str, str]) -> frozenset[str]:
    """The hosts named by TAILOR_ALLOW_API_HOST (comma-separated)."""
    text = environ.get(ALLOW_HOST_ENV, "")
    return frozenset(part.strip().lower() for part in text.split(",") if part.strip())


def is_bria_host(host: str) -> bool:
    return host.endswith("." + BRIA_DOMAIN)


def is_loopback_host(host: str) -> bool:
    """A loopback IP literal in its usual spelling, or `localhost`.

    Other spellings a resolver also maps to loopback (`127.1`, `2130706433`) are not
    accepted: what is allowed must be recognisable at a glance in a review.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def hide_password(url: str) -> str:
    """The URL as it may be shown: a password in scheme://user:password@host (an API URL, a
    PostgreSQL DSN) becomes ***."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    return f"{scheme}://{creds}@{host}"
