"""The rules across the fields of a manifest whose shape is valid, each error at its key.

They need no file other than the manifest. The shape itself is checked before them
(`quickparse.py`, or pydantic with its errors worded by `schema_errors.py`); image checks,
which read files, live in `images.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from reconciler.bria_rules import (
    DatasetFacts,
    ModelDatasetFacts,
    ModelFacts,
    ProjectFacts,
    Violation,
    dataset_violations,
    family_lock_violations,
    missing_dataset_violation,
    model_violations,
    project_violations,
)
from reconciler.errors import Location, ManifestError
from reconciler.manifest.parts import Dataset, Ip, Manifest, Model
from reconciler.manifest.yamlload import LoadedYaml, PathKey
from reconciler.resources import VISUAL_SCHEMA_AUTO


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choice, when one is close enough to be a likely typo. difflib
    (~1.2 ms to import) loads only for a problem to explain."""
    import difflib

    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


def dotted(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the top level"


def cross_field_errors(manifest: Manifest, doc: LoadedYaml) -> list[ManifestError]:
    """Every rule across fields of a manifest that passed the schema."""
    errors = ip_errors(manifest.ip, doc)
    for key, dataset in manifest.datasets.items():
        errors.extend(dataset_errors(key, dataset, manifest.ip.type, doc))
    datasets: dict[str, Dataset | None] = dict(manifest.datasets)
    for key, model in manifest.models.items():
        errors.extend(model_errors(manifest.project, key, model, datasets, doc))
    errors.extend(family_errors(manifest.datasets, doc))
    errors.extend(_name_clashes(manifest, doc))
    return errors


def _name_clashes(manifest: Manifest, doc: LoadedYaml) -> list[ManifestError]:
    """Bria's names are how a lost create is recovered and how import finds an object, so
    two datasets of the project, or two models of one dataset, may not share one."""
    named: dict[tuple[str, str, str], str] = {}
    errors: list[ManifestError] = []
    entries: list[tuple[str, str, str, Dataset | Model]] = [
        *(("datasets", k, "", d) for k, d in sorted(manifest.datasets.items())),
        *(("models", k, m.dataset, m) for k, m in sorted(manifest.models.items())),
    ]
    for section, key, parent, entry in entries:
        name = entry.display_name or key
        first = named.setdefault((section, parent, name), key)
        if first == key:
            continue
        first_entry = (manifest.datasets if section == "datasets" else manifest.models)[first]
        scope = "this project" if section == "datasets" else f"dataset {parent!r}"
        errors.append(
            ManifestError(
                f"{section}.{key} is named {name!r} at Bria, like {section}.{first} "
                f"({_name_location(doc, section, first, first_entry)}); names must be unique "
                f"within {scope}",
                hint="give one of them another display_name: Bria's names are how tailor "
                "finds its objects again after a lost answer and how import finds them",
                location=_name_location(doc, section, key, entry),
            )
        )
    return errors


def _name_location(doc: LoadedYaml, section: str, key: str, entry: Dataset | Model) -> Location:
    if "display_name" in entry.given:
        return doc.location((section, key, "display_name"))
    return doc.location((section, key), key=True)


def violation_error(violation: Violation, entry: PathKey, doc: LoadedYaml) -> ManifestError:
    """A broken Bria rule (`reconciler.bria_rules`) as a ManifestError at its key: the same
    words the planner uses, after the manifest path instead of the address."""
    path = (*entry, *violation.field)
    if violation.absent:
        location = doc.location(path[:-1])
    else:
        location = doc.location(path, key=violation.at_key)
    return ManifestError(
        f"{dotted(path)}: {violation.message}", hint=violation.hint, location=location
    )


def dataset_facts(key: str, dataset: Dataset, images: int | None = None) -> DatasetFacts:
    """What Bria's dataset rules need; `images` is the number of image files once they are
    resolved (before that, the number of entries)."""
    schema = dataset.visual_schema
    return DatasetFacts(
        key=key,
        training_version=dataset.training_version,
        upload_type=dataset.upload,
        caption_prefix=dataset.caption_prefix,
        visual_schema=None
        if schema is None
        else ("auto" if schema == VISUAL_SCHEMA_AUTO else "declared"),
        refine=len(dataset.refine or ()),
        images=len(dataset.images) if images is None else images,
        completed=dataset.completed,
        increase_resolution_set=dataset.increase_resolution
        and "increase_resolution" in dataset.given,
    )


def dataset_errors(
    key: str, dataset: Dataset, ip_type: str | None, doc: LoadedYaml
) -> list[ManifestError]:
    """Rules within one valid dataset that need no files; `ip_type` is None when the
    project's ip is invalid. The rules that count images run once they are resolved
    (`workspace.py`, through `image_count_errors`)."""
    where = ("datasets", key)
    errors = [
        violation_error(v, where, doc)
        for v in dataset_violations(dataset_facts(key, dataset), ip_type)
        if v.constraint not in IMAGE_COUNT_RULES
    ]
    if (
        dataset.refine is not None
        and dataset.visual_schema != VISUAL_SCHEMA_AUTO
        and (dataset.training_version == "fibo")
    ):
        errors.append(
            ManifestError(
                f"datasets.{key}.refine: refine instructions apply to a generated schema "
                "(visual_schema: auto)",
                hint="edit the schema itself, or use visual_schema: auto",
                location=doc.location((*where, "refine"), key=True),
            )
        )
    return errors


IMAGE_COUNT_RULES = frozenset(
    {
        "IMG-MAX-200",
        "BULK-MAX-5000",
        "DS-COMPLETE-MIN-1-IMAGE",
        "DS-FIBO-COMPLETE",
        "PFX-IMAGES-1-6",
        "VS-IMAGES-5-10",
    }
)
"""The dataset rules that count image files: checked after the globs are expanded."""


def image_count_errors(
    key: str,
    dataset: Dataset,
    images: int,
    ip_type: str | None,
    doc: LoadedYaml,
    *,
    minimums: bool = True,
) -> list[ManifestError]:
    """The dataset rules that count its `images` files; `minimums` False keeps only the
    upper limits (some entries picked nothing, and said so)."""
    return [
        violation_error(v, ("datasets", key), doc)
        for v in dataset_violations(dataset_facts(key, dataset, images), ip_type)
        if v.constraint in IMAGE_COUNT_RULES
        and (minimums or v.constraint in ("IMG-MAX-200", "BULK-MAX-5000"))
    ]


def family_errors(datasets: Mapping[str, Dataset], doc: LoadedYaml) -> list[ManifestError]:
    """DS-FAMILY-LOCK: one generation per project, the first dataset's (by key)."""
    versions = [(key, datasets[key].training_version) for key in sorted(datasets)]
    return [
        violation_error(v, ("datasets", key), doc)
        for key, v in sorted(family_lock_violations(versions).items())
    ]


def ip_errors(ip: Ip, doc: LoadedYaml) -> list[ManifestError]:
    facts = ProjectFacts(ip.type, ip.medium, ip.name, ip.description)
    return [violation_error(v, (), doc) for v in project_violations(facts)]


def dataset_reference_errors(
    project: str, key: str, dataset: str, datasets: Mapping[str, Dataset | None], doc: LoadedYaml
) -> list[ManifestError]:
    """A model's `dataset:` names a dataset declared in its manifest (valid or not)."""
    if dataset in datasets:
        return []
    known = sorted(datasets)
    violation = missing_dataset_violation(project, dataset)
    error = violation_error(violation, ("models", key), doc)
    error.hint = did_you_mean(dataset, known) or (
        f"datasets here: {', '.join(known)}" if known else violation.hint
    )
    return [error]


def model_facts(model: Model) -> ModelFacts:
    params = model.parameters.chosen() if model.parameters else {}
    return ModelFacts(model.training_version, model.training_mode, params, model.train)


def model_errors(
    project: str,
    key: str,
    model: Model,
    datasets: Mapping[str, Dataset | None] | None,
    doc: LoadedYaml,
) -> list[ManifestError]:
    """Rules of one valid model. A dataset mapped to None is declared but itself invalid;
    `datasets` None means the declared keys are unknown (the checks against them are skipped)."""
    where = ("models", key)
    errors: list[ManifestError] = []
    dataset = None
    if datasets is not None:
        errors.extend(dataset_reference_errors(project, key, model.dataset, datasets, doc))
        dataset = datasets.get(model.dataset)
    facts = (
        None
        if dataset is None
        else ModelDatasetFacts(model.dataset, dataset.training_version, dataset.completed)
    )
    for violation in model_violations(model_facts(model), facts):
        if violation.field == ("train",) and "train" not in model.given:
            # train: true is the default: point at the dataset that is not completed
            violation = replace(violation, field=("dataset",))
        errors.append(violation_error(violation, where, doc))
    return errors


def lint_warnings(manifest: Manifest, doc: LoadedYaml) -> list[ManifestError]:
    """Things that work but are probably not what the user meant."""
    warnings: list[ManifestError] = []
    ip = manifest.ip
    if ip.name is not None and len(ip.name.split()) > 3:
        warnings.append(
            ManifestError(
                f"ip.name has {len(ip.name.split())} words; Bria asks for a name of 1-3 words",
                location=doc.location(("ip", "name")),
            )
        )
    if ip.description is not None and len(ip.description.split()) > 6:
        warnings.append(
            ManifestError(
                f"ip.description has {len(ip.description.split())} words; Bria asks for at most 6",
                location=doc.location(("ip", "description")),
            )
        )
    for key, model in manifest.models.items():
        params = model.parameters
        if (
            params is not None
            and params.lr_warmup_steps is not None
            and params.lr_scheduler != "constant_with_warmup"
        ):
            warnings.append(
                ManifestError(
                    f"models.{key}.parameters.lr_warmup_steps has no effect unless "
                    "lr_scheduler is constant_with_warmup",
                    location=doc.location(("models", key, "parameters", "lr_warmup_steps")),
                )
            )
    return warnings
