"""``compile_set`` against a per-cell reference (``tests/reference.py``): the same arrays, bit for bit.

Three kinds of input: random synthetic workspaces written to disk and loaded (numbers, verbal terms, ACH
ratings with NA, origin groups, credibility factors, graded / numeric / Beta sources), random entities built
directly (which also reach what files cannot: an event whose later reports carry other likelihoods, equal
judgments as distinct objects, one hypothesis, other sets' likelihoods), and this repository's own workspace.
Each is compiled whole, on the items before a date (as trajectories and forecasts do) and on a subset (as
leave-one-out does).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plausible.model.compiled import CompiledSet, compile_set
from plausible.model.entities import Hypothesis, HypothesisSet, Item, Source
from plausible.model.scales import Judgment, ModelSpec, Reliability
from plausible.testing import RATINGS, TERMS, synthetic_workspace
from plausible.workspace import load_workspace
from tests.reference import reference_compile_set

QUICK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REPO = Path(__file__).resolve().parents[1]


def assert_identical(ours: CompiledSet, truth: CompiledSet) -> None:
    """Every field equal; arrays of the same dtype and shape, byte for byte (NaNs and signed zeros too)."""
    for field in dataclasses.fields(CompiledSet):
        a, b = getattr(ours, field.name), getattr(truth, field.name)
        if isinstance(b, np.ndarray):
            assert isinstance(a, np.ndarray), field.name
            assert (a.dtype, a.shape) == (b.dtype, b.shape), field.name
            assert a.tobytes() == b.tobytes(), (field.name, a, b)
            assert not a.flags.writeable, f"{field.name} is writeable"
        else:
            assert a == b, field.name


def check_all_ways(hs: HypothesisSet, items: list[Item], sources: dict[str, Source], rng: np.random.Generator) -> None:
    """Compile the items whole, before a date, and a random subset; each must match the reference."""
    assert_identical(compile_set(hs, items, sources), reference_compile_set(hs, items, sources))
    if items:
        cut = items[int(rng.integers(len(items)))].reported
        before = [item for item in items if item.reported < cut]
        assert_identical(compile_set(hs, before, sources), reference_compile_set(hs, before, sources))
        subset = [item for item in items if rng.uniform() < 0.6]
        assert_identical(compile_set(hs, subset, sources), reference_compile_set(hs, subset, sources))


# The check itself must be able to fail.

def test_the_comparison_sees_an_ulp_a_nan_a_dtype_and_a_writeable_array() -> None:
    # The lead's view: the pool of two analysts is a point value (no band) in every cell, the lead's own judgments
    # keep the bands of their verbal terms, so some of lam_alpha is NaN and some is not.
    truth = load_workspace(REPO).view_of("lead").compiled("dprk-driver")

    def changed(**arrays: Any) -> CompiledSet:
        for array in arrays.values():
            array.flags.writeable = False
        return dataclasses.replace(truth, **arrays)

    lam = truth.lam.copy()
    lam[0, 0] = np.nextafter(lam[0, 0], 1.0)
    nan = np.isnan(truth.lam_alpha)
    assert nan.any() and not nan.all()  # so the NaN cases bite
    wrongs = [changed(lam=lam), changed(lam_alpha=np.where(nan, 0.0, truth.lam_alpha)),
              changed(lam_alpha=np.where(nan, -np.nan, truth.lam_alpha)),  # NaN with its sign bit set
              changed(factor=truth.factor.astype(np.float32)), dataclasses.replace(truth, lam=truth.lam.copy())]
    for wrong in wrongs:
        with pytest.raises(AssertionError):
            assert_identical(wrong, truth)
    assert_identical(truth, truth)


# Synthetic workspaces on disk, loaded as a user's would be.

workspace_sizes = st.fixed_dictionaries({
    "seed": st.integers(0, 2**31 - 1),
    "n_hypotheses": st.integers(2, 8),
    "n_items": st.integers(0, 60),
    "n_sources": st.integers(1, 6),
    "n_files": st.integers(1, 3),
    "origin_fraction": st.floats(0.0, 0.8),
    "judgment_kinds": st.lists(st.sampled_from(("number", "term", "rating")), min_size=1, max_size=3, unique=True)
    .map(tuple),
})


def check_synthetic_workspace(sizes: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = load_workspace(synthetic_workspace(Path(tmp), **sizes))
        hs, items = ws.hypothesis_set("question"), ws.items_for("question")
        check_all_ways(hs, items, ws.sources, np.random.default_rng(sizes["seed"]))
        assert_identical(ws.compiled("question"), reference_compile_set(hs, items, ws.sources))


@QUICK
@given(workspace_sizes)
def test_synthetic_workspaces_compile_as_the_reference_quick(sizes: dict[str, Any]) -> None:
    check_synthetic_workspace(sizes)


@pytest.mark.slow
@THOROUGH
@given(workspace_sizes)
def test_synthetic_workspaces_compile_as_the_reference(sizes: dict[str, Any]) -> None:
    check_synthetic_workspace(sizes)


def test_a_large_synthetic_workspace_compiles_as_the_reference() -> None:
    """Sizes where many cells share each judgment: 800 reports, 12 hypotheses, every kind of judgment."""
    check_synthetic_workspace({"seed": 7, "n_hypotheses": 12, "n_items": 800, "n_sources": 40, "n_files": 4,
                               "origin_fraction": 0.3})


# Entities built directly.

def judgment_pool(rng: np.random.Generator, spec: ModelSpec) -> list[Judgment]:
    """Terms and ACH ratings of the model, numbers (some values repeated as distinct objects), odd bands, and
    an NA judgment with Beta parameters (which the compiled set must still give as NaN)."""
    pool = [spec.judgment(term) for term in TERMS] + [spec.judgment(rating) for rating in RATINGS]
    numbers = [round(float(x), 3) for x in rng.uniform(0.01, 0.99, 6)]
    pool += [Judgment(x, label=f"{x:g}") for x in numbers + numbers]  # equal values, distinct objects
    pool += [Judgment(0.5, label="NA", not_applicable=True), Judgment(1e-300), Judgment(1.0 - 2.0**-53),
             Judgment(0.25, 0.5, 1.5, "wide band"), Judgment(0.5, 2.0, 2.0, "NA with a band", not_applicable=True)]
    return pool


@st.composite
def entity_sets(draw: st.DrawFn) -> tuple[HypothesisSet, list[Item], dict[str, Source], int]:
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    spec = ModelSpec()
    pool = judgment_pool(rng, spec)
    k = draw(st.integers(1, 6))
    n = draw(st.integers(0, 40))
    n_sources = draw(st.integers(1, 5))
    hids = [f"h{j}" for j in range(k)]
    hs = HypothesisSet("q", "Which?", tuple(Hypothesis(h, h, float(p)) for h, p in zip(hids, rng.dirichlet(np.ones(k)),
                                                                                          strict=True)),
                       spec, "hypotheses/q.yaml")
    reliabilities = [Reliability(0.9), Reliability(0.0), Reliability(1.0), spec.reliability("B"),
                     spec.reliability("F"), Reliability(0.4, 2.0, 3.0, "Beta(2, 3)")]
    sources = {f"s{s}": Source(f"s{s}", f"Source {s}", reliabilities[int(rng.integers(len(reliabilities)))])
               for s in range(n_sources + 2)}  # two never report
    items = []
    for j in range(n):
        row = {h: pool[int(rng.integers(len(pool)))] for h in hids}
        if rng.uniform() < 0.3:  # a dict shared with another report, as an origin's inherited likelihoods are
            row = items[int(rng.integers(len(items)))].likelihoods["q"] if items else row
        origin = f"event-{int(rng.integers(4))}" if rng.uniform() < 0.4 else None
        credibility = int(rng.integers(1, 7)) if rng.uniform() < 0.4 else None
        likelihoods = {"q": row, "other-set": {"x": pool[0]}}
        items.append(Item(f"item-{j}", f"Report {j}", f"s{int(rng.integers(n_sources))}",
                          dt.date(2020, 1, 1) + dt.timedelta(days=int(rng.integers(60))), "evidence/e.yaml", None,
                          credibility=credibility, origin=origin, likelihoods=likelihoods))
    items.sort(key=lambda item: item.reported)
    return hs, items, sources, seed


@QUICK
@given(entity_sets())
def test_entities_compile_as_the_reference_quick(case: tuple[HypothesisSet, list[Item], dict[str, Source], int]) -> None:
    hs, items, sources, seed = case
    check_all_ways(hs, items, sources, np.random.default_rng(seed))


@pytest.mark.slow
@THOROUGH
@given(entity_sets())
def test_entities_compile_as_the_reference(case: tuple[HypothesisSet, list[Item], dict[str, Source], int]) -> None:
    hs, items, sources, seed = case
    check_all_ways(hs, items, sources, np.random.default_rng(seed))


# This repository's own workspace.

def test_the_repository_workspace_compiles_as_the_reference() -> None:
    ws = load_workspace(REPO)
    assert {"dprk-driver", "dprk-openness"} <= set(ws.sets)
    for set_id, hs in ws.sets.items():
        items = ws.items_for(set_id)
        assert items, set_id
        assert_identical(ws.compiled(set_id), reference_compile_set(hs, items, ws.sources))
        for date in sorted({item.reported for item in items}):  # every prefix a trajectory compiles
            view = ws.on(date - dt.timedelta(days=1))  # the items reported strictly before the date
            before = view.items_for(set_id)
            assert_identical(view.compiled(set_id), reference_compile_set(hs, before, view.sources))
        for left_out in range(len(items)):  # every leave-one-out set
            rest = items[:left_out] + items[left_out + 1:]
            assert_identical(compile_set(hs, rest, ws.sources), reference_compile_set(hs, rest, ws.sources))
