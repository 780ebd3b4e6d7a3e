"""Commands that follow a workspace as evidence arrives: update (with its ledger) and watch."""

# No `from __future__ import annotations`: typer reads every command's signature at startup, and
# evaluating them from strings costs ~25 ms a run (see plausible.cli).

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from plausible.cli.app import JsonOption, WorkspaceOption, app, command, emit_json, err, load, warn_all
from plausible.core.errors import UsageError

if TYPE_CHECKING:  # the ledger (pydantic) is imported only by the commands that use it
    from plausible.tracking.ledger import SetChange
    from plausible.tracking.updating import Driver, Update, UpdateOutcome
    from plausible.tracking.watching import WatchEvent

__all__ = ["update", "watch"]

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
    """Follow evidence/, hypotheses/ and models/ and run `update` on every change; Ctrl-C stops."""
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
