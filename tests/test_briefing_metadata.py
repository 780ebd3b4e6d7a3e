"""What a briefing carries besides its numbers: the workspace's metadata and classification banner, names in
place of ids, grades in words, a broken exercise refused, and figure layouts that hold from 2 to 50 hypotheses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import plausible
import plausible.cli.briefing  # registers the brief command
from plausible.analysis import analyze
from plausible.briefing import build_briefing, render_html, render_markdown
from plausible.briefing.formatting import md_escape, truncate
from plausible.cli import app
from plausible.model.schema import json_schemas
from plausible.testing import synthetic_workspace

FILES = {
    "hypotheses/q.yaml": "question: Who ordered the outage?\nexhaustive: true\nhypotheses:\n"
                         "  - {id: a, title: The state agency}\n  - {id: b, title: A criminal group}\n",
    "evidence/sources.yaml": "sources:\n"
                             "  - {id: kcna, name: Korean Central News Agency (KCNA), reliability: A}\n"
                             "  - {id: wire, name: A wire service, reliability: {alpha: 4, beta: 6}}\n",
    "evidence/e.yaml": "items:\n"
                       "  - {id: r1, summary: The agency claims the operation, source: kcna, reported: 2020-01-02, "
                       "credibility: 2, likelihoods: {q: {a: 0.9, b: 0.1}}}\n"
                       "  - {id: r2, summary: A forum post blames a gang, source: wire, reported: 2020-01-03, "
                       "likelihoods: {q: {a: 0.45, b: 0.55}}}\n",
}
META = ("title: Outage watch\nauthor: J. Analyst\norganisation: Grid Security Cell\n"
        "classification: OFFICIAL-SENSITIVE\nhandling: [NOT FOR RELEASE, \"</style><b>x</b>\"]\n")


def invoke(*args: str) -> Any:
    return CliRunner(env={"COLUMNS": "160"}).invoke(app, list(args))


@pytest.fixture
def root(write_workspace) -> Path:  # type: ignore[no-untyped-def]
    return write_workspace({**FILES, "workspace.yaml": META})


def test_metadata_and_the_banner_in_both_formats(root: Path) -> None:
    briefing = build_briefing(plausible.load_workspace(root))
    banner = "OFFICIAL-SENSITIVE // NOT FOR RELEASE // </style><b>x</b>"
    assert briefing.banner == banner
    md = render_markdown(briefing).text
    lines = md.strip().splitlines()
    assert lines[0] == lines[-1] == f"**{md_escape(banner)}**"  # top and bottom
    for text in ("Outage watch", "Prepared by J. Analyst, Grid Security Cell", f"Produced {briefing.produced}"):
        assert text in md
    page = render_html(briefing)
    body = page[page.index("<body>"):]
    top = body.index('class="banner banner-top"')
    bottom = body.index('class="banner banner-bottom"')
    assert top < body.index("<main>") < body.index("</main>") < bottom
    assert body.count("OFFICIAL-SENSITIVE // NOT FOR RELEASE // &lt;/style&gt;&lt;b&gt;x&lt;/b&gt;") == 2
    assert "<b>x</b>" not in page  # escaped everywhere, the print style's CSS string included
    # every printed page: the banner in the page's top and bottom margin boxes, as a CSS string nothing can end
    style = re.search(r"@page \{ @top-center \{ content: (\"[^\"]*\");.*?@bottom-center \{ content: (\"[^\"]*\")",
                      page, re.S)
    assert style and style.group(1) == style.group(2)
    decoded = re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), style.group(1)[1:-1])
    assert decoded == banner
    assert "Outage watch" in page and "Prepared by J. Analyst, Grid Security Cell" in page


def test_no_metadata_no_banner(write_workspace) -> None:  # type: ignore[no-untyped-def]
    briefing = build_briefing(plausible.load_workspace(write_workspace(FILES)))
    assert briefing.metadata is None and briefing.banner is None
    assert "banner" not in render_html(briefing).split("</style>", 1)[1]


def test_a_bad_workspace_yaml_fails_validate_and_brief_with_its_line(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace({**FILES, "workspace.yaml": "title: Outage watch\nclasification: SECRET\n"})
    for args in (("validate",), ("brief",)):
        result = invoke(*args, "-w", str(root))
        assert result.exit_code == 2, result.output
        assert "workspace.yaml:2:" in result.stderr and "clasification" in result.stderr
        assert "Traceback" not in result.output


def test_the_workspace_schema_is_exported() -> None:
    schema = json_schemas()["workspace"]
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"title", "author", "organisation", "classification", "handling"}
    assert all(p.get("description") for p in schema["properties"].values())
    result = invoke("schema")
    assert result.exit_code == 0 and "workspace" in json.loads(result.stdout)


def test_a_broken_exercise_fails_the_brief_with_exit_2(root: Path, tmp_path: Path) -> None:
    folder = root / "exercises" / "drill"
    folder.mkdir(parents=True)
    (folder / "exercise.yaml").write_text("title: Drill\nquestions:\n  - {id: q1, text: Q?, kind: binary, "
                                          "closes: 2020-02-01, bogus: 1}\n", encoding="utf-8")
    out = tmp_path / "out.md"
    result = invoke("brief", "-w", str(root), "-o", str(out))
    assert result.exit_code == 2, result.output
    assert re.search(r"exercises/drill/exercise\.yaml:\d+:", result.stderr), result.stderr
    assert not out.exists()  # nothing half-written


def test_the_confidence_statement_names_sources_and_grades_are_words(root: Path) -> None:
    ws = plausible.load_workspace(root)
    briefing = build_briefing(ws)
    md = render_markdown(briefing).text
    stress = analyze(ws, "q").sensitivity.source_stress
    post = ws.posterior("q")
    changing = [s for s, p in stress.items() if post.hypothesis_ids[int(np.argmax(p))] != post.leading]
    assert changing == ["kcna"]  # the independent truth: disbelieving KCNA alone changes the answer
    criterion = next(c for c in briefing.sets[0].confidence.criteria if c.name == "single sources")
    assert criterion.rating == "weak"
    assert criterion.detail.startswith("disbelieving Korean Central News Agency (KCNA) would change")
    assert "disbelieving any one of" not in md
    assert "completely reliable (A)" in md and "reliability 0.40, near not usually reliable (D)" in md
    assert "Beta(" not in md and "grade A" not in md
    assert "information probably true (2)" in md
    # names are whole: no source name cut with an open bracket
    assert md_escape("Korean Central News Agency (KCNA)") in md


def test_ids_stay_out_of_the_prose(root: Path) -> None:
    md = render_markdown(build_briefing(plausible.load_workspace(root))).text
    body, appendix = md.split("## Identifiers", 1)
    for item in ("r1", "r2"):
        assert not re.search(rf"\b{item}\b", body) and f"`{item}`" in appendix


@pytest.mark.parametrize("text", ["Korean Central News Agency (KCNA, state media of the DPRK)",
                                  "A (b (c d) e) f g h i j k l m n o", "x [y (z] w) v u t s r q p o n m"])
def test_truncation_never_leaves_a_bracket_open(text: str) -> None:
    for limit in range(4, len(text) + 2):
        cut = truncate(text, limit)
        assert len(cut) <= limit
        depth = 0
        for ch in cut:
            depth += {"(": 1, ")": -1}.get(ch, 0)
        assert depth <= 0 or cut == text, cut


# --- figures: colours and label collisions, drawn with matplotlib's own renderer --------------------------------


def _overlaps(boxes: list[Any]) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


@pytest.mark.parametrize("hypotheses", [2, 7, 20, 50])
def test_figures_hold_from_2_to_50_hypotheses(tmp_path: Path, hypotheses: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from plausible.briefing.plots import OTHERS, PALETTE, ach_figure, colours, trajectory_figure

    root = synthetic_workspace(tmp_path / "ws", 5, n_hypotheses=hypotheses, n_items=6, n_sources=3)
    sb = build_briefing(plausible.load_workspace(root), forecasts=False).sets[0]
    colour = colours(sb)
    coloured = [c for c in colour.values() if c != OTHERS]
    assert len(coloured) == len(set(coloured)) == min(hypotheses, len(PALETTE))  # never a colour twice

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ach_figure(sb)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    footer = [t.get_window_extent(renderer) for t in ax.texts[-hypotheses:]]
    columns = [t.get_window_extent(renderer) for t in ax.get_xticklabels()]
    assert _overlaps(footer) == [] and _overlaps(columns) == []
    frame = fig.bbox
    for box in [*footer, *columns]:
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1 and box.y0 >= frame.y0 - 1

    fig = trajectory_figure(sb)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    legend = fig.legends[0]
    box = legend.get_window_extent(canvas.get_renderer())
    assert fig.bbox.x0 - 1 <= box.x0 and box.x1 <= fig.bbox.x1 + 1 and box.y0 >= fig.bbox.y0 - 1
    names = [t.get_text() for t in legend.get_texts()]
    assert len(names) == min(hypotheses, len(PALETTE)) + (1 if hypotheses > len(PALETTE) else 0)
    if hypotheses > len(PALETTE):
        assert names[-1] == f"the other {hypotheses - len(PALETTE)} hypotheses"
    assert names[0] == truncate(sb.leader.title, 44)  # titles, most probable first, not ids


def test_the_collision_check_finds_overlapping_footer_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the upright labels and the widening (the old layout), 50 footer numbers collide: the check sees it.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from plausible.briefing import plots

    monkeypatch.setattr(plots, "ACH_COLUMN", 0.0)
    monkeypatch.setattr(plots, "ACH_UPRIGHT", 0.0)
    root = synthetic_workspace(tmp_path / "ws", 5, n_hypotheses=50, n_items=6, n_sources=3)
    sb = build_briefing(plausible.load_workspace(root), forecasts=False).sets[0]
    fig = plots.ach_figure(sb)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    footer = [t.get_window_extent(canvas.get_renderer()) for t in fig.axes[0].texts[-50:]]
    assert _overlaps(footer)
