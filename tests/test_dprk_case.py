"""docs/dprk-case.md states the case's current answer as the tool computes it (like the README excerpt).

Generated blocks: each analyst's posterior beside the lead alone and the pool, the briefing's bottom lines,
and the second analyst's instructions quoted from their files. To regenerate them after a change to the case:
``PYTHONPATH=src python -c "import tests.test_dprk_case as t; t.regenerate()"``.
"""
from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plausible import Workspace, load_workspace
from plausible.cli import app
from plausible.core.display import percent

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "dprk-case.md"
PACKET = ROOT / "docs" / "dprk" / "packet.py"
INSTRUCTIONS = ROOT / "docs" / "dprk" / "blind-instructions.md"
SETS = ("dprk-driver", "dprk-openness")


def lead_alone(root: Path, target: Path) -> Workspace:
    """The case in ``root`` with its lead analyst only (the other analysts' files left out), copied to ``target``."""
    for name in ("hypotheses", "evidence", "models"):
        if (root / name).is_dir():
            shutil.copytree(root / name, target / name)
    (target / "analysts").mkdir(parents=True)
    shutil.copy2(root / "analysts" / "lead.yaml", target / "analysts" / "lead.yaml")
    return load_workspace(target)


def views_block(root: Path = ROOT) -> str:
    """Per set: the lead alone, each analyst's view, and the pool, as a Markdown table (leaders in bold)."""
    ws = load_workspace(root)
    with tempfile.TemporaryDirectory() as tmp:
        lead = lead_alone(root, Path(tmp) / "lead")
        alone = {s: lead.posterior(s) for s in SETS}
    parts: list[str] = []
    for set_id in SETS:
        columns = [("lead alone", alone[set_id])]
        analysts = sorted(ws.analysts, key=lambda a: (a != "lead", a))  # the lead first
        columns += [(f"{a}'s view", ws.view_of(a).posterior(set_id)) for a in analysts]
        columns.append(("pooled", ws.posterior(set_id)))
        pooled = columns[-1][1].probabilities
        lines = [f"`{set_id}` | " + " | ".join(name for name, _ in columns),
                 "---|" + "|".join("---:" for _ in columns),
                 "reports | " + " | ".join(str(len(post.item_ids)) for _, post in columns)]
        for h in sorted(pooled, key=lambda h: -pooled[h]):
            cells = []
            for _, post in columns:
                p = post.probabilities
                cells.append(f"**{percent(p[h])}**" if p[h] == max(p.values()) else percent(p[h]))
            lines.append(f"{h} | " + " | ".join(cells))
        parts.append("\n".join(f"| {line} |" for line in lines) + "\n")
    return "\n".join(parts)


def answer_block(root: Path = ROOT) -> str:
    """The bottom line of each set's briefing, quoted, under the set's id."""
    parts: list[str] = []
    for set_id in SETS:
        out = CliRunner().invoke(app, ["brief", set_id, "-w", str(root)])
        assert out.exit_code == 0, out.output
        section = out.stdout.split("## Bottom line\n")[1].split("\n## ")[0].strip("\n")
        quoted = "\n".join(f"> {line}" if line else ">" for line in section.splitlines())
        parts.append(f"`{set_id}`:\n\n{quoted}\n")
    return "\n".join(parts)


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.strip("\n").splitlines()) + "\n"


def instructions_block() -> str:
    """The second analyst's instructions, quoted verbatim: the instructions file's text and the packet's opening."""
    spec = importlib.util.spec_from_file_location("dprk_packet", PACKET)
    assert spec is not None and spec.loader is not None
    packet = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(packet)
    given = INSTRUCTIONS.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    opening = packet.INSTRUCTIONS.removesuffix("---\n")
    return ("The instructions file (`docs/dprk/blind-instructions.md`, below its header):\n\n" + _quoted(given)
            + "\nThe packet's own opening (`INSTRUCTIONS` in `docs/dprk/packet.py`):\n\n" + _quoted(opening))


BLOCKS: dict[str, Callable[[], str]] = {"dprk-views": views_block, "dprk-answer": answer_block,
                                        "dprk-instructions": instructions_block}
"""The generated blocks of the note, each between ``<!-- name:start -->`` and ``<!-- name:end -->``."""


def _block(text: str, name: str) -> str:
    return text.split(f"<!-- {name}:start -->\n")[1].split(f"<!-- {name}:end -->")[0]


def regenerate() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, build in BLOCKS.items():
        start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
        head, rest = text.split(start)
        text = head + start + build() + rest[rest.index(end):]
    DOC.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("name", list(BLOCKS))
def test_the_case_document_states_what_the_tool_and_the_files_say(name: str) -> None:
    block = _block(DOC.read_text(encoding="utf-8"), name)
    assert block == BLOCKS[name](), f"regenerate {name} in docs/dprk-case.md (see this test's docstring)"


def test_the_lead_alone_is_the_lead_view_where_the_lead_judged_every_item(tmp_path: Path) -> None:
    """The note's claim: the lead's view of dprk-driver is the case without the second analyst, and in
    dprk-openness it differs only by the items that the second analyst alone judged there."""
    ws = load_workspace(ROOT)
    assert sorted(ws.analysts) == ["kai", "lead"]
    alone = lead_alone(ROOT, tmp_path / "alone")
    view = ws.view_of("lead")
    driver = alone.posterior("dprk-driver")
    assert view.posterior("dprk-driver").probabilities == pytest.approx(driver.probabilities, abs=1e-12)
    assert ws.view_of("kai").posterior("dprk-driver").probabilities != pytest.approx(driver.probabilities)
    only_kai = {item.id for item in ws.items_for("dprk-openness") if set(item.judged["dprk-openness"]) == {"kai"}}
    assert set(view.posterior("dprk-openness").item_ids) - set(alone.posterior("dprk-openness").item_ids) == only_kai
    assert only_kai  # so the openness views differ, and this is why
    narrowed = replace(view, items=[item for item in view.items if item.id not in only_kai])
    openness = alone.posterior("dprk-openness")
    assert narrowed.posterior("dprk-openness").probabilities == pytest.approx(openness.probabilities, abs=1e-12)
    assert view.posterior("dprk-openness").probabilities != pytest.approx(openness.probabilities)


def test_the_case_document_walks_through_every_defect() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## The seven defects")[1].split("\n## ")[0]
    for n in range(1, 8):
        assert f"\n{n}. **" in section, f"defect {n} is not discussed"
