"""The token's holder shows asterisks wherever it is printed, as pydantic's SecretStr did."""

from __future__ import annotations

import logging

import pytest

from reconciler.secret import HIDDEN, Secret

TOKEN = "tok-3f9a-never-shown"


def test_printing_a_secret_never_shows_it(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(TOKEN)
    shown = [str(secret), repr(secret), f"{secret}", f"{secret!r}", f"{secret:>30}",
             str([secret]), str({"token": secret})]
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").debug("token %s", secret)
    shown.append(caplog.text)
    assert all(TOKEN not in text for text in shown)
    assert all(HIDDEN in text for text in shown)


def test_the_value_is_given_only_when_asked() -> None:
    secret = Secret(TOKEN)
    assert secret.get_secret_value() == TOKEN
    assert len(secret) == len(TOKEN) and bool(secret) and not Secret("")
    assert secret == Secret(TOKEN) != Secret("other")
    assert hash(secret) == hash(Secret(TOKEN))


def test_an_exception_holding_a_secret_does_not_show_it() -> None:
    error = ValueError(f"bad token {Secret(TOKEN)}", Secret(TOKEN))
    assert TOKEN not in str(error) and TOKEN not in repr(error)
