"""The fast block-style YAML reader (``plausible.io.yamlblock``) against the full reader, its second implementation.

The fast reader may give up on anything; where it does not, it must give exactly what the full reader gives
(values, their types, key order, the line of every location), and it must give up on every text the full
reader reports a problem in.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plausible.core.errors import InputError
from plausible.io.yamlblock import read_block_yaml
from plausible.io.yamlio import parse_yaml
from plausible.io.yamlresolve import as_written, written_text

ROOT = Path(__file__).resolve().parent.parent


def same(a: Any, b: Any) -> bool:
    """Equal values of the same kind written the same way, dict keys in the same order (NaN equals NaN)."""
    if _kind(a) is not _kind(b) or written_text(a) != written_text(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _kind(value: Any) -> type:
    """The YAML kind of a value (a number YAML read from ``0x1F`` is an int that remembers its text)."""
    for kind in (bool, int, float, dt.datetime, dt.date):
        if isinstance(value, kind):
            return kind
    return type(value)


def check_agreement(text: str) -> bool:
    """Assert the fast reader agrees with the full one or gives up; return whether it read the text."""
    quick = read_block_yaml(text)
    try:
        full = parse_yaml(text, "f.yaml", fast=False)
    except InputError:
        assert quick is None, f"the full reader refuses this text but the fast one read it:\n{text}"
        return False
    if full.problems or full.data is None:
        assert quick is None, f"the full reader found problems the fast one did not:\n{text}"
        return False
    if quick is None:
        return False
    data, lines = quick
    assert same(data, full.data), f"values differ:\n{text}\nfast: {data!r}\nfull: {full.data!r}"
    assert lines == full.lines, f"lines differ:\n{text}\nfast: {lines}\nfull: {full.lines}"
    return True


READ_FAST = [
    "a: 1\n",
    "# comment\n---\nitems:\n- id: a\n  x: 0.5\n- id: b\n",
    "items:\n  - id: a\n    likelihoods:\n      q:\n        h1: very likely   # a note\n        h2: 0.3\n",
    "a:\nb: ~\nc: null\nd: ''\ne: \"\"\n",
    "yes: no\non: off\ny: n\nt: true\nf: False\n",
    "year: 2015\n2015: x\nd: 2015-06-16\nq: '2015-06-16'\nt: 2015-06-16 10:20:30\n",
    "ints: [1, 0x1F, 0o17, -5, +3, 1_000]\nsexagesimal: 190:20:30\nfloats: [1.5, -.5, 1e3, .inf, -.Inf, .nan]\n",
    "s: it's fine\nq: 'it''s'\ndq: \"say: hi # not a comment\"\nu: Ünïcödé — text\n",
    "url: http://example.org/a#b\ncolon: a:b\nhash: a#b\ndash: -x\nneg: -1\n",
    "summary: >-\n  folded text\n  over two lines\nnext: 1\n",
    "summary: >\n  folded text\n  over lines\n\nnext: 1\n",
    "summary: |\n  literal # text\n  lines\nnext: 1\n",
    "summary: |-\n  literal\n  lines\n# a comment after it\nnext: 1\n",
    "- >-\n  folded in a list\n- plain\n",
    "m: {a: 1, b: [x, 'y z', \"w\"], c: {}}\nl: []\n",
    "credibility:\n  \"1\": 1.0   # confirmed\n  '2': 0.9\n",
    "list:\n- a\n- b\nafter: c\n",
    "outer:\n  - inner:\n    - 1\n    - 2\n    k: v\n",
    "-   id: wide\n    x: 1\n-   id: two\n",
    "a:\n  b:\n    c:\n      d: deep\n  e: back\nf: top\n",
    "k: value with trailing spaces   \n",
    "a: >\n  one  \n  two\nb: |\n  one  \n  two\n",
]

GIVE_UP = [
    "a: &x 1\nb: *x\n",  # anchors and aliases
    "a: !!python/object:os.system x\n",  # tags
    "a: b\n  continued plain line\n",  # multi-line plain scalar
    'a: "multi\n  line"\n',  # multi-line quoted scalar
    'a: "tab\\tescape"\n',  # escapes
    "a: |2\n   indented\n",  # indentation indicator
    "a: >\n  one\n\n  two\n",  # blank line inside a block scalar
    "a: >\n  one\n    more indented\n",
    "a: [1,\n  2]\n",  # multi-line flow
    "a: [1, 2,]\n",  # trailing comma
    "a: {b: c: d}\n",
    "? complex key\n: value\n",
    "a:\tb\n",
    "a: 1\r\nb: 2\r\n",
    "- - nested\n",
    "a: 1\n---\nb: 2\n",
    "  a: 1\n",  # indented root
    "a: 1\na: 2\n",  # duplicate key: the full reader reports it
    "<<: {a: 1}\n",
    "a: b: c\n",
    "a: b:\n",
    "a: b:c:\n",
    "a: 2015-02-30\n",  # an invalid date: the full reader reports it
    "a: @x\n",
    "root:\n- [?-1]\n",  # "?" in a flow collection starts an explicit key (found by the slow fuzzing)
    "items:\n- {id: ?a, summary: x y}\n",
    "a: 1\n b: 2\n",
    "just a scalar\n",
    "",
]


@pytest.mark.parametrize("text", READ_FAST)
def test_reads_the_block_style_and_agrees(text: str) -> None:
    assert check_agreement(text), f"expected the fast reader to read:\n{text}"


@pytest.mark.parametrize("text", GIVE_UP)
def test_gives_up_outside_the_subset(text: str) -> None:
    assert read_block_yaml(text) is None
    check_agreement(text)


def _repository_yaml() -> list[Path]:
    skip = {".venv", ".git", "node_modules"}
    return sorted(p for p in ROOT.rglob("*.y*ml") if not skip & set(p.relative_to(ROOT).parts))


def test_agrees_on_every_yaml_file_in_the_repository() -> None:
    files = _repository_yaml()
    assert len(files) > 100  # the workspace, the invalid corpus, exercises, fixtures
    read = 0
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (UnicodeDecodeError, IsADirectoryError):
            continue
        if "\0" in text:
            continue
        read += check_agreement(text)
    assert read > 100


def test_reads_the_workspace_files_fast() -> None:
    """The speed-up must reach real analyst files, not only generated ones."""
    for folder, share in (("hypotheses", 1.0), ("models", 1.0), ("evidence", 0.75)):
        files = sorted((ROOT / folder).glob("*.yaml"))
        fast = [p for p in files if read_block_yaml(p.read_text(encoding="utf-8")) is not None]
        assert len(fast) >= share * len(files), (folder, sorted(set(files) - set(fast)))


def test_synthetic_workspace_files_are_read_fast(tmp_path: Path) -> None:
    from plausible.testing import synthetic_workspace

    synthetic_workspace(tmp_path, 3, n_items=40, n_files=2)
    for path in sorted(tmp_path.rglob("*.yaml")):
        assert check_agreement(path.read_text(encoding="utf-8")), path


# --- ids written unquoted, as values and as mapping keys ------------------------------------------------------

# What libyaml's composer (YAML 1.1 resolution, booleans narrowed to YAML 1.2's) makes of each, written by hand.
# Keys always stay the text typed; a value read as a number or date remembers the text it was written with
# (``written_text``), so that where an id belongs, it is that text.
IDS: list[tuple[str, Any]] = [
    ("0x1F", as_written(31, "0x1F")),
    ("0123", as_written(83, "0123")),  # YAML 1.1 octal
    ("1_000", as_written(1000, "1_000")),
    ("1e3", "1e3"),  # YAML 1.1 floats need a dot
    ("1.0e+3", as_written(1000.0, "1.0e+3")),
    ("2015-06-01", dt.date(2015, 6, 1)),
    ("0o17", "0o17"),  # YAML 1.2 octal is text under 1.1
    ("0b101", as_written(5, "0b101")),
    ("08", "08"),  # not octal, not decimal: text
    ("1:20", as_written(80, "1:20")),  # sexagesimal
    ("+1", as_written(1, "+1")),
    (".5", as_written(0.5, ".5")),
    ("no", "no"),
    ("a-1", "a-1"),
]


@pytest.mark.parametrize(("text", "value"), IDS, ids=[t for t, _ in IDS])
def test_unquoted_ids_as_values_and_keys(text: str, value: Any) -> None:
    yaml_text = f"items:\n- id: {text}\n  likelihoods:\n    {text}: 0.5\n    other: 0.1\n"
    reference = parse_yaml(yaml_text, "f.yaml", fast=False)
    assert same(reference.data["items"][0]["id"], value)
    assert list(reference.data["items"][0]["likelihoods"]) == [text, "other"]
    assert reference.line_of(("items", 0, "likelihoods", text)) == 4
    check_agreement(yaml_text)  # the fast reader reads it the same way or gives up


_ID = st.one_of(
    st.sampled_from([t for t, _ in IDS] + ["2015-02-30", "0x", "1__0", "1.5.2", "-0", "0x1f"]),
    st.from_regex(r"[0-9]([0-9_xoeE.:+-]{0,6}[0-9a-f])?", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
)
ITEM = st.tuples(_ID, st.lists(st.tuples(_ID, st.sampled_from(["0.5", "likely", "1e-3", "'0.2'"])), max_size=4))


def items_file(items: list[tuple[str, list[tuple[str, str]]]], indent: int) -> str:
    """An evidence-style file whose item ids and likelihood keys are written unquoted."""
    pad = "  " * indent
    lines = ["items:"]
    for item_id, likelihoods in items:
        lines += [f"{pad}- id: {item_id}", f"{pad}  summary: a report", f"{pad}  likelihoods:"]
        lines += [f"{pad}    {key}: {value}" for key, value in likelihoods]
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ITEM, min_size=1, max_size=5), st.integers(0, 1))
def test_agrees_on_files_with_unquoted_ids(items: list[tuple[str, list[tuple[str, str]]]], indent: int) -> None:
    check_agreement(items_file(items, indent))


# --- generated documents ------------------------------------------------------------------------------------

_TRICKY = ["yes", "no", "on", "true", "null", "~", "2015", "1e3", "0x1F", "-", "a: b", "a #b", "#x", "'q'", '"d"',
           "[x]", "{y}", "&a", "*a", "!t", "|", ">", "%", "@", "`", "- x", "? x", ": x", " lead", "trail ", "a,b",
           "2015-06-16", "1:20", ".inf", ".nan", "", "é — ü", "x\ny", "tab\tx", "back\\slash"]
_KEYS = st.one_of(st.sampled_from(["id", "a", "b-c", "x.y", "2015", "yes", "true", "null", "1"]),
                  st.text(alphabet="abz09_-. :#'\"[{", min_size=0, max_size=6))
_SCALARS = st.one_of(
    st.sampled_from(_TRICKY),
    st.text(alphabet="ab 0.:#-'\"[]{},é&*!|>", max_size=12),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
_DOCS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=20,
)


def _dump(data: Any, style: int) -> str:
    options: list[dict[str, Any]] = [
        {"default_flow_style": False},
        {"default_flow_style": None},
        {"default_flow_style": False, "indent": 4, "width": 40},
        {"default_flow_style": False, "explicit_start": True, "allow_unicode": True},
    ]
    return str(yaml.safe_dump(data, sort_keys=False, **options[style]))


QUICK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_MUTATIONS = [*" -:#'\"[]{},&*!|>%@`?\n\t", "  ", "- ", ": ", " #", "\n  ", "\n- ", ">-\n  "]
_EDITS = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 2), st.sampled_from(_MUTATIONS)),
                  min_size=1, max_size=3)


def _dumped(data: Any, style: int) -> None:
    check_agreement(_dump({"root": data}, style))


def _mutated(data: Any, style: int, edits: list[tuple[int, int, str]]) -> None:
    text = _dump({"root": data, "items": [{"id": "a", "summary": "x y"}]}, style)
    for position, cut, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + cut:]
    check_agreement(text)


test_agrees_on_dumped_documents = QUICK(given(data=_DOCS, style=st.integers(0, 3))(_dumped))
test_agrees_on_mutated_documents = QUICK(given(data=_DOCS, style=st.integers(0, 3), edits=_EDITS)(_mutated))
test_agrees_on_many_dumped_documents = pytest.mark.slow(
    THOROUGH(given(data=_DOCS, style=st.integers(0, 3))(_dumped)))
test_agrees_on_many_mutated_documents = pytest.mark.slow(
    THOROUGH(given(data=_DOCS, style=st.integers(0, 3), edits=_EDITS)(_mutated)))
