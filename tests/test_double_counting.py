"""Warnings about evidence that may be counted twice: fire on constructed pairs, stay quiet when reviewed or grouped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from plausible.analysis.double_counting import double_counting, shared_run
from plausible.cli import app
from plausible.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent
QUOTE = "the delegation will discuss food aid and agricultural cooperation with its hosts this week"


def workspace(root: Path, items: list[dict[str, Any]], rationale: str | None = None) -> Path:
    hyps: list[dict[str, Any]] = [{"id": "a", "title": "A", "prior": 0.5}, {"id": "b", "title": "B", "prior": 0.5}]
    if rationale is not None:
        hyps[0]["rationale"] = rationale
    files = {
        "hypotheses/q.yaml": {"question": "Which?", "hypotheses": hyps, "exhaustive": True},
        "evidence/sources.yaml": {"sources": [{"id": "s", "name": "S", "reliability": "B"},
                                              {"id": "t", "name": "T", "reliability": "C"}]},
        "evidence/items.yaml": {"items": [{"summary": "x", "reported": "2020-01-05",
                                           "likelihoods": {"q": {"a": 0.6, "b": 0.4}}, **item} for item in items]},
    }
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


def warnings(root: Path) -> list[tuple[str, tuple[str, ...]]]:
    ws = load_workspace(root)
    return [(w.kind, w.items) for w in double_counting(ws.hypothesis_set("q"), ws.items_for("q"))]


def test_same_source_same_observed_date_fires(tmp_path: Path) -> None:
    root = workspace(tmp_path, [{"id": "x", "source": "s", "observed": "2020-01-02"},
                                {"id": "y", "source": "s", "observed": "2020-01-02"},
                                {"id": "z", "source": "t", "observed": "2020-01-02"},  # another source
                                {"id": "w", "source": "s"}])  # no date: not compared
    assert warnings(root) == [("same-date", ("x", "y"))]


def test_shared_quote_fires_only_from_eight_words(tmp_path: Path) -> None:
    seven = " ".join(QUOTE.split()[:7])
    root = workspace(tmp_path / "a", [{"id": "x", "source": "s", "quote": f"KCNA: {QUOTE.upper()}!"},
                                      {"id": "y", "source": "s", "quote": f"As reported, {QUOTE}."}])
    assert warnings(root) == [("shared-quote", ("x", "y"))]
    root = workspace(tmp_path / "b", [{"id": "x", "source": "s", "quote": f"{seven} and more"},
                                      {"id": "y", "source": "s", "quote": f"{seven} but different"}])
    assert warnings(root) == []


def test_grouped_or_reviewed_pairs_are_quiet(tmp_path: Path) -> None:
    grouped = workspace(tmp_path / "a", [
        {"id": "x", "source": "s", "observed": "2020-01-02", "origin": "e"},
        {"id": "y", "source": "s", "observed": "2020-01-02", "origin": "e", "likelihoods": {}}])
    assert warnings(grouped) == []
    reviewed = workspace(tmp_path / "b", [{"id": "x", "source": "s", "quote": QUOTE},
                                          {"id": "y", "source": "s", "quote": QUOTE, "independent_of": ["x"]}])
    assert warnings(reviewed) == []


def test_prior_rationale_naming_or_quoting_an_item_fires(tmp_path: Path) -> None:
    named = workspace(tmp_path / "a", [{"id": "kcna-report", "source": "s"}],
                      rationale="High because of kcna-report, which says so.")
    assert warnings(named) == [("prior-rationale", ("kcna-report",))]
    quoted = workspace(tmp_path / "b", [{"id": "x", "source": "s", "quote": QUOTE}],
                       rationale=f"They said {QUOTE}.")
    assert warnings(quoted) == [("prior-rationale", ("x",))]
    # An id that is only part of a longer word is not a mention.
    part = workspace(tmp_path / "c", [{"id": "x", "source": "s"}], rationale="x-ray evidence of nothing")
    assert warnings(part) == []


def test_unknown_independent_of_is_a_problem(tmp_path: Path) -> None:
    root = workspace(tmp_path, [{"id": "x", "source": "s", "independent_of": ["nope"]}])
    result = CliRunner().invoke(app, ["validate", "-w", str(root)])
    assert result.exit_code != 0 and "independent of unknown item 'nope'" in result.output


def test_warnings_are_not_validation_errors(tmp_path: Path) -> None:
    root = workspace(tmp_path, [{"id": "x", "source": "s", "observed": "2020-01-02"},
                                {"id": "y", "source": "s", "observed": "2020-01-02"}])
    runner = CliRunner()
    assert runner.invoke(app, ["validate", "--strict", "-w", str(root)]).exit_code == 0
    out = runner.invoke(app, ["analyze", "q", "-w", str(root)])
    assert out.exit_code == 0 and "observed on 2020-01-02" in out.stderr and "Fix:" in out.stderr


def test_dprk_grouped_items_do_not_fire() -> None:
    ws = load_workspace(REPO)
    for set_id in ("dprk-driver", "dprk-openness"):
        items = ws.items_for(set_id)
        flagged = {frozenset(w.items) for w in double_counting(ws.hypothesis_set(set_id), items)}
        groups: dict[str, list[str]] = {}
        for item in items:
            if item.origin is not None:
                groups.setdefault(item.origin, []).append(item.id)
        assert any(len(members) > 1 for members in groups.values())
        for members in groups.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    assert frozenset((a, b)) not in flagged


def test_shared_run_ignores_case_and_punctuation() -> None:
    assert shared_run(QUOTE.upper(), f"«{QUOTE}»") == " ".join(QUOTE.split()[:8])
    assert shared_run(QUOTE, "") is None
