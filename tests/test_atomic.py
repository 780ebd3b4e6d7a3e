"""Atomic output: whole files, the permissions a plain write gives, and no change to process state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plausible.core.errors import UsageError
from plausible.io import atomic
from plausible.io.atomic import save_datatree, write_atomic

SRC = Path(atomic.__file__).resolve().parents[1]

# In a fresh process under a given umask: the mode of a file written by write_atomic (new, and replacing a file
# of other permissions), and of one written by a plain open(), which is what users expect outputs to get.
MODES = """
import json, os, sys
from plausible.io.atomic import write_atomic
os.umask(int(sys.argv[2], 8))
folder = sys.argv[1]
with open(os.path.join(folder, "plain"), "w") as handle:
    handle.write("x")
write_atomic(os.path.join(folder, "new"), "x")
replaced = os.path.join(folder, "replaced")
with open(replaced, "w") as handle:
    handle.write("old")
os.chmod(replaced, 0o600)
write_atomic(replaced, "x")
modes = {name: os.stat(os.path.join(folder, name)).st_mode & 0o777 for name in ("plain", "new", "replaced")}
if len(sys.argv) > 3:
    import xarray as xr
    from plausible.io.atomic import save_datatree
    save_datatree(xr.DataTree(xr.Dataset({"a": ("x", [1.0, 2.0])})), os.path.join(folder, "tree.nc"))
    modes["tree.nc"] = os.stat(os.path.join(folder, "tree.nc")).st_mode & 0o777
print(json.dumps(modes))
"""


def modes_under(umask: int, folder: Path, *, datatree: bool = False) -> dict[str, int]:
    folder.mkdir()
    argv = [sys.executable, "-c", MODES, str(folder), oct(umask)] + (["datatree"] if datatree else [])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True)
    modes: dict[str, int] = json.loads(done.stdout)
    return modes


@pytest.mark.skipif(os.name != "posix", reason="umask and permission bits are POSIX")
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002, 0o027])
def test_written_files_get_the_mode_a_plain_open_gives(tmp_path: Path, umask: int) -> None:
    modes = modes_under(umask, tmp_path / "out")
    assert modes["plain"] == 0o666 & ~umask  # the expectation itself, independently
    assert modes["new"] == modes["plain"] and modes["replaced"] == modes["plain"]


@pytest.mark.skipif(os.name != "posix", reason="umask and permission bits are POSIX")
def test_a_saved_datatree_gets_the_mode_a_plain_open_gives(tmp_path: Path) -> None:
    modes = modes_under(0o027, tmp_path / "out", datatree=True)
    assert modes["tree.nc"] == modes["plain"] == 0o640


def test_the_umask_is_never_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Setting the umask to read it races with every other thread creating files meanwhile.
    def no_umask(mask: int) -> int:
        raise AssertionError("os.umask called")

    monkeypatch.setattr(os, "umask", no_umask)
    write_atomic(tmp_path / "a.txt", "text")
    xr = pytest.importorskip("xarray")
    save_datatree(xr.DataTree(xr.Dataset({"a": ("x", [1.0])})), tmp_path / "t.nc")
    assert (tmp_path / "a.txt").read_text() == "text" and (tmp_path / "t.nc").stat().st_size > 0
    users = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if "umask(" in p.read_text(encoding="utf-8")]
    assert users == []


def test_a_write_replaces_the_whole_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old content, longer than the new one")
    assert write_atomic(target, b"new") == target
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(UsageError, match=r"cannot write .*out\.txt: No space left on device"):
        write_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot write .*nowhere"):
        write_atomic(tmp_path / "nowhere" / "out.txt", "x")
