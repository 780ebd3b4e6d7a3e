"""Atomic output: a killed run leaves the old file or the new one, never half of one."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

from plausible.core.errors import UsageError

__all__ = ["save_datatree", "write_atomic"]


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Parameters
    ----------
    path : str or PathLike
        The destination; its folder must exist.
    data : str or bytes
        Text is written as UTF-8.

    Returns
    -------
    Path
        The destination.

    Raises
    ------
    UsageError
        When the destination cannot be written (permissions, missing folder), with the reason.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = _create_temporary(target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def save_datatree(tree: Any, path: str | os.PathLike[str]) -> Path:
    """Save an ArviZ/xarray DataTree to netCDF atomically (temporary file, then rename).

    Raises
    ------
    UsageError
        When there is nothing to save or the file cannot be written.
    """
    if tree is None:
        raise UsageError("there are no draws to save: --save needs --method mcmc")
    target = Path(path)
    try:
        fd, tmp = _create_temporary(target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        tree.to_netcdf(tmp, engine="h5netcdf")  # truncates the file we made: its permissions stay
        os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


_TEMPORARY_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
                    | getattr(os, "O_NOFOLLOW", 0))


def _create_temporary(target: Path) -> tuple[int, str]:
    """Create a new, empty temporary file beside ``target``; returns its descriptor (open to write) and path.

    It is created asking for mode 0o666, as ``open(path, "w")`` does, so the kernel applies the umask (and any
    default ACL of the folder): the output gets the permissions a plain write would give it. (Not
    :func:`tempfile.mkstemp` and a chmod: its 0o600 would need the umask, and reading the umask means setting
    it, which races with other threads.)

    Raises
    ------
    OSError
        When the folder does not exist or cannot be written.
    """
    for _ in range(100):
        tmp = str(target.parent / f".{target.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, _TEMPORARY_FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target.parent))
