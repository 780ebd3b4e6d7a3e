"""Atomic output: a killed run leaves the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
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
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        os.chmod(tmp, _default_mode())  # mkstemp makes 0600; outputs get the usual permissions
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
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        tree.to_netcdf(tmp, engine="h5netcdf")
        os.chmod(tmp, _default_mode())
        os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
