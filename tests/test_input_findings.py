"""Findings of a newcomer who used plausible from its docs alone: each reproduced on a workspace from `init`.

Every test here failed before its fix (the finding's number in the newcomer's report is in the test's name).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import plausible
from plausible import InputError
from plausible.cli import app

TODAY = "2026-01-01"
COMMANDS = [["posterior", "plant-outage"], ["analyze", "plant-outage"], ["sets"], ["history", "plant-outage"]]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"PLAUSIBLE_TODAY": TODAY}).invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The workspace `plausible init` writes (one set, plant-outage; two analysts)."""
    root = tmp_path / "ws"
    code, output = _run("init", str(root))
    assert code == 0, output
    return root


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _use_model(root: Path, name: str, text: str) -> None:
    (root / "models" / f"{name}.yaml").write_text(text, encoding="utf-8")
    hypotheses = root / "hypotheses" / "plant-outage.yaml"
    hypotheses.write_text(f"model: {name}\n" + hypotheses.read_text(encoding="utf-8"), encoding="utf-8")


# 1. A table given in part merges over the built-in one, every table key alike; no command fails on it.

def test_1_a_partial_credibility_table_merges_and_every_command_runs(example: Path) -> None:
    _use_model(example, "careful", 'credibility: {"3": 0.7}\n')
    first = example / "evidence" / "2024-03-02-first-reports.yaml"
    first.write_text(first.read_text(encoding="utf-8").replace("credibility: 3", "credibility: 4"), encoding="utf-8")
    code, output = _run("validate", "-w", str(example))
    assert code == 0, output
    for command in COMMANDS:
        code, output = _run(*command, "-w", str(example))
        assert code == 0 and "internal error" not in output, (command, output)
    ws = plausible.load_workspace(example)
    compiled = ws.compiled("plant-outage")
    factor = dict(zip(compiled.item_ids, compiled.factor, strict=True))
    assert factor["operator-pump-statement"] == 0.5  # credibility 4 keeps its built-in factor
    assert ws.sets["plant-outage"].model.credibility_factor(3) == 0.7  # the entry given


def test_1_every_table_key_merges_the_same_way(example: Path) -> None:
    _use_model(example, "careful", (
        "ach_ratings: {N: [0.4, 0.6]}\n"
        "reliability: {C: {alpha: 5, beta: 5}}\n"
        "credibility: {'4': 0.4}\n"
        "inference: {seed: 7}\n"
        "scales:\n  plain:\n    - {terms: [maybe], band: [0.3, 0.7]}\n"))
    model = plausible.load_workspace(example).sets["plant-outage"].model
    builtin = plausible.load_workspace(example).sets["plant-outage"].model.__class__()
    assert model.judgment("N").band == (0.4, 0.6)
    for rating in ("CC", "C", "I", "II"):  # before: left out of a partial table, they silently carried no weight
        assert model.judgment(rating) == builtin.judgment(rating)
    assert model.judgment("NA").not_applicable
    assert model.reliability("C").mean == 0.5 and model.reliability("A") == builtin.reliability("A")
    assert [model.credibility_factor(c) for c in range(1, 7)] == [1.0, 0.9, 0.75, 0.4, 0.25, 1.0]
    assert model.inference.seed == 7 and model.inference.draws == builtin.inference.draws
    assert set(model.scales) == {"icd203", "kent", "phia", "plain"}
    assert model.judgment("likely") == builtin.judgment("likely")


def test_1_a_set_reads_a_sources_grade_in_its_own_model(example: Path) -> None:
    """Before, sources were read in the `default` model only: a set's model's `reliability` table was ignored."""
    before = plausible.load_workspace(example).compiled("plant-outage")
    _use_model(example, "careful", "reliability: {B: {alpha: 1, beta: 3}}\n")
    after = plausible.load_workspace(example).compiled("plant-outage")
    rho = dict(zip(after.source_ids, after.rho, strict=True))
    assert rho["operator"] == pytest.approx(0.25)  # grade B: Beta(1, 3), mean 1/4
    assert (after.rho_alpha[after.source_ids.index("operator")], after.rho_beta[after.source_ids.index("operator")]
            ) == (1.0, 3.0)
    unchanged = [s for s in after.source_ids if s != "operator"]
    np.testing.assert_array_equal([rho[s] for s in unchanged],
                                  [dict(zip(before.source_ids, before.rho, strict=True))[s] for s in unchanged])


# 6. validate reports every problem in one run: a refused value does not hide the checks of the rest.

def test_6_an_analyst_files_schema_problem_hides_none_of_its_cross_checks(example: Path) -> None:
    sam = example / "analysts" / "sam.yaml"
    sam.write_text(sam.read_text(encoding="utf-8").replace("weight: 1", "weight: 0")
                   + "priors:\n  plant-outage: {equipment-failure: 0.5, cyber-atack: 0.2}\n"
                   + "  nosuch-set: {a: 0.5}\n", encoding="utf-8")
    code, output = _run("validate", "-w", str(example))
    assert code == 2
    assert "weight: must be greater than 0" in output
    assert "unknown hypothesis 'cyber-atack'; did you mean 'cyber-attack'?" in output
    assert "prior missing for 'sabotage', 'other'" in output  # every missing one, not the first only
    assert "unknown hypothesis set 'nosuch-set'" in output


def test_6_an_items_schema_problem_hides_neither_its_terms_nor_its_date(example: Path) -> None:
    (example / "evidence" / "2025-01-01-late.yaml").write_text(
        "items:\n"
        "  - {id: late, summary: S, source: forum, reported: 2026-12-25, credibility: 9,\n"
        "     likelihoods: {plant-outage: {equipment-failure: probly, cyber-attack: 0.5, sabotage: 0.5, other: 0.5}}}\n"
        "  - {id: later, sumary: S, source: forum, reported: 2026-12-26,\n"
        "     likelihoods: {plant-outage: {equipment-failure: likly, cyber-attack: 0.5, sabotage: 0.5, other: 0.5}}}\n",
        encoding="utf-8")
    code, output = _run("validate", "-w", str(example))
    assert code == 2
    for expected in ("credibility must be an Admiralty grade 1–6, got 9", "unknown verbal term 'probly'",
                     "item 'late' is reported on 2026-12-25, after today", "unknown key 'sumary' in item 'later'",
                     "unknown verbal term 'likly'", "item 'later' is reported on 2026-12-26, after today"):
        assert expected in output, (expected, output)
    assert "likelihoods missing" not in output  # no follow-on message for what was left out


# 8. A verbal prior is read at its Beta mean, like a verbal likelihood; the limit on partial priors is stated.

def _set_with_priors(root: Path, *priors: str | None) -> None:
    rows = "".join(f"  - {{id: h{i}, title: H{i}{'' if p is None else ', prior: ' + p}}}\n"
                   for i, p in enumerate(priors))
    (root / "hypotheses" / "plant-outage.yaml").write_text(
        "question: Q?\nexhaustive: true\nhypotheses:\n" + rows, encoding="utf-8")
    for path in (root / "evidence").glob("2024-*.yaml"):
        path.unlink()
    (root / "analysts" / "sam.yaml").unlink(missing_ok=True)


def test_8_a_verbal_prior_is_read_at_its_beta_mean_as_the_docs_table_says(example: Path) -> None:
    _set_with_priors(example, "likely", "0.5")
    ws = plausible.load_workspace(example)
    beta_mean = ws.sets["plant-outage"].model.judgment("likely")
    assert beta_mean.alpha is not None and beta_mean.beta is not None
    mean = beta_mean.alpha / (beta_mean.alpha + beta_mean.beta)
    assert round(mean, 3) == 0.681  # the value docs/format.md's table gives, not the band's middle 0.675
    assert ws.sets["plant-outage"].hypotheses[0].prior == pytest.approx(mean / (mean + 0.5))
    docs = (Path(__file__).parent.parent / "docs" / "format.md").read_text(encoding="utf-8")
    assert "read at the middle of its band" not in docs and "at the mean of its Beta distribution" in docs


def test_8_partial_priors_are_probabilities_and_the_rest_share_what_they_leave(example: Path) -> None:
    _set_with_priors(example, "0.5", "0.2", None, None)
    priors = [h.prior for h in plausible.load_workspace(example).sets["plant-outage"].hypotheses]
    assert priors == pytest.approx([0.5, 0.2, 0.15, 0.15])  # the example docs/format.md gives


def test_8_partial_priors_past_one_name_every_hypothesis_without_one(example: Path) -> None:
    _set_with_priors(example, "0.7", "0.6", None, None)
    with pytest.raises(InputError) as exc:
        plausible.load_workspace(example)
    [problem] = exc.value.problems
    assert "leaving nothing for the 2 hypotheses without one ('h2', 'h3')" in problem.message
    _set_with_priors(example, "0.7", "0.6", None)
    with pytest.raises(InputError) as exc:
        plausible.load_workspace(example)
    assert "for the hypothesis without one ('h2')" in exc.value.problems[0].message  # not "1 hypotheses"


# 9. The future-date error does not send the date to `observed`, which must come before `reported`.

def test_9_the_future_date_advice_does_not_contradict_the_observed_warning(example: Path) -> None:
    _append(example / "evidence" / "2024-03-04-claims.yaml",
            "  - {id: late, summary: S, source: forum, reported: 2026-12-25,\n"
            "     likelihoods: {plant-outage: {equipment-failure: 0.5, cyber-attack: 0.5, sabotage: 0.5, other: 0.5}}}\n")
    with pytest.raises(InputError) as exc:
        plausible.load_workspace(example)
    [problem] = exc.value.problems
    assert "after today" in problem.message and "observed" not in problem.message
    assert "indicator" in problem.message


# 10. What triggers the double-counting warning is what docs/format.md says.

def test_10_double_counting_fires_on_what_the_docs_name_and_on_nothing_else(example: Path) -> None:
    from plausible.analysis.double_counting import double_counting

    row = "likelihoods: {plant-outage: {equipment-failure: 0.5, cyber-attack: 0.6, sabotage: 0.5, other: 0.5}}"
    (example / "evidence" / "2024-03-05-copies.yaml").write_text(
        "items:\n"
        f"  - {{id: copy-1, summary: S, source: forum, reported: 2024-03-05, {row}}}\n"
        f"  - {{id: copy-2, summary: S, source: forum, reported: 2024-03-05, {row}}}\n", encoding="utf-8")
    ws = plausible.load_workspace(example)
    found = double_counting(ws.sets["plant-outage"], ws.items_for("plant-outage"))
    assert found == []  # same source, day and judgments: not a trigger (as documented)
    (example / "evidence" / "2024-03-05-copies.yaml").write_text(
        "items:\n"
        f"  - {{id: copy-1, summary: S, source: forum, reported: 2024-03-05, observed: 2024-03-04, {row}}}\n"
        f"  - {{id: copy-2, summary: S, source: forum, reported: 2024-03-05, observed: 2024-03-04, {row}}}\n",
        encoding="utf-8")
    ws = plausible.load_workspace(example)
    assert [w.kind for w in double_counting(ws.sets["plant-outage"], ws.items_for("plant-outage"))] == ["same-date"]
    docs = (Path(__file__).parent.parent / "docs" / "format.md").read_text(encoding="utf-8")
    assert "same `observed` date" in docs and "share 8 or more consecutive" in docs


# 11. A correction reported before the item it corrects, and independent_of across sources, are errors.

def test_11_a_correction_reported_before_its_target_is_an_error_with_its_line(example: Path) -> None:
    (example / "evidence" / "2024-03-01-early.yaml").write_text(
        "items:\n"
        "  - id: early-fix\n    summary: S\n    source: forum\n    reported: 2024-03-01\n"
        "    supersedes: [forum-claim]\n"
        "    likelihoods: {plant-outage: {equipment-failure: 0.5, cyber-attack: 0.5, sabotage: 0.5, other: 0.5}}\n",
        encoding="utf-8")
    with pytest.raises(InputError) as exc:
        plausible.load_workspace(example)
    [problem] = exc.value.problems
    assert (problem.path, problem.line) == ("evidence/2024-03-01-early.yaml", 6)
    assert "supersedes item 'forum-claim', which is reported later (2024-03-04)" in problem.message


def test_11_independent_of_another_sources_item_is_an_error(example: Path) -> None:
    _append(example / "evidence" / "2024-03-04-claims.yaml",
            "  - {id: forum-2, summary: S, source: forum, reported: 2024-03-04, independent_of: [forum-claim, "
            "gazette-hmi-screens],\n"
            "     likelihoods: {plant-outage: {equipment-failure: 0.5, cyber-attack: 0.5, sabotage: 0.5, other: 0.5}}}\n")
    with pytest.raises(InputError) as exc:
        plausible.load_workspace(example)
    [problem] = exc.value.problems  # forum-claim is the same source: fine
    assert "independent of 'gazette-hmi-screens', which is from another source ('local-news')" in problem.message


# 13. The ACH matrix's credibility labels are PARC's levels, mapped from the Admiralty number as documented.

def test_13_the_documented_credibility_mapping_is_the_one_analyze_uses() -> None:
    from plausible.analysis.ach import credibility_level

    docs = (Path(__file__).parent.parent / "docs" / "format.md").read_text(encoding="utf-8")
    assert "credibility 1–2 is\n`high`, 3, 6 or none is `medium`, 4–5 is `low`" in docs
    assert {c: credibility_level(c) for c in (1, 2, 3, 4, 5, 6, None)} == {
        1: "high", 2: "high", 3: "medium", 4: "low", 5: "low", 6: "medium", None: "medium"}


# 20. Messages: grammar, one error prefix, no pydantic wording, superseded items counted.

def test_20_validate_says_how_many_superseded_items_it_leaves_out_in_good_grammar(example: Path) -> None:
    _append(example / "evidence" / "2024-03-04-claims.yaml",
            "  - {id: forum-fix, summary: S, source: forum, reported: 2024-03-05, supersedes: [forum-claim],\n"
            "     likelihoods: {plant-outage: {equipment-failure: 0.5, cyber-attack: 0.5, sabotage: 0.5, other: 0.5}}}\n")
    code, output = _run("validate", "-w", str(example))
    assert code == 0, output
    assert output.startswith("ok: 1 hypothesis set, 3 sources, 4 evidence items in use\n"
                             "  and 1 item superseded by corrections, not counted\n")
    code, output = _run("validate", "-w", str(example), "--json")
    assert '"superseded": 1' in output


@pytest.mark.parametrize("args", [["posterior", "plant-outage", "--method", "foo"], ["posterior", "--bogus"],
                                  ["nosuch"], ["posterior", "plant-outage", "--draws", "0"]])
def test_20_argument_errors_start_like_every_other_error(example: Path, args: list[str]) -> None:
    code, output = _run(*args, "-w", str(example))
    assert code == 2
    assert "\nerror: " in output and "Error:" not in output
    assert "Value error" not in output and "Input should be" not in output


def test_20_a_row_of_terms_of_another_scale_is_one_message(example: Path) -> None:
    (example / "models" / "default.yaml").write_text("likelihood_scale: kent\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        plausible.load_workspace(example)
    messages = [p.message for p in exc.value.problems]
    assert messages == ["item 'operator-pump-statement': 'likely', 'unlikely' are terms of the icd203 scale, but "
                        "terms are read in the kent scale (set likelihood_scale in the model file, or use a number)"]
    assert not any(re.search(r"\ba icd203\b", m) for m in messages)
