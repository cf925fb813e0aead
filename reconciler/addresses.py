"""Resource addresses: how users name things in plans, `--target`, `state` and `import`.

    acme-mascot                                  a project
    acme-mascot/datasets/v1                      a dataset
    acme-mascot/datasets/v1/images/fox-01.png    an image of a dataset
    acme-mascot/models/light                     a model
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.errors import TailorError

KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}"
_KEY_RE = re.compile(KEY_PATTERN)
"""Used with fullmatch: `$` would also match before a final newline, taking "v1\\n" for a key."""
KEY_RULE = (
    "a key uses ASCII letters (a-z, A-Z), digits, '-', '_' and '.', starts with a letter or "
    "digit, and has at most 128 characters"
)


def non_ascii_note(text: str) -> str:
    """': 'é' is not an ASCII character', or '' when `text` is ASCII: a key that looks fine
    to its author (café, 名前) is refused for a reason the author would not guess."""
    others = list(dict.fromkeys(c for c in text if not c.isascii()))
    if not others:
        return ""
    shown = ", ".join(repr(c) for c in others[:3])
    return f": {shown} {'is not an ASCII character' if len(others) == 1 else 'are not ASCII'}"


class Kind(StrEnum):
    PROJECT = "project"
    DATASET = "dataset"
    IMAGE = "image"
    MODEL = "model"


_KIND_ORDER = {Kind.PROJECT: 0, Kind.DATASET: 1, Kind.IMAGE: 2, Kind.MODEL: 3}


class AddressError(TailorError):
    """A string that is not a valid resource address."""


def is_valid_key(key: str) -> bool:
    return bool(_KEY_RE.fullmatch(key))


@dataclass(frozen=True, init=False)
class Address:
    """A parsed address. `dataset` is set for datasets and images, `model` for models."""

    project: str
    dataset: str | None = None
    image: str | None = None
    model: str | None = None

    kind: Kind = field(init=False, repr=False, compare=False)
    """Set once at construction: the planner asks hundreds of thousands of times."""
    text: str = field(init=False, repr=False, compare=False)
    """The address as users write it (formatted once: node ids and sorting use it often)."""

    def __init__(
        self,
        project: str,
        dataset: str | None = None,
        image: str | None = None,
        model: str | None = None,
    ) -> None:
        # Written out: a frozen dataclass's own __init__ sets each of the six attributes
        # through object.__setattr__, twice the cost of filling the instance's dict, for
        # one address per image (30,000 in a large workspace). Plain attributes, not
        # cached_property: on Python 3.11 its per-property lock made reading 24,000 state
        # entries a third slower.
        if model is not None:
            kind, text = Kind.MODEL, f"{project}/models/{model}"
        elif image is not None:
            kind, text = Kind.IMAGE, f"{project}/datasets/{dataset}/images/{image}"
        elif dataset is not None:
            kind, text = Kind.DATASET, f"{project}/datasets/{dataset}"
        else:
            kind, text = Kind.PROJECT, project
        values = self.__dict__
        values["project"] = project
        values["dataset"] = dataset
        values["image"] = image
        values["model"] = model
        values["kind"] = kind
        values["text"] = text

    @property
    def parent(self) -> Address | None:
        cached: Address | None = self.__dict__.get("_parent", self)
        if cached is not self:
            return cached
        found: Address | None = None
        if self.kind is Kind.IMAGE:
            found = Address(self.project, dataset=self.dataset)
        elif self.kind in (Kind.DATASET, Kind.MODEL):
            found = Address(self.project)
        self.__dict__["_parent"] = found  # computed once; frozen fields stay untouched
        return found

    @property
    def key(self) -> str:
        """The last segment: the manifest key (or image name)."""
        return self.model or self.image or self.dataset or self.project

    def contains(self, other: Address) -> bool:
        """True when `other` is this address or lies below it (used by --target)."""
        node: Address | None = other
        while node is not None:
            if node == self:
                return True
            node = node.parent
        return False

    def sort_key(self) -> tuple[str, int, str, str]:
        middle = self.dataset or self.model or ""
        return (self.project, _KIND_ORDER[self.kind], middle, self.image or "")

    def __str__(self) -> str:
        return self.text

    def __lt__(self, other: Address) -> bool:
        return self.sort_key() < other.sort_key()

    @classmethod
    def project_(cls, project: str) -> Address:
        return cls(project)

    @classmethod
    def dataset_(cls, project: str, dataset: str) -> Address:
        return cls(project, dataset=dataset)

    @classmethod
    def image_(cls, project: str, dataset: str, image: str) -> Address:
        return cls(project, dataset=dataset, image=image)

    @classmethod
    def model_(cls, project: str, model: str) -> Address:
        return cls(project, model=model)

    @classmethod
    def parse(cls, text: str) -> Address:
        parts = text.strip().split("/")
        if parts and _KEY_RE.fullmatch(parts[0]):
            if len(parts) == 1:
                return cls(parts[0])
            if len(parts) == 3 and parts[1] == "datasets" and _KEY_RE.fullmatch(parts[2]):
                return cls(parts[0], dataset=parts[2])
            if len(parts) == 3 and parts[1] == "models" and _KEY_RE.fullmatch(parts[2]):
                return cls(parts[0], model=parts[2])
            if (
                len(parts) == 5
                and parts[1] == "datasets"
                and _KEY_RE.fullmatch(parts[2])
                and parts[3] == "images"
                and parts[4]
            ):
                return cls(parts[0], dataset=parts[2], image=parts[4])
        keys = "/".join(parts[:3])  # an image name (a file name) may be any text
        raise AddressError(
            f"{text!r} is not a resource address{non_ascii_note(keys)}",
            hint="addresses look like PROJECT, PROJECT/datasets/KEY, "
            "PROJECT/datasets/KEY/images/NAME or PROJECT/models/KEY",
        )
