"""docs/dprk-case.md states the case's current answer as the tool computes it (like the README excerpt).

To regenerate the block after a change to the case:
``PYTHONPATH=src python -c "import tests.test_dprk_case as t; t.regenerate()"``.
"""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from plausible.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "dprk-case.md"
START, END = "<!-- dprk-answer:start -->\n", "<!-- dprk-answer:end -->"


def answer_block(root: Path = ROOT) -> str:
    """The bottom line of each set's briefing, quoted, under the set's id."""
    parts: list[str] = []
    for set_id in ("dprk-driver", "dprk-openness"):
        out = CliRunner().invoke(app, ["brief", set_id, "-w", str(root)])
        assert out.exit_code == 0, out.output
        section = out.stdout.split("## Bottom line\n")[1].split("\n## ")[0].strip("\n")
        quoted = "\n".join(f"> {line}" if line else ">" for line in section.splitlines())
        parts.append(f"`{set_id}`:\n\n{quoted}\n")
    return "\n".join(parts)


def regenerate() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START)
    DOC.write_text(head + START + answer_block() + rest[rest.index(END):], encoding="utf-8")


def test_the_case_document_states_the_current_answer() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text.split(START)[1].split(END)[0]
    assert block == answer_block(), "regenerate the answer in docs/dprk-case.md (see this test's docstring)"


def test_the_case_document_walks_through_every_defect() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## The seven defects")[1].split("\n## ")[0]
    for n in range(1, 8):
        assert f"\n{n}. **" in section, f"defect {n} is not discussed"
