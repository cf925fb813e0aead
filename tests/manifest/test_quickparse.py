"""quickparse (no pydantic) against the pydantic models it stands in for.

On any input, quickparse either says unsure (None) or gives what pydantic gives, value for
value and type for type (an int taken for a float is a float, a stripped text is stripped);
and whatever pydantic accepts, quickparse accepts too, so a valid manifest never pays for
pydantic. Inputs are generated valid manifests and near misses of them: one field of one
part given a value just wrong for it (blank or oddly spaced text, a bad key, a number past
its bound, another type), or a key dropped or added anywhere.
"""

from __future__ import annotations

import copy
import itertools
import math
import sys
from typing import Any, NamedTuple, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from reconciler.addresses import KEY_PATTERN
from reconciler.manifest import parts, schema
from reconciler.manifest.quickparse import WHITESPACE, quick_manifest, quick_settings
from reconciler.resources import (
    DatasetTrainingVersion,
    IpMedium,
    IpType,
    LrScheduler,
    TrainingMode,
    TrainingVersion,
    UploadType,
)

Strategy = st.SearchStrategy[Any]

ODD_TEXT = ["", " ", "\t\n", "\u3000", "\x1c", "\ud800", "a\udfff", "Ab\udfff ", "x\n", "\x00"]
"""Blank text (by pydantic's measure, or only by Python's: U+001C), lone surrogates (refused
in checked text, kept in plain text), control characters."""
WEIRD: Strategy = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 300),
    st.floats(),
    st.sampled_from([0, 1, 2.0, -0.0, 256, 257, 1e-3, math.inf, math.nan, 10**400, "max"]),
    st.text(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
"""Values of a wrong type (or the right type, by chance) for any field."""
ANOTHER_TYPE = st.deferred(lambda: WEIRD)
"""WEIRD as one choice: `near | WEIRD` would pick the near misses one time in nine."""

TEXT: Strategy = st.sampled_from(
    ["a", "Foxy", " Foxy ", "\x1c", "\x1ca\x1f", "\u3000b\u2028", "\x85x\xa0", "\u200bz", "é",
     "名前", "x\n", "a\x00"]
) | st.text(max_size=6).filter(lambda t: t.strip(WHITESPACE) != "" and t.isprintable())
"""Text pydantic takes as NonEmptyText: some of it spaced, some only by Python's measure."""
PLAIN_TEXT: Strategy = st.sampled_from(["", " ", "\ud800", "a\udfff"]) | st.text(max_size=6)
BAD_KEYS = ["", "-a", "a b", "a\n", "é", "a" * 129, ".x", "_x", 7, True, None]
KEY: Strategy = st.from_regex(rf"\A{KEY_PATTERN}\Z", fullmatch=True)
API = ["sandbox", "http://x", "https://engine.prod.bria-api.com/v1", "http://a://b", "https://\x1c"]
BAD_API = ["http://", "ftp://x", "https://a b", "https://\u3000", "sandbox\n", "Sandbox", "http:/x"]


class Field(NamedTuple):
    good: Strategy
    """Valid values."""
    near: list[object]
    """Values just wrong for this field (WEIRD adds other types)."""


def _optional(field: Field) -> Field:
    return Field(st.none() | field.good, field.near)


def _text(*, optional: bool = True) -> Field:
    field = Field(TEXT, ODD_TEXT[:7])
    return _optional(field) if optional else field


def _choice(choices: tuple[str, ...], *, optional: bool = False) -> Field:
    field = Field(st.sampled_from(choices), [choices[0].upper(), f" {choices[0]}", ""])
    return _optional(field) if optional else field


def _int(low: int, high: int | None) -> Field:
    top = high if high is not None else 2**70
    good = st.integers(low, top) | st.sampled_from([low, top])
    return _optional(Field(good, [low - 1, top + 1, float(low), True, str(low)]))


def _float(low: float, high: float | None, *, above: bool = False) -> Field:
    good = st.floats(low, high, exclude_min=above, allow_nan=False)
    first, last = math.floor(low) + 1 if above else math.ceil(low), math.floor(high or 2**70)
    if first <= last:
        good |= st.integers(first, last)
    if high is None:
        good |= st.sampled_from([math.inf, 2**64, 10**300])
    below = [low - 1e-9, -low] if low else [-1e-300, -1, -math.inf]
    past = [high * 1.0001, high + 1, math.inf] if high is not None else [10**400]
    near = [*below, *past, math.nan, True, "0.001", *([low] if above else [])]
    return _optional(Field(good, near))


FLAG = Field(st.booleans(), [0, 1, "true", None])


class Part(NamedTuple):
    """A part's fields: its valid values, and its near misses with one field wrong."""

    required: dict[str, Field]
    optional: dict[str, Field]

    @property
    def valid(self) -> Strategy:
        return st.fixed_dictionaries(
            {k: f.good for k, f in self.required.items()},
            optional={k: f.good for k, f in self.optional.items()},
        )

    @property
    def field(self) -> Field:
        return Field(self.valid, ["a", [], None])

    @property
    def one_wrong(self) -> Strategy:
        fields = {**self.required, **self.optional}

        def wrong(data: dict[str, Any], name: str) -> Strategy:
            value = st.sampled_from(fields[name].near) | ANOTHER_TYPE
            return value.map(lambda v: {**data, name: v})

        return st.tuples(self.valid, st.sampled_from(sorted(fields))).flatmap(
            lambda t: wrong(*t)
        )


LIFECYCLE = Part({}, {"prevent_destroy": FLAG})
IMAGE_ENTRY = Part({"path": _text(optional=False)}, {"caption": _text()})
DATASET = Part(
    {},
    {
        "display_name": _text(),
        "training_version": _choice(get_args(DatasetTrainingVersion)),
        "upload": _choice(get_args(UploadType)),
        "caption_prefix": _text(),
        "visual_schema": Field(
            st.none()
            | TEXT
            | st.dictionaries(PLAIN_TEXT, WEIRD | st.lists(WEIRD, max_size=2), max_size=3),
            [*ODD_TEXT[:7], {1: "a"}, ["a"], 1],
        ),
        "refine": _optional(Field(st.lists(TEXT, max_size=3), [[""], ("a",), "a", [1]])),
        "images": Field(
            st.lists(TEXT | IMAGE_ENTRY.valid, max_size=4), [("a",), "a", [""], [1], [None]]
        ),
        "increase_resolution": FLAG,
        "completed": FLAG,
        "lifecycle": LIFECYCLE.field,
    },
)
PARAMETERS = Part(
    {},
    {
        "rank": _int(4, 256),
        "learning_rate": _float(1e-6, 1e-3),
        "lr_scheduler": _choice(get_args(LrScheduler), optional=True),
        "total_training_steps": _int(1, 5000),
        "checkpoint_interval": _int(100, None),
        "lr_warmup_steps": _int(0, 1000),
    },
)
MODEL_LIFECYCLE = Part({}, {"prevent_destroy": FLAG, "retain_on_replace": FLAG})
MODEL = Part(
    {"dataset": Field(KEY, BAD_KEYS)},
    {
        "display_name": _text(),
        "training_version": _choice(get_args(TrainingVersion), optional=True),
        "training_mode": _choice(get_args(TrainingMode)),
        "description": Field(PLAIN_TEXT, [None, 1]),
        "parameters": _optional(PARAMETERS.field),
        "train": FLAG,
        "lifecycle": MODEL_LIFECYCLE.field,
    },
)
IP = Part(
    {"type": _choice(get_args(IpType)), "medium": _choice(get_args(IpMedium))},
    {"name": _text(), "description": _text()},
)
MANIFEST = Part(
    {"project": Field(KEY, BAD_KEYS), "ip": IP.field},
    {
        "display_name": _text(),
        "description": Field(PLAIN_TEXT, [None, 1]),
        "datasets": Field(st.dictionaries(KEY, DATASET.valid, max_size=3), [[], "d", {"d": 1}]),
        "models": Field(st.dictionaries(KEY, MODEL.valid, max_size=3), [[], "m", {"m": None}]),
        "lifecycle": LIFECYCLE.field,
    },
)
TAILOR = Part(
    {},
    {
        "api": _optional(Field(st.sampled_from(API), BAD_API)),
        "state": _text(),
        "parallelism": _int(1, 256),
        "staging": _text(),
        "requests_per_minute": _float(0, None, above=True),
        "rate_limit_wait": _float(0, None),
    },
)

BASE: dict[str, Any] = {
    "project": "p",
    "ip": {"type": "icons", "medium": "illustration"},
    "datasets": {"d": {"images": ["a.png"]}},
    "models": {"m": {"dataset": "d"}},
}
"""A small valid manifest."""
PLACES: dict[str, tuple[Part, tuple[str | int, ...], dict[str, Any]]] = {
    "manifest": (MANIFEST, (), BASE),
    "ip": (IP, ("ip",), BASE["ip"]),
    "dataset": (DATASET, ("datasets", "d"), {}),
    "image": (IMAGE_ENTRY, ("datasets", "d", "images", 0), {"path": "b.png"}),
    "dataset-lifecycle": (LIFECYCLE, ("datasets", "d", "lifecycle"), {}),
    "model": (MODEL, ("models", "m"), {"dataset": "d"}),
    "parameters": (PARAMETERS, ("models", "m", "parameters"), {}),
    "model-lifecycle": (MODEL_LIFECYCLE, ("models", "m", "lifecycle"), {}),
}
"""Where in a manifest each part is put, and a small valid one: one wrong field of one part
in an otherwise valid manifest, where noise everywhere would hide it."""


def _placed(manifest: dict[str, Any], part: object, place: tuple[str | int, ...]) -> object:
    """`manifest` with `part` at `place` (first in a list), making the parts on the way: a
    model made so is one of dataset d."""
    if not place:
        return part
    node: Any = manifest
    for step, after in itertools.pairwise(place):
        made = [] if isinstance(after, int) else {"dataset": "d"} if step == "m" else {}
        node = node.setdefault(step, made)
    if isinstance(node, list):
        node.insert(0, part)
    else:
        node[place[-1]] = part
    return manifest


def _one_wrong_at(name: str) -> Strategy:
    part, place, _ = PLACES[name]
    return st.builds(_placed, MANIFEST.valid, part.one_wrong, st.just(place))


NEAR_KEYS = ["extra", "Display_name", 1, *BAD_KEYS[:6], "x" * 128]
"""Keys to add: unknown field names, and keys that are not valid (or only just valid)."""


@st.composite
def _near_miss(draw: st.DrawFn, valid: Strategy) -> object:
    """A valid document with one thing changed at a random place: a value made weird, a key
    dropped, or a key added (to a part, or to datasets: or models:)."""
    data = draw(valid)
    places: list[dict[Any, Any] | list[Any]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict | list):
            places.append(node)
            for child in node.values() if isinstance(node, dict) else node:
                walk(child)

    walk(data)
    place = draw(st.sampled_from(places))
    slots = list(place) if isinstance(place, dict) else list(range(len(place)))
    action = draw(st.sampled_from(["set", "drop", "add"] if slots else ["add"]))
    value = draw(WEIRD | st.just({}))
    if action == "add":
        if isinstance(place, dict):
            place[draw(st.sampled_from(NEAR_KEYS))] = value
        else:
            place.append(value)
    else:
        slot = draw(st.sampled_from(slots))
        if action == "set":
            place[slot] = value
        else:
            del place[slot]
    return data


def _typed(value: object) -> object:
    """A value with the type of every part spelt out: 1 and 1.0, or a record and a tuple,
    compare unequal."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__, {f: _typed(getattr(value, f)) for f in value._fields})
    if isinstance(value, list):
        return ["list", *(_typed(v) for v in value)]
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, frozenset):
        return ("frozenset", sorted(value))
    return (type(value).__name__, value)


def _plain(value: object) -> object:
    """A record as pydantic's model_dump() gives its model."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {f: _plain(getattr(value, f)) for f in value._fields if f != "given"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _agree(quick: object, model: type[BaseModel], data: object) -> BaseModel | None:
    """pydantic's model of `data`, or None when it refuses it; asserts that quickparse's
    answer `quick` is None exactly then."""
    try:
        validated = model.model_validate(data)
    except ValidationError:
        assert quick is None, f"quickparse accepts what pydantic refuses: {data!r}"
        return None
    assert quick is not None, f"pydantic accepts what quickparse is unsure of: {data!r}"
    return validated


def _check_manifest(data: object) -> bool:
    quick = quick_manifest(data)
    model = _agree(quick, schema.Manifest, data)
    if model is not None:
        assert _typed(quick) == _typed(schema.as_part(model))
        assert _plain(quick) == model.model_dump()
    return model is not None


def _check_settings(data: object) -> bool:
    quick = quick_settings(data)
    model = _agree(quick, schema.TailorFile, data)
    if model is not None:
        assert _typed(quick) == _typed(model.model_dump(exclude_none=True))
    return model is not None


EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


@EXAMPLES
@given(MANIFEST.valid)
def test_valid_manifests_are_taken_as_pydantic_takes_them(data: object) -> None:
    assert _check_manifest(data)


@EXAMPLES
@given(_near_miss(MANIFEST.valid))
def test_manifests_with_a_key_changed_are_unsure_or_as_pydantic_gives_them(
    data: object,
) -> None:
    _check_manifest(data)


@pytest.mark.parametrize("part", sorted(PLACES))
def test_manifests_with_one_wrong_field_are_unsure_or_as_pydantic_gives_them(part: str) -> None:
    @settings(EXAMPLES, max_examples=100)
    @given(_one_wrong_at(part))
    def check(data: object) -> None:
        _check_manifest(data)

    check()


OTHER_TYPES: list[object] = [None, True, 0, 1.5, "x", [], {}, ["x"], {"x": 1}]


@pytest.mark.parametrize("name", sorted(PLACES))
def test_every_near_miss_of_each_field_is_unsure_or_as_pydantic_gives_it(name: str) -> None:
    """Each field's near misses, one at a time, in a small valid manifest: what the random
    tests above reach only now and then (hypothesis favours the first of a list)."""
    part, place, small = PLACES[name]
    for field, spec in {**part.required, **part.optional}.items():
        for value in [*spec.near, *OTHER_TYPES]:
            _check_manifest(_placed(copy.deepcopy(BASE), {**small, field: value}, place))
        if field not in part.required:
            _check_manifest(_placed(copy.deepcopy(BASE), {**small, field: None} , place))


def test_every_near_miss_of_each_setting_is_unsure_or_as_pydantic_gives_it() -> None:
    for field, spec in TAILOR.optional.items():
        for value in [*spec.near, *OTHER_TYPES]:
            _check_settings({field: value})


@EXAMPLES
@given(TAILOR.valid | TAILOR.one_wrong | _near_miss(TAILOR.valid))
def test_tailor_files_are_unsure_or_as_pydantic_gives_them(data: object) -> None:
    _check_settings(data)


def test_near_misses_are_mostly_refused() -> None:
    """The near-miss tests above are worth something only if most of their input is
    invalid: count over a fixed sample."""
    refused = {"manifest": 0, "settings": 0}

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(_one_wrong_at("parameters"), TAILOR.one_wrong)
    def sample(manifest: object, tailor: object) -> None:
        refused["manifest"] += not _check_manifest(manifest)
        refused["settings"] += not _check_settings(tailor)

    sample()
    assert refused["manifest"] > 100 and refused["settings"] > 100, refused


PAIRS = [
    (schema.Lifecycle, parts.Lifecycle),
    (schema.ModelLifecycle, parts.ModelLifecycle),
    (schema.Ip, parts.Ip),
    (schema.ImageEntry, parts.ImageEntry),
    (schema.Dataset, parts.Dataset),
    (schema.ExpertParameters, parts.ExpertParameters),
    (schema.Model, parts.Model),
    (schema.Manifest, parts.Manifest),
]


@pytest.mark.parametrize(("model", "part"), PAIRS, ids=[m.__name__ for m, _ in PAIRS])
def test_each_record_has_its_models_fields_and_defaults(model: type[BaseModel], part: Any) -> None:
    assert set(part._fields) - {"given"} == set(model.model_fields)
    assert schema.PARTS[model] is part
    for name, default in part._field_defaults.items():
        expected = model.model_fields[name].get_default(call_default_factory=True)
        if isinstance(expected, BaseModel):
            expected = schema.as_part(expected)
        assert _typed(expected) == _typed(default), name


def test_whitespace_is_what_pydantic_strips() -> None:
    """Every code point pydantic strips from text is in WHITESPACE, and nothing else."""
    stripped = {
        chr(c)
        for c in range(sys.maxunicode + 1)
        if not 0xD800 <= c <= 0xDFFF
        and schema.Ip.model_validate(
            {"type": "icons", "medium": "illustration", "name": f"{chr(c)}a"}
        ).name
        == "a"
    }
    assert stripped == set(WHITESPACE)
