"""Every environment variable tailor reads, and what it does: the one list `tailor --help`
shows. A test fails when code reads a BRIA_* or TAILOR_* variable that is not listed here, so
a new one is documented by adding its row."""

from __future__ import annotations

ENVIRONMENT: dict[str, str] = {
    "BRIA_API_TOKEN": "Bria API token; read from here only, never printed or stored "
    "(blank counts as unset).",
    "BRIA_API_URL": "The API: 'sandbox' or a base URL (overrides api: in tailor.yaml).",
    "TAILOR_STATE": "State file or postgresql:// DSN (overrides state: in tailor.yaml).",
    "TAILOR_ALLOW_API_HOST": "Host(s), comma-separated, that may receive the token besides "
    "https://*.bria-api.com and loopback (no tailor.yaml key: a pull request controls it).",
    "TAILOR_REQUESTS_PER_MINUTE": "Pace of requests to Bria (overrides requests_per_minute: "
    "in tailor.yaml; default 10, the free plan's limit; none on a sandbox).",
    "TAILOR_RATE_LIMIT_WAIT": "Seconds one request keeps retrying Bria's 429 answers before "
    "giving up (overrides rate_limit_wait: in tailor.yaml; default 600).",
    "AWS_*": "Credentials and region for s3:// staging, read by boto3.",
    "NO_COLOR": "Any non-empty value: no colour, even on a terminal.",
    "FORCE_COLOR": "Colour even when output is piped (CI logs that render ANSI).",
    "TERM": "dumb: no colour.",
}
"""Name -> one line for `tailor --help`, in the order shown."""
