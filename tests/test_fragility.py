"""Flip distance and leader stability against brute force, hand-built cases, quadrature and plain loops."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from scipy import integrate, optimize, stats

from plausible.analysis.fragility import (
    _MAX_RUNG,
    FLIP_TOLERANCE,
    _step_combinations,
    event_log_likelihood,
    flip_distance,
    judgment_ladder,
    leader_stability,
)
from plausible.engines.exact import log_likelihood, log_likelihood_increments
from plausible.model.compiled import fill_not_applicable
from plausible.testing import synthetic_compiled, synthetic_workspace, synthetic_workspace_data
from plausible.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent


def write(root: Path, files: dict[str, Any]) -> Path:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


def hand_workspace(root: Path, priors: dict[str, float], rows: list[dict[str, Any]], reliability: Any = 1.0) -> Path:
    """One set ``q`` with the given priors; one item per row (its likelihoods), all from one source."""
    return write(root, {
        "hypotheses/q.yaml": {"question": "Which?", "hypotheses": [{"id": h, "title": h, "prior": p}
                                                                    for h, p in priors.items()]},
        "evidence/sources.yaml": {"sources": [{"id": "s", "name": "S", "reliability": reliability}]},
        "evidence/items.yaml": {"items": [{"id": f"i{j}", "summary": "x", "source": "s", "reported": "2020-01-01",
                                           "likelihoods": {"q": row}} for j, row in enumerate(rows)]},
    })


def leader(root: Path, set_id: str) -> str:
    post = load_workspace(root).posterior(set_id)
    return post.hypothesis_ids[int(np.argmax(post.probability))]


def apply_changes(source: Path, target: Path, set_id: str, changes: list[dict[str, Any]]) -> Path:
    """Copy a workspace and write the changes into its evidence files (on the item that wrote the judgment)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".plausible", ".git", ".venv", "src", "tests"))
    files = {p: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (target / "evidence").rglob("*.yaml")}
    items = [(p, item) for p, data in files.items() for item in (data or {}).get("items", [])]
    by_id = {item["id"]: item for _, item in items}
    for change in changes:
        item = by_id[change["item"]]
        if set_id not in item.get("likelihoods", {}):  # inherited from its origin group: the writer holds it
            item = next(other for _, other in items if other.get("origin") == item["origin"]
                        and set_id in other.get("likelihoods", {}))
        item["likelihoods"][set_id][change["hypothesis"]] = change["to"]
    for p, data in files.items():
        p.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


# --- flip distance: cases known by construction -------------------------------------------------------------

def test_near_tie_flips_in_one_step(tmp_path: Path) -> None:
    root = hand_workspace(tmp_path / "ws", {"a": 0.51, "b": 0.49}, [{"a": "N", "b": "N"}])
    result = flip_distance(load_workspace(root), "q")
    assert result.leader == "a"
    flip = result.smallest
    assert (flip.steps, flip.exact, flip.new_leader) == (1, True, "b")
    assert len(flip.changes) == 1
    assert leader(apply_changes(root, tmp_path / "changed", "q", flip.to_dict(result.hypothesis_ids)["changes"]),
                  "q") == "b"


def test_an_exact_tie_is_not_a_flip(tmp_path: Path) -> None:
    # Equal priors, "likely" against "roughly even chance": one step makes a tie, which is not a flip.
    root = hand_workspace(tmp_path, {"a": 0.5, "b": 0.5}, [{"a": "likely", "b": "roughly even chance"}])
    flip = flip_distance(load_workspace(root), "q").smallest
    assert (flip.steps, flip.exact, flip.new_leader) == (2, True, "b")


def test_clear_lead_needs_three_steps(tmp_path: Path) -> None:
    # Reliability 1 and equal priors: b overtakes a exactly when its rating is above a's on the same scale.
    # C is three rungs above I... no: I → N → C is two, a tie; three steps are needed.
    root = hand_workspace(tmp_path / "ws", {"a": 0.5, "b": 0.5}, [{"a": "C", "b": "I"}])
    result = flip_distance(load_workspace(root), "q")
    flip = result.smallest
    assert (flip.steps, flip.exact, flip.new_leader) == (3, True, "b")
    assert sum(c.steps for c in flip.changes) == 3
    assert leader(apply_changes(root, tmp_path / "changed", "q", flip.to_dict(result.hypothesis_ids)["changes"]),
                  "q") == "b"


def test_na_cells_do_not_step_and_ends_step_one_way(tmp_path: Path) -> None:
    root = hand_workspace(tmp_path, {"a": 0.5, "b": 0.3, "c": 0.2}, [{"a": "CC", "b": "II", "c": "NA"}])
    ws = load_workspace(root)
    ladder = judgment_ladder(ws.compiled("q"), ws.items_for("q"), ws.hypothesis_set("q").model)
    reachable = ~np.isnan(ladder.values[0])
    assert not reachable[2].any()  # NA
    assert reachable[0, _MAX_RUNG - 1] and not reachable[0, _MAX_RUNG + 1]  # CC steps down only
    assert reachable[1, _MAX_RUNG + 1] and not reachable[1, _MAX_RUNG - 1]  # II steps up only


def test_a_number_steps_to_the_adjacent_icd203_means(tmp_path: Path) -> None:
    root = hand_workspace(tmp_path, {"a": 0.5, "b": 0.5}, [{"a": 0.55, "b": 0.7}])
    ws = load_workspace(root)
    model = ws.hypothesis_set("q").model
    ladder = judgment_ladder(ws.compiled("q"), ws.items_for("q"), model)
    # 0.55 is on the edge of "roughly even chance" and "likely": the less extreme band holds it.
    assert ladder.values[0, 0, _MAX_RUNG - 1] == pytest.approx(model.judgment("unlikely").mean)
    assert ladder.values[0, 0, _MAX_RUNG + 1] == pytest.approx(model.judgment("likely").mean)
    assert ladder.values[0, 1, _MAX_RUNG + 1] == pytest.approx(model.judgment("very likely").mean)
    assert ladder.values[0, 1, _MAX_RUNG - 1] == pytest.approx(model.judgment("roughly even chance").mean)


def test_step_combinations_are_the_l1_sphere() -> None:
    for k, d in [(2, 1), (3, 2), (4, 3), (3, 4)]:
        cells, offsets = _step_combinations(k, d)
        vectors = set()
        for row_cells, row_offs in zip(cells, offsets, strict=True):
            v = [0] * k
            for c, o in dict(zip(row_cells.tolist(), row_offs.tolist(), strict=True)).items():
                v[c] = o
            vectors.add(tuple(v))
        brute = {v for v in itertools.product(range(-d, d + 1), repeat=k) if sum(map(abs, v)) == d}
        assert vectors == brute and len(cells) == len(brute)


# --- flip distance against brute force -------------------------------------------------------------------

def l1_ball(n: int, radius: int) -> list[tuple[int, ...]]:
    """Every integer vector of length n with absolute values summing to at most ``radius`` (recursively)."""
    if n == 0:
        return [()]
    return [(x, *rest) for x in range(-radius, radius + 1) for rest in l1_ball(n - 1, radius - abs(x))]


def brute_force(ws: Any, set_id: str, depth: int) -> dict[str, int]:
    """Fewest steps (≤ depth) that put each challenger strictly above the leader, by enumerating every change."""
    compiled = ws.compiled(set_id)
    ladder = judgment_ladder(compiled, ws.items_for(set_id), ws.hypothesis_set(set_id).model)
    g_count, k_count = compiled.lam.shape
    total0 = np.log(compiled.prior) + log_likelihood(compiled)
    lead = int(np.argmax(total0))
    cells = [(g, k) for g in range(g_count) for k in range(k_count)]
    best: dict[str, int] = {}
    for vector in l1_ball(len(cells), depth):
        steps = sum(map(abs, vector))
        if steps == 0:
            continue
        lam = np.array(compiled.lam, copy=True)
        ok = True
        for (g, k), off in zip(cells, vector, strict=True):
            if off:
                value = ladder.values[g, k, _MAX_RUNG + off]
                if np.isnan(value):
                    ok = False
                    break
                lam[g, k] = value
        if not ok:
            continue
        lam = fill_not_applicable(lam, compiled.lam_na, compiled.prior)
        inc = log_likelihood_increments(compiled.prior, lam, compiled.rho_effective(), compiled.event_of,
                                        compiled.source_of)
        total = np.log(compiled.prior) + inc.sum(axis=0)
        for c in range(k_count):
            if c != lead and total[c] > total[lead] + FLIP_TOLERANCE:
                h = compiled.hypothesis_ids[c]
                best[h] = min(best.get(h, steps), steps)
    return best


@pytest.mark.parametrize("seed", range(16))
def test_exact_search_agrees_with_brute_force(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    k, n = int(rng.integers(2, 4)), int(rng.integers(2, 5))
    root = synthetic_workspace(tmp_path, 100 + seed, n_hypotheses=k, n_items=n, n_sources=2, origin_fraction=0.3)
    ws = load_workspace(root)
    depth = 3
    truth = brute_force(ws, "question", depth)
    result = flip_distance(ws, "question", depth=depth)
    for flip in result.challengers:
        if flip.target in truth:
            assert flip.exact and flip.steps == truth[flip.target], flip.target
        else:
            assert not flip.exact and (flip.steps is None or flip.steps > depth)
    if truth:
        assert result.smallest.steps == min(truth.values()) and result.smallest.exact


@pytest.mark.parametrize("seed", range(4))
def test_returned_changes_change_the_leader_in_the_files(tmp_path: Path, seed: int) -> None:
    root = synthetic_workspace(tmp_path / "ws", 200 + seed, n_hypotheses=3, n_items=8, origin_fraction=0.4)
    ws = load_workspace(root)
    result = flip_distance(ws, "question")
    flip = result.smallest
    assert flip.steps is not None
    changed = apply_changes(root, tmp_path / "changed", "question", flip.to_dict(result.hypothesis_ids)["changes"])
    assert leader(changed, "question") == flip.new_leader != result.leader


def test_invariant_under_relabelling_and_item_order(tmp_path: Path) -> None:
    files = synthetic_workspace_data(7, n_hypotheses=3, n_items=6, origin_fraction=0.0)
    for data in files.values():  # one reporting day: the items' order in the file is the trajectory order
        for item in data.get("items", []):
            item["reported"] = "2020-01-01"
    base = flip_distance(load_workspace(write(tmp_path / "a", files)), "question")
    hyp = files["hypotheses/question.yaml"]
    hyp["hypotheses"] = list(reversed(hyp["hypotheses"]))
    for name, data in files.items():
        if name.startswith("evidence/part"):
            data["items"] = list(reversed(data["items"]))
    other = flip_distance(load_workspace(write(tmp_path / "b", files)), "question")
    assert other.leader == base.leader
    assert (other.smallest.steps, other.smallest.exact) == (base.smallest.steps, base.smallest.exact)
    assert {f.target: f.steps for f in other.challengers} == {f.target: f.steps for f in base.challengers}


def test_dprk_flip_distances_are_exact() -> None:
    ws = load_workspace(REPO)
    assert len(ws.analysts) > 1  # the pooled case: a change names the analyst whose judgment it changes
    for set_id in ("dprk-driver", "dprk-openness"):
        flip = flip_distance(ws, set_id).smallest
        assert flip.exact and flip.steps is not None and flip.new_leader is not None
        assert flip.changes and all(c.analyst in ws.analysts for c in flip.changes)


def test_event_log_likelihood_matches_the_engine() -> None:
    c = synthetic_compiled(3, n_hypotheses=4, n_items=60, n_sources=5, origin_fraction=0.5)
    from plausible.analysis.fragility import _Events

    events = _Events(c)
    ours = event_log_likelihood(c.lam, c.lam @ c.prior, events.reliability(c.rho), events.present).sum(axis=0)
    assert ours == pytest.approx(log_likelihood(c), abs=1e-10)


# --- leader stability -----------------------------------------------------------------------------------------

def test_leader_share_is_one_when_nothing_is_imprecise(tmp_path: Path) -> None:
    root = hand_workspace(tmp_path, {"a": 0.4, "b": 0.6}, [{"a": 0.7, "b": 0.3}, {"a": 0.6, "b": 0.5}], 0.8)
    result = leader_stability(load_workspace(root).compiled("q"), draws=200)
    assert not result.imprecise
    assert result.share.tolist() == [1.0, 0.0]


def test_leader_share_matches_quadrature_with_one_banded_cell(tmp_path: Path) -> None:
    # Only b's cell is a band ("likely"); a leads while P(b) < P(a): a threshold on that cell's value.
    root = hand_workspace(tmp_path, {"a": 0.55, "b": 0.45}, [{"a": 0.55, "b": "likely"}], 0.9)
    c = load_workspace(root).compiled("q")
    alpha, beta = float(c.lam_alpha[0, 1]), float(c.lam_beta[0, 1])

    def a_leads(x: float) -> float:
        lam = np.array(c.lam, copy=True)
        lam[0, 1] = x
        total = np.log(c.prior) + log_likelihood(c, lam=lam)
        return float(total[0] > total[1])

    edge = optimize.brentq(lambda x: a_leads(x) - 0.5, 0.01, 0.99, xtol=1e-12)  # where the leader changes
    truth, _ = integrate.quad(lambda x: a_leads(x) * stats.beta.pdf(x, alpha, beta), 0, 1, limit=200,
                              points=[edge])
    result = leader_stability(c, draws=40_000, seed=3)
    se = np.sqrt(truth * (1 - truth) / 40_000)
    assert 0.05 < truth < 0.95
    assert abs(result.share[0] - truth) < 4 * se + 1e-3


def test_leader_share_matches_an_independent_monte_carlo_loop(tmp_path: Path) -> None:
    root = synthetic_workspace(tmp_path, 11, n_hypotheses=3, n_items=10, origin_fraction=0.4)
    c = load_workspace(root).compiled("question")
    rng = np.random.default_rng(5)
    leads = np.zeros(3)
    draws = 3000
    for _ in range(draws):
        lam = np.where(np.isnan(c.lam_alpha), c.lam, rng.beta(np.nan_to_num(c.lam_alpha, nan=1.0),
                                                               np.nan_to_num(c.lam_beta, nan=1.0)))
        rho = np.where(np.isnan(c.rho_alpha), c.rho, rng.beta(np.nan_to_num(c.rho_alpha, nan=1.0),
                                                              np.nan_to_num(c.rho_beta, nan=1.0)))
        leads[np.argmax(np.log(c.prior) + log_likelihood(c, rho=rho, lam=lam))] += 1
    ours = leader_stability(c, draws=20_000, seed=1).share
    se = np.sqrt(ours * (1 - ours) / draws + ours * (1 - ours) / 20_000)
    assert np.all(np.abs(ours - leads / draws) < 4 * se + 2e-3)


def test_leader_stability_is_seeded(tmp_path: Path) -> None:
    c = load_workspace(synthetic_workspace(tmp_path, 12, n_items=10)).compiled("question")
    a, b = leader_stability(c, draws=500, seed=9), leader_stability(c, draws=500, seed=9)
    assert a.share.tolist() == b.share.tolist() and a.interval.tolist() == b.interval.tolist()


# --- plausible analyze ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("set_id", ["dprk-driver", "dprk-openness"])
def test_analyze_reports_flip_and_leader_stability(set_id: str) -> None:
    import json

    from typer.testing import CliRunner

    from plausible.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["analyze", set_id, "--workspace", str(REPO), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    flip = data["flip"]
    assert flip["exact"] is True and flip["steps"] >= 1 and flip["new_leader"] != flip["leader"]
    assert {"item", "hypothesis", "from", "to"} <= set(flip["changes"][0])
    assert sum(data["leader_stability"]["share"].values()) == pytest.approx(1.0)
    text = runner.invoke(app, ["analyze", set_id, "--workspace", str(REPO)], env={"COLUMNS": "150"})
    assert text.exit_code == 0
    assert "Flip distance: " in text.stdout and "(exact)" in text.stdout and "How fragile" in text.stdout


@pytest.mark.parametrize("seed", range(6))
def test_gain_bound_holds_for_every_event_and_challenger(tmp_path: Path, seed: int) -> None:
    from plausible.analysis.fragility import _best_at_depth, _gain_bound, _problem

    root = synthetic_workspace(tmp_path, 300 + seed, n_hypotheses=4, n_items=25, origin_fraction=0.4)
    ws = load_workspace(root)
    compiled = ws.compiled("question")
    p = _problem(compiled, judgment_ladder(compiled, ws.items_for("question"), ws.hypothesis_set("question").model))
    for d in (1, 2, 3):
        exact, _ = _best_at_depth(p, d)
        bound = _gain_bound(p, d)
        reachable = np.isfinite(exact)
        assert reachable.any()
        assert np.all(bound[reachable] >= exact[reachable] - 1e-12), d


def test_a_search_stopped_by_its_budget_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import plausible.analysis.fragility as fragility

    root = hand_workspace(tmp_path, {"a": 0.5, "b": 0.5}, [{"a": "C", "b": "I"}])
    monkeypatch.setattr(fragility, "FLIP_CANDIDATE_BUDGET", 3)  # not even two steps of one event fit
    result = flip_distance(load_workspace(root), "q")
    assert result.depth == 1
    flip = result.smallest
    assert (flip.steps, flip.exact, flip.new_leader) == (3, False, "b")  # the greedy bound, here the true distance


@pytest.mark.parametrize("n_items", [
    400,  # the same kind of workspace, smaller: in the fast suite
    pytest.param(2000, marks=pytest.mark.slow),  # the benchmark's size
])
def test_benchmark_case_flip_distance_is_exact(tmp_path: Path, n_items: int) -> None:
    """The benchmark's K = 20 workspace (benchmarks/exact.py): the exact search reaches its flip, which holds."""
    root = synthetic_workspace(tmp_path / "ws", 1, n_hypotheses=20, n_items=n_items, n_sources=100, n_files=20)
    result = flip_distance(load_workspace(root), "question")
    flip = result.smallest
    assert flip.exact and flip.steps is not None and flip.new_leader != result.leader
    changed = apply_changes(root, tmp_path / "changed", "question", flip.to_dict(result.hypothesis_ids)["changes"])
    assert leader(changed, "question") == flip.new_leader


def test_a_set_without_evidence_has_no_flip(tmp_path: Path) -> None:
    ws = load_workspace(synthetic_workspace(tmp_path, 0, n_hypotheses=2, n_items=0))
    result = flip_distance(ws, "question")
    assert result.smallest.steps is None and not result.smallest.exact
    assert leader_stability(ws.compiled("question"), draws=50).share.max() == 1.0


# --- several analysts: a step moves one analyst's judgment, and the cell is pooled again ----------------------

TERMS = ["almost no chance", "very unlikely", "unlikely", "roughly even chance", "likely", "very likely",
         "almost certain", "II", "I", "N", "C", "CC", 0.2, 0.55, 0.7, "NA"]


def analysts_workspace(root: Path, seed: int) -> Path:
    """A random set of ≤ 3 hypotheses and ≤ 3 items judged by the lead (in the items) and by ``bo`` (own file)."""
    rng = np.random.default_rng(seed)
    k, n = int(rng.integers(2, 4)), int(rng.integers(1, 4))
    hids = [f"h{j}" for j in range(k)]
    prior = rng.dirichlet(np.ones(k))

    def row() -> dict[str, Any]:
        picks = [TERMS[int(i)] for i in rng.integers(0, len(TERMS), size=k)]
        if all(p == "NA" for p in picks):
            picks[0] = "N"
        return dict(zip(hids, picks, strict=True))

    return write(root, {
        "hypotheses/q.yaml": {"question": "Which?", "hypotheses": [{"id": h, "title": h, "prior": float(p)}
                                                                    for h, p in zip(hids, prior, strict=True)]},
        "evidence/sources.yaml": {"sources": [{"id": "s", "name": "S",
                                               "reliability": float(rng.choice([1.0, 0.7, 0.4]))}]},
        "evidence/items.yaml": {"items": [{"id": f"i{j}", "summary": "x", "source": "s", "reported": "2020-01-01",
                                           "likelihoods": {"q": row()}} for j in range(n)]},
        "analysts/bo.yaml": {"name": "Bo", "weight": float(rng.choice([1.0, 2.0, 0.5])),
                             "likelihoods": {f"i{j}": {"q": row()} for j in range(n)}},
    })


def brute_force_analysts(ws: Any, set_id: str, depth: int) -> dict[str, int]:
    """Fewest single-analyst steps (≤ depth) that put each challenger above the leader, every change enumerated.

    Independent of the search's ladders: each analyst's judgment steps along :meth:`ModelSpec.ladder` of what
    that analyst wrote, every cell is pooled again with :func:`pool_judgments`, and the engine scores it.
    """
    from plausible.model.pooling import pool_judgments

    compiled = ws.compiled(set_id)
    model = ws.hypothesis_set(set_id).model
    weights = {a: entry.weight for a, entry in ws.analysts.items()}
    items = {item.id: item for item in ws.items_for(set_id)}
    hids = compiled.hypothesis_ids
    cells = []  # (item, hypothesis, analyst, rungs)
    for item_id in compiled.item_ids:
        for h in hids:
            for analyst, row in sorted(items[item_id].judged[set_id].items()):
                if h in row and not row[h].not_applicable:
                    cells.append((item_id, h, analyst, model.ladder(row[h].label, row[h])))
    total0 = np.log(compiled.prior) + log_likelihood(compiled)
    lead = int(np.argmax(total0))
    best: dict[str, int] = {}
    for vector in l1_ball(len(cells), depth):
        steps = sum(map(abs, vector))
        if steps == 0:
            continue
        judged = {(i, h): dict(items[i].judged[set_id].items()) for i in compiled.item_ids for h in hids}
        judged = {key: {a: row[key[1]] for a, row in rows.items() if key[1] in row} for key, rows in judged.items()}
        ok = True
        for (item_id, h, analyst, rungs), off in zip(cells, vector, strict=True):
            if off:
                scale, place = rungs
                if not 0 <= place + off < len(scale):
                    ok = False
                    break
                judged[(item_id, h)][analyst] = scale[place + off][1]
        if not ok:
            continue
        lam = np.array(compiled.lam, copy=True)
        for j, item_id in enumerate(compiled.item_ids):
            for k, h in enumerate(hids):
                pooled = pool_judgments(judged[(item_id, h)], weights)
                assert pooled is not None
                lam[compiled.event_of[j], k] = pooled.mean
        lam = fill_not_applicable(lam, compiled.lam_na, compiled.prior)
        inc = log_likelihood_increments(compiled.prior, lam, compiled.rho_effective(), compiled.event_of,
                                        compiled.source_of)
        total = np.log(compiled.prior) + inc.sum(axis=0)
        for c in range(len(hids)):
            if c != lead and total[c] > total[lead] + FLIP_TOLERANCE:
                best[hids[c]] = min(best.get(hids[c], steps), steps)
    return best


def apply_analyst_changes(source: Path, target: Path, set_id: str, changes: list[dict[str, Any]]) -> Path:
    """Copy a workspace and write each change into its analyst's judgments: the lead's in the items, others' files."""
    shutil.copytree(source, target)
    evidence = target / "evidence" / "items.yaml"
    data = yaml.safe_load(evidence.read_text(encoding="utf-8"))
    by_id = {item["id"]: item for item in data["items"]}
    for change in changes:
        assert change["analyst"] is not None
        if change["analyst"] == "lead":
            by_id[change["item"]]["likelihoods"][set_id][change["hypothesis"]] = change["to"]
            continue
        path = target / "analysts" / f"{change['analyst']}.yaml"
        own = yaml.safe_load(path.read_text(encoding="utf-8"))
        own["likelihoods"][change["item"]][set_id][change["hypothesis"]] = change["to"]
        path.write_text(yaml.safe_dump(own, sort_keys=False), encoding="utf-8")
    evidence.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


@pytest.mark.parametrize("seed", range(16))
def test_two_analysts_search_agrees_with_brute_force_over_single_analyst_steps(tmp_path: Path, seed: int) -> None:
    ws = load_workspace(analysts_workspace(tmp_path, 500 + seed))
    depth = 3
    truth = brute_force_analysts(ws, "q", depth)
    result = flip_distance(ws, "q", depth=depth)
    for flip in result.challengers:
        if flip.target in truth:
            assert flip.exact and flip.steps == truth[flip.target], (flip.target, truth)
            assert sum(c.steps for c in flip.changes) == flip.steps
            assert all(c.analyst in ("lead", "bo") for c in flip.changes)
        else:
            assert not flip.exact and (flip.steps is None or flip.steps > depth)
    if truth:
        assert result.smallest.steps == min(truth.values()) and result.smallest.exact


@pytest.mark.parametrize("seed", range(8))
def test_two_analysts_returned_changes_change_the_leader_in_the_files(tmp_path: Path, seed: int) -> None:
    root = analysts_workspace(tmp_path / "ws", 700 + seed)
    result = flip_distance(load_workspace(root), "q")
    flip = result.smallest
    if flip.steps is None:
        return
    changes = flip.to_dict(result.hypothesis_ids)["changes"]
    assert sum(c["steps"] for c in changes) == flip.steps
    changed = apply_analyst_changes(root, tmp_path / "changed", "q", changes)
    assert leader(changed, "q") == flip.new_leader != result.leader


def test_one_analysts_step_flips_and_the_change_names_that_analyst(tmp_path: Path) -> None:
    # The lead's judgments are at the ends of the scale the wrong way (x at CC cannot rise... y at II cannot
    # fall); bo's mirror them, so the pools tie and the prior decides. Only a step of bo's can help y.
    root = hand_workspace(tmp_path / "ws", {"x": 0.52, "y": 0.48}, [{"x": "II", "y": "CC"}])
    write(root, {"analysts/bo.yaml": {"name": "Bo", "likelihoods": {"i0": {"q": {"x": "CC", "y": "II"}}}}})
    ws = load_workspace(root)
    result = flip_distance(ws, "q")
    assert result.leader == "x"
    flip = result.smallest
    assert (flip.steps, flip.exact, flip.new_leader) == (1, True, "y")
    (change,) = flip.changes
    assert change.analyst == "bo" and change.steps == 1
    assert (change.before, change.after) in {("CC", "C"), ("II", "I")}
    assert change.describe().startswith("i0 / ") and f", bo: {change.before} → {change.after}" in change.describe()
    data = flip.to_dict(result.hypothesis_ids)["changes"]
    assert data[0]["analyst"] == "bo"
    assert leader(apply_analyst_changes(root, tmp_path / "changed", "q", data), "q") == "y"


def test_two_analysts_pooled_rungs_are_the_extreme_pools(tmp_path: Path) -> None:
    root = hand_workspace(tmp_path / "ws", {"x": 0.5, "y": 0.5}, [{"x": "likely", "y": "N"}])
    write(root, {"analysts/bo.yaml": {"name": "Bo", "weight": 3.0,
                                      "likelihoods": {"i0": {"q": {"x": "unlikely", "y": "NA"}}}}})
    ws = load_workspace(root)
    model = ws.hypothesis_set("q").model
    weights = {a: e.weight for a, e in ws.analysts.items()}
    compiled = ws.compiled("q")
    ladder = judgment_ladder(compiled, ws.items_for("q"), model, weights)
    m = {t: model.judgment(t).mean for t in ("unlikely", "likely", "very likely", "very unlikely",
                                             "almost certain", "roughly even chance")}
    pool = lambda lead, bo: float(np.exp((np.log(m[lead]) + 3 * np.log(m[bo])) / 4))  # noqa: E731
    assert ladder.values[0, 0, _MAX_RUNG] == compiled.lam[0, 0] == pytest.approx(pool("likely", "unlikely"))
    # One step up: bo's unlikely → roughly even chance (weight 3) beats the lead's likely → very likely.
    assert ladder.values[0, 0, _MAX_RUNG + 1] == pytest.approx(pool("likely", "roughly even chance"))
    assert ladder.moves is not None and ladder.moves[0][0][1] == (("bo", 1),)
    # y: only the lead judged it (bo said NA), so it steps along the lead's ACH ratings, the lead named.
    assert ladder.values[0, 1, _MAX_RUNG + 1] == pytest.approx(model.judgment("C").mean)
    assert ladder.moves[0][1][-2] == (("lead", -2),)
    assert np.isnan(ladder.values[0, 1, _MAX_RUNG + 3])  # N is two rungs below CC


def test_one_analyst_changes_name_no_analyst(tmp_path: Path) -> None:
    # The repository's case with its lead analyst only (the case itself has a second analyst, kai).
    root = tmp_path / "lead-only"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".plausible", ".git", ".venv", "src", "tests", "kai.yaml"))
    ws = load_workspace(root)
    assert list(ws.analysts) == ["lead"]
    result = flip_distance(ws, "dprk-driver")
    assert result.smallest.changes and all(c.analyst is None for c in result.smallest.changes)
    assert all("analyst" not in c for c in result.smallest.to_dict(result.hypothesis_ids)["changes"])
