"""Loading workspaces (``plausible.load_workspace``): the DPRK case, priors, origins, supersedes, order,
problems, warnings, the inputs hash, and that loading writes nothing.

Expected posteriors are computed here by hand from docs/model.md (plain Python, SciPy for band means).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

import plausible
from plausible.core.errors import InputError

REPO = Path(__file__).resolve().parents[1]
BAND_MASS = 0.9  # default-model.yaml


def band_mean(low: float, high: float) -> float:
    """Mean of the Beta with (1 - BAND_MASS)/2 of its mass below ``low`` and as much above ``high``."""
    tail = (1.0 - BAND_MASS) / 2.0

    def equations(log_params: np.ndarray) -> list[float]:
        a, b = np.exp(log_params)
        return [stats.beta.cdf(low, a, b) - tail, stats.beta.sf(high, a, b) - tail]

    mid = (low + high) / 2.0
    solution = optimize.root(equations, np.log([mid * 20.0, (1.0 - mid) * 20.0]), method="hybr",
                             options={"xtol": 1e-13})
    a, b = np.exp(solution.x)
    assert stats.beta.cdf(low, a, b) == pytest.approx(tail, abs=1e-10)
    return float(a / (a + b))


def hypotheses_file(hypotheses: list[str], *, extra: str = "exhaustive: true\n") -> str:
    return "question: Which one?\n" + extra + "hypotheses:\n" + "".join(hypotheses)


SOURCES = """\
sources:
  - {id: s1, name: One, reliability: 0.9}
  - {id: s2, name: Two, reliability: 0.6}
  - {id: s3, name: Three, reliability: C}
  - {id: deaf, name: Noise, reliability: 0}
"""


def item(item_id: str, source: str, reported: str, likelihoods: str | None = None, **extra: str) -> str:
    text = f"  - id: {item_id}\n    summary: Report {item_id}\n    source: {source}\n    reported: {reported}\n"
    for key, value in extra.items():
        text += f"    {key}: {value}\n"
    if likelihoods is not None:
        text += f"    likelihoods:\n      q: {likelihoods}\n"
    return text


def three_hypotheses(priors: tuple[str | None, str | None, str | None] = ("0.5", "0.3", "0.2")) -> str:
    lines = []
    for hid, prior in zip("abc", priors, strict=True):
        lines.append(f"  - id: {hid}\n    title: H {hid}\n" + (f"    prior: {prior}\n" if prior is not None else ""))
    return hypotheses_file(lines)


def posterior_by_hand(prior: list[float], events: list[tuple[list[float], list[float]]]) -> list[float]:
    """docs/model.md: P(reports_g | H_k) = λ Π(ρ_i + (1 − ρ_i) a) + (1 − λ) Π (1 − ρ_i) a, a = Σ π λ."""
    weights = list(prior)
    for lam, rhos in events:
        a = sum(p * x for p, x in zip(prior, lam, strict=True))
        for k, lam_k in enumerate(lam):
            truthful = math.prod(r + (1.0 - r) * a for r in rhos)
            noise = math.prod((1.0 - r) * a for r in rhos)
            weights[k] *= lam_k * truthful + (1.0 - lam_k) * noise
    total = sum(weights)
    return [w / total for w in weights]


# --- the repository's own workspace (the DPRK case) ---------------------------------------------------------


def test_repository_root_loads_cleanly() -> None:
    ws = plausible.load_workspace(REPO)
    assert ws.warnings == []
    assert {"dprk-driver", "dprk-openness"} <= set(ws.sets)
    assert len(ws.items) >= 14
    for it in ws.items:
        assert isinstance(it.reported, dt.date)
        assert it.source in ws.sources, it.id
    for set_id in ("dprk-driver", "dprk-openness"):
        post = ws.posterior(set_id)
        assert sum(post.probabilities.values()) == pytest.approx(1.0, abs=1e-12)
        assert all(0.0 < p < 1.0 for p in post.probabilities.values())
        assert set(post.probabilities) == set(ws.sets[set_id].hypothesis_ids)
        assert len(ws.items_for(set_id)) >= 1


def test_repository_items_are_in_reported_order() -> None:
    ws = plausible.load_workspace(REPO)
    dates = [it.reported for it in ws.items]
    assert dates == sorted(dates)


# --- priors ------------------------------------------------------------------------------------------------


def _priors(ws: plausible.Workspace, set_id: str = "q") -> list[float]:
    return [h.prior for h in ws.sets[set_id].hypotheses]


def test_omitted_priors_share_what_the_given_ones_leave(write_workspace) -> None:  # type: ignore[no-untyped-def]
    lines = [f"  - id: h{k}\n    title: H{k}\n" + (f"    prior: {p}\n" if p else "")
             for k, p in enumerate(["0.5", "0.2", None, None])]
    ws = plausible.load_workspace(write_workspace({"hypotheses/q.yaml": hypotheses_file(lines)}))
    assert _priors(ws) == pytest.approx([0.5, 0.2, 0.15, 0.15], abs=1e-15)


def test_all_priors_omitted_is_uniform(write_workspace) -> None:  # type: ignore[no-untyped-def]
    lines = [f"  - id: h{k}\n    title: H{k}\n" for k in range(5)]
    ws = plausible.load_workspace(write_workspace({"hypotheses/q.yaml": hypotheses_file(lines)}))
    assert _priors(ws) == pytest.approx([0.2] * 5, abs=1e-15)
    assert ws.posterior("q").probabilities == pytest.approx({f"h{k}": 0.2 for k in range(5)}, abs=1e-15)


def test_given_priors_are_normalised(write_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = plausible.load_workspace(write_workspace({"hypotheses/q.yaml": three_hypotheses(("2", "1", "1"))}))
    assert _priors(ws) == pytest.approx([0.5, 0.25, 0.25], abs=1e-15)


def test_verbal_priors_count_at_their_band_mean_then_normalise(write_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = plausible.load_workspace(write_workspace({
        "hypotheses/q.yaml": three_hypotheses(("likely", "very unlikely", "0.3")),
    }))
    raw = [band_mean(0.55, 0.80), band_mean(0.05, 0.20), 0.3]
    assert _priors(ws) == pytest.approx([r / sum(raw) for r in raw], abs=1e-9)


def test_a_verbal_prior_leaves_the_rest_to_the_omitted(write_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = plausible.load_workspace(write_workspace({"hypotheses/q.yaml": three_hypotheses(("unlikely", None, None))}))
    m = band_mean(0.20, 0.45)
    assert _priors(ws) == pytest.approx([m, (1 - m) / 2, (1 - m) / 2], abs=1e-9)


# --- origins: corroboration -----------------------------------------------------------------------------------


def _origin_workspace(write_workspace, *, second: bool = True):  # type: ignore[no-untyped-def]
    evidence = "items:\n" + item("e1", "s1", "2020-01-01", "{a: 0.7, b: 0.2, c: 0.4}", origin="ev")
    if second:
        evidence += item("e2", "s2", "2020-01-02", None, origin="ev", credibility="3")
    evidence += item("e3", "s3", "2020-01-03", "{a: 0.3, b: 0.6, c: 0.5}")
    return write_workspace({
        "hypotheses/q.yaml": three_hypotheses(),
        "evidence/sources.yaml": SOURCES,
        "evidence/e.yaml": evidence,
    })


def test_an_item_sharing_an_origin_inherits_its_likelihoods(write_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = plausible.load_workspace(_origin_workspace(write_workspace))
    by_id = {it.id: it for it in ws.items}
    inherited = {h: j.mean for h, j in by_id["e2"].likelihoods["q"].items()}
    assert inherited == {"a": 0.7, "b": 0.2, "c": 0.4}
    assert [it.id for it in ws.items_for("q")] == ["e1", "e2", "e3"]


def test_corroboration_posterior_equals_the_formula(write_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = plausible.load_workspace(_origin_workspace(write_workspace))
    prior = [0.5, 0.3, 0.2]
    expected = posterior_by_hand(prior, [
        ([0.7, 0.2, 0.4], [0.9, 0.6 * 0.75]),  # e1 (s1) and e2 (s2, credibility 3: factor 0.75), one event
        ([0.3, 0.6, 0.5], [0.6]),              # e3 (s3, grade C: mean 0.6)
    ])
    got = ws.posterior("q").probabilities
    assert [got[h] for h in "abc"] == pytest.approx(expected, rel=1e-12)
    # Not the same as counting e2 as an independent event, nor as leaving it out.
    independent = posterior_by_hand(prior, [([0.7, 0.2, 0.4], [0.9]), ([0.7, 0.2, 0.4], [0.45]),
                                            ([0.3, 0.6, 0.5], [0.6])])
    assert abs(got["a"] - independent[0]) > 1e-3


def test_corroboration_never_exceeds_the_events_own_likelihood_ratio(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace({
        "hypotheses/q.yaml": hypotheses_file(["  - {id: a, title: A}\n", "  - {id: b, title: B}\n"]),
        "evidence/sources.yaml": "sources:\n" + "".join(f"  - {{id: s{i}, name: S{i}, reliability: 0.99}}\n"
                                                       for i in range(8)),
        "evidence/e.yaml": "items:\n" + item("r0", "s0", "2020-01-01", None, origin="g").replace(
            "    reported", "    likelihoods: {q: {a: 0.8, b: 0.2}}\n    reported")
        + "".join(item(f"r{i}", f"s{i}", "2020-01-02", None, origin="g") for i in range(1, 8)),
    })
    got = plausible.load_workspace(root).posterior("q").probabilities
    assert got["a"] / got["b"] <= 0.8 / 0.2 + 1e-12
    assert got["a"] / got["b"] > 3.9  # eight near-perfect reports come close to it


def test_the_same_source_repeating_itself_counts_once(write_workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = _origin_workspace(write_workspace, second=False)
    once = plausible.load_workspace(root).posterior("q").probability
    with (root / "evidence" / "e.yaml").open("a", encoding="utf-8") as f:
        f.write(item("e1-again", "s1", "2020-01-05", None, origin="ev"))
    repeated = plausible.load_workspace(root).posterior("q")
    assert "e1-again" in repeated.item_ids
    assert repeated.probability == pytest.approx(once, rel=1e-12)


def test_a_source_of_reliability_zero_changes_nothing(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = _origin_workspace(write_workspace)
    before = plausible.load_workspace(root).posterior("q").probability
    with (root / "evidence" / "e.yaml").open("a", encoding="utf-8") as f:
        f.write(item("noise", "deaf", "2020-01-04", "{a: 0.99, b: 0.01, c: 0.01}"))
    after = plausible.load_workspace(root).posterior("q")
    assert "noise" in after.item_ids
    assert after.probability == pytest.approx(before, rel=1e-12)


# --- supersedes ------------------------------------------------------------------------------------------------


def test_a_superseded_item_no_longer_counts(write_workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    i1 = item("i1", "s1", "2020-01-01", "{a: 0.7, b: 0.2, c: 0.4}")
    i2 = item("i2", "s2", "2020-01-02", "{a: 0.9, b: 0.05, c: 0.1}")
    i3 = item("i3", "s3", "2020-01-03", "{a: 0.2, b: 0.5, c: 0.5}", supersedes="[i2]")
    root = write_workspace({
        "hypotheses/q.yaml": three_hypotheses(), "evidence/sources.yaml": SOURCES,
        "evidence/a.yaml": "items:\n" + i1 + i2, "evidence/b.yaml": "items:\n" + i3,
    })
    with_correction = plausible.load_workspace(root)
    assert [it.id for it in with_correction.items] == ["i1", "i3"]

    other = tmp_path / "without"
    for rel, text in {
        "hypotheses/q.yaml": three_hypotheses(), "evidence/sources.yaml": SOURCES,
        "evidence/a.yaml": "items:\n" + i1,
        "evidence/b.yaml": "items:\n" + item("i3", "s3", "2020-01-03", "{a: 0.2, b: 0.5, c: 0.5}"),
    }.items():
        (other / rel).parent.mkdir(parents=True, exist_ok=True)
        (other / rel).write_text(text, encoding="utf-8")
    without = plausible.load_workspace(other)
    got, expected = with_correction.posterior("q"), without.posterior("q")
    assert got.item_ids == expected.item_ids == ("i1", "i3")
    assert got.probability == pytest.approx(expected.probability, rel=1e-12)
    # and the superseded item did matter
    full = posterior_by_hand([0.5, 0.3, 0.2], [([0.7, 0.2, 0.4], [0.9]), ([0.9, 0.05, 0.1], [0.6]),
                                               ([0.2, 0.5, 0.5], [0.6])])
    assert abs(full[0] - got.probabilities["a"]) > 1e-3


# --- order -------------------------------------------------------------------------------------------------


def test_items_are_ordered_by_reported_date_then_file_name_then_position(write_workspace) -> None:  # type: ignore[no-untyped-def]
    lik = "{a: 0.6, b: 0.4, c: 0.5}"
    root = write_workspace({
        "hypotheses/q.yaml": three_hypotheses(),
        "evidence/sources.yaml": SOURCES,
        "evidence/b.yaml": "items:\n" + item("zulu", "s1", "2020-01-02", lik) + item("alpha", "s1", "2020-01-01", lik),
        "evidence/a.yaml": "items:\n" + item("yankee", "s1", "2020-01-02", lik) + item("bravo", "s1", "2020-01-02", lik)
        + item("xray", "s1", "2020-01-03", lik),
    })
    ws = plausible.load_workspace(root)
    expected = ["alpha", "yankee", "bravo", "zulu", "xray"]
    assert [it.id for it in ws.items] == expected
    assert list(ws.posterior("q").item_ids) == expected
    assert [(it.path, it.line) for it in ws.items][:2] == [("evidence/b.yaml", 8), ("evidence/a.yaml", 2)]


def test_order_of_items_changes_nothing_in_the_posterior(write_workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    items = [item(f"i{j}", f"s{1 + j % 3}", f"2020-01-{1 + j:02d}",
                  "{" + ", ".join(f"{h}: {rng.uniform(0.05, 0.95):.3f}" for h in "abc") + "}")
             for j in range(6)]
    root = write_workspace({"hypotheses/q.yaml": three_hypotheses(), "evidence/sources.yaml": SOURCES,
                            "evidence/e.yaml": "items:\n" + "".join(items)})
    other = tmp_path / "shuffled"
    shutil.copytree(root / "hypotheses", other / "hypotheses")
    (other / "evidence").mkdir()
    (other / "evidence" / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (other / "evidence" / "e.yaml").write_text("items:\n" + "".join(items[::-1]), encoding="utf-8")
    assert plausible.load_workspace(other).posterior("q").probability == pytest.approx(
        plausible.load_workspace(root).posterior("q").probability, rel=1e-12)


# --- problems and warnings --------------------------------------------------------------------------------------


def test_every_problem_is_listed_with_path_and_line(write_workspace) -> None:  # type: ignore[no-untyped-def]
    hypotheses = (
        "question: Which one?\n"               # 1
        "exhaustive: true\n"                   # 2
        "hypotheses:\n"                        # 3
        "  - id: a\n"                          # 4
        "    title: A\n"                       # 5
        "    prio: 0.5\n"                      # 6  unknown key, did you mean 'prior'
        "  - id: b\n"                          # 7
        "    title: B\n"                       # 8
    )
    evidence = (
        "items:\n"                                     # 1
        "  - id: one\n"                                # 2
        "    summary: First\n"                         # 3
        "    source: kcan\n"                           # 4  unknown source
        "    reported: 2020-01-01\n"                   # 5
        "    likelihoods: {q: {a: 0.5, b: 0.2}}\n"     # 6
        "  - id: two\n"                                # 7
        "    summary: Second\n"                        # 8
        "    source: kcna\n"                           # 9
        "    reported: 2020-01-02\n"                   # 10
        "    likelihoods:\n"                           # 11
        "      q: {a: 1.5, b: 0.2}\n"                  # 12 out of range
    )
    root = write_workspace({
        "hypotheses/q.yaml": hypotheses,
        "evidence/sources.yaml": "sources:\n  - {id: kcna, name: KCNA, reliability: C}\n",
        "evidence/e.yaml": evidence,
    })
    with pytest.raises(InputError) as exc:
        plausible.load_workspace(root)
    problems = list(exc.value.problems)
    assert [(p.path, p.line) for p in problems] == [
        ("evidence/e.yaml", 4), ("evidence/e.yaml", 12), ("hypotheses/q.yaml", 6)
    ], problems
    messages = [p.message for p in problems]
    assert "unknown source 'kcan'" in messages[0] and "did you mean 'kcna'" in messages[0]
    assert "1.5" in messages[1] and "between 0 and 1" in messages[1]
    assert "unknown key 'prio'" in messages[2] and "did you mean 'prior'" in messages[2]
    assert str(exc.value).splitlines() == [str(p) for p in problems]
    assert str(problems[0]).startswith("evidence/e.yaml:4: ")


def test_warnings_do_not_fail_the_load(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace({
        "hypotheses/q.yaml": hypotheses_file(["  - {id: a, title: A}\n", "  - {id: b, title: B}\n"], extra=""),
        "evidence/sources.yaml": SOURCES,
        "evidence/e.yaml": "items:\n" + item("i1", "s1", "2020-01-01", None).replace(
            "    reported", "    likelihoods: {q: {a: 0.7, b: 0.3}}\n    reported"),
    })
    ws = plausible.load_workspace(root)
    assert len(ws.warnings) == 1
    warning = ws.warnings[0]
    assert warning.path == "hypotheses/q.yaml"
    assert "catch-all" in warning.message and "exhaustive" in warning.message
    assert ws.posterior("q").item_ids == ("i1",)


def test_a_catch_all_silences_the_warning(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace({"hypotheses/q.yaml": hypotheses_file(
        ["  - {id: a, title: A}\n", "  - {id: other, title: Other, catch_all: true}\n"], extra="")})
    assert plausible.load_workspace(root).warnings == []


# --- inputs hash and read-only loading -----------------------------------------------------------------------


def _hashable_workspace(write_workspace):  # type: ignore[no-untyped-def]
    return write_workspace({
        "hypotheses/q.yaml": three_hypotheses() + "model: strict\n",
        "models/strict.yaml": "band_mass: 0.8\n",
        "evidence/sources.yaml": SOURCES,
        "evidence/a.yaml": "items:\n" + item("i1", "s1", "2020-01-01", "{a: 0.7, b: 0.2, c: likely}"),
        "evidence/sub/b.yaml": "items:\n" + item("i2", "s2", "2020-01-02", "{a: 0.3, b: 0.6, c: 0.5}"),
    })


def test_inputs_hash_changes_with_any_input_file_and_only_then(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = _hashable_workspace(write_workspace)
    base = plausible.load_workspace(root).inputs_hash
    assert plausible.load_workspace(root).inputs_hash == base
    (root / "notes.md").write_text("not an input\n", encoding="utf-8")
    assert plausible.load_workspace(root).inputs_hash == base
    seen = {base}
    inputs = ["hypotheses/q.yaml", "models/strict.yaml", "evidence/sources.yaml", "evidence/a.yaml",
              "evidence/sub/b.yaml"]
    for rel in inputs:
        path = root / rel
        original = path.read_bytes()
        path.write_bytes(original + b"# a comment changes the bytes, not the meaning\n")
        changed = plausible.load_workspace(root).inputs_hash
        assert changed not in seen, rel
        seen.add(changed)
        path.write_bytes(original)
        assert plausible.load_workspace(root).inputs_hash == base, rel


def test_inputs_hash_is_reported_with_the_posterior(write_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = plausible.load_workspace(_hashable_workspace(write_workspace))
    assert ws.posterior("q").inputs_hash == ws.inputs_hash
    assert len(ws.inputs_hash) == 64


def _snapshot(root: Path) -> dict[str, tuple[str, int, int] | None]:
    out: dict[str, tuple[str, int, int] | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file():
            stat = path.stat()
            out[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mtime_ns, stat.st_size)
        else:
            out[rel] = None
    return out


def test_loading_never_modifies_any_file(tmp_path: Path) -> None:
    root = tmp_path / "dprk"
    for folder in ("hypotheses", "evidence", "models", "analysts"):
        shutil.copytree(REPO / folder, root / folder)
    before = _snapshot(root)
    assert len([v for v in before.values() if v is not None]) >= 10
    ws = plausible.load_workspace(root)
    for set_id in ws.sets:
        ws.posterior(set_id).to_dict()
    assert _snapshot(root) == before


def test_a_failed_load_modifies_nothing(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = _hashable_workspace(write_workspace)
    (root / "evidence" / "bad.yaml").write_text("items:\n  - id: x\n    summary: [unclosed\n", encoding="utf-8")
    before = _snapshot(root)
    with pytest.raises(InputError):
        plausible.load_workspace(root)
    assert _snapshot(root) == before


def test_a_set_is_compiled_once_per_workspace_into_read_only_arrays(tmp_path: Path) -> None:
    from plausible.testing import synthetic_workspace

    ws = plausible.load_workspace(synthetic_workspace(tmp_path, 4, n_items=30, origin_fraction=0.3,
                                                      judgment_kinds=("number", "term", "rating")))
    compiled = ws.compiled("question")
    assert ws.compiled("question") is compiled
    assert ws.on(dt.date(2100, 1, 1)).compiled("question") is not compiled  # another view: compiled afresh
    with pytest.raises(ValueError, match="read-only"):
        compiled.lam[0, 0] = 0.5
    # The distinct-judgment coding gives each cell its own judgment's values.
    items = {item.id: item for item in ws.items_for("question")}
    for row, event in enumerate(dict.fromkeys(item.event for item in items.values())):
        first = next(item for item in items.values() if item.event == event)
        for k, h in enumerate(compiled.hypothesis_ids):
            judgment = first.likelihoods["question"][h]
            assert compiled.lam_na[row, k] == judgment.not_applicable
            if not judgment.not_applicable:
                assert compiled.lam[row, k] == judgment.mean
                assert (np.isnan(compiled.lam_alpha[row, k]) if judgment.alpha is None
                        else compiled.lam_alpha[row, k] == judgment.alpha)
