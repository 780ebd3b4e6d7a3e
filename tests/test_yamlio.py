"""Safe YAML reading (``plausible.io.yamlio``): lines, YAML 1.2 booleans, refusals, encodings and limits.

Expected values are written by hand from the YAML text of each test (the line a key is on, the text typed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import time
from pathlib import Path

import pytest
import yaml

import plausible
from plausible.core.errors import InputError
from plausible.io.yamlio import parse_yaml, read_yaml


def _only_problem(exc: pytest.ExceptionInfo[InputError]) -> plausible.Problem:
    problems = list(exc.value.problems)
    assert len(problems) == 1, problems
    return problems[0]


# --- line numbers -----------------------------------------------------------------------------------------

EVIDENCE = """\
# a comment line
items:
  - id: first
    summary: One
    likelihoods:
      q: {a: 0.7, b: 0.2}
  - id: second
    summary: >-
      folded text
      over two lines
    tags:
      - x
      - y
"""


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        (("items",), 2),
        (("items", 0), 3),
        (("items", 0, "id"), 3),
        (("items", 0, "summary"), 4),
        (("items", 0, "likelihoods"), 5),
        (("items", 0, "likelihoods", "q"), 6),
        (("items", 0, "likelihoods", "q", "b"), 6),
        (("items", 1), 7),
        (("items", 1, "summary"), 8),
        (("items", 1, "tags"), 11),
        (("items", 1, "tags", 0), 12),
        (("items", 1, "tags", 1), 13),
    ],
)
def test_line_of_keys_and_list_entries(loc: tuple[str | int, ...], line: int) -> None:
    doc = parse_yaml(EVIDENCE, "e.yaml")
    assert doc.line_of(loc) == line


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        (("items", 1, "tags", 7), 11),  # no such entry: the list's own line
        (("items", 0, "likelihoods", "q", "c", "deeper"), 6),  # no such key: the enclosing mapping's line
        (("items", 1, "nope"), 7),
        (("unknown",), 2),  # only the root encloses it: the line where the document starts
    ],
)
def test_line_of_falls_back_to_nearest_enclosing_location(loc: tuple[str | int, ...], line: int) -> None:
    doc = parse_yaml(EVIDENCE, "e.yaml")
    assert doc.line_of(loc) == line


def test_line_of_is_none_for_an_empty_document() -> None:
    doc = parse_yaml("# nothing here\n", "e.yaml")
    assert doc.data is None
    assert doc.line_of(("items", 0)) is None


def test_problem_is_located_with_path_and_line() -> None:
    doc = parse_yaml(EVIDENCE, "evidence/e.yaml")
    assert str(doc.problem(("items", 1, "tags", 1), "bad tag")) == "evidence/e.yaml:13: bad tag"


# --- values: YAML 1.2 booleans, keys as typed, dates ----------------------------------------------------


def test_yes_no_on_off_are_strings_and_true_false_are_booleans() -> None:
    text = "a: yes\nb: no\nc: on\nd: off\ne: Yes\nf: NO\ng: y\nh: n\ni: true\nj: false\nk: True\nl: FALSE\n"
    data = parse_yaml(text, "f.yaml").data
    assert data == {
        "a": "yes", "b": "no", "c": "on", "d": "off", "e": "Yes", "f": "NO", "g": "y", "h": "n",
        "i": True, "j": False, "k": True, "l": False,
    }
    assert all(type(data[k]) is bool for k in "ijkl")


def test_a_list_of_yes_no_options_stays_text() -> None:
    assert parse_yaml("options: [yes, no, on, off]\n", "f.yaml").data == {"options": ["yes", "no", "on", "off"]}


def test_numbers_and_nulls_are_still_read() -> None:
    data = parse_yaml("i: 2015\nf: 0.25\ne: 1.0e-3\nn: null\nt: ~\ns: '2015'\n", "f.yaml").data
    assert data == {"i": 2015, "f": 0.25, "e": 0.001, "n": None, "t": None, "s": "2015"}
    assert type(data["i"]) is int


@pytest.mark.parametrize(
    "key", ["2015", "1.50", "0x1F", "true", "False", "yes", "no", "on", "null", "~", "2015-06-16", "1e3"]
)
def test_mapping_keys_are_the_text_typed(key: str) -> None:
    doc = parse_yaml(f"{key}: value\nother: 1\n", "f.yaml")
    assert list(doc.data) == [key, "other"]
    assert doc.data[key] == "value"
    assert doc.line_of((key,)) == 1


def test_dates_are_parsed() -> None:
    data = parse_yaml("reported: 2015-06-16\nobserved: 2014-10-15\nwhen: 2015-06-16T10:30:00Z\n", "f.yaml").data
    assert data["reported"] == dt.date(2015, 6, 16)
    assert type(data["reported"]) is dt.date
    assert data["observed"] == dt.date(2014, 10, 15)
    assert isinstance(data["when"], dt.datetime)
    assert (data["when"].year, data["when"].hour, data["when"].minute) == (2015, 10, 30)


def test_an_impossible_date_is_a_located_problem_and_the_rest_is_kept() -> None:
    doc = parse_yaml("a: 1\nreported: 2015-02-30\nc: 3\n", "f.yaml")
    assert doc.data == {"a": 1, "reported": None, "c": 3}
    assert [(p.line, "invalid date" in p.message, "YYYY-MM-DD" in p.message) for p in doc.problems] == [
        (2, True, True)
    ]
    assert ("reported",) in doc.broken


def test_the_loader_does_not_change_pyyaml_for_everyone_else() -> None:
    parse_yaml("a: yes\n", "f.yaml")
    assert yaml.safe_load("a: yes\n") == {"a": True}


# --- refusals: duplicate keys, merge keys, object tags, alias bombs -------------------------------------


def test_duplicate_key_is_reported_at_its_second_line() -> None:
    doc = parse_yaml("id: x\nsummary: one\nnote: n\nsummary: two\n", "f.yaml")
    assert [p.line for p in doc.problems] == [4]
    assert "duplicate key 'summary'" in doc.problems[0].message
    assert doc.data["id"] == "x"


def test_duplicate_key_in_a_nested_mapping_is_reported_at_its_line() -> None:
    doc = parse_yaml("likelihoods:\n  q:\n    a: 0.7\n    b: 0.2\n    a: 0.3\n", "f.yaml")
    assert [(p.line, "duplicate key 'a'" in p.message) for p in doc.problems] == [(5, True)]


def test_merge_key_is_reported_at_its_line() -> None:
    doc = parse_yaml("base: &b\n  x: 1\nother:\n  y: 2\n  <<: *b\n", "f.yaml")
    assert [p.line for p in doc.problems] == [5]
    assert "merge keys" in doc.problems[0].message
    assert "x" not in doc.data["other"]  # nothing was merged


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: !!python/name:os.system\n", 2),
        ("a: 1\nb: 2\nc: !!python/object:collections.OrderedDict {}\n", 3),
        ("a: !!python/tuple [1, 2]\n", 1),
        ("a: 1\nb: !custom thing\n", 2),
    ],
)
def test_object_tags_are_reported_with_their_line(text: str, line: int) -> None:
    doc = parse_yaml(text, "f.yaml")
    assert [p.line for p in doc.problems] == [line]
    assert "unsupported YAML tag" in doc.problems[0].message
    assert "nothing is executed" in doc.problems[0].message


def test_a_tag_that_would_create_a_file_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    evil = tmp_path / "evil.yaml"
    evil.write_text(
        "a: 1\n"
        f"b: !!python/object/apply:os.system ['touch {target}']\n"
        f"c: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{target}']]\n",
        encoding="utf-8",
    )
    doc = read_yaml(evil, "evil.yaml")
    assert not target.exists()
    assert sorted(p.line for p in doc.problems) == [2, 3]
    assert doc.data == {"a": 1, "b": None, "c": None}


def test_a_tag_that_would_create_a_file_fails_the_workspace_and_creates_nothing(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace({
        "hypotheses/q.yaml": "question: Q?\nexhaustive: true\nhypotheses:\n  - {id: a, title: A}\n  - {id: b, title: B}\n",
    })
    target = root / "created-by-yaml"
    (root / "hypotheses" / "q.yaml").write_text(
        f"question: !!python/object/apply:os.system ['touch {target}']\nexhaustive: true\n"
        "hypotheses:\n  - {id: a, title: A}\n  - {id: b, title: B}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        plausible.load_workspace(root)
    assert not target.exists()
    assert any(p.path == "hypotheses/q.yaml" and p.line == 1 and "unsupported YAML tag" in p.message
               for p in exc.value.problems)


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    names = [f"l{i}" for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['lol'] * width)}]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_bounded_and_reported() -> None:
    text = _alias_bomb()  # 9**9 ≈ 387 million strings if expanded
    started = time.perf_counter()
    with pytest.raises(InputError) as exc:
        parse_yaml(text, "bomb.yaml")
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0  # generous: it does a few thousand steps, not hundreds of millions
    problem = _only_problem(exc)
    assert problem.path == "bomb.yaml"
    assert problem.line is not None and 1 <= problem.line <= 9
    assert "alias bomb" in problem.message


def test_ordinary_aliases_of_small_lists_work() -> None:
    text = "hyps: &h [a, b, c]\nfirst: *h\nsecond: {x: *h}\nboth: [*h, *h]\nmap: &m {p: 1}\nagain: *m\n"
    doc = parse_yaml(text, "f.yaml")
    assert doc.problems == ()
    assert doc.data["first"] == ["a", "b", "c"]
    assert doc.data["second"] == {"x": ["a", "b", "c"]}
    assert doc.data["both"] == [["a", "b", "c"], ["a", "b", "c"]]
    assert doc.data["again"] == {"p": 1}


# --- syntax errors -----------------------------------------------------------------------------------------


def test_tab_indentation_gives_the_tab_hint_at_its_line() -> None:
    with pytest.raises(InputError) as exc:
        parse_yaml("items:\n  - id: a\n\tsummary: b\n", "e.yaml")
    problem = _only_problem(exc)
    assert problem.line == 3
    assert "tabs" in problem.message and "spaces" in problem.message


def test_tab_after_a_key_gives_the_tab_hint() -> None:
    with pytest.raises(InputError) as exc:
        parse_yaml("a:\n\tb: 1\n", "e.yaml")
    problem = _only_problem(exc)
    assert problem.line == 2
    assert "YAML does not allow tabs for indentation" in problem.message


@pytest.mark.parametrize("quote", ['"', "'"])
def test_unclosed_quote_is_located_where_the_quote_opens(quote: str) -> None:
    text = f"items:\n  - id: a\n    summary: {quote}The main pump failed.\n    source: x\n    reported: 2024-03-02\n"
    with pytest.raises(InputError) as exc:
        parse_yaml(text, "e.yaml")
    problem = _only_problem(exc)
    assert problem.line == 3
    assert "never closed" in problem.message


@pytest.mark.parametrize("quote", ['"', "'"])
def test_unclosed_quote_is_located_where_it_opens_even_with_quoted_values_later(quote: str) -> None:
    text = (
        "items:\n"
        "  - id: a\n"
        f"    summary: {quote}The pump failed.\n"  # line 3: never closed
        "    source: x\n"
        "  - id: b\n"
        f"    summary: {quote}Screens went dark.{quote}\n"
        "    source: y\n"
    )
    with pytest.raises(InputError) as exc:
        parse_yaml(text, "e.yaml")
    assert _only_problem(exc).line == 3


# --- encodings, NUL, size -----------------------------------------------------------------------------------


def test_non_utf8_bytes_are_located_by_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nb: 2\nc: caf\xe9\nd: 4\n")
    with pytest.raises(InputError) as exc:
        read_yaml(path, "evidence/latin1.yaml")
    problem = _only_problem(exc)
    assert (problem.path, problem.line) == ("evidence/latin1.yaml", 3)
    assert "0xe9" in problem.message and "UTF-8" in problem.message


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfid: x\nyear: 2015\n")
    doc = read_yaml(path, "bom.yaml")
    assert doc.data == {"id": "x", "year": 2015}
    assert doc.problems == ()
    assert doc.line_of(("year",)) == 2


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_bom_is_refused(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "wide.yaml"
    path.write_bytes("\ufeffa: 1\nb: 2\n".encode(encoding))  # what editors write as "UTF-16 with BOM"
    with pytest.raises(InputError) as exc:
        read_yaml(path, "wide.yaml")
    problem = _only_problem(exc)
    assert "UTF-16" in problem.message and "save the file as UTF-8" in problem.message


def test_a_nul_byte_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"a: 1\nb: 2\nc: x\x00y\n")
    with pytest.raises(InputError) as exc:
        read_yaml(path, "binary.yaml")
    problem = _only_problem(exc)
    assert problem.line == 3
    assert "NUL" in problem.message


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    content = b"summary: " + b"x" * 91 + b"\n"
    path.write_bytes(content)
    assert len(content) == 101
    assert read_yaml(path, "big.yaml", max_bytes=101).data == {"summary": "x" * 91}
    with pytest.raises(InputError) as exc:
        read_yaml(path, "big.yaml", max_bytes=100)
    problem = _only_problem(exc)
    assert problem.path == "big.yaml"
    assert "101" in problem.message and "100" in problem.message and "limit" in problem.message


def test_read_yaml_hashes_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: 1\n")
    assert read_yaml(path, "f.yaml").sha256 == hashlib.sha256(b"a: 1\n").hexdigest()


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_yaml(tmp_path / "absent.yaml", "absent.yaml")
    problem = _only_problem(exc)
    assert problem.path == "absent.yaml" and "cannot read" in problem.message
