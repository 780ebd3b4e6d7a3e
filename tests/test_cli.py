"""The command-line interface against the README's command reference: exit codes, messages, JSON shapes, and what it imports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import plausible
from plausible.cli import app
from plausible.testing import synthetic_workspace

REPO = Path(__file__).parents[1]
DPRK_SETS = ("dprk-driver", "dprk-openness")
LOCATED = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+): (?P<message>.+)$")


def invoke(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner(env={"COLUMNS": "160", **(env or {})}).invoke(app, list(args))


BROKEN = {
    "hypotheses/q.yaml": (
        "question: Which one?\n"
        "exhaustive: true\n"
        "hypotheses:\n"
        "  - id: a\n"
        "    title: A\n"
        "  - id: b\n"
        "    titel: B\n"          # line 7: typo
    ),
    "evidence/sources.yaml": "sources:\n  - {id: kcna, name: KCNA, reliability: C}\n",
    "evidence/e.yaml": (
        "items:\n"
        "  - id: one\n"
        "    summary: First\n"
        "    source: kcan\n"      # line 4: unknown source
        "    reported: 2020-01-01\n"
        "    likelihoods: {q: {a: 0.6, b: 0.3}}\n"
    ),
}


# --- validate ---------------------------------------------------------------------------------------------


def test_validate_accepts_the_repository() -> None:
    result = invoke("validate", "-w", str(REPO))
    assert result.exit_code == 0, result.output
    assert re.search(r"^ok: \d+ hypothesis sets, \d+ sources, \d+ evidence items", result.stdout, re.M)


def test_validate_reports_a_broken_workspace_as_path_line_message(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace(BROKEN)
    result = invoke("validate", "-w", str(root))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1] == "2 problems found; nothing was changed."
    assert lines[-2] == ("note: set 'q' is not built while hypotheses/q.yaml has problems: the likelihoods given "
                         "for it in evidence and analysts' files are checked once that file is fixed")
    located = [LOCATED.match(line) for line in lines[:-2]]
    assert all(located), lines
    assert [(m["path"], int(m["line"])) for m in located if m] == [("evidence/e.yaml", 4), ("hypotheses/q.yaml", 7)]
    assert "did you mean 'kcna'" in lines[0]
    assert "did you mean 'title'" in lines[1]


def test_validate_checks_a_set_s_likelihoods_once_its_file_is_fixed(write_workspace) -> None:  # type: ignore[no-untyped-def]
    files = {**BROKEN, "evidence/e.yaml": BROKEN["evidence/e.yaml"].replace("source: kcan", "source: kcna")
             .replace("a: 0.6", "a: likelyy")}
    hidden = invoke("validate", "-w", str(write_workspace(files)))
    assert hidden.exit_code == 2 and "likelyy" not in hidden.stderr and "note: set 'q' is not built" in hidden.stderr
    fixed = invoke("validate", "-w", str(write_workspace({**files, "hypotheses/q.yaml": files["hypotheses/q.yaml"]
                                                          .replace("titel", "title")})))
    assert fixed.exit_code == 2 and "note:" not in fixed.stderr
    assert "evidence/e.yaml:6: item 'one': unknown verbal term 'likelyy'; did you mean 'likely'?" in fixed.stderr


def test_validate_json_on_the_repository() -> None:
    result = invoke("validate", "--json", "-w", str(REPO))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"valid", "problems", "warnings"} <= set(data)
    assert data["valid"] is True and data["problems"] == [] and data["warnings"] == []


def test_validate_json_on_a_broken_workspace(write_workspace) -> None:  # type: ignore[no-untyped-def]
    result = invoke("validate", "--json", "-w", str(write_workspace(BROKEN)))
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert {"valid", "problems", "warnings"} <= set(data)
    assert data["valid"] is False
    assert [(p["path"], p["line"]) for p in data["problems"]] == [("evidence/e.yaml", 4), ("hypotheses/q.yaml", 7)]
    assert all(isinstance(p["message"], str) and p["message"] for p in data["problems"])
    assert [note.split(":")[0] for note in data["notes"]] == ["set 'q' is not built while hypotheses/q.yaml has problems"]


def test_validate_json_lists_warnings(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace({"hypotheses/q.yaml": "question: Q?\nhypotheses:\n  - {id: a, title: A}\n  - {id: b, title: B}\n"})
    result = invoke("validate", "--json", "-w", str(root))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["valid"] is True
    assert [w["path"] for w in data["warnings"]] == ["hypotheses/q.yaml"]


def test_validate_of_a_missing_folder_exits_2(tmp_path: Path) -> None:
    result = invoke("validate", "-w", str(tmp_path / "absent"))
    assert result.exit_code == 2
    assert "not found" in result.stderr and "Traceback" not in result.output


# --- posterior ----------------------------------------------------------------------------------------------


def test_posterior_json_follows_the_design() -> None:
    result = invoke("posterior", "dprk-driver", "--json", "-w", str(REPO))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"set", "method", "evidence", "hypotheses", "diagnostics"} <= set(data)
    assert data["set"] == "dprk-driver"
    assert data["method"] == "exact"
    ws = plausible.load_workspace(REPO)
    assert data["evidence"] == len(ws.items_for("dprk-driver"))
    assert isinstance(data["diagnostics"], dict)
    for h in data["hypotheses"]:
        assert {"id", "probability", "interval"} <= set(h)
        assert h["interval"] is None
    probabilities = {h["id"]: h["probability"] for h in data["hypotheses"]}
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-12)
    assert probabilities == ws.posterior("dprk-driver").probabilities  # exactly: JSON round-trips floats
    assert sorted(probabilities) == sorted(ws.sets["dprk-driver"].hypothesis_ids)


def test_posterior_table_names_every_hypothesis() -> None:
    result = invoke("posterior", "dprk-driver", "-w", str(REPO))
    assert result.exit_code == 0, result.output
    ws = plausible.load_workspace(REPO)
    for hid in ws.sets["dprk-driver"].hypothesis_ids:
        assert re.search(rf"(^|\W){re.escape(hid)}(\W|$)", result.stdout, re.M), hid


def test_posterior_of_an_unknown_set_suggests_the_nearest() -> None:
    result = invoke("posterior", "dprk-drivr", "-w", str(REPO))
    assert result.exit_code == 2
    assert "did you mean 'dprk-driver'" in result.stderr
    assert "Traceback" not in result.output


def test_posterior_with_an_unknown_method_exits_2() -> None:
    result = invoke("posterior", "dprk-driver", "--method", "bogus", "-w", str(REPO))
    assert result.exit_code == 2
    assert "bogus" in result.stderr and "exact" in result.stderr and "mcmc" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("flags", "named"),
    [(["--draws", "10"], "--draws"), (["--chains", "2"], "--chains"), (["--tune", "5"], "--tune"),
     (["--save", "x.nc"], "--save")],
)
def test_mcmc_only_flags_with_the_exact_method_exit_2(flags: list[str], named: str) -> None:
    result = invoke("posterior", "dprk-driver", *flags, "-w", str(REPO))
    assert result.exit_code == 2
    assert f"{named} only applies with --method mcmc" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


# --- sets ---------------------------------------------------------------------------------------------------


def test_sets_json_lists_both_dprk_sets_with_their_leader() -> None:
    result = invoke("sets", "--json", "-w", str(REPO))
    assert result.exit_code == 0, result.output
    rows = {row["set"]: row for row in json.loads(result.stdout)["sets"]}
    assert set(DPRK_SETS) <= set(rows)
    ws = plausible.load_workspace(REPO)
    for set_id in DPRK_SETS:
        probabilities = ws.posterior(set_id).probabilities
        leader = max(probabilities, key=probabilities.__getitem__)
        assert rows[set_id]["leading"] == leader
        assert rows[set_id]["probability"] == probabilities[leader]


# --- init ---------------------------------------------------------------------------------------------------


def test_init_creates_a_workspace_that_validates_and_answers(tmp_path: Path) -> None:
    target = tmp_path / "new-case"
    result = invoke("init", str(target))
    assert result.exit_code == 0, result.output
    sets = sorted(p.stem for p in (target / "hypotheses").glob("*.yaml"))
    assert len(sets) >= 1
    assert (target / "evidence" / "sources.yaml").is_file()
    checked = invoke("validate", "-w", str(target))
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith("ok:")
    answer = invoke("posterior", sets[0], "--json", "-w", str(target))
    assert answer.exit_code == 0, answer.output
    data = json.loads(answer.stdout)
    assert data["set"] == sets[0]
    assert data["evidence"] >= 1
    assert sum(h["probability"] for h in data["hypotheses"]) == pytest.approx(1.0, abs=1e-12)


def test_init_into_a_non_empty_folder_exits_2_and_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    (target / "hypotheses").mkdir()
    result = invoke("init", str(target))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == ["hypotheses", "notes.txt"]
    assert (target / "notes.txt").read_text(encoding="utf-8") == "mine\n"


# --- schema -------------------------------------------------------------------------------------------------


def test_schema_prints_strict_json_schemas() -> None:
    result = invoke("schema")
    assert result.exit_code == 0, result.output
    schemas = json.loads(result.stdout)
    assert set(schemas) == {"hypotheses", "sources", "evidence", "model", "analyst", "workspace", "exercise",
                            "forecasts", "resolutions"}
    for kind, body in schemas.items():
        assert body["additionalProperties"] is False, kind
        assert body["type"] == "object"
        assert "properties" in body


def test_schema_output_folder_gets_one_file_per_kind(tmp_path: Path) -> None:
    result = invoke("schema", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.glob("*.schema.json"))
    assert written == ["analyst.schema.json", "evidence.schema.json", "exercise.schema.json", "forecasts.schema.json", "hypotheses.schema.json",
                       "model.schema.json", "resolutions.schema.json", "sources.schema.json", "workspace.schema.json"]
    printed = json.loads(invoke("schema").stdout)
    for name in written:
        kind = name.removesuffix(".schema.json")
        assert json.loads((tmp_path / name).read_text(encoding="utf-8")) == printed[kind]


def test_schema_creates_a_missing_output_folder(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "nested"
    result = invoke("schema", "-o", str(target))
    assert result.exit_code == 0, result.output
    printed = json.loads(invoke("schema").stdout)
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{kind}.schema.json" for kind in printed)


def test_schema_into_a_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = invoke("schema", "-o", str(tmp_path / "file"))
    assert result.exit_code == 2
    assert "is a file, not a folder" in result.stderr


# --- internal errors ----------------------------------------------------------------------------------------


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom")


def test_an_internal_error_exits_1_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import plausible.cli.core

    monkeypatch.delenv("PLAUSIBLE_DEBUG", raising=False)
    monkeypatch.setattr(plausible.cli.core, "load", _boom)
    result = invoke("validate", "-w", str(REPO))
    assert result.exit_code == 1
    assert "internal error" in result.stderr and "boom" in result.stderr
    assert "PLAUSIBLE_DEBUG" in result.stderr
    assert "Traceback" not in result.output


def test_an_internal_error_shows_the_traceback_with_plausible_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    import plausible.cli.core

    monkeypatch.setattr(plausible.cli.core, "load", _boom)
    result = invoke("posterior", "dprk-driver", "-w", str(REPO), env={"PLAUSIBLE_DEBUG": "1"})
    assert result.exit_code == 1
    assert "internal error" in result.stderr
    assert "Traceback" in result.stderr and "RuntimeError: boom" in result.stderr


# --- as a program -------------------------------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PLAUSIBLE_DEBUG"}
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env=env, check=False)


def test_python_dash_m_plausible_answers_in_json() -> None:
    done = _run("-m", "plausible", "posterior", "dprk-driver", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["set"] == "dprk-driver"
    assert data["hypotheses"]


def test_version_names_the_engines_libraries_without_importing_them() -> None:
    from importlib.metadata import version

    done = _run("-X", "importtime", "-m", "plausible", "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"plausible {plausible.__version__} (Python {sys.version.split()[0]}; ")
    for name in ("pymc", "pytensor", "numpy", "arviz"):
        assert f"{name} {version(name)}" in done.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert "plausible.cli" in imported
    assert [name for name in imported if name.split(".")[0] in {"pymc", "pytensor", "numpy", "arviz"}] == []


@pytest.mark.parametrize("args", [("posterior", "dprk-driver"), ("sets",), ("analyze", "dprk-driver", "--json")])
def test_the_exact_path_does_not_import_pymc_pytensor_dask_or_pyarrow(args: tuple[str, ...]) -> None:
    done = _run("-X", "importtime", "-m", "plausible", *args)
    assert done.returncode == 0, done.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert "plausible.cli" in imported  # the import log is there to be read
    assert "plausible.cli.portfolio" in imported  # the portfolio commands are registered...
    heavy = [name for name in imported if name.split(".")[0] in {"pymc", "pytensor", "dask", "distributed",
                                                                  "pyarrow"}]
    assert heavy == []  # ...without their machinery


@pytest.mark.parametrize("loaded", [True, False])
def test_main_freezes_the_garbage_collector_only_after_pymc_loaded(loaded: bool,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The exit code of the command goes through main() unchanged, with or without the freeze."""
    import gc
    import sys

    from plausible.cli import main

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    if loaded:
        monkeypatch.setitem(sys.modules, "pymc", sys.modules.get("pymc") or object())
    else:
        monkeypatch.delitem(sys.modules, "pymc", raising=False)
    for argv, code in ((["plausible", "--help"], 0), (["plausible", "no-such-command"], 2)):
        monkeypatch.setattr(sys, "argv", argv)
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == code
    assert frozen == ([True, True] if loaded else [])


def test_after_sampling_the_program_exits_with_everything_written(tmp_path: Path) -> None:
    """Once PyMC is loaded, main() freezes the collector so the interpreter's teardown is short: the output and
    the exit code must survive."""
    root = synthetic_workspace(tmp_path / "ws", 5, n_items=6)
    out = tmp_path / "draws.nc"
    done = _run("-m", "plausible", "posterior", "question", "--method", "mcmc", "--draws", "20", "--tune", "20",
                "--chains", "2", "--seed", "1", "--json", "--save", str(out), "-w", str(root))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["method"] == "mcmc"
    assert "saved draws to" in done.stderr and out.stat().st_size > 0
    refused = _run("-m", "plausible", "posterior", "question", "--method", "mcmc", "--sampler", "bogus",
                   "-w", str(root))
    assert refused.returncode == 2, refused.stderr
    assert "sampler='bogus': must be 'pymc' or 'nutpie'" in refused.stderr


# --- MCMC from the CLI (the one sampling test in this file) -------------------------------------------------


def _mcmc_smoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chains: int) -> None:
    root = synthetic_workspace(tmp_path / "ws", 5, n_items=6)
    monkeypatch.chdir(tmp_path)
    result = invoke("posterior", "question", "--method", "mcmc", "--draws", "30", "--tune", "30",
                    "--chains", str(chains), "--cores", "1", "--seed", "3", "--json", "--save", "out.nc", "-w", str(root))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["method"] == "mcmc"
    for h in data["hypotheses"]:
        lo, hi = h["interval"]
        assert 0.0 <= lo <= hi <= 1.0
    assert sum(h["probability"] for h in data["hypotheses"]) == pytest.approx(1.0, abs=1e-9)
    assert {"r_hat", "ess_bulk", "ess_tail", "divergences"} <= set(data["diagnostics"])
    assert (tmp_path / "out.nc").is_file()
    assert (tmp_path / "out.nc").stat().st_size > 0



def test_mcmc_smoke_from_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _mcmc_smoke(tmp_path, monkeypatch, chains=1)


def test_mcmc_json_when_nothing_is_uncertain(write_workspace) -> None:  # type: ignore[no-untyped-def]
    root = write_workspace({
        "hypotheses/q.yaml": "question: Q?\nexhaustive: true\nhypotheses:\n  - {id: a, title: A}\n  - {id: b, title: B}\n",
        "evidence/sources.yaml": "sources:\n  - {id: s, name: S, reliability: 0.8}\n",
        "evidence/e.yaml": "items:\n  - {id: i1, summary: x, source: s, reported: 2020-01-01, likelihoods: {q: {a: 0.7, b: 0.2}}}\n",
    })
    result = invoke("posterior", "q", "--method", "mcmc", "--json", "-w", str(root))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    exact = plausible.load_workspace(root).posterior("q").probabilities
    assert {h["id"]: h["probability"] for h in data["hypotheses"]} == pytest.approx(exact, rel=1e-12)
