"""Terminal output at any width: every command rendered at 80 and 200 columns, nothing cut, and at 80 columns
every value of the command's ``--json`` shown in its table at the precision of ``plausible.core.display``.

Also the CLI basics: ``--version``, the program name in help, case-insensitive choices, shell completion.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from plausible.cli import app
from plausible.core.display import bits, decibans, percent, reliability, score

REPO = Path(__file__).parents[1]
WIDTHS = (80, 200)


def invoke(*args: str, columns: int = 80):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": str(columns)}).invoke(app, list(args))


# --- how a JSON value is displayed (the rules of plausible.core.display) --------------------------------------

def _pair(show: Callable[[float], str]) -> Callable[[Any], str]:
    return lambda v: f"{show(v[0])}–{show(v[1])}"


SHOWN_AS: dict[str, Callable[[Any], str]] = {
    **dict.fromkeys(("probability", "prior", "probabilities", "pooled", "share", "given", "uniform",
                     "leader_probability"), percent),
    "interval": _pair(percent),
    "prior_mean": reliability, "posterior_mean": reliability, "source_interval": _pair(reliability),
    "value_of_information": bits, "decibans": decibans,
    "weighted_inconsistency": lambda v: f"{v:.2f}",
    **dict.fromkeys(("brier", "log", "brier_time_averaged", "half_brier", "rps"), score),
    "r_hat": lambda v: f"{v:.3f}", "ess_bulk": lambda v: f"{v:.0f}", "ess_tail": lambda v: f"{v:.0f}",
    "points": lambda v: f"{v:+.1f}", "weight": lambda v: f"{v:g}", "spread_db": lambda v: f"{v:.1f}",
    "leader_range": _pair(percent),
}
"""JSON key -> its display; other numbers are integers, shown as such, and strings are ids or dates."""


def _leaves(data: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """(key, value) for every value; the values of a map by id (such as probabilities) take the map's key."""
    if key in SHOWN_AS and isinstance(data, list) and len(data) == 2:  # an interval: shown as one cell
        yield key, data
    elif isinstance(data, dict) and key in SHOWN_AS:  # {id: value}: the ids are shown too
        for k, v in data.items():
            yield "", k
            yield from _leaves(v, key)
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, k)
    elif isinstance(data, list):
        for v in data:
            yield from _leaves(v, key)
    elif data is not None and not isinstance(data, bool):
        yield key, data


def displayed(data: Any) -> set[str]:
    """Every value of ``data`` as the tables show it."""
    out = set()
    for key, value in _leaves(data):
        if key in SHOWN_AS:
            out.add(SHOWN_AS[key](value))
        elif isinstance(value, float):
            raise AssertionError(f"no display rule for the JSON key {key!r} ({value}): add it to SHOWN_AS")
        else:
            out.add(str(value))
    return out


def missing(values: set[str], text: str) -> list[str]:
    """The values that do not appear in ``text`` as whole words (not as part of a longer number or id)."""
    return sorted(v for v in values if not re.search(rf"(?<![\w.+-]){re.escape(v)}(?![\w.%-])", text))


def check_cut(text: str, width: int) -> None:
    assert "…" not in text, f"a cell was cut:\n{text}"
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert too_long == [], f"lines wider than {width}:\n" + "\n".join(too_long)


# --- the commands, and the part of their JSON their tables show -----------------------------------------------

def _pick(*keys: str) -> Callable[[dict[str, Any]], Any]:
    return lambda data: {k: data[k] for k in keys if k in data}


def _without(*keys: str) -> Callable[[dict[str, Any]], Any]:
    def drop(data: Any) -> Any:
        if isinstance(data, dict):
            return {k: drop(v) for k, v in data.items() if k not in keys}
        if isinstance(data, list):
            return [drop(v) for v in data]
        return data
    return drop


def _posterior(data: dict[str, Any]) -> Any:
    shown = _pick("set", "method", "evidence", "hypotheses", "diagnostics", "leader_probability")(data)
    shown["diagnostics"] = _without("warnings")(shown["diagnostics"])
    shown["sources"] = [{k if k != "interval" else "source_interval": v for k, v in s.items()}
                        for s in data.get("sources", [])]
    return shown


def _analyze(data: dict[str, Any]) -> Any:
    return {"set": data["set"], "probabilities": data["probabilities"], "linchpins": data["linchpins"],
            "uniform": data["prior_sensitivity"]["uniform"], "sources": [s["source"] for s in data["source_stress"]],
            "indicators": _without("text")(data["indicators"]),
            "ach": _pick("weighted_inconsistency", "inconsistency")(data["ach"]),
            "leader_stability": _pick("share", "interval")(data["leader_stability"])}


# Not shown in the tables, by design: the question (free text that wraps; `sets` shows it), titles and
# messages; the full weights matrix, leave-one-out and flip search of `analyze` (its table shows the ten
# strongest items; the rest is in --json and --csv); a history step's item list for steps by file or date;
# an analyst's display name and each analyst's weight of evidence per item (the table shows the spread);
# a forecaster's kind, the normalised RPS;
# the calibration table and question list of `score`.
COMMANDS: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any]], Any]]] = {
    "validate": (("validate",), _without("valid")),
    "sets": (("sets",), _without("question")),
    "posterior": (("posterior", "dprk-driver"), _posterior),
    "history by item": (("history", "dprk-driver"), _pick("set", "prior", "steps")),
    "history by file": (("history", "dprk-driver", "--by", "file"),
                        lambda d: {"set": d["set"], "prior": d["prior"], "steps": _without("items")(d["steps"])}),
    "history by date": (("history", "dprk-driver", "--by", "date"),
                        lambda d: {"set": d["set"], "prior": d["prior"], "steps": _without("items")(d["steps"])}),
    "analyze": (("analyze", "dprk-driver"), _analyze),
    "analysts": (("analysts", "dprk-driver"), _without("name", "woe_db")),
    "score": (("score", "dprk-2015"),
              lambda d: {"forecasters": _without("kind", "rps_normalised")(d["forecasters"])}),
}


@pytest.fixture(scope="module")
def outputs() -> dict[tuple[str, int], tuple[str, dict[str, Any]]]:
    """Each command's table at each width, with its JSON."""
    done = {}
    for name, (args, _) in COMMANDS.items():
        data = json.loads(invoke(*args, "--json", "-w", str(REPO)).stdout)
        for width in WIDTHS:
            result = invoke(*args, "-w", str(REPO), columns=width)
            assert result.exit_code == 0, result.output
            done[name, width] = (result.stdout, data)
    return done


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_number_or_header_is_cut(name: str, width: int, outputs) -> None:  # type: ignore[no-untyped-def]
    text, _ = outputs[name, width]
    check_cut(text, width)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_json_value_appears_in_the_table_at_80_columns(name: str, outputs) -> None:  # type: ignore[no-untyped-def]
    text, data = outputs[name, 80]
    values = displayed(COMMANDS[name][1](data))
    assert len(values) > 3
    assert missing(values, text) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_titles_wrap_between_words_never_inside_one(width: int, outputs) -> None:  # type: ignore[no-untyped-def]
    """A title's words come out whole: 'Counter-offensive' was folded into 'Counter-offens' / 'ive' at 80 columns."""
    from plausible import load_workspace

    text, _ = outputs["posterior", width]
    words = set(re.split(r"[\s│┃]+", text))
    titles = [h.title for h in load_workspace(REPO).hypothesis_set("dprk-driver").hypotheses]
    assert any(len(word) > 14 for title in titles for word in title.split())  # wider than the column's own floor
    assert sorted({word for title in titles for word in title.split()} - words) == []


def test_the_check_fails_on_a_value_that_is_not_shown() -> None:
    """The generic check can fail: a changed number, a number inside a longer one, a cut id."""
    text = "│ new-allies │ 44% │ 14.7% │ food-ai… │"
    assert missing({"44%", "new-allies"}, text) == []
    assert missing({"45%", "4.7%", "food-aid"}, text) == ["4.7%", "45%", "food-aid"]
    with pytest.raises(AssertionError, match="cut"):
        check_cut(text, 80)
    assert displayed({"probability": 0.0737, "interval": [0.05, 0.5], "evidence": 29}) == {"7.4%", "5.0%–50%", "29"}


def _fake_mcmc(monkeypatch: pytest.MonkeyPatch) -> None:
    """A posterior shaped as the MCMC engine's (interval, leader shares, sources, diagnostics), without sampling."""
    from plausible.engines.posterior import Diagnostics, SourceReliability
    from plausible.workspace import Workspace

    exact = Workspace.posterior

    def posterior(self, set_id, method="exact", **options):  # type: ignore[no-untyped-def]
        post = exact(self, set_id)
        if str(method).lower() != "mcmc":
            return post
        p = post.probability
        interval = np.stack([p * 0.8, np.minimum(p * 1.2, 1.0)], axis=1)
        leads = np.where(p == p.max(), 0.9, 0.1 / (len(p) - 1))
        sources = tuple(SourceReliability(s, 0.7, 0.7 + 0.01 * n, (0.5, 0.9))
                        for n, s in enumerate(sorted({i.source for i in self.items_for(set_id)})))
        return replace(post, method="mcmc", interval=interval, interval_level=0.9, leader_probability=leads,
                       sources=sources, diagnostics=Diagnostics(1.004, 812.0, 640.0, 0))

    monkeypatch.setattr(Workspace, "posterior", posterior)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_mcmc_interval_column_and_the_source_table_fit(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_mcmc(monkeypatch)
    args = ("posterior", "dprk-driver", "--method", "MCMC", "-w", str(REPO))
    result = invoke(*args, columns=width)
    assert result.exit_code == 0, result.output
    check_cut(result.stdout, width)
    for header in ("90% interval", "leads", "prior mean", "posterior mean", "note"):
        assert re.search(rf"(?<!\w){re.escape(header)}(?!\w)", result.stdout), header
    data = json.loads(invoke(*args, "--json").stdout)
    assert data["method"] == "mcmc"
    assert missing(displayed(_posterior(data)), result.stdout) == []


def _ten_hypotheses(root: Path, item: str = "drought-report-") -> Path:
    """Ten hypotheses with ids as long as analysts write them, and item ids ``item<j>``, over several days."""
    rng = np.random.default_rng(10)
    hids = [f"{word}-hypothesis-{n}" for n, word in enumerate(
        ["sanctions", "food-aid", "alliances", "un-office", "arms-trade", "prestige", "succession", "tourism",
         "mining", "other"])]
    hypotheses = "question: Which of ten explanations holds?\nexhaustive: true\nhypotheses:\n" + "".join(
        f"  - {{id: {h}, title: Explanation {n}, prior: 0.1}}\n" for n, h in enumerate(hids))
    items = "items:\n" + "".join(
        f"  - id: {item}{j}\n    summary: Report {j}\n    source: wire\n"
        f"    reported: 2020-01-{1 + j // 3:02d}\n    likelihoods:\n      ten: {{"
        + ", ".join(f"{h}: {rng.uniform(0.05, 0.9):.2f}" for h in hids) + "}\n" for j in range(12))
    files = {"hypotheses/ten.yaml": hypotheses, "evidence/sources.yaml":
             "sources:\n  - {id: wire, name: A wire service, reliability: B}\n", "evidence/2020-01.yaml": items}
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("by", ["item", "date"])
def test_history_of_ten_hypotheses_is_one_table_at_80_columns(by: str, tmp_path: Path) -> None:
    root = _ten_hypotheses(tmp_path / "ws")
    result = invoke("history", "ten", "--by", by, "-w", str(root))
    assert result.exit_code == 0, result.output
    check_cut(result.stdout, 80)
    data = json.loads(invoke("history", "ten", "--by", by, "--json", "-w", str(root)).stdout)
    assert len(data["prior"]) == 10
    header = [line.split() for line in result.stdout.splitlines() if re.search(r"\bH10\b", line) and "=" not in line]
    assert header == [[by, *(f"H{n}" for n in range(1, 11))]]  # one table, every column
    for step in data["steps"]:
        shown = displayed({"probabilities": step["probabilities"]})
        assert missing(shown, result.stdout) == []
    assert missing(set(data["prior"]), result.stdout) == []  # the legend names every hypothesis


def test_history_with_ids_too_long_for_one_table_is_split_never_cut(tmp_path: Path) -> None:
    root = _ten_hypotheses(tmp_path / "ws", item="a-rather-long-evidence-item-name-")
    result = invoke("history", "ten", "--by", "item", "-w", str(root))
    assert result.exit_code == 0, result.output
    check_cut(result.stdout, 80)
    data = json.loads(invoke("history", "ten", "--by", "item", "--json", "-w", str(root)).stdout)
    assert missing({step["item"] for step in data["steps"]}, result.stdout) == []  # every id whole
    for step in data["steps"]:
        assert missing(displayed({"probabilities": step["probabilities"]}), result.stdout) == []


def test_history_prints_each_date_once(tmp_path: Path) -> None:
    for by in ("item", "date"):
        result = invoke("history", "dprk-driver", "--by", by, "-w", str(REPO), columns=200)
        dates = re.findall(r"^[│ ]*(\d{4}-\d{2}-\d{2})(?![\w:-])", result.stdout, flags=re.M)  # a date heading a row
        assert dates and len(dates) == len(set(dates)), by


def test_sets_never_wraps_a_question_over_more_than_two_lines() -> None:
    questions = [q["question"] for q in json.loads(invoke("sets", "--json", "-w", str(REPO)).stdout)["sets"]]
    for width in WIDTHS:
        lines = invoke("sets", "-w", str(REPO), columns=width).stdout.splitlines()
        for question in questions:
            first, last = question.split()[0], question.split()[-1]
            start = next(n for n, line in enumerate(lines) if re.search(rf"(│|: ) ?{re.escape(first)} ", line))
            end = next(n for n in range(start, len(lines)) if last in lines[n])
            assert end - start <= 1, "\n".join(lines)


# --- plausible log ---------------------------------------------------------------------------------------------

NEW_EVIDENCE = """items:
  - id: new-report
    summary: A later report.
    source: forum
    reported: 2024-03-05
    likelihoods:
      plant-outage: {equipment-failure: 0.5, cyber-attack: 0.1, sabotage: 0.1, other: 0.1}
"""


def test_log_lists_updates_and_briefings_with_files_and_moves(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert invoke("init", str(root)).exit_code == 0
    empty = invoke("log", "-w", str(root))
    assert empty.exit_code == 0 and "no entries" in empty.stdout
    assert invoke("update", "-w", str(root)).exit_code == 0
    (root / "evidence" / "2024-03-05-more.yaml").write_text(NEW_EVIDENCE, encoding="utf-8")
    assert invoke("update", "-w", str(root)).exit_code == 0
    assert invoke("brief", "-w", str(root), "-o", str(tmp_path / "b.md")).exit_code == 0

    data = json.loads(invoke("log", "--json", "-w", str(root)).stdout)
    entries = data["entries"]
    assert [e["kind"] for e in entries] == ["update", "update", "briefing"]
    first, second, briefing = entries
    assert first["first"] and "hypotheses/plant-outage.yaml" in first["files"]["added"]
    assert second["files"] == {"added": ["evidence/2024-03-05-more.yaml"], "removed": [], "modified": []}
    (change,) = second["sets"]
    assert change["status"] == "changed" and change["new_items"] == ["new-report"]
    ledger = [json.loads(line) for line in (root / ".plausible" / "ledger.jsonl").read_text().splitlines()]
    before, after = ledger[0]["sets"]["plant-outage"]["probabilities"], ledger[1]["sets"]["plant-outage"]["probabilities"]
    for move in change["moves"]:  # against the ledger itself
        assert move["points"] == pytest.approx(100 * (after[move["hypothesis"]] - before[move["hypothesis"]]))
    assert briefing["sets"][0]["probabilities"] == ledger[2]["sets"]["plant-outage"]["probabilities"]

    for width in WIDTHS:
        text = invoke("log", "-w", str(root), columns=width).stdout
        check_cut(text, max(width, max(len(line) for line in text.splitlines())))
        for entry in entries:
            assert entry["time"] in text
        assert "+ evidence/2024-03-05-more.yaml" in text
        biggest = change["moves"][0]
        assert f"{biggest['hypothesis']} {biggest['points']:+.1f}" in text
    assert len(json.loads(invoke("log", "--json", "-n", "1", "-w", str(root)).stdout)["entries"]) == 1


# --- CLI basics --------------------------------------------------------------------------------------------------

def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PLAUSIBLE_DEBUG"}
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env=env, check=False)


def test_help_names_the_program_plausible_however_it_was_started() -> None:
    done = _run("-m", "plausible", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: plausible ")
    assert "python -m" not in done.stdout
    sub = _run("-m", "plausible", "posterior", "--help")
    assert sub.stdout.startswith("Usage: plausible posterior ")


def test_version() -> None:
    from importlib.metadata import version

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"plausible {version('plausible')} ")


@pytest.mark.parametrize("spelling", ["MCMC", "Mcmc", "EXACT", "Exact"])
def test_method_choices_are_case_insensitive(spelling: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_mcmc(monkeypatch)
    result = invoke("posterior", "dprk-driver", "--method", spelling, "--json", "-w", str(REPO))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["method"] == spelling.lower()


def test_history_by_is_case_insensitive() -> None:
    result = invoke("history", "dprk-driver", "--by", "DATE", "--json", "-w", str(REPO))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["by"] == "date"


def test_shell_completion_is_offered() -> None:
    result = invoke("--help")
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


def test_brief_takes_the_mcmc_options_and_refuses_them_with_the_exact_engine() -> None:
    help_text = invoke("brief", "--help", columns=200).stdout
    for option in ("--interval", "--cores", "--sampler", "--target-accept", "--as-of", "--draws", "--seed"):
        assert option in help_text, option
    result = invoke("brief", "dprk-driver", "--interval", "0.8", "--cores", "1", "-w", str(REPO))
    assert result.exit_code == 2
    assert "--interval, --cores only apply with --method mcmc" in result.stderr


def test_history_beyond_what_fits_is_paged_with_every_value(tmp_path: Path) -> None:
    from plausible.testing import synthetic_workspace

    root = synthetic_workspace(tmp_path / "ws", 3, n_hypotheses=30, n_items=6)
    result = invoke("history", "question", "--by", "date", "-w", str(root))
    assert result.exit_code == 0, result.output
    check_cut(result.stdout, 80)
    assert len([line for line in result.stdout.splitlines() if line.startswith("date ")]) >= 2  # pages
    data = json.loads(invoke("history", "question", "--by", "date", "--json", "-w", str(root)).stdout)
    assert missing(displayed({"set": data["set"], "prior": data["prior"], "steps": [
        {k: v for k, v in step.items() if k != "items"} for step in data["steps"]]}), result.stdout) == []


def test_brief_hands_its_mcmc_options_to_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from plausible.workspace import Workspace

    _fake_mcmc(monkeypatch)
    fake = Workspace.posterior
    seen: list[dict[str, Any]] = []

    def recording(self, set_id, method="exact", **options):  # type: ignore[no-untyped-def]
        if str(method) == "mcmc":
            seen.append(options)
        return fake(self, set_id, method, **options)

    monkeypatch.setattr(Workspace, "posterior", recording)
    result = invoke("brief", "dprk-driver", "--method", "Mcmc", "--interval", "0.8", "--cores", "1", "--sampler",
                    "NutPie", "--target-accept", "0.95", "--draws", "40", "-w", str(REPO))
    assert result.exit_code == 0, result.output
    given = {"interval": 0.8, "cores": 1, "sampler": "nutpie", "target_accept": 0.95, "draws": 40}
    assert seen and all({k: v for k, v in o.items() if k != "as_of"} == given for o in seen)  # now, and before
