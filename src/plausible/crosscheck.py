"""Cross-file checks: turn validated files into typed entities, reporting every inconsistency at once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from plausible.entities import Hypothesis, HypothesisSet, Indicator, Item, Source
from plausible.errors import Problem
from plausible.scales import Judgment, ModelSpec
from plausible.schema import EvidenceFile, HypothesisSetFile, SourcesFile, did_you_mean
from plausible.schema.fields import LikelihoodValue
from plausible.yamlio import YamlDocument

__all__ = ["Parsed", "build_entities"]


@dataclass(frozen=True)
class Parsed[M]:
    """A validated file model with the document it came from (for line numbers)."""

    doc: YamlDocument
    model: M


@dataclass
class _Built:
    sets: dict[str, HypothesisSet]
    sources: dict[str, Source]
    items: list[Item]
    problems: list[Problem]
    warnings: list[Problem]
    set_ids: list[str]


def build_entities(
    set_files: Mapping[str, Parsed[HypothesisSetFile]],
    sources_file: Parsed[SourcesFile] | None,
    evidence_files: Iterable[Parsed[EvidenceFile]],
    models: Mapping[str, ModelSpec],
) -> _Built:
    """Resolve references and judgments across files.

    Parameters
    ----------
    set_files : mapping
        Set id (the file's stem) to its parsed hypotheses file.
    sources_file : Parsed or None
        The source registry, if present.
    evidence_files : iterable
        Parsed evidence files, in file-name order.
    models : mapping
        Model name to its specification.

    Returns
    -------
    _Built
        Entities, and the problems and warnings found.
    """
    out = _Built({}, {}, [], [], [], list(set_files))
    for set_id, parsed in set_files.items():
        built = _build_set(set_id, parsed, models, out)
        if built is not None:
            out.sets[set_id] = built
    if sources_file is not None:
        _build_sources(sources_file, models.get("default") or ModelSpec(), out)
    _build_items(list(evidence_files), out)
    return out


def _build_set(
    set_id: str, parsed: Parsed[HypothesisSetFile], models: Mapping[str, ModelSpec], out: _Built
) -> HypothesisSet | None:
    doc, spec = parsed.doc, parsed.model
    start = len(out.problems)
    model_name = spec.model or "default"
    model = models.get(model_name)
    if model is None:
        out.problems.append(doc.problem(("model",), f"unknown model {model_name!r}: no models/{model_name}.yaml"
                                        f"{did_you_mean(model_name, models)}"))
        model = ModelSpec()
    if len(spec.hypotheses) < 2:
        out.problems.append(doc.problem(("hypotheses",), f"a hypothesis set needs at least two hypotheses, "
                                        f"found {len(spec.hypotheses)}; add the alternatives (and a catch-all)"))
    seen: dict[str, int] = {}
    for i, h in enumerate(spec.hypotheses):
        if h.id in seen:
            out.problems.append(doc.problem(("hypotheses", i, "id"), f"duplicate hypothesis id {h.id!r} "
                                            f"(also entry {seen[h.id] + 1})"))
        seen.setdefault(h.id, i)
    catch_alls = [h.id for h in spec.hypotheses if h.catch_all]
    if len(catch_alls) > 1:
        out.problems.append(doc.problem(("hypotheses",), f"only one catch-all hypothesis is allowed, found "
                                        f"{', '.join(catch_alls)}"))
    if not catch_alls and not spec.exhaustive and len(spec.hypotheses) >= 2:
        out.warnings.append(doc.problem(("hypotheses",), "the set has no catch-all hypothesis and is not marked "
                                        "`exhaustive: true`; probabilities assume these answers cover every "
                                        "possibility"))
    priors = _priors(spec, model, doc, out)
    ids = list(seen)
    indicators = []
    indicator_ids: set[str] = set()
    for i, ind in enumerate(spec.indicators):
        if ind.id in indicator_ids:
            out.problems.append(doc.problem(("indicators", i, "id"), f"duplicate indicator id {ind.id!r}"))
        indicator_ids.add(ind.id)
        lik = _judgments(ind.likelihoods, ids, model, doc, ("indicators", i, "likelihoods"), out,
                         f"indicator {ind.id!r}")
        indicators.append(Indicator(ind.id, ind.text, lik))
    if len(out.problems) > start:
        return None
    hypotheses = tuple(
        Hypothesis(h.id, h.title, priors[i], h.description, h.catch_all) for i, h in enumerate(spec.hypotheses)
    )
    return HypothesisSet(set_id, spec.question, hypotheses, model, doc.path, tuple(indicators),
                         spec.exhaustive, spec.description)


def _priors(spec: HypothesisSetFile, model: ModelSpec, doc: YamlDocument, out: _Built) -> list[float]:
    """Normalised priors: given ones as weights; missing ones share what is left (uniform if none given)."""
    values: list[float | None] = []
    for i, h in enumerate(spec.hypotheses):
        if h.prior is None:
            values.append(None)
            continue
        try:
            values.append(model.judgment(h.prior).mean)
        except ValueError as exc:
            out.problems.append(doc.problem(("hypotheses", i, "prior"), str(exc)))
            values.append(None)
    given = [v for v in values if v is not None]
    missing = len(values) - len(given)
    if not given:
        return [1.0 / max(len(values), 1)] * len(values)
    if missing:
        rest = 1.0 - sum(given)
        if rest <= 0.0:
            out.problems.append(doc.problem(("hypotheses",), f"priors given sum to {sum(given):g}, leaving nothing "
                                            f"for the {missing} hypotheses without one; give every hypothesis a "
                                            "prior (they are normalised) or lower the given ones"))
            return [1.0 / len(values)] * len(values)
        values = [v if v is not None else rest / missing for v in values]
    total = sum(v for v in values if v is not None)
    return [(v or 0.0) / total for v in values]


def _judgments(
    values: Mapping[str, LikelihoodValue],
    hypothesis_ids: list[str],
    model: ModelSpec,
    doc: YamlDocument,
    loc: tuple[str | int, ...],
    out: _Built,
    what: str,
) -> dict[str, Judgment]:
    result: dict[str, Judgment] = {}
    for hid, value in values.items():
        if hid not in hypothesis_ids:
            out.problems.append(doc.problem((*loc, hid), f"{what}: unknown hypothesis {hid!r}"
                                            f"{did_you_mean(hid, hypothesis_ids)}"))
            continue
        try:
            result[hid] = model.judgment(value)
        except ValueError as exc:
            out.problems.append(doc.problem((*loc, hid), f"{what}: {exc}"))
    missing = [h for h in hypothesis_ids if h not in values]
    if missing:
        out.problems.append(doc.problem(loc, f"{what}: likelihoods missing for {', '.join(map(repr, missing))}; "
                                        "give P(event | hypothesis) for every hypothesis of the set"))
    return result


def _build_sources(parsed: Parsed[SourcesFile], model: ModelSpec, out: _Built) -> None:
    doc = parsed.doc
    for i, s in enumerate(parsed.model.sources):
        if s.id in out.sources:
            out.problems.append(doc.problem(("sources", i, "id"), f"duplicate source id {s.id!r}"))
            continue
        out.sources[s.id] = Source(s.id, s.name, model.reliability(s.reliability), s.kind, s.rationale)


def _build_items(files: list[Parsed[EvidenceFile]], out: _Built) -> None:
    first_seen: dict[str, str] = {}
    raw: list[tuple[Parsed[EvidenceFile], int]] = []
    for parsed in files:
        for i, item in enumerate(parsed.model.items):
            where = f"{parsed.doc.path}:{parsed.doc.line_of(('items', i, 'id'))}"
            if item.id in first_seen:
                out.problems.append(parsed.doc.problem(("items", i, "id"), f"duplicate item id {item.id!r} "
                                                       f"(first at {first_seen[item.id]}); ids are unique "
                                                       "across all evidence files"))
                continue
            first_seen[item.id] = where
            raw.append((parsed, i))
    group_values = _origin_groups(raw, out)
    superseded: set[str] = set()
    items: list[tuple[tuple[dt.date, str, int, int], Item]] = []
    for order, (parsed, i) in enumerate(raw):
        doc, spec = parsed.doc, parsed.model.items[i]
        loc = ("items", i)
        if spec.source not in out.sources:
            out.problems.append(doc.problem((*loc, "source"), f"unknown source {spec.source!r}"
                                            f"{did_you_mean(spec.source, out.sources)}; sources are declared in "
                                            "evidence/sources.yaml"))
        if spec.observed is not None and spec.observed > spec.reported:
            out.warnings.append(doc.problem((*loc, "observed"), f"item {spec.id!r} was observed "
                                            f"({spec.observed}) after it was reported ({spec.reported})"))
        for target in spec.supersedes:
            if target not in first_seen or target == spec.id:
                out.problems.append(doc.problem((*loc, "supersedes"), f"item {spec.id!r} supersedes unknown item "
                                                f"{target!r}{did_you_mean(target, first_seen)}"))
            superseded.add(target)
        sets_given: dict[str, Mapping[str, LikelihoodValue]] = dict(spec.likelihoods)
        if spec.origin is not None:
            for set_id, (values, _) in group_values.get(spec.origin, {}).items():
                sets_given.setdefault(set_id, values)
        likelihoods: dict[str, dict[str, Judgment]] = {}
        ratings: dict[str, dict[str, str]] = {}
        for set_id, values in sets_given.items():
            hs = out.sets.get(set_id)
            lik_loc = (*loc, "likelihoods", set_id)
            if hs is None:
                if set_id not in out.set_ids:
                    out.problems.append(doc.problem(lik_loc, f"unknown hypothesis set {set_id!r}"
                                                    f"{did_you_mean(set_id, out.set_ids)}; sets are the "
                                                    "files in hypotheses/"))
                continue
            if set_id not in spec.likelihoods:  # inherited from its origin group: checked where written
                likelihoods[set_id] = _inherited(values, hs)
            else:
                likelihoods[set_id] = _judgments(values, list(hs.hypothesis_ids), hs.model, doc, lik_loc, out,
                                                 f"item {spec.id!r}")
            ratings[set_id] = {h: str(v) for h, v in values.items()}
        entry = Item(
            spec.id, spec.summary, spec.source, spec.reported, doc.path, doc.line_of((*loc, "id")),
            spec.observed, spec.credibility, spec.origin, spec.relevance, spec.quote, spec.url, spec.rationale,
            tuple(spec.supersedes), likelihoods, ratings,
        )
        items.append(((spec.reported, doc.path, i, order), entry))
    items.sort(key=lambda pair: pair[0])
    out.items = [entry for _, entry in items if entry.id not in superseded]


def _inherited(values: Mapping[str, LikelihoodValue], hs: HypothesisSet) -> dict[str, Judgment]:
    """Judgments an item takes from its origin group (problems are reported on the item that wrote them)."""
    result = {}
    for hid, value in values.items():
        try:
            result[hid] = hs.model.judgment(value)
        except ValueError:
            continue
    return result


def _origin_groups(
    raw: list[tuple[Parsed[EvidenceFile], int]], out: _Built
) -> dict[str, dict[str, tuple[Mapping[str, LikelihoodValue], str]]]:
    """For each origin, the likelihoods per set given by its members; conflicting values are problems."""
    groups: dict[str, dict[str, tuple[Mapping[str, LikelihoodValue], str]]] = defaultdict(dict)
    for parsed, i in raw:
        spec = parsed.model.items[i]
        if spec.origin is None:
            continue
        for set_id, values in spec.likelihoods.items():
            known = groups[spec.origin].get(set_id)
            if known is None:
                groups[spec.origin][set_id] = (values, spec.id)
            elif dict(known[0]) != dict(values):
                out.problems.append(parsed.doc.problem(
                    ("items", i, "likelihoods", set_id),
                    f"item {spec.id!r} gives likelihoods for {set_id!r} that differ from those of item "
                    f"{known[1]!r}, which reports the same origin {spec.origin!r}; reports of one event share its "
                    "likelihoods: give them once, on one item",
                ))
    return groups
