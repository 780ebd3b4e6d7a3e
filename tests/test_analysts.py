"""Several analysts (issue 16): files, exact log pooling, one analyst's view, `plausible analysts`.

The truth is a hand computation: the pooled workspace must equal a one-analyst workspace whose likelihoods
are the weighted geometric means written out as numbers.
"""

from __future__ import annotations

import json
import math
import shutil
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plausible.analysis.analysts import analysts_report
from plausible.cli import app
from plausible.core.display import percent
from plausible.core.errors import InputError, UsageError
from plausible.model.pooling import pool_priors
from plausible.workspace import load_workspace

HIDS = ("red", "blue", "other")
ITEMS = ("e1", "e2", "e3")
A = {"e1": (0.7, 0.2, 0.3), "e2": (0.4, 0.6, 0.5), "e3": (0.9, 0.3, 0.2)}
B = {"e1": (0.5, 0.4, 0.3), "e2": (0.1, 0.7, 0.5), "e3": (0.6, 0.5, 0.4)}
C = {"e1": (0.9, 0.1, 0.2), "e2": (0.3, 0.3, 0.3), "e3": (0.5, 0.5, 0.5)}

SET = (
    "question: Which colour?\n"
    "hypotheses:\n"
    "  - {id: red, title: Red, prior: 0.5}\n"
    "  - {id: blue, title: Blue, prior: 0.3}\n"
    "  - {id: other, title: Other, prior: 0.2, catch_all: true}\n"
)
SOURCES = (
    "sources:\n"
    "  - {id: s1, name: One, reliability: 0.8}\n"
    "  - {id: s2, name: Two, reliability: B}\n"
)


def _row(values: tuple[float, ...]) -> str:
    return "{" + ", ".join(f"{h}: {v!r}" for h, v in zip(HIDS, values, strict=True)) + "}"


def _evidence(table: dict[str, tuple[float, ...]], analyst: str | None = None) -> str:
    lines = [f"analyst: {analyst}"] if analyst else []
    lines.append("items:")
    for n, item in enumerate(ITEMS):
        lines += [f"  - id: {item}", f"    summary: Report {item}.", f"    source: s{1 + n % 2}",
                  f"    reported: 2024-01-0{n + 1}", f"    likelihoods: {{q: {_row(table[item])}}}"]
    return "\n".join(lines) + "\n"


def _analyst(name: str, table: dict[str, tuple[float, ...]], weight: float | None = None, extra: str = "") -> str:
    lines = [f"name: {name}"] + ([f"weight: {weight!r}"] if weight is not None else []) + ["likelihoods:"]
    lines += [f"  {item}: {{q: {_row(values)}}}" for item, values in table.items()]
    return "\n".join(lines) + "\n" + extra


def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _workspace(root: Path, evidence: str, analysts: dict[str, str] | None = None) -> Path:
    files = {"hypotheses/q.yaml": SET, "evidence/sources.yaml": SOURCES, "evidence/items.yaml": evidence}
    files.update({f"analysts/{a}.yaml": text for a, text in (analysts or {}).items()})
    return _write(root, files)


def _pool(tables: list[dict[str, tuple[float, ...]]], weights: list[float]) -> dict[str, tuple[float, ...]]:
    """The weighted geometric mean per cell, by hand."""
    total = sum(weights)
    return {item: tuple(math.exp(sum(w * math.log(t[item][k]) for t, w in zip(tables, weights, strict=True)) / total)
                        for k in range(len(HIDS))) for item in ITEMS}


def _json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _probabilities(data: dict[str, object]) -> dict[str, float]:
    hypotheses = data["hypotheses"]
    assert isinstance(hypotheses, list)
    return {h["id"]: h["probability"] for h in hypotheses}


def _same(got: dict[str, float], want: dict[str, float], tol: float = 1e-12) -> None:
    assert got.keys() == want.keys()
    for h in want:
        assert got[h] == pytest.approx(want[h], abs=tol, rel=0), h


def test_two_analysts_pool_to_the_geometric_mean_and_each_view_is_their_own(tmp_path: Path) -> None:
    pooled = _workspace(tmp_path / "pooled", _evidence(A, "a"), {"a": "name: Ann\n", "b": _analyst("Bo", B)})
    truth = _workspace(tmp_path / "truth", _evidence(_pool([A, B], [1, 1])))
    alone_a = _workspace(tmp_path / "a", _evidence(A))
    alone_b = _workspace(tmp_path / "b", _evidence(B))
    got = _probabilities(_json("posterior", "q", "--json", "-w", str(pooled)))
    _same(got, _probabilities(_json("posterior", "q", "--json", "-w", str(truth))))
    assert got != _probabilities(_json("posterior", "q", "--json", "-w", str(alone_a)))  # the test can fail
    view_a = _json("posterior", "q", "--json", "--analyst", "a", "-w", str(pooled))
    assert view_a["analyst"] == "a"
    _same(_probabilities(view_a), _probabilities(_json("posterior", "q", "--json", "-w", str(alone_a))))
    view_b = _json("posterior", "q", "--json", "--analyst", "b", "-w", str(pooled))
    _same(_probabilities(view_b), _probabilities(_json("posterior", "q", "--json", "-w", str(alone_b))))


def test_weights_enter_the_geometric_mean(tmp_path: Path) -> None:
    pooled = _workspace(tmp_path / "p", _evidence(A), {"b": _analyst("Bo", B, weight=3.0)})
    truth = _workspace(tmp_path / "t", _evidence(_pool([A, B], [1, 3])))
    unweighted = _workspace(tmp_path / "u", _evidence(_pool([A, B], [1, 1])))
    got = dict(zip(HIDS, load_workspace(pooled).posterior("q").probability, strict=True))
    _same(got, dict(zip(HIDS, load_workspace(truth).posterior("q").probability, strict=True)))
    assert got != pytest.approx(dict(zip(HIDS, load_workspace(unweighted).posterior("q").probability, strict=True)))


def test_the_pool_does_not_depend_on_the_order_or_names_of_the_analysts(tmp_path: Path) -> None:
    one = _workspace(tmp_path / "1", _evidence(A), {"b": _analyst("Bo", B), "c": _analyst("Cy", C)})
    two = _workspace(tmp_path / "2", _evidence(C), {"zz": _analyst("Zed", A, extra=""), "aa": _analyst("Al", B)})
    p1 = load_workspace(one).posterior("q").probability
    p2 = load_workspace(two).posterior("q").probability
    assert list(p1) == pytest.approx(list(p2), abs=1e-15)
    truth = _workspace(tmp_path / "t", _evidence(_pool([A, B, C], [1, 1, 1])))
    assert list(p1) == pytest.approx(list(load_workspace(truth).posterior("q").probability), abs=1e-12)


def test_identical_analysts_give_the_single_analyst_answer(tmp_path: Path) -> None:
    twice = _workspace(tmp_path / "2", _evidence(A), {"b": _analyst("Bo", A, weight=2.5)})
    once = _workspace(tmp_path / "1", _evidence(A))
    assert list(load_workspace(twice).posterior("q").probability) == pytest.approx(
        list(load_workspace(once).posterior("q").probability), abs=1e-14)


def test_one_analyst_changes_nothing_bit_for_bit(tmp_path: Path) -> None:
    # The example workspace without its second analyst: the judgments are only those the items wrote.
    # (The DPRK workspace has analysts/lead.yaml, which revises the items' judgments, so it cannot serve.)
    root = tmp_path / "ws"
    shutil.copytree(str(resources.files("plausible.data") / "example"), root)
    shutil.rmtree(root / "analysts")
    ws = load_workspace(root)
    assert list(ws.analysts) == ["lead"]
    post = ws.posterior("plant-outage")
    assert ws.view_of("lead").posterior("plant-outage").to_dict() == post.to_dict()
    for item in ws.items_for("plant-outage"):  # the judgments are the very objects the items wrote
        assert item.judged["plant-outage"]["lead"] is item.likelihoods["plant-outage"]


def test_the_lead_file_relabels_only_the_cells_it_judges(tmp_path: Path) -> None:
    evidence = _evidence(A).replace(_row(A["e1"]), "{red: C, blue: 0.2, other: 0.3}")
    ws = load_workspace(_workspace(tmp_path, evidence, {"lead": "name: The lead\nlikelihoods:\n  e1: {q: {red: 0.2}}\n"}))
    e1 = {i.id: i for i in ws.items}["e1"]
    assert e1.ratings["q"] == {"red": "0.2", "blue": "0.2", "other": "0.3"}  # red was C in the item
    assert e1.likelihoods["q"]["red"].mean == pytest.approx(0.2)


def test_an_analyst_file_may_carry_an_origin_group(tmp_path: Path) -> None:
    # Neither member of origin g writes likelihoods: the lead's file judges one member, which carries them.
    evidence = _evidence(A).replace("    likelihoods: {q: " + _row(A["e3"]) + "}\n", "    origin: g\n") + (
        "  - {id: e4, summary: Same event., source: s2, reported: 2024-01-05, origin: g}\n")
    lead = f"name: The lead\nlikelihoods:\n  e4: {{q: {_row(A['e3'])}}}\n"
    ws = load_workspace(_workspace(tmp_path / "p", evidence, {"lead": lead}))
    by_id = {i.id: i for i in ws.items_for("q")}
    assert {"e3", "e4"} <= set(by_id)
    assert by_id["e3"].likelihoods["q"]["red"].mean == pytest.approx(0.9)
    with pytest.raises(InputError) as caught:  # without the lead's file the group counts nowhere: an error
        load_workspace(_workspace(tmp_path / "none", evidence))
    assert "no item of that origin gives likelihoods" in str(caught.value)


def test_partial_coverage_pools_only_the_cells_an_analyst_judged(tmp_path: Path) -> None:
    b_partial = "name: Bo\nlikelihoods:\n  e2: {q: {red: 0.1, blue: NA}}\n"
    pooled = _workspace(tmp_path / "p", _evidence(A), {"b": b_partial})
    e2 = (math.sqrt(0.4 * 0.1), 0.6, 0.5)  # red pooled; blue NA from Bo = no judgment; other not judged
    truth = _workspace(tmp_path / "t", _evidence({**A, "e2": e2}))
    assert list(load_workspace(pooled).posterior("q").probability) == pytest.approx(
        list(load_workspace(truth).posterior("q").probability), abs=1e-12)
    # Bo's view: his red where given, the lead's elsewhere
    bo = _workspace(tmp_path / "bo", _evidence({**A, "e2": (0.1, 0.6, 0.5)}))
    assert list(load_workspace(pooled).view_of("b").posterior("q").probability) == pytest.approx(
        list(load_workspace(bo).posterior("q").probability), abs=1e-12)


def test_lead_file_takes_precedence_over_the_items(tmp_path: Path) -> None:
    revised = "name: The lead\nlikelihoods:\n  e1: {q: {red: 0.2}}\n"
    ws = _workspace(tmp_path / "p", _evidence(A), {"lead": revised})
    truth = _workspace(tmp_path / "t", _evidence({**A, "e1": (0.2, 0.2, 0.3)}))
    assert list(load_workspace(ws).posterior("q").probability) == pytest.approx(
        list(load_workspace(truth).posterior("q").probability), abs=1e-15)


def test_priors_are_log_pooled_and_normalised(tmp_path: Path) -> None:
    bo = _analyst("Bo", A, extra="priors:\n  q: {red: 0.2, blue: 0.2, other: 0.6}\n")
    ws = load_workspace(_workspace(tmp_path, _evidence(A), {"b": bo}))
    raw = [math.sqrt(0.5 * 0.2), math.sqrt(0.3 * 0.2), math.sqrt(0.2 * 0.6)]
    want = [v / sum(raw) for v in raw]
    assert [h.prior for h in ws.sets["q"].hypotheses] == pytest.approx(want, abs=1e-15)
    assert [h.prior for h in ws.view_of("b").sets["q"].hypotheses] == pytest.approx([0.2, 0.2, 0.6], abs=1e-15)
    assert [h.prior for h in ws.view_of("lead").sets["q"].hypotheses] == pytest.approx([0.5, 0.3, 0.2], abs=1e-15)


def test_an_origin_group_is_judged_on_the_member_that_carries_it(tmp_path: Path) -> None:
    evidence = _evidence(A).replace("    likelihoods: {q: " + _row(A["e3"]) + "}\n",
                                    "    origin: g\n") + (
        "  - {id: e4, summary: Same event., source: s2, reported: 2024-01-05, origin: g,\n"
        f"     likelihoods: {{q: {_row(A['e3'])}}}}}\n")
    wrong = "name: Bo\nlikelihoods:\n  e3: {q: {red: 0.5}}\n"
    with pytest.raises(InputError) as caught:
        load_workspace(_workspace(tmp_path / "wrong", evidence, {"b": wrong}))
    assert "judge 'e4'" in str(caught.value)
    right = "name: Bo\nlikelihoods:\n  e4: {q: {red: 0.5}}\n"
    ws = load_workspace(_workspace(tmp_path / "right", evidence, {"b": right}))
    e3 = {i.id: i for i in ws.items}["e3"]
    assert e3.likelihoods["q"]["red"].mean == pytest.approx(math.sqrt(0.9 * 0.5), abs=1e-15)
    assert set(e3.judged["q"]) == {"lead", "b"}


def test_unknown_analyst_is_a_usage_error(tmp_path: Path) -> None:
    ws = load_workspace(_workspace(tmp_path, _evidence(A), {"bo": _analyst("Bo", B)}))
    with pytest.raises(UsageError, match="did you mean 'bo'"):
        ws.view_of("boo")
    result = CliRunner().invoke(app, ["posterior", "q", "--analyst", "boo", "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown analyst 'boo'" in result.output


def _three(root: Path) -> Path:
    return _workspace(root, _evidence(A), {"bo": _analyst("Bo Lindqvist", B, extra="rationales:\n  e1: Bo's reason.\n"),
                                           "cy": _analyst("Cy", C, weight=2.0)})


def test_analysts_report_on_three_analysts(tmp_path: Path) -> None:
    ws = load_workspace(_three(tmp_path))
    report = analysts_report(ws, "q")
    assert [a.id for a in report.analysts] == ["bo", "cy", "lead"]
    pooled = ws.posterior("q")
    assert report.pooled == dict(zip(HIDS, map(float, pooled.probability), strict=True))
    for line in report.analysts:
        assert line.probabilities == pytest.approx(dict(zip(HIDS, ws.view_of(line.id).posterior("q").probability,
                                                            strict=True)), abs=1e-15)
    assert [d.item for d in report.disagreements] and len(report.disagreements) == 3
    widths = [d.leader_range[1] - d.leader_range[0] for d in report.disagreements]
    assert widths == sorted(widths, reverse=True)
    leader = report.leader
    top = HIDS.index(leader)
    priors = [0.5, 0.3, 0.2]
    for d in report.disagreements:  # the weight of evidence for the leader, by hand
        for analyst, table in (("lead", A), ("bo", B), ("cy", C)):
            row = table[d.item]
            rest = sum(priors[k] * row[k] for k in range(3) if k != top) / sum(priors[k] for k in range(3) if k != top)
            assert d.woe_db[analyst] == pytest.approx(10 * math.log10(row[top] / rest), abs=1e-12)
        assert d.spread_db == pytest.approx(max(d.woe_db.values()) - min(d.woe_db.values()), abs=1e-12)
    # the range: the item alone takes one analyst's row, every other item keeps the pool
    d = report.disagreements[0]
    tables = {"lead": A, "bo": B, "cy": C}
    pooled_rows = _pool([A, B, C], [1, 1, 2])
    for analyst, table in tables.items():
        truth = _workspace(tmp_path / f"t-{analyst}", _evidence({**pooled_rows, d.item: table[d.item]}))
        want = load_workspace(truth).posterior("q").probability[top]
        assert d.leader_probability[analyst] == pytest.approx(want, abs=1e-12)


def test_analysts_command_table_and_json(tmp_path: Path) -> None:
    root = _three(tmp_path)
    data = _json("analysts", "q", "--json", "-w", str(root))
    assert set(data) >= {"analysts", "pooled", "disagreements"}
    assert isinstance(data["analysts"], list) and {"id", "probabilities", "leader"} <= set(data["analysts"][0])
    assert isinstance(data["disagreements"], list)
    assert {"item", "spread_db", "leader_range"} <= set(data["disagreements"][0])
    table = CliRunner(env={"COLUMNS": "160"}).invoke(app, ["analysts", "q", "-w", str(root)])
    assert table.exit_code == 0, table.output
    assert "pooled" in table.stdout and "Disagreements" in table.stdout


@pytest.mark.parametrize(("files", "message"), [
    ({"analysts/bo.yaml": "name: Bo\nlikelihoods:\n  e9: {q: {red: 0.5}}\n"}, "judges unknown item 'e9'"),
    ({"analysts/bo.yaml": "name: Bo\nlikelihoods:\n  e1: {qq: {red: 0.5}}\n"}, "unknown hypothesis set 'qq'"),
    ({"analysts/bo.yaml": "name: Bo\nlikelihoods:\n  e1: {q: {rde: 0.5}}\n"}, "unknown hypothesis 'rde'"),
    ({"analysts/bo.yaml": "name: Bo\nlikelihoods:\n  e1: {q: {red: 1.5}}\n"}, "not a probability"),
    ({"analysts/bo.yaml": "name: Bo\nweight: -1\n"}, "greater than 0"),
    ({"analysts/bo.yaml": "name: Bo\nweight: 1e308\n"}, "less than or equal to 1000000"),
    ({"analysts/bo.yaml": "name: Bo\npriors:\n  q: {red: 0.5}\n"}, "prior missing for 'blue'"),
    ({"analysts/bo.yaml": "name: Bo\nrationales:\n  e7: Why.\n"}, "rationale for unknown item 'e7'"),
    ({"analysts/bo.yaml": "name: Bo\ncolour: red\n"}, "colour"),
    ({"evidence/more.yaml": "analyst: zed\nitems: []\n"}, "unknown analyst 'zed'"),
])
def test_hostile_analyst_files_are_reported_with_their_line(tmp_path: Path, files: dict[str, str],
                                                            message: str) -> None:
    root = _write(_workspace(tmp_path, _evidence(A)), files)
    with pytest.raises(InputError) as caught:
        load_workspace(root)
    assert message in str(caught.value)
    assert any(p.line is not None for p in caught.value.problems)


def test_briefing_shows_where_three_analysts_disagree_and_counts_it(tmp_path: Path) -> None:
    from plausible.briefing import build_briefing, render_html, render_markdown

    ws = load_workspace(_three(tmp_path))
    briefing = build_briefing(ws, ["q"], forecasts=False)
    sb = briefing.sets[0]
    section = sb.analysts
    assert section is not None
    report = analysts_report(ws, "q")
    assert [line.id for line in section.lines] == [a.id for a in report.analysts]
    assert section.leader == report.leader == sb.leader.id
    assert [d.found.item for d in section.disagreements] == [d.item for d in report.disagreements][:3]
    first = section.disagreements[0]
    assert dict((a, p) for a, p, _ in first.readings) == report.disagreements[0].leader_probability
    e1 = next(d for d in section.disagreements if d.found.item == "e1")
    assert ("bo", e1.readings[0][1], "Bo's reason.") in e1.readings
    assert any(c.name == "analysts" for c in sb.confidence.criteria)
    text = render_markdown(briefing).text
    assert "Where the analysts disagree" in text and "Bo's reason." in text
    assert "3 analysts judged this set" in text
    html = render_html(briefing)
    assert "Where the analysts disagree" in html


def test_briefing_of_one_analyst_has_no_disagreement_section(tmp_path: Path) -> None:
    from plausible.briefing import build_briefing, render_markdown

    ws = load_workspace(_workspace(tmp_path, _evidence(A)))
    briefing = build_briefing(ws, ["q"], forecasts=False)
    assert briefing.sets[0].analysts is None
    assert all(c.name != "analysts" for c in briefing.sets[0].confidence.criteria)
    assert "Where the analysts disagree" not in render_markdown(briefing).text


def test_an_analyst_may_fill_cells_and_sets_the_items_lack(tmp_path: Path) -> None:
    second = "question: Second?\nexhaustive: true\nhypotheses:\n  - {id: x, title: X}\n  - {id: y, title: Y}\n"
    half = "name: Bo\nlikelihoods:\n  e1: {second: {x: 0.3}}\n"
    root = _workspace(tmp_path / "half", _evidence(A), {"bo": half})
    _write(root, {"hypotheses/second.yaml": second})
    with pytest.raises(InputError, match="no analyst judges 'y' for 'second'"):
        load_workspace(root)
    full = "name: Bo\nlikelihoods:\n  e1: {second: {x: 0.3, y: 0.6}}\n"
    root = _workspace(tmp_path / "full", _evidence(A), {"bo": full})
    _write(root, {"hypotheses/second.yaml": second})
    ws = load_workspace(root)
    assert [i.id for i in ws.items_for("second")] == ["e1"]
    a = 0.5 * 0.3 + 0.5 * 0.6  # e1's source s1 has reliability 0.8: rho*lambda + (1 - rho)*a
    x, y = 0.8 * 0.3 + 0.2 * a, 0.8 * 0.6 + 0.2 * a
    assert list(ws.posterior("second").probability) == pytest.approx([x / (x + y), y / (x + y)], abs=1e-12)
    # a hypothesis added later: the lead's item lacks it, an analyst's file fills it
    lacking = _evidence(A).replace(", other: 0.3}}", "}}", 1)
    filled = _workspace(tmp_path / "filled", lacking, {"bo": "name: Bo\nlikelihoods:\n  e1: {q: {other: 0.3}}\n"})
    truth = _workspace(tmp_path / "truth", _evidence(A))
    assert list(load_workspace(filled).posterior("q").probability) == pytest.approx(
        list(load_workspace(truth).posterior("q").probability), abs=1e-15)


def test_a_pooled_prior_is_labelled_and_the_leads_prior_shown_beside_it(tmp_path: Path) -> None:
    """The prior warning speaks of the hypothesis file's (the lead's) priors: the table shows them by the pool."""
    root = tmp_path / "ws"
    assert CliRunner().invoke(app, ["init", str(root)]).exit_code == 0
    hyp = root / "hypotheses" / "plant-outage.yaml"  # verbal priors that normalisation pushes out of their bands
    text = hyp.read_text(encoding="utf-8")
    for number, word in (("0.5", "likely"), ("0.2", "likely"), ("0.1", "unlikely")):
        text = text.replace(f"prior: {number}\n", f"prior: {word}\n")
    hyp.write_text(text, encoding="utf-8")
    with (root / "analysts" / "sam.yaml").open("a", encoding="utf-8") as handle:
        handle.write("priors:\n  plant-outage: {equipment-failure: 0.1, cyber-attack: 0.6, sabotage: 0.1, other: 0.2}\n")
    env = {"COLUMNS": "200"}
    done = CliRunner(env=env).invoke(app, ["posterior", "plant-outage", "-w", str(root)])
    assert done.exit_code == 0, done.output
    ws = load_workspace(root)
    hs = ws.sets["plant-outage"]
    lead = hs.priors_by_analyst["lead"]
    pooled = pool_priors({"lead": lead, "sam": (0.1, 0.6, 0.1, 0.2)}, {})
    [warning] = [w.message for w in ws.warnings if "prior 'likely' of 'equipment-failure'" in w.message]
    lead_shown = percent(lead[0])
    assert f"make it {lead_shown}" in warning and percent(pooled[0]) != lead_shown
    header = next(line for line in done.stdout.splitlines() if "hypothesis" in line)
    assert "lead's prior" in header and "pooled prior" in header
    row = next(line for line in done.stdout.splitlines() if line.strip("│┃ ").startswith("equipment-failure"))
    assert [c.strip() for c in row.strip("│").split("│")][2:4] == [lead_shown, percent(pooled[0])]
    assert "pooled prior: the log pool of the priors of lead, sam" in " ".join(done.stdout.split())
    data = json.loads(CliRunner(env=env).invoke(app, ["posterior", "plant-outage", "--json", "-w", str(root)]).stdout)
    assert data["prior_from"] == ["lead", "sam"]
    assert [h["prior"] for h in data["hypotheses"]] == pytest.approx(list(pooled), abs=1e-12)
    sam = CliRunner(env=env).invoke(app, ["posterior", "plant-outage", "--analyst", "sam", "--json", "-w", str(root)])
    assert json.loads(sam.stdout)["prior_from"] == ["sam"]
    single = CliRunner(env=env).invoke(app, ["posterior", "plant-outage", "--analyst", "lead", "-w", str(root)])
    assert "lead's prior" not in single.stdout and "pooled prior" not in single.stdout


def test_the_view_of_an_analyst_who_judged_nothing_in_the_set_says_so(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(Path(str(resources.files("plausible.data") / "example")), root)
    (root / "analysts" / "ola.yaml").write_text("name: Ola Nordmann\n", encoding="utf-8")
    ola = CliRunner().invoke(app, ["posterior", "plant-outage", "--analyst", "ola", "--json", "-w", str(root)])
    assert ola.exit_code == 0, ola.output
    assert ("warning: analyst 'ola' gave no likelihood and no prior for set 'plant-outage': their view is the pool "
            "of the others'") in ola.stderr
    pooled = CliRunner().invoke(app, ["posterior", "plant-outage", "--json", "-w", str(root)])
    assert json.loads(ola.stdout)["hypotheses"] == json.loads(pooled.stdout)["hypotheses"]  # what the warning says
    sam = CliRunner().invoke(app, ["posterior", "plant-outage", "--analyst", "sam", "-w", str(root)])
    assert sam.exit_code == 0 and "gave no likelihood" not in sam.stderr
