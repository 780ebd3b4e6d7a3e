"""Cross-file checks: turn validated files into typed entities, reporting every inconsistency at once.

An entry that failed its own validation is dropped, but its id stays *known*, so that other files that
refer to it are not told it does not exist (one mistake, one message).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from plausible.core.display import percent
from plausible.core.errors import Problem
from plausible.io.yamlio import Location, YamlDocument
from plausible.io.yamlresolve import written_text
from plausible.model.entities import (
    Analyst,
    Hypothesis,
    HypothesisSet,
    Indicator,
    Item,
    Source,
    items_as_of,
    reported_after_today,
)
from plausible.model.pooling import pool_priors, pool_row
from plausible.model.scales import Judgment, ModelSpec
from plausible.model.schema import AnalystFile, EvidenceFile, EvidenceItem, HypothesisSetFile, SourcesFile, did_you_mean
from plausible.model.schema.fields import LikelihoodValue

__all__ = ["Built", "Parsed", "build_entities"]


@dataclass(frozen=True)
class Parsed[M]:
    """A validated file with the document it came from.

    ``kept[i]`` is the position in the file of the i-th entry of the model's list; entries with problems
    of their own are ``dropped`` (position, raw mapping): their ids stay known.
    """

    doc: YamlDocument
    model: M
    kept: tuple[int, ...] = ()
    dropped: tuple[tuple[int, dict[str, Any]], ...] = ()

    @property
    def dropped_ids(self) -> list[tuple[int, str]]:
        """Positions and ids of the dropped entries that have a readable id."""
        return [(i, written_text(raw["id"]) or str(raw["id"])) for i, raw in self.dropped
                if isinstance(raw.get("id"), str | int | float | dt.date) and not isinstance(raw.get("id"), bool)]


@dataclass
class Built:
    """Entities built from the files, with the problems and warnings found."""

    sets: dict[str, HypothesisSet] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    all_items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    known_sets: set[str] = field(default_factory=set)
    known_sources: set[str] = field(default_factory=set)
    check_sources: bool = True
    analysts: dict[str, Analyst] = field(default_factory=dict)


def build_entities(
    set_files: Mapping[str, Parsed[HypothesisSetFile] | None],
    sources_file: Parsed[SourcesFile] | None,
    evidence_files: Iterable[Parsed[EvidenceFile]],
    models: Mapping[str, ModelSpec],
    analyst_files: Mapping[str, Parsed[AnalystFile] | None] | None = None,
) -> Built:
    """Resolve references and judgments across files.

    Parameters
    ----------
    set_files : mapping
        Set id (the file's stem) to its parsed hypotheses file, or None when that file is broken.
    sources_file : Parsed or None
        The source registry, if present and readable.
    evidence_files : iterable
        Parsed evidence files, in file-name order.
    models : mapping
        Model name to its specification.
    analyst_files : mapping, optional
        Analyst id (the file's stem) to its parsed ``analysts/`` file, or None when that file is broken.

    Returns
    -------
    Built
    """
    out = Built(known_sets=set(set_files), check_sources=sources_file is not None)
    for set_id, parsed in set_files.items():
        if parsed is not None:
            built = _build_set(set_id, parsed, models, out)
            if built is not None:
                out.sets[set_id] = built
    if sources_file is not None:
        out.known_sources.update(i for _, i in sources_file.dropped_ids)
        _build_sources(sources_file, models.get("default") or ModelSpec(), out)
    files = dict(analyst_files or {})
    covered = _analyst_cells(files)
    entries, group_values = _build_items(list(evidence_files), out, covered, {"lead", *files})
    _apply_analysts(files, entries, group_values, out)
    return out


def _build_set(
    set_id: str, parsed: Parsed[HypothesisSetFile], models: Mapping[str, ModelSpec], out: Built
) -> HypothesisSet | None:
    """Build a set; None only when its hypotheses cannot be told apart (evidence cannot be checked)."""
    doc, spec = parsed.doc, parsed.model
    model_name = spec.model or "default"
    model = models.get(model_name)
    if model is None:
        out.problems.append(doc.problem(("model",), f"unknown model {model_name!r}: there is no models/"
                                        f"{model_name}.yaml{did_you_mean(model_name, models)}"))
        model = ModelSpec()
    if len(spec.hypotheses) < 2:
        out.problems.append(doc.problem(("hypotheses",), f"a hypothesis set needs at least two hypotheses, "
                                        f"found {len(spec.hypotheses)}; add the alternatives (and a catch-all)"))
    seen: dict[str, int] = {}
    for i, h in enumerate(spec.hypotheses):
        if h.id in seen:
            out.problems.append(doc.problem(("hypotheses", i, "id"), f"duplicate hypothesis id {h.id!r} "
                                            f"(first at line {doc.line_of(('hypotheses', seen[h.id], 'id'))})"))
        seen.setdefault(h.id, i)
    catch_alls = [h.id for h in spec.hypotheses if h.catch_all]
    if len(catch_alls) > 1:
        out.problems.append(doc.problem(("hypotheses",), f"only one catch-all hypothesis is allowed, found "
                                        f"{', '.join(catch_alls)}"))
    told = [("exhaustive",), *(("hypotheses", i, "catch_all") for i in range(len(spec.hypotheses)))]
    if (not catch_alls and not spec.exhaustive and len(spec.hypotheses) >= 2
            and not any(_under(loc, doc.broken) for loc in told)):  # a refused value is reported already
        out.warnings.append(doc.problem(("hypotheses",), "the set has no catch-all hypothesis and is not marked "
                                        "`exhaustive: true`; probabilities assume these answers cover every "
                                        "possibility"))
    priors = _priors(spec, model, doc, out)
    ids = list(seen)
    indicators = []
    indicator_lines: dict[str, int | None] = {}
    for i, ind in enumerate(spec.indicators):
        if ind.id in indicator_lines:
            out.problems.append(doc.problem(("indicators", i, "id"), f"duplicate indicator id {ind.id!r} "
                                            f"(first at line {indicator_lines[ind.id]})"))
        indicator_lines.setdefault(ind.id, doc.line_of(("indicators", i, "id")))
        lik = _judgments(ind.likelihoods, ids, model, doc, ("indicators", i, "likelihoods"), out,
                         f"indicator {ind.id!r}")
        indicators.append(Indicator(ind.id, ind.text, lik))
    if len(seen) < len(spec.hypotheses):
        return None
    hypotheses = tuple(
        Hypothesis(h.id, h.title, priors[i], h.description, h.catch_all, h.rationale)
        for i, h in enumerate(spec.hypotheses)
    )
    return HypothesisSet(set_id, spec.question, hypotheses, model, doc.path, tuple(indicators),
                         spec.exhaustive, spec.description)


def _priors(spec: HypothesisSetFile, model: ModelSpec, doc: YamlDocument, out: Built) -> list[float]:
    """Normalised priors: given ones as weights; missing ones share what is left (uniform if none given).

    A verbal prior names a band: it is read at the band's mean, and after normalisation a prior that has left
    its band is a warning that shows every normalised prior (the words no longer mean what they say).
    """
    values: list[float | None] = []
    bands: dict[int, tuple[str, tuple[float, float]]] = {}
    for i, h in enumerate(spec.hypotheses):
        if h.prior is None:
            values.append(None)
            continue
        try:
            judged = model.judgment(h.prior)
        except ValueError as exc:
            out.problems.append(doc.problem(("hypotheses", i, "prior"), str(exc)))
            values.append(None)
            continue
        values.append(judged.mean)
        if judged.band is not None:
            bands[i] = (str(h.prior), judged.band)
    if any(_under(("hypotheses", i, "prior"), doc.broken) for i in range(len(spec.hypotheses))):
        return [1.0 / len(values)] * len(values)  # a refused prior is reported already: no follow-on about sums
    normalised = _normalised(values, [h.id for h in spec.hypotheses], doc, out)
    _check_verbal_priors(spec, normalised, bands, doc, out)
    return normalised


def _check_verbal_priors(spec: HypothesisSetFile, priors: list[float],
                         bands: Mapping[int, tuple[str, tuple[float, float]]], doc: YamlDocument, out: Built) -> None:
    shown = ", ".join(f"{h.id} {percent(p)}" for h, p in zip(spec.hypotheses, priors, strict=True))
    for i, (word, (low, high)) in bands.items():
        if not low - 1e-9 <= priors[i] <= high + 1e-9:
            out.warnings.append(doc.problem(("hypotheses", i, "prior"), (
                f"prior {word!r} of {spec.hypotheses[i].id!r} names {percent(low)}–{percent(high)}, but the set's "
                f"priors normalised make it {percent(priors[i])} (normalised priors: {shown}); give numbers, or "
                "words whose bands fit together")))


def _normalised(values: list[float | None], ids: list[str], doc: YamlDocument, out: Built) -> list[float]:
    given = [v for v in values if v is not None]
    without = [h for h, v in zip(ids, values, strict=True) if v is None]
    missing = len(without)
    uniform = [1.0 / max(len(values), 1)] * len(values)
    if not given:
        return uniform
    if missing:
        rest = 1.0 - sum(given)
        if rest <= 0.0:
            which = (f"the hypothesis without one ({without[0]!r})" if missing == 1 else
                     f"the {missing} hypotheses without one ({', '.join(map(repr, without))})")
            out.problems.append(doc.problem(("hypotheses",), (
                f"priors given sum to {sum(given):g}, leaving nothing for {which}: when only some hypotheses have "
                "a prior, the given ones are probabilities that must sum below 1; give every hypothesis a prior "
                "(they are then weights, normalised) or lower the given ones")))
            return uniform
        values = [v if v is not None else rest / missing for v in values]
    total = sum(v for v in values if v is not None)
    return [(v or 0.0) / total for v in values]


def _judgments(
    values: Mapping[str, LikelihoodValue],
    hypothesis_ids: list[str],
    model: ModelSpec,
    doc: YamlDocument,
    loc: Location,
    out: Built,
    what: str,
    covered: Collection[str] = (),
) -> dict[str, Judgment]:
    result: dict[str, Judgment] = {}
    meant: set[str] = set()  # hypotheses an unknown key was probably meant to be
    known = set(hypothesis_ids)
    other_scale: dict[str, list[tuple[str, str]]] = defaultdict(list)  # scale → (hypothesis, term): one message
    for hid, value in values.items():
        if hid not in known:
            hint = did_you_mean(hid, hypothesis_ids)
            meant.update(hint.split("'")[1:2])
            out.problems.append(doc.problem((*loc, hid), f"{what}: unknown hypothesis {hid!r}{hint}"))
            continue
        try:
            result[hid] = model.judgment(value)
        except ValueError as exc:
            scale = model.scale_of(value) if isinstance(value, str) else None
            if scale is not None:
                other_scale[scale].append((hid, str(value)))
                continue
            out.problems.append(doc.problem((*loc, hid), f"{what}: {exc}"))
    for scale, cells in other_scale.items():  # a row written in another scale is one mistake, not one per cell
        terms = list(dict.fromkeys(term for _, term in cells))
        out.problems.append(doc.problem((*loc, cells[0][0]), f"{what}: {model.other_scale_message(terms, scale)}"))
    missing = [h for h in hypothesis_ids if h not in values and h not in meant and h not in covered
               and not _under((*loc, h), doc.broken)]  # a cell left out for its own problem is reported already
    if missing and not _under(loc, doc.broken):  # a broken mapping is reported already
        out.problems.append(doc.problem(loc, f"{what}: likelihoods missing for {', '.join(map(repr, missing))}; "
                                        "give P(event | hypothesis) for every hypothesis of the set"))
    return result


def _build_sources(parsed: Parsed[SourcesFile], model: ModelSpec, out: Built) -> None:
    doc = parsed.doc
    first: dict[str, int | None] = {}
    for position, s in zip(parsed.kept, parsed.model.sources, strict=True):
        out.known_sources.add(s.id)
        if s.id in out.sources:
            out.problems.append(doc.problem(("sources", position, "id"), f"duplicate source id {s.id!r} "
                                            f"(first at line {first[s.id]})"))
            continue
        first[s.id] = doc.line_of(("sources", position, "id"))
        out.sources[s.id] = Source(s.id, s.name, model.reliability(s.reliability), s.kind, s.rationale)


@dataclass(frozen=True)
class _Entry:
    """An evidence item with where it stands."""

    doc: YamlDocument
    position: int
    spec: EvidenceItem
    analyst: str = "lead"

    def loc(self, *rest: str) -> Location:
        return ("items", self.position, *rest)


_Groups = dict[str, dict[str, tuple[Mapping[str, LikelihoodValue], str]]]
_Cells = Mapping[tuple[str, str], set[str]]


def _build_items(files: list[Parsed[EvidenceFile]], out: Built, covered: _Cells,
                 analysts: Collection[str]) -> tuple[list[_Entry], _Groups]:
    first_seen: dict[str, str] = {}
    entries: list[_Entry] = []
    for parsed in files:
        doc = parsed.doc
        file_analyst = parsed.model.analyst or "lead"
        if file_analyst not in analysts:
            out.problems.append(doc.problem(("analyst",), _unknown_analyst(file_analyst, analysts)))
        good = {position: spec for position, spec in zip(parsed.kept, parsed.model.items, strict=True)}
        broken = dict(parsed.dropped_ids)
        for position in sorted({*good, *broken}):
            item_id = good[position].id if position in good else broken[position]
            loc: Location = ("items", position, "id")
            if item_id in first_seen:
                out.problems.append(doc.problem(loc, f"duplicate item id {item_id!r} (first at "
                                                f"{first_seen[item_id]}); ids are unique across all evidence files"))
                continue
            first_seen[item_id] = f"{doc.path}:{doc.line_of(loc)}"
            if position in good:
                spec = good[position]
                if spec.analyst is not None and spec.analyst not in analysts:
                    out.problems.append(doc.problem(("items", position, "analyst"),
                                                    _unknown_analyst(spec.analyst, analysts)))
                entries.append(_Entry(doc, position, spec, spec.analyst or file_analyst))
        for position, raw in parsed.dropped:  # still check the references that can be read
            source = raw.get("source")
            if out.check_sources and isinstance(source, str) and source not in out.known_sources:
                out.problems.append(doc.problem(("items", position, "source"), _unknown_source(source, out)))
            _check_raw_item(doc, position, raw, out)
    known_items = set(first_seen)
    by_id = {entry.spec.id: entry.spec for entry in entries}
    group_values = _origin_groups(entries, out)
    superseded: set[str] = set()
    idle: list[_Entry] = []  # items that would count in no set
    judged_ids = {item_id for item_id, _ in covered}
    analyst_origins = {e.spec.origin for e in entries if e.spec.origin is not None and e.spec.id in judged_ids}
    ordered: list[tuple[tuple[dt.date, str, int], Item]] = []
    for entry in entries:
        spec, doc = entry.spec, entry.doc
        if out.check_sources and spec.source not in out.known_sources:
            out.problems.append(doc.problem(entry.loc("source"), _unknown_source(spec.source, out)))
        if spec.observed is not None and spec.observed > spec.reported:
            out.warnings.append(doc.problem(entry.loc("observed"), f"item {spec.id!r} was observed "
                                            f"({spec.observed}) after it was reported ({spec.reported}): an event "
                                            "is reported on or after the day it happens; check both dates"))
        for target in spec.supersedes:
            if target == spec.id:
                out.problems.append(doc.problem(entry.loc("supersedes"), f"item {spec.id!r} supersedes itself; "
                                                "list the ids of the earlier items it corrects"))
            elif target not in known_items:
                out.problems.append(doc.problem(entry.loc("supersedes"), f"item {spec.id!r} supersedes unknown "
                                                f"item {target!r}{did_you_mean(target, known_items)}"))
            elif target in by_id and by_id[target].reported > spec.reported:
                # A correction applies from the day it is reported: one reported before the item it corrects
                # would keep that item from ever counting, without a word.
                out.problems.append(doc.problem(entry.loc("supersedes"), (
                    f"item {spec.id!r} (reported {spec.reported}) supersedes item {target!r}, which is reported "
                    f"later ({by_id[target].reported}), so {target!r} would never count: a correction comes after "
                    f"the item it corrects; check both dates, or whether {target!r} should supersede {spec.id!r}")))
            superseded.add(target)
        for other in spec.independent_of:
            if other not in known_items or other == spec.id:
                what = "itself" if other == spec.id else f"unknown item {other!r}{did_you_mean(other, known_items)}"
                out.problems.append(doc.problem(entry.loc("independent_of"), f"item {spec.id!r} is marked "
                                                f"independent of {what}; list the ids of other items of its source"))
            elif other in by_id and by_id[other].source != spec.source:
                out.problems.append(doc.problem(entry.loc("independent_of"), (
                    f"item {spec.id!r} (source {spec.source!r}) is marked independent of {other!r}, which is from "
                    f"another source ({by_id[other].source!r}); `independent_of` is for items of the same source "
                    "(reports of different sources count as independent unless they share an `origin`): remove "
                    f"{other!r} from it")))
        likelihoods, ratings = _item_likelihoods(entry, group_values, out, covered)
        if (not ratings and not _reports_elsewhere(entry, out) and spec.id not in judged_ids
                and spec.origin not in analyst_origins):  # an analyst's file may carry the group's likelihoods
            idle.append(entry)
        item = Item(
            spec.id, spec.summary, spec.source, spec.reported, doc.path, doc.line_of(entry.loc("id")),
            spec.observed, spec.credibility, spec.origin, spec.relevance, spec.quote, spec.url, spec.rationale,
            tuple(spec.supersedes), likelihoods, ratings, tuple(spec.independent_of), entry.analyst,
            document=spec.document,
        )
        ordered.append(((spec.reported, doc.path, entry.position), item))
    ordered.sort(key=lambda pair: pair[0])
    out.all_items = [item for _, item in ordered]
    out.items = items_as_of(out.all_items)
    _report_idle([entry for entry in idle if entry.spec.id not in superseded], entries, group_values, out)
    return entries, group_values


def _reports_elsewhere(entry: _Entry, out: Built) -> bool:
    """Whether the item's likelihoods name only sets whose problems are reported elsewhere (unknown or broken)."""
    return any(set_id not in out.sets for set_id in entry.spec.likelihoods)


def _report_idle(idle: list[_Entry], entries: list[_Entry], group_values: Mapping[str, Mapping[str, Any]],
                 out: Built) -> None:
    """An item that counts in no set is an error: nothing the analyst wrote is silently left out.

    Superseded items are exempt (a correction replaces them). An item whose ``origin`` no other item names is
    most likely a typo of an existing group: the message offers the nearest group.
    """
    named: dict[str, int] = defaultdict(int)
    for entry in entries:
        if entry.spec.origin is not None:
            named[entry.spec.origin] += 1
    groups = sorted(origin for origin, sets in group_values.items() if sets)
    for entry in idle:
        spec, doc = entry.spec, entry.doc
        if spec.origin is not None and named[spec.origin] == 1:
            hint = did_you_mean(spec.origin, groups)
            out.problems.append(doc.problem(entry.loc("origin"), (
                f"item {spec.id!r} names origin {spec.origin!r}, which no other item names, and gives no "
                f"likelihoods, so it would count in no hypothesis set{hint + ' ' if hint else '. '}Correct the "
                "origin, or give the item `likelihoods` for a set")))
        elif spec.origin is not None:
            out.problems.append(doc.problem(entry.loc("origin"), (
                f"item {spec.id!r} reports origin {spec.origin!r}, but no item of that origin gives likelihoods; "
                "it would count in no hypothesis set: give `likelihoods` on one item of the origin")))
        else:
            out.problems.append(doc.problem(entry.loc("id"), (
                f"item {spec.id!r} gives no likelihoods and names no origin group, so it would count in no "
                "hypothesis set: add `likelihoods:` with P(item | hypothesis) for a set in hypotheses/, or "
                "`origin:` naming the group whose item carries them")))


def _check_raw_item(doc: YamlDocument, position: int, raw: Mapping[str, Any], out: Built) -> None:
    """What can be read of an item dropped for a problem of its own (a required key): all problems in one run.

    Its likelihoods are checked as a kept item's are (sets, hypotheses, verbal terms), and its ``reported`` date
    against today. The values the schema refused were left out of ``raw`` and are reported already.
    """
    from pydantic import TypeAdapter, ValidationError

    from plausible.core.clock import today
    from plausible.model.schema.fields import Date

    what = f"item {raw.get('id')!r}" if isinstance(raw.get("id"), str) else "the item"
    try:
        reported = TypeAdapter(Date).validate_python(raw.get("reported"))
    except ValidationError:
        pass  # missing or refused: the schema said so
    else:
        if reported > today() and isinstance(raw.get("id"), str):
            out.problems.append(doc.problem(("items", position, "id"),
                                            reported_after_today(str(raw["id"]), reported, today())))
    given = raw.get("likelihoods")
    if not isinstance(given, dict):
        return
    reader = TypeAdapter(LikelihoodValue)
    for set_id, values in given.items():
        loc: Location = ("items", position, "likelihoods", set_id)
        if _under(loc, doc.broken):
            continue  # the schema has said what is wrong here
        hs = out.sets.get(set_id)
        if hs is None:
            if set_id not in out.known_sets:
                out.problems.append(doc.problem(loc, f"unknown hypothesis set {set_id!r}"
                                                f"{did_you_mean(set_id, out.known_sets)} (sets are the files in "
                                                "hypotheses/)"))
            continue
        if not isinstance(values, dict):
            continue
        readable: dict[str, LikelihoodValue] = {}
        for hid, value in values.items():
            try:
                readable[str(hid)] = reader.validate_python(value)
            except ValidationError:
                continue  # refused by the schema: reported already
        _judgments(readable, list(hs.hypothesis_ids), hs.model, doc, loc, out, what,
                   covered=[h for h in values if h not in readable])


def _under(loc: Location, broken: Collection[Location]) -> bool:
    """Whether ``loc`` lies in a location already reported (broken, or left out for its problem)."""
    return any(loc[: len(b)] == b for b in broken)


def _unknown_source(source: str, out: Built) -> str:
    return (f"unknown source {source!r}{did_you_mean(source, out.known_sources)} "
            "(sources are declared in evidence/sources.yaml)")


def _item_likelihoods(
    entry: _Entry, group_values: Mapping[str, Mapping[str, tuple[Mapping[str, LikelihoodValue], str]]], out: Built,
    covered: _Cells,
) -> tuple[dict[str, dict[str, Judgment]], dict[str, dict[str, str]]]:
    """An item's judgments per set: its own, or those it shares with its origin group."""
    spec, doc = entry.spec, entry.doc
    given: dict[str, Mapping[str, LikelihoodValue]] = dict(spec.likelihoods)
    if spec.origin is not None:
        for set_id, (values, _) in group_values.get(spec.origin, {}).items():
            given.setdefault(set_id, values)
    likelihoods: dict[str, dict[str, Judgment]] = {}
    ratings: dict[str, dict[str, str]] = {}
    for set_id, values in given.items():
        hs = out.sets.get(set_id)
        if hs is None:
            if set_id not in out.known_sets:
                out.problems.append(doc.problem(entry.loc("likelihoods", set_id), f"unknown hypothesis set "
                                                f"{set_id!r}{did_you_mean(set_id, out.known_sets)} (sets are "
                                                "the files in hypotheses/)"))
            continue  # a known set whose file is broken: its own problems are reported there
        if set_id in spec.likelihoods:
            likelihoods[set_id] = _judgments(values, list(hs.hypothesis_ids), hs.model, doc,
                                             entry.loc("likelihoods", set_id), out, f"item {spec.id!r}",
                                             covered.get((spec.id, set_id), set()))
        else:  # inherited from the origin group: checked on the item that wrote it
            likelihoods[set_id] = _quietly(values, hs)
        ratings[set_id] = {h: str(v) for h, v in values.items()}
    return likelihoods, ratings


def _quietly(values: Mapping[str, LikelihoodValue], hs: HypothesisSet) -> dict[str, Judgment]:
    result = {}
    for hid, value in values.items():
        try:
            result[hid] = hs.model.judgment(value)
        except ValueError:
            continue
    return result


def _origin_groups(entries: list[_Entry], out: Built) -> _Groups:
    """For each origin, the likelihoods per set given by its members; conflicting values are problems."""
    groups: dict[str, dict[str, tuple[Mapping[str, LikelihoodValue], str]]] = defaultdict(dict)
    for entry in entries:
        spec = entry.spec
        if spec.origin is None:
            continue
        for set_id, values in spec.likelihoods.items():
            known = groups[spec.origin].get(set_id)
            if known is None:
                groups[spec.origin][set_id] = (values, spec.id)
            elif dict(known[0]) != dict(values):
                out.problems.append(entry.doc.problem(
                    entry.loc("likelihoods", set_id),
                    f"item {spec.id!r} gives likelihoods for {set_id!r} that differ from those of item "
                    f"{known[1]!r}, which reports the same origin {spec.origin!r}; reports of one event share its "
                    "likelihoods: give them once, on one item",
                ))
    return groups


def _unknown_analyst(analyst: str, analysts: Collection[str]) -> str:
    return (f"unknown analyst {analyst!r}{did_you_mean(analyst, analysts)} (analysts are the files in analysts/, "
            "and 'lead'; add analysts/<analyst-id>.yaml)")


def _is_na(value: LikelihoodValue) -> bool:
    return isinstance(value, str) and value.strip().upper() == "NA"


def _analyst_cells(files: Mapping[str, Parsed[AnalystFile] | None]) -> dict[tuple[str, str], set[str]]:
    """The cells (item, set) → hypotheses that some analyst file judges (NA is no judgment)."""
    cells: dict[tuple[str, str], set[str]] = defaultdict(set)
    for parsed in files.values():
        if parsed is None:
            continue
        for item_id, per_set in parsed.model.likelihoods.items():
            for set_id, values in per_set.items():
                cells[(item_id, set_id)].update(h for h, v in values.items() if not _is_na(v))
    return dict(cells)


def _analyst_entities(files: Mapping[str, Parsed[AnalystFile] | None]) -> dict[str, Analyst]:
    analysts = {a: Analyst(a, p.model.name, p.model.weight, p.model.role, p.doc.path, dict(p.model.rationales))
                for a, p in sorted(files.items()) if p is not None}
    if "lead" not in files:
        analysts = {"lead": Analyst("lead", "lead"), **analysts}
    return analysts


def _apply_analysts(files: Mapping[str, Parsed[AnalystFile] | None], entries: list[_Entry], groups: _Groups,
                    out: Built) -> None:
    """Attach every analyst's judgments to the items, pool them per cell, and pool the priors per set.

    The likelihoods written in an item are its analyst's; an analyst's file takes precedence over them cell by
    cell. An item of an origin group is judged on the member that carries the group's likelihoods.
    """
    out.analysts = _analyst_entities(files)
    weights = {a: analyst.weight for a, analyst in out.analysts.items()}
    specs = {entry.spec.id: entry for entry in entries}
    carriers = {(origin, set_id): carrier for origin, per_set in groups.items()
                for set_id, (_, carrier) in per_set.items()}
    extra: dict[str, dict[str, dict[str, dict[str, Judgment]]]] = defaultdict(lambda: defaultdict(dict))
    where: dict[tuple[str, str], tuple[str, int | None]] = {}  # the first analyst's line judging (item, set)
    for analyst_id, parsed in sorted(files.items()):
        if parsed is not None:
            _read_analyst(analyst_id, parsed, specs, carriers, extra, out)
            for item_id, per_set in parsed.model.likelihoods.items():
                for set_id in per_set:
                    where.setdefault((item_id, set_id),
                                     (parsed.doc.path, parsed.doc.line_of(("likelihoods", item_id, set_id))))
    if not extra and not any(e.analyst != "lead" for e in entries) and len(out.analysts) == 1:
        for item in out.all_items:  # one analyst: the items' judgments are the lead's, untouched
            item.judged.update({s: {"lead": row} for s, row in item.likelihoods.items()})
        return
    replaced = {item.id: _pooled_item(item, specs, carriers, extra, weights, where, out) for item in out.all_items}
    out.all_items = [replaced[item.id] for item in out.all_items]
    out.items = items_as_of(out.all_items)


def _read_analyst(analyst_id: str, parsed: Parsed[AnalystFile], specs: Mapping[str, _Entry],
                  carriers: dict[tuple[str, str], str],
                  extra: dict[str, dict[str, dict[str, dict[str, Judgment]]]], out: Built) -> None:
    doc, spec = parsed.doc, parsed.model
    what = f"analyst {analyst_id!r}"
    for item_id, per_set in spec.likelihoods.items():
        entry = specs.get(item_id)
        if entry is None:
            out.problems.append(doc.problem(("likelihoods", item_id), f"{what} judges unknown item {item_id!r}"
                                            f"{did_you_mean(item_id, specs)}"))
            continue
        for set_id, values in per_set.items():
            loc: Location = ("likelihoods", item_id, set_id)
            hs = out.sets.get(set_id)
            if hs is None:
                if set_id not in out.known_sets:
                    out.problems.append(doc.problem(loc, f"{what}: unknown hypothesis set {set_id!r}"
                                                    f"{did_you_mean(set_id, out.known_sets)}"))
                continue
            origin = entry.spec.origin
            if origin is not None:
                carrier = carriers.setdefault((origin, set_id), item_id)
                if carrier != item_id:
                    out.problems.append(doc.problem(loc, (
                        f"{what} judges item {item_id!r}, whose origin {origin!r} has its likelihoods for "
                        f"{set_id!r} carried by item {carrier!r}: judge {carrier!r} (reports of one event share "
                        "its likelihoods)")))
                    continue
            row = _judgments(values, list(hs.hypothesis_ids), hs.model, doc, loc, out,
                             f"{what}, item {item_id!r}", covered=hs.hypothesis_ids)
            extra[item_id][set_id][analyst_id] = row
    for item_id in spec.rationales:
        if item_id not in specs:
            out.problems.append(doc.problem(("rationales", item_id), f"{what} gives a rationale for unknown item "
                                            f"{item_id!r}{did_you_mean(item_id, specs)}"))
    for set_id, values in spec.priors.items():
        _analyst_priors(analyst_id, parsed, set_id, values, out)


def _analyst_priors(analyst_id: str, parsed: Parsed[AnalystFile], set_id: str, values: Mapping[str, Any],
                    out: Built) -> None:
    """Record an analyst's priors of a set and pool the set's priors again."""
    doc = parsed.doc
    hs = out.sets.get(set_id)
    if hs is None:
        if set_id not in out.known_sets:
            out.problems.append(doc.problem(("priors", set_id), f"analyst {analyst_id!r}: unknown hypothesis set "
                                            f"{set_id!r}{did_you_mean(set_id, out.known_sets)}"))
        return
    ids = list(hs.hypothesis_ids)
    before = len(out.problems)
    meant: set[str] = set()  # hypotheses an unknown key was probably meant to be
    for hid in values:
        if hid not in ids:
            hint = did_you_mean(hid, ids)
            meant.update(hint.split("'")[1:2])
            out.problems.append(doc.problem(("priors", set_id, hid), f"analyst {analyst_id!r}: unknown hypothesis "
                                            f"{hid!r}{hint}"))
    missing = [hid for hid in ids if hid not in values and hid not in meant
               and not _under(("priors", set_id, hid), doc.broken)]
    if missing:
        out.problems.append(doc.problem(("priors", set_id), (
            f"analyst {analyst_id!r}: prior missing for {', '.join(map(repr, missing))}; give a prior for every "
            f"hypothesis of {set_id!r}")))
    numbers: list[float] = []
    for hid in ids:
        if hid not in values:
            continue
        try:
            numbers.append(hs.model.judgment(values[hid]).mean)
        except ValueError as exc:
            out.problems.append(doc.problem(("priors", set_id, hid), f"analyst {analyst_id!r}: {exc}"))
    if len(out.problems) > before or len(numbers) < len(ids):
        return
    total = sum(numbers)
    by_analyst = {"lead": tuple(h.prior for h in hs.hypotheses), **hs.priors_by_analyst,
                  analyst_id: tuple(v / total for v in numbers)}
    weights = {a: analyst.weight for a, analyst in out.analysts.items()}
    pooled = pool_priors(by_analyst, weights)
    hypotheses = tuple(replace(h, prior=p) for h, p in zip(hs.hypotheses, pooled, strict=True))
    out.sets[set_id] = replace(hs, hypotheses=hypotheses, priors_by_analyst=by_analyst)


def _pooled_item(item: Item, specs: Mapping[str, _Entry], carriers: Mapping[tuple[str, str], str],
                 extra: Mapping[str, Mapping[str, Mapping[str, dict[str, Judgment]]]],
                 weights: Mapping[str, float], where: Mapping[tuple[str, str], tuple[str, int | None]],
                 out: Built) -> Item:
    """The item with each analyst's judgments per set, and their pool as its likelihoods."""
    entry = specs[item.id]
    judged: dict[str, dict[str, dict[str, Judgment]]] = {}
    for set_id, row in item.likelihoods.items():
        own = set_id in entry.spec.likelihoods or item.origin is None
        author = entry.analyst if own else specs[carriers[(str(item.origin), set_id)]].analyst
        judged[set_id] = {author: row}
    sets = {*item.likelihoods, *extra.get(item.id, {})}
    if item.origin is not None:
        sets.update(s for (o, s), c in carriers.items() if o == item.origin)
    for set_id in sorted(sets):
        carrier = carriers.get((str(item.origin), set_id), item.id) if item.origin is not None else item.id
        for analyst_id, row in extra.get(carrier, {}).get(set_id, {}).items():
            judged.setdefault(set_id, {})
            judged[set_id][analyst_id] = {**judged[set_id].get(analyst_id, {}), **row}
    likelihoods = {s: pool_row(rows, weights) for s, rows in judged.items()}
    ratings = dict(item.ratings)
    for set_id, pooled in likelihoods.items():
        # A cell keeps the label written in the item unless an analyst's file judged it (or added it).
        written, labels, rows = item.likelihoods.get(set_id, {}), item.ratings.get(set_id, {}), judged.get(set_id, {})
        ratings[set_id] = {h: labels[h] if h in labels and len(rows) == 1 and all(
            r.get(h) is written.get(h) for r in rows.values()) else j.label for h, j in pooled.items()}
        if set_id in item.likelihoods:
            continue
        missing = [h for h in out.sets[set_id].hypothesis_ids if h not in pooled]
        if missing and (item.id, set_id) in where:
            out.problems.append(Problem(*where[(item.id, set_id)], (
                f"item {item.id!r}: no analyst judges {', '.join(map(repr, missing))} for {set_id!r}; the "
                "analysts' files give the item likelihoods for that set, but not for every hypothesis")))
    return replace(item, likelihoods=likelihoods, ratings=ratings, judged=judged)
