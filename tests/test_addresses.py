"""Address's own __init__ (written out for speed) makes what the dataclass would: the fields,
the kind and text, equality and hash by the four fields, `replace`, and a frozen instance."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError, astuple, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.addresses import Address, Kind

_KEYS = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,8}", fullmatch=True)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(project=_KEYS, dataset=_KEYS, image=st.text(min_size=1, max_size=12), model=_KEYS)
def test_every_kind_of_address_round_trips(
    project: str, dataset: str, image: str, model: str
) -> None:
    made = [
        (Address(project), Kind.PROJECT, project),
        (Address.dataset_(project, dataset), Kind.DATASET, f"{project}/datasets/{dataset}"),
        (
            Address.image_(project, dataset, image),
            Kind.IMAGE,
            f"{project}/datasets/{dataset}/images/{image}",
        ),
        (Address.model_(project, model), Kind.MODEL, f"{project}/models/{model}"),
    ]
    for address, kind, text in made:
        assert (address.kind, address.text, str(address)) == (kind, text, text)
        again = Address(*astuple(address)[:4])
        assert again == address and hash(again) == hash(address)
        assert pickle.loads(pickle.dumps(address)) == address
    image_address = made[2][0]
    if "/" not in image and image == image.strip() and image.isprintable():
        assert Address.parse(image_address.text) == image_address
    other = replace(image_address, image=image + "x")
    assert other.text == f"{project}/datasets/{dataset}/images/{image}x"
    assert other != image_address and other.parent == made[1][0]


def test_an_address_is_frozen() -> None:
    address = Address("acme", dataset="v1")
    with pytest.raises(FrozenInstanceError):
        address.project = "other"  # type: ignore[misc]
    assert repr(address) == "Address(project='acme', dataset='v1', image=None, model=None)"


@pytest.mark.parametrize("text", ["acme\n/datasets/v1", "acme/datasets/v1\n/images/a.png",
                                  "acme/models/light\n\n"])
def test_a_key_ending_in_a_newline_is_not_a_key(text: str) -> None:
    """`$` in a pattern also matches before a final newline; keys are matched whole."""
    from reconciler.addresses import AddressError, is_valid_key

    assert not is_valid_key("v1\n")
    if text.endswith("\n\n"):  # outer whitespace is the shell's, stripped as before
        assert Address.parse(text) == Address.model_("acme", "light")
        return
    with pytest.raises(AddressError, match="is not a resource address"):
        Address.parse(text)
