"""A workspace folder -> DesiredWorkspace, or every problem in it at once.

Manifests are the `*.yaml` / `*.yml` files directly in the workspace folder (not in
subfolders, so image folders and nested examples are never mistaken for manifests), except
`tailor.yaml` / `tailor.yml` (settings) and hidden files such as `.pre-commit-config.yaml`.
Every path in an error is relative to the workspace folder.
"""
# size: one loader walks a manifest once, collecting every problem; h15m moves its rules out

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from stat import S_ISREG
from typing import Any, Literal, NamedTuple, cast

from reconciler.addresses import Address, is_valid_key
from reconciler.bria_rules import (
    MODEL_VERSION_OF_DATASET,
    DatasetImageRules,
    image_size_violations,
)
from reconciler.errors import Location, ManifestError, ValidationFailed
from reconciler.manifest.files import FileProblem
from reconciler.manifest.image_cache import ImageCache
from reconciler.manifest.image_files import (
    FolderIndex,
    expand_spec,
    read_json_sidecar,
    read_sidecar,
    relative_posix,
)
from reconciler.manifest.images import (
    THREADED_HASH_BYTES,
    FileStamp,
    ImageFacts,
    ImageProblem,
    check_regular,
    hashing_threads,
    inspect_image,
)
from reconciler.manifest.jsondocs import JsonProblem, mapping_as_json, read_json_object
from reconciler.manifest.parts import Dataset, ImageEntry, Manifest
from reconciler.manifest.quickparse import quick_manifest, quick_settings
from reconciler.manifest.rules import (
    cross_field_errors,
    dataset_errors,
    dataset_reference_errors,
    image_count_errors,
    ip_errors,
    lint_warnings,
    model_errors,
)
from reconciler.manifest.yamlload import LoadedYaml, load_yaml_file
from reconciler.resources import (
    FIBO,
    MAX_ZIP_BYTES,
    VISUAL_SCHEMA_AUTO,
    DesiredDataset,
    DesiredImage,
    DesiredModel,
    DesiredProject,
    DesiredWorkspace,
    ImageFormat,
    TrainingVersion,
)
from reconciler.unprintable import unprintable_at, visible

SETTINGS_FILES = ("tailor.yaml", "tailor.yml")
IMAGE_FIELDS = (
    "address",
    "name",
    "path",
    "sha256",
    "caption",
    "caption_origin",
    "width",
    "height",
    "format",
    "size_bytes",
    "location",
)
"""Every field of DesiredImage, in `_new_image`'s order."""
_BY_NAME = attrgetter("name")
_BY_REL = attrgetter("rel")
_new_pick = tuple.__new__
"""What _Pick(...) calls, without the Python-level __new__ in between (as ImageCache does)."""


def _field(raw: object, name: str) -> object:
    return raw.get(name) if isinstance(raw, dict) else None


def _datasets_known(data: dict[str, Any]) -> bool:
    """Whether the declared dataset keys can be trusted for reference checks: `datasets:` is
    a mapping (or absent) with valid keys, and no unknown top-level key might be it misspelt."""
    raw = data.get("datasets", {})
    return (
        isinstance(raw, dict)
        and all(isinstance(k, str) and is_valid_key(k) for k in raw)
        and set(data) <= set(Manifest._fields)
    )


@dataclass
class WorkspaceReport:
    """Everything validate needs: the records (when there are no errors) and all findings."""

    root: Path
    workspace: DesiredWorkspace | None
    errors: list[ManifestError] = field(default_factory=list)
    warnings: list[ManifestError] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)


def load_workspace(root: Path) -> DesiredWorkspace:
    """The desired records of every manifest in `root`; ValidationFailed lists all problems."""
    report = check_workspace(root)
    if report.errors or report.workspace is None:
        raise ValidationFailed(report.errors)
    return report.workspace


def load_settings_file(root: Path) -> dict[str, object]:
    """tailor.yaml, validated, with only the keys the user set (empty when there is none)."""
    errors: list[ManifestError] = []
    settings = _settings(root, errors)
    if errors:
        raise ValidationFailed(errors)
    return settings


def discover_manifests(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.iterdir()
        if path.suffix in (".yaml", ".yml")
        and not path.name.startswith(".")
        and path.name not in SETTINGS_FILES
        and not path.is_dir()  # a FIFO or device named *.yaml is refused when read, not skipped
    )


def check_workspace(root: Path) -> WorkspaceReport:
    """Load and check everything; never raises for a problem in the user's files."""
    report = WorkspaceReport(root=root, workspace=None)
    _check(root, report)
    report.errors.sort(key=_error_order)
    report.warnings.sort(key=_error_order)
    return report


def _check(root: Path, report: WorkspaceReport) -> None:
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        report.errors.append(ManifestError(f"workspace {root} {what}", location=Location(".")))
        return
    real_root = root.resolve()
    _settings(real_root, report.errors)
    try:
        manifest_files = discover_manifests(real_root)
    except OSError as error:
        report.errors.append(
            ManifestError(f"cannot list the workspace: {error.strerror}", location=Location("."))
        )
        return
    if not manifest_files:
        report.errors.append(_no_manifests(root, real_root))
        return
    cache = ImageCache(real_root)
    index = FolderIndex()
    projects: dict[str, DesiredProject] = {}
    for path in manifest_files:
        rel = path.name
        report.manifests.append(rel)
        if not path.resolve().is_relative_to(real_root):
            report.errors.append(
                ManifestError(
                    f"{rel} is a link to a file outside the workspace",
                    hint="keep manifests inside the workspace folder",
                    location=Location(rel),
                )
            )
            continue
        loader = _ManifestLoader(real_root, rel, cache, report, index)
        project = loader.load()
        if project is None:
            continue
        first = projects.get(project.key)
        if first is not None:
            report.errors.append(
                ManifestError(
                    f"project '{project.key}' is declared in both {first.file} and {rel}",
                    hint="one project per key: rename one of them or merge the files",
                    location=project.location,
                )
            )
            continue
        projects[project.key] = project
    report.errors.extend(_project_name_clashes(projects.values()))
    cache_warning = cache.save()
    if cache_warning:
        report.warnings.append(ManifestError(cache_warning, location=Location(".tailor")))
    if not report.errors:
        report.workspace = DesiredWorkspace(
            root=str(root), projects=tuple(projects[k] for k in sorted(projects))
        )


def _no_manifests(given: Path, root: Path) -> ManifestError:
    """Says where manifests are when they are only in subfolders (tailor run one level up);
    they are named as the user would type them, from the workspace path as given."""
    below = sorted({_as_typed(given / p.parent.relative_to(root)) for p in _nested_manifests(root)})
    if not below:
        return ManifestError(
            "no manifests in the workspace: expected one or more *.yaml or *.yml files "
            "(one project each) directly in the folder",
            hint="tailor.yaml holds settings only; see the README's Manifest section",
            location=Location("."),
        )
    shown = ", ".join(below[:3]) + (f" and {len(below) - 3} more" if len(below) > 3 else "")
    return ManifestError(
        "no manifests directly in the workspace folder, but there are manifests in "
        f"subfolders: {shown}",
        hint=f"a workspace is one folder of manifests: name it, e.g. `tailor plan {below[0]}`",
        location=Location("."),
    )


def _as_typed(path: Path) -> str:
    """A folder below the current one as the user would type it (commands resolve PATH)."""
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


NESTED_SEARCH_DEPTH = 3
NESTED_SEARCH_LIMIT = 2000
"""How far and how many entries `_nested_manifests` looks: enough for a repository's
examples/ or projects/ folder, bounded so a home folder is not walked."""


def _nested_manifests(root: Path) -> list[Path]:
    """YAML files with a top-level `project:` key in non-hidden subfolders, a bounded walk."""
    found: list[Path] = []
    seen = 0
    folders = [(root, 0)]
    while folders and seen < NESTED_SEARCH_LIMIT:
        folder, depth = folders.pop(0)
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            if entry.is_dir() and depth < NESTED_SEARCH_DEPTH:
                folders.append((entry, depth + 1))
            elif depth > 0 and entry.suffix in (".yaml", ".yml") and _declares_project(entry):
                found.append(entry)
    return found


def _declares_project(path: Path) -> bool:
    if not path.is_file():  # a FIFO would block the open; a device would never end
        return False
    try:
        with path.open("rb") as file:
            head = file.read(8192)
    except OSError:
        return False
    return any(line.startswith(b"project:") for line in head.splitlines())


def _project_name_clashes(projects: Iterable[DesiredProject]) -> list[ManifestError]:
    """Bria finds a project by its name after a lost answer and on import: one name each."""
    named: dict[str, DesiredProject] = {}
    errors: list[ManifestError] = []
    for project in projects:
        first = named.setdefault(project.name, project)
        if first is not project:
            errors.append(
                ManifestError(
                    f"project '{project.key}' is named {project.name!r} at Bria, like project "
                    f"'{first.key}' ({first.location}); project names must be unique",
                    hint="give one of them another display_name",
                    location=project.location,
                )
            )
    return errors


def _error_order(error: ManifestError) -> tuple[str, int, int, str]:
    where = error.location or Location("")
    return (where.file, where.line or 0, where.column or 0, error.message)


def _settings(root: Path, errors: list[ManifestError]) -> dict[str, object]:
    for name in SETTINGS_FILES:
        path = root / name
        if os.path.lexists(path):  # a FIFO or a link named tailor.yaml is refused, not skipped
            break
    else:
        return {}
    try:
        doc = load_yaml_file(path, name, root)
    except ManifestError as error:
        errors.append(error)
        return {}
    if doc.data is None:
        return {}
    if not isinstance(doc.data, dict):
        errors.append(
            ManifestError(
                f"{name} must be a mapping of settings (api:, state:, parallelism:, ...)",
                location=doc.location(()),
            )
        )
        return {}
    settings = quick_settings(doc.data)
    if settings is not None:
        return settings
    from reconciler.manifest.pydantic_check import checked_settings  # pydantic: only now

    checked = checked_settings(doc)
    if isinstance(checked, list):
        errors.extend(checked)
        return {}
    return checked


class _Pick(NamedTuple):
    """One image file chosen by a manifest entry (one per image: made with `_new_pick`)."""

    path: str
    """Absolute and lexical, as `expand_spec` gives it."""
    folder: str
    """`path`'s folder, where its sidecar caption would be."""
    rel: str
    """Workspace-relative POSIX path: the key for this file (cheaper to hash than a Path)."""
    name: str
    caption: str | None
    location: Location


class _ManifestLoader:
    """One manifest file -> DesiredProject, adding every problem to the report."""

    def __init__(
        self,
        root: Path,
        rel: str,
        cache: ImageCache,
        report: WorkspaceReport,
        index: FolderIndex,
    ) -> None:
        self.root = root
        self.rel = rel
        self.cache = cache
        self.index = index
        self.report = report
        self.manifest_dir = (root / rel).parent

    def error(self, message: str, location: Location, hint: str | None = None) -> None:
        self.report.errors.append(ManifestError(message, hint=hint, location=location))

    def load(self) -> DesiredProject | None:
        try:
            doc = load_yaml_file(self.root / self.rel, self.rel, self.root)
        except ManifestError as error:
            self.report.errors.append(error)
            return None
        if not isinstance(doc.data, dict):
            what = "empty" if doc.data is None else f"a {type(doc.data).__name__}, not a mapping"
            self.error(
                f"the manifest is {what}; it must be a mapping with project:, ip:, datasets: "
                "and models:",
                doc.location(()),
            )
            return None
        manifest = quick_manifest(doc.data)
        if manifest is None:
            from reconciler.manifest.pydantic_check import checked_manifest  # pydantic: only now

            checked = checked_manifest(doc)
            if isinstance(checked, list):
                self.report.errors.extend(checked)
                self._check_valid_parts(doc.data, doc)
                return None
            manifest = checked
        self.report.errors.extend(cross_field_errors(manifest, doc))
        self.report.warnings.extend(lint_warnings(manifest, doc))
        return self._project(manifest, doc)

    def _check_valid_parts(self, data: dict[str, Any], doc: LoadedYaml) -> None:
        """When the manifest as a whole is invalid, still run every check that does not
        depend on an invalid part, so one run reports everything: the rules of a valid ip,
        dataset or model, a model's `dataset:` reference, and the images of each dataset
        whose image list is valid (only that they resolve, when the dataset itself is not)."""
        from reconciler.manifest.pydantic_check import (
            valid_dataset,
            valid_images,
            valid_ip,
            valid_model,
        )

        project = data.get("project")
        if not isinstance(project, str) or not is_valid_key(project):
            project = "invalid-project"
        ip = valid_ip(data.get("ip"))
        if ip is not None:
            self.report.errors.extend(ip_errors(ip, doc))
        raw_datasets = data.get("datasets")
        datasets: dict[str, Dataset | None] = {}
        for key, raw in (raw_datasets.items() if isinstance(raw_datasets, dict) else ()):
            spec = valid_dataset(raw)
            datasets[str(key)] = spec
            if spec is not None:
                self.report.errors.extend(
                    dataset_errors(key, spec, ip.type if ip else None, doc)
                )
                if is_valid_key(key):
                    self._dataset(project, key, spec, doc, ip.type if ip else None)
            elif images := valid_images(_field(raw, "images")):
                self._pick_images(str(key), images, doc)
        # A reference to a dataset whose key is broken is not a problem of its own.
        known = datasets if _datasets_known(data) else None
        raw_models = data.get("models")
        for key, raw in (raw_models.items() if isinstance(raw_models, dict) else ()):
            model = valid_model(raw)
            if model is not None:
                self.report.errors.extend(model_errors(project, key, model, known, doc))
            elif known is not None and isinstance(ref := _field(raw, "dataset"), str):
                self.report.errors.extend(dataset_reference_errors(project, key, ref, known, doc))

    def _project(self, manifest: Manifest, doc: LoadedYaml) -> DesiredProject:
        key = manifest.project
        datasets = tuple(
            self._dataset(key, ds_key, manifest.datasets[ds_key], doc, manifest.ip.type)
            for ds_key in sorted(manifest.datasets)
        )
        models = tuple(_model(key, m_key, manifest, doc) for m_key in sorted(manifest.models))
        return DesiredProject(
            address=Address.project_(key),
            key=key,
            name=manifest.display_name or key,
            ip_type=manifest.ip.type,
            ip_medium=manifest.ip.medium,
            description=manifest.description,
            ip_name=manifest.ip.name,
            ip_description=manifest.ip.description,
            datasets=datasets,
            models=models,
            prevent_destroy=manifest.lifecycle.prevent_destroy,
            file=self.rel,
            location=doc.location(("project",)),
        )

    def _dataset(
        self, project: str, key: str, spec: Dataset, doc: LoadedYaml, ip_type: str | None
    ) -> DesiredDataset:
        where = ("datasets", key)
        before = len(self.report.errors)
        picks = self._pick_images(key, spec.images, doc)
        # An entry that picked nothing is reported already: then a count is not worth a word.
        counted = len(self.report.errors) == before
        self.report.errors.extend(
            image_count_errors(key, spec, len(picks), ip_type, doc, minimums=counted)
        )
        basic = spec.upload == "basic"
        upscale = basic and spec.increase_resolution
        fibo = spec.training_version == FIBO
        images = self._images(
            project,
            key,
            picks,
            basic=basic,
            upscale=upscale,
            fibo=fibo,
            where=doc.location((*where, "images"), key=True),
        )
        schema = spec.visual_schema
        return DesiredDataset(
            address=Address.dataset_(project, key),
            key=key,
            name=spec.display_name or key,
            upload_type=spec.upload,
            caption_prefix=spec.caption_prefix,
            images=tuple(sorted(images, key=_BY_NAME)),
            increase_resolution=upscale,
            completed=spec.completed,
            prevent_destroy=spec.lifecycle.prevent_destroy,
            location=doc.location(where, key=True),
            training_version=spec.training_version,
            visual_schema=self._visual_schema(key, schema, doc) if fibo else None,
            visual_schema_auto=schema == VISUAL_SCHEMA_AUTO,
            refine=tuple(spec.refine or ()),
        )

    def _visual_schema(
        self, key: str, schema: str | dict[str, Any] | None, doc: LoadedYaml
    ) -> str | None:
        """A declared schema as canonical JSON text: read from PATH.json, or the mapping."""
        if schema is None or schema == VISUAL_SCHEMA_AUTO:
            return None
        field = f"datasets.{key}.visual_schema"
        location = doc.location(("datasets", key, "visual_schema"))
        if isinstance(schema, dict):
            try:
                return mapping_as_json(schema)
            except JsonProblem as problem:
                self.error(f"{field}: the mapping {problem.message}", location, problem.hint)
                return None
        if not schema.endswith(".json"):
            self.error(
                f"{field}: {schema!r} is neither auto nor a path to a .json file",
                location,
                hint="visual_schema: auto, a PATH.json relative to the manifest, or a mapping",
            )
            return None
        path = self.manifest_dir / schema
        rel = relative_posix(str(path), self.root)
        try:
            return read_json_object(path, self.root)
        except JsonProblem as problem:
            if problem.line is None:
                self.error(f"{field}: {rel} {problem.message}", location, problem.hint)
            else:
                self.error(
                    f"{rel} {problem.message} ({field})",
                    Location(rel, problem.line, problem.column),
                    problem.hint,
                )
        except FileProblem as problem:
            self.error(f"{field}: {rel} {problem.message}", location, problem.hint)
        return None

    def _pick_images(
        self, key: str, entries: Sequence[str | ImageEntry], doc: LoadedYaml
    ) -> list[_Pick]:
        """Expand the entries; the same file twice is one image, an explicit caption wins."""
        picks: dict[str, _Pick] = {}
        rel_folders: dict[str, str] = {}
        """Each folder's workspace-relative POSIX prefix, made once: a glob picks hundreds."""
        for index, entry in enumerate(entries):
            location = doc.location(("datasets", key, "images", index))
            text, caption = (
                (entry.path, entry.caption) if isinstance(entry, ImageEntry) else (entry, None)
            )
            try:
                paths = expand_spec(text, self.manifest_dir, self.root, self.index)
            except ImageProblem as problem:
                self.error(
                    f"datasets.{key}.images[{index}]: {problem.message}", location, problem.hint
                )
                continue
            for path in paths:
                folder, _, name = path.rpartition(os.sep)
                rel_folder = rel_folders.get(folder)
                if rel_folder is None:
                    rel_folder = rel_folders[folder] = _rel_folder(folder, self.root)
                rel = rel_folder + name
                hidden = None if rel.isprintable() else unprintable_at(rel)
                if hidden is not None:
                    self.error(
                        f"datasets.{key}.images[{index}]: the path {visible(rel)} has a "
                        f"control or invisible character (U+{ord(rel[hidden]):04X}) at "
                        f"character {hidden + 1}",
                        location,
                        "rename the file: such characters can disguise a name in a plan",
                    )
                    continue
                earlier = picks.get(rel)
                if earlier is not None and caption is not None and earlier.caption is not None:
                    self.error(
                        f"datasets.{key}: {earlier.rel} has two captions (the other at line "
                        f"{earlier.location.line})",
                        location,
                    )
                elif earlier is None or caption is not None:
                    picks[rel] = _new_pick(_Pick, (path, folder, rel, name, caption, location))
        by_name: dict[str, _Pick] = {}
        unique: list[_Pick] = []
        for pick in sorted(picks.values(), key=_BY_REL):
            twin = by_name.get(pick.name)
            if twin is not None:
                self.error(
                    f"datasets.{key}: two images are named '{pick.name}' ({twin.rel} and "
                    f"{pick.rel}); Bria names images by file name, so names must be unique",
                    pick.location,
                    hint="rename one of the files",
                )
                continue
            by_name[pick.name] = pick
            unique.append(pick)
        return unique

    def _images(
        self,
        project: str,
        key: str,
        picks: list[_Pick],
        *,
        basic: bool,
        upscale: bool,
        fibo: bool,
        where: Location,
    ) -> list[DesiredImage]:
        upload = "basic" if basic else "advanced"
        picked: list[_Pick] = []
        facts: list[ImageFacts | ImageProblem | None] = []
        """In `picked`'s order: the cache's facts where the file is unchanged, else None
        until the file is inspected (`misses`)."""
        misses: list[tuple[int, tuple[_Pick, FileStamp]]] = []
        cached = self.cache.get
        total = 0
        for pick in picks:
            try:
                info = os.stat(pick.path)
                if not S_ISREG(info.st_mode):
                    check_regular(info)  # says what the file is instead
            except ImageProblem as problem:
                self.error(f"image {pick.rel} {problem.message}", pick.location, problem.hint)
                continue
            except OSError as error:
                self.error(f"image {pick.rel} cannot be read: {error.strerror}", pick.location)
                continue
            size = info.st_size
            too_large = image_size_violations(size, upload)
            for violation in too_large:
                self.error(f"image {pick.rel}: {violation.message}", pick.location, violation.hint)
            if too_large:
                continue
            total += size
            known = cached(pick.rel, size, info.st_mtime_ns, info.st_ino)
            if known is None:
                stamp = FileStamp(size, info.st_mtime_ns, info.st_ino)
                misses.append((len(facts), (pick, stamp)))
            picked.append(pick)
            facts.append(known)
        if not basic and total > MAX_ZIP_BYTES:
            # From stat alone: nothing of a 5 GB upload is read to refuse it.
            self.error(
                f"datasets.{key}: the images add up to {total / 1e9:.1f} GB; an advanced "
                "upload's zip may hold at most 5 GB",
                where,
            )
            return []
        if misses:
            _inspect_misses(misses, facts, self.cache)
        version = FIBO if fibo else "max"
        images: list[DesiredImage] = []
        rules = DatasetImageRules(upload, upscale, version)
        sidecars: dict[str, bool] = {}
        """Whether a folder holds any caption file: most hold none, and then no image in it
        needs a look-up."""
        for pick, result in zip(picked, facts, strict=True):
            if type(result) is not ImageFacts:
                assert isinstance(result, ImageProblem)  # every miss was inspected
                self.error(f"image {pick.rel} {result.message}", pick.location, result.hint)
                continue
            sha256, width, height, image_format, size_bytes = result
            captioned = sidecars.get(pick.folder)
            if captioned is None:
                captioned = sidecars[pick.folder] = self._has_sidecars(pick.folder, fibo=fibo)
            caption: str | None = pick.caption
            origin: Literal["explicit", "sidecar"] | None = "explicit"
            is_json = False
            if caption is None:
                origin = None
                if captioned:
                    caption, origin, is_json = self._caption(pick, fibo=fibo)
            problems = rules.violations(width, height, caption, is_json)
            for violation in problems:
                self.error(f"image {pick.rel}: {violation.message}", pick.location, violation.hint)
            if problems:
                continue
            name = pick.name
            images.append(
                _new_image(
                    Address.image_(project, key, name),
                    name,
                    pick.rel,
                    sha256,
                    caption,
                    origin,
                    width,
                    height,
                    image_format,
                    size_bytes,
                    pick.location,
                )
            )
        return images

    def _has_sidecars(self, folder: str, *, fibo: bool) -> bool:
        """Whether `folder` holds a file a caption could be read from (`_caption`'s NAME.txt,
        and NAME.json for FIBO): without one, its images need no look-up each."""
        names = "\0".join(self.index.listing(folder)) + "\0"  # no name holds a NUL
        return ".txt\0" in names or (fibo and ".json\0" in names)

    def _caption(
        self, pick: _Pick, *, fibo: bool
    ) -> tuple[str | None, Literal["explicit", "sidecar"] | None, bool]:
        """(caption, where it came from, whether it is a JSON object) of an image without an
        explicit caption. A FIBO image's caption is its NAME.json sidecar; text (NAME.txt,
        `caption:`) is refused by the rules."""
        try:
            if fibo:
                found = read_json_sidecar(pick.folder, pick.name, self.index, self.root)
                if found is not None:
                    return found, "sidecar", True
            text = read_sidecar(pick.folder, pick.name, self.index, self.root)
        except JsonProblem as problem:
            sidecar = relative_posix(str(Path(pick.path).with_suffix(".json")), self.root)
            if problem.line is None:
                self.error(
                    f"image {pick.rel}: caption file {sidecar} {problem.message}",
                    pick.location,
                    problem.hint,
                )
            else:
                self.error(
                    f"caption file {sidecar} {problem.message} (the caption of {pick.rel})",
                    Location(sidecar, problem.line, problem.column),
                    problem.hint,
                )
            return None, None, False
        except ImageProblem as problem:
            self.error(f"image {pick.rel}: {problem.message}", pick.location, problem.hint)
            return None, None, False
        return (text, "sidecar", False) if text is not None else (None, None, False)


def _rel_folder(folder: str, root: Path) -> str:
    """What precedes a file name in the workspace-relative POSIX path of a file in `folder`."""
    return "" if folder == str(root) else relative_posix(folder, root) + "/"


_new = object.__new__
(
    _set_address,
    _set_name,
    _set_path,
    _set_sha256,
    _set_caption,
    _set_caption_origin,
    _set_width,
    _set_height,
    _set_format,
    _set_size_bytes,
    _set_location,
) = (vars(DesiredImage)[name].__set__ for name in IMAGE_FIELDS)


def _new_image(
    address: Address,
    name: str,
    path: str,
    sha256: str,
    caption: str | None,
    caption_origin: Literal["explicit", "sidecar"] | None,
    width: int,
    height: int,
    image_format: ImageFormat,
    size_bytes: int,
    location: Location,
) -> DesiredImage:
    """`DesiredImage(...)` in half the time (one per image file, 30,000 in a large
    workspace): a frozen dataclass's __init__ sets each field through object.__setattr__,
    this through the slots' own setters. tests/manifest checks the two give equal images
    and that `IMAGE_FIELDS` are all of its fields."""
    image = _new(DesiredImage)
    _set_address(image, address)
    _set_name(image, name)
    _set_path(image, path)
    _set_sha256(image, sha256)
    _set_caption(image, caption)
    _set_caption_origin(image, caption_origin)
    _set_width(image, width)
    _set_height(image, height)
    _set_format(image, image_format)
    _set_size_bytes(image, size_bytes)
    _set_location(image, location)
    return image


def _inspect_misses(
    misses: list[tuple[int, tuple[_Pick, FileStamp]]],
    results: list[ImageFacts | ImageProblem | None],
    cache: ImageCache,
) -> None:
    """Inspect the images the cache did not know, each into its place in `results`."""
    threads = hashing_threads([stamp.size for _, (_, stamp) in misses])
    threaded = [miss for miss in misses if threads and miss[1][1].size >= THREADED_HASH_BYTES]
    here = [miss for miss in misses if not threads or miss[1][1].size < THREADED_HASH_BYTES]
    outcomes: list[tuple[tuple[int, tuple[_Pick, FileStamp]], ImageFacts | ImageProblem]] = []
    if threaded:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            running = pool.map(_inspect, [job for _, job in threaded])
            outcomes.extend((miss, _inspect(miss[1])) for miss in here)
            outcomes.extend(zip(threaded, running, strict=True))
    else:
        outcomes.extend((miss, _inspect(miss[1])) for miss in here)
    for (place, (pick, stamp)), outcome in outcomes:
        results[place] = outcome
        if isinstance(outcome, ImageFacts):
            cache.put(pick.rel, stamp, outcome)


def _inspect(job: tuple[_Pick, FileStamp]) -> ImageFacts | ImageProblem:
    try:
        return inspect_image(job[0].path, job[1])
    except ImageProblem as problem:
        return problem


def _model(project: str, key: str, manifest: Manifest, doc: LoadedYaml) -> DesiredModel:
    spec = manifest.models[key]
    params = spec.parameters.chosen() if spec.parameters else {}
    dataset = manifest.datasets.get(spec.dataset)
    # Only a model of a FIBO dataset may omit it (else an error is reported already).
    version = (
        spec.training_version
        or MODEL_VERSION_OF_DATASET[dataset.training_version if dataset else "max"]
    )
    return DesiredModel(
        address=Address.model_(project, key),
        key=key,
        name=spec.display_name or key,
        dataset=spec.dataset,
        training_version=cast(TrainingVersion, version),
        training_mode=spec.training_mode,
        description=spec.description,
        parameters=tuple(sorted(params.items())),
        train=spec.train,
        prevent_destroy=spec.lifecycle.prevent_destroy,
        retain_on_replace=spec.lifecycle.retain_on_replace,
        location=doc.location(("models", key), key=True),
    )
