"""The HTML briefing in a real browser: headless Chromium loads it with no console message, and draws a page.

Needs Debian's ``chromium`` (``.ci/run`` installs it); without it the tests skip, saying so, except under CI
(``CI`` set), where a missing browser is a failure: the layout checks must run there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

import plausible
from plausible.briefing import build_briefing, render_html
from plausible.testing import synthetic_workspace
from tests.test_briefing_hostile import hostile_files

REPO = Path(__file__).parents[1]
CHROMIUM = os.environ.get("PLAUSIBLE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")

ON_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not ON_CI,
    reason="headless Chromium not found: install Debian's `chromium` package (apt-get install chromium) "
           "or set PLAUSIBLE_CHROMIUM to run the browser checks of the HTML briefing",
)


def load_in_chromium(page: Path, tmp_path: Path, height: int = 1600) -> tuple[np.ndarray, list[str]]:
    """Screenshot ``page`` at 1200 px wide; return the image and the browser's console lines."""
    assert CHROMIUM is not None, "CI is set but headless Chromium is not installed (apt-get install chromium)"
    shot = tmp_path / f"{page.stem}.png"
    profile = tmp_path / f"profile-{page.stem}"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", "--hide-scrollbars", f"--screenshot={shot}",
         f"--window-size=1200,{height}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert shot.is_file(), f"Chromium made no screenshot (exit {done.returncode}):\n{done.stderr[-2000:]}"
    import matplotlib.image

    image = np.asarray(matplotlib.image.imread(shot))
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return image, console


def _check(image: np.ndarray, console: list[str]) -> None:
    assert console == [], "the page logged to the console:\n" + "\n".join(console)
    pixels = image[..., :3].reshape(-1, 3)
    assert image.shape[1] == 1200
    rgb = np.round(pixels * 255).astype(np.uint32)
    colours = np.unique((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).size
    assert colours > 50, f"the screenshot has {colours} colours: (nearly) blank"
    dark = (pixels.mean(axis=1) < 0.5).mean()
    assert 0.005 < dark < 0.5, f"{dark:.1%} dark pixels: text should be there, on a light page"


def test_the_dprk_briefing_loads_cleanly_in_chromium(tmp_path: Path) -> None:
    ws = plausible.load_workspace(REPO)
    page = tmp_path / "briefing.html"
    page.write_text(render_html(build_briefing(ws, ["dprk-driver"])), encoding="utf-8")
    _check(*load_in_chromium(page, tmp_path))


def test_a_hostile_briefing_runs_nothing_in_chromium(tmp_path: Path) -> None:
    # An injected script or handler would run (and log) or be refused by the page's policy (and log): either
    # way the console would say so.
    root = tmp_path / "ws"
    for relative, text in hostile_files().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    page = tmp_path / "hostile.html"
    page.write_text(render_html(build_briefing(plausible.load_workspace(root))), encoding="utf-8")
    _check(*load_in_chromium(page, tmp_path))


# --- layout: element bounds within the page, nothing clipped inside a figure --------------------------------------

PROBE = """<script>
(function () {
  const width = document.documentElement.clientWidth, found = [];
  if (document.documentElement.scrollWidth > width + 1)
    found.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + width);
  for (const el of document.querySelectorAll("body *:not(svg *):not(script)")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.left < -1 || r.right > width + 1)
      found.push("outside the page: <" + el.tagName.toLowerCase() + " class='" + el.className + "'> " +
                 Math.round(r.left) + ".." + Math.round(r.right));
  }
  for (const svg of document.querySelectorAll("svg")) {
    const b = svg.getBoundingClientRect();
    for (const g of svg.querySelectorAll("g[id]")) {
      const r = g.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1)
        found.push("clipped in " + svg.getAttribute("aria-labelledby").split(" ")[0] + ": " + g.id);
    }
  }
  const out = document.createElement("pre");
  out.id = "layout-probe";
  out.textContent = JSON.stringify({found: found, figures: document.querySelectorAll("svg").length});
  document.body.appendChild(out);
})();
</script>"""


def layout_problems(html: str, tmp_path: Path, name: str) -> dict[str, object]:
    """Load a copy of the page with a probe script (the page itself runs none) and return what it found."""
    assert CHROMIUM is not None, "CI is set but headless Chromium is not installed (apt-get install chromium)"
    probed = html.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';", 1)
    probed = probed.replace("</body>", PROBE + "</body>", 1)
    page = tmp_path / f"{name}.html"
    page.write_text(probed, encoding="utf-8")
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / ('profile-' + name)}", "--window-size=1200,1600", "--dump-dom",
         page.resolve().as_uri()],
        capture_output=True, text=True, timeout=180, check=False,
    )
    start = done.stdout.find('<pre id="layout-probe">')
    assert start >= 0, f"the probe did not run (exit {done.returncode}):\n{done.stderr[-2000:]}"
    body = done.stdout[start + len('<pre id="layout-probe">'):done.stdout.index("</pre>", start)]
    result: dict[str, object] = json.loads(body.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
                                           .replace("&amp;", "&"))
    return result


@pytest.mark.parametrize("hypotheses", [2, 50])
def test_briefings_of_2_to_50_hypotheses_fit_the_page_with_no_warning(tmp_path: Path, hypotheses: int) -> None:
    root = synthetic_workspace(tmp_path / "ws", 3, n_hypotheses=hypotheses, n_items=10, n_sources=5)
    (root / "workspace.yaml").write_text("title: Layout check\nclassification: OFFICIAL\nhandling: [TEST ONLY]\n",
                                         encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html = render_html(build_briefing(plausible.load_workspace(root)))
    assert [str(w.message) for w in caught] == []  # no matplotlib UserWarning (or any other) leaks
    result = layout_problems(html, tmp_path, f"k{hypotheses}")
    assert result["figures"] == 4
    assert result["found"] == [], "\n".join(map(str, result["found"]))  # type: ignore[arg-type]
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    _check(*load_in_chromium(page, tmp_path))


def test_the_probe_finds_a_clipped_legend_and_a_wide_element(tmp_path: Path) -> None:
    # The check above can fail: a legend drawn outside its figure and a table wider than the page are found.
    html = render_html(build_briefing(plausible.load_workspace(synthetic_workspace(tmp_path / "ws", 3))))
    clipped = html.replace('<g id="legend_1">', '<g id="legend_1" transform="translate(2000 0)">', 1)
    wide = clipped.replace('<table class="hypotheses">', '<table class="hypotheses" style="width:3000px">', 1)
    assert clipped != html and wide != clipped
    found = layout_problems(wide, tmp_path, "broken")["found"]
    assert any("legend_1" in str(f) for f in found)  # type: ignore[union-attr]
    assert any("outside the page: <table" in str(f) for f in found)  # type: ignore[union-attr]
