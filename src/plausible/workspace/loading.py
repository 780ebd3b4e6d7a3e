"""Loading a workspace: find its files, parse and validate each, cross-check, and serve posteriors."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from plausible.core.errors import InputError, Problem, UsageError
from plausible.core.limits import DEFAULT_MAX_BYTES
from plausible.core.names import ID_PATTERN, did_you_mean
from plausible.core.types import Method
from plausible.io.cache import cached, store
from plausible.model.entities import Analyst, HypothesisSet, Item, Source, items_as_of, reported_after_today
from plausible.model.scales import ModelSpec

if TYPE_CHECKING:  # parsing and validating (pydantic) is imported only when the cache cannot serve
    from pydantic import BaseModel

    from plausible.engines.posterior import Labels, Posterior
    from plausible.engines.progress import Progress
    from plausible.model.compiled import CompiledSet
    from plausible.model.crosscheck import Built, Parsed
    from plausible.model.schema.model import InferenceSettings
    from plausible.model.schema.workspace import WorkspaceFile

__all__ = ["INPUT_FOLDERS", "Workspace", "load_workspace"]

INPUT_FOLDERS = ("hypotheses", "evidence", "analysts", "models")
"""The folders of a workspace whose YAML files are its inputs (what ``Workspace.files`` hashes)."""

M = TypeVar("M", bound="BaseModel")
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
        without the items that later items supersede; with an ``as_of`` date, only those reported by then.
    warnings : list
        Things worth a look that do not stop the analysis.
    files : dict
        SHA-256 of every input file, by path relative to the root.
    all_items : list
        Every item ever written, superseded ones included, in trajectory order (what ``as_of`` filters).
    as_of : datetime.date or None
        The day this view of the workspace stands on (see :meth:`on`), or None for everything.
    analysts : dict
        The analysts by id (``lead`` at least): their judgments are on the items (``Item.judged``), whose
        likelihoods are the analysts' pool.
    viewed_by : str or None
        The analyst whose view this is (see :meth:`view_of`), or None for the pool.
    """

    root: Path
    sets: dict[str, HypothesisSet]
    sources: dict[str, Source]
    items: list[Item]
    warnings: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    all_items: list[Item] = field(default_factory=list)
    as_of: dt.date | None = None
    analysts: dict[str, Analyst] = field(default_factory=dict)
    viewed_by: str | None = None
    _compiled: dict[tuple[str, bool], CompiledSet] = field(default_factory=dict, init=False, repr=False, compare=False)
    _labels: dict[str, Labels] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __repr__(self) -> str:
        day = "" if self.as_of is None else f", as of {self.as_of.isoformat()}"
        view = "" if self.viewed_by is None else f", {self.viewed_by}'s view"
        return (f"<Workspace {str(self.root)!r}: {len(self.sets)} sets, {len(self.sources)} sources, "
                f"{len(self.items)} items{day}{view}>")

    def _repr_html_(self) -> str:
        import pandas as pd

        from plausible.core.notebook import html_block

        frame = pd.DataFrame(
            [{"question": hs.question, "hypotheses": len(hs.hypotheses), "reports": len(self.items_for(set_id)),
              "model": hs.model.name} for set_id, hs in self.sets.items()],
            index=pd.Index(list(self.sets), name="set"), columns=["question", "hypotheses", "reports", "model"])
        day = "" if self.as_of is None else f"; as of {self.as_of.isoformat()}"
        lines = [f"{len(self.sources)} sources, {len(self.items)} items, {len(self.analysts) or 1} analysts{day}",
                 *(str(w) for w in self.warnings[:5])]
        if len(self.warnings) > 5:
            lines.append(f"… and {len(self.warnings) - 5} more warnings")
        return html_block(f"Workspace {self.root}", lines, frame)

    def on(self, day: dt.date | None) -> Workspace:
        """The workspace as an analyst had it on ``day``: the items reported on or before it.

        Corrections (``supersedes``) apply only when they were reported by ``day``. Judgments, hypothesis
        sets, sources and models are today's: ``as_of`` filters evidence, it does not reconstruct past files.
        An item whose likelihoods come from its origin group counts with them even when the group's item that
        carries them was reported later. ``None`` gives the whole workspace.

        Examples
        --------
        >>> import datetime as dt
        >>> ws = load_workspace(".")                                       # doctest: +SKIP
        >>> ws.on(dt.date(2015, 6, 18)).posterior("dprk-driver").as_of   # doctest: +SKIP
        datetime.date(2015, 6, 18)
        """
        whole = self if self.as_of is None else replace(self, items=items_as_of(self.all_items), as_of=None)
        if day is None:
            return whole
        return replace(whole, items=items_as_of(whole.all_items, day), as_of=day)

    def view_of(self, analyst: str) -> Workspace:
        """The workspace as one analyst sees it: the analyst's judgments where given, the others' pool elsewhere.

        Priors likewise: the analyst's own when stated (the hypothesis files' are the lead's), else the pool of
        the others'. On a workspace with one analyst, that analyst's view is the workspace.

        Raises
        ------
        UsageError
            For an analyst the workspace does not have.

        Examples
        --------
        The example of ``plausible init`` has a second analyst, ``sam``:

        >>> from importlib import resources
        >>> ws = load_workspace(str(resources.files("plausible.data") / "example"))
        >>> sorted(ws.analysts), ws.view_of("sam").viewed_by
        (['lead', 'sam'], 'sam')
        >>> screens = {i.id: i for i in ws.view_of("sam").items}["gazette-hmi-screens"]
        >>> screens.likelihoods["plant-outage"]["cyber-attack"].mean, screens.likelihoods["plant-outage"]["other"].mean
        (0.8, 0.3)
        """
        from plausible.model.pooling import pool_priors, view_row

        if analyst not in self.analysts:
            known = ", ".join(self.analysts) or "none"
            raise UsageError(f"unknown analyst {analyst!r}{did_you_mean(analyst, self.analysts)} (analysts in "
                             f"this workspace: {known})")
        weights = {a: entry.weight for a, entry in self.analysts.items()}

        def seen(item: Item) -> Item:
            lik = {s: view_row(rows, weights, analyst) for s, rows in item.judged.items()}
            return replace(item, likelihoods=lik)

        sets = {}
        for set_id, hs in self.sets.items():
            by = hs.priors_by_analyst
            if by:
                chosen = by[analyst] if analyst in by else pool_priors(
                    {a: p for a, p in by.items() if a != analyst}, weights)
                hs = replace(hs, hypotheses=tuple(replace(h, prior=p)
                                                  for h, p in zip(hs.hypotheses, chosen, strict=True)))
            sets[set_id] = hs
        seen_items = {item.id: seen(item) for item in self.all_items}
        return replace(self, sets=sets, items=[seen_items[i.id] for i in self.items],
                       all_items=list(seen_items.values()), viewed_by=analyst)

    def prior_from(self, set_id: str) -> tuple[str, ...]:
        """The analysts whose stated priors make a set's prior in this view (pooled when more than one).

        The lead alone when no analyst's file states priors for the set; with several, every one of them (their
        log pool); in an analyst's view (:meth:`view_of`), that analyst when they stated priors, else the others.

        Examples
        --------
        >>> from importlib import resources
        >>> ws = load_workspace(str(resources.files("plausible.data") / "example"))
        >>> ws.prior_from("plant-outage")
        ('lead',)
        """
        stated = tuple(self.hypothesis_set(set_id).priors_by_analyst) or ("lead",)
        if self.viewed_by is None:
            return stated
        if self.viewed_by in stated:
            return (self.viewed_by,)
        return tuple(a for a in stated if a != self.viewed_by)

    def compiled(self, set_id: str, *, by_analyst: bool = False) -> CompiledSet:
        """The set and its items compiled into (read-only) arrays, once per loaded workspace.

        Parameters
        ----------
        set_id : str
        by_analyst : bool
            Also compile each analyst's own judgments when several analysts judged the set (what the MCMC
            engine's ``analyst_noise`` model, its default, reads); otherwise only their pool per cell. An analyst's view
            (:meth:`view_of`) is compiled as judged: one analyst's judgments and the pool elsewhere.
        """
        by_analyst = by_analyst and self.viewed_by is None
        hit = self._compiled.get((set_id, by_analyst))
        if hit is None:
            from plausible.model.compiled import compile_set

            weights = {a: e.weight for a, e in self.analysts.items()} if by_analyst else None
            hit = compile_set(self.hypothesis_set(set_id), self.items_for(set_id), self.sources, weights)
            self._compiled[(set_id, by_analyst)] = hit
        return hit

    def hypothesis_set(self, set_id: str) -> HypothesisSet:
        """Return a set by id, or raise :class:`UsageError` naming the sets there are."""
        try:
            return self.sets[set_id]
        except KeyError:
            known = ", ".join(self.sets) or "none"
            raise UsageError(f"unknown hypothesis set {set_id!r}{did_you_mean(set_id, self.sets)} "
                             f"(sets in this workspace: {known})") from None

    def metadata(self) -> WorkspaceFile | None:
        """The workspace's ``workspace.yaml`` (title, author, organisation, classification), or None without one.

        Raises
        ------
        InputError
            When the file is invalid (``workspace.yaml:line: message``).
        """
        from plausible.workspace.metadata import read_metadata

        return read_metadata(self.root)

    def labels(self, set_id: str) -> Labels:
        """What the ids of a set's posterior stand for: hypothesis titles, report summaries, the set's model."""
        hit = self._labels.get(set_id)
        if hit is None:
            from plausible.engines.posterior import Labels

            hs = self.hypothesis_set(set_id)
            hit = Labels({h.id: h.title for h in hs.hypotheses},
                         {item.id: item.summary for item in self.items_for(set_id)}, hs.model)
            self._labels[set_id] = hit
        return hit

    def items_for(self, set_id: str) -> list[Item]:
        """The items bearing on a set, in trajectory order."""
        return [item for item in self.items if set_id in item.likelihoods]

    def arrivals_for(self, set_id: str) -> list[Item]:
        """Every item bearing on a set reported by :attr:`as_of`, superseded ones included, in trajectory order.

        What the set's history steps through: ``items_as_of`` of its first items gives what counted after them.
        """
        return [item for item in self.all_items if set_id in item.likelihoods
                and (self.as_of is None or item.reported <= self.as_of)]

    @property
    def inputs_hash(self) -> str:
        """One SHA-256 over every input file's path and content hash: identifies the inputs of a result."""
        digest = hashlib.sha256()
        for path, sha in sorted(self.files.items()):
            digest.update(f"{path}\0{sha}\n".encode())
        return digest.hexdigest()

    def settings(self, set_id: str, **options: Any) -> InferenceSettings:
        """The MCMC settings of a set: its model file's, with ``options`` applied (None keeps a value).

        Raises
        ------
        UsageError
            For an unknown option or a value out of range.
        """
        return self.hypothesis_set(set_id).model.inference.with_options(options)

    def posterior(
        self,
        set_id: str,
        method: Method | str = Method.EXACT,
        *,
        as_of: dt.date | None = None,
        progress: Progress | None = None,
        **options: Any,
    ) -> Posterior:
        """Posterior probabilities of a set's hypotheses given all evidence (or that reported before a date).

        Parameters
        ----------
        set_id : str
            The hypothesis set (file stem in ``hypotheses/``).
        method : {"exact", "mcmc"}
            ``exact``: closed form at point values (instant). ``mcmc``: the PyMC model with uncertain
            judgments and learned source reliability.
        as_of : datetime.date, optional
            Use only the items reported on or before this date (see :meth:`on`); the result records it.
        progress : Progress, optional
            Told how long work advances (MCMC sampling); nothing is reported without it.
        **options
            MCMC settings overriding the model file's (draws, tune, chains, seed, sampler, target_accept,
            interval, cores, analyst_noise); the exact engine takes none.

        Returns
        -------
        Posterior

        Raises
        ------
        UsageError
            For an unknown method, set or option.
        """
        from plausible.engines import parse_method, run_engine

        if as_of is not None and as_of != self.as_of:
            return self.on(as_of).posterior(set_id, method, progress=progress, **options)
        chosen = parse_method(method)
        if chosen is Method.EXACT:
            given = sorted(key for key, value in options.items() if value is not None)
            if given:
                raise UsageError(f"the exact engine takes no options (got {', '.join(given)})")
            result = run_engine(self.compiled(set_id), chosen, inputs_hash=self.inputs_hash)
        else:
            settings = self.settings(set_id, **options)
            result = run_engine(self.compiled(set_id, by_analyst=settings.analyst_noise), chosen, settings,
                                inputs_hash=self.inputs_hash, progress=progress)
        if self.as_of is not None:
            result = replace(result, as_of=self.as_of)
        return replace(result, labels=self.labels(set_id))


def load_workspace(path: str | os.PathLike[str] = ".", *, max_file_size: int = DEFAULT_MAX_BYTES,
                   as_of: dt.date | None = None) -> Workspace:
    """Load and validate a workspace folder.

    Parameters
    ----------
    path : str or PathLike
        The workspace folder (holding ``hypotheses/``, ``evidence/`` and optionally ``models/``).
    max_file_size : int
        Files larger than this many bytes are refused.
    as_of : datetime.date, optional
        Keep only the items reported on or before this date (see :meth:`Workspace.on`).

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
    layout = loader.layout()
    whole = loader.whole_key(layout)
    if whole is not None:
        key, hashes = whole
        hit = cached(*key)
        if isinstance(hit, _Entities):  # built from these very files: nothing to parse or check
            future = _reported_in_future(hit.all_items)  # today moves on although the files do not
            if future:
                raise InputError(future)
            ws = Workspace(root, hit.sets, hit.sources, items_as_of(hit.all_items), loader.warnings + hit.warnings,
                           hashes, hit.all_items, analysts=hit.analysts)
            return ws.on(as_of)
    built = _build(loader, layout)
    problems = loader.problems + built.problems + _reported_in_future(built.all_items)
    if problems:
        raise InputError(problems, _unbuilt_sets(loader, layout, built))
    if whole is not None and loader.hashes == whole[1]:  # no file changed while we read it
        store(_Entities(built.sets, built.sources, built.warnings, built.all_items, built.analysts),
              *whole[0])
    ws = Workspace(root, built.sets, built.sources, built.items, loader.warnings + built.warnings, loader.hashes,
                   built.all_items, analysts=built.analysts)
    return ws.on(as_of)


def _reported_in_future(items: list[Item]) -> list[Problem]:
    """An item reported after today is a typo or a forecast, not evidence (``observed`` may be later)."""
    from plausible.core.clock import today

    now = today()
    return [Problem(item.path, item.line, reported_after_today(item.id, item.reported, now))
            for item in items if item.reported > now]



@dataclass(frozen=True)
class _Layout:
    """The files of a workspace by kind, in reading order."""

    models: list[Path]
    sets: dict[str, Path]
    registry: Path | None
    evidence: list[Path]
    analysts: dict[str, Path] = field(default_factory=dict)

    def paths(self) -> list[Path]:
        """Every file to read, in reading order."""
        return [*self.models, *self.sets.values(), *([self.registry] if self.registry else []), *self.evidence,
                *self.analysts.values()]


def _unbuilt_sets(loader: _Loader, layout: _Layout, built: Built) -> list[str]:
    """A note for each set whose file has problems: the judgments of it elsewhere wait for that file."""
    return [f"set {set_id!r} is not built while {loader.shown(path)} has problems: the likelihoods given for it "
            "in evidence and analysts' files are checked once that file is fixed"
            for set_id, path in sorted(layout.sets.items()) if set_id not in built.sets]


@dataclass(frozen=True)
class _Entities:
    """What a workspace's files build (the cache entry of a whole workspace): plain objects, no pydantic."""

    sets: dict[str, HypothesisSet]
    sources: dict[str, Source]
    warnings: list[Problem]
    all_items: list[Item]  # the current items are derived: items_as_of(all_items)
    analysts: dict[str, Analyst] = field(default_factory=dict)


def _build(loader: _Loader, layout: _Layout) -> Built:
    """Parse, validate and cross-check every file of ``layout``."""
    from plausible.model.crosscheck import build_entities
    from plausible.model.schema import AnalystFile, EvidenceFile, HypothesisSetFile, SourcesFile

    models = loader.models(layout.models)
    set_files = {set_id: loader.parse(path, HypothesisSetFile, "a hypothesis set")
                 for set_id, path in layout.sets.items()}
    sources_file = None
    if layout.registry is not None:
        sources_file = loader.parse(layout.registry, SourcesFile, "the source registry", entries="sources")
    evidence = [
        parsed for path in layout.evidence
        if (parsed := loader.parse(path, EvidenceFile, "an evidence file", entries="items")) is not None
    ]
    analysts = {analyst_id: loader.parse(path, AnalystFile, "an analyst's file")
                for analyst_id, path in layout.analysts.items()}
    return build_entities(set_files, sources_file, evidence, models, analysts)


class _Loader:
    """Finds and parses a workspace's files, collecting problems and content hashes."""

    def __init__(self, root: Path, max_file_size: int) -> None:
        self.root = root
        self.max_file_size = max_file_size
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.hashes: dict[str, str] = {}
        self._shas: dict[Path, str | None] = {}

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

    def layout(self) -> _Layout:
        """Find the workspace's files; misplaced ones become problems or warnings."""
        models = self.files("models")
        sets = self.named("hypotheses", "set")
        analysts = self.named("analysts", "analyst")
        registry: Path | None = self.root / "evidence" / "sources.yaml"
        evidence = self.files("evidence", recursive=True)
        if registry in evidence:
            evidence.remove(registry)
        else:
            registry = None
            if evidence:
                self.problems.append(Problem("evidence/sources.yaml", None, "missing: evidence items cite sources, "
                                             "which are declared in evidence/sources.yaml"))
        return _Layout(models, sets, registry, evidence, analysts)

    def named(self, folder: str, what: str) -> dict[str, Path]:
        """The files of ``folder`` by id (the file name); a file whose name is no id is a problem."""
        named: dict[str, Path] = {}
        for path in self.files(folder):
            file_id = path.name.rsplit(".", 1)[0]
            if not ID_PATTERN.match(file_id):
                article = "an" if what[0] in "aeiou" else "a"
                self.problems.append(Problem(self.shown(path), None, f"{file_id!r} is not a valid {what} id ("
                                             f"{article} {what}'s id is its file name): use letters, digits and "
                                             "single '-', '_' or '.' between them (kebab-case such as 'food-aid')"))
                continue
            if file_id in named:
                self.problems.append(Problem(self.shown(path), None, f"a second file for {what} {file_id!r} "
                                             f"(first: {self.shown(named[file_id])}); keep one"))
                continue
            named[file_id] = path
        return named

    def whole_key(self, layout: _Layout) -> tuple[tuple[str, ...], dict[str, str]] | None:
        """The cache key of the whole workspace (every file's path and content hash) and those hashes.

        None when the files found so far have problems or one cannot be hashed: then each file is read.
        """
        if self.problems:
            return None
        parts = ["workspace"]
        hashes: dict[str, str] = {}
        for path in layout.paths():
            sha = self._sha(path)
            if sha is None:
                return None
            hashes[self.shown(path)] = sha
            parts.extend((self.shown(path), sha))
        return tuple(parts), hashes

    def parse(self, path: Path, model: type[M], what: str, *, entries: str | None = None) -> Parsed[M] | None:
        from plausible.io.yamlio import YamlDocument, read_yaml
        from plausible.model.crosscheck import Parsed
        from plausible.model.schema import validate_document
        from plausible.model.schema.validation import Validated

        shown = self.shown(path)
        key = self._cache_key(path, shown, model, entries)
        hit = cached(*key) if key is not None else None
        if (isinstance(hit, tuple) and len(hit) == 2 and isinstance(hit[0], YamlDocument)
                and isinstance(hit[1], Validated) and (hit[1].model is None or isinstance(hit[1].model, model))):
            doc, result = hit  # anything else read from the cache is a damaged entry: a miss
        else:
            try:
                doc = read_yaml(path, shown, max_bytes=self.max_file_size)
            except InputError as exc:
                self.problems.extend(exc.problems)
                return None
            result = validate_document(doc, model, what, entries=entries, prune=True)
            if key is not None and doc.sha256 == key[0]:  # unchanged while we read it
                store((doc, result), *key)
        self.hashes[shown] = doc.sha256
        self.problems.extend(result.problems)
        if result.model is None:
            return None
        if result.pruned:  # left out for their problems: the cross-file checks treat them as reported already
            doc = replace(doc, broken=doc.broken | result.pruned)
        return Parsed(doc, result.model, result.kept, result.dropped)

    def _cache_key(self, path: Path, shown: str, model: type[BaseModel], entries: str | None) -> tuple[str, ...] | None:
        """The cache key of a file: its content hash and how it is read (None if it cannot be read here)."""
        sha = self._sha(path)
        return None if sha is None else (sha, shown, model.__qualname__, entries or "")

    def _sha(self, path: Path) -> str | None:
        """SHA-256 of a file's bytes, once per load (None if it is too large or cannot be read)."""
        if path not in self._shas:
            try:
                too_large = path.stat().st_size > self.max_file_size
                self._shas[path] = None if too_large else hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                self._shas[path] = None
        return self._shas[path]

    def models(self, paths: list[Path]) -> dict[str, ModelSpec]:
        from plausible.model.schema import ModelFile

        models = {"default": ModelSpec()}
        for path in paths:
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
