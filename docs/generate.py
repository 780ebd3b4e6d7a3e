"""Regenerate the generated parts of docs/format.md and docs/cli.md (between ``<!-- generated:NAME -->`` markers).

Run ``python docs/generate.py`` after changing a file schema, a scale of the built-in model or a command, and
commit the result; ``python docs/generate.py --check`` exits 1 when a file differs from what it would write
(``tests/test_docs.py`` does the same). The prose and the examples around the markers are written by hand.

What is generated, and from what:

- docs/format.md: the field table of each kind of file, from its JSON Schema (``plausible schema``), and the
  tables of the built-in verbal scales, ACH ratings, source grades and credibility factors, from the built-in
  model file. Every example in docs/format.md is a ```` ```yaml ```` block whose first line is the editor's
  schema line; :func:`example_workspace` writes them all into one workspace (the tests validate it).
- docs/cli.md: every command's usage, arguments and options, from the command-line interface itself, and the
  shape of its ``--json`` output, from running the command on the workspace of docs/format.md's examples.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
FORMAT = DOCS / "format.md"
CLI = DOCS / "cli.md"

MARKER = re.compile(r"(<!-- generated:(?P<name>[\w:.-]+) -->\n)(?P<body>.*?)(<!-- end generated:(?P=name) -->)", re.S)
EXAMPLE = re.compile(r"^```yaml\n(?P<body># yaml-language-server: \$schema=(?P<schema>\S+)\n.*?)^```$", re.S | re.M)
FILE_LINE = re.compile(r"^`(?P<path>[^`]+\.yaml)`:$", re.M)
"""The line naming an example's file, just above its block: `` `hypotheses/plant-outage.yaml`: ``."""

TODAY = "2024-06-30"
"""PLAUSIBLE_TODAY while the commands run on the examples, so that their output does not depend on the day."""


# --- the examples of docs/format.md ------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One example file of docs/format.md: where it goes in a workspace, its kind and its text."""

    path: str
    kind: str
    text: str


def examples(text: str | None = None) -> list[Example]:
    """The example files of docs/format.md, in order.

    Each is a ```` ```yaml ```` block starting with ``# yaml-language-server: $schema=.../<kind>.schema.json``,
    directly below a line that names its file (`` `evidence/2024-03-02-first-reports.yaml`: ``).
    """
    text = FORMAT.read_text(encoding="utf-8") if text is None else text
    found = []
    for match in EXAMPLE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        named = FILE_LINE.match(before)
        if named is None:
            raise ValueError(f"docs/format.md: the example at offset {match.start()} is not below a line "
                             "naming its file (`folder/name.yaml`:)")
        kind = Path(match.group("schema")).name.removesuffix(".schema.json")
        found.append(Example(named.group("path"), kind, match.group("body")))
    return found


def example_workspace(folder: Path, text: str | None = None) -> Path:
    """Write every example of docs/format.md, and the schemas their first lines name, into ``folder``."""
    from plausible.cli.scaffold import write_schemas

    for example in examples(text):
        target = folder / example.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(example.text, encoding="utf-8")
    write_schemas(folder / "schemas")
    return folder


# --- field tables from the JSON Schemas --------------------------------------------------------------------


def all_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every kind of file, as ``plausible schema`` prints them."""
    from plausible.cli.scaffold import all_schemas as schemas

    return schemas()


def _id_pattern() -> str:
    from plausible.core.names import ID_PATTERN

    return ID_PATTERN.pattern


def field_rows(schema: dict[str, Any]) -> list[tuple[str, str, bool, str, str]]:
    """``(path, type, required, default, description)`` for every field of a file schema, nested ones included.

    A path names a field as it is nested in the file: ``items[].likelihoods`` is the ``likelihoods`` key of each
    element of the list ``items``; ``scales.<name>[].band`` is the ``band`` of each element of each list in the
    mapping ``scales``.
    """
    defs = schema.get("$defs", {})
    rows: list[tuple[str, str, bool, str, str]] = []

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[-1]]
        return node

    def walk(node: dict[str, Any], prefix: str) -> None:
        required = set(node.get("required", []))
        for name, prop in node.get("properties", {}).items():
            inner = _without_null(prop)
            default = prop.get("default")
            shown = "" if default in (None, [], {}) else json.dumps(default)
            bare = {key: value for key, value in inner.items() if key != "description"}  # said in its own column
            rows.append((prefix + name, type_text(bare, resolve), name in required, shown,
                         prop.get("description", "")))
            for suffix, child in _children(resolve(inner), resolve):
                walk(child, f"{prefix}{name}{suffix}.")

    walk(schema, "")
    return rows


def _without_null(node: dict[str, Any]) -> dict[str, Any]:
    alternatives = [alt for alt in node.get("anyOf", []) if alt != {"type": "null"}]
    if "anyOf" in node and len(alternatives) == 1:
        only: dict[str, Any] = alternatives[0]
        return only
    return {**node, "anyOf": alternatives} if "anyOf" in node else node


def _children(node: dict[str, Any], resolve: Callable[[dict[str, Any]], dict[str, Any]],
              ) -> Iterator[tuple[str, dict[str, Any]]]:
    """The object schemas nested in ``node`` (an object, a list of them, a mapping of them, ...) and their path."""
    if "properties" in node:
        yield "", node
    elif "anyOf" in node:
        for alternative in node["anyOf"]:
            yield from _children(resolve(alternative), resolve)
    elif node.get("type") == "array" and "items" in node:
        for suffix, child in _children(resolve(node["items"]), resolve):
            yield "[]" + suffix, child
    elif node.get("type") == "object":
        values = list(node.get("patternProperties", {}).values()) or [node.get("additionalProperties")]
        for value in values:
            if isinstance(value, dict):
                for suffix, child in _children(resolve(_without_null(value)), resolve):
                    yield ".<name>" + suffix, child


def type_text(node: dict[str, Any], resolve: Callable[[dict[str, Any]], dict[str, Any]]) -> str:
    """A JSON Schema type in words: ``id``, ``date``, ``number in (0, 1)``, ``list of id``, ``A | B | C``, ..."""
    node = resolve(node)
    if "anyOf" in node:
        return " or ".join(type_text(alt, resolve) for alt in node["anyOf"])
    if "enum" in node:
        return " \\| ".join(str(value) for value in node["enum"])
    kind = node.get("type")
    if kind == "string":
        if node.get("format") == "date":
            return "date (YYYY-MM-DD)"
        if node.get("pattern") == _id_pattern():
            return "id"
        described = node.get("description")
        return f"text ({described})" if described else "text"
    if kind in ("number", "integer"):
        return f"{kind}{_bounds(node)}"
    if kind == "boolean":
        return "true \\| false"
    if kind == "array":
        if "prefixItems" in node:
            return "[" + ", ".join(type_text(item, resolve) for item in node["prefixItems"]) + "]"
        items = resolve(node["items"])
        return "list of mappings" if "properties" in items else f"list of {type_text(items, resolve)}"
    if kind == "null":
        return "null"
    if kind == "object":
        if "properties" in node or node.get("additionalProperties") is False:
            return "mapping (" + ", ".join(node.get("properties", {})) + ")"
        keys = node.get("propertyNames")
        key = type_text(keys, resolve) if keys else "id" if node.get("patternProperties") else "text"
        key = "text" if key == "any" else key  # an option: any non-empty text
        values = list(node.get("patternProperties", {}).values()) or [node.get("additionalProperties", {})]
        return f"mapping {key} → {type_text(values[0], resolve)}"
    return "any"


def _bounds(node: dict[str, Any]) -> str:
    low = node.get("minimum", node.get("exclusiveMinimum"))
    high = node.get("maximum", node.get("exclusiveMaximum"))
    if low is not None and high is not None:
        left = "[" if "minimum" in node else "("
        right = "]" if "maximum" in node else ")"
        return f" in {left}{low:g}, {high:g}{right}"
    if low is not None:
        return f" {'≥' if 'minimum' in node else '>'} {low:g}"
    if high is not None:
        return f" {'≤' if 'maximum' in node else '<'} {high:g}"
    return ""


def field_table(kind: str) -> str:
    """The Markdown table of every field of one kind of file."""
    lines = ["| field | type | required | default | meaning |", "|---|---|---|---|---|"]
    for path, kind_text, required, default, description in field_rows(all_schemas()[kind]):
        cells = [f"`{path}`", kind_text, "yes" if required else "", f"`{default}`" if default else "",
                 description]
        lines.append("| " + " | ".join(cell.replace("|", "\\|").replace("\\\\|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


# --- the built-in model's scales ---------------------------------------------------------------------------

GRADE_WORDS = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
               "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged"}
CREDIBILITY_WORDS = {"1": "confirmed by other sources", "2": "probably true", "3": "possibly true",
                     "4": "doubtful", "5": "improbable", "6": "truth cannot be judged"}
"""The Admiralty system's words for each grade (STANAG 2511); the numbers come from the built-in model."""


def _builtin() -> Any:
    from plausible.model.scales import ModelSpec

    return ModelSpec()


def _percent(value: float) -> str:
    return f"{100 * value:.3g}%"


def likelihood(value: float) -> str:
    """The value a term is read at, as every output shows it (one place: ``plausible.core.display``)."""
    from plausible.core.display import likelihood as shown

    return shown(value)


def scale_table(scale: str) -> str:
    """The bands of one verbal scale of the built-in model, with the mean the exact engine uses."""
    from plausible.model.scales import ModelSpec
    from plausible.model.schema import ModelFile

    spec = ModelSpec(ModelFile(likelihood_scale=scale))  # terms are read on this scale, as a model file would
    lines = ["| terms | band | value used by `exact` (Beta mean) |", "|---|---|---|"]
    for entry in spec.scales[scale]:
        judged = spec.judgment(entry.terms[0])
        low, high = entry.band
        lines.append(f"| {', '.join(entry.terms)} | {_percent(low)}–{_percent(high)} | {likelihood(judged.mean)} |")
    return "\n".join(lines) + "\n"


def ach_table() -> str:
    """The ACH ratings of the built-in model: band and the mean the exact engine uses."""
    spec = _builtin()
    lines = ["| rating | band of P(evidence \\| hypothesis) | value used by `exact` |", "|---|---|---|"]
    for rating in ("CC", "C", "N", "I", "II", "NA"):
        judged = spec.judgment(rating)
        if judged.not_applicable:
            lines.append(f"| {rating} | none | no weight (the item's other likelihoods' prior-weighted mean) |")
        else:
            low, high = judged.band
            lines.append(f"| {rating} | {_percent(low)}–{_percent(high)} | {likelihood(judged.mean)} |")
    return "\n".join(lines) + "\n"


def grade_table() -> str:
    """Source reliability grades A–F: words, the Beta prior of the built-in model and its mean."""
    spec = _builtin()
    lines = ["| grade | meaning | prior on reliability | mean (used by `exact`) |", "|---|---|---|---|"]
    for grade, words in GRADE_WORDS.items():
        reliability = spec.reliability(grade)
        lines.append(f"| {grade} | {words} | Beta({reliability.alpha:g}, {reliability.beta:g}) | "
                     f"{reliability.mean:g} |")
    return "\n".join(lines) + "\n"


def credibility_table() -> str:
    """Information credibility 1–6: words and the factor of the built-in model."""
    spec = _builtin()
    lines = ["| credibility | meaning | factor on the source's reliability |", "|---|---|---|"]
    for grade, words in CREDIBILITY_WORDS.items():
        lines.append(f"| {grade} | {words} | {spec.credibility_factor(int(grade)):g} |")
    return "\n".join(lines) + "\n"


# --- the command-line interface ----------------------------------------------------------------------------


def _cli_group() -> Any:
    import typer.main

    from plausible.cli import app

    return typer.main.get_command(app)


def commands() -> dict[str, Any]:
    """The visible commands of ``plausible`` by name, in the order ``plausible --help`` lists them.

    A group's commands (``forecasts import``) follow the group.
    """
    found: dict[str, Any] = {}
    for name, cmd in _cli_group().commands.items():
        if not cmd.hidden:
            found[name] = cmd
            found.update({f"{name} {sub}": inner for sub, inner in getattr(cmd, "commands", {}).items()
                          if not inner.hidden})
    return found


def _contexts() -> tuple[Any, dict[str, Any]]:
    import typer

    root = typer.Context(_cli_group(), info_name="plausible")
    contexts: dict[str, Any] = {}
    for name, cmd in commands().items():
        group, _, sub = name.rpartition(" ")
        contexts[name] = typer.Context(cmd, info_name=sub, parent=contexts[group] if group else root)
    return root, contexts


def _help_rows(command: Any, context: Any) -> list[tuple[str, str]]:
    rows = []
    for param in command.get_params(context):
        record = param.get_help_record(context)
        if record is None or param.name == "help":
            continue
        decl, text = record
        rows.append((decl, text))
    return rows


@dataclass(frozen=True)
class JsonRun:
    """The arguments that run a command with ``--json`` on the examples' workspace (see :meth:`arguments`).

    ``append`` first adds a text to a file (created if needed): in a copy of the workspace, or with
    ``in_place`` in the workspace itself (for later runs too). ``exit_code`` is the code the run must end with.
    Several runs of a command sample the keys that only some cases have (problems, warnings, moves).
    """

    args: tuple[str, ...]
    append: tuple[str, str] | None = None
    in_place: bool = False
    exit_code: int = 0

    def arguments(self, workspace: Path) -> list[str]:
        """The command line: ``{ws}`` in an argument is the workspace's folder; without one, ``-w`` is added."""
        if any("{ws}" in arg for arg in self.args):
            return [arg.replace("{ws}", str(workspace)) for arg in self.args]
        return [*self.args, "-w", str(workspace)]


LATE_OBSERVATION = ("evidence/2024-03-05-late.yaml", """# yaml-language-server: $schema=../schemas/evidence.schema.json
items:
  - id: late-observation
    summary: An item observed after it was reported (a warning).
    source: operator
    reported: 2024-03-05
    observed: 2024-03-06
    likelihoods:
      plant-outage: {equipment-failure: 0.5, cyber-attack: 0.5, sabotage: 0.5, other: 0.5}
""")
UNKNOWN_SOURCE = ("evidence/2024-03-05-late.yaml", """  - id: unknown-source
    summary: An item citing a source that is not in the registry (a problem).
    source: gazete
    reported: 2024-03-05
""")
SAME_DAY = ("evidence/2024-03-05-valve.yaml", """# yaml-language-server: $schema=../schemas/evidence.schema.json
items:
  - id: operator-valve-report
    summary: The operator reports that a valve also failed on the day of the shutdown.
    source: operator
    reported: 2024-03-05
    observed: 2024-03-01
    likelihoods:
      plant-outage: {equipment-failure: 0.7, cyber-attack: 0.3, sabotage: 0.4, other: 0.4}
""")
BROKEN_SET = ("hypotheses/broken.yaml", """question: A set whose file has a problem that keeps it from being built.
hypotheses:
  - id: one
    titel: a misspelt key
  - id: two
    title: Two
""")
REPLACED_FORECASTS = ("ana.csv", "forecaster,question,date,probability\nana,ransom-demand,2024-03-10,0.3\n")
EDITED = ("evidence/2024-03-04-claims.yaml", "# an edit to a recorded evidence file (a warning)\n")

JSON_RUNS: dict[str, tuple[JsonRun, ...] | str] = {
    "validate": (JsonRun(("validate", "--json")), JsonRun(("validate", "--json"), LATE_OBSERVATION),
                 JsonRun(("validate", "--json"), (LATE_OBSERVATION[0], LATE_OBSERVATION[1] + UNKNOWN_SOURCE[1]),
                         exit_code=2),
                 JsonRun(("validate", "--json"), BROKEN_SET, exit_code=2)),
    "posterior": (JsonRun(("posterior", "plant-outage", "--json")),),
    "sets": (JsonRun(("sets", "--json")),),
    "history": (JsonRun(("history", "plant-outage", "--json")), JsonRun(("history", "plant-outage", "--by", "date",
                                                                          "--json")),
                JsonRun(("history", "plant-outage", "--by", "file", "--json"))),
    "analyze": (JsonRun(("analyze", "plant-outage", "--json")),
                JsonRun(("analyze", "plant-outage", "--json"), SAME_DAY)),
    "analysts": (JsonRun(("analysts", "plant-outage", "--json")),),
    "update": (JsonRun(("update", "--json")), JsonRun(("update", "--json"), EDITED),
               JsonRun(("update", "--json"), SAME_DAY, in_place=True)),
    "log": (JsonRun(("log", "--json")),),
    "score": (JsonRun(("score", "plant-2024", "--json")),),
    "resolve": (JsonRun(("resolve", "plant-2024", "ransom-demand", "no", "--date", "2024-04-01", "--json")),
                JsonRun(("resolve", "plant-2024", "root-cause", "equipment-failure", "--date", "2024-06-01",
                         "--json"))),
    "watch": "one object per update, each shaped as `update --json`'s",
    "forecasts import": (JsonRun(("forecasts", "import", "{ws}/ana.csv", "--exercise", "plant-2024", "-w", "{ws}",
                                  "--replace", "--json"), REPLACED_FORECASTS),),
    "exercise import-forecastbench": (
        'an object with `exercise` (its name), `folder` (where it was written), `questions` (the number kept), '
        '`forecast_due_date` (the question set\'s freeze date) and `skipped` (`{"<reason>": count, ...}`)'),
    "portfolio run": (
        "an object with `computed` and `skipped` (counts of sets), `failed` (`[{workspace, set, messages}, ...]`), "
        "`out` (the store's folder), `run_id`, `workspaces`, `interrupted` (boolean), `seconds` and `phases` "
        "(seconds by phase)"),
    "portfolio brief": (
        "`{\"sets\": [...]}`, one object per (workspace, set, method) of the store, largest move first, with "
        "`workspace`, `set`, `question`, `method`, `leader`, `probability`, `term`, `interval` (`[low, high]` or "
        "null), `change`, `previous_leader`, `confidence`, `leader_share`, `flip_steps`, `evidence`, `as_of` and "
        "`computed_at`"),
}
"""How each command that has ``--json`` is sampled for its shape, in this order (``resolve`` changes the
workspace, so it comes last), or a sentence saying what its JSON is. A command with ``--json`` missing here
makes the docs check fail: add it (its arguments on the examples of docs/format.md)."""


def json_shapes() -> dict[str, str]:
    """The shape of each sampled command's ``--json`` output, rendered as text."""
    from typer.testing import CliRunner

    from plausible.cli import app

    shapes: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = example_workspace(Path(tmp) / "ws")
        ids = known_ids(folder)
        env = {"PLAUSIBLE_TODAY": TODAY, "PLAUSIBLE_CACHE": "0", "COLUMNS": "120"}
        saved = {key: os.environ.get(key) for key in env}
        os.environ.update(env)
        try:
            for name, runs in JSON_RUNS.items():
                if isinstance(runs, str):
                    continue
                shape = Shape()
                for number, run in enumerate(runs):
                    where = folder
                    if run.append is not None:
                        if not run.in_place:
                            where = Path(tmp) / f"{name}-{number}"
                            shutil.copytree(folder, where)
                        with (where / run.append[0]).open("a", encoding="utf-8") as file:
                            file.write(run.append[1])
                    result = CliRunner().invoke(app, run.arguments(where))
                    if result.exit_code != run.exit_code:
                        raise RuntimeError(f"`plausible {' '.join(run.args)}` on the examples of docs/format.md "
                                           f"exited {result.exit_code}: {result.output}")
                    shape.add(json.loads(result.stdout), ids)
                shapes[name] = shape.render()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return shapes


def known_ids(folder: Path) -> dict[str, str]:
    """Every id of the examples' workspace and what it names, so that a mapping keyed by ids shows as one."""
    from plausible.forecasting.loading import RESERVED_FORECASTERS, load_exercise
    from plausible.workspace import load_workspace

    ws = load_workspace(folder)
    ids: dict[str, str] = {}
    for set_id, hs in ws.sets.items():
        ids[set_id] = "set"
        for hypothesis in hs.hypotheses:
            ids[hypothesis.id] = "hypothesis"
    ids.update(dict.fromkeys((item.id for item in ws.items), "item"))
    ids.update(dict.fromkeys(ws.sources, "source"))
    ids.update(dict.fromkeys(ws.analysts, "analyst"))
    for exercise in sorted((folder / "exercises").glob("*/exercise.yaml")):
        loaded = load_exercise(exercise.parent, ws)
        ids.update(dict.fromkeys(loaded.questions, "question"))
        ids.update(dict.fromkeys((forecast.forecaster for forecast in loaded.forecasts), "forecaster"))
        for question in loaded.questions.values():
            for option in question.options:
                ids.setdefault(option, "option")  # a set's question has its hypotheses as options
    ids.update(dict.fromkeys(sorted(RESERVED_FORECASTERS), "forecaster"))  # the model and the pools forecast too
    return ids


@dataclass
class Shape:
    """The shape of JSON values seen at one place: their types, keys, elements; merged over every value seen."""

    types: dict[str, None] = field(default_factory=dict)
    keys: dict[str, Shape] = field(default_factory=dict)
    key_counts: dict[str, int] = field(default_factory=dict)
    objects: int = 0
    mapped: dict[str, Shape] = field(default_factory=dict)
    """For a mapping keyed by ids: what the ids name -> the shape of the values."""
    element: Shape | None = None

    def add(self, value: Any, ids: dict[str, str]) -> None:
        """Merge one more value seen here."""
        if isinstance(value, dict) and value and all(key in ids for key in value):
            kinds = {ids[key] for key in value}
            label = kinds.pop() if len(kinds) == 1 else "id"
            self.types.setdefault(f"map:{label}", None)
            for item in value.values():
                self.mapped.setdefault(label, Shape()).add(item, ids)
        elif isinstance(value, dict):
            self.types.setdefault("object", None)
            self.objects += 1
            for key, item in value.items():
                self.keys.setdefault(key, Shape()).add(item, ids)
                self.key_counts[key] = self.key_counts.get(key, 0) + 1
        elif isinstance(value, list):
            self.types.setdefault("list", None)
            if self.element is None:
                self.element = Shape()
            for item in value:
                self.element.add(item, ids)
        else:
            self.types.setdefault(_scalar(value), None)

    def render(self, indent: int = 0) -> str:
        """The shape as JSON-like text: types for values, ``"key"?`` for keys not always present."""
        pad = "  " * indent
        out = []
        for kind in self.types:
            if kind == "object" and self.keys:
                lines = []
                for key, shape in self.keys.items():
                    optional = "?" if self.key_counts[key] < self.objects else ""
                    lines.append(f'{pad}  "{key}"{optional}: {shape.render(indent + 1)}')
                out.append("{\n" + ",\n".join(lines) + f"\n{pad}}}")
            elif kind == "object":
                out.append("{}")
            elif kind.startswith("map:"):
                label = kind.removeprefix("map:")
                out.append(f'{{"<{label} id>": {self.mapped[label].render(indent)}, ...}}')
            elif kind == "list":
                inner = self.element.render(indent) if self.element and self.element.types else "..."
                out.append(f"[{inner}, ...]" if inner != "..." else "[]")
            else:
                out.append(kind)
        return " | ".join(out)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "date"
    return "string"


def cli_reference() -> str:
    """The reference of every command: usage, help, arguments and options, and the shape of its JSON."""
    root, contexts = _contexts()
    group = root.command
    out = [f"`{group.get_usage(root).removeprefix('Usage: ').strip()}`\n", "| global option | meaning |",
           "|---|---|"]
    for param in group.get_params(root):
        record = param.get_help_record(root)
        if record is not None and param.name != "help":
            out.append(f"| `{record[0]}` | {_cell(record[1])} |")
    out.append("")
    shapes = json_shapes()
    for name, command in commands().items():
        context = contexts[name]
        out.append(f"### `plausible {name}`\n")
        out.append("```\n" + command.get_usage(context).removeprefix("Usage: ").strip() + "\n```\n")
        out.append(_cell(command.help or "", newline=" ").strip() + "\n")
        rows = _help_rows(command, context)
        if rows:
            out += ["| argument or option | meaning |", "|---|---|"]
            out += [f"| `{decl}` | {_cell(text)} |" for decl, text in rows]
            out.append("")
        runs = JSON_RUNS.get(name)
        if isinstance(runs, str):
            out.append(f"`--json`: {runs}.\n")
        elif name in shapes:
            out.append("`--json` shape:\n")
            out.append("```\n" + shapes[name] + "\n```\n")
    return "\n".join(out)


def _cell(text: str, newline: str = "<br>") -> str:
    return text.replace("|", "\\|").replace("\n\n", newline).replace("\n", " ")


def unsampled_json_commands() -> list[str]:
    """Commands that take ``--json`` but that :data:`JSON_RUNS` does not sample (the docs check fails on them)."""
    return [name for name, command in commands().items()
            if any("--json" in param.opts for param in command.params) and name not in JSON_RUNS]


# --- putting it together -----------------------------------------------------------------------------------


def format_blocks() -> dict[str, Callable[[], str]]:
    """The generated blocks of docs/format.md, by marker name."""
    blocks: dict[str, Callable[[], str]] = {
        f"fields:{kind}": (lambda kind=kind: field_table(kind)) for kind in all_schemas()  # type: ignore[misc]
    }
    blocks["scale:icd203"] = lambda: scale_table("icd203")
    blocks["scale:kent"] = lambda: scale_table("kent")
    blocks["scale:phia"] = lambda: scale_table("phia")
    blocks["ach"] = ach_table
    blocks["grades"] = grade_table
    blocks["credibility"] = credibility_table
    return blocks


def cli_blocks() -> dict[str, Callable[[], str]]:
    """The generated blocks of docs/cli.md, by marker name."""
    return {"commands": cli_reference}


def render(text: str, blocks: dict[str, Callable[[], str]], where: str) -> str:
    """``text`` with every generated block rewritten.

    Raises
    ------
    ValueError
        When a block is missing from ``text``, or ``text`` has a marker this script does not know.
    """
    names = [match.group("name") for match in MARKER.finditer(text)]
    missing = [name for name in blocks if name not in names]
    unknown = [name for name in names if name not in blocks]
    if missing or unknown:
        raise ValueError(f"{where}: missing generated blocks {missing} (add `<!-- generated:NAME -->` and "
                         f"`<!-- end generated:NAME -->` lines with prose around them); unknown blocks {unknown}")
    return MARKER.sub(lambda m: m.group(1) + blocks[m.group("name")]() + m.group(4), text)


def targets() -> list[tuple[Path, dict[str, Callable[[], str]]]]:
    """The generated files and their blocks."""
    return [(FORMAT, format_blocks()), (CLI, cli_blocks())]


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated blocks, or with ``--check`` say which files are out of date (exit 1)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a file is out of date")
    options = parser.parse_args(argv)
    stale = []
    unsampled = unsampled_json_commands()
    if unsampled:
        print(f"commands with --json not in JSON_RUNS of docs/generate.py: {', '.join(unsampled)}", file=sys.stderr)
        return 1
    for path, blocks in targets():
        text = path.read_text(encoding="utf-8")
        new = render(text, blocks, path.name)
        if new != text:
            stale.append(path)
            if not options.check:
                path.write_text(new, encoding="utf-8")
    for path in stale:
        print(f"{'out of date' if options.check else 'rewrote'}: {path.relative_to(DOCS.parent)}", file=sys.stderr)
    return 1 if stale and options.check else 0


if __name__ == "__main__":
    sys.exit(main())
