"""How the briefing writes numbers and words, and how it neutralises analyst-supplied text in Markdown.

One place for every display format, so that the renderers and the tests that parse numbers back agree.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from plausible.core.display import percent
from plausible.model.scales import ModelSpec

__all__ = [
    "MINUS",
    "band_text",
    "credibility_text",
    "css_string",
    "grade_text",
    "decibans",
    "interval_text",
    "likelihood_phrase",
    "md_escape",
    "percent_in_words",
    "safe_url",
    "truncate",
]

MINUS = "\u2212"
"""The typographic minus sign used for negative weights and changes."""

RELIABILITY_WORDS = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
                     "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged"}
"""The Admiralty (NATO) words of each reliability grade."""

GRADE_MEANS = {"A": 0.95, "B": 0.8, "C": 0.6, "D": 0.3, "E": 0.1}
"""The default model's mean reliability of each judgeable grade (F claims nothing)."""

CREDIBILITY_WORDS = {1: "confirmed by other sources", 2: "probably true", 3: "possibly true", 4: "doubtful",
                     5: "improbable", 6: "truth cannot be judged"}
"""The Admiralty words of each information-credibility rating."""

_MD_SPECIAL = re.compile(r"([\\`*_\[\]~|$])")
_MD_BLOCK_START = re.compile(r"^([#+=>-])")
_MD_LIST_START = re.compile(r"^(\d+)([.)])(?=\s|$)")
_WHITESPACE = re.compile(r"\s+")


def percent_in_words(spec: ModelSpec, p: float) -> str:
    """:func:`percent`, with more decimals when rounding would put the number in another term's band.

    A reader checks the printed number against the printed band: 0.4458 is "unlikely (20–45%)", and "45%"
    would read as the shared edge, which is "roughly even chance". It is printed "44.6%" instead.

    Examples
    --------
    >>> spec = ModelSpec()
    >>> percent_in_words(spec, 0.4458), percent_in_words(spec, 0.44498), percent_in_words(spec, 0.68)
    ('44.6%', '44%', '68%')
    """
    text = percent(p)
    for decimals in (1, 2, 3):
        if spec.describe(float(text.removesuffix("%")) / 100.0) == spec.describe(p):
            break
        text = f"{100.0 * p:.{decimals}f}%"
    return text


def _bare(p: float) -> str:
    return percent(p).removesuffix("%")


def interval_text(interval: tuple[float, float]) -> str:
    """A credible interval as ``lo–hi%``, each bound in :func:`percent`'s format.

    Examples
    --------
    >>> interval_text((0.3253, 0.5684)), interval_text((0.0196, 0.0454))
    ('33–57%', '2.0–4.5%')
    """
    return f"{_bare(interval[0])}–{percent(interval[1])}"


def band_text(band: tuple[float, float]) -> str:
    """The band of a verbal term, as ICD 203 prints it: ``55–80%``.

    Examples
    --------
    >>> band_text((0.55, 0.8)), band_text((0.01, 0.05))
    ('55–80%', '1–5%')
    """
    return f"{round(100 * band[0])}–{round(100 * band[1])}%"


def likelihood_phrase(
    spec: ModelSpec, p: float, interval: tuple[float, float] | None = None, level: float | None = None
) -> str:
    """A probability in words and numbers: the term, its band, the number and (if any) its interval.

    The term is :meth:`ModelSpec.describe` of ``p``; a number in a gap of the scale gets no term.

    Examples
    --------
    >>> spec = ModelSpec()
    >>> likelihood_phrase(spec, 0.68, (0.52, 0.79), 0.9)
    'likely (55–80%): 68%, 90% interval 52–79%'
    >>> likelihood_phrase(spec, 0.44498)
    'unlikely (20–45%): 44%'
    """
    term = spec.describe(p)
    text = f"{term} ({band_text(spec.band_of(term))}): {percent_in_words(spec, p)}" if term else percent(p)
    if interval is not None:
        text += f", {level_text(level)} interval {interval_text(interval)}"
    return text


def level_text(level: float | None) -> str:
    """The interval level as a percentage (90% when unknown).

    Examples
    --------
    >>> level_text(0.9), level_text(0.95)
    ('90%', '95%')
    """
    return f"{100 * (0.9 if level is None else level):g}%"


def decibans(weight: float) -> str:
    """A weight of evidence in decibans, signed with a typographic minus.

    Examples
    --------
    >>> decibans(3.14159), decibans(-0.04), decibans(-2.5)
    ('+3.1 dB', '0.0 dB', '−2.5 dB')
    """
    text = f"{weight:+.1f}"
    if text in ("+0.0", "-0.0"):
        return "0.0 dB"
    return text.replace("-", MINUS) + " dB"


def points(change: float) -> str:
    """A change of probability in percentage points, signed.

    Examples
    --------
    >>> points(-0.0913), points(0.2), points(0.0004)
    ('−9.1 pts', '+20.0 pts', '0.0 pts')
    """
    text = f"{100 * change:+.1f}"
    if text in ("+0.0", "-0.0"):
        return "0.0 pts"
    return text.replace("-", MINUS) + " pts"


BAR_WIDTH = 20
"""Characters of a full share bar (100%)."""


def share_bar(share: float) -> str:
    """A share as a bar of block characters, ``BAR_WIDTH`` for 100% (a share above 0 shows at least a sliver).

    Examples
    --------
    >>> share_bar(0.5), share_bar(0.0), share_bar(0.001)
    ('██████████', '', '▏')
    """
    full = round(BAR_WIDTH * share)
    return "█" * full if full or share <= 0 else "▏"


def grade_text(label: str, mean: float) -> str:
    """A source's reliability in plain words: the Admiralty grade's words, or a number and the nearest grade's.

    Examples
    --------
    >>> grade_text("B", 0.8), grade_text("0.85", 0.85)
    ('usually reliable (B)', 'reliability 0.85, near usually reliable (B)')
    >>> grade_text("Beta(4, 6)", 0.4)
    'reliability 0.40, near not usually reliable (D)'
    """
    words = RELIABILITY_WORDS.get(label)
    if words is not None:
        return f"{words} ({label})"
    nearest = min(GRADE_MEANS, key=lambda g: abs(GRADE_MEANS[g] - mean))
    return f"reliability {mean:.2f}, near {RELIABILITY_WORDS[nearest]} ({nearest})"


def credibility_text(credibility: int) -> str:
    """An item's information credibility in plain words.

    Examples
    --------
    >>> credibility_text(2)
    'probably true (2)'
    """
    return f"{CREDIBILITY_WORDS.get(credibility, 'credibility')} ({credibility})"


def css_string(text: str) -> str:
    r"""Analyst text as a quoted CSS string: every character but letters, digits and spaces hex-escaped.

    Nothing in it can end the string, the rule or the ``<style>`` element.

    Examples
    --------
    >>> print(css_string('SECRET" } </style>'))
    "SECRET\000022 \00007d \00003c\00002fstyle\00003e"
    """
    return '"' + "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):06x}"
                         for ch in _WHITESPACE.sub(" ", text)) + '"'


def truncate(text: str, limit: int) -> str:
    r"""Fold whitespace and cut ``text`` to at most ``limit`` characters, ending with an ellipsis if cut.

    Examples
    --------
    >>> truncate("a  very\n long   sentence", 12), truncate("abcdefghijklmnop", 8)
    ('a very long…', 'abcdefg…')
    >>> truncate("Korean Central News Agency (KCNA, the state news agency)", 40)
    'Korean Central News Agency…'

    """
    folded = _WHITESPACE.sub(" ", text).strip()
    if len(folded) <= limit:
        return folded
    cut = folded[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.6:  # end on a word when one ends near the limit
        cut = cut[:space]
    opened = _unclosed(cut)
    if opened is not None and opened > 0:  # "Name (a long aside…" would leave a bracket open: cut before it
        cut = cut[:opened]
    return cut.rstrip(" ,;:.([{") + "…"


def _unclosed(text: str) -> int | None:
    """Where the first bracket that ``text`` leaves open stands, or None.

    Examples
    --------
    >>> _unclosed("a (b) c (d"), _unclosed("a (b)")
    (8, None)
    """
    stack: list[int] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for i, ch in enumerate(text):
        if ch in "([{":
            stack.append(i)
        elif ch in pairs and stack and text[stack[-1]] == pairs[ch]:
            stack.pop()
    return stack[0] if stack else None


def md_escape(text: str) -> str:
    r"""Make analyst-supplied text inert in Markdown (CommonMark and GitHub's tables).

    Whitespace is folded to single spaces (no line can start a block), HTML's ``& < >`` become entities
    (no tag, comment or entity survives), and every punctuation character that could open emphasis, a
    link, an image, code, strikethrough, a table cell or math is backslash-escaped; so is a start that
    could open a heading or a list if the text were ever placed at the start of a line.

    Examples
    --------
    >>> print(md_escape("<script>alert(1)</script>"))
    &lt;script&gt;alert(1)&lt;/script&gt;
    >>> print(md_escape("[x](javascript:alert(1)) | **bold**"))
    \[x\](javascript:alert(1)) \| \*\*bold\*\*
    >>> print(md_escape("# 1. new-allies"), md_escape("2015. A year"), md_escape("0.1.0"))
    \# 1. new-allies 2015\. A year 0.1.0
    """
    folded = _WHITESPACE.sub(" ", text)
    escaped = folded.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MD_SPECIAL.sub(r"\\\1", escaped)
    escaped = _MD_BLOCK_START.sub(r"\\\1", escaped)
    return _MD_LIST_START.sub(r"\1\\\2", escaped)


def safe_url(url: str | None) -> str | None:
    """An analyst-supplied URL if it is plain http(s), percent-encoded so it cannot break out; else None.

    Examples
    --------
    >>> safe_url("javascript:alert(1)") is None, safe_url("https://example.org/a b|c")
    (True, 'https://example.org/a%20b%7Cc')
    """
    if not url:
        return None
    candidate = url.strip()
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(candidate, safe=":/?#@!$&'*+,;=%~-._")
