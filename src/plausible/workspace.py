"""Loading a workspace: find its files, parse and validate each, cross-check, and serve posteriors."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from plausible.cache import cached, store
from plausible.crosscheck import Parsed, build_entities
from plausible.entities import HypothesisSet, Item, Source
from plausible.errors import InputError, Problem, UsageError
from plausible.scales import ModelSpec
from plausible.schema import (
    EvidenceFile,
    HypothesisSetFile,
    ModelFile,
    SourcesFile,
    did_you_mean,
    validate_document,
)
from plausible.schema.fields import ID_PATTERN
from plausible.types import Method
from plausible.yamlio import DEFAULT_MAX_BYTES, read_yaml

if TYPE_CHECKING:
    from plausible.posterior import Posterior

__all__ = ["Workspace", "load_workspace"]

M = TypeVar("M", bound=BaseModel)
_YAML_SUFFIXES = (".yaml", ".yml")
_NOTE_SUFFIXES = (".md", ".txt", ".rst", ".pdf", ".html")


@dataclass(frozen=True)
class Workspace:
    """A loaded, cross-checked workspace.

    Attributes
    ----------
    root : Path
        The workspace folder.
    sets : dict
        Hypothesis sets by id.
    sources : dict
        Sources by id.
    items : list
        Evidence items in trajectory order (``reported``, then file name, then order in the file),
        without the items that later items supersede.
    warnings : list
        Things worth a look that do not stop the analysis.
    files : dict
        SHA-256 of every input file, by path relative to the root.
    """

    root: Path
    sets: dict[str, HypothesisSet]
    sources: dict[str, Source]
    items: list[Item]
    warnings: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    def hypothesis_set(self, set_id: str) -> HypothesisSet:
        """Return a set by id, or raise :class:`UsageError` naming the sets there are."""
        try:
            return self.sets[set_id]
        except KeyError:
            known = ", ".join(self.sets) or "none"
            raise UsageError(f"unknown hypothesis set {set_id!r}{did_you_mean(set_id, self.sets)} "
                             f"(sets in this workspace: {known})") from None

    def items_for(self, set_id: str, before: dt.date | None = None) -> list[Item]:
        """The items bearing on a set, in trajectory order; only those reported before ``before`` if given."""
        return [item for item in self.items
                if set_id in item.likelihoods and (before is None or item.reported < before)]

    @property
    def inputs_hash(self) -> str:
        """One SHA-256 over every input file's path and content hash: identifies the inputs of a result."""
        digest = hashlib.sha256()
        for path, sha in sorted(self.files.items()):
            digest.update(f"{path}\0{sha}\n".encode())
        return digest.hexdigest()

    def posterior(
        self, set_id: str, method: Method = "exact", *, before: dt.date | None = None, **options: Any
    ) -> Posterior:
        """Posterior probabilities of a set's hypotheses given all evidence (or that reported before a date).

        Parameters
        ----------
        set_id : str
            The hypothesis set (file stem in ``hypotheses/``).
        method : {"exact", "mcmc"}
            ``exact``: closed form at point values (instant). ``mcmc``: the PyMC model with uncertain
            judgments and learned source reliability.
        before : datetime.date, optional
            Use only the items reported strictly before this date (no look-ahead, for forecasting).
        **options
            Engine options (for ``mcmc``: draws, tune, chains, seed, ...).

        Returns
        -------
        Posterior
        """
        from plausible.inference import run_engine

        return run_engine(self, set_id, method, before=before, **options)


def load_workspace(path: str | os.PathLike[str] = ".", *, max_file_size: int = DEFAULT_MAX_BYTES) -> Workspace:
    """Load and validate a workspace folder.

    Parameters
    ----------
    path : str or PathLike
        The workspace folder (holding ``hypotheses/``, ``evidence/`` and optionally ``models/``).
    max_file_size : int
        Files larger than this many bytes are refused.

    Returns
    -------
    Workspace

    Raises
    ------
    InputError
        Listing every problem found in every file, each as ``path:line: message``.
    """
    root = Path(path)
    if not root.is_dir():
        raise InputError([Problem(str(root), None, "workspace folder not found; create one with `plausible init "
                                  f"{root}` or pass --workspace")])
    loader = _Loader(root.resolve(), max_file_size)
    if not (root / "hypotheses").is_dir():
        loader.problems.append(Problem("hypotheses/", None, "no hypotheses/ folder: is this a workspace? "
                                       "(`plausible init DIR` creates one)"))
    models = loader.models()
    set_files: dict[str, Parsed[HypothesisSetFile] | None] = {}
    for path in loader.files("hypotheses"):
        set_id = path.name.rsplit(".", 1)[0]
        if not ID_PATTERN.match(set_id):
            loader.problems.append(Problem(loader.shown(path), None, f"{set_id!r} is not a valid set id (a set's "
                                           "id is its file name): use letters, digits and single '-', '_' or '.' "
                                           "between them (kebab-case such as 'food-aid')"))
            continue
        set_files[set_id] = loader.parse(path, HypothesisSetFile, "a hypothesis set")
    registry = loader.root / "evidence" / "sources.yaml"
    evidence_paths = loader.files("evidence", recursive=True)
    sources_file = None
    if registry in evidence_paths:
        evidence_paths.remove(registry)
        sources_file = loader.parse(registry, SourcesFile, "the source registry", entries="sources")
    elif evidence_paths:
        loader.problems.append(Problem("evidence/sources.yaml", None, "missing: evidence items cite sources, "
                                       "which are declared in evidence/sources.yaml"))
    evidence = [
        parsed for path in evidence_paths
        if (parsed := loader.parse(path, EvidenceFile, "an evidence file", entries="items")) is not None
    ]
    built = build_entities(set_files, sources_file, evidence, models)
    problems = loader.problems + built.problems
    if problems:
        raise InputError(problems)
    return Workspace(root, built.sets, built.sources, built.items, loader.warnings + built.warnings, loader.hashes)


class _Loader:
    """Finds and parses a workspace's files, collecting problems and content hashes."""

    def __init__(self, root: Path, max_file_size: int) -> None:
        self.root = root
        self.max_file_size = max_file_size
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.hashes: dict[str, str] = {}

    def shown(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def files(self, folder: str, *, recursive: bool = False) -> list[Path]:
        """YAML files under ``folder`` in name order; odd entries become problems."""
        base = self.root / folder
        if not base.is_dir():
            return []
        found = []
        entries: Sequence[Path] = sorted(base.rglob("*") if recursive else base.iterdir())
        for entry in entries:
            rel = entry.relative_to(self.root)
            if any(part.startswith(".") for part in rel.parts) or entry.name.endswith("~"):
                continue  # hidden files and editor backups are not workspace files
            if not entry.name.lower().endswith(_YAML_SUFFIXES):
                if entry.is_file() and not entry.name.lower().endswith(_NOTE_SUFFIXES):
                    self.warnings.append(Problem(rel.as_posix(), None, "not read: workspace files end in .yaml"))
                continue
            if entry.is_symlink() and not _inside(entry.resolve(), self.root):
                self.problems.append(Problem(rel.as_posix(), None, "symbolic link to a file outside the workspace; "
                                             "copy the file into the workspace instead"))
                continue
            if entry.is_dir():
                self.problems.append(Problem(rel.as_posix(), None, "is a folder, but its name ends like a YAML "
                                             "file; rename it"))
                continue
            found.append(entry)
        return found

    def parse(self, path: Path, model: type[M], what: str, *, entries: str | None = None) -> Parsed[M] | None:
        shown = self.shown(path)
        key = self._cache_key(path, shown, model, entries)
        hit = cached(*key) if key is not None else None
        if hit is not None:
            doc, result = hit
        else:
            try:
                doc = read_yaml(path, shown, max_bytes=self.max_file_size)
            except InputError as exc:
                self.problems.extend(exc.problems)
                return None
            result = validate_document(doc, model, what, entries=entries)
            if key is not None and doc.sha256 == key[0]:  # unchanged while we read it
                store((doc, result), *key)
        self.hashes[shown] = doc.sha256
        self.problems.extend(result.problems)
        if result.model is None:
            return None
        return Parsed(doc, result.model, result.kept, result.dropped)

    def _cache_key(self, path: Path, shown: str, model: type[BaseModel], entries: str | None) -> tuple[str, ...] | None:
        """The cache key of a file: its content hash and how it is read (None if it cannot be read here)."""
        try:
            if path.stat().st_size > self.max_file_size:
                return None
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None
        return (sha, shown, model.__qualname__, entries or "")

    def models(self) -> dict[str, ModelSpec]:
        models = {"default": ModelSpec()}
        for path in self.files("models"):
            parsed = self.parse(path, ModelFile, "a model specification")
            if parsed is None:
                models[path.name.rsplit(".", 1)[0]] = ModelSpec()  # known: its own problems are reported
                continue
            spec = ModelSpec(parsed.model, path.name.rsplit(".", 1)[0])
            for message in spec.problems():
                self.problems.append(parsed.doc.problem(("likelihood_scale",), message))
            models[spec.name] = spec
        return models


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
