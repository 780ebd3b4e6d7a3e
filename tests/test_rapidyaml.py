"""rapidyaml (``ryml``) evaluated as the single YAML reader, against libyaml's composer (the reference).

The candidate reader (``tests/rapidyaml_reader.py``) must give exactly what ``parse_yaml`` gives today: the
same values, the same line for every location, the same problems, and the same ``path:line: message`` for
malformed YAML. Where it does (block-style files, ids written unquoted, the hostile inputs) the tests below
pass. It was not adopted because of the cases marked ``xfail``: each is a minimal input on which rapidyaml
0.15.2 disagrees with libyaml. They are strict, so a rapidyaml release that fixes one turns it into an
XPASS failure, which is the cue to repeat the evaluation.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plausible.core.errors import InputError
from plausible.io.yamlio import YamlDocument, parse_yaml
from tests.test_yamlblock import _DOCS, IDS, ITEM, _dump, items_file, same

ryml = pytest.importorskip("ryml")

from tests.rapidyaml_reader import parse_yaml_ryml  # noqa: E402 - needs ryml

ROOT = Path(__file__).resolve().parent.parent


def _read(reader: Any, text: str) -> tuple[str, Any]:
    try:
        doc: YamlDocument = reader(text)
    except InputError as exc:
        return "refused", [str(p) for p in exc.problems]
    return "read", (doc.data, doc.lines, [str(p) for p in doc.problems])


def assert_agrees(text: str) -> None:
    """The rapidyaml reader gives what libyaml's composer gives: values (and types), lines, problems, errors."""
    want = _read(lambda t: parse_yaml(t, "f.yaml", fast=False), text)
    got = _read(lambda t: parse_yaml_ryml(t, "f.yaml"), text)
    assert want[0] == got[0], f"libyaml {want}, rapidyaml {got}:\n{text!r}"
    if want[0] == "refused":
        assert want[1] == got[1], f"errors differ:\n{text!r}"
        return
    assert same(want[1][0], got[1][0]), f"values differ:\n{text!r}\nlibyaml: {want[1][0]!r}\nrapidyaml: {got[1][0]!r}"
    assert want[1][1] == got[1][1], f"lines differ:\n{text!r}\nlibyaml: {want[1][1]}\nrapidyaml: {got[1][1]}"
    assert want[1][2] == got[1][2], f"problems differ:\n{text!r}"


# --- ids written unquoted, as values and as mapping keys ------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), IDS, ids=[t for t, _ in IDS])
def test_ids_as_values_and_keys(text: str, value: Any) -> None:
    yaml_text = f"items:\n- id: {text}\n  likelihoods:\n    {text}: 0.5\n    other: 0.1\n"
    reference = parse_yaml(yaml_text, "f.yaml", fast=False)
    assert same(reference.data["items"][0]["id"], value)
    assert list(reference.data["items"][0]["likelihoods"]) == [text, "other"]
    assert reference.line_of(("items", 0, "likelihoods", text)) == 4
    assert_agrees(yaml_text)


def test_rapidyaml_hands_back_the_raw_text_and_its_quoting() -> None:
    """What would let ids stay text by construction: the scalar as typed, plain or quoted."""
    tree = ryml.parse_in_arena(b"a: 0x1F\nb: '0x1F'\n0123: x\n")
    a, b, c = ryml.children(tree, tree.root_id())
    assert (bytes(tree.val(a)), tree.is_val_plain(a)) == (b"0x1F", True)
    assert (bytes(tree.val(b)), tree.is_val_squo(b)) == (b"0x1F", True)
    assert (bytes(tree.key(c)), tree.is_key_plain(c)) == (b"0123", True)


SEEDED = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@SEEDED
@given(st.lists(ITEM, min_size=1, max_size=5), st.integers(0, 1))
def test_agrees_on_workspace_style_files_with_unquoted_ids(items: list[tuple[str, list[tuple[str, str]]]],
                                                           indent: int) -> None:
    assert_agrees(items_file(items, indent))


def test_agrees_on_the_repository_files_libyaml_reads() -> None:
    read = 0
    for path in sorted(ROOT.glob("*/*.yaml")) + sorted(ROOT.glob("tests/data/**/*.yaml")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            parse_yaml(text, "f.yaml", fast=False)
        except InputError:
            continue  # messages differ (see the xfails below)
        assert_agrees(text)
        read += 1
    assert read > 50


# --- hostile input: bounded, nothing executed -----------------------------------------------------------------


def test_alias_bomb_is_bounded_and_reported_at_the_anchor_line() -> None:
    names = [f"l{i}" for i in range(9)]
    text = "\n".join([f"l0: &l0 [{', '.join(['lol'] * 9)}]"] + [
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in itertools.pairwise(names)]) + "\n"
    started = time.perf_counter()
    with pytest.raises(InputError) as exc:
        parse_yaml_ryml(text, "bomb.yaml")
    assert time.perf_counter() - started < 5.0
    [problem] = exc.value.problems
    assert problem.line is not None and 1 <= problem.line <= 9 and "alias bomb" in problem.message
    assert_agrees(text)  # the same line as libyaml: the anchor of the collection that overflows


def test_tags_are_refused_and_never_executed(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    text = f"a: 1\nb: !!python/object/apply:os.system ['touch {target}']\nc: !custom x\nd: !!str 12\n"
    doc = parse_yaml_ryml(text, "f.yaml")
    assert not target.exists()
    assert doc.data == {"a": 1, "b": None, "c": None, "d": "12"}
    assert [p.line for p in doc.problems] == [2, 3]
    assert_agrees(text)


@pytest.mark.parametrize("text", [
    "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)) + "  " * 80 + "x: 1\n",
    "a: &x [*x]\n",  # a recursive alias
    "- " * 100 + "x\n",
])
def test_deep_nesting_is_refused_with_its_line(text: str) -> None:
    assert_agrees(text)


def test_very_deep_flow_nesting_does_not_crash() -> None:
    with pytest.raises(InputError) as exc:
        parse_yaml_ryml("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "deep.yaml")
    assert "nesting deeper" in exc.value.problems[0].message


# --- where rapidyaml disagrees: minimal inputs ----------------------------------------------------------------

DISAGREEMENTS = [
    # No node locations in the Python API: a node without a scalar of its own has no line.
    pytest.param("items:\n- {}\n", id="lines: empty flow collection in a list"),
    pytest.param("items:\n-\n- x\n", id="lines: null list entry"),
    pytest.param("[\n  a]\n", id="lines: multi-line flow collection"),
    pytest.param('- "a\\Pb"\n', id="lines: escape that grows the scalar (copied to the arena)"),
    pytest.param("items: " + "[" * 70 + "]" * 70 + "\n", id="lines: nesting too deep, reported without a line"),
    # Tabs as separators after ':' (valid YAML, read by libyaml).
    pytest.param("a:\tb\n", id="tab after colon read as one string"),
    pytest.param("a: 1\nb:\t2\n", id="tab after colon refused"),
    pytest.param("{x\t}\n", id="trailing tab kept in a flow key"),
    # Invalid YAML accepted.
    pytest.param("a: @x\n", id="accepts reserved indicator @"),
    pytest.param("a: `x\n", id="accepts reserved indicator backtick"),
    pytest.param("a: }\n", id="accepts a stray closing brace"),
    pytest.param("a: {s #}\n", id="accepts a flow mapping closed inside a comment"),
    pytest.param("a: x\x01y\n", id="accepts a control character"),
    pytest.param("a: &\n", id="accepts an empty anchor"),
    # Valid YAML (for libyaml) refused.
    pytest.param("t: [7\n]\n", id="refuses a closing bracket at column 0"),
    pytest.param("{}: x\n", id="refuses a collection as a key (libyaml: 'keys must be plain text')"),
    # Error messages and lines.
    pytest.param("a: b: c\n", id="message: two colons"),
    pytest.param("items:\n  - id: a\n    summary: 'The pump failed.\n    source: x\n", id="message: unclosed quote"),
    pytest.param("t:\n{\n", id="error line"),
]


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="rapidyaml 0.15.2 disagrees with libyaml here")
@pytest.mark.parametrize("text", DISAGREEMENTS)
def test_disagreement(text: str) -> None:
    assert_agrees(text)


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="rapidyaml prints its own error and C++ source path on stderr")
def test_a_malformed_file_prints_nothing_on_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError):
        parse_yaml_ryml("a: [1\n", "f.yaml")
    assert capfd.readouterr().err == ""


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="lines of empty flow collections, see DISAGREEMENTS")
@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=_DOCS, style=st.integers(0, 3))
def test_agrees_on_dumped_documents(data: Any, style: int) -> None:
    assert_agrees(_dump({"root": data}, style))
