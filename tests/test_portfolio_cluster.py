"""``plausible portfolio run`` against a separately started cluster, with a worker killed mid-run, and Ctrl-C.

The scheduler and the workers are separate OS processes (``python -m dask scheduler`` / ``worker``) on
127.0.0.1, stopped by the tests. MCMC tasks are long enough for a worker to die holding one.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from plausible.core.types import Method
from plausible.portfolio.runner import run_portfolio
from plausible.portfolio.store import Store
from plausible.testing import synthetic_portfolio
from plausible.workspace import load_workspace

pytestmark = pytest.mark.slow

SRC = Path(__file__).resolve().parents[1] / "src"
OPTIONS = {"draws": 100, "tune": 100, "chains": 2, "seed": 11}


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
            "PLAUSIBLE_CACHE": "0"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def cluster() -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A scheduler and two workers (no nanny: each worker is one OS process), all on 127.0.0.1."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port",
                                   str(port), "--no-dashboard"], env=_environment(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        workers = [subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--host", "127.0.0.1",
                                     "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}"],
                                    env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for i in range(2)]
        processes.extend(workers)
        from dask.distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for process in reversed(processes):
            _stop(process)


def _serial(roots: list[Path]) -> dict[tuple[str, str], dict[str, float]]:
    out = {}
    for root in roots:
        ws = load_workspace(root)
        for set_id in ws.sets:
            out[(str(root.resolve()), set_id)] = ws.posterior(set_id, "mcmc", cores=1, **OPTIONS).probabilities
    return out


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(tmp_path: Path,
                                                               cluster: tuple[str, list[subprocess.Popen[bytes]]]
                                                               ) -> None:
    address, workers = cluster
    roots = synthetic_portfolio(tmp_path / "roots", 2, 4, seed=5, n_items=6, n_hypotheses=3)
    killed: list[int] = []

    def kill_after_two(done: int, total: int, failed: int) -> None:
        if done >= 2 and not killed:
            workers[0].kill()  # SIGKILL: the worker dies holding its task
            killed.append(done)

    out = tmp_path / "out"
    summary = run_portfolio(roots, out, method=Method.MCMC, options=OPTIONS, scheduler=address,
                            progress=kill_after_two)
    assert killed and killed[0] < 8, "the worker was killed before the end"
    assert workers[0].wait(timeout=10) != 0
    assert (summary.computed, summary.failed) == (8, [])
    frame = pd.read_parquet(out)
    counts = frame.groupby(["workspace", "set", "hypothesis"]).size()
    assert (counts == 1).all() and len(counts) == len(frame)  # every set's rows once
    serial = _serial(roots)
    assert set(serial) == set(map(tuple, frame[["workspace", "set"]].drop_duplicates().to_numpy().tolist()))
    for (workspace, set_id), truth in serial.items():
        rows = frame[(frame["workspace"] == workspace) & (frame["set"] == set_id)]
        got = dict(zip(rows["hypothesis"], rows["probability"], strict=True))
        assert got == pytest.approx(truth, abs=1e-12), (workspace, set_id)


def test_ctrl_c_keeps_the_finished_rows_and_prints_no_traceback(tmp_path: Path) -> None:
    roots = synthetic_portfolio(tmp_path / "roots", 2, 5, seed=9, n_items=6, n_hypotheses=3)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "plausible", "portfolio", "run", str(tmp_path / "roots"), "--out", str(out),
               "--method", "mcmc", "--workers", "2", "--json",
               *[f"--{k}={v}" for k, v in OPTIONS.items()]]
    process = subprocess.Popen(command, env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not Store(out).files() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert Store(out).files(), "no result arrived"
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to the command and its worker processes
        stdout, stderr = process.communicate(timeout=120)
    finally:
        _stop(process)  # type: ignore[arg-type]
    assert process.returncode == 130, stderr.decode()
    summary = json.loads(stdout)
    assert summary["interrupted"] and 1 <= summary["computed"] < 10
    assert "interrupted" in stderr.decode() and "Traceback" not in stderr.decode()  # workers leave it to the client
    frame = pd.read_parquet(out)
    assert frame[["workspace", "set"]].drop_duplicates().shape[0] == summary["computed"]
    [record] = Store(out).runs()
    assert record["status"] == "interrupted"
    rest = run_portfolio(roots, out, method=Method.MCMC, options=OPTIONS, workers=2)
    assert (rest.computed, rest.skipped, rest.failed) == (10 - summary["computed"], summary["computed"], [])
