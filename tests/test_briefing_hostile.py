"""Hostile evidence text renders inert: HTML and Markdown injection in titles, summaries, quotes, source names,
questions and indicators shows up as the text it is, in both formats."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import plausible
from plausible.briefing import build_briefing, render_html, render_markdown

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
LINK = "[x](javascript:alert(1))"
BOLD = "**bold** | broken | table"
MIXED = "<!-- c --> &amp; `code` ~~strike~~ $x$ _em_ <b>b</b> ![i](x.png) <https://evil.example>"
MULTILINE = "first line\n\n# A heading\n\n- a list\n| a | table |\n<script>alert(2)</script>\n"


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(text)


def hostile_files() -> dict[str, str]:
    return {
        "hypotheses/q.yaml": (
            f"question: {q(SCRIPT + ' ' + LINK + ' ' + BOLD)}\n"
            f"description: {q(IMG)}\n"
            "hypotheses:\n"
            f"  - {{id: a, title: {q(SCRIPT)}, prior: 0.4}}\n"
            f"  - {{id: b, title: {q(IMG + ' ' + BOLD)}, prior: 0.3}}\n"
            f"  - {{id: c, title: {q(LINK + ' ' + MIXED)}, catch_all: true, prior: 0.3}}\n"
            "indicators:\n"
            f"  - {{id: ind, text: {q(IMG + LINK + BOLD)}, likelihoods: {{a: 0.7, b: 0.2, c: 0.4}}}}\n"
        ),
        "evidence/sources.yaml": (
            "sources:\n"
            f"  - {{id: s1, name: {q(SCRIPT + BOLD)}, reliability: B}}\n"
            f"  - {{id: s2, name: {q(IMG + LINK)}, reliability: C}}\n"
        ),
        "evidence/e.yaml": (
            "items:\n"
            f"  - {{id: r1, summary: {q(SCRIPT + ' ' + MIXED)}, source: s1, reported: 2020-01-01, credibility: 2,"
            f" quote: {q(IMG)}, url: {q('javascript:alert(1)')}, likelihoods: {{q: {{a: 0.8, b: 0.2, c: 0.4}}}}}}\n"
            f"  - {{id: r2, summary: {q(MULTILINE)}, source: s2, reported: 2020-01-02,"
            f" quote: {q(LINK + BOLD)}, url: {q('https://example.org/a?b=1&c=\"><script>alert(3)</script>')},"
            " likelihoods: {q: {a: 0.3, b: 0.7, c: 0.5}}}\n"
            f"  - {{id: r3, summary: {q(IMG + ' ' + LINK)}, source: s1, reported: 2020-01-03, quote: {q(MULTILINE)},"
            " likelihoods: {q: {a: 0.75, b: 0.4, c: 0.3}}}\n"
        ),
    }


@pytest.fixture(scope="module")
def hostile_briefing(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("hostile")
    for relative, text in hostile_files().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return build_briefing(plausible.load_workspace(root))


class Dom(HTMLParser):
    """Every element and attribute the browser would build."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_text_is_inert_in_html(hostile_briefing) -> None:  # type: ignore[no-untyped-def]
    page = render_html(hostile_briefing)
    dom = Dom()
    dom.feed(page)
    assert {"script", "img", "iframe", "object", "embed", "b"} & set(dom.tags) == set()
    assert [a for a in dom.attributes if a[1].lower().startswith("on")] == []
    for tag, name, value in dom.attributes:
        if name in ("href", "xlink:href", "src", "action"):
            assert value.startswith("#") or re.match(r"https?://", value), (tag, name, value)
    assert "<script" not in page.lower()
    assert not re.search(r"<[^>]*\son\w+\s*=", page)  # no event handler inside any tag
    # the text is all there, as text
    text = "".join(dom.text)
    for needle in (SCRIPT, LINK, "**bold** | broken | table", "alert(1)"):
        assert needle in text or needle in html.unescape(page), needle
    # the one safe link: the https URL, percent-encoded so it cannot close its attribute
    links = [v for t, n, v in dom.attributes if t == "a" and n == "href"]
    assert links and all("<" not in v and '"' not in v and " " not in v for v in links)


def _render_markdown(text: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    return str(markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(text))


def test_hostile_text_is_inert_in_markdown(hostile_briefing) -> None:  # type: ignore[no-untyped-def]
    text = render_markdown(hostile_briefing).text
    assert "<script" not in text.lower() and "<img" not in text.lower() and "<b>" not in text
    rendered = _render_markdown(text)  # a CommonMark renderer that passes raw HTML through
    lowered = rendered.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<b>" not in lowered and "<!--" not in rendered
    assert 'href="javascript' not in lowered
    links = re.findall(r"<a ([^>]*)>", rendered)
    assert links == ['href="https://example.org/a?b=1&amp;c=%22%3E%3Cscript%3Ealert%283%29%3C/script%3E"']
    assert "<strong>bold</strong>" not in rendered and "<em>em</em>" not in rendered
    assert "<code>code</code>" not in rendered and "<del>" not in rendered
    assert rendered.count("<h1>") == 1  # the title; the hostile "# A heading" stayed in its paragraph
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered  # shown, as text
    assert "[x](javascript:alert(1))" in html.unescape(rendered)


def test_hostile_pipes_do_not_break_markdown_tables(hostile_briefing) -> None:  # type: ignore[no-untyped-def]
    text = render_markdown(hostile_briefing).text
    lines = text.splitlines()
    tables = 0
    for i, line in enumerate(lines):
        if line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-:|]+\|$", lines[i + 1]):
            tables += 1
            width = len(re.split(r"(?<!\\)\|", line))
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                assert len(re.split(r"(?<!\\)\|", row)) == width, row
    assert tables >= 3
    rendered = _render_markdown(text)
    for table in re.findall(r"<table>.*?</table>", rendered, re.S):
        head = len(re.findall(r"<th[ >]", table.split("</thead>")[0]))
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S):
            assert len(re.findall(r"<td", row)) == head


def test_markdown_figures_alt_text_is_escaped(hostile_briefing, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rendered = render_markdown(hostile_briefing, figures="b-figures")
    images = re.findall(r"!\[(.*?)\]\(<([^>]+)>\)$", rendered.text, re.M)
    assert len(images) == 4
    for alt, path in images:
        assert path in rendered.files
        assert "<" not in alt and not re.search(r"(?<!\\)[\[\]]", alt)
    html_out = _render_markdown(rendered.text)
    assert html_out.count("<img") == 4  # only the four figures
    assert all(src.startswith("b-figures/") for src in re.findall(r'<img src="([^"]+)"', html_out))
