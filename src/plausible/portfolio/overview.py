"""The overview of a portfolio: every set's latest answer and its move since the set's previous result.

"Previous" is read from the store's own history: for each (workspace, set, method), the rows of the latest
run that computed it, against those of the run that computed it before. Sets are sorted by the size of the
leading answer's move, largest first; sets with no earlier result come last.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plausible.briefing.formatting import md_escape, points
from plausible.core.display import percent

if TYPE_CHECKING:
    import pandas as pd

    from plausible.portfolio.store import Store

__all__ = ["OverviewRow", "overview_rows", "render_overview_html", "render_overview_markdown"]


@dataclass(frozen=True)
class OverviewRow:
    """One set's line of the overview.

    Attributes
    ----------
    change : float or None
        The leader's probability now minus the same hypothesis' in the set's previous result (None: no
        previous result).
    previous_leader : str or None
        The previous result's leader, when it was another hypothesis.
    criteria : list of dict
        The confidence criteria (name, rating, detail).
    """

    workspace: str
    set_id: str
    question: str
    method: str
    leader: str
    probability: float
    term: str
    interval: tuple[float, float] | None
    change: float | None
    previous_leader: str | None
    confidence: str
    criteria: list[dict[str, str]]
    leader_share: float | None
    flip_steps: int | None
    evidence: int
    as_of: dt.date | None
    computed_at: dt.datetime
    failed: bool = False

    @property
    def move(self) -> float:
        """The size of the move, for sorting (-1 when there is no previous result)."""
        return -1.0 if self.change is None else abs(self.change)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of one line."""
        return {"workspace": self.workspace, "set": self.set_id, "question": self.question, "method": self.method,
                "leader": self.leader, "probability": self.probability, "term": self.term,
                "interval": None if self.interval is None else list(self.interval), "change": self.change,
                "previous_leader": self.previous_leader, "confidence": self.confidence,
                "leader_share": self.leader_share, "flip_steps": self.flip_steps, "evidence": self.evidence,
                "as_of": None if self.as_of is None else self.as_of.isoformat(),
                "computed_at": self.computed_at.isoformat()}


def overview_rows(store: Store) -> list[OverviewRow]:
    """Every (workspace, set, method) of the store, largest move first."""
    frame = store.read()
    if frame.empty:
        return []
    out = []
    for (workspace, set_id, method), rows in frame.groupby(["workspace", "set", "method"], sort=True):
        runs = rows.sort_values(["computed_at", "run_id"])["run_id"].drop_duplicates().tolist()
        latest = rows[rows["run_id"] == runs[-1]]
        previous = rows[rows["run_id"] == runs[-2]] if len(runs) > 1 else None
        out.append(_row(str(workspace), str(set_id), str(method), latest, previous))
    return sorted(out, key=lambda r: (-r.move, r.workspace, r.set_id, r.method))


def _row(workspace: str, set_id: str, method: str, latest: pd.DataFrame, previous: pd.DataFrame | None
         ) -> OverviewRow:
    lead = latest.iloc[int(latest["probability"].to_numpy().argmax())]
    change = previous_leader = None
    if previous is not None:
        before = dict(zip(previous["hypothesis"], previous["probability"], strict=True))
        change = float(lead["probability"]) - float(before.get(lead["hypothesis"], 0.0))
        was = max(before, key=before.__getitem__)
        previous_leader = None if was == lead["hypothesis"] else str(was)
    low, high = lead["interval_low"], lead["interval_high"]
    interval = None if _missing(low) else (float(low), float(high))
    return OverviewRow(
        workspace, set_id, str(lead["question"]), method, str(lead["hypothesis"]), float(lead["probability"]),
        "" if _missing(lead["term"]) else str(lead["term"]), interval, change, previous_leader,
        "" if _missing(lead["confidence"]) else str(lead["confidence"]),
        [] if _missing(lead["confidence_criteria"]) else json.loads(lead["confidence_criteria"]),
        None if _missing(lead["leader_share"]) else float(lead["leader_share"]),
        None if _missing(lead["flip_steps"]) else int(lead["flip_steps"]), int(lead["evidence"]),
        None if _missing(lead["as_of"]) else lead["as_of"], lead["computed_at"].to_pydatetime(),
    )


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


FILTER_SCRIPT = """\
(function () {
  var text = document.getElementById("filter-text");
  var level = document.getElementById("filter-confidence");
  var moved = document.getElementById("filter-moved");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tbody tr"));
  var count = document.getElementById("shown");
  function apply() {
    var words = text.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var hay = row.getAttribute("data-search");
      var ok = words.every(function (w) { return hay.indexOf(w) >= 0; })
        && (!level.value || row.getAttribute("data-confidence") === level.value)
        && (!moved.checked || Math.abs(parseFloat(row.getAttribute("data-change") || "0")) >= 0.05);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = String(shown);
  }
  var given = new URLSearchParams(location.hash.slice(1));
  text.value = given.get("q") || "";
  level.value = given.get("confidence") || "";
  moved.checked = given.get("moved") === "1";
  [text, level, moved].forEach(function (el) { el.addEventListener("input", apply); });
  apply();
})();
"""
"""The page's one script (inline; the page's policy allows it by hash, and nothing else): the filters.

A filter can be given in the address too: ``overview.html#q=korea&confidence=low&moved=1``."""


def render_overview_html(rows: list[OverviewRow], *, generated: dt.datetime, version: str) -> str:
    """One self-contained page (no external resource; one inline script, allowed by its hash)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("plausible.portfolio", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = percent
    env.filters["points"] = points
    digest = base64.b64encode(hashlib.sha256(FILTER_SCRIPT.encode()).digest()).decode()
    return env.get_template("overview.html.j2").render(
        rows=rows, generated=generated.strftime("%Y-%m-%d %H:%M UTC"), version=version,
        script=FILTER_SCRIPT, script_hash=f"sha256-{digest}", moved=sum(r.move >= 0.05 for r in rows))


def render_overview_markdown(rows: list[OverviewRow], *, generated: dt.datetime, version: str) -> str:
    """The overview as a Markdown table (analyst-supplied text escaped)."""
    lines = [
        f"# Portfolio overview: {len(rows)} questions",
        "",
        f"Generated {generated.strftime('%Y-%m-%d %H:%M UTC')} by plausible {md_escape(version)}. Sorted by the "
        "largest move of the leading answer since the set's previous result. Terms are ICD 203's.",
        "",
        "| question | workspace | leading answer | probability | change | confidence | fragility | computed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        probability = f"{md_escape(r.term)} ({percent(r.probability)})" if r.term else percent(r.probability)
        if r.interval is not None:
            probability += f", {percent(r.interval[0])}–{percent(r.interval[1])}"
        change = "new" if r.change is None else points(r.change)
        if r.previous_leader is not None:
            change += f", was {md_escape(r.previous_leader)}"
        lines.append(
            f"| {md_escape(r.question)} (`{md_escape(r.set_id)}`, {r.method}) | {md_escape(r.workspace)} | "
            f"{md_escape(r.leader)} | {probability} | {change} | {r.confidence or '–'} | {_fragility(r)} | "
            f"{r.computed_at.strftime('%Y-%m-%d %H:%M')} |")
    return "\n".join(lines) + "\n"


def _fragility(row: OverviewRow) -> str:
    parts = []
    if row.leader_share is not None:
        parts.append(f"leads in {percent(row.leader_share)} of draws")
    if row.flip_steps is not None:
        parts.append(f"{row.flip_steps} step{'s' if row.flip_steps != 1 else ''} to flip")
    return "; ".join(parts) or "–"
