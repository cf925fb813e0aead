"""Bria's inconsistent error bodies become one family of our own exceptions."""

from __future__ import annotations

import json
import pickle

import pytest

from reconciler.client.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    ServerError,
    Unauthorized,
    Unprocessable,
    error_class_for,
    error_from_response,
    extract_message,
)
from reconciler.errors import TailorError


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"message": "Cannot delete model while it is in training"}',
         "Cannot delete model while it is in training"),
        (b'{"error": "Only one of caption or regenerate_caption"}',
         "Only one of caption or regenerate_caption"),
        (b'{"detail": "Not Found"}', "Not Found"),
        (b'"Access denied: Your subscription does not include access"',
         "Access denied: Your subscription does not include access"),
        (b"<html>Bad gateway</html>", "<html>Bad gateway</html>"),
        (b'{"message": "m", "error": "e", "detail": "d"}', "m"),
        (b'{"error": "e", "detail": "d"}', "e"),
        (b'{"detail": [{"loc": ["body"], "msg": "bad"}]}',
         '[{"loc": ["body"], "msg": "bad"}]'),
        (b"", "HTTP 502 with an empty body"),
    ],
)
def test_message_is_taken_by_the_documented_rule(body: bytes, expected: str) -> None:
    assert extract_message(body, status=502) == expected


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, BadRequest), (401, Unauthorized), (403, Forbidden), (404, NotFound),
     (409, Conflict), (412, PreconditionFailed), (422, Unprocessable), (500, ServerError),
     (503, ServerError), (418, ApiError)],
)
def test_status_selects_the_class(status: int, cls: type[ApiError]) -> None:
    assert error_class_for(status) is cls


def test_error_carries_status_message_method_path_and_field_errors() -> None:
    body = json.dumps({
        "message": "Validation error",
        "constraint_id": "TRAIN-RANGE",
        "errors": [{"msg": "Input should be less than or equal to 5000",
                    "field_name": "total_training_steps", "field_input": "1000000"}],
    }).encode()
    error = error_from_response(400, body, method="POST",
                                path="/tailored-gen/models/7/start_training")
    assert isinstance(error, BadRequest)
    assert isinstance(error, TailorError)
    assert error.status == 400
    assert error.bria_message == "Validation error"
    assert not hasattr(error, "constraint_id")  # sandbox-only; nothing may depend on it
    assert error.field_errors[0].field == "total_training_steps"
    text = str(error)
    assert "POST /tailored-gen/models/7/start_training" in text
    assert "400" in text and "Validation error" in text
    assert "less than or equal to 5000 (total_training_steps)" in text


def test_plain_string_403_gets_a_hint_and_survives_pickling() -> None:
    error = error_from_response(403, b'"Access denied"', method="GET", path="/tailored-gen/models")
    assert isinstance(error, Forbidden)
    assert error.hint is not None
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is Forbidden
    assert str(again) == str(error)
