"""Evidence is append-only, enforced on every command: a recorded file that was changed or deleted warns on
every run until it is restored, and ``validate --strict`` fails on it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plausible.cli import app
from tests.test_ledger import copy_dprk

REPO = Path(__file__).resolve().parents[1]
FILE = "evidence/2015-06-17-drought.yaml"


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the repository's DPRK workspace."""
    return copy_dprk(tmp_path)


def warned(root: Path, *command: str) -> list[str]:
    done = invoke(*command, "-w", str(root))
    assert done.exit_code == 0, done.output
    return [line for line in done.stderr.splitlines() if "append-only" in line]


def test_an_edited_recorded_file_warns_on_every_command_until_restored(workspace: Path) -> None:
    assert invoke("update", "-w", str(workspace)).exit_code == 0  # records every file
    path = workspace / FILE
    original = path.read_bytes()
    path.write_bytes(original.replace(b"food-aid: very likely", b"food-aid: almost certain"))
    for command in (["validate"], ["posterior", "dprk-driver"], ["sets"], ["history", "dprk-driver"],
                    ["analyze", "dprk-driver"], ["brief", "dprk-driver"], ["posterior", "dprk-driver"]):
        lines = warned(workspace, *command)
        assert len(lines) == 1 and lines[0].startswith(f"warning: {FILE}: this evidence file was changed after"), (
            command, lines)
    strict = invoke("validate", "--strict", "-w", str(workspace))
    assert strict.exit_code == 2 and FILE in strict.stderr
    assert invoke("update", "-w", str(workspace)).exit_code == 0  # recording the edit does not bless it
    assert len(warned(workspace, "posterior", "dprk-driver")) == 1
    path.write_bytes(original)  # restoring silences it, on every command, without a second warning
    assert warned(workspace, "posterior", "dprk-driver") == [] and warned(workspace, "validate") == []
    assert invoke("validate", "--strict", "-w", str(workspace)).exit_code == 0


EXTRA = "evidence/2015-07-01-extra.yaml"
EXTRA_TEXT = """items:
  - id: extra-report
    summary: A report that no analyst's file judges, so its file can be deleted and the workspace still loads.
    source: kcna
    reported: 2015-07-01
    likelihoods:
      dprk-openness: {genuine-opening: 0.4, tactical-outreach: 0.5, no-change: 0.5}
"""


def test_a_deleted_recorded_file_warns_until_restored_and_the_registry_may_change(workspace: Path) -> None:
    # (The case's own files are judged in analysts/lead.yaml, so deleting one would be an unknown-item error:
    # the deleted file here is one the test adds.)
    (workspace / EXTRA).write_text(EXTRA_TEXT, encoding="utf-8")
    assert invoke("update", "-w", str(workspace)).exit_code == 0
    kept = (workspace / EXTRA).read_bytes()
    (workspace / EXTRA).unlink()
    registry = workspace / "evidence/sources.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + "  - {id: new-one, name: New, reliability: C}\n",
                        encoding="utf-8")
    lines = warned(workspace, "posterior", "dprk-driver")
    assert len(lines) == 1 and "2015-07-01-extra.yaml: this evidence file was recorded" in lines[0]
    assert "deleted" in lines[0]
    (workspace / EXTRA).write_bytes(kept)
    assert warned(workspace, "posterior", "dprk-driver") == []


def test_a_file_committed_in_git_is_recorded_too(workspace: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    repo = workspace.parent  # the workspace sits in a subfolder of the repository

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q")
    assert warned(workspace, "posterior", "dprk-driver") == []  # a repository without a commit records nothing
    git("add", "-A")
    git("commit", "-q", "-m", "evidence")
    path = workspace / FILE
    original = path.read_bytes()
    path.write_bytes(original + b"# an edit\n")
    lines = warned(workspace, "posterior", "dprk-driver")
    assert len(lines) == 1 and f"{FILE}: this evidence file is committed in git" in lines[0]
    git("add", "-A")  # staged is still not committed
    assert len(warned(workspace, "posterior", "dprk-driver")) == 1
    git("reset", "-q")
    path.write_bytes(original)
    assert warned(workspace, "posterior", "dprk-driver") == []
    new = workspace / "evidence/2015-06-25-new.yaml"  # appending a new file is what evidence is for
    new.write_text("items: []\n", encoding="utf-8")
    assert warned(workspace, "validate") == []
