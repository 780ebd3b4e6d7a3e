"""Briefings: every section present in both formats, every number parsed back equal to the API's, ICD 203 terms
matching their numbers' bands, the confidence criteria, "what changed" (--since, --since-last) and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import plausible
import plausible.cli.briefing  # registers the brief command
from plausible.analysis import analyze
from plausible.briefing import build_briefing, render_html, render_markdown
from plausible.briefing.confidence import ConfidenceInputs, assess_confidence
from plausible.briefing.content import describe_change
from plausible.briefing.formatting import grade_text, md_escape, truncate
from plausible.cli import app
from plausible.core.display import percent
from plausible.model.scales import ModelSpec

REPO = Path(__file__).parents[1]
SET = "dprk-driver"
SECTIONS = ("Bottom line", "Hypotheses", "What changed", "Key evidence", "Linchpins", "What would change our mind",
            "Source notes", "Consistency matrix (ACH)", "Method note")
NUMBER = r"\d+(?:\.\d+)?"
PHRASE = re.compile(
    rf"— (?P<term>[a-z ]+) \((?P<lo>\d+)–(?P<hi>\d+)%\): (?P<p>{NUMBER})%"
    rf"(?:, (?P<level>\d+)% interval (?P<ilo>{NUMBER})–(?P<ihi>{NUMBER})%)?"
)
TERM_CELL = re.compile(r"^(?P<term>[a-z ]+) \((?P<lo>\d+)–(?P<hi>\d+)%\)$")


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "160"}).invoke(app, list(args))


# --- parsing helpers: numbers in the text back to floats -----------------------------------------------------


def shown(text: str) -> float:
    """A displayed number (percent, points, decibans) as a float; the typographic minus is a minus."""
    return float(text.replace("−", "-").strip().rstrip("%").removesuffix(" dB").removesuffix(" pts"))


def displays(text: str, value: float, scale: float = 100.0) -> bool:
    """Whether ``text`` is ``value`` (times ``scale``) rounded to the decimals shown."""
    number = text.replace("−", "-").strip().rstrip("%").removesuffix(" dB").removesuffix(" pts")
    decimals = len(number.split(".")[1]) if "." in number else 0
    return abs(float(number) - scale * value) <= 0.5 * 10 ** -decimals + 1e-9


def check_term(spec: ModelSpec, term: str, lo: str, hi: str, p: float) -> None:
    """The term is the model's description of the API's number, and its band (as printed) holds the number."""
    assert spec.describe(p) == term
    band = spec.band_of(term)
    assert (round(100 * band[0]), round(100 * band[1])) == (int(lo), int(hi))
    assert band[0] - 1e-12 <= p <= band[1] + 1e-12


def md_cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def md_table(text: str, header_start: str) -> list[list[str]]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(md_cells(line))
    return rows


def item_of(ws: plausible.Workspace, shown: str, limit: int) -> str:
    """The id of the report whose summary, cut to ``limit`` characters (and escaped), begins ``shown``."""
    found = [i.id for i in ws.items_for(SET)
             if any(shown == text or shown.startswith(text + " ")
                    for text in (md_escape(truncate(i.summary, limit)), truncate(i.summary, limit)))]
    assert len(found) == 1, (shown, found)
    return found[0]


def hypothesis_of(ws: plausible.Workspace, title: str) -> str:
    """The id of the hypothesis of ``title`` (titles are unique in the DPRK set)."""
    found = [h.id for h in ws.sets[SET].hypotheses if md_escape(h.title) == title or h.title == title]
    assert len(found) == 1, (title, found)
    return found[0]


def md_section(text: str, title: str) -> str:
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", text, re.M | re.S)
    assert match, f"no section {title!r}"
    return match.group(1)


class Tables(HTMLParser):
    """Every table of a page as rows of cell texts, by the table's class; and the text of chosen paragraphs."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.paragraphs: dict[str, str] = {}
        self.headings: list[str] = []
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._p: str | None = None
        self._h: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag == "table":
            self._table = cls
            self.tables.setdefault(cls, [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "p" and cls:
            self._p = cls
            self.paragraphs.setdefault(cls, "")
        elif tag in ("h1", "h2", "h3"):
            self._h = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "p":
            self._p = None
        elif tag in ("h1", "h2", "h3") and self._h is not None:
            self.headings.append(" ".join("".join(self._h).split()))
            self._h = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._p is not None:
            self.paragraphs[self._p] += data
        if self._h is not None:
            self._h.append(data)


def parse_html(page: str) -> Tables:
    parser = Tables()
    parser.feed(page)
    return parser


# --- fixtures --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ws() -> plausible.Workspace:
    return plausible.load_workspace(REPO)


@pytest.fixture(scope="module")
def briefing(ws: plausible.Workspace):  # type: ignore[no-untyped-def]
    return build_briefing(ws, [SET])


@pytest.fixture(scope="module")
def markdown(briefing) -> str:  # type: ignore[no-untyped-def]
    return render_markdown(briefing).text


@pytest.fixture(scope="module")
def page(briefing) -> str:  # type: ignore[no-untyped-def]
    return render_html(briefing)


# --- structure -------------------------------------------------------------------------------------------------


def test_markdown_has_every_section(markdown: str, ws: plausible.Workspace) -> None:
    assert markdown.startswith(f"# {md_escape(ws.sets[SET].question)}\n")
    for title in (*SECTIONS, "Forecast scores"):
        assert re.search(rf"^#+ {re.escape(title)}$", markdown, re.M), title
    latest = max(item.reported for item in ws.items_for(SET))
    assert f"As of {latest} (latest report)" in markdown


def test_html_has_every_section_and_the_page_basics(page: str) -> None:
    parsed = parse_html(page)
    for title in (*SECTIONS, "Forecast scores"):
        assert title in parsed.headings, title
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    # four figures of the set, and the reliability diagram of the forecast section
    assert page.count("<svg") == 5 and page.count('role="img"') == 5
    assert page.count("<title id=") == 5 and page.count("<desc id=") == 5
    assert re.search(r"<th scope=\"col\"", page) and re.search(r"<th scope=\"row\"", page)
    assert "@media print" in page


def test_html_fetches_nothing_and_runs_nothing(page: str) -> None:
    lowered = page.lower()
    for marker in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", " src=", "javascript:"):
        assert marker not in lowered, marker
    assert re.findall(r"url\((?!#)", page) == []  # only the SVGs' own clip paths
    assert not re.search(r"<[^>]*\son\w+\s*=", page)  # no event-handler attribute
    assert "default-src 'none'" in page  # and the page forbids it anyway (Content-Security-Policy)


def test_rendering_is_deterministic(briefing, page: str, markdown: str) -> None:  # type: ignore[no-untyped-def]
    # No clock in the output: regenerating the README excerpt changes nothing unless the evidence does.
    assert render_html(briefing) == page
    assert render_markdown(briefing).text == markdown


def test_the_likelihood_and_the_confidence_are_separate_sentences(markdown: str) -> None:
    bottom = md_section(markdown, "Bottom line")
    sentences = [s for s in re.split(r"(?<=\.)\s+", bottom) if s.strip()]
    terms = ("almost no chance", "very unlikely", "unlikely", "roughly even chance", "likely", "very likely",
             "almost certain")
    for sentence in sentences:
        has_confidence = "confidence" in sentence
        has_term = any(re.search(rf"\b{t}\b", sentence) for t in terms)
        assert not (has_confidence and has_term), sentence
    assert any("moderate confidence" in s or "high confidence" in s or "low confidence" in s for s in sentences)


# --- every number equals the API's ------------------------------------------------------------------------------


def test_markdown_hypothesis_table_and_bottom_line_equal_the_api(markdown: str, ws: plausible.Workspace) -> None:
    post = ws.posterior(SET)
    spec = ws.sets[SET].model
    titles = {h.id: h.title for h in ws.sets[SET].hypotheses}
    rows = md_table(markdown, "| hypothesis |")
    assert len(rows) == len(post.hypothesis_ids)
    seen = []
    for title_cell, prior, posterior, term_cell in rows:
        hid = hypothesis_of(ws, title_cell)
        seen.append(hid)
        k = post.hypothesis_ids.index(hid)
        assert title_cell == titles[hid]  # the id is in the appendix, not in the table
        assert displays(prior, post.prior[k]) and displays(posterior, post.probability[k])
        match = TERM_CELL.match(term_cell)
        assert match, term_cell
        check_term(spec, match["term"], match["lo"], match["hi"], post.probability[k])
    assert seen == sorted(post.hypothesis_ids, key=lambda h: -post.probabilities[h])  # most probable first
    bottom = md_section(markdown, "Bottom line")
    lead, runner = PHRASE.finditer(bottom)
    for match, hid in ((lead, seen[0]), (runner, seen[1])):
        assert displays(match["p"], post.probabilities[hid])
        check_term(spec, match["term"], match["lo"], match["hi"], post.probabilities[hid])
        assert match["level"] is None  # the exact engine has no interval
    assert f"**{titles[seen[0]]}** — " in bottom


def test_markdown_changes_equal_the_posterior_before_the_latest_day(markdown: str, ws: plausible.Workspace) -> None:
    latest = max(item.reported for item in ws.items_for(SET))
    now, before = ws.posterior(SET), ws.posterior(SET, as_of=latest - dt.timedelta(days=1))
    titles = {h.id: h.title for h in ws.sets[SET].hypotheses}
    changed = md_section(markdown, "What changed")
    new = sum(item.reported == latest for item in ws.items_for(SET))  # corrections replace, so not a difference
    assert f"{new} reports dated {latest}" in changed
    moves = re.findall(rf"^- (.+?): ({NUMBER}%) → ({NUMBER}%) \(([+−]{NUMBER}) pts\)$", changed, re.M)
    assert moves
    by_title = {t: h for h, t in titles.items()}
    for title, was, is_, delta in moves:
        h = by_title[title]
        assert displays(was, before.probabilities[h]) and displays(is_, now.probabilities[h])
        assert displays(delta, now.probabilities[h] - before.probabilities[h])
    biggest = max(now.hypothesis_ids, key=lambda h: abs(now.probabilities[h] - before.probabilities[h]))
    assert moves[0][0] == titles[biggest]
    # The drivers are the new reports ranked by their weight of evidence toward the move, computed here from the
    # definition (docs/ledger.md): s_j = 2 Σ_k Δ_k w_jk / Σ_k |Δ_k|.
    delta = np.array([now.probabilities[h] - before.probabilities[h] for h in now.hypothesis_ids])
    toward = {item: float(2 * now.weights[j] @ delta / np.abs(delta).sum()) for j, item in enumerate(now.item_ids)
              if item not in before.item_ids}
    drivers = [(weight, item_of(ws, text, 180))
               for weight, text in re.findall(rf"^- ([+−]{NUMBER} dB|0\.0 dB): (.*)$", changed, re.M)]
    assert drivers and [item for _, item in drivers] == sorted(toward, key=lambda i: -abs(toward[i]))[:5]
    for weight, item in drivers:
        assert displays(weight, toward[item], scale=1.0)


def test_markdown_evidence_linchpins_indicators_sources_equal_the_api(markdown: str, ws: plausible.Workspace) -> None:
    post = ws.posterior(SET)
    analysis = analyze(ws, SET)
    lead = int(np.argmax(post.probability))
    leader = post.hypothesis_ids[lead]
    evidence = md_section(markdown, "Key evidence")
    weights = [(weight, item_of(ws, text, 220))
               for weight, text in re.findall(rf"^- ([+−]{NUMBER}|0\.0) dB: (.*)$", evidence, re.M)]
    against = int((post.weights[:, lead] <= -0.05).sum())  # smaller weights show as 0.0 dB: neither for nor against
    assert len(weights) == 5 + min(5, against)
    for weight, item in weights:
        assert displays(weight, post.weights[post.item_ids.index(item), lead], scale=1.0)
    expected_for = [post.item_ids[j] for j in np.argsort(-post.weights[:, lead])[:5]]
    assert [item for _, item in weights[:5]] == expected_for

    linchpins = md_section(markdown, "Linchpins")
    assert analysis.sensitivity.linchpins == [] and "No single report is a linchpin" in linchpins
    title = re.escape(md_escape(ws.sets[SET].hypotheses[[h.id for h in ws.sets[SET].hypotheses].index(leader)].title))
    nearest = [(item_of(ws, text, 180), value) for text, value in
               re.findall(rf"^- (.*): without it, {title} would be ({NUMBER}%)", linchpins, re.M)]
    assert len(nearest) == 3
    for item, value in nearest:
        assert displays(value, analysis.sensitivity.leave_one_out[post.item_ids.index(item), lead])
    uniform = re.search(rf"uniform prior .*?, {title} would be ({NUMBER}%)", linchpins)
    assert uniform and displays(uniform.group(1), analysis.sensitivity.uniform_prior[lead])

    rows = md_table(markdown, "| indicator |")
    assert [r[0] for r in rows] == [md_escape(v.text) for v in analysis.indicators]
    spec = ws.sets[SET].model
    for (_, probability, value), v in zip(rows, analysis.indicators, strict=True):
        match = re.match(rf"(?P<term>[a-z ]+) \((?P<lo>\d+)–(?P<hi>\d+)%\): (?P<p>{NUMBER})%$", probability)
        assert match and displays(match["p"], v.probability)
        check_term(spec, match["term"], match["lo"], match["hi"], v.probability)
        assert displays(value, v.value_of_information, scale=1.0)

    rows = md_table(markdown, "| source |")
    stress = analysis.sensitivity.source_stress
    assert len(rows) == len(stress)
    for name, grade, reports, graded, disbelieved in rows:
        sid = next(s for s in stress if md_escape(ws.sources[s].name) == name)
        source = ws.sources[sid]
        assert grade == md_escape(grade_text(source.reliability.label, source.reliability.mean))
        assert int(reports) == sum(ws.items[j].source == sid for j in range(len(ws.items)) if SET in
                                   ws.items[j].likelihoods)
        assert displays(graded, source.reliability.mean, scale=1.0)
        value = re.match(rf"({NUMBER}%)(?:; (.+) leads)?$", disbelieved)
        assert value and displays(value.group(1), stress[sid][lead])
        assert (hypothesis_of(ws, value.group(2)) if value.group(2) else leader) == post.hypothesis_ids[
            int(np.argmax(stress[sid]))]


def test_markdown_method_note_and_forecast_scores_equal_the_api(markdown: str, ws: plausible.Workspace) -> None:
    method = md_section(markdown, "Method note")
    assert f"inputs hash `{ws.inputs_hash}`" in method
    assert f"plausible {plausible.__version__}" in method
    assert f"{len(ws.items_for(SET))} reports" in method
    from plausible.forecasting import score_exercise

    scores = score_exercise("dprk-2015", ws)
    ranking = scores.ranking
    assert ranking is not None and ranking.on == "common"
    rows = md_table(markdown, "| rank |")
    assert [r[1] for r in rows] == [f.id for f in ranking.rows]
    for (_, _, kind, questions, brier, log, answered), f in zip(rows, ranking.rows, strict=True):
        assert kind == f.kind and int(questions) == f.questions == len(ranking.questions)
        assert int(answered) == ranking.answered[f.id]
        assert displays(brier, f.brier or 0.0, scale=1.0) and displays(log, f.log or 0.0, scale=1.0)
    # the calibration table: observed frequency (count) per bin of each plotted forecaster
    bins = md_table(markdown, "| bin |")
    header = next(line for line in markdown.splitlines() if line.startswith("| bin |"))
    plotted = [cell.strip() for cell in header.strip("|").split("|")][1:]
    for column, who in enumerate(plotted, start=1):
        table = scores.calibration[who].table
        cells = [row[column] for row in bins if row[column] != "–"]
        assert cells == [f"{r.observed_frequency:.2f} ({r.count})" for r in table]


def test_html_numbers_equal_the_api(page: str, ws: plausible.Workspace) -> None:
    post = ws.posterior(SET)
    analysis = analyze(ws, SET)
    spec = ws.sets[SET].model
    parsed = parse_html(page)
    rows = parsed.tables["hypotheses"][1:]
    assert len(rows) == len(post.hypothesis_ids)
    for title_cell, prior, posterior, term_cell in rows:
        hid = hypothesis_of(ws, title_cell)
        k = post.hypothesis_ids.index(hid)
        assert displays(prior, post.prior[k]) and displays(posterior, post.probability[k])
        match = TERM_CELL.match(term_cell)
        assert match, term_cell
        check_term(spec, match["term"], match["lo"], match["hi"], post.probability[k])
    lead = PHRASE.search(" ".join(parsed.paragraphs["lead"].split()))
    assert lead and displays(lead["p"], post.probabilities[post.leading])
    check_term(spec, lead["term"], lead["lo"], lead["hi"], post.probabilities[post.leading])
    for (indicator, probability, value), v in zip(parsed.tables["indicators"][1:], analysis.indicators, strict=True):
        assert indicator == v.text
        assert displays(probability.rsplit(" ", 1)[1], v.probability)
        assert displays(value, v.value_of_information, scale=1.0)
    k = post.hypothesis_ids.index(post.leading)
    for name, _grade, _reports, graded, disbelieved in parsed.tables["sources"][1:]:
        sid = next(s for s in analysis.sensitivity.source_stress if ws.sources[s].name == name)
        assert displays(graded, ws.sources[sid].reliability.mean, scale=1.0)
        assert displays(disbelieved.split()[0].rstrip(";"), analysis.sensitivity.source_stress[sid][k])
    ids = {row[0] for row in parsed.tables["ids"][1:]}  # every id in the appendix, for whoever reruns it
    assert set(post.hypothesis_ids) | set(post.item_ids) | set(analysis.sensitivity.source_stress) <= ids
    assert ws.inputs_hash in page


def test_the_leading_term_is_the_band_of_its_number_on_shared_edges() -> None:
    # Less extreme on a shared edge: words never overstate the number.
    spec = ModelSpec()
    from plausible.briefing.formatting import likelihood_phrase

    assert likelihood_phrase(spec, 0.55).startswith("roughly even chance (45–55%)")
    assert likelihood_phrase(spec, 0.80).startswith("likely (55–80%)")
    assert likelihood_phrase(spec, 0.68, (0.52, 0.79), 0.9) == "likely (55–80%): 68%, 90% interval 52–79%"


# --- MCMC: intervals, learned reliability, diagnostics --------------------------------------------------------

TINY = {
    "hypotheses/q.yaml": "question: Is it A or B?\nexhaustive: true\nhypotheses:\n  - {id: a, title: Answer A}\n"
                         "  - {id: b, title: Answer B}\n",
    "evidence/sources.yaml": "sources:\n  - {id: good, name: Good source, reliability: B}\n"
                             "  - {id: fair, name: Fair source, reliability: C}\n",
    "evidence/e.yaml": "items:\n"
                       "  - {id: r1, summary: First, source: good, reported: 2020-01-02, likelihoods: {q: {a: likely, b: unlikely}}}\n"
                       "  - {id: r2, summary: Second, source: fair, reported: 2020-01-02, likelihoods: {q: {a: 0.7, b: 0.3}}}\n"
                       "  - {id: r3, summary: Third, source: good, reported: 2020-01-02, likelihoods: {q: {a: 0.4, b: 0.6}}}\n",
}


def _check_mcmc_briefing(ws: plausible.Workspace, options: dict[str, int]) -> str:
    b = build_briefing(ws, ["q"], method="mcmc", mcmc_options=options)
    post = b.sets[0].posterior  # what ws.posterior(..., method="mcmc") returned
    assert post.method == "mcmc" and post.interval is not None
    text = render_markdown(b).text
    spec = ws.sets["q"].model
    intervals = post.intervals
    by_title = {md_escape(h.title): h.id for h in ws.sets["q"].hypotheses}
    for title_cell, _prior, posterior, interval, _term in md_table(text, "| hypothesis |"):
        hid = by_title[title_cell]
        lo, hi = interval.split("–")
        assert displays(posterior, post.probabilities[hid])
        assert displays(lo, intervals[hid][0]) and displays(hi, intervals[hid][1])  # type: ignore[index]
    bluf = PHRASE.search(md_section(text, "Bottom line"))
    assert bluf and bluf["level"] == "90"
    assert displays(bluf["ilo"], intervals[post.leading][0]) and displays(bluf["ihi"], intervals[post.leading][1])  # type: ignore[index]
    check_term(spec, bluf["term"], bluf["lo"], bluf["hi"], post.probabilities[post.leading])
    assert "interval spans" in md_section(text, "Bottom line")  # the width criterion is assessed
    method = md_section(text, "Method note")
    assert f"seed {options['seed']}" in method
    assert f"{options['chains']} chains × {options['draws']} draws after {options['tune']} tuning steps" in method
    return text


def test_an_mcmc_briefing_shows_intervals_and_the_sampler_settings(write_workspace) -> None:  # type: ignore[no-untyped-def]
    # Points and fixed reliabilities: the MCMC engine has nothing to sample (fast), yet every MCMC section renders.
    files = dict(TINY)
    files["evidence/sources.yaml"] = "sources:\n  - {id: good, name: Good source, reliability: 0.8}\n" \
                                     "  - {id: fair, name: Fair source, reliability: 0.6}\n"
    files["evidence/e.yaml"] = TINY["evidence/e.yaml"].replace("likely, b: unlikely", "0.7, b: 0.3")
    ws = plausible.load_workspace(write_workspace(files))
    text = _check_mcmc_briefing(ws, {"draws": 50, "tune": 50, "chains": 2, "seed": 7})
    assert "nothing to sample" in md_section(text, "Method note")


@pytest.mark.slow
def test_a_sampled_mcmc_briefing_parses_back_to_the_mcmc_posterior(write_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = plausible.load_workspace(write_workspace(TINY))
    options = {"draws": 50, "tune": 50, "chains": 2, "cores": 1, "seed": 7}  # tiny, seeded, one process
    text = _check_mcmc_briefing(ws, options)
    post = ws.posterior("q", method="mcmc", **options)  # same seed, same numbers
    by_name = {md_escape(source.name): sid for sid, source in ws.sources.items()}
    sources = {by_name[r[0]]: r for r in md_table(text, "| source |")}
    assert post.sources
    for s in post.sources:
        learned = sources[s.source][4]
        assert displays(learned.split(" ")[0], s.posterior_mean, scale=1.0)
    method = md_section(text, "Method note")
    assert re.search(rf"R-hat ({NUMBER})", method).group(1) == f"{post.diagnostics.r_hat:.3f}"  # type: ignore[union-attr]


# --- confidence criteria ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("facts", "level"), [
    (ConfidenceInputs(10, 5, 0, 0, 0, 0), "high"),                 # every criterion strong, at the thresholds
    (ConfidenceInputs(10, 5, 0, 0, 0, 0, 0.20), "high"),
    (ConfidenceInputs(10, 5, 0, 0, 0, 0, 0.21), "moderate"),       # interval just over 20 points
    (ConfidenceInputs(9, 9, 0, 0, 0, 0), "moderate"),              # 9 reports: adequate
    (ConfidenceInputs(4, 4, 0, 0, 0, 0), "low"),                   # too little evidence alone is low
    (ConfidenceInputs(20, 4, 0, 0, 0, 0), "moderate"),             # poor sources alone: one weak criterion
    (ConfidenceInputs(20, 4, 1, 1, 0, 0), "low"),                  # poor sources and a decisive report
    (ConfidenceInputs(20, 15, 2, 0, 1, 0), "moderate"),            # linchpins that do not change the leader
    (ConfidenceInputs(20, 15, 0, 0, 0, 1, 0.5), "low"),            # a decisive source and a wide interval
])
def test_confidence_levels_follow_the_documented_criteria(facts: ConfidenceInputs, level: str) -> None:
    assert assess_confidence(facts).level == level


def _fragile(steps: int | None, share: float) -> ConfidenceInputs:
    """Every other criterion strong; the flip distance and the leader's share as given."""
    return ConfidenceInputs(10, 5, 0, 0, 0, 0, flip_steps=steps, flip_found=steps is not None,
                            flip_changes=("x / a: C → N",), flip_leader="b", leader_share=share)


@pytest.mark.parametrize(("facts", "level", "ratings"), [
    (_fragile(4, 0.95), "high", ("strong", "strong")),           # at the strong thresholds
    (_fragile(None, 1.0), "high", ("strong", "strong")),         # no flip found
    (_fragile(3, 0.95), "moderate", ("adequate", "strong")),
    (_fragile(2, 0.75), "moderate", ("adequate", "adequate")),   # at the adequate thresholds
    (_fragile(1, 0.9), "moderate", ("weak", "adequate")),        # one weak criterion
    (_fragile(1, 0.74), "low", ("weak", "weak")),                # two weak criteria
    (_fragile(0, 0.9), "moderate", ("weak", "adequate")),        # the exact engine leads with another answer
])
def test_fragility_criteria_follow_the_documented_thresholds(facts: ConfidenceInputs, level: str,
                                                             ratings: tuple[str, str]) -> None:
    result = assess_confidence(facts)
    assert result.level == level
    assert tuple(c.rating for c in result.criteria[-2:]) == ratings
    assert [c.name for c in result.criteria[-2:]] == ["judgments", "imprecision"]


def test_the_confidence_statement_names_the_judgments_that_flip_the_answer(ws: plausible.Workspace,
                                                                           markdown: str, page: str) -> None:
    flip = analyze(ws, SET).flip.smallest
    assert flip.exact and flip.steps is not None
    bottom = md_section(markdown, "Bottom line")
    summaries = {i.id: i.summary for i in ws.items}
    titles = {h.id: h.title for h in ws.sets[SET].hypotheses}
    for change in flip.changes:  # named by the report's summary and the hypothesis' title, not by their ids
        assert md_escape(describe_change(change, summaries, titles)) in bottom
        assert change.item not in bottom and md_escape(summaries[change.item][:40]) in bottom
    section = md_section(markdown, "How fragile is this")
    rows = md_table(section, "| hypothesis |")
    stability = analyze(ws, SET).stability
    assert [hypothesis_of(ws, r[0]) for r in rows] == [h for h in sorted(stability.hypothesis_ids, key=lambda h: -ws.posterior(SET)
                                                     .probabilities[h])]
    for row in rows:
        share = float(stability.share[stability.hypothesis_ids.index(hypothesis_of(ws, row[0]))])
        assert displays(row[1], share)
        assert len(row[3]) == round(20 * share) or (0 < share and row[3] == "▏")
    assert "How fragile is this" in page and f'title="id: {flip.changes[0].item}"' not in page


def test_the_documented_criteria_are_the_ones_applied() -> None:
    doc = (REPO / "docs" / "briefing.md").read_text(encoding="utf-8")
    for phrase in (">= 10 reports", "5-9 reports", ">= 50%", "25-50%", "<= 20 points", "> 40 points",
                   "4 steps or more", "2-3 steps", "1 step changes the leader", ">= 95%", "75-95%", "< 75%"):
        assert phrase in doc, phrase


# --- the CLI ---------------------------------------------------------------------------------------------------


def test_brief_prints_markdown_for_every_set_by_default(ws: plausible.Workspace) -> None:
    result = invoke("brief", "-w", str(REPO))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"# Briefing on {len(ws.sets)} questions")
    for hs in ws.sets.values():
        assert f"## {md_escape(hs.question)}" in result.stdout
    assert "![" not in result.stdout  # no figures without a file to put them beside


def test_brief_writes_markdown_with_png_figures_and_records_its_state(tmp_path: Path, write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace(TINY)
    out = tmp_path / "out" / "brief.md"
    out.parent.mkdir()
    result = invoke("brief", "q", "-w", str(root), "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\n]*?\]\(<([^>]+)>\)", text)
    assert len(links) == 4 and all(link.startswith("brief-figures/") for link in links)
    for link in links:
        assert (out.parent / link).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    (line,) = (root / ".plausible" / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)  # the briefing is recorded in the ledger, for --since-last
    assert record["kind"] == "briefing" and "recorded the briefing in" in result.stderr
    assert record["sets"]["q"]["items"] == ["r1", "r2", "r3"]
    assert record["sets"]["q"]["probabilities"] == plausible.load_workspace(root).posterior("q").probabilities
    assert (record["sets"]["q"]["method"], record["sets"]["q"]["as_of"]) == ("exact", "2020-01-02")
    assert not (root / ".plausible" / "last-brief.json").exists()  # no second state file
    assert list(tmp_path.rglob("*.tmp")) == []  # atomic writes leave nothing behind


def test_since_last_says_when_there_is_no_record_then_reports_the_new_evidence(tmp_path: Path, write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace(TINY)
    first = invoke("brief", "q", "-w", str(root), "--since-last")
    assert first.exit_code == 0, first.output
    assert "No previous briefing is recorded in this workspace" in md_section(first.stdout, "What changed")
    out = tmp_path / "brief.html"
    assert invoke("brief", "q", "-w", str(root), "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")  # format from the file name
    before = plausible.load_workspace(root).posterior("q").probabilities
    (root / "evidence" / "later.yaml").write_text(
        "items:\n  - {id: r4, summary: Fourth, source: good, reported: 2020-02-01, likelihoods: {q: {a: 0.9, b: 0.1}}}\n",
        encoding="utf-8")
    after = plausible.load_workspace(root).posterior("q").probabilities
    second = invoke("brief", "q", "-w", str(root), "--since-last")
    assert second.exit_code == 0, second.output
    changed = md_section(second.stdout, "What changed")
    assert "1 new report" in changed and "Fourth" in changed
    move = re.search(rf"^- Answer A: ({NUMBER}%) → ({NUMBER}%)", changed, re.M)
    assert move and displays(move.group(1), before["a"]) and displays(move.group(2), after["a"])


def test_since_date_compares_with_the_posterior_before_that_date(ws: plausible.Workspace) -> None:
    result = invoke("brief", SET, "-w", str(REPO), "--since", "2015-06-18")
    assert result.exit_code == 0, result.output
    changed = md_section(result.stdout, "What changed")
    before, now = ws.posterior(SET, as_of=dt.date(2015, 6, 18) - dt.timedelta(days=1)), ws.posterior(SET)
    new = sum(item.reported >= dt.date(2015, 6, 18) for item in ws.items_for(SET))
    assert f"Since 2015-06-18: {new} reports dated 2015-06-18 or later" in changed
    for title, was, is_ in re.findall(rf"^- (.+?): ({NUMBER}%) → ({NUMBER}%)", changed, re.M):
        h = next(h.id for h in ws.sets[SET].hypotheses if h.title == title)
        assert displays(was, before.probabilities[h]) and displays(is_, now.probabilities[h])


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2015-06-18", "--since-last"], "alternatives"),
    (["--since", "June"], "is not a date"),
    (["--format", "pdf"], "unknown format"),
    (["--method", "bayes"], "is not one of 'exact', 'mcmc'"),
    (["--seed", "3"], "only apply with --method mcmc"),
    (["nosuchset"], "unknown hypothesis set"),
    (["-o", "/nonexistent-folder/b.md"], "does not exist"),
])
def test_bad_requests_exit_2_with_a_message(args: list[str], message: str) -> None:
    result = invoke("brief", "-w", str(REPO), *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_no_exercises_no_forecast_section_and_a_missing_module_is_said(write_workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace(TINY)
    ws = plausible.load_workspace(root)
    assert "Forecast scores" not in render_markdown(build_briefing(ws, ["q"])).text
    (root / "exercises" / "x").mkdir(parents=True)
    (root / "exercises" / "x" / "exercise.yaml").write_text("title: X\nquestions: []\n", encoding="utf-8")
    monkeypatch.setitem(__import__("sys").modules, "plausible.forecasting", None)  # an installation without it
    text = render_markdown(build_briefing(ws, ["q"])).text
    assert "This installation cannot score forecasting exercises" in md_section(text, "Forecast scores")


def test_the_cli_tables_and_the_briefing_format_percentages_in_one_place() -> None:
    from plausible.briefing import templating
    from plausible.cli import render

    assert render.percent is percent and templating.percent is percent


def test_an_mcmc_briefing_led_by_another_answer_speaks_of_the_exact_leader_in_its_what_ifs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The what-ifs come from the exact engine: when MCMC puts another answer first they must say of whom they
    speak, and their numbers and leader changes must be the exact engine's, about its own leader."""
    import dataclasses

    from plausible.core.types import Method
    from plausible.engines.posterior import AnalystNoise

    ws = plausible.load_workspace(REPO)
    exact = ws.posterior(SET, "exact")
    first, second = np.argsort(-exact.probability, kind="stable")[:2]
    swapped = exact.probability.copy()
    swapped[[first, second]] = swapped[[second, first]]
    noise = (AnalystNoise("kai", 0.2, (0.1, 0.3)), AnalystNoise("lead", 0.2, (0.1, 0.3)))
    stand_in = dataclasses.replace(exact, probability=swapped, method=Method.MCMC,  # an MCMC run led by the runner-up
                                   analysts=noise)  # with the analysts' noise model
    real = type(ws).posterior
    monkeypatch.setattr(type(ws), "posterior", lambda self, set_id, method="exact", **kw: (
        stand_in if str(method) == "mcmc" and not kw else real(self, set_id, "exact", **kw)))
    sb = build_briefing(ws, [SET], method=Method.MCMC).sets[0]
    hids = exact.hypothesis_ids
    assert sb.leader.id == hids[second] and sb.what_if_leader.id == hids[first]
    analysis = analyze(ws, SET)
    loo = analysis.sensitivity.leave_one_out
    rows = sb.linchpins or sb.nearest
    assert rows
    for r in rows:  # the exact engine's probability of its own leader without the report
        assert r.without == pytest.approx(float(loo[analysis.posterior.item_ids.index(r.evidence.item), first]))
    for s in sb.sources:
        assert s.stressed == pytest.approx(float(analysis.sensitivity.source_stress[s.id][first]))
    exact_title, mcmc_title = sb.title(hids[first]), sb.title(hids[second])
    text = render_markdown(build_briefing(ws, [SET], method=Method.MCMC)).text
    assert f"which puts **{exact_title}** ahead, not {mcmc_title}: they speak of {exact_title}." in text
    details = " ".join(c.detail for c in sb.confidence.criteria if c.name in ("single reports", "single sources",
                                                                             "analysts"))
    assert "the leading answer" not in details
    assert f"agree on the exact engine's leading answer ({exact_title})" in details  # the analysts' views are exact
    if sb.linchpins or any(s.stressed_leader != hids[first] for s in sb.sources):
        assert f"the exact engine's leading answer ({exact_title})" in details
    # The answer above is the noise model's, not a geometric-mean pool; the disagreements are the exact engine's.
    assert "the answer above reads their judgments as noisy readings of each likelihood" in text
    assert "the answer above pools their judgments" not in text
    assert "judged by more than one analyst; the judgments pooled, exact engine)" in text
    # With the same leader and the exact engine nothing of this shows.
    exact_text = render_markdown(build_briefing(ws, [SET])).text
    assert "they speak of" not in exact_text and "the answer above pools their judgments" in exact_text


def test_what_changed_counts_the_reports_the_new_ones_supersede(ws: plausible.Workspace, briefing,  # type: ignore[no-untyped-def]
                                                                markdown: str) -> None:
    ch = briefing.sets[0].changes
    assert ch.removed_items, "the DPRK case's latest day corrects earlier reports"
    superseded = {old for item in ws.items_for(SET) if item.id in ch.new_items for old in item.supersedes}
    assert set(ch.removed_items) <= superseded  # nothing else leaves the set between two days
    n = len(ch.removed_items)
    assert f"they supersede {n} earlier report{'s' if n != 1 else ''}, which no longer count." in markdown
    assert "+ pushed the move, − held it back; the move also comes from the reports no longer counted" in markdown


def test_key_evidence_lists_only_weights_it_shows_as_for_or_against(briefing) -> None:  # type: ignore[no-untyped-def]
    """A report shown as "0.0 dB" is neither for nor against: it is not listed under either."""
    from plausible.briefing.formatting import decibans

    sb = briefing.sets[0]
    shown = (*sb.evidence_for, *sb.evidence_against)
    assert shown and all(decibans(e.weight) != "0.0 dB" for e in shown)
    against = sorted((e for e in sb.weights if decibans(e.weight).startswith("−")), key=lambda e: e.weight)
    assert [e.item for e in sb.evidence_against] == [e.item for e in against][:5]
    assert any(decibans(e.weight) == "0.0 dB" and e.weight < 0 for e in sb.weights)  # the case this guards
