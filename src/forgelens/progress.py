"""One Rich progress bar for every long run (analyse, bench, synth): the same columns everywhere.

Rich is imported when a bar is made, so importing this module costs nothing.
"""

from __future__ import annotations

from typing import Any


def progress_bar(console: Any = None, *, remaining: bool = True, transient: bool = True, disable: bool = False):
    """A ``rich.progress.Progress``: description, bar, done/total, elapsed (and time left).

    Parameters
    ----------
    console : rich.console.Console, optional
        Where to draw (the CLI's stderr console); Rich's default console when None.
    remaining : bool
        Add the time-remaining column (useful for long runs of similar items).
    transient : bool
        Remove the bar when it finishes.
    disable : bool
        Draw nothing (one file, not a terminal, ``--no-progress``).
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    if remaining:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=console, transient=transient, disable=disable)
