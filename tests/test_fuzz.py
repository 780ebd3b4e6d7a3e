"""Fuzzing with Hypothesis: valid workspaces never crash and keep the invariants; mutated files give
success or a clear error (exit 0 or 2), never an internal error (exit 1) or a traceback.

A quick profile runs by default; the `slow` variants run >= 1,000 examples each in CI's slow step.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from plausible.cli import app
from plausible.testing import synthetic_workspace
from plausible.workspace import load_workspace

QUICK = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COMMANDS = (["validate"], ["posterior", "question", "--json"], ["sets", "--json"], ["history", "question", "--json"],
            ["analyze", "question", "--json"])

sizes = st.fixed_dictionaries({
    "seed": st.integers(0, 2**31 - 1),
    "n_hypotheses": st.integers(2, 6),
    "n_items": st.integers(0, 25),
    "n_sources": st.integers(1, 5),
    "n_files": st.integers(1, 3),
    "origin_fraction": st.floats(0.0, 0.8),
})


def tree_hash(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".plausible" not in p.parts}


def check_valid(params: dict[str, float]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = synthetic_workspace(Path(tmp), **params)  # type: ignore[arg-type]
        before = tree_hash(root)
        runner = CliRunner()
        for command in COMMANDS:
            result = runner.invoke(app, [*command, "-w", str(root)])
            assert result.exit_code == 0, (command, result.output)
        assert tree_hash(root) == before, "a command changed the workspace"
        ws = load_workspace(root)
        post = ws.posterior("question")
        assert post.probability.sum() == pytest.approx(1.0, abs=1e-9)
        assert np.all(post.probability >= 0)
        # Relabelling: reversing the hypotheses' order in the file permutes the answer and nothing else.
        hyp_file = root / "hypotheses" / "question.yaml"
        import yaml

        data = yaml.safe_load(hyp_file.read_text())
        data["hypotheses"] = data["hypotheses"][::-1]
        hyp_file.write_text(yaml.safe_dump(data, sort_keys=False))
        reversed_post = load_workspace(root).posterior("question")
        assert reversed_post.probabilities == pytest.approx(post.probabilities, abs=1e-12)


@QUICK
@given(sizes)
def test_valid_workspaces_never_crash_quick(params: dict[str, float]) -> None:
    check_valid(params)


@pytest.mark.slow
@THOROUGH
@given(sizes)
def test_valid_workspaces_never_crash(params: dict[str, float]) -> None:
    check_valid(params)


Mutation = Callable[[bytes, np.random.Generator], bytes]


def _lines(text: bytes) -> list[bytes]:
    return text.splitlines(keepends=True) or [b""]


MUTATIONS: dict[str, Mutation] = {
    "delete line": lambda b, r: b"".join(ls[:i] + ls[i + 1 :]) if (ls := _lines(b)) and (i := int(r.integers(len(ls)))) >= 0 else b,
    "duplicate line": lambda b, r: b"".join(ls[: i + 1] + ls[i:]) if (ls := _lines(b)) and (i := int(r.integers(len(ls)))) >= 0 else b,
    "swap lines": lambda b, r: b"".join(ls[::-1][: len(ls) // 2] + ls[len(ls) // 2 :]) if (ls := _lines(b)) else b,
    "flip byte": lambda b, r: b[: (i := int(r.integers(max(len(b), 1))))] + bytes([int(r.integers(256))]) + b[i + 1 :],
    "insert bytes": lambda b, r: b[: (i := int(r.integers(max(len(b), 1))))] + r.bytes(int(r.integers(1, 8))) + b[i:],
    "truncate": lambda b, r: b[: int(r.integers(max(len(b), 1)))],
    "indent": lambda b, r: b"".join((b"  " + ln if r.uniform() < 0.2 else ln) for ln in _lines(b)),
    "tab": lambda b, r: b.replace(b"  ", b"\t", 1),
    "yaml specials": lambda b, r: b.replace(b": ", [b": &a ", b": *a ", b": !!python/name:os.system ", b": [",
                                                        b": {", b": |\n", b": ~ ", b": .nan "][int(r.integers(8))], 1),
    "empty": lambda b, r: b"",
    "numbers": lambda b, r: b.replace(b"0.", [b"1.", b"-0.", b"0.0e-999", b"1e309", b"."][int(r.integers(5))], 1),
}

mutations = st.lists(st.tuples(st.sampled_from(sorted(MUTATIONS)), st.integers(0, 2**31 - 1)), min_size=1, max_size=3)


def check_mutated(seed: int, plan: list[tuple[str, int]], file_choice: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = synthetic_workspace(Path(tmp), seed % 1000, n_items=8, n_files=2, origin_fraction=0.3)
        files = sorted(p for p in root.rglob("*.yaml"))
        target = files[file_choice % len(files)]
        data = target.read_bytes()
        for name, mutation_seed in plan:
            data = MUTATIONS[name](data, np.random.default_rng(mutation_seed))
        target.write_bytes(data)
        before = tree_hash(root)
        runner = CliRunner()
        for command in COMMANDS:
            result = runner.invoke(app, [*command, "-w", str(root)])
            assert result.exit_code in (0, 2), (command, plan, result.output)
            assert "Traceback" not in result.output and "internal error" not in result.output, result.output
        assert tree_hash(root) == before


@QUICK
@given(st.integers(0, 10_000), mutations, st.integers(0, 100))
def test_mutated_files_give_success_or_a_clear_error_quick(seed: int, plan: list[tuple[str, int]], choice: int) -> None:
    check_mutated(seed, plan, choice)


@pytest.mark.slow
@THOROUGH
@given(st.integers(0, 10_000), mutations, st.integers(0, 100))
def test_mutated_files_give_success_or_a_clear_error(seed: int, plan: list[tuple[str, int]], choice: int) -> None:
    check_mutated(seed, plan, choice)


def test_repository_workspace_is_left_byte_identical(repo_root: Path, tmp_path: Path) -> None:
    for folder in ("hypotheses", "evidence", "models", "analysts"):
        shutil.copytree(repo_root / folder, tmp_path / folder)
    before = tree_hash(tmp_path)
    runner = CliRunner()
    for command in (["validate"], ["posterior", "dprk-driver", "--json"], ["sets"], ["history", "dprk-driver"],
                    ["analyze", "dprk-driver", "--json"], ["posterior", "dprk-openness"], ["update"], ["update", "--json"]):
        assert runner.invoke(app, [*command, "-w", str(tmp_path)]).exit_code == 0
    assert tree_hash(tmp_path) == before


def test_exact_json_is_deterministic(repo_root: Path) -> None:
    runner = CliRunner()
    outputs = {runner.invoke(app, ["analyze", "dprk-driver", "--json", "-w", str(repo_root)]).stdout for _ in range(3)}
    assert len(outputs) == 1
