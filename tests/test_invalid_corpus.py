"""The committed corpus of broken workspaces: each must fail with exit 2 and the messages it lists.

Layout: ``tests/data/invalid/<case>/workspace/`` is a workspace; ``expected.txt`` lists lines (one per line)
each of which must appear verbatim in the output of ``plausible validate``; an optional ``args.txt`` holds
extra arguments (e.g. ``--max-file-size 2000``).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plausible.cli import app

CORPUS = Path(__file__).parent / "data" / "invalid"
TODAY = "2026-01-01"
"""The corpus's today (``PLAUSIBLE_TODAY``), so that messages naming today do not change with the calendar."""
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_workspace_is_reported(case: Path) -> None:
    expected = [line for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert expected, "a case must say which messages it produces"
    args_file = case / "args.txt"
    extra = shlex.split(args_file.read_text(encoding="utf-8")) if args_file.exists() else []
    result = CliRunner(env={"PLAUSIBLE_TODAY": TODAY}).invoke(app, ["validate", "-w", str(case / "workspace"), *extra])
    output = result.output
    assert result.exit_code == 2, output
    assert "Traceback" not in output
    for line in expected:
        assert line in output, f"missing {line!r} in:\n{output}"
    # One mistake, one message: no follow-on noise beyond the problems the case plants.
    reported = [line for line in output.splitlines() if line.strip() and "found; nothing was changed" not in line]
    assert len(reported) == len(expected), f"expected {len(expected)} messages, got:\n{output}"
