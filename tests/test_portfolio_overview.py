"""The portfolio overview: moves read from the store's own history, escaping, and the page in headless Chromium."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from plausible.cli import app
from plausible.portfolio.overview import FILTER_SCRIPT, overview_rows, render_overview_html, render_overview_markdown
from plausible.portfolio.store import Store
from tests.test_briefing_browser import CHROMIUM, _check, load_in_chromium

HOSTILE = '<script>alert(1)</script> [x](javascript:alert(1)) | **b** " onmouseover="alert(2)'
T0 = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)


def _rows(workspace: str, set_id: str, probabilities: dict[str, float], run: str, at: dt.datetime,
          question: str = "Who?", **extra: Any) -> list[dict[str, Any]]:
    return [{"workspace": workspace, "set": set_id, "hypothesis": h, "probability": p, "method": "exact",
             "inputs_hash": f"{run}-{set_id}", "tool_version": "0", "run_id": run, "computed_at": at,
             "question": question, "term": "likely", "evidence": 3, "confidence": "low",
             "confidence_criteria": '[{"name": "amount of evidence", "rating": "weak", "detail": "3 reports"}]',
             **extra} for h, p in probabilities.items()]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Three sets over three runs: a moved a little, b changed leader, c is new, d was not recomputed."""
    store = Store(tmp_path / "out")
    t1, t2 = T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2)
    store.write_batch("r0", 0, [*_rows("/w1", "a", {"x": 0.6, "y": 0.4}, "r0", T0),
                                *_rows("/w1", "b", {"x": 0.7, "y": 0.3}, "r0", T0),
                                *_rows("/w2", "d", {"x": 0.9, "y": 0.1}, "r0", T0)])
    store.write_batch("r1", 0, [*_rows("/w1", "a", {"x": 0.5, "y": 0.5}, "r1", t1),
                                *_rows("/w1", "b", {"x": 0.6, "y": 0.4}, "r1", t1)])
    store.write_batch("r2", 0, [*_rows("/w1", "a", {"x": 0.55, "y": 0.45}, "r2", t2),
                                *_rows("/w1", "b", {"x": 0.2, "y": 0.8}, "r2", t2, leader_share=0.7, flip_steps=2),
                                *_rows("/w2", "c", {"x": 0.3, "y": 0.7}, "r2", t2, question=HOSTILE)])
    return store


def test_moves_come_from_each_sets_previous_result_largest_first(store: Store) -> None:
    rows = overview_rows(store)
    assert [(r.workspace, r.set_id) for r in rows] == [("/w1", "b"), ("/w1", "a"), ("/w2", "c"), ("/w2", "d")]
    b, a, c, d = rows
    assert (b.leader, b.previous_leader, b.change) == ("y", "x", pytest.approx(0.8 - 0.4))  # y: 0.4 → 0.8
    assert (b.leader_share, b.flip_steps) == (0.7, 2)
    assert (a.leader, a.previous_leader, a.change) == ("x", None, pytest.approx(0.05))  # r1 → r2, not r0 → r2
    assert c.change is None and d.change is None  # one result each: nothing to compare with
    assert d.computed_at == T0 and c.criteria == [{"name": "amount of evidence", "rating": "weak",
                                                   "detail": "3 reports"}]


def test_the_page_escapes_analyst_text_and_allows_only_its_own_script(store: Store) -> None:
    page = render_overview_html(overview_rows(store), generated=T0, version="0.1.0")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'onmouseover="alert' not in page
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert scripts == [FILTER_SCRIPT]
    digest = base64.b64encode(hashlib.sha256(FILTER_SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page and "default-src 'none'" in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing external
    assert page.index("/w1 · b") < page.index("/w1 · a") < page.index("/w2 · c")
    assert "was y" not in page and "was x" in page and "+40.0 pts" in page


def test_the_markdown_escapes_analyst_text(store: Store) -> None:
    text = render_overview_markdown(overview_rows(store), generated=T0, version="0.1.0")
    line = next(t for t in text.splitlines() if "alert(1)" in t)
    assert "<script>" not in line and r"\[x\]" in line and r"\*\*b\*\*" in line
    assert {len(re.findall(r"(?<!\\)\|", t)) for t in text.splitlines() if t.startswith("|")} == {9}  # 8 cells
    assert "| −40.0" not in text and "+40.0 pts, was x" in text and "new" in text


def test_the_brief_command_writes_html_markdown_and_json(store: Store, tmp_path: Path,
                                                        described_json_keys) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    done = runner.invoke(app, ["portfolio", "brief", str(store.folder), "-o", str(tmp_path / "o.html")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "o.html").read_text().startswith("<!DOCTYPE html>")
    done = runner.invoke(app, ["portfolio", "brief", str(store.folder), "-o", str(tmp_path / "o.md")])
    assert (tmp_path / "o.md").read_text().startswith("# Portfolio overview: 4 questions")
    done = runner.invoke(app, ["portfolio", "brief", str(store.folder), "--json"])
    assert [s["set"] for s in __import__("json").loads(done.stdout)["sets"]] == ["b", "a", "c", "d"]
    assert {key for s in __import__("json").loads(done.stdout)["sets"] for key in s} == described_json_keys(
        "portfolio brief")  # as docs/cli.md says
    done = runner.invoke(app, ["portfolio", "brief", str(tmp_path / "empty")])
    assert done.exit_code == 2 and "no portfolio results" in done.stderr
    done = runner.invoke(app, ["portfolio", "brief", str(store.folder), "-o", str(tmp_path / "o.pdf")])
    assert done.exit_code == 2 and ".html or .md" in done.stderr


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not found (see tests/test_briefing_browser.py)")
def test_the_overview_renders_and_filters_in_chromium(store: Store, tmp_path: Path) -> None:
    page = tmp_path / "overview.html"
    page.write_text(render_overview_html(overview_rows(store), generated=T0, version="0.1.0"), encoding="utf-8")
    _check(*load_in_chromium(page, tmp_path, height=900))  # draws a page; nothing logged, nothing refused
    assert CHROMIUM is not None

    def shown(fragment: str) -> list[str]:
        done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                               f"--user-data-dir={tmp_path / 'profile-dom'}", "--dump-dom",
                               page.resolve().as_uri() + fragment], capture_output=True, text=True, timeout=120,
                              check=False)
        visible = re.findall(r'<tr data-search="([^"]*)"(?![^>]*hidden)[^>]*>', done.stdout)
        assert re.search(rf'id="shown">{len(visible)}<', done.stdout), done.stdout[-500:]
        return [v.split(" ")[1] for v in visible]

    assert shown("") == ["b", "a", "c", "d"]
    assert shown("#q=w2") == ["c", "d"]
    assert shown("#q=w1&moved=1") == ["b", "a"]
    assert shown("#q=script%20alert") == ["c"]
    assert shown("#confidence=high") == []
