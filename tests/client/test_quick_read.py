"""The records' quick reader against pydantic's models (the reference): for well-formed
answers and near misses alike, tailor reads exactly what the pydantic model reads, or fails
with the same message; requests hold the same values and send the same bodies."""

from __future__ import annotations

import json
import math
import types
from datetime import datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from reconciler.addresses import Kind
from reconciler.client import models, pydantic_models
from reconciler.client.answers import _many_by_pydantic, many, one
from reconciler.client.errors import ApiError
from reconciler.client.json_records import _REQUIRED, JsonRecord
from reconciler.client.wire import Answer

RESPONSES = sorted(
    (c for c in vars(models).values() if isinstance(c, type) and issubclass(c, models._Response)
     and c is not models._Response),
    key=lambda c: c.__name__,
)
REQUESTS = sorted(
    (c for c in vars(models).values() if isinstance(c, type) and issubclass(c, models._Request)
     and c is not models._Request),
    key=lambda c: c.__name__,
)
ABSENT = object()
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8), st.sampled_from(["1", "2.5", "-3", "true", "null", "", " 7 "]),
)
json_value = st.recursive(
    json_leaf, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(
        st.text(max_size=4), inner, max_size=2), max_leaves=4)


def _two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map("{:02d}".format)


timestamps = st.one_of(
    st.builds(
        lambda date, sep, time, fraction, zone: f"{date}{sep}{time}{fraction}{zone}",
        st.builds("{}-{}-{}".format, st.integers(0, 10_000).map("{:04d}".format),
                  _two(0, 13), _two(0, 32)),
        st.sampled_from(["T", "T", "T", "t", " "]),
        st.builds("{}:{}:{}".format, _two(0, 25), _two(0, 60), _two(0, 61)),
        st.one_of(st.just(""), st.text("0123456789", min_size=0, max_size=9).map(".".__add__)),
        st.one_of(st.sampled_from(["", "Z", "z", "+00:00", "-00:00", "+05:30", "+0530"]),
                  st.builds("{}{}:{}".format, st.sampled_from("+-"), _two(0, 25),
                            _two(0, 61))),
    ),
    st.sampled_from(["2024-05-26", "1700000000", "not a date", "2024-05-26T12:00"]),
)
"""Near the forms Bria sends: random parts, some out of range, rarer separators and zones."""


bria_stamps = st.builds(
    lambda moment, zone: moment.isoformat() + zone,
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["", "Z", "+00:00", "+02:00"]),
)
"""The forms Bria sends: `2024-05-26T12:00:00Z`, `2025-08-20T06:06:05.849402`."""


def well_formed(annotation: Any, stamps: st.SearchStrategy[str] = bria_stamps
                ) -> st.SearchStrategy[Any]:
    """Values of the annotation's plain JSON type (what Bria normally sends)."""
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is models.Timestamp:
        return st.one_of(stamps, st.none())
    if origin is Annotated:
        return well_formed(args[0], stamps)
    if origin in (Union, types.UnionType):
        return st.one_of(*(well_formed(a, stamps) for a in args))
    if annotation is type(None):
        return st.none()
    if origin is Literal:
        return st.sampled_from(args)
    if origin is list:
        return st.lists(well_formed(args[0], stamps), max_size=2)
    if origin is dict:
        return st.dictionaries(st.text(max_size=5), json_value, max_size=3)
    if isinstance(annotation, type) and issubclass(annotation, JsonRecord):
        return answers(annotation, odd=False, stamps=stamps)
    return {
        str: st.text(max_size=12), int: st.integers(-(2**40), 2**40), bool: st.booleans(),
        float: st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                         st.integers(-1000, 1000)),
        Any: json_value,
    }[annotation]


def answers(record: type[JsonRecord], *, odd: bool, stamps: st.SearchStrategy[str] = bria_stamps
            ) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object for `record`: its fields well formed, or (odd) each possibly absent,
    null or of another JSON type; with unknown fields beside them."""
    hints = get_type_hints(record, include_extras=True)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name in record.field_names:
        value = well_formed(hints[name], timestamps if odd else stamps)
        if odd:
            value = st.one_of(value, st.just(ABSENT), st.none(), json_value)
        fields[name] = value
    extras = st.dictionaries(st.text(max_size=6).filter(lambda k: k not in fields), json_value,
                             max_size=2)
    return st.builds(
        lambda chosen, extra: {**extra, **{k: v for k, v in chosen.items() if v is not ABSENT}},
        st.fixed_dictionaries(fields), extras)


def dump(value: Any) -> Any:
    """A record as pydantic's model_dump shows a model: nested records as dicts."""
    if isinstance(value, JsonRecord):
        return {name: dump(getattr(value, name)) for name in value.field_names}
    if isinstance(value, list):
        return [dump(v) for v in value]
    return value


def same(a: Any, b: Any) -> bool:
    """Equal and of the same type, with NaN equal to itself (a float field may hold one from
    a Python caller), and timestamps at the same instant in the same zone."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return type(a) is type(b) and a == b


def answer(content: bytes) -> Answer:
    return Answer(200, {}, content, "GET", "/tailored-gen/x")


def encoded(data: Any, ascii_only: bool) -> bytes:
    return json.dumps(data, ensure_ascii=ascii_only).encode()


def outcome_of_records(parse: Any, content: bytes) -> Any:
    try:
        return ("read", dump(parse(answer(content))))
    except ApiError as error:
        return ("error", str(error))


def outcome_of_model(model: type[BaseModel], content: bytes) -> Any:
    from reconciler.client.answers import problem, unreadable_answer

    try:
        return ("read", model.model_validate_json(content).model_dump())
    except ValidationError as error:
        return ("error", str(unreadable_answer(answer(content), problem(error))))


@pytest.mark.parametrize("record", RESPONSES, ids=lambda c: c.__name__)
@SETTINGS
@given(data=st.data())
def test_a_well_formed_answer_is_read_quickly_as_pydantic_reads_it(
    record: type[JsonRecord], data: st.DataObject
) -> None:
    body = data.draw(answers(record, odd=False))
    content = encoded(body, data.draw(st.booleans()))
    expected = outcome_of_model(pydantic_models.schema_of(record), content)
    assert same(outcome_of_records(one(record), content), expected)
    assert same(dump(record.quick(json.loads(content))), expected[1])  # no pydantic needed


@pytest.mark.parametrize("record", RESPONSES, ids=lambda c: c.__name__)
@SETTINGS
@given(data=st.data())
def test_any_answer_reads_or_fails_as_pydantic_reads_it(
    record: type[JsonRecord], data: st.DataObject
) -> None:
    body = data.draw(st.one_of(answers(record, odd=True), json_value))
    content = encoded(body, data.draw(st.booleans()))
    expected = outcome_of_model(pydantic_models.schema_of(record), content)
    assert same(outcome_of_records(one(record), content), expected)


@pytest.mark.parametrize("content", [
    b"", b"nul", b"{", b'{"id": NaN}', b'{"id": Infinity}', b'{"id": 1e400}', b"[]", b"7",
    b'{"id": 1, "project_name": "\\ud800"}', b'{"id": 1, "project_name": "\\ud83d\\ude00"}',
    '{"id": 1, "project_name": "caf\u00e9"}'.encode("utf-16"), b"\xef\xbb\xbf{}",
    b'{"id": 1, "id": "x"}', b'{"id": 10000000000000000000000}', b" " + b"[" * 5000,
    b'{"id": 1, "project_name": "p\\u0000", "ip_medium": "m", "ip_type": "t"}',
], ids=repr)
def test_bodies_json_parsers_differ_on_read_as_pydantic_reads_them(content: bytes) -> None:
    for record in (models.Project, models.BulkUploadStatus, models.Image):
        expected = outcome_of_model(pydantic_models.schema_of(record), content)
        assert same(outcome_of_records(one(record), content), expected)


def listing(parse: Any, content: bytes) -> Any:
    try:
        found = parse(answer(content))
    except ApiError as error:
        return ("error", str(error))
    return ("read", dump(list(found)), found.skipped)


@pytest.mark.parametrize("record", [models.Project, models.Dataset, models.Image, models.Model],
                         ids=lambda c: c.__name__)
@SETTINGS
@given(data=st.data())
def test_a_list_reads_as_pydantic_reads_it_item_by_item(
    record: type[JsonRecord], data: st.DataObject
) -> None:
    items = data.draw(st.lists(st.one_of(answers(record, odd=False), answers(record, odd=True)),
                               max_size=4) | json_value)
    content = encoded(items, data.draw(st.booleans()))
    by_pydantic = listing(lambda a: _many_by_pydantic(record, Kind.IMAGE, a), content)
    assert same(listing(many(record, Kind.IMAGE), content), by_pydantic)


def requests(record: type[JsonRecord]) -> st.SearchStrategy[dict[str, Any]]:
    hints = get_type_hints(record, include_extras=True)
    fields = {
        name: st.one_of(well_formed(hints[name]), st.just(ABSENT), st.none(), json_value,
                        st.tuples(st.text(max_size=3)), st.floats())
        for name in record.field_names
    }
    extras = st.dictionaries(st.sampled_from(["ip_nam", "extra", "name_"]), json_value,
                             max_size=1)
    return st.builds(
        lambda chosen, extra: {**extra, **{k: v for k, v in chosen.items() if v is not ABSENT}},
        st.fixed_dictionaries(fields), extras)


def built(make: Any, values: dict[str, Any]) -> Any:
    try:
        made = make(**values)
    except ValidationError as error:
        return ("error", error.errors(include_url=False))
    return ("built", dump(made) if isinstance(made, JsonRecord) else made.model_dump(), made.body())


@pytest.mark.parametrize("record", REQUESTS, ids=lambda c: c.__name__)
@SETTINGS
@given(data=st.data())
def test_a_request_holds_and_sends_what_the_pydantic_model_does(
    record: type[JsonRecord], data: st.DataObject
) -> None:
    values = data.draw(requests(record))
    expected = built(pydantic_models.schema_of(record), values)
    assert same(built(record, values), expected)


@pytest.mark.parametrize("record", [*RESPONSES, *REQUESTS], ids=lambda c: c.__name__)
def test_each_record_has_its_models_fields_and_defaults(record: type[JsonRecord]) -> None:
    model = pydantic_models.schema_of(record)
    assert record.field_names == tuple(model.model_fields)
    made_defaults = {name: default for name, _, default in record._fields}
    for name, info in model.model_fields.items():
        if info.is_required():
            assert made_defaults[name] is _REQUIRED
        else:
            assert same(made_defaults[name], info.get_default(call_default_factory=True))


def test_a_nested_request_record_reads_as_its_fields_do() -> None:
    """A caller may give Upload Model's project as a record: the body and, when another field
    does not fit, pydantic's error are those of the same project given as a dict."""
    project = models.ProjectParameters(project_name="q", ip_medium="illustration")
    as_dict = {"project_name": "q", "ip_medium": "illustration"}
    values = {"model_url": "u", "model_name": "m", "training_version": "bria-3.2"}
    made = models.UploadModelRequest(**values, project_parameters=project)
    reference = pydantic_models.UploadModelRequest(**values, project_parameters=as_dict)
    assert made.body() == reference.body() and dump(made) == reference.model_dump()
    odd = {**values, "training_version": "bria-9"}
    with pytest.raises(ValidationError) as ours:
        models.UploadModelRequest(**odd, project_parameters=project)
    with pytest.raises(ValidationError) as theirs:
        pydantic_models.UploadModelRequest(**odd, project_parameters=as_dict)
    assert ours.value.errors(include_url=False) == theirs.value.errors(include_url=False)
