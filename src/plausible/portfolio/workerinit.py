"""Set-up of each worker process of the embedded cluster (a Dask preload: Dask calls :func:`dask_setup`)."""

from __future__ import annotations

import signal
import threading
from typing import Any

__all__ = ["dask_setup"]


def dask_setup(worker: Any) -> None:
    """Ignore Ctrl-C in the worker.

    A terminal sends Ctrl-C to every process of the command; the client alone handles it (it keeps what
    arrived and stops the cluster), where each worker would otherwise print a traceback.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
