"""Commands that follow a workspace as evidence arrives: update (with its ledger), watch, and log."""

# No `from __future__ import annotations`: typer reads every command's signature at startup, and
# evaluating them from strings costs ~25 ms a run (see plausible.cli).

import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from plausible.cli.app import JsonOption, WorkspaceOption, app, command, emit_json, err, load, warn_all
from plausible.core.errors import UsageError

if TYPE_CHECKING:  # the ledger (pydantic) is imported only by the commands that use it
    from plausible.tracking.ledger import Record, SetChange
    from plausible.tracking.updating import Driver, Update, UpdateOutcome
    from plausible.tracking.watching import WatchEvent

__all__ = ["log_command", "log_entries", "update", "watch"]

_SHOWN_MOVE = 0.05  # percentage points: smaller moves are summarised, not listed
_SHOWN_DRIVERS = 5


@app.command()
@command
def update(
    workspace: WorkspaceOption = Path("."),
    json_output: JsonOption = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what changed; record nothing.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", hidden=True)] = None,
) -> None:
    """Recompute every set, report what changed since the last recorded update, and record this one.

    The record goes to .plausible/ledger.jsonl in the workspace (nothing is recorded when nothing changed).
    """
    if as_of is not None:
        raise UsageError("update records today's state in the ledger and takes no --as-of (it would write a "
                         "back-dated state); to look back, use posterior, history, analyze, sets or brief --as-of")
    from plausible.tracking.updating import run_update

    outcome = run_update(load(workspace), record=not dry_run)
    _warn_edits(outcome.update)
    warn_all(list(outcome.warnings))
    if json_output:
        emit_json(outcome.to_dict())
        return
    for line in report_lines(outcome):
        print(line)


@app.command()
@command
def watch(
    workspace: WorkspaceOption = Path("."),
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per update (JSON Lines) to stdout.")
    ] = False,
    debounce: Annotated[
        int, typer.Option("--debounce", metavar="MS", help="Update once the folders are quiet this many ms.", min=1)
    ] = 300,
    poll: Annotated[bool, typer.Option("--poll", help="Poll instead of OS notifications (network drives).")] = False,
) -> None:
    """Follow hypotheses/, evidence/, analysts/ and models/ and run `update` on every change; Ctrl-C stops."""
    from plausible.tracking import watching  # watchfiles is loaded only by this command

    def on_update(event: "WatchEvent") -> None:
        _show_event(event, json_output)

    folders = ", ".join(f"{name}/" for name in watching.WATCHED_FOLDERS if (workspace / name).is_dir())
    if folders:  # otherwise watch() explains what is missing
        err(f"watching {folders} in {workspace} (Ctrl-C to stop)")
    try:
        watching.watch(workspace, on_update, debounce_ms=debounce, force_polling=True if poll else None)
    except KeyboardInterrupt:
        err("stopped watching")


def _show_event(event: "WatchEvent", json_output: bool) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    if event.outcome is not None:
        _warn_edits(event.outcome.update)
        warn_all(list(event.outcome.warnings))
    if json_output:
        data = {"changes": [{"kind": c.kind, "path": c.path} for c in event.changes], "ok": event.ok,
                "problems": [str(p) for p in event.problems], "error": event.error,
                "update": None if event.outcome is None else event.outcome.to_dict()}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n")
        sys.stdout.flush()
        return
    what = ", ".join(f"{c.path} {c.kind}" for c in event.changes) or "started"
    print(f"[{stamp}] {what}", flush=True)
    if event.outcome is not None:
        for line in report_lines(event.outcome):
            print(line)
    else:
        for problem in event.problems:
            err(str(problem))
        if event.error is not None:
            err(f"error: {event.error}")
        n = len(event.problems)
        count = f"{n} problem{'s' if n != 1 else ''}" if n else "the update failed"
        err(f"{count}; nothing was recorded. Still watching: fix and save to update.")
    sys.stdout.flush()


def _warn_edits(upd: "Update") -> None:
    for edited in upd.edited:
        err(f"{'WARNING' if edited.loud else 'note'}: {edited.message}")


def report_lines(outcome: "UpdateOutcome") -> list[str]:
    """The human-readable report of an update, as lines."""
    from plausible.tracking.ledger import iso_time  # loaded already by the update that made the outcome

    upd = outcome.update
    diff = upd.diff
    if diff.first:
        lines = [f"first record: {len(upd.current.files)} input files, {len(upd.current.sets)} hypothesis sets"]
        for set_id, state in sorted(upd.current.sets.items()):
            ranked = sorted(state.probabilities.items(), key=lambda kv: -kv[1])
            lines.append(f"  {set_id} ({len(state.items)} items): "
                         + " · ".join(f"{h} {_pct(p)}" for h, p in ranked))
    elif not upd.changed:
        assert upd.previous is not None
        return [f"no changes since the last record ({iso_time(upd.previous.time)}, inputs "
                f"{upd.previous.inputs_hash[:12]}); nothing recorded"]
    else:
        assert upd.previous is not None
        lines = [f"since the last record ({iso_time(upd.previous.time)}):"]
        marks = (("+", "new", diff.files.added), ("~", "changed", diff.files.modified),
                 ("-", "removed", diff.files.removed))
        for mark, word, paths in marks:
            lines.extend(f"  {mark} {word:<8} {path}" for path in paths)
        if not diff.files.any:
            lines.append("  no input file changed (a different version of plausible computed these numbers)")
        for change in diff.sets:
            lines.extend(_set_lines(change, upd.drivers.get(change.set_id, ()), upd))
    if outcome.recorded:
        lines.append(f"recorded in {outcome.ledger}")
    elif upd.changed:
        lines.append("not recorded (--dry-run)")
    return lines


def _set_lines(change: "SetChange", drivers: tuple["Driver", ...], upd: "Update") -> list[str]:
    if change.status == "unchanged":
        return [f"{change.set_id}: unchanged"]
    if change.status == "removed":
        return [f"{change.set_id}: removed (its hypothesis file is gone)"]
    state = upd.current.sets[change.set_id]
    if change.status == "new":
        ranked = sorted(state.probabilities.items(), key=lambda kv: -kv[1])
        return [f"{change.set_id}: new set ({len(state.items)} items): "
                + " · ".join(f"{h} {_pct(p)}" for h, p in ranked)]
    n = len(change.new_items)
    head = f"{change.set_id}: {n} new item{'s' if n != 1 else ''}" if n else f"{change.set_id}: no new items"
    lines = [head]
    width = max((len(m.hypothesis) for m in change.moves), default=0)
    small = 0
    for move in change.moves:
        if move.before is not None and move.after is not None and abs(move.points) < _SHOWN_MOVE:
            small += 1
            continue
        before = "new" if move.before is None else _pct(move.before)
        after = "gone" if move.after is None else _pct(move.after)
        lines.append(f"  {move.hypothesis:<{width}}  {before:>6} → {after:<6} {move.points:+6.1f} points")
    if small:
        lines.append(f"  ({small} more moved by less than {_SHOWN_MOVE} points)")
    if not change.moves:
        lines.append("  no probability moved")
    if change.removed_items:
        lines.append(f"  no longer used: {', '.join(change.removed_items)} (superseded or removed)")
    if drivers:
        lines.append("  driven by (new items, weight of evidence toward the move):")
        for driver in drivers[:_SHOWN_DRIVERS]:
            top = sorted(driver.weights.items(), key=lambda kv: -abs(kv[1]))[:3]
            detail = ", ".join(f"{h} {w:+.1f}" for h, w in top)
            lines.append(f"    {driver.decibans:+6.1f} dB  {driver.item}  {driver.path}"
                         + (f"  ({detail} dB)" if detail else ""))
        if len(drivers) > _SHOWN_DRIVERS:
            lines.append(f"    … and {len(drivers) - _SHOWN_DRIVERS} more (see --json)")
    elif not change.new_items and change.moves:
        lines.append("  no new items: the move comes from changed files")
    return lines


def _pct(p: float) -> str:
    return f"{100.0 * p:.1f}%"


@app.command("log")
@command
def log_command(
    workspace: WorkspaceOption = Path("."),
    json_output: JsonOption = False,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", metavar="N", help="Only the N most recent entries.", min=1)
    ] = None,
) -> None:
    """The ledger's history: when each update or briefing was recorded, which files changed, what moved."""
    from plausible.tracking.ledger import ledger_path, read_records

    path = ledger_path(workspace)
    read = read_records(path)
    warn_all(list(read.problems))
    entries = log_entries(read.records)
    shown = entries if limit is None else entries[-limit:]
    if json_output:
        emit_json({"ledger": str(path), "entries": shown})
        return
    if not entries:
        print(f"no entries in {path}: `plausible update` records the first one (`brief -o` records briefings)")
        return
    for entry in shown:
        for line in _entry_lines(entry):
            print(line)


def log_entries(records: "Sequence[Record]") -> list[dict[str, Any]]:
    """The ledger's entries as ``plausible log --json`` shows them, oldest first.

    An update is compared with the update before it (as ``plausible update`` compared when it recorded it):
    the files added, removed and modified, and per set its status, moves and new or removed items. A briefing
    lists the sets it covered with their engine, the latest reporting day and the probabilities it showed.
    """
    from plausible.tracking.ledger import diff_states, iso_time

    entries: list[dict[str, Any]] = []
    previous = None
    for record in records:
        entry: dict[str, Any] = {"kind": record.kind, "time": iso_time(record.time), "version": record.version,
                                 "inputs_hash": record.inputs_hash}
        if record.kind == "briefing":
            entry["sets"] = [{"set": set_id, "method": None if state.method is None else str(state.method),
                              "as_of": None if state.as_of is None else state.as_of.isoformat(),
                              "probabilities": dict(state.probabilities)}
                             for set_id, state in sorted(record.sets.items())]
        else:
            diff = diff_states(previous, record)
            entry["first"] = diff.first
            entry["files"] = {"added": list(diff.files.added), "removed": list(diff.files.removed),
                              "modified": list(diff.files.modified)}
            entry["sets"] = [{"set": c.set_id, "status": c.status,
                              "moves": [{"hypothesis": m.hypothesis, "before": m.before, "after": m.after,
                                         "points": m.points} for m in c.moves],
                              "new_items": list(c.new_items), "removed_items": list(c.removed_items)}
                             for c in diff.sets]
            previous = record
        entries.append(entry)
    return entries


def _entry_lines(entry: dict[str, Any]) -> list[str]:
    if entry["kind"] == "briefing":
        lines = [f"{entry['time']}  briefing ({len(entry['sets'])} set{'s' if len(entry['sets']) != 1 else ''})"]
        for s in entry["sets"]:
            ranked = sorted(s["probabilities"].items(), key=lambda kv: -kv[1])[:3]
            evidence = f", evidence to {s['as_of']}" if s["as_of"] else ""
            lines.append(f"  {s['set']} ({s['method'] or 'exact'}{evidence}): "
                         + " · ".join(f"{h} {_pct(p)}" for h, p in ranked))
        return lines
    files = entry["files"]
    counts = [f"{len(files[k])} file{'s' if len(files[k]) != 1 else ''} {k}" for k in ("added", "modified", "removed")
              if files[k]]
    head = "first record" if entry["first"] else "update"
    lines = [f"{entry['time']}  {head}: " + (", ".join(counts) if counts else "no file changed")]
    marks = (("+", "added"), ("~", "modified"), ("-", "removed"))
    lines.extend(f"  {mark} {path}" for mark, key in marks for path in files[key])
    for s in entry["sets"]:
        if s["status"] == "unchanged":
            continue
        new = len(s["new_items"])
        moves = ", ".join(f"{m['hypothesis']} {m['points']:+.1f}" for m in s["moves"][:3])
        more = f" (+{len(s['moves']) - 3} more)" if len(s["moves"]) > 3 else ""
        lines.append(f"  {s['set']}: {s['status']}" + (f", {new} new item{'s' if new != 1 else ''}" if new else "")
                     + (f"; points: {moves}{more}" if moves else ""))
    return lines
