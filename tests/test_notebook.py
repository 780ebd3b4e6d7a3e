"""The notebook face of the results: short reprs, HTML that escapes, labelled pandas objects, the ArviZ DataTree,
and the example percent-script of docs/examples, run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import plausible
from plausible.analysis import analyze
from plausible.testing import synthetic_workspace

REPO = Path(__file__).parents[1]
SET = "dprk-driver"


class _Text(HTMLParser):
    """The text and tags of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(fragment: str) -> _Text:
    parser = _Text()
    parser.feed(fragment)
    return parser


@pytest.fixture(scope="module")
def ws() -> plausible.Workspace:
    return plausible.load_workspace(REPO)


def test_reprs_are_one_or_two_lines(ws: plausible.Workspace) -> None:
    post = ws.posterior(SET)
    for obj in (ws, post, analyze(ws, SET)):
        text = repr(obj)
        assert text.count("\n") <= 1 and len(text) < 240, text
    lead = post.leading
    assert ws.sets[SET].hypotheses[[h.id for h in ws.sets[SET].hypotheses].index(lead)].title in repr(post)
    assert f"{len(ws.items)} items" in repr(ws) and f"{len(ws.sets)} sets" in repr(ws)


def test_html_shows_every_set_and_hypothesis_and_escapes(ws: plausible.Workspace, tmp_path: Path) -> None:
    page = parsed(ws._repr_html_())
    text = " ".join(page.text)
    assert "table" in page.tags
    for set_id, hs in ws.sets.items():
        assert set_id in text and hs.question in text
    post = ws.posterior(SET)
    shown = " ".join(parsed(post._repr_html_()).text)
    for h in ws.sets[SET].hypotheses:
        assert h.title in shown
    # analyst text is escaped: a title with markup shows as text, no tag gets through
    root = synthetic_workspace(tmp_path / "ws", 1)
    path = root / "hypotheses" / "question.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Hypothesis 0", "<script>x</script>"), encoding="utf-8")
    hostile = plausible.load_workspace(root).posterior("question")
    fragment = hostile._repr_html_()
    assert "<script>" not in fragment and "script" not in parsed(fragment).tags
    assert "<script>x</script>" in " ".join(parsed(fragment).text)


def test_to_frame_has_titles_and_the_models_words(ws: plausible.Workspace) -> None:
    post = ws.posterior(SET)
    frame = post.to_frame()
    spec = ws.sets[SET].model
    titles = {h.id: h.title for h in ws.sets[SET].hypotheses}
    assert list(frame.columns) == ["title", "prior", "probability", "term"]
    assert list(frame.index) == list(post.hypothesis_ids)
    for hid, row in frame.iterrows():
        assert row["title"] == titles[str(hid)]
        assert row["probability"] == post.probabilities[str(hid)]
        assert row["term"] == spec.describe(row["probability"])
        lo, hi = spec.band_of(row["term"])
        assert lo - 1e-12 <= row["probability"] <= hi + 1e-12


def test_weights_frame_is_the_weights_labelled(ws: plausible.Workspace) -> None:
    post = ws.posterior(SET)
    frame = post.weights_frame()
    np.testing.assert_array_equal(frame.to_numpy(), post.weights)  # the same numbers, only labelled
    assert frame.index.names == ["item", "summary"] and frame.columns.names == ["hypothesis", "title"]
    summaries = {i.id: i.summary for i in ws.items}
    assert [s for _, s in frame.index] == [summaries[i] for i in post.item_ids]
    assert list(frame.columns.get_level_values("hypothesis")) == list(post.hypothesis_ids)
    by_id = frame.droplevel("title", axis=1).droplevel("summary")
    item, hid = post.item_ids[3], post.hypothesis_ids[1]
    assert by_id.loc[item, hid] == post.weights[3, 1]
    # the weights are centred per item: each row sums to 0
    np.testing.assert_allclose(frame.sum(axis=1), 0.0, atol=1e-9)


def test_exact_posterior_has_no_datatree(ws: plausible.Workspace) -> None:
    with pytest.raises(plausible.UsageError, match="exact engine draws nothing"):
        ws.posterior(SET).to_datatree()


def test_the_mcmc_datatree_reads_in_arviz_summary_and_plots(tmp_path: Path) -> None:
    az = pytest.importorskip("arviz")
    import matplotlib

    matplotlib.use("Agg")
    root = synthetic_workspace(tmp_path / "ws", 4, n_items=8)
    post = plausible.load_workspace(root).posterior("question", method="mcmc", draws=60, tune=60, chains=2,
                                                    seed=3)
    tree = post.to_datatree()
    assert tree is post.draws
    summary = az.summary(tree, var_names=["probability"], round_to="none")
    # ArviZ's mean of the drawn probabilities is the engine's posterior probability of each hypothesis
    hids = [str(h) for h in tree.posterior["probability"].coords["hypothesis"].values]
    assert hids == list(post.hypothesis_ids) and len(summary) == len(hids)
    np.testing.assert_allclose(summary["mean"].to_numpy(dtype=float), post.probability, rtol=1e-10)
    plots = az.plot_dist(tree, var_names=["probability"])
    out = tmp_path / "probability.png"
    plots.savefig(out)
    assert out.stat().st_size > 1000


def test_exercise_scores_show_themselves(ws: plausible.Workspace) -> None:
    from plausible.forecasting import score_exercise

    scores = score_exercise("dprk-2015", ws)
    text = repr(scores)
    assert text.count("\n") == 0 and "dprk-2015" in text and len(text) < 240
    shown = " ".join(parsed(scores._repr_html_()).text)
    for f in scores.forecasters:
        assert f.id in shown


def test_the_example_percent_script_runs(tmp_path: Path) -> None:
    script = REPO / "docs" / "examples" / "notebook.py"
    assert script.read_text(encoding="utf-8").count("# %%") >= 5  # cells, for Jupyter and VS Code
    root = tmp_path / "ws"
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-W", "error", "-m", "plausible", "init", str(root)], env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-W", "error", str(script), str(root), str(out)], env=env,
                          capture_output=True, text=True, check=False, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr == ""  # no warning leaks
    assert "<Posterior plant-outage (exact, 4 reports)" in done.stdout
    assert "rho[" in done.stdout  # ArviZ's summary
    assert (out / "rho.png").stat().st_size > 1000
    page = (out / "briefing.html").read_text(encoding="utf-8")
    for where in ("top", "bottom"):  # the example's workspace.yaml: the banner at the top and the bottom
        assert f'class="banner banner-{where}" role="note" aria-label="classification">UNCLASSIFIED // EXAMPLE ONLY<' \
            in page
    assert "Prepared by Example Analyst, Example Analysis Cell" in page
