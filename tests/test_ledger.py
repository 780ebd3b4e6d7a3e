"""The update ledger and `plausible update`: records, diffs, drivers, loud edits, safe concurrent appends."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import plausible.cli.evolution  # noqa: F401 - registers `update` and `watch` on the app
from plausible import load_workspace
from plausible.cli import app
from plausible.core.errors import InputError
from plausible.tracking.ledger import (
    LEDGER_FILE,
    Record,
    SetState,
    append_record,
    diff_states,
    format_record,
    parse_records,
    read_records,
)
from plausible.tracking.updating import compute_update, run_update

REPO = Path(__file__).resolve().parents[1]
INPUT_FOLDERS = ("hypotheses", "evidence", "models", "analysts")
NEW_FILE = "evidence/2015-06-25-second-walkout.yaml"
NEW_ITEM = "second-walkout"
# A copy of the DPRK item gwangju-withdrawal as a new, separate event (no origin) in a new file.
NEW_EVIDENCE = """\
items:
  - id: second-walkout
    summary: North Korea cancels a further inter-Korean exchange, again citing the UN office in Seoul.
    source: seed-article-publisher
    reported: 2015-06-25
    credibility: 2
    relevance: high
    likelihoods:
      dprk-driver:
        new-allies: 0.55
        food-aid: 0.4
        un-office: very likely
        arms-deals: 0.4
        russia-sanctions: 0.45
        separate-purposes: 0.45
        business-as-usual: 0.4
        other: 0.45
      dprk-openness:
        genuine-opening: unlikely
        tactical-outreach: 0.5
        no-change: 0.6
"""
T0 = dt.datetime(2015, 6, 24, 12, 0, tzinfo=dt.UTC)


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "160"}).invoke(app, list(args))


def copy_dprk(folder: Path) -> Path:
    """A copy of the repository's DPRK workspace (its input folders) in ``folder/ws``."""
    root = folder / "ws"
    for name in INPUT_FOLDERS:
        shutil.copytree(REPO / name, root / name)
    return root


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the repository's DPRK workspace."""
    return copy_dprk(tmp_path)


def inputs_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for folder in INPUT_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


def ledger_lines(root: Path) -> list[str]:
    return (root / LEDGER_FILE).read_text(encoding="utf-8").splitlines()


def record(version: str = "0.1.0", p: float = 0.25, items: tuple[str, ...] = ("x",), n_files: int = 2) -> Record:
    files = {f"evidence/file-{i:03d}.yaml": hashlib.sha256(str(i).encode()).hexdigest() for i in range(n_files)}
    return Record(time=T0, version=version, inputs_hash="a" * 64, files=files,
                  sets={"q": SetState(probabilities={"yes": 1 - p, "no": p}, items=items)})


# --- the format ---------------------------------------------------------------------------------------------


def test_record_round_trips_as_one_sorted_line() -> None:
    rec = record(p=0.1 + 0.2)  # a float whose shortest repr has 17 digits
    line = format_record(rec)
    assert line.endswith("\n") and line.count("\n") == 1
    data = json.loads(line)
    assert list(data) == sorted(data) and list(data["sets"]["q"]["probabilities"]) == ["no", "yes"]
    assert data["time"] == "2015-06-24T12:00:00Z"
    assert parse_records(line + line).records == (rec, rec)  # exact, floats included


def test_entries_say_their_kind_and_lines_without_one_are_updates() -> None:
    update = record()
    data = json.loads(format_record(update))
    assert data["kind"] == "update" and set(data["sets"]["q"]) == {"items", "probabilities"}  # no method, as_of
    del data["kind"]  # a line written before briefings were recorded in the ledger
    assert parse_records(json.dumps(data) + "\n").records == (update,)
    briefing = Record(kind="briefing", time=T0, version="0.1.0", inputs_hash="a" * 64, files={},
                      sets={"q": SetState(probabilities={"yes": 0.5, "no": 0.5}, items=("x",), method="mcmc",
                                          as_of=dt.date(2015, 6, 24))})
    line = format_record(briefing)
    assert json.loads(line)["sets"]["q"]["method"] == "mcmc" and json.loads(line)["sets"]["q"]["as_of"] == "2015-06-24"
    assert parse_records(line).records == (briefing,)
    assert [r.kind for r in parse_records(line + format_record(update)).records] == ["briefing", "update"]


def test_records_are_kept_in_utc() -> None:
    later = Record(time="2015-06-24T14:00:00+02:00", version="x", inputs_hash="a" * 64, files={}, sets={})
    assert json.loads(format_record(later))["time"] == "2015-06-24T12:00:00Z"


def test_unreadable_lines_are_warnings_with_their_line_numbers() -> None:
    good = format_record(record())
    read = parse_records(good + "not json\n" + '{"time": 3}\n' + good + good[:40])
    assert len(read.records) == 2
    assert [(p.line, p.message.split(" (")[0]) for p in read.problems] == [
        (2, "not a ledger record"), (3, "not a ledger record"), (5, "incomplete last record ignored")]


def test_reading_a_missing_ledger_gives_no_records(tmp_path: Path) -> None:
    read = read_records(tmp_path / LEDGER_FILE)
    assert read.records == () and read.problems == () and read.last_update is None and read.last_briefing("q") is None


# --- diffing two states -------------------------------------------------------------------------------------


def test_diff_of_files_sets_hypotheses_and_items() -> None:
    before = Record(time=T0, version="1", inputs_hash="a" * 64,
                    files={"evidence/a.yaml": "1", "evidence/b.yaml": "2", "hypotheses/q.yaml": "3"},
                    sets={"q": SetState(probabilities={"x": 0.5, "y": 0.5}, items=("i1", "i2")),
                          "old": SetState(probabilities={"p": 1.0}, items=())})
    after = Record(time=T0, version="1", inputs_hash="b" * 64,
                   files={"evidence/a.yaml": "1", "evidence/b.yaml": "changed", "evidence/c.yaml": "4",
                          "hypotheses/q.yaml": "3"},
                   sets={"q": SetState(probabilities={"x": 0.3, "y": 0.2, "z": 0.5}, items=("i1", "i3")),
                         "fresh": SetState(probabilities={"p": 1.0}, items=("i3",))})
    diff = diff_states(before, after)
    assert (diff.files.added, diff.files.removed, diff.files.modified) == (
        ("evidence/c.yaml",), (), ("evidence/b.yaml",))
    by_set = {s.set_id: s for s in diff.sets}
    assert [s.set_id for s in diff.sets] == ["fresh", "old", "q"]
    assert (by_set["fresh"].status, by_set["old"].status, by_set["q"].status) == ("new", "removed", "changed")
    q = by_set["q"]
    assert [(m.hypothesis, m.before, m.after) for m in q.moves] == [("z", None, 0.5), ("y", 0.5, 0.2),
                                                                    ("x", 0.5, 0.3)]
    assert [round(m.points, 9) for m in q.moves] == [50.0, -30.0, -20.0]
    assert (q.new_items, q.removed_items) == (("i3",), ("i2",))
    assert diff.changed and not diff.first


def test_identical_states_are_no_change_and_float_noise_is_not_a_move() -> None:
    a, b = record(p=0.25), record(p=0.25 + 1e-13)
    diff = diff_states(a, b)
    assert not diff.changed and diff.sets[0].status == "unchanged" and diff.sets[0].moves == ()
    assert diff_states(None, a).first and diff_states(None, a).changed


# --- plausible update ---------------------------------------------------------------------------------------


def test_first_update_records_every_file_and_each_sets_exact_posterior(workspace: Path) -> None:
    result = invoke("update", "-w", str(workspace))
    assert result.exit_code == 0, result.output
    n_files = sum(1 for folder in INPUT_FOLDERS for path in (workspace / folder).rglob("*.yaml"))
    assert result.stdout.startswith(f"first record: {n_files} input files, 2 hypothesis sets")
    lines = ledger_lines(workspace)
    assert len(lines) == 1
    rec = Record.model_validate_json(lines[0])
    ws = load_workspace(workspace)
    assert rec.files == ws.files and rec.inputs_hash == ws.inputs_hash
    assert set(rec.sets) == {"dprk-driver", "dprk-openness"}
    for set_id, state in rec.sets.items():
        post = ws.posterior(set_id)
        assert state.probabilities == post.probabilities and state.items == post.item_ids
    assert abs(dt.datetime.now(dt.UTC) - rec.time) < dt.timedelta(minutes=1)


def test_a_new_evidence_file_is_reported_with_the_moves_and_its_item_as_the_driver(workspace: Path) -> None:
    first = run_update(workspace)
    (workspace / NEW_FILE).write_text(NEW_EVIDENCE, encoding="utf-8")
    outcome = run_update(workspace)
    upd = outcome.update
    assert outcome.recorded and upd.changed and upd.previous == first.update.current
    assert upd.diff.files.added == (NEW_FILE,) and not upd.diff.files.modified and upd.edited == ()
    ws = load_workspace(workspace)
    for change in upd.diff.sets:
        assert change.status == "changed" and change.new_items == (NEW_ITEM,)
        before = first.update.current.sets[change.set_id].probabilities
        after = ws.posterior(change.set_id).probabilities
        assert {m.hypothesis: (m.before, m.after) for m in change.moves} == {h: (before[h], after[h]) for h in after}
        assert math.isclose(sum(m.points for m in change.moves), 0.0, abs_tol=1e-9)
        assert [abs(m.points) for m in change.moves] == sorted((abs(m.points) for m in change.moves), reverse=True)
        (driver,) = upd.drivers[change.set_id]
        assert (driver.item, driver.path) == (NEW_ITEM, NEW_FILE)
        # The new item is the whole move, and an item always pulls the probabilities its own way.
        assert driver.decibans > 0
    assert upd.diff.sets[0].moves[0].hypothesis == "un-office"  # the largest move of dprk-driver
    assert len(ledger_lines(workspace)) == 2
    frame = upd.moves_frame()
    assert list(frame.columns) == ["set", "hypothesis", "before", "after", "points"] and len(frame) == 11
    assert upd.drivers_frame()["item"].tolist() == [NEW_ITEM, NEW_ITEM]


def test_the_cli_report_names_the_new_file_the_moves_and_the_driver(workspace: Path) -> None:
    assert invoke("update", "-w", str(workspace)).exit_code == 0
    (workspace / NEW_FILE).write_text(NEW_EVIDENCE, encoding="utf-8")
    result = invoke("update", "-w", str(workspace))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"+ new      {NEW_FILE}" in out
    assert "dprk-driver: 1 new item" in out and "dprk-openness: 1 new item" in out
    assert "un-office           10.8% → 15.4%    +4.6 points" in out  # the pooled case (lead and kai)
    assert f"dB  {NEW_ITEM}  {NEW_FILE}" in out and " db" not in out and "recorded in " in out


def test_json_output_of_update(workspace: Path) -> None:
    run_update(workspace)
    (workspace / NEW_FILE).write_text(NEW_EVIDENCE, encoding="utf-8")
    result = invoke("update", "-w", str(workspace), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"first", "changed", "recorded", "time", "inputs_hash", "previous", "files", "edited", "sets", "ledger",
            "warnings"} <= set(data)
    assert data["files"]["added"] == [NEW_FILE] and data["recorded"] is True
    driver_set = data["sets"][0]
    assert driver_set["set"] == "dprk-driver" and driver_set["drivers"][0]["item"] == NEW_ITEM
    assert math.isclose(sum(driver_set["probabilities"].values()), 1.0)


def test_driver_weight_is_the_log_likelihood_ratio_with_two_hypotheses(write_workspace) -> None:  # type: ignore[no-untyped-def]
    # Independent truth: with a fully reliable source and two hypotheses, the weight toward the move is
    # 10 log10 of the item's likelihood ratio.
    root = write_workspace({
        "hypotheses/q.yaml": "question: Which?\nexhaustive: true\nhypotheses:\n  - {id: a, title: A}\n"
                             "  - {id: b, title: B}\n",
        "evidence/sources.yaml": "sources:\n  - {id: s, name: S, reliability: 1.0}\n",
        "evidence/one.yaml": "items:\n  - {id: one, summary: One, source: s, reported: 2020-01-01,\n"
                             "     likelihoods: {q: {a: 0.8, b: 0.2}}}\n",
    })
    run_update(root)
    (root / "evidence/two.yaml").write_text(
        "items:\n  - {id: two, summary: Two, source: s, reported: 2020-01-02,\n"
        "     likelihoods: {q: {a: 0.3, b: 0.6}}}\n", encoding="utf-8")
    upd = run_update(root).update
    (driver,) = upd.drivers["q"]
    assert upd.diff.sets[0].moves[0].hypothesis in {"a", "b"}
    assert math.isclose(driver.decibans, 10 * math.log10(0.6 / 0.3), rel_tol=1e-12)  # b rose, a fell
    assert math.isclose(driver.weights["b"] - driver.weights["a"], 10 * math.log10(0.6 / 0.3), rel_tol=1e-12)


def test_a_superseding_correction_is_a_new_item_and_the_old_one_is_no_longer_used(workspace: Path) -> None:
    run_update(workspace)
    correction = NEW_EVIDENCE.replace("    relevance: high\n", "    relevance: high\n    supersedes: [visits-to-warm-partners]\n")
    (workspace / NEW_FILE).write_text(correction, encoding="utf-8")
    upd = run_update(workspace).update
    change = {c.set_id: c for c in upd.diff.sets}["dprk-openness"]
    assert change.new_items == (NEW_ITEM,) and change.removed_items == ("visits-to-warm-partners",)
    assert upd.edited == ()  # a correction in a new file is the way to do it: nothing to warn about


def test_editing_a_recorded_evidence_file_is_reported_loudly_and_left_alone(workspace: Path) -> None:
    assert invoke("update", "-w", str(workspace)).exit_code == 0
    edited = workspace / "evidence/2015-06-17-drought.yaml"
    text = edited.read_text(encoding="utf-8").replace("very likely", "likely")
    edited.write_text(text, encoding="utf-8")
    result = invoke("update", "-w", str(workspace))
    assert result.exit_code == 0, result.output
    warning = [line for line in result.stderr.splitlines() if line.startswith("WARNING:")]
    assert len(warning) == 1
    assert "evidence/2015-06-17-drought.yaml was changed after it was recorded" in warning[0]
    assert "append-only" in warning[0] and "supersedes" in warning[0]
    assert "~ changed  evidence/2015-06-17-drought.yaml" in result.stdout
    assert edited.read_text(encoding="utf-8") == text  # never restored or otherwise edited
    assert len(ledger_lines(workspace)) == 2


def test_a_removed_evidence_file_and_a_changed_hypothesis_file_are_reported(workspace: Path) -> None:
    # The case's own evidence files are judged in analysts/lead.yaml (deleting one would be an unknown-item
    # error), so the removed file is one the test adds and records first.
    (workspace / NEW_FILE).write_text(NEW_EVIDENCE, encoding="utf-8")
    run_update(workspace)
    (workspace / NEW_FILE).unlink()
    hyp = workspace / "hypotheses/dprk-openness.yaml"
    text = hyp.read_text(encoding="utf-8")
    assert "prior: 0.04" in text
    hyp.write_text(text.replace("prior: 0.04", "prior: 0.08"), encoding="utf-8")
    upd = run_update(workspace).update
    assert {(e.path, e.kind, e.loud) for e in upd.edited} == {
        (NEW_FILE, "evidence", True), ("hypotheses/dprk-openness.yaml", "hypotheses", True)}
    messages = {e.path: e.message for e in upd.edited}
    assert "2015-06-25-second-walkout.yaml was removed after it was recorded" in messages[NEW_FILE]
    assert "because the question, hypotheses or priors changed" in messages["hypotheses/dprk-openness.yaml"]


def test_a_run_with_no_changes_says_so_and_appends_nothing(workspace: Path) -> None:
    assert invoke("update", "-w", str(workspace)).exit_code == 0
    before = (workspace / LEDGER_FILE).read_bytes()
    result = invoke("update", "-w", str(workspace))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("no changes since the last record (") and "nothing recorded" in result.stdout
    assert (workspace / LEDGER_FILE).read_bytes() == before
    assert json.loads(invoke("update", "-w", str(workspace), "--json").stdout)["recorded"] is False


def test_dry_run_reports_without_recording(workspace: Path) -> None:
    result = invoke("update", "-w", str(workspace), "--dry-run")
    assert result.exit_code == 0 and "not recorded (--dry-run)" in result.stdout
    assert not (workspace / ".plausible").exists()


def test_update_never_changes_the_input_files(workspace: Path) -> None:
    before = inputs_digest(workspace)
    run_update(workspace)
    assert inputs_digest(workspace) == before
    edited = workspace / "evidence/2015-06-17-drought.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# a late note\n", encoding="utf-8")
    (workspace / NEW_FILE).write_text(NEW_EVIDENCE, encoding="utf-8")
    after_edits = inputs_digest(workspace)
    assert invoke("update", "-w", str(workspace)).exit_code == 0
    assert inputs_digest(workspace) == after_edits


def test_a_bad_workspace_exits_2_with_located_problems_and_appends_nothing(workspace: Path) -> None:
    run_update(workspace)
    before = (workspace / LEDGER_FILE).read_bytes()
    (workspace / NEW_FILE).write_text(NEW_EVIDENCE.replace("seed-article-publisher", "seed-article-publsher"),
                                      encoding="utf-8")
    result = invoke("update", "-w", str(workspace))
    assert result.exit_code == 2
    assert f"{NEW_FILE}:4: " in result.stderr and "did you mean 'seed-article-publisher'" in result.stderr
    assert "Traceback" not in result.output
    assert (workspace / LEDGER_FILE).read_bytes() == before
    with pytest.raises(InputError):
        run_update(workspace)


# --- robustness of the file ---------------------------------------------------------------------------------


def test_a_truncated_last_line_is_tolerated_and_repaired_by_the_next_append(workspace: Path) -> None:
    run_update(workspace)
    ledger = workspace / LEDGER_FILE
    whole = ledger.read_text(encoding="utf-8")
    ledger.write_text(whole + whole[: len(whole) // 2], encoding="utf-8")  # a run killed mid-write
    read = read_records(ledger)
    assert len(read.records) == 1 and len(read.problems) == 1 and read.problems[0].line == 2
    assert "incomplete last record ignored" in str(read.problems[0])
    assert not run_update(workspace).recorded  # compared with the last complete record: nothing new
    (workspace / NEW_FILE).write_text(NEW_EVIDENCE, encoding="utf-8")
    outcome = run_update(workspace)
    assert outcome.recorded and outcome.update.diff.files.added == (NEW_FILE,)
    assert any("removed an incomplete last record" in str(w) for w in outcome.warnings)
    reread = read_records(ledger)
    assert len(reread.records) == 2 and reread.problems == ()
    assert ledger.read_text(encoding="utf-8").count("\n") == 2


def test_a_complete_last_record_without_its_newline_is_kept(tmp_path: Path) -> None:
    ledger = tmp_path / LEDGER_FILE
    ledger.parent.mkdir()
    ledger.write_text(format_record(record("first")).rstrip("\n"), encoding="utf-8")
    assert append_record(ledger, record("second")) == ()
    assert [r.version for r in read_records(ledger).records] == ["first", "second"]


# Each writer is a separate Python process that imports only the ledger module, says it is ready, waits for
# the go (a line on stdin) so that all of them contend for the lock at once, then appends its records.
WRITER = """
import datetime as dt, hashlib, sys
from plausible.tracking.ledger import Record, SetState, append_record
path, worker, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
files = {f"evidence/file-{i:03d}.yaml": hashlib.sha256(str(i).encode()).hexdigest() for i in range(60)}
records = [Record(time=dt.datetime.now(dt.UTC), version=f"{worker}.{i}", inputs_hash="a" * 64, files=files,
                  sets={"q": SetState(probabilities={"yes": 0.5, "no": 0.5}, items=("x",))}) for i in range(count)]
print("ready", flush=True)
sys.stdin.readline()
for rec in records:
    append_record(path, rec)
"""


def test_concurrent_appends_from_several_processes_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / LEDGER_FILE
    workers, count = 8, 5
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(w), str(count)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for w in range(workers)]
    try:
        for writer in writers:
            assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
        for writer in writers:  # records are ~6 kB, more than one atomic pipe/page write
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        assert [writer.wait(timeout=60) for writer in writers] == [0] * workers
    finally:
        for writer in writers:
            writer.kill()
            writer.communicate()
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == workers * count + 1
    read = parse_records(text)
    assert read.problems == () and len(read.records) == workers * count
    versions = [r.version for r in read.records]
    assert sorted(versions) == sorted(f"{w}.{i}" for w in range(workers) for i in range(count))
    for w in range(workers):  # each process's records in the order it wrote them
        assert [v for v in versions if v.startswith(f"{w}.")] == [f"{w}.{i}" for i in range(count)]


# A process that takes the ledger's lock, says so, and holds it until told to go on (a line on stdin), then
# appends one record and releases the lock.
HOLDER = """
import datetime as dt, sys
from plausible.tracking.ledger import Record, SetState, locked_ledger
with locked_ledger(sys.argv[1]) as ledger:
    print("held", flush=True)
    sys.stdin.readline()
    ledger.append(Record(time=dt.datetime.now(dt.UTC), version="holder", inputs_hash="a" * 64, files={},
                         sets={"q": SetState(probabilities={"yes": 0.5, "no": 0.5}, items=("x",))}))
"""

WAITER = """
import datetime as dt, sys
from plausible.tracking.ledger import Record, SetState, append_record
append_record(sys.argv[1], Record(time=dt.datetime.now(dt.UTC), version="waiter", inputs_hash="a" * 64, files={},
                                  sets={"q": SetState(probabilities={"yes": 0.5, "no": 0.5}, items=("x",))}))
"""


def start_holder(path: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_second_process_waits_for_the_lock_and_appends_after_the_holder(tmp_path: Path) -> None:
    path = tmp_path / LEDGER_FILE
    holder = start_holder(path)
    waiter = subprocess.Popen([sys.executable, "-c", WAITER, str(path)])
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            waiter.wait(timeout=3)  # blocked on the lock (starting Python and importing takes ~1 s)
        assert read_records(path).records == ()
        assert holder.stdin is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.wait(timeout=60) == 0 and waiter.wait(timeout=60) == 0
    finally:
        for process in (holder, waiter):
            process.kill()
            process.communicate()
    assert [r.version for r in read_records(path).records] == ["holder", "waiter"]


def test_the_lock_of_a_killed_holder_is_released(tmp_path: Path) -> None:
    path = tmp_path / LEDGER_FILE
    holder = start_holder(path)
    waiter = subprocess.Popen([sys.executable, "-c", WAITER, str(path)])
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            waiter.wait(timeout=3)
        holder.kill()  # no release of its own: the operating system drops the lock with the process
        assert waiter.wait(timeout=60) == 0
    finally:
        for process in (holder, waiter):
            process.kill()
            process.communicate()
    assert [r.version for r in read_records(path).records] == ["waiter"]


@pytest.mark.usefixtures("refuse_ledger_lock")
def test_an_unwritable_ledger_is_a_clear_error_with_exit_2(workspace: Path) -> None:
    result = invoke("update", "-w", str(workspace))
    assert result.exit_code == 2
    assert "error: cannot write the ledger" in result.stderr and "Permission denied" in result.stderr
    assert "nothing was recorded" in result.stderr and "Traceback" not in result.output


def test_a_ledger_folder_that_is_a_file_is_a_clear_error(workspace: Path) -> None:
    (workspace / ".plausible").write_text("not a folder", encoding="utf-8")
    result = invoke("update", "-w", str(workspace))
    assert result.exit_code == 2 and "error: cannot write the ledger" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_ledger_folder_is_a_clear_error(workspace: Path) -> None:
    run_update(workspace)
    (workspace / NEW_FILE).write_text(NEW_EVIDENCE, encoding="utf-8")
    folder = workspace / ".plausible"
    (folder / "ledger.jsonl").chmod(0o444)
    try:
        result = invoke("update", "-w", str(workspace))
    finally:
        (folder / "ledger.jsonl").chmod(0o644)
    assert result.exit_code == 2 and "cannot write the ledger" in result.stderr


def test_compute_update_is_pure_given_the_records(workspace: Path) -> None:
    ws = load_workspace(workspace)
    first = compute_update(ws, [], time=T0)
    assert first.diff.first and first.current.time == T0
    again = compute_update(ws, [first.current], time=T0)
    assert not again.changed and again.drivers == {}
    assert not (workspace / ".plausible").exists()


def test_score_warns_about_an_edited_evidence_file_like_every_command_that_reads_it(workspace: Path) -> None:
    shutil.copytree(REPO / "exercises", workspace / "exercises")  # the model forecaster reads the evidence
    assert invoke("update", "-w", str(workspace)).exit_code == 0
    edited = workspace / "evidence/2015-06-17-drought.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("very likely", "likely"), encoding="utf-8")
    result = invoke("score", "dprk-2015", "-w", str(workspace))
    assert result.exit_code == 0, result.output
    assert any(line.startswith("warning: ") and "evidence/2015-06-17-drought.yaml" in line
               and "append-only" in line for line in result.stderr.splitlines()), result.stderr
