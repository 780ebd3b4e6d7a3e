"""The parse cache: a second load gives the same workspace, a changed file is never served stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from plausible.testing import synthetic_workspace
from plausible.workspace import load_workspace


@pytest.fixture
def cache_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLAUSIBLE_CACHE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "plausible" / "parsed"


def test_second_load_is_served_from_the_cache_and_identical(tmp_path: Path, cache_on: Path) -> None:
    root = synthetic_workspace(tmp_path / "ws", 3, n_items=20)
    first = load_workspace(root)
    entries = sorted(cache_on.iterdir())
    assert len(entries) == len(first.files)
    second = load_workspace(root)
    assert sorted(cache_on.iterdir()) == entries
    assert second.posterior("question").to_dict() == first.posterior("question").to_dict()
    assert [i.id for i in second.items] == [i.id for i in first.items]


def test_a_changed_file_is_read_again(tmp_path: Path, cache_on: Path) -> None:
    root = synthetic_workspace(tmp_path / "ws", 4, n_items=10)
    before = load_workspace(root).posterior("question").probabilities
    hyp = root / "hypotheses" / "question.yaml"
    hyp.write_text(hyp.read_text().replace("prior:", "priorr:", 1))
    with pytest.raises(Exception, match="priorr"):
        load_workspace(root)
    hyp.write_text(hyp.read_text().replace("priorr:", "prior:", 1))
    assert load_workspace(root).posterior("question").probabilities == pytest.approx(before)


def test_problems_are_reported_the_same_from_the_cache(tmp_path: Path, cache_on: Path) -> None:
    from plausible.errors import InputError

    root = synthetic_workspace(tmp_path / "ws", 5, n_items=6)
    evidence = root / "evidence" / "part-001.yaml"
    evidence.write_text(evidence.read_text().replace("summary:", "sumary:", 1))
    messages = []
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            load_workspace(root)
        messages.append([str(p) for p in caught.value.problems])
    assert messages[0] == messages[1] and any("did you mean 'summary'" in m for m in messages[0])


def test_turned_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAUSIBLE_CACHE", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    load_workspace(synthetic_workspace(tmp_path / "ws", 6, n_items=5))
    assert not (tmp_path / "cache").exists()
