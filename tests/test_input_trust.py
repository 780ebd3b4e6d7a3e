"""Every item the analyst wrote counts, or is an error that names it: nothing is dropped without a word."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plausible
from plausible import InputError

SET = (
    "question: Which one?\n"
    "hypotheses:\n"
    "  - {id: a, title: A}\n"
    "  - {id: b, title: B}\n"
    "  - {id: other, title: Other, catch_all: true}\n"
)
SOURCES = "sources:\n  - {id: s, name: S, reliability: B}\n  - {id: t, name: T, reliability: C}\n"


def _load(write_workspace, items: str) -> plausible.Workspace:  # type: ignore[no-untyped-def]
    root: Path = write_workspace({"hypotheses/q.yaml": SET, "evidence/sources.yaml": SOURCES,
                                  "evidence/e.yaml": "items:\n" + items})
    return plausible.load_workspace(root)


ITEM = "  - {{id: {id}, summary: X, source: s, reported: 2020-01-0{day}{extra}}}\n"


def test_an_item_without_likelihoods_is_an_error_naming_it(write_workspace) -> None:  # type: ignore[no-untyped-def]
    items = (ITEM.format(id="e1", day=1, extra=", likelihoods: {q: {a: 0.6, b: 0.3, other: 0.3}}")
             + ITEM.format(id="e2", day=2, extra=""))
    with pytest.raises(InputError) as exc:
        _load(write_workspace, items)
    [problem] = exc.value.problems
    assert (problem.path, problem.line) == ("evidence/e.yaml", 3)
    assert "item 'e2' gives no likelihoods" in problem.message and "count in no hypothesis set" in problem.message


def test_a_superseded_item_and_an_all_na_item_are_exempt(write_workspace) -> None:  # type: ignore[no-untyped-def]
    items = (ITEM.format(id="e1", day=1, extra="")
             + ITEM.format(id="e2", day=2, extra=", supersedes: [e1], likelihoods: {q: {a: 0.6, b: 0.3, other: 0.3}}")
             + ITEM.format(id="e3", day=3, extra=", likelihoods: {q: {a: NA, b: NA, other: NA}}"))
    ws = _load(write_workspace, items)
    assert [item.id for item in ws.items] == ["e2", "e3"]


def test_an_origin_typo_is_an_error_with_did_you_mean(write_workspace) -> None:  # type: ignore[no-untyped-def]
    items = (ITEM.format(id="e1", day=1, extra=", origin: meeting, likelihoods: {q: {a: 0.6, b: 0.3, other: 0.3}}")
             + ITEM.format(id="e2", day=2, extra=", origin: meeting")
             + ITEM.format(id="e3", day=3, extra=", origin: meetnig"))
    with pytest.raises(InputError) as exc:
        _load(write_workspace, items)
    [problem] = exc.value.problems
    assert problem.line == 4 and "origin 'meetnig'" in problem.message and "did you mean 'meeting'" in problem.message


def test_an_origin_none_of_whose_items_gives_likelihoods_is_an_error(write_workspace) -> None:  # type: ignore[no-untyped-def]
    items = (ITEM.format(id="e1", day=1, extra=", likelihoods: {q: {a: 0.6, b: 0.3, other: 0.3}}")
             + ITEM.format(id="e2", day=2, extra=", origin: talks")
             + ITEM.format(id="e3", day=3, extra=", origin: talks"))
    with pytest.raises(InputError) as exc:
        _load(write_workspace, items)
    assert [(p.line, "no item of that origin gives likelihoods" in p.message) for p in exc.value.problems] == [
        (3, True), (4, True)]


def _set_with_priors(*priors: str) -> str:
    rows = "".join(f"  - {{id: h{i}, title: H{i}, prior: {p}}}\n" for i, p in enumerate(priors))
    return "question: Which one?\nexhaustive: true\nhypotheses:\n" + rows


@pytest.mark.parametrize(("priors", "warned"), [
    (("unlikely", "very unlikely", "very unlikely"), ["h0", "h1", "h2"]),  # 0.32, 0.12, 0.12 -> 57%, 21%, 21%
    (("unlikely", "unlikely", "unlikely"), []),  # a third each: inside 20–45%
    (("likely", "0.2", "0.15"), []),  # 'likely' stays inside its band
    (("0.5", "0.3", "0.2"), []),      # numbers are weights: nothing to check
])
def test_a_verbal_prior_pushed_out_of_its_band_is_a_warning(write_workspace, priors, warned) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace({"hypotheses/q.yaml": _set_with_priors(*priors), "evidence/sources.yaml": SOURCES})
    ws = plausible.load_workspace(root)
    hs = ws.hypothesis_set("q")
    assert sum(h.prior for h in hs.hypotheses) == pytest.approx(1.0)
    flagged = [w for w in ws.warnings if "normalised priors:" in w.message]
    assert [w.message.split("of '")[1].split("'")[0] for w in flagged] == warned
    spec = plausible.ModelSpec()
    outside = [h.id for h, word in zip(hs.hypotheses, priors, strict=True) if not word[0].isdigit()
               and not spec.band_of(word)[0] <= h.prior <= spec.band_of(word)[1]]
    assert outside == warned
    for w in flagged:  # the message shows every normalised prior, as the tables do
        assert all(f"{h.id} " in w.message for h in hs.hypotheses)
        word_band = w.message.split("names ")[1].split(",")[0]
        assert "–" in word_band


# --- one rule for band edges: words, ACH ratings and displays agree with the docs ---------------------------


def test_a_shared_edge_takes_the_less_extreme_word_and_rating_and_shows_without_noise() -> None:
    from plausible.briefing.formatting import percent_in_words

    spec = plausible.ModelSpec()
    noisy = 0.1 + 0.7  # 0.8000000000000002
    assert (spec.describe(0.8), spec.describe(noisy), spec.rating_for(0.8), spec.rating_for(noisy)) == (
        "likely", "likely", "C", "C")
    assert percent_in_words(spec, noisy) == "80%"
    assert (spec.describe(0.55), spec.rating_for(0.55), spec.describe(0.45), spec.rating_for(0.45)) == (
        "roughly even chance", "N", "roughly even chance", "N")


@pytest.mark.parametrize("scale", ["icd203", "kent", "phia"])
def test_every_band_edge_is_named_by_the_less_extreme_band(scale: str) -> None:
    spec = plausible.ModelSpec()
    spec.likelihood_scale = scale
    bands = spec.scales[scale]
    for band in bands:
        for edge in band.band:
            holders = [b for b in bands if b.band[0] <= edge <= b.band[1]]
            calmest = min(holders, key=lambda b: abs(sum(b.band) / 2 - 0.5))
            for p in (edge, edge + 1e-12, edge - 1e-12):  # float noise changes no word
                if 0.0 <= p <= 1.0:
                    assert spec.describe(p) == calmest.terms[0], (scale, p)


# --- identifiers are text, exactly as written ------------------------------------------------------------------

# Unquoted scalars YAML would read as a number or date: hex, octal-looking, underscored, float-looking, dated,
# signed, sexagesimal, binary.
ID_FORMS = ["0x1F", "0123", "1_000", "1e3", "1.50", "2015-06-01", "0b101", "007", "1.0", "+1", "1:20", "31"]


@pytest.mark.parametrize("fast", [True, False], ids=["block-reader", "libyaml"])
@pytest.mark.parametrize("form", ID_FORMS)
def test_an_unquoted_id_keeps_its_characters_in_both_readers(form: str, fast: bool) -> None:
    from plausible.io.yamlio import parse_yaml
    from plausible.io.yamlresolve import written_text

    doc = parse_yaml(f"items:\n  - id: {form}\n    likelihoods: {{q: {{{form}: 0.3}}}}\n", "e.yaml", fast=fast)
    value = doc.data["items"][0]["id"]
    assert written_text(value) == form or value == form
    assert list(doc.data["items"][0]["likelihoods"]["q"]) == [form]  # a mapping key is its text


def test_ids_written_unquoted_reach_every_output_as_written(write_workspace) -> None:  # type: ignore[no-untyped-def]
    hypotheses = "".join(f"  - {{id: {form}, title: {form}}}\n" for form in ID_FORMS if form not in ("+1", "1:20"))
    root = write_workspace({
        "hypotheses/q.yaml": "question: Which?\nexhaustive: true\nhypotheses:\n" + hypotheses,
        "evidence/sources.yaml": "sources:\n  - {id: 007, name: Agent, reliability: B}\n",
        "evidence/e.yaml": ("items:\n  - id: 0123\n    summary: x\n    source: 007\n    reported: 2020-01-01\n"
                            "    likelihoods:\n      q: {" + ", ".join(f"{f}: 0.5" for f in ID_FORMS if f not in ("+1", "1:20"))
                            + "}\n"),
    })
    from typer.testing import CliRunner

    from plausible.cli import app

    done = CliRunner().invoke(app, ["posterior", "q", "--json", "-w", str(root)])
    assert done.exit_code == 0, done.output
    import json

    shown = [h["id"] for h in json.loads(done.stdout)["hypotheses"]]
    assert sorted(shown) == sorted(f for f in ID_FORMS if f not in ("+1", "1:20"))  # 1:20 is no id
    ws = plausible.load_workspace(root)
    assert [i.id for i in ws.items] == ["0123"] and ws.items[0].source == "007"
    assert [h.title for h in ws.hypothesis_set("q").hypotheses][:2] == ["0x1F", "0123"]


@settings(max_examples=150, deadline=None)
@given(st.from_regex(r"\A(?:0x[0-9A-Fa-f]{1,6}|0[0-7]{1,5}|[1-9](?:_?[0-9]){0,6}|[0-9]\.[0-9]{1,3}|[0-9]e[0-9]"
                     r"|(?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|0b[01]{1,6})\Z"))
def test_random_numeric_looking_ids_round_trip_in_both_readers(form: str) -> None:
    from plausible.io.yamlio import parse_yaml
    from plausible.model.schema.fields import _identifier

    for fast in (True, False):
        doc = parse_yaml(f"id: {form}\nmap: {{{form}: 1}}\n", "x.yaml", fast=fast)
        assert _identifier(doc.data["id"]) == form
        assert list(doc.data["map"]) == [form]


def test_numbers_where_numbers_belong_stay_numbers(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace({"hypotheses/q.yaml": SET, "evidence/sources.yaml": SOURCES,
                            "evidence/e.yaml": "items:\n" + ITEM.format(
                                id="e1", day=1, extra=", likelihoods: {q: {a: 6e-1, b: 0.30, other: .3}}")})
    lik = plausible.load_workspace(root).items[0].likelihoods["q"]
    assert (lik["a"].mean, lik["b"].mean, lik["other"].mean) == (0.6, 0.3, 0.3)


# --- validate checks the whole workspace -----------------------------------------------------------------------


def test_validate_accepts_a_workspace_of_exercises_alone_and_reports_them() -> None:
    from typer.testing import CliRunner

    from plausible.cli import app

    root = Path(__file__).parent / "data" / "exercises" / "design-section5"
    assert not (root / "hypotheses").exists()
    done = CliRunner().invoke(app, ["validate", "-w", str(root)])
    assert done.exit_code == 0, done.output
    assert "exercise quiz: 3 questions, 6 forecasts, 3 resolved" in done.stdout
    import json

    data = json.loads(CliRunner().invoke(app, ["validate", "--json", "-w", str(root)]).stdout)
    assert data["valid"] and data["exercises"] == [{"name": "quiz", "questions": 3, "forecasts": 6, "resolved": 3}]


def test_validate_strict_fails_on_warnings(write_workspace) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from plausible.cli import app

    root = write_workspace({"hypotheses/q.yaml": _set_with_priors("unlikely", "very unlikely", "very unlikely"),
                            "evidence/sources.yaml": SOURCES})
    assert CliRunner().invoke(app, ["validate", "-w", str(root)]).exit_code == 0
    strict = CliRunner().invoke(app, ["validate", "--strict", "-w", str(root)])
    assert strict.exit_code == 2 and "normalised priors:" in strict.stderr


def test_exercise_ids_and_options_keep_their_characters(write_workspace) -> None:  # type: ignore[no-untyped-def]
    from plausible.forecasting.loading import load_exercise

    root = write_workspace({
        "exercises/x/exercise.yaml": ("title: X\nquestions:\n"
                                      "  - {id: 0123, text: Which?, kind: categorical, options: [0x1F, 1_000, 007],"
                                      " closes: 2024-04-30}\n"),
        "exercises/x/forecasts/a.yaml": ("forecaster: 0o7\nforecasts:\n"
                                         "  - {question: 0123, made: 2024-04-21, probabilities: {0x1F: 0.5, 1_000: 0.3,"
                                         " 007: 0.2}}\n"),
        "exercises/x/resolutions.yaml": "resolutions:\n  - {question: 0123, outcome: 0x1F, resolved: 2024-05-01}\n",
    })
    ex = load_exercise("x", root)
    assert list(ex.questions) == ["0123"] and ex.questions["0123"].options == ("0x1F", "1_000", "007")
    assert ex.resolutions["0123"].outcome == "0x1F" and ex.forecasts[0].forecaster == "0o7"
    (root / "exercises/x/forecasts/a.yaml").write_text(
        "forecaster: b\nforecasts:\n  - {question: 83, made: 2024-04-21, probabilities: {0x1F: 1, 1_000: 0, 007: 0}}\n",
        encoding="utf-8")
    with pytest.raises(InputError, match="unknown question '83'"):  # 0123 is not 83 any more
        load_exercise("x", root)
