"""``--as-of DATE``: the answer an analyst had on a day equals the answer on a copy holding only what was reported.

The truth is a copy of the workspace from which every item reported after the day is deleted (and, where a
deleted item carried its origin group's likelihoods, a kept member of the group carries them instead: the
documented rule that judgments are today's). Corrections (``supersedes``) count only once reported.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import plausible
from plausible.cli import app

REPO = Path(__file__).resolve().parents[1]


def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "160", **(env or {})}).invoke(app, list(args))


def truncated_copy(source: Path, target: Path, day: dt.date) -> Path:
    """Copy a workspace keeping only the items reported on or before ``day``."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".git", ".venv", ".plausible", "tests", "src",
                                                                    "docs", "benchmarks", "exercises"))
    documents = {}
    for path in sorted((target / "evidence").rglob("*.yaml")):
        if path.name != "sources.yaml":
            documents[path] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    carried = {}  # origin -> likelihoods, from any item (kept or not) that carries them
    for doc in documents.values():
        for item in doc.get("items", []):
            if item.get("origin") and item.get("likelihoods"):
                carried.setdefault(item["origin"], item["likelihoods"])
    for path, doc in documents.items():
        kept = [item for item in doc.get("items", []) if item["reported"] <= day]
        if not kept:
            path.unlink()
            continue
        doc["items"] = kept
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    members = [item for doc in documents.values() for item in doc.get("items", []) if item["reported"] <= day]
    for origin, likelihoods in carried.items():
        group = [item for item in members if item.get("origin") == origin]
        if group and not any(item.get("likelihoods") for item in group):
            group[0]["likelihoods"] = likelihoods
            for path, doc in documents.items():
                if path.exists() and group[0] in doc.get("items", []):
                    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    kept_ids = {item["id"] for item in members}
    for path in sorted((target / "analysts").glob("*.yaml")) if (target / "analysts").is_dir() else []:
        analyst = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("likelihoods", "rationales"):  # an analyst's judgments of items not yet written go too
            analyst[key] = {i: v for i, v in (analyst.get(key) or {}).items() if i in kept_ids}
        path.write_text(yaml.safe_dump(analyst, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


DPRK_DAYS = sorted({item.reported for item in plausible.load_workspace(REPO).all_items})


@pytest.mark.parametrize("day", [*DPRK_DAYS, DPRK_DAYS[-1] + dt.timedelta(days=30)], ids=str)
def test_posterior_as_of_equals_the_truncated_workspace(day: dt.date, tmp_path: Path) -> None:
    cut = invoke("posterior", "dprk-driver", "--as-of", day.isoformat(), "--json", "-w", str(REPO))
    assert cut.exit_code == 0, cut.output
    copy = truncated_copy(REPO, tmp_path / "copy", day)
    truth = invoke("posterior", "dprk-driver", "--json", "-w", str(copy))
    assert truth.exit_code == 0, truth.output
    got, want = json.loads(cut.stdout), json.loads(truth.stdout)
    assert got["as_of"] == day.isoformat() and "as_of" not in want
    assert got["evidence"] == want["evidence"]
    for mine, theirs in zip(got["hypotheses"], want["hypotheses"], strict=True):
        assert mine["id"] == theirs["id"]
        assert mine["probability"] == pytest.approx(theirs["probability"], abs=1e-12)


def test_every_reading_command_takes_as_of_and_says_so() -> None:
    day = "2015-06-18"
    for command in (["history", "dprk-driver"], ["analyze", "dprk-driver"], ["sets"]):
        done = invoke(*command, "--as-of", day, "--json", "-w", str(REPO))
        assert done.exit_code == 0, done.output
        assert json.loads(done.stdout)["as_of"] == day
    history = json.loads(invoke("history", "dprk-driver", "--as-of", day, "--json", "-w", str(REPO)).stdout)
    assert max(step["reported"] for step in history["steps"]) <= day
    brief = invoke("brief", "dprk-driver", "--as-of", day, "-w", str(REPO))
    assert brief.exit_code == 0, brief.output
    assert f"As of {day} (evidence reported by then" in brief.stdout


def test_update_refuses_as_of_with_a_reason() -> None:
    done = invoke("update", "--as-of", "2015-06-18", "-w", str(REPO))
    assert done.exit_code == 2 and "back-dated" in done.stderr


def test_a_bad_as_of_date_is_a_usage_error() -> None:
    done = invoke("posterior", "dprk-driver", "--as-of", "2015-13-01", "-w", str(REPO))
    assert done.exit_code == 2 and "--as-of '2015-13-01' is not a date" in done.stderr


# --- corrections, origin groups and random cut dates on generated workspaces -----------------------------------

SET = ("question: Which one?\nhypotheses:\n  - {id: a, title: A}\n  - {id: b, title: B}\n"
       "  - {id: other, title: Other, catch_all: true}\n")
SOURCES = "sources:\n" + "".join(f"  - {{id: s{i}, name: S{i}, reliability: {g}}}\n" for i, g in enumerate("ABCD"))


@st.composite
def workspaces(draw: st.DrawFn) -> list[dict[str, object]]:
    n = draw(st.integers(2, 9))
    items: list[dict[str, object]] = []
    for i in range(n):
        item: dict[str, object] = {"id": f"e{i}", "summary": f"Item {i}", "source": f"s{draw(st.integers(0, 3))}",
                                   "reported": dt.date(2020, 1, 1) + dt.timedelta(days=draw(st.integers(0, 9)))}
        origin = draw(st.sampled_from([None, "g1", "g2"]))
        if origin is not None:
            item["origin"] = origin
        items.append(item)
    for origin in ("g1", "g2"):  # one item of each group carries the group's likelihoods
        group = [item for item in items if item.get("origin") == origin]
        if group:
            draw(st.sampled_from(group))["likelihoods"] = {"q": {h: draw(st.sampled_from([0.2, 0.5, 0.8, "likely"]))
                                                                for h in ("a", "b", "other")}}
    for item in items:
        if "origin" not in item:
            item["likelihoods"] = {"q": {h: draw(st.sampled_from([0.1, 0.3, 0.6, "unlikely", "C", "II"]))
                                         for h in ("a", "b", "other")}}
    later = [item for item in items if "origin" not in item]
    if len(later) >= 2 and draw(st.booleans()):  # a correction, reported on or after what it corrects
        old, new = sorted(draw(st.permutations(later))[:2], key=lambda item: item["reported"])  # type: ignore[arg-type, return-value]
        new["supersedes"] = [old["id"]]
    return items


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=workspaces(), offset=st.integers(-1, 10))
def test_as_of_on_random_cut_dates_equals_the_truncated_workspace(items, offset, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("ws")
    (root / "hypotheses").mkdir()
    (root / "evidence").mkdir()
    (root / "hypotheses" / "q.yaml").write_text(SET, encoding="utf-8")
    (root / "evidence" / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (root / "evidence" / "e.yaml").write_text(yaml.safe_dump({"items": items}, sort_keys=False), encoding="utf-8")
    day = dt.date(2020, 1, 1) + dt.timedelta(days=offset)
    ws = plausible.load_workspace(root)
    cut = ws.posterior("q", as_of=day)
    assert cut.as_of == day
    copy = truncated_copy(root, tmp_path_factory.mktemp("copy") / "ws", day)
    truth = plausible.load_workspace(copy).posterior("q")
    assert cut.item_ids == truth.item_ids
    assert cut.probability == pytest.approx(truth.probability, abs=1e-12)
    assert plausible.load_workspace(root, as_of=day).posterior("q").probability == pytest.approx(cut.probability)


def test_a_correction_applies_only_once_reported(write_workspace) -> None:  # type: ignore[no-untyped-def]
    evidence = ("items:\n"
                "  - {id: first, summary: F, source: s0, reported: 2020-01-01, likelihoods: {q: {a: 0.9, b: 0.1, other: 0.1}}}\n"
                "  - {id: fixed, summary: G, source: s0, reported: 2020-01-05, supersedes: [first],\n"
                "     likelihoods: {q: {a: 0.1, b: 0.9, other: 0.1}}}\n")
    root = write_workspace({"hypotheses/q.yaml": SET, "evidence/sources.yaml": SOURCES, "evidence/e.yaml": evidence})
    ws = plausible.load_workspace(root)
    assert [i.id for i in ws.items] == ["fixed"]
    assert [i.id for i in ws.on(dt.date(2020, 1, 4)).items] == ["first"]
    assert ws.posterior("q", as_of=dt.date(2020, 1, 4)).leading == "a" and ws.posterior("q").leading == "b"


def test_today_can_be_set_and_a_future_report_is_an_error(write_workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    evidence = ("items:\n"
                "  - {id: early, summary: E, source: s0, reported: 2020-01-01, likelihoods: {q: {a: 0.6, b: 0.3, other: 0.3}}}\n"
                "  - {id: late, summary: L, source: s0, reported: 2020-03-01, observed: 2020-04-01,\n"
                "     likelihoods: {q: {a: 0.6, b: 0.3, other: 0.3}}}\n")
    root = write_workspace({"hypotheses/q.yaml": SET, "evidence/sources.yaml": SOURCES, "evidence/e.yaml": evidence})
    ws = plausible.load_workspace(root)  # the real today is later: both fine, observed-after-reported warns
    assert any("observed (2020-04-01) after it was reported" in w.message for w in ws.warnings)
    monkeypatch.setenv("PLAUSIBLE_TODAY", "2020-02-01")
    with pytest.raises(plausible.InputError) as exc:
        plausible.load_workspace(root)  # served from the cache too: the check is outside it
    [problem] = exc.value.problems
    assert (problem.path, problem.line) == ("evidence/e.yaml", 3)
    assert "'late' is reported on 2020-03-01, after today (2020-02-01)" in problem.message
    monkeypatch.setenv("PLAUSIBLE_TODAY", "June")
    done = invoke("validate", "-w", str(root), env={"PLAUSIBLE_TODAY": "June"})
    assert done.exit_code == 2 and "PLAUSIBLE_TODAY='June' is not a date" in done.stderr
