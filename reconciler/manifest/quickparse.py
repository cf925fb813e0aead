"""A valid manifest or tailor.yaml checked without pydantic; None when unsure.

Valid files are the common case, and pydantic costs ~0.1 s of CPU to import and build its
models: this accepts what the strict models of `schema.py` accept and gives the same values
(text stripped as pydantic strips it, an int taken for a float, the defaults, which keys were
set). On anything else (every invalid input, and the odd valid one YAML never gives, such as
a str subclass) it returns None, and the caller has pydantic check the file and word its
errors. tests/manifest/test_quickparse.py compares the two on generated manifests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, get_args

from reconciler.addresses import is_valid_key
from reconciler.manifest.parts import (
    Dataset,
    ExpertParameters,
    ImageEntry,
    Ip,
    Lifecycle,
    Manifest,
    Model,
    ModelLifecycle,
)
from reconciler.resources import (
    DatasetTrainingVersion,
    IpMedium,
    IpType,
    LrScheduler,
    TrainingMode,
    TrainingVersion,
    UploadType,
)

WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""Unicode's White_Space: what pydantic strips and its `\\S` skips. Python's own str.strip()
and `\\S` also count U+001C..U+001F as space; pydantic keeps them as text."""
_SPACES = frozenset(WHITESPACE)
_T = TypeVar("_T")
Check = Callable[[object], Any]
"""A value as the model would hold it, or _Unsure."""


class _Unsure(Exception):
    """The input is not one this module can vouch for: pydantic decides."""


def quick_manifest(data: object) -> Manifest | None:
    """The manifest's parts, exactly as pydantic's Manifest gives them, or None."""
    try:
        return _MANIFEST(data)
    except _Unsure:
        return None


def quick_settings(data: object) -> dict[str, object] | None:
    """tailor.yaml's settings, as `TailorFile.model_dump(exclude_none=True)`, or None."""
    try:
        return _SETTINGS(data)
    except _Unsure:
        return None


def _str(value: object) -> str:
    """Strict str: no bytes, number or subclass."""
    if type(value) is not str:
        raise _Unsure
    return value


def _text(value: object) -> str:
    """A str pydantic checks (strips, matches): it refuses one with a lone surrogate."""
    if type(value) is not str:
        raise _Unsure
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise _Unsure from None
    return value


def _non_empty(value: object) -> str:
    text = _text(value).strip(WHITESPACE)
    if not text:
        raise _Unsure
    return text


def _verbatim(value: object) -> str:
    text = _text(value)
    if not text.strip(WHITESPACE):
        raise _Unsure
    return text


def _key(value: object) -> str:
    if type(value) is not str or not is_valid_key(value):
        raise _Unsure
    return value


def _api(value: object) -> str:
    """`^(sandbox|https?://\\S+)$` with pydantic's (Unicode) `\\S`."""
    text = _text(value)
    scheme, _, rest = text.partition("://")
    if text != "sandbox" and (
        scheme not in ("http", "https") or not rest or not _SPACES.isdisjoint(rest)
    ):
        raise _Unsure
    return text


def _bool(value: object) -> bool:
    if type(value) is not bool:
        raise _Unsure
    return value


def _choice(choices: tuple[str, ...]) -> Check:
    def check(value: object) -> str:
        if type(value) is not str or value not in choices:
            raise _Unsure
        return value

    return check


def _int(low: int, high: int | None = None) -> Check:
    def check(value: object) -> int:
        if type(value) is not int or value < low or (high is not None and value > high):
            raise _Unsure
        return value

    return check


def _float(*, low: float, high: float | None = None, above: bool = False) -> Check:
    """Strict float, which takes an int as the float nearest it; NaN left to pydantic."""

    def check(value: object) -> float:
        if type(value) is float:
            number = value
        elif type(value) is int:
            try:
                number = float(value)
            except OverflowError:
                raise _Unsure from None
        else:
            raise _Unsure
        if not (number > low if above else number >= low) or (high is not None and number > high):
            raise _Unsure  # NaN lands here too: every comparison with it is false
        return number

    return check


def _or_none(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def _list_of(check: Check) -> Check:
    def checked(value: object) -> list[Any]:
        if type(value) is not list:
            raise _Unsure
        return [check(item) for item in value]

    return checked


def _keyed(check: Check) -> Check:
    """A mapping of keys (datasets:, models:) to parts, in the file's order."""

    def checked(value: object) -> dict[str, Any]:
        if type(value) is not dict:
            raise _Unsure
        return {_key(key): check(item) for key, item in value.items()}

    return checked


def _visual_schema(value: object) -> str | dict[str, Any] | None:
    """`NonEmptyText | dict[str, Any] | None`: a mapping's values are anything (a copy, as
    pydantic makes), its keys strict str."""
    if type(value) is dict:
        for key in value:
            _str(key)
        return dict(value)
    return None if value is None else _non_empty(value)


class _Shape(Generic[_T]):
    """How one part is checked: a check per key it may have, the keys it must have, and
    fresh defaults (a list or mapping made for each part, as pydantic's default_factory)."""

    def __init__(
        self,
        make: Callable[..., _T],
        checks: dict[str, Check],
        required: tuple[str, ...] = (),
        fresh: dict[str, Callable[[], object]] | None = None,
        *,
        given: bool = False,
    ) -> None:
        self.make = make
        self.checks = checks
        self.keys = frozenset(checks)
        self.required = required
        self.fresh = fresh or {}
        self.given = given

    def __call__(self, value: object) -> _T:
        if type(value) is not dict or not self.keys.issuperset(value):
            raise _Unsure  # not a mapping, or an unknown key (or one that is not a str)
        checks = self.checks
        fields = {name: checks[name](item) for name, item in value.items()}
        for name in self.required:
            if name not in fields:
                raise _Unsure
        for name, make in self.fresh.items():
            if name not in fields:
                fields[name] = make()
        if self.given:
            fields["given"] = frozenset(value)
        return self.make(**fields)


def _settings_values(**values: object) -> dict[str, object]:
    """The settings set, in the order TailorFile declares them."""
    return {name: values[name] for name in _SETTINGS.checks if values.get(name) is not None}


_TEXT = _or_none(_non_empty)
_LIFECYCLE = _Shape(Lifecycle, {"prevent_destroy": _bool})
_IMAGE_ENTRY = _Shape(ImageEntry, {"path": _non_empty, "caption": _TEXT}, ("path",))


def _image(value: object) -> str | ImageEntry:
    """One `images:` entry: pydantic's union picks by type, a str or else a mapping."""
    return _non_empty(value) if type(value) is str else _IMAGE_ENTRY(value)


_DATASET = _Shape(
    Dataset,
    {
        "display_name": _TEXT,
        "training_version": _choice(get_args(DatasetTrainingVersion)),
        "upload": _choice(get_args(UploadType)),
        "caption_prefix": _or_none(_verbatim),
        "visual_schema": _visual_schema,
        "refine": _or_none(_list_of(_non_empty)),
        "images": _list_of(_image),
        "increase_resolution": _bool,
        "completed": _bool,
        "lifecycle": _LIFECYCLE,
    },
    fresh={"images": list},
    given=True,
)
_PARAMETERS = _Shape(
    ExpertParameters,
    {
        "rank": _or_none(_int(4, 256)),
        "learning_rate": _or_none(_float(low=1e-6, high=1e-3)),
        "lr_scheduler": _or_none(_choice(get_args(LrScheduler))),
        "total_training_steps": _or_none(_int(1, 5000)),
        "checkpoint_interval": _or_none(_int(100)),
        "lr_warmup_steps": _or_none(_int(0, 1000)),
    },
)
_MODEL = _Shape(
    Model,
    {
        "display_name": _TEXT,
        "dataset": _key,
        "training_version": _or_none(_choice(get_args(TrainingVersion))),
        "training_mode": _choice(get_args(TrainingMode)),
        "description": _str,
        "parameters": _or_none(_PARAMETERS),
        "train": _bool,
        "lifecycle": _Shape(
            ModelLifecycle, {"prevent_destroy": _bool, "retain_on_replace": _bool}
        ),
    },
    ("dataset",),
    given=True,
)
_MANIFEST = _Shape(
    Manifest,
    {
        "project": _key,
        "display_name": _TEXT,
        "description": _str,
        "ip": _Shape(
            Ip,
            {
                "type": _choice(get_args(IpType)),
                "medium": _choice(get_args(IpMedium)),
                "name": _TEXT,
                "description": _TEXT,
            },
            ("type", "medium"),
        ),
        "datasets": _keyed(_DATASET),
        "models": _keyed(_MODEL),
        "lifecycle": _LIFECYCLE,
    },
    ("project", "ip"),
    {"datasets": dict, "models": dict},
)
_SETTINGS = _Shape(
    _settings_values,
    {
        "api": _or_none(_api),
        "state": _TEXT,
        "parallelism": _or_none(_int(1, 256)),
        "staging": _TEXT,
        "requests_per_minute": _or_none(_float(low=0, above=True)),
        "rate_limit_wait": _or_none(_float(low=0)),
    },
)
