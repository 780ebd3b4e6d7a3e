"""Set-up of each worker process of the embedded cluster (a Dask preload: Dask calls :func:`dask_setup`)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

__all__ = ["dask_setup"]


def dask_setup(worker: Any) -> None:
    """Ignore Ctrl-C in the worker, and the heartbeat's error when the cluster stops.

    A terminal sends Ctrl-C to every process of the command; the client alone handles it (it keeps what
    arrived and stops the cluster), where each worker would otherwise print a traceback.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("distributed.worker").addFilter(_no_heartbeat_after_close)


def _no_heartbeat_after_close(record: logging.LogRecord) -> bool:
    """Drop the worker's report that a heartbeat found the scheduler gone.

    When the client stops the cluster (at the end of a run or on Ctrl-C), a worker's heartbeat in flight
    finds the scheduler closed and logs an error with a traceback, though nothing went wrong: the results
    that arrived are kept, and a task that failed is reported by the client.
    """
    return not record.getMessage().startswith("Failed to communicate with scheduler during heartbeat")
