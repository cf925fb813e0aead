"""The API token kept out of logs: the header that carries it, and a filter for log records.

`RetryingSender` sends the token in one header and logs requests at debug level; what it logs
goes through `redact_headers`, and `RedactSecrets` rewrites any record that still quotes it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

TOKEN_HEADER = "api_token"
REDACTED = "***"


class RedactSecrets(logging.Filter):
    """Last line of defence: a record whose text contains a secret is rewritten without it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            text = str(record.msg)
        if any(secret in text for secret in self._secrets):
            for secret in self._secrets:
                text = text.replace(secret, REDACTED)
            record.msg = text
            record.args = None
        return True


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to log: the token header (and any auth header) replaced."""
    hidden = {TOKEN_HEADER, "authorization", "proxy-authorization", "x-api-key", "cookie"}
    return {k: (REDACTED if k.lower() in hidden else v) for k, v in headers.items()}
