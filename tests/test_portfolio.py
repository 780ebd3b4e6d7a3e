"""``plausible portfolio run`` on a real Dask LocalCluster (processes on 127.0.0.1) over generated workspaces.

The truth each row is checked against is the workspace's own posterior, computed in this process without Dask.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import itertools
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from plausible.cli import app
from plausible.core.types import Method
from plausible.portfolio.discovery import find_workspaces
from plausible.portfolio.planning import plan_each
from plausible.portfolio.runner import dask_client, run_portfolio
from plausible.portfolio.store import COLUMNS, Store
from plausible.testing import synthetic_portfolio
from plausible.workspace import load_workspace

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One local cluster of two worker processes for the module, closed at its end."""
    with dask_client(workers=2) as shared:
        yield shared


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    synthetic_portfolio(tmp_path / "roots", 3, 3, seed=7)
    return tmp_path / "roots"


def _latest(out: Path) -> pd.DataFrame:
    frame = pd.read_parquet(out)
    return frame.sort_values("computed_at").drop_duplicates(["workspace", "set", "hypothesis"], keep="last")


def _assert_rows_equal_posteriors(frame: pd.DataFrame, as_of: Any = None) -> int:
    checked = 0
    for (workspace, set_id), rows in frame.groupby(["workspace", "set"]):
        truth = load_workspace(workspace, as_of=as_of).posterior(set_id).probabilities
        got = dict(zip(rows["hypothesis"], rows["probability"], strict=True))
        assert got.keys() == truth.keys()
        assert max(abs(got[h] - truth[h]) for h in truth) <= 1e-12, (workspace, set_id)
        checked += 1
    return checked


def test_rows_equal_the_posterior_of_each_set_and_a_second_run_computes_nothing(
        portfolio: Path, tmp_path: Path, client: Any) -> None:
    out = tmp_path / "out"
    seen: list[tuple[int, int, int]] = []
    first = run_portfolio([portfolio], out, client=client, progress=lambda *a: seen.append(a))
    assert (first.computed, first.skipped, first.failed, first.workspaces) == (9, 0, [], 3)
    assert seen[-1] == (9, 9, 0)  # the total grows as workspaces are read; done never goes back
    assert all(a[0] <= b[0] and a[1] <= b[1] and a[0] <= a[1] for a, b in itertools.pairwise(seen))
    frame = pd.read_parquet(out)  # the store is a plain Parquet dataset
    assert set(COLUMNS) <= set(frame.columns)
    assert len(frame) == sum(len(load_workspace(w).sets[s].hypotheses)
                             for w, s in frame[["workspace", "set"]].drop_duplicates().itertuples(index=False))
    assert set(frame["method"]) == {"exact"} and set(frame["run_id"]) == {first.run_id}
    assert frame["as_of"].isna().all() and frame["interval_low"].isna().all()
    assert _assert_rows_equal_posteriors(frame) == 9
    files = Store(out).files()

    second = run_portfolio([portfolio], out, client=client)
    assert (second.computed, second.skipped, second.failed) == (0, 9, [])
    assert Store(out).files() == files  # nothing written
    runs = Store(out).runs()
    assert [r["status"] for r in runs] == ["finished", "finished"] and runs[1]["computed"] == 0


def test_two_copies_of_a_workspace_each_get_their_rows(portfolio: Path, tmp_path: Path, client: Any) -> None:
    """Same files, same keys: the rows are told apart by workspace, not by key."""
    shutil.copytree(portfolio / "ws-000", tmp_path / "copy" / "ws-000")
    summary = run_portfolio([portfolio / "ws-000", tmp_path / "copy"], tmp_path / "out", client=client)
    assert (summary.computed, summary.failed) == (6, [])
    frame = pd.read_parquet(tmp_path / "out")
    assert frame.groupby("workspace")["set"].nunique().tolist() == [3, 3]


def test_many_batches_while_reading_each_set_once(tmp_path: Path, client: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 2 sent between workspaces, several finished before the last is sent: every set one row."""
    import time

    from plausible.portfolio import runner

    def slowly(*args: Any, **kwargs: Any) -> Any:  # each workspace read after the batches before it finished
        for part in plan_each(*args, **kwargs):
            time.sleep(0.5)
            yield part

    monkeypatch.setattr(runner, "EXACT_BATCH", 2)
    monkeypatch.setattr(runner, "plan_each", slowly)
    roots = synthetic_portfolio(tmp_path / "roots", 6, 3, seed=4)
    summary = run_portfolio(roots, tmp_path / "out", client=client)
    assert (summary.computed, summary.failed) == (18, [])
    frame = pd.read_parquet(tmp_path / "out")
    assert len(Store(tmp_path / "out").files()) == 9
    assert (frame.groupby(["workspace", "set", "hypothesis"]).size() == 1).all()
    assert _assert_rows_equal_posteriors(frame) == 18


def test_a_row_equals_the_cli_posterior_json(portfolio: Path, tmp_path: Path, client: Any) -> None:
    run_portfolio([portfolio], tmp_path / "out", client=client)
    frame = pd.read_parquet(tmp_path / "out")
    workspace = str((portfolio / "ws-001").resolve())
    done = CliRunner().invoke(app, ["posterior", "q2", "-w", workspace, "--json"])
    assert done.exit_code == 0, done.output
    truth = {h["id"]: h["probability"] for h in json.loads(done.stdout)["hypotheses"]}
    rows = frame[(frame["workspace"] == workspace) & (frame["set"] == "q2")]
    assert dict(zip(rows["hypothesis"], rows["probability"], strict=True)) == pytest.approx(truth, abs=1e-12)


def test_a_changed_file_recomputes_exactly_the_sets_that_read_it(portfolio: Path, tmp_path: Path,
                                                                 client: Any) -> None:
    out = tmp_path / "out"
    run_portfolio([portfolio], out, client=client)
    # ws-001/q1: a likelihood changed in one of its files; ws-002/q2: a new evidence file bearing on it.
    edited = portfolio / "ws-001" / "evidence" / "q1-part-000.yaml"
    data = yaml.safe_load(edited.read_text())
    item = next(i for i in data["items"] if "likelihoods" in i)
    item["likelihoods"]["q1"] = {h: 0.9 if k == 0 else 0.1 for k, h in enumerate(item["likelihoods"]["q1"])}
    edited.write_text(yaml.safe_dump(data, sort_keys=False))
    source = yaml.safe_load((portfolio / "ws-002" / "evidence" / "sources.yaml").read_text())["sources"][0]["id"]
    hypotheses = load_workspace(portfolio / "ws-002").sets["q2"].hypothesis_ids
    (portfolio / "ws-002" / "evidence" / "q2-new.yaml").write_text(yaml.safe_dump({"items": [{
        "id": "q2-new", "summary": "New report", "source": source, "reported": "2021-01-05",
        "likelihoods": {"q2": {h: 0.2 + 0.6 * (k == len(hypotheses) - 1) for k, h in enumerate(hypotheses)}}}]}))
    again = run_portfolio([portfolio], out, client=client)
    assert (again.computed, again.skipped, again.failed) == (2, 7, [])
    frame = pd.read_parquet(out)
    recomputed = frame[frame["run_id"] == again.run_id][["workspace", "set"]].drop_duplicates()
    assert sorted(map(tuple, recomputed.to_numpy().tolist())) == [
        (str((portfolio / "ws-001").resolve()), "q1"), (str((portfolio / "ws-002").resolve()), "q2")]
    assert _assert_rows_equal_posteriors(_latest(out)) == 9
    # The overview reads the move from the store's history: the two recomputed sets, the others "new".
    done = CliRunner().invoke(app, ["portfolio", "brief", str(out), "--json"])
    lines = json.loads(done.stdout)["sets"]
    assert {(s["workspace"].rsplit("/", 1)[-1], s["set"]) for s in lines if s["change"] is not None} == {
        ("ws-001", "q1"), ("ws-002", "q2")}
    assert [s["change"] is None for s in lines] == [False] * 2 + [True] * 7
    assert abs(lines[0]["change"]) >= abs(lines[1]["change"])


def test_a_broken_workspace_is_reported_and_the_others_finish(portfolio: Path, tmp_path: Path,
                                                             described_json_keys) -> None:  # type: ignore[no-untyped-def]
    broken = portfolio / "ws-001" / "evidence" / "q0-part-001.yaml"
    text = broken.read_text().splitlines()
    line = next(n for n, t in enumerate(text, 1) if t.lstrip("- ").startswith("source:"))
    text[line - 1] = text[line - 1].split("source:")[0] + "source: no-such-source"
    broken.write_text("\n".join(text) + "\n")
    out = tmp_path / "out"
    done = CliRunner().invoke(app, ["portfolio", "run", str(portfolio), "--out", str(out), "--workers", "1",
                                    "--json"])
    assert done.exit_code == 2, done.output
    summary = json.loads(done.stdout)
    assert set(summary) == described_json_keys("portfolio run")  # as docs/cli.md says
    assert summary["computed"] == 6 and summary["skipped"] == 0 and summary["out"] == str(out)
    [failure] = summary["failed"]
    assert failure["workspace"] == str((portfolio / "ws-001").resolve()) and failure["set"] is None
    assert any(m.startswith(f"{broken.resolve()}:{line}: ") and "no-such-source" in m for m in failure["messages"])
    assert "failed: " in done.stderr and f"{broken.resolve()}:{line}: " in done.stderr
    assert set(pd.read_parquet(out)["workspace"]) == {str((portfolio / w).resolve()) for w in ("ws-000", "ws-002")}
    [record] = Store(out).runs()
    assert record["failed"] == summary["failed"] and record["status"] == "finished"


def test_as_of_rows_rest_on_the_evidence_of_that_day(portfolio: Path, tmp_path: Path, client: Any) -> None:
    import datetime as dt

    day = dt.date(2020, 6, 30)
    out = tmp_path / "out"
    run_portfolio([portfolio], out, client=client)
    later = run_portfolio([portfolio], out, client=client, as_of=day)
    assert later.computed == 9  # another day is another input
    frame = _latest(out)
    assert set(frame["as_of"]) == {day}
    assert _assert_rows_equal_posteriors(frame, as_of=day) == 9


def test_mcmc_runs_one_task_per_set_with_intervals(tmp_path: Path, client: Any) -> None:
    roots = synthetic_portfolio(tmp_path / "roots", 1, 2, seed=3, n_items=5, n_hypotheses=2)
    out = tmp_path / "out"
    summary = run_portfolio(roots, out, client=client, method=Method.MCMC,
                            options={"draws": 60, "tune": 60, "chains": 1, "seed": 1})
    assert (summary.computed, summary.failed) == (2, [])
    frame = pd.read_parquet(out)
    assert (frame["method"] == "mcmc").all() and (frame["interval_low"] <= frame["probability"]).all()
    assert (frame["probability"] <= frame["interval_high"]).all()
    assert all(json.loads(s)["cores"] == 1 for s in frame["settings"])
    assert len(Store(out).files()) == 2  # one task, one batch, per set
    again = run_portfolio(roots, out, client=client, method=Method.MCMC,
                          options={"draws": 60, "tune": 60, "chains": 1, "seed": 2})
    assert again.computed == 2  # other settings, other key


def test_analyses_record_leader_stability_and_flip_distance(portfolio: Path, tmp_path: Path, client: Any) -> None:
    from plausible.analysis.fragility import flip_distance, leader_stability

    run_portfolio([portfolio / "ws-000"], tmp_path / "out", client=client, analyses=True)
    frame = pd.read_parquet(tmp_path / "out")
    ws = load_workspace(portfolio / "ws-000")
    for set_id, rows in frame.groupby("set"):
        post = ws.posterior(set_id)
        share = leader_stability(ws.compiled(set_id)).share[list(post.hypothesis_ids).index(post.leading)]
        assert rows["leader_share"].tolist() == pytest.approx([float(share)] * len(rows), abs=1e-12)
        steps = flip_distance(ws, set_id).smallest.steps
        assert rows["flip_steps"].isna().all() if steps is None else set(rows["flip_steps"]) == {steps}


def test_confidence_is_the_briefings_on_the_same_set(portfolio: Path, tmp_path: Path, client: Any) -> None:
    """With --analyses every criterion the briefing rates for one analyst is computed: the same level, same facts."""
    from plausible.briefing.content import build_set

    # No "NA" ratings: the briefing's analysts section fails on them (Workspace.view_of drops NA cells).
    [root] = synthetic_portfolio(tmp_path / "roots", 1, 3, seed=2, judgment_kinds=("number", "term"))
    run_portfolio([root], tmp_path / "out", client=client, analyses=True)
    frame = pd.read_parquet(tmp_path / "out")
    ws = load_workspace(root)
    for set_id, rows in frame.groupby("set"):
        truth = build_set(ws, set_id).confidence
        assert set(rows["confidence"]) == {truth.level}
        criteria = json.loads(rows["confidence_criteria"].iloc[0])
        # the same criteria and ratings; the details differ only in naming (the store counts reports and names
        # changes by ids: a worker has no summaries or titles)
        assert [(c["name"], c["rating"]) for c in criteria] == [(c.name, c.rating) for c in truth.criteria]


def _listening(pids: list[int]) -> list[tuple[str, int]]:
    """The (address, port) every TCP socket of these processes listens on, read from Linux's /proc."""
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                address, port = fields[1].split(":")
                raw = bytes.fromhex(address)
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))  # little-endian words
                out.append((str(ipaddress.ip_address(words)), int(port, 16)))
    return out


def _process_tree(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            children.extend(int(c) for c in (task / "children").read_text().split())
    return [pid, *(p for child in children for p in _process_tree(child))]


@pytest.mark.skipif(not Path("/proc/net/tcp").is_file(), reason="reads Linux's /proc")
def test_the_cluster_listens_on_127_0_0_1_only(client: Any) -> None:
    listening = _listening(_process_tree(os.getpid()))
    assert len(listening) >= 5  # scheduler, its HTTP service, two nannies, two workers
    assert {address for address, _ in listening} == {"127.0.0.1"}
    assert all(w.startswith("tcp://127.0.0.1:") for w in client.scheduler_info(n_workers=-1)["workers"])


def test_workers_of_another_version_are_refused(client: Any, portfolio: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from plausible.core.errors import UsageError
    from plausible.portfolio import runner
    from plausible.portfolio.planning import plan_run
    from plausible.portfolio.tasks import compute_batch

    monkeypatch.setattr(runner, "tool_version", lambda: "9.9.9")  # this client, as if upgraded
    with pytest.raises(UsageError, match=r"workers run another version of plausible than this client \(9\.9\.9\)"):
        runner.check_versions(client)
    task = plan_run([portfolio / "ws-000"], {}, method=Method.EXACT).todo[0].task
    other = dataclasses.replace(task, version="9.9.9")
    with pytest.raises(RuntimeError, match="install the same version on every worker"):
        compute_batch([other])  # and each task checks again, wherever it lands


def test_discovery_stops_at_workspace_roots_and_skips_excluded_folders(tmp_path: Path) -> None:
    assert find_workspaces([REPO]) == [REPO]  # the repository is one workspace: its fixtures are not others
    shutil.copytree(REPO / "hypotheses", tmp_path / "desk" / "korea" / "hypotheses")
    (tmp_path / "fixtures" / "a" / "hypotheses").mkdir(parents=True)
    (tmp_path / ".hidden" / "hypotheses").mkdir(parents=True)
    assert find_workspaces([tmp_path], exclude=["fixtures"]) == [(tmp_path / "desk" / "korea").resolve()]
    assert len(find_workspaces([tmp_path, tmp_path / "desk"])) == 2  # each once


def test_usage_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["portfolio", "run", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])
    assert done.exit_code == 2 and "not a folder" in done.stderr
    done = runner.invoke(app, ["portfolio", "run", str(tmp_path), "--out", str(tmp_path / "o")])
    assert done.exit_code == 2 and "no workspace (a folder holding hypotheses/) under" in done.stderr
    done = runner.invoke(app, ["portfolio", "run", str(tmp_path), "--out", str(tmp_path / "o"), "--draws", "5"])
    assert done.exit_code == 2 and "--draws only applies with --method mcmc" in done.stderr
    done = runner.invoke(app, ["portfolio", "run", str(tmp_path), "--out", str(tmp_path / "o"), "--workers", "1",
                               "--scheduler", "tcp://127.0.0.1:1"])
    assert done.exit_code == 2 and "--workers" in done.stderr


@pytest.mark.parametrize("case", ["two analysts", "one analyst"])
def test_portfolio_confidence_word_is_the_briefs_with_one_or_several_analysts(tmp_path: Path, client: Any,
                                                                             case: str) -> None:
    """One confidence function: ``portfolio run --analyses`` and its store give ``brief``'s word for every set,
    the analysts' agreement included when several analysts judged it (computed on the client)."""
    from importlib import resources

    root = tmp_path / "ws"
    if case == "two analysts":
        shutil.copytree(str(resources.files("plausible.data") / "example"), root)
    else:
        [root] = synthetic_portfolio(tmp_path / "roots", 1, 2, seed=3, judgment_kinds=("number", "term"))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["portfolio", "run", str(root.parent if case == "one analyst" else root),
                                      "--out", str(out), "--analyses", "--scheduler", client.scheduler_info()["address"]])
    assert result.exit_code == 0, result.output
    frame = _latest(out)
    ws = load_workspace(root)
    assert set(frame["set"]) == set(ws.sets)
    several = False
    for set_id, rows in frame.groupby("set"):
        brief = CliRunner().invoke(app, ["brief", str(set_id), "-w", str(root)])
        assert brief.exit_code == 0, brief.output
        word = re.search(r"We have \*\*(high|moderate|low) confidence\*\*", brief.stdout).group(1)  # type: ignore[union-attr]
        assert set(rows["confidence"]) == {word}, set_id
        criteria = json.loads(rows["confidence_criteria"].iloc[0])
        analysts = [c for c in criteria if c["name"] == "analysts"]
        several = several or bool(analysts)
        assert bool(analysts) == (case == "two analysts")
        if analysts:
            assert analysts[0]["detail"] in brief.stdout.replace("\n", " ")
    assert several == (case == "two analysts")
