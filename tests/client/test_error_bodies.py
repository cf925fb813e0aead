"""Every error-body shape Bria's published document shows, and success bodies we cannot read.

The message extraction is one function (`bria_message`) so that every caller (error
classes, the 403 quota stop, the 429 waiting lines) quotes Bria's text the same way.
"""

from __future__ import annotations

import pytest

from reconciler.client.errors import (
    ApiError,
    BadRequest,
    Conflict,
    bria_message,
    error_from_response,
    unreadable,
)
from reconciler.errors import TailorError


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Every error-body shape Bria's published document shows, and no body at all.
        (
            b'{"message":"Cannot delete model while it is in training"}',
            "Cannot delete model while it is in training",
        ),
        (
            b'{"error": "Only one of caption or regenerate_caption"}',
            "Only one of caption or regenerate_caption",
        ),
        (
            b'{"errors":[{"msg":"Input should be less than or equal to 5000",'
            b'"field_name":"total_training_steps","field_input":"1000000"}]}',
            "Input should be less than or equal to 5000 (total_training_steps)",
        ),
        (
            b'{"errors":[{"msg":"a","field_name":"x","field_input":"1"},'
            b'{"msg":"b","field_name":"y","field_input":"2"}]}',
            "a (x); b (y)",
        ),
        (
            b'"Quota exceeded: Free users can make up to 1000 requests in total. '
            b'Please upgrade your plan to continue using the service."',
            "Quota exceeded: Free users can make up to 1000 requests in total. "
            "Please upgrade your plan to continue using the service.",
        ),
        (b'"Checkpoint not found"', "Checkpoint not found"),
        (b"", None),
        (b"   \n", None),
        (b"{}", None),
        (b"null", None),
        (b'""', None),
        (b"Service Unavailable", "Service Unavailable"),
        (b'{"message": "m", "constraint_id": "X-Y"}', "m"),
        (b'{"unexpected": 1}', '{"unexpected": 1}'),
    ],
)
def test_bria_message_reads_every_documented_shape(body: bytes, expected: str | None) -> None:
    assert bria_message(body) == expected


def test_field_errors_alone_are_not_listed_twice() -> None:
    body = (
        b'{"errors":[{"msg":"Input should be less than or equal to 5000",'
        b'"field_name":"total_training_steps","field_input":"1000000"}]}'
    )
    error = error_from_response(
        400, body, method="POST", path="/tailored-gen/models/7/start_training"
    )
    assert isinstance(error, BadRequest)
    assert str(error).count("less than or equal to 5000") == 1
    assert error.field_errors[0].value == "1000000"


def test_empty_error_body_says_so() -> None:
    error = error_from_response(409, b"", method="DELETE", path="/tailored-gen/datasets/4")
    assert isinstance(error, Conflict)
    assert (
        str(error)
        == "Bria answered 409 to DELETE /tailored-gen/datasets/4: HTTP 409 with an empty body"
    )


def test_unreadable_success_is_our_error_with_a_hint() -> None:
    error = unreadable(200, "the body is not JSON", method="GET", path="/tailored-gen/models/3")
    assert isinstance(error, ApiError) and isinstance(error, TailorError)
    assert "Bria answered 200 to GET /tailored-gen/models/3" in str(error)
    assert "not JSON" in str(error)
    assert error.hint
