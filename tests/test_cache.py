"""The parse cache: a second load gives the same workspace, a changed file is never served stale."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from plausible.testing import synthetic_workspace
from plausible.workspace import Workspace, load_workspace

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLAUSIBLE_CACHE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "plausible" / "parsed"


def test_second_load_is_served_from_the_cache_and_identical(tmp_path: Path, cache_on: Path) -> None:
    root = synthetic_workspace(tmp_path / "ws", 3, n_items=20)
    first = load_workspace(root)
    entries = sorted(cache_on.iterdir())
    assert len(entries) == len(first.files) + 1  # one per file, one for the whole workspace
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
    from plausible.core.errors import InputError

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


def _contents(ws: Workspace) -> dict[str, Any]:
    """Everything a workspace holds, comparable across loads (a model is compared by its settings)."""
    models = {set_id: {k: v for k, v in vars(hs.model).items() if k != "_judged"} for set_id, hs in ws.sets.items()}
    sets = {set_id: (hs.id, hs.question, hs.hypotheses, hs.path, hs.indicators, hs.exhaustive, hs.description)
            for set_id, hs in ws.sets.items()}
    return {"sets": sets, "models": models, "sources": ws.sources, "items": ws.items, "warnings": ws.warnings,
            "files": list(ws.files.items())}


def test_a_workspace_from_the_cache_equals_one_read_from_its_files(
    tmp_path: Path, cache_on: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ws"
    for folder in ("hypotheses", "evidence", "models"):
        shutil.copytree(REPO / folder, root / folder)
    (root / "evidence" / "notes.docx").write_bytes(b"not a workspace file")  # a warning, found afresh each time
    monkeypatch.setenv("PLAUSIBLE_CACHE", "0")
    read = load_workspace(root)
    monkeypatch.setenv("PLAUSIBLE_CACHE", "1")
    load_workspace(root)
    served = load_workspace(root)
    assert read.warnings and _contents(served) == _contents(read)
    assert served.root == read.root and served.inputs_hash == read.inputs_hash
    for set_id in read.sets:
        assert served.posterior(set_id).to_dict() == read.posterior(set_id).to_dict()
        assert served.sets[set_id].model.inference == read.sets[set_id].model.inference


def test_a_cached_workspace_loads_without_the_file_schemas_or_the_yaml_reader(tmp_path: Path) -> None:
    root = synthetic_workspace(tmp_path / "ws", 7, n_items=8)
    script = ("import sys; from plausible.workspace import load_workspace; "
              "load_workspace(sys.argv[1]).posterior('question'); "
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'yaml'}), "
              "'plausible.model.schema' in sys.modules)")
    env = {**os.environ, "PLAUSIBLE_CACHE": "1", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, env=env,
                           check=True, timeout=120).stdout.strip() for _ in range(2)]
    assert runs == ["['pydantic', 'yaml'] True", "[] False"]


def test_the_build_fingerprint_covers_the_whole_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # An entry holds objects of every layer (a pickled workspace): editing any of them must start afresh.
    from plausible.io import cache

    seen: list[str] = []
    real_stat = os.stat

    def recording_stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", recording_stat)
    cache._code_fingerprint.__wrapped__()
    monkeypatch.undo()
    package = Path(cache.__file__).resolve().parents[1]
    covered = {Path(p).resolve().relative_to(package).as_posix() for p in seen}
    assert {"model/entities.py", "workspace/loading.py", "io/cache.py", "data/default-model.yaml"} <= covered
