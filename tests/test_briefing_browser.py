"""The HTML briefing in a real browser: headless Chromium loads it with no console message, and draws a page.

Needs Debian's ``chromium`` (``.ci/run`` installs it); without it the tests skip, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import plausible
from plausible.briefing import build_briefing, render_html
from tests.test_briefing_hostile import hostile_files

REPO = Path(__file__).parents[1]
CHROMIUM = os.environ.get("PLAUSIBLE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not found: install Debian's `chromium` package (apt-get install chromium) "
           "or set PLAUSIBLE_CHROMIUM to run the browser checks of the HTML briefing",
)


def load_in_chromium(page: Path, tmp_path: Path, height: int = 1600) -> tuple[np.ndarray, list[str]]:
    """Screenshot ``page`` at 1200 px wide; return the image and the browser's console lines."""
    assert CHROMIUM is not None
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
