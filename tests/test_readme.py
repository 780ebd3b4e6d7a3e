"""The README's promises: it starts with exactly two commands, and the first one works."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

import plausible


def readme(repo_root: Path) -> str:
    return (repo_root / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands(repo_root: Path) -> None:
    text = readme(repo_root)
    first_block = re.search(r"```\n(.*?)```", text, re.S)
    assert first_block is not None
    assert text.index("```") < text.index("\n## "), "the commands come before any section"
    assert first_block.group(1).splitlines() == ["./run posterior dprk-driver", "./run test"]


@pytest.mark.skipif(os.name != "posix", reason="./run is a bash script")
def test_first_command_runs_the_main_job(repo_root: Path) -> None:
    # Through the script itself, as a newcomer would (it reuses the installed .venv here).
    out = subprocess.run(["bash", str(repo_root / "run"), "posterior", "dprk-driver", "--json"], cwd=repo_root,
                         capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["set"] == "dprk-driver"
    expected = plausible.load_workspace(repo_root).posterior("dprk-driver").probabilities
    assert {h["id"]: h["probability"] for h in result["hypotheses"]} == pytest.approx(expected, abs=1e-12)


def test_documented_commands_exist(repo_root: Path) -> None:
    from typer.testing import CliRunner

    from plausible.cli import app

    for name in re.findall(r"\| `plausible (\w+)", readme(repo_root)):
        assert CliRunner().invoke(app, [name, "--help"]).exit_code == 0, name


def test_briefing_excerpt_is_what_the_briefing_says(repo_root: Path) -> None:
    from typer.testing import CliRunner

    from plausible.cli import app

    text = readme(repo_root)
    excerpt = text.split("<!-- briefing-excerpt:start -->\n")[1].split("\n<!-- briefing-excerpt:end -->")[0]
    out = CliRunner().invoke(app, ["brief", "dprk-driver", "-w", str(repo_root)])
    assert out.exit_code == 0, out.output
    section = out.stdout.split("## Bottom line\n")[1].split("\n## ")[0].strip("\n")
    quoted = "\n".join(f"> {line}" if line else ">" for line in section.splitlines())
    assert excerpt == quoted, "regenerate the README excerpt from `plausible brief dprk-driver`"
