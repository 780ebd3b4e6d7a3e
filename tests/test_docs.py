"""The documentation matches the code: docs/format.md and docs/cli.md are what docs/generate.py writes, every
example in docs/format.md validates and uses every field, `init` writes the editor's schema line, and nothing
refers to files outside the repository."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from plausible.cli import app
from plausible.cli.scaffold import SCHEMA_FOLDER, all_schemas, schema_line
from tests.docs_generator import docs_generator

REPO = Path(__file__).resolve().parent.parent


generate = docs_generator()


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


# --- generated parts are up to date --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["format.md", "cli.md"])
def test_generated_parts_match_the_code(name: str) -> None:
    path, blocks = next((path, blocks) for path, blocks in generate.targets() if path.name == name)
    text = path.read_text(encoding="utf-8")
    assert generate.render(text, blocks, name) == text, (
        f"docs/{name} is out of date: run `python docs/generate.py` and commit the result")


def test_every_command_with_json_is_sampled_for_its_shape() -> None:
    assert generate.unsampled_json_commands() == [], "add these commands to JSON_RUNS in docs/generate.py"


def test_every_command_is_in_the_cli_reference() -> None:
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in generate.commands():
        assert f"### `plausible {name}`" in text


def test_the_check_fails_on_a_stale_block() -> None:
    text = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    stale = text.replace("| B | usually reliable | Beta(8, 2) | 0.8 |", "| B | usually reliable | Beta(8, 2) | 0.9 |")
    assert stale != text
    assert generate.render(stale, generate.format_blocks(), "format.md") == text


def test_a_missing_block_is_reported() -> None:
    text = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    cut = re.sub(r"<!-- generated:fields:analyst -->.*?<!-- end generated:fields:analyst -->", "", text, flags=re.S)
    with pytest.raises(ValueError, match="fields:analyst"):
        generate.render(cut, generate.format_blocks(), "format.md")


def test_field_tables_name_every_schema_property() -> None:
    # An independent walk of the schemas: every property name, at any depth, is in its kind's table.
    for kind, schema in all_schemas().items():
        table = generate.field_table(kind)
        assert _all_properties(schema)
        for properties in _all_properties(schema):
            for name in properties:
                assert re.search(rf"`([^`]*\.)?{re.escape(name)}`", table), f"{kind}: {name} missing from the table"


def _all_properties(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict) and node.get("type") == "object":
            found.append(node["properties"])
        for value in node.values():
            found.extend(_all_properties(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_all_properties(value))
    return found


# --- the examples of docs/format.md ------------------------------------------------------------------------


def test_every_example_validates_as_one_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAUSIBLE_TODAY", generate.TODAY)
    folder = generate.example_workspace(tmp_path / "ws")
    result = invoke("validate", "--strict", "-w", str(folder))
    assert result.exit_code == 0, result.output
    kinds = {example.kind for example in generate.examples()}
    assert kinds == set(all_schemas()), "every kind of file has an example in docs/format.md"


def test_every_example_names_the_schema_of_its_place() -> None:
    for example in generate.examples():
        assert example.text.startswith(schema_line(example.kind, Path(example.path))), example.path


def test_the_examples_use_every_field_of_their_kind() -> None:
    used: dict[str, set[str]] = {}
    for example in generate.examples():
        used.setdefault(example.kind, set()).update(_paths(yaml.safe_load(example.text)))
    for kind, schema in all_schemas().items():
        for path, *_ in generate.field_rows(schema):
            pattern = re.escape(path).replace(re.escape("<name>"), r"[^.\[]+")
            assert any(re.fullmatch(pattern, seen) for seen in used.get(kind, ())), (
                f"docs/format.md: no example of {kind} uses `{path}`")


def _paths(data: Any, prefix: str = "") -> set[str]:
    out = set()
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}{key}"
            out.add(path)
            out |= _paths(value, path + ".")
    elif isinstance(data, list):
        for value in data:
            out |= _paths(value, prefix.removesuffix(".") + "[].")
    return out


def test_an_example_that_breaks_a_rule_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAUSIBLE_TODAY", generate.TODAY)
    text = (REPO / "docs" / "format.md").read_text(encoding="utf-8").replace("    credibility: 3\n",
                                                                           "    credibilty: 3\n", 1)
    folder = generate.example_workspace(tmp_path / "ws", text)
    result = invoke("validate", "-w", str(folder))
    assert result.exit_code == 2
    assert "did you mean 'credibility'" in result.output


# --- editor set-up: init writes the schema line and the schemas ---------------------------------------------


def test_init_starts_every_file_with_the_schema_line_of_its_kind(tmp_path: Path) -> None:
    target = tmp_path / "case"
    assert invoke("init", str(target)).exit_code == 0
    files = sorted(target.rglob("*.yaml"))
    assert {p.relative_to(target).parts[0] for p in files} >= {"hypotheses", "evidence", "analysts", "models"}
    for path in files:
        relative = path.relative_to(target)
        kind = _kind_of(relative)
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first + "\n" == schema_line(kind, relative)
        schema_file = (path.parent / first.split("$schema=")[1]).resolve()
        assert schema_file == (target / SCHEMA_FOLDER / f"{kind}.schema.json").resolve()
        assert json.loads(schema_file.read_text(encoding="utf-8")) == all_schemas()[kind]


def _kind_of(relative: Path) -> str:
    """The kind of a workspace file from its place (a file at the root is the kind its name says)."""
    folders = {"hypotheses": "hypotheses", "analysts": "analyst", "models": "model"}
    if relative.parts[0] == "evidence":
        return "sources" if relative.as_posix() == "evidence/sources.yaml" else "evidence"
    if relative.parts[0] == "exercises":
        return {"exercise.yaml": "exercise", "resolutions.yaml": "resolutions"}.get(relative.name, "forecasts")
    return folders.get(relative.parts[0], relative.stem)


def test_the_written_schemas_are_those_schema_prints(tmp_path: Path) -> None:
    target = tmp_path / "case"
    assert invoke("init", str(target)).exit_code == 0
    printed = json.loads(invoke("schema").stdout)
    written = {p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
               for p in (target / SCHEMA_FOLDER).glob("*.schema.json")}
    assert written == printed


def test_the_schema_line_survives_the_tools_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAUSIBLE_TODAY", generate.TODAY)
    folder = generate.example_workspace(tmp_path / "ws")
    before = {p: p.read_bytes() for p in folder.rglob("*.yaml")}
    for args in (("validate",), ("posterior", "plant-outage"), ("update",), ("analyze", "plant-outage")):
        assert invoke(*args, "-w", str(folder)).exit_code == 0, args
    result = invoke("resolve", "plant-2024", "root-cause", "cyber-attack", "--date", "2024-04-01", "-w", str(folder))
    assert result.exit_code == 0, result.output
    resolutions = folder / "exercises" / "plant-2024" / "resolutions.yaml"
    for path, data in before.items():
        if path != resolutions:
            assert path.read_bytes() == data, path
    assert resolutions.read_text(encoding="utf-8").startswith(schema_line("resolutions", Path(
        "exercises/plant-2024/resolutions.yaml")))
    assert "root-cause" in resolutions.read_text(encoding="utf-8")


# --- the repository stands alone ----------------------------------------------------------------------------

OUTSIDE = re.compile(r"\.\./shared|/work/|/shared/|design\s*§|§\s*\d|\bseed/")
"""A reference to a file or document outside the repository."""

CHECKED = ("README.md", "docs", "src", "evidence", "hypotheses", "exercises", "models", "analysts")

KNOWN_EXCEPTIONS = {
    # Evidence files are append-only (never edited once recorded), so their header comments, which cite the
    # article the DPRK case is built from by its path outside the repository, stay as they were recorded.
    ("evidence/2014-10-kim-yong-nam-africa.yaml", 2),
    ("evidence/2015-06-16-tour-announced.yaml", 2),
    ("evidence/2015-06-17-drought.yaml", 2),
    ("evidence/2015-06-17-nk-news-analysis.yaml", 2),
    ("evidence/2015-06-18-chosun-ilbo-drought.yaml", 2),
    ("evidence/2015-06-18-kcna-ri-su-yong-africa.yaml", 2),
    ("evidence/2015-06-23-un-office-gwangju.yaml", 2),
    ("evidence/2015-06-24-seed-article.yaml", 1),
    ("evidence/sources.yaml", 1),
}
"""(file, line) pairs allowed to keep a reference outside the repository: comments of recorded evidence files."""


def outside_references(root: Path) -> list[tuple[str, int, str]]:
    found = []
    for top in CHECKED:
        base = root / top
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in paths:
            if path.suffix not in {".md", ".py", ".yaml", ".yml", ".j2", ".css", ".txt", ".toml", ".json"}:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if OUTSIDE.search(line):
                    found.append((path.relative_to(root).as_posix(), number, line.strip()))
    return found


def test_nothing_refers_to_files_outside_the_repository() -> None:
    found = [hit for hit in outside_references(REPO) if hit[:2] not in KNOWN_EXCEPTIONS]
    assert found == [], "references outside the repository:\n" + "\n".join(f"{p}:{n}: {t}" for p, n, t in found)


def test_the_known_exceptions_are_only_evidence_comments() -> None:
    hits = {(path, number): text for path, number, text in outside_references(REPO)}
    for key in KNOWN_EXCEPTIONS & set(hits):
        assert key[0].startswith("evidence/") and hits[key].startswith("#"), key


def test_the_reference_check_finds_one(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.md").write_text("fine\nsee ../shared/seed/a.txt and design §4\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("as in design §2\n", encoding="utf-8")
    assert [(p, n) for p, n, _ in outside_references(tmp_path)] == [("README.md", 1), ("docs/x.md", 2)]


def test_the_readme_points_to_the_reference_docs() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "(docs/format.md)" in text and "(docs/cli.md)" in text


@pytest.mark.slow
def test_the_mcmc_keys_cli_md_names_are_those_posterior_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/cli.md describes in prose the keys that `posterior --method mcmc --json` adds to the exact shape.
    monkeypatch.setenv("PLAUSIBLE_TODAY", generate.TODAY)
    folder = generate.example_workspace(tmp_path / "ws")
    result = invoke("posterior", "plant-outage", "--method", "mcmc", "--draws", "50", "--tune", "50", "--chains", "1",
                    "--cores", "1", "--json", "-w", str(folder))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert all(h["interval"] is not None for h in data["hypotheses"]) and "`interval`" in text
    assert all({"prior_mean", "posterior_mean"} <= set(source) for source in data["sources"])
    for key in data["diagnostics"]:
        assert f"`{key}`" in text, f"docs/cli.md does not name the diagnostics key {key}"
