"""History never rewrites the past: each step of ``history`` equals ``posterior --as-of`` on its day.

A correction (``supersedes``) applies from the day it is reported; before that the item it corrects counts,
in ``history`` and in the briefing's trajectory as in ``posterior --as-of``. The truth for each step is an
independent recomputation: the posterior as of the step's day (``Workspace.on``, checked against truncated
copies in ``tests/test_as_of.py``), or the exact engine on the items of the prefix less those it supersedes.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plausible.analysis import trajectory
from plausible.cli import app
from plausible.engines.exact import exact_posterior
from plausible.model.compiled import compile_set
from plausible.model.entities import items_as_of
from plausible.testing import synthetic_workspace
from plausible.workspace import load_workspace

CORRECTION = """items:
  - id: operator-correction
    summary: The operator withdraws its statement that a pump's control unit failed.
    source: operator
    reported: 2024-03-06
    supersedes: [operator-pump-statement]
    likelihoods:
      plant-outage: {equipment-failure: 0.3, cyber-attack: 0.6, sabotage: 0.3, other: 0.3}
"""


def invoke(*args: str) -> dict:  # type: ignore[type-arg]
    done = CliRunner(env={"COLUMNS": "160"}).invoke(app, list(args))
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def corrected(tmp_path: Path) -> Path:
    """The example of ``plausible init`` (two analysts) with a correction reported two days after the rest."""
    root = tmp_path / "ws"
    CliRunner().invoke(app, ["init", str(root)])
    (root / "evidence" / "2024-03-06-correction.yaml").write_text(CORRECTION, encoding="utf-8")
    return root


def as_of(root: Path, day: str) -> dict[str, float]:
    done = invoke("posterior", "plant-outage", "--as-of", day, "--json", "-w", str(root))
    return {h["id"]: h["probability"] for h in done["hypotheses"]}


@pytest.mark.parametrize("by", ["date", "item", "file"])
def test_every_step_of_history_equals_posterior_as_of_its_day(corrected: Path, by: str) -> None:
    history = invoke("history", "plant-outage", "--by", by, "--json", "-w", str(corrected))
    steps = history["steps"]
    last_of_day = [s for j, s in enumerate(steps) if j + 1 == len(steps) or steps[j + 1]["reported"] != s["reported"]]
    assert [s["reported"] for s in last_of_day] == ["2024-03-02", "2024-03-04", "2024-03-06"]
    for step in last_of_day:  # by date and by file (one day per file here) that is every step
        want = as_of(corrected, step["reported"])
        assert step["probabilities"] == pytest.approx(want, abs=1e-12), step["reported"]


def test_the_corrected_item_counts_until_its_correction_and_the_step_says_so(corrected: Path) -> None:
    steps = invoke("history", "plant-outage", "--by", "date", "--json", "-w", str(corrected))["steps"]
    assert steps[0]["items"] == ["operator-pump-statement", "gazette-hmi-screens"]
    assert [s["superseded"] for s in steps] == [[], [], ["operator-pump-statement"]]
    done = CliRunner(env={"COLUMNS": "160"}).invoke(app, ["history", "plant-outage", "-w", str(corrected)])
    assert "operator-correction: operator-pump-statement superseded from this step on (counted until then)" \
        in done.stdout
    # what the briefing plots is the same trajectory
    ws = load_workspace(corrected)
    plotted = trajectory(ws, "plant-outage", "date")
    assert plotted.steps[0].probability == pytest.approx(ws.posterior("plant-outage", as_of=dt.date(2024, 3, 2))
                                                         .probability, abs=1e-12)


def test_history_as_of_a_day_before_the_correction_keeps_the_corrected_item(corrected: Path) -> None:
    history = invoke("history", "plant-outage", "--by", "item", "--as-of", "2024-03-05", "--json", "-w",
                     str(corrected))
    assert history["steps"][0]["item"] == "operator-pump-statement"
    assert history["steps"][-1]["probabilities"] == pytest.approx(as_of(corrected, "2024-03-05"), abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_random_corrections_every_step_equals_recomputation(tmp_path: Path, seed: int) -> None:
    root = synthetic_workspace(tmp_path, seed, n_items=25, n_files=3, origin_fraction=0.3, correction_fraction=0.4)
    ws = load_workspace(root)
    arrived = ws.arrivals_for("question")
    assert any(item.supersedes for item in arrived)
    hs = ws.hypothesis_set("question")
    by_item = trajectory(ws, "question", "item")
    assert [s.label for s in by_item.steps] == [i.id for i in arrived]
    before: set[str] = set()
    for j, step in enumerate(by_item.steps):
        counted = items_as_of(arrived[: j + 1])
        fresh = exact_posterior(compile_set(hs, counted, ws.sources)).probability if counted else by_item.prior
        assert step.probability == pytest.approx(fresh, abs=1e-10), step.label
        now = {i.id for i in counted}
        assert set(step.superseded) == before - now, step.label
        before = now
    for step in trajectory(ws, "question", "date").steps:
        assert step.probability == pytest.approx(ws.posterior("question", as_of=step.reported).probability,
                                                 abs=1e-12), step.label
    by_file = trajectory(ws, "question", "file")
    assert by_file.steps[-1].probability == pytest.approx(ws.posterior("question").probability, abs=1e-12)
    before = set()
    for n, step in enumerate(by_file.steps):
        files = {s.label for s in by_file.steps[: n + 1]}
        now = {i.id for i in items_as_of([i for i in arrived if i.path in files])}
        assert set(step.superseded) == before - now, step.label
        before = now
