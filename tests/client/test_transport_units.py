"""Pure parts of the transport: backoff, Retry-After, the pacer, log redaction."""

from __future__ import annotations

import logging
import random
import ssl
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from reconciler.client.connections import tls_for as _tls_for
from reconciler.client.redaction import RedactSecrets, redact_headers
from reconciler.client.retry import RetryPolicy, parse_retry_after
from reconciler.client.transport import Timeouts


def test_full_jitter_stays_within_the_exponential_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=10.0)
    rng = random.Random(1)
    for retry in range(12):
        ceiling = min(10.0, 0.5 * 2**retry)
        draws = [policy.backoff(retry, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in draws)
        assert max(draws) > ceiling * 0.8  # really spread, not a constant
        assert min(draws) < ceiling * 0.2


def test_retry_after_is_a_floor_on_the_wait() -> None:
    policy = RetryPolicy(base_delay=0.01, max_delay=0.02)
    rng = random.Random(2)
    assert policy.delay(0, 3.0, rng) == 3.0
    assert policy.delay(0, None, rng) <= 0.02


def test_policy_defaults_and_validation() -> None:
    policy = RetryPolicy()
    assert policy.max_attempts == 8 and policy.total_seconds == 60.0
    assert policy.rate_limit_seconds == 600.0  # ten minutes of Bria's 429s before giving up
    assert policy.retry_statuses == {429, 502, 503, 504}
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("0", 0.0), (" 1.5 ", 1.5), ("-4", 0.0), (None, None), ("soon", None),
     ("nan", None)],
)
def test_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=20), usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(20.0)


def test_timeouts_per_kind() -> None:
    timeouts = Timeouts(connect=1, default=2, upload=3, generation=4)
    assert timeouts.seconds("default") == 2
    assert timeouts.seconds("upload") == 3
    assert timeouts.seconds("generation") == 4
    assert timeouts.connect == 1


def test_headers_and_records_are_redacted() -> None:
    headers = redact_headers({"api_token": "tok-1", "Content-Type": "application/json"})
    assert headers == {"api_token": "***", "Content-Type": "application/json"}
    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "a %s b tok-1", ("tok-1 c",), None)
    RedactSecrets(["tok-1"]).filter(record)
    assert "tok-1" not in record.getMessage()


def test_a_plain_http_api_gets_a_tls_context_that_trusts_nothing() -> None:
    """No CA bundle is loaded for the sandbox on loopback, yet TLS could never pass unchecked."""
    context = _tls_for("http://127.0.0.1:8787/v1")
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0
    assert _tls_for("https://engine.prod.bria-api.com/v1") is True
