"""Watch mode: a thread runs the loop with a stop event; each test waits for events with a short timeout."""

from __future__ import annotations

import os
import queue
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plausible.cli import app
from plausible.core.errors import UsageError
from plausible.tracking.ledger import LEDGER_FILE, read_records
from plausible.tracking.watching import WATCHED_FOLDERS, FileEvent, WatchEvent, watch
from plausible.workspace import INPUT_FOLDERS
from tests.test_ledger import NEW_EVIDENCE, NEW_FILE, copy_dprk

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 5.0  # seconds to wait for an event; events normally arrive within a few debounce periods
BROKEN_FILE = "evidence/2015-06-26-broken.yaml"
BROKEN_EVIDENCE = NEW_EVIDENCE.replace("second-walkout", "third-walkout").replace("reported:", "reportd:")
FIXED_EVIDENCE = NEW_EVIDENCE.replace("second-walkout", "third-walkout")
NOTIFY = {"force_polling": False}  # OS notifications (inotify), whatever WATCHFILES_FORCE_POLLING says
POLLING = {"force_polling": True, "poll_delay_ms": 20}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the repository's DPRK workspace."""
    return copy_dprk(tmp_path)


class Watching:
    """The watch loop in a thread, its events in a queue."""

    def __init__(self, root: Path, **options: object) -> None:
        self.events: queue.Queue[WatchEvent] = queue.Queue()
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(root, options), daemon=True)

    def _run(self, root: Path, options: dict[str, object]) -> None:
        try:
            watch(root, self.events.put, self.stop, 20, **options)  # type: ignore[arg-type]
        except BaseException as exc:  # surfaced by the test, not lost in the thread
            self.errors.append(exc)

    def next(self) -> WatchEvent:
        try:
            return self.events.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"no update within {TIMEOUT} s (errors in the watcher: {self.errors})") from None


def later_mtime(path: Path) -> None:
    # The polling backend compares modification times to the second, so two saves of one file within a
    # second look like one; a test that saves twice in a row dates the second save as a later one.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


@pytest.fixture(params=["notify", "polling"])
def watching(request: pytest.FixtureRequest, workspace: Path) -> Iterator[Watching]:
    w = Watching(workspace, **(POLLING if request.param == "polling" else NOTIFY))
    w.thread.start()
    yield w
    w.stop.set()
    w.thread.join(timeout=TIMEOUT)
    assert not w.thread.is_alive(), "the watcher did not stop on its stop event"
    assert w.errors == []


def test_watch_updates_on_a_new_file_survives_a_broken_one_and_recovers(watching: Watching, workspace: Path) -> None:
    started = watching.next()  # the initial update, run once the watches are in place
    assert started.changes == () and started.ok and started.outcome is not None
    assert started.outcome.update.diff.first and started.outcome.recorded

    (workspace / NEW_FILE).write_text(NEW_EVIDENCE, encoding="utf-8")
    added = watching.next()
    assert added.changes == (FileEvent("added", NEW_FILE),)
    assert added.outcome is not None and added.outcome.recorded
    upd = added.outcome.update
    assert upd.diff.files.added == (NEW_FILE,)
    assert [d.item for d in upd.drivers["dprk-driver"]] == ["second-walkout"]

    (workspace / BROKEN_FILE).write_text(BROKEN_EVIDENCE, encoding="utf-8")
    broken = watching.next()
    assert not broken.ok and broken.changes == (FileEvent("added", BROKEN_FILE),)
    assert [f"{p.path}:{p.line}" for p in broken.problems] == [f"{BROKEN_FILE}:5"]
    assert "reportd" in broken.problems[0].message
    assert len(read_records(workspace / LEDGER_FILE).records) == 2  # nothing recorded for the broken state

    (workspace / BROKEN_FILE).write_text(FIXED_EVIDENCE, encoding="utf-8")
    later_mtime(workspace / BROKEN_FILE)
    fixed = watching.next()
    assert fixed.ok and fixed.changes == (FileEvent("modified", BROKEN_FILE),)
    assert fixed.outcome is not None and fixed.outcome.update.diff.files.added == (BROKEN_FILE,)
    assert [d.item for d in fixed.outcome.update.drivers["dprk-driver"]] == ["third-walkout"]
    assert len(read_records(workspace / LEDGER_FILE).records) == 3


def test_watch_ignores_files_that_are_not_workspace_inputs(watching: Watching, workspace: Path) -> None:
    watching.next()
    (workspace / "evidence" / "notes.txt").write_text("a note\n", encoding="utf-8")
    (workspace / "evidence" / ".draft.yaml").write_text("items: [\n", encoding="utf-8")
    (workspace / "evidence" / "draft.yaml~").write_text("items: [\n", encoding="utf-8")
    (workspace / "notes.yaml").write_text("outside the input folders\n", encoding="utf-8")
    (workspace / NEW_FILE).write_text(NEW_EVIDENCE, encoding="utf-8")
    event = watching.next()
    assert event.changes == (FileEvent("added", NEW_FILE),)  # only the input file triggered the update


def test_a_deleted_file_is_an_update_too(watching: Watching, workspace: Path) -> None:
    watching.next()
    # The case's own evidence files are judged in analysts/lead.yaml (deleting one would be an unknown-item
    # error), so the deleted file is one the test adds and the watcher records first.
    (workspace / NEW_FILE).write_text(NEW_EVIDENCE, encoding="utf-8")
    assert watching.next().changes == (FileEvent("added", NEW_FILE),)
    (workspace / NEW_FILE).unlink()
    event = watching.next()
    assert event.changes == (FileEvent("deleted", NEW_FILE),)
    assert event.outcome is not None
    assert [e.path for e in event.outcome.update.edited] == [NEW_FILE]


def test_max_updates_ends_the_loop(workspace: Path) -> None:
    seen: list[WatchEvent] = []
    assert watch(workspace, seen.append, debounce_ms=20, max_updates=1) == 1
    assert len(seen) == 1 and seen[0].ok


def test_watching_what_is_not_a_workspace_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        watch(tmp_path / "missing", lambda event: None, max_updates=1)
    with pytest.raises(UsageError, match="nothing to watch"):
        watch(tmp_path, lambda event: None, max_updates=1)


RUN_CLI = "import plausible.cli.evolution; from plausible.cli import app; app()"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT semantics")
def test_ctrl_c_stops_the_watch_command_cleanly_with_exit_0(workspace: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "watch", "-w", str(workspace), "--debounce", "20"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 20)  # the interpreter may start slowly under load
        assert ready, "the watch command printed nothing"
        assert "started" in process.stdout.readline()
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=TIMEOUT)
    finally:
        process.kill()
    assert process.returncode == 0, errors
    assert "Traceback" not in errors and "stopped watching" in errors


@pytest.mark.parametrize("options", [NOTIFY, POLLING], ids=["notify", "polling"])
def test_watch_follows_the_analysts_files(tmp_path: Path, options: dict[str, object]) -> None:
    """Editing an analyst's file changes the posterior: watch runs an update and says the file changed."""
    root = tmp_path / "ws"
    assert CliRunner().invoke(app, ["init", str(root)]).exit_code == 0
    w = Watching(root, **options)
    w.thread.start()
    try:
        assert w.next().ok
        sam = root / "analysts" / "sam.yaml"
        sam.write_text(sam.read_text(encoding="utf-8").replace("cyber-attack: 0.8", "cyber-attack: 0.5"),
                       encoding="utf-8")
        later_mtime(sam)
        event = w.next()
        assert event.changes == (FileEvent("modified", "analysts/sam.yaml"),)
        assert event.outcome is not None and event.outcome.recorded
        assert event.outcome.update.diff.files.modified == ("analysts/sam.yaml",)
        assert [(e.path, e.kind, e.loud) for e in event.outcome.update.edited] == [
            ("analysts/sam.yaml", "analyst", True)]
        assert "because an analyst's judgments or priors changed" in event.outcome.update.edited[0].message
    finally:
        w.stop.set()
        w.thread.join(timeout=TIMEOUT)
    assert not w.thread.is_alive() and w.errors == []


def test_every_input_folder_is_watched_and_documented(repo_root: Path) -> None:
    assert set(WATCHED_FOLDERS) == set(INPUT_FOLDERS) >= {"hypotheses", "evidence", "analysts", "models"}
    ledger_doc = (repo_root / "docs" / "ledger.md").read_text(encoding="utf-8")
    files_row = next(line for line in ledger_doc.splitlines() if line.startswith("| `files`"))
    watch_section = ledger_doc.split("## `plausible watch")[1].split("##")[0]
    for folder in INPUT_FOLDERS:
        assert f"`{folder}/`" in files_row and f"`{folder}/`" in watch_section, folder
