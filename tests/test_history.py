"""One change history: `brief -o` records a briefing entry in the ledger, `brief --since-last` compares with it,
`update` skips it, the briefing ranks drivers as the ledger does, and an old briefing state file is read and moved
in, never silently."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
import threading
import time
from pathlib import Path

import pytest

import plausible
import plausible.cli.briefing  # registers `brief`
import plausible.cli.evolution  # registers `update`
from plausible.briefing import briefing_entry, build_briefing
from plausible.briefing.content import MAX_DRIVERS, MAX_MOVES, MOVE_THRESHOLD
from plausible.tracking.briefings import OLD_STATE_FILE, read_history, record_briefing
from plausible.tracking.ledger import LEDGER_FILE, LedgerRead, Record, SetState, ledger_path, locked_ledger
from plausible.tracking.updating import run_update
from tests.test_briefing import NUMBER, TINY, displays, invoke, md_section
from tests.test_ledger import NEW_EVIDENCE, NEW_FILE, copy_dprk

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
# Two more new items on the DPRK driver question, pulling different ways, so that three new items drive the move.
MORE_FILE = "evidence/2015-06-26-more.yaml"
MORE_EVIDENCE = """\
items:
  - id: partner-pledge
    summary: A visited state pledges a new partnership with Pyongyang, not tied to Russia.
    source: seed-article-publisher
    reported: 2015-06-26
    likelihoods:
      dprk-driver:
        new-allies: 0.8
        food-aid: 0.35
        un-office: 0.35
        arms-deals: 0.35
        russia-sanctions: 0.1
        separate-purposes: 0.35
        business-as-usual: 0.35
        other: 0.35
  - id: arms-contract
    summary: A defence contract with one of the visited states is rumoured.
    source: seed-article-publisher
    reported: 2015-06-26
    likelihoods:
      dprk-driver:
        new-allies: 0.6
        food-aid: 0.15
        un-office: 0.5
        arms-deals: 0.6
        russia-sanctions: 0.15
        separate-purposes: 0.5
        business-as-usual: 0.15
        other: 0.5
"""


def add_report(root: Path, item: str, day: int, a: float) -> None:
    """A report on the TINY question in a file of its own, with P(report | a) = a and P(report | b) = 1 - a."""
    (root / "evidence" / f"{item}.yaml").write_text(
        f"items:\n  - {{id: {item}, summary: Report {item}, source: good, reported: 2020-02-{day:02d}, "
        f"likelihoods: {{q: {{a: {a}, b: {1 - a:.2f}}}}}}}\n", encoding="utf-8")


def entries(root: Path) -> list[Record]:
    return [Record.model_validate_json(line)
            for line in (root / LEDGER_FILE).read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def dprk(tmp_path: Path) -> Path:
    """A copy of the repository's DPRK workspace."""
    return copy_dprk(tmp_path)


# --- one history, two kinds of entries ----------------------------------------------------------------------


def test_brief_o_then_update_then_since_last_compares_with_the_last_briefing(tmp_path: Path, write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace(TINY)
    out = str(tmp_path / "brief.html")
    assert invoke("brief", "q", "-w", str(root), "-o", out).exit_code == 0
    first = invoke("update", "-w", str(root))  # a briefing entry is not an update
    assert first.exit_code == 0 and first.stdout.startswith("first record: "), first.output

    add_report(root, "r4", 1, 0.8)
    assert invoke("brief", "q", "-w", str(root), "-o", out).exit_code == 0
    at_briefing = plausible.load_workspace(root).posterior("q").probabilities
    second = invoke("update", "-w", str(root))  # compares with the last update, not with the briefing after it
    assert second.exit_code == 0, second.output
    assert "q: 1 new item" in second.stdout and "r4" in second.stdout and "recorded in " in second.stdout
    ledger_before = (root / LEDGER_FILE).read_bytes()
    again = invoke("update", "-w", str(root))
    assert again.stdout.startswith("no changes since the last record") and (root / LEDGER_FILE).read_bytes() == ledger_before

    for item, day in (("r5", 2), ("r6", 3)):  # two updates after the briefing
        add_report(root, item, day, 0.9)
        assert run_update(root).recorded
    now = plausible.load_workspace(root).posterior("q").probabilities
    recorded = entries(root)
    assert [e.kind for e in recorded] == ["briefing", "update", "briefing", "update", "update", "update"]

    since = invoke("brief", "q", "-w", str(root), "--since-last")
    assert since.exit_code == 0, since.output
    changed = md_section(since.stdout, "What changed")
    briefing = recorded[2]
    assert (f"Since the previous briefing (written {briefing.time.isoformat().replace('+00:00', 'Z')}, evidence as of "
            "2020-02-01, exact engine): 2 new reports.") in changed
    assert "Report r5 (" in changed and "Report r6 (" in changed and "Report r4 (" not in changed
    move = re.search(rf"^- Answer A: ({NUMBER}%) → ({NUMBER}%)", changed, re.M)
    assert move and displays(move.group(1), at_briefing["a"]) and displays(move.group(2), now["a"])
    assert len(entries(root)) == 6  # --since-last without -o records nothing


def test_brief_o_no_record_writes_the_file_and_leaves_the_ledger_alone(tmp_path: Path, write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace(TINY)
    assert invoke("brief", "q", "-w", str(root), "-o", str(tmp_path / "kept.html")).exit_code == 0
    ledger_before = (root / LEDGER_FILE).read_bytes()
    add_report(root, "r4", 1, 0.8)
    scratch = tmp_path / "scratch" / "draft.html"
    scratch.parent.mkdir()
    done = invoke("brief", "q", "-w", str(root), "-o", str(scratch), "--no-record")
    assert done.exit_code == 0, done.output
    assert scratch.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "not recorded in the ledger (--no-record)" in done.stderr and "recorded the briefing" not in done.stderr
    assert (root / LEDGER_FILE).read_bytes() == ledger_before
    since = invoke("brief", "q", "-w", str(root), "--since-last")  # still compares with the recorded briefing
    assert since.exit_code == 0, since.output
    assert "1 new report." in md_section(since.stdout, "What changed") and "Report r4" in md_section(since.stdout, "What changed")
    recorded = invoke("brief", "q", "-w", str(root), "-o", str(tmp_path / "kept.html"))
    assert "(for --since-last; --no-record skips this)" in recorded.stderr
    assert [e.kind for e in entries(root)] == ["briefing", "briefing"]


def test_the_briefing_ranks_drivers_and_moves_as_the_ledger_does(dprk: Path) -> None:
    run_update(dprk)
    ws = plausible.load_workspace(dprk)
    record_briefing(dprk, briefing_entry(ws, build_briefing(ws, ["dprk-driver"], forecasts=False)))
    (dprk / NEW_FILE).write_text(NEW_EVIDENCE, encoding="utf-8")
    (dprk / MORE_FILE).write_text(MORE_EVIDENCE, encoding="utf-8")
    upd = run_update(dprk).update  # the same move: from the state briefed (and recorded) to now
    change = next(c for c in upd.diff.sets if c.set_id == "dprk-driver")
    ranked = upd.drivers["dprk-driver"]
    assert len(ranked) == 3

    ws = plausible.load_workspace(dprk)
    ch = build_briefing(ws, ["dprk-driver"], since_last=True, forecasts=False).sets[0].changes
    assert ch.available and ch.basis == "last"
    assert ch.drivers == ranked[:MAX_DRIVERS]  # items, files, weights toward the move, per-hypothesis weights
    assert ch.moves == tuple(m for m in change.moves if abs(m.points) >= MOVE_THRESHOLD)[:MAX_MOVES] != ()
    assert (ch.new_items, ch.removed_items) == (change.new_items, change.removed_items)
    # The ranking the briefing had before (each report's weight for the hypothesis that moved most) orders these
    # three differently, so the equality above is the shared function, not a coincidence of the data.
    post = ws.posterior("dprk-driver")
    k = post.hypothesis_ids.index(change.moves[0].hypothesis)
    former = sorted(change.new_items, key=lambda i: -abs(post.weights[post.item_ids.index(i), k]))
    assert [d.item for d in ch.drivers] != former


def test_the_last_briefing_of_a_set_is_the_latest_entry_covering_it() -> None:
    def briefing(hour: int, *sets: str) -> Record:
        return Record(kind="briefing", time=T0 + dt.timedelta(hours=hour), version="0", inputs_hash="a" * 64,
                      files={}, sets={s: SetState(probabilities={"a": 1.0}, items=(), method="exact") for s in sets})

    update = Record(time=T0 + dt.timedelta(hours=9), version="0", inputs_hash="a" * 64, files={},
                    sets={"q": SetState(probabilities={"a": 1.0}, items=())})
    # file order: a briefing of q and r, then one of r only, then an update, then an older entry moved in late
    read = LedgerRead((briefing(5, "q", "r"), briefing(6, "r"), update, briefing(1, "q")))
    assert read.last_briefing("q") == briefing(5, "q", "r")  # a briefing of r only does not hide it
    assert read.last_briefing("r") == briefing(6, "r")
    assert read.last_briefing("s") is None
    assert read.last_update == update and read.updates == (update,)


def test_recording_a_briefing_waits_for_the_ledger_lock(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace(TINY)
    ws = plausible.load_workspace(root)
    entry = briefing_entry(ws, build_briefing(ws, ["q"], forecasts=False))
    with locked_ledger(ledger_path(root)):
        writer = threading.Thread(target=record_briefing, args=(root, entry))
        writer.start()
        time.sleep(0.3)
        assert writer.is_alive() and not (root / LEDGER_FILE).exists()
    writer.join(timeout=10)
    assert entries(root) == [entry]


@pytest.mark.usefixtures("refuse_ledger_lock")
def test_an_unwritable_ledger_leaves_the_briefing_written_and_says_so(tmp_path: Path, write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace(TINY)
    out = tmp_path / "brief.html"
    result = invoke("brief", "q", "-w", str(root), "-o", str(out))
    assert result.exit_code == 0 and out.is_file()
    assert "the briefing was written, but it could not be recorded in the ledger" in result.stderr
    assert "Permission denied" in result.stderr


@pytest.mark.parametrize("module", ["plausible.briefing.record", "plausible.briefing.changes"])
def test_the_briefings_own_history_modules_are_gone(module: str) -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module)


def test_one_move_and_one_ranking_of_drivers_in_the_package() -> None:
    src = Path(plausible.__file__).parent
    for definition, home in (("class Move", "tracking/ledger.py"), ("def rank_drivers", "tracking/updating.py"),
                             ("last-brief.json", "tracking/briefings.py")):
        found = sorted(p.relative_to(src).as_posix() for p in src.rglob("*.py")
                       if definition in p.read_text(encoding="utf-8"))
        assert found == [home], definition


# --- the state file of earlier versions ---------------------------------------------------------------------


def old_state_file(root: Path, written: str = "2026-05-01T09:00:00Z") -> dict[str, float]:
    """Write .plausible/last-brief.json as `brief -o` wrote it before briefings went into the ledger."""
    ws = plausible.load_workspace(root)
    post = ws.posterior("q")
    body = {"version": 1, "plausible": "0.1.0", "written": written,
            "sets": {"q": {"method": "exact", "as_of": "2020-01-02", "inputs_hash": ws.inputs_hash,
                           "items": list(post.item_ids), "probabilities": post.probabilities, "written": written}}}
    (root / ".plausible").mkdir(exist_ok=True)
    (root / OLD_STATE_FILE).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return post.probabilities


def test_an_old_state_file_is_read_with_a_warning_then_moved_into_the_ledger(tmp_path: Path, write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace(TINY)
    old = old_state_file(root)
    text = (root / OLD_STATE_FILE).read_text(encoding="utf-8")
    add_report(root, "r4", 1, 0.8)
    now = plausible.load_workspace(root).posterior("q").probabilities

    read = invoke("brief", "q", "-w", str(root), "--since-last")
    assert read.exit_code == 0, read.output
    assert (f"warning: {OLD_STATE_FILE}: read the previous briefings of 1 set from the state file of earlier "
            "versions; the next `brief -o` moves them into the ledger") in read.stderr
    changed = md_section(read.stdout, "What changed")
    assert "Since the previous briefing (written 2026-05-01T09:00:00Z, evidence as of 2020-01-02, exact engine): " \
           "1 new report." in changed
    move = re.search(rf"^- Answer A: ({NUMBER}%) → ({NUMBER}%)", changed, re.M)
    assert move and displays(move.group(1), old["a"]) and displays(move.group(2), now["a"])
    assert not (root / LEDGER_FILE).exists()  # reading moves nothing

    written = invoke("brief", "q", "-w", str(root), "-o", str(tmp_path / "brief.html"))
    assert written.exit_code == 0, written.output
    assert (f"warning: {OLD_STATE_FILE}: moved 1 briefing from the state file of earlier versions into the ledger; "
            "it is now last-brief.json.migrated and no longer read") in written.stderr
    assert not (root / OLD_STATE_FILE).exists()
    assert (root / (OLD_STATE_FILE + ".migrated")).read_text(encoding="utf-8") == text
    moved, new = entries(root)
    assert (moved.kind, moved.time, moved.version, moved.files) == ("briefing", T0, "0.1.0", {})
    assert moved.sets["q"] == SetState(probabilities=old, items=("r1", "r2", "r3"), method="exact",
                                       as_of=dt.date(2020, 1, 2))
    assert new.kind == "briefing" and new.sets["q"].items == ("r1", "r2", "r3", "r4")

    after = invoke("brief", "q", "-w", str(root), "--since-last")
    assert after.exit_code == 0 and "last-brief" not in after.stderr
    assert "evidence as of 2020-02-01, exact engine): 0 new reports." in md_section(after.stdout, "What changed")


def test_an_old_state_file_of_several_briefings_becomes_one_entry_per_briefing(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace(TINY)
    old_state_file(root, "2026-05-01T09:00:00Z")
    data = json.loads((root / OLD_STATE_FILE).read_text(encoding="utf-8"))
    data["sets"]["r"] = {**data["sets"]["q"], "written": "2026-04-01T09:00:00Z"}  # an earlier briefing of set r
    (root / OLD_STATE_FILE).write_text(json.dumps(data), encoding="utf-8")
    history = read_history(root)
    assert [(r.time, list(r.sets)) for r in history.records] == [(T0 - dt.timedelta(days=30), ["r"]), (T0, ["q"])]
    assert history.last_briefing("q") is history.records[1] and history.last_briefing("r") is history.records[0]


def test_an_unreadable_old_state_file_is_said_and_set_aside(tmp_path: Path, write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace(TINY)
    (root / ".plausible").mkdir()
    (root / OLD_STATE_FILE).write_text('{"sets": {"q": {"items": []', encoding="utf-8")
    read = invoke("brief", "q", "-w", str(root), "--since-last")
    assert read.exit_code == 0, read.output
    assert f"warning: {OLD_STATE_FILE}: the old briefing state file could not be read (JSONDecodeError" in read.stderr
    assert "No previous briefing is recorded in this workspace" in md_section(read.stdout, "What changed")

    written = invoke("brief", "q", "-w", str(root), "-o", str(tmp_path / "brief.html"))
    assert written.exit_code == 0, written.output
    assert "it is now last-brief.json.unreadable and no longer read" in written.stderr
    assert [e.kind for e in entries(root)] == ["briefing"]
    assert (root / (OLD_STATE_FILE + ".unreadable")).is_file() and not (root / OLD_STATE_FILE).exists()
