"""The parse cache: a second load gives the same workspace, a changed file is never served stale."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from plausible.io import cache
from plausible.testing import synthetic_workspace
from plausible.workspace import Workspace, load_workspace

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Caching on, in a temporary folder; returns this build's folder of entries."""
    monkeypatch.setenv("PLAUSIBLE_CACHE", "1")
    monkeypatch.setenv("PLAUSIBLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PLAUSIBLE_CACHE_MAX_MB", raising=False)
    folder = cache.cache_folder()
    assert folder is not None and folder.parent == tmp_path / "cache" / "parsed"
    return folder


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
    monkeypatch.setenv("PLAUSIBLE_CACHE_DIR", str(tmp_path / "cache"))
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
    for folder in ("hypotheses", "evidence", "models", "analysts"):
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
    env = {**os.environ, "PLAUSIBLE_CACHE": "1", "PLAUSIBLE_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, env=env,
                           check=True, timeout=120).stdout.strip() for _ in range(2)]
    assert runs == ["['pydantic', 'yaml'] True", "[] False"]


def test_the_build_fingerprint_covers_the_whole_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # An entry holds objects of every layer (a pickled workspace): editing any of them must start afresh.
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


# --- where the cache lives ------------------------------------------------------------------------------------


def test_the_cache_folder_follows_platformdirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    calls: list[tuple[Any, ...]] = []

    def user_cache_dir(*args: Any, **kwargs: Any) -> str:
        calls.append((args, kwargs))
        return str(tmp_path / "platform-cache")

    monkeypatch.setattr(platformdirs, "user_cache_dir", user_cache_dir)
    monkeypatch.setenv("PLAUSIBLE_CACHE", "1")
    monkeypatch.delenv("PLAUSIBLE_CACHE_DIR", raising=False)
    folder = cache.cache_folder()
    assert folder is not None and folder.is_relative_to(tmp_path / "platform-cache")
    assert calls and calls[0][0] == ("plausible",)
    load_workspace(synthetic_workspace(tmp_path / "ws", 8, n_items=4))
    assert any(folder.iterdir())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_CACHE_HOME is the Linux convention")
def test_on_linux_xdg_cache_home_is_still_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLAUSIBLE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_root() == tmp_path / "xdg" / "plausible"


def test_plausible_cache_dir_overrides_the_platform_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: pytest.fail("platformdirs asked"))
    monkeypatch.setenv("PLAUSIBLE_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.cache_root() == tmp_path / "mine"


@pytest.mark.parametrize(("value", "expected"), [
    (None, 256 * 2**20), ("64", 64 * 2**20), ("0.5", 2**19), ("0", 0),
    ("lots", 256 * 2**20), ("-1", 256 * 2**20), ("inf", 256 * 2**20), ("nan", 256 * 2**20),
])
def test_the_size_bound_setting(value: str | None, expected: int, monkeypatch: pytest.MonkeyPatch) -> None:
    if value is None:
        monkeypatch.delenv("PLAUSIBLE_CACHE_MAX_MB", raising=False)
    else:
        monkeypatch.setenv("PLAUSIBLE_CACHE_MAX_MB", value)
    assert cache.max_bytes() == expected


# --- bounded size, least recently used out ---------------------------------------------------------------------

PAYLOAD = bytes(1000)
ENTRY = len(__import__("pickle").dumps(PAYLOAD, protocol=5))  # bytes of one entry on disk


def set_bound(monkeypatch: pytest.MonkeyPatch, entries: float) -> int:
    monkeypatch.setenv("PLAUSIBLE_CACHE_MAX_MB", repr(entries * ENTRY / 2**20))
    return cache.max_bytes()


def size_on_disk(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def age(path: Path, seconds_ago: float) -> None:
    when = time.time() - seconds_ago
    os.utime(path, (when, when))


def entry(name: str) -> Path:
    folder = cache.cache_folder()
    assert folder is not None
    return folder / cache._key(name)


def test_eviction_keeps_the_bound_and_drops_the_least_recently_used(cache_on: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    limit = set_bound(monkeypatch, 3.5)
    for name in "abc":
        cache.store(PAYLOAD, name)
    for seconds_ago, name in [(300, "a"), (200, "b"), (100, "c")]:  # written in the order a, b, c
        age(entry(name), seconds_ago)
    assert cache.cached("a") == PAYLOAD  # a hit: a is now the most recently used
    cache.store(PAYLOAD, "d")  # four entries do not fit: b, then c go (down to 80 % of the bound)
    assert cache.cached("b") is None and cache.cached("c") is None
    assert cache.cached("a") == PAYLOAD and cache.cached("d") == PAYLOAD
    assert size_on_disk(cache_on.parent) <= limit


def test_the_bound_holds_over_many_writes(cache_on: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = set_bound(monkeypatch, 5)
    for i in range(40):
        cache.store(PAYLOAD, str(i))
        assert size_on_disk(cache_on.parent) <= limit
        assert cache.cached(str(i)) == PAYLOAD  # the entry just written is the last to go
    assert 3 <= len(list(cache_on.iterdir())) <= 5


def test_a_hit_marks_the_entry_as_recently_used(cache_on: Path) -> None:
    cache.store(PAYLOAD, "x")
    age(entry("x"), 3600)
    assert cache.cached("x") == PAYLOAD
    assert time.time() - entry("x").stat().st_mtime < 60


# --- upgrades ---------------------------------------------------------------------------------------------------


def as_build(monkeypatch: pytest.MonkeyPatch, fingerprint: str) -> None:
    """Act as another build of plausible, in a fresh process (it has not yet looked at the cache's size)."""
    monkeypatch.setattr(cache, "_code_fingerprint", lambda: fingerprint * 64)
    monkeypatch.setattr(cache, "_known_size", {})


def test_an_upgraded_build_removes_the_entries_of_builds_no_longer_used(cache_on: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    entries = cache_on.parent
    entries.mkdir(parents=True)
    legacy = entries / ("0" * 64)  # an entry of the old flat layout
    legacy.write_bytes(b"old pickle")
    as_build(monkeypatch, "a")
    cache.store(PAYLOAD, "x")
    old = cache.cache_folder()
    assert old is not None and old.is_dir() and not legacy.exists()
    for path in old.iterdir():
        age(path, (cache.STALE_AFTER_DAYS + 1) * 86400)
    as_build(monkeypatch, "b")  # the upgrade
    cache.store(PAYLOAD, "x")
    assert not old.exists()
    assert [p.name for p in entries.iterdir()] == [cache._build_folder()]
    assert cache.cached("x") == PAYLOAD


def test_a_build_used_recently_keeps_its_entries_until_the_bound_needs_the_room(
    cache_on: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two installs used in turn do not empty each other's cache; the older one's entries still go first.
    set_bound(monkeypatch, 3.5)
    as_build(monkeypatch, "a")
    cache.store(PAYLOAD, "1")
    cache.store(PAYLOAD, "2")
    old = cache.cache_folder()
    assert old is not None
    for path in old.iterdir():
        age(path, 3600)
    as_build(monkeypatch, "b")
    cache.store(PAYLOAD, "1")
    assert len(list(old.iterdir())) == 2  # under the bound: kept
    cache.store(PAYLOAD, "2")  # over it: the old build's entries are the least recently used
    assert not any(old.iterdir())
    assert cache.cached("1") == PAYLOAD and cache.cached("2") == PAYLOAD


# --- damaged entries ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "a folder", "another object's pickle"])
def test_a_damaged_entry_is_a_miss_and_is_replaced(tmp_path: Path, cache_on: Path, damage: str) -> None:
    root = synthetic_workspace(tmp_path / "ws", 9, n_items=12)
    expected = load_workspace(root).posterior("question").to_dict()
    entries = sorted(cache_on.iterdir())
    for path in entries:
        data = path.read_bytes()
        if damage == "a folder":
            path.unlink()
            path.mkdir()
            continue
        path.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"\x80\x05garbage" + os.urandom(64),
                          "empty": b"", "another object's pickle": __import__("pickle").dumps({"x": 1})}[damage])
    assert load_workspace(root).posterior("question").to_dict() == expected
    if damage == "a folder":  # cannot be replaced: still a miss, never an error
        assert load_workspace(root).posterior("question").to_dict() == expected
        return
    assert sorted(cache_on.iterdir()) == entries
    assert all(path.read_bytes()[:1] == b"\x80" for path in entries)  # whole pickles again
    assert load_workspace(root).posterior("question").to_dict() == expected


def test_an_unwritable_cache_is_never_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAUSIBLE_CACHE", "1")
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("PLAUSIBLE_CACHE_DIR", str(tmp_path / "a-file"))
    root = synthetic_workspace(tmp_path / "ws", 10, n_items=5)
    assert load_workspace(root).posterior("question").to_dict() == load_workspace(root).posterior("question").to_dict()
