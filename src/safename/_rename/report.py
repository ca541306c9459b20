"""What ``safename rename`` prints: one line (or JSON object, or NUL-separated pair) per move.

Moves go to stdout in the chosen format; errors, skipped directories,
recovered moves, dangling-link warnings and the summary go to stderr, so that
stdout stays a clean list for tools.
"""

from __future__ import annotations

import enum
import json
import os
import sys
from dataclasses import dataclass
from typing import Final

from safename._rename.journal import JOURNAL_NAME, Recovered
from safename._rename.tree import Failed, Outcome, Parts, Progress, Renamed

_PROGRAM: Final = "safename rename"


class Format(enum.Enum):
    """How moves are written on stdout."""

    #: ``old -> new``, unprintable paths quoted with escapes.
    TEXT = "text"
    #: One JSON object per line: ``old``, ``new``, ``status`` (and ``error`` or ``outcome``).
    JSON = "json"
    #: ``old NUL new NUL``, the raw bytes of the paths, for ``xargs -0`` and the like.
    NUL = "nul"


@dataclass
class Tally:
    """What a run did, for the summary line and the exit status."""

    entries: int = 0
    renamed: int = 0
    collisions: int = 0
    failed: int = 0
    skipped: int = 0
    recovered: int = 0


class Report:
    """Writes each outcome in the chosen format and counts it."""

    def __init__(self, output: Format, progress: Progress, *, apply: bool) -> None:
        self.tally = Tally()
        self._format = output
        #: The progress bar, wiped before each line; the caller may replace it.
        self.progress = progress
        self._apply = apply

    def outcome(self, outcome: Outcome) -> None:
        """Report one renamed, failed or skipped entry."""
        self.progress.clear()
        if isinstance(outcome, Renamed):
            self.tally.renamed += 1
            self.tally.collisions += outcome.collided
            self._move(_path(outcome.directory, outcome.old), _path(outcome.directory, outcome.new))
            return
        if isinstance(outcome, Failed):
            self.tally.failed += 1
            old = _path(outcome.directory, outcome.old)
            self.problem(f"cannot rename {shown(old)}: {outcome.error}")
            self._json({"old": old, "new": None, "status": "failed", "error": str(outcome.error)})
            return
        self.tally.skipped += 1
        directory = "/".join(outcome.directory)
        self.problem(f"skipped {shown(directory)} and everything in it: {outcome.reason}")
        self._json({"old": directory, "new": None, "status": "skipped", "error": outcome.reason})

    def _move(self, old: str, new: str) -> None:
        if self._format is Format.TEXT:
            print(f"{shown(old)} -> {shown(new)}", flush=True)
        elif self._format is Format.NUL:
            sys.stdout.buffer.write(os.fsencode(old) + b"\0" + os.fsencode(new) + b"\0")
            sys.stdout.buffer.flush()
        else:
            self._json({"old": old, "new": new, "status": "renamed" if self._apply else "planned"})

    def recovered(self, recovered: Recovered) -> None:
        """Report a move an interrupted run left in the journal, and what became of it."""
        self.tally.recovered += 1
        old = _path(recovered.directory, recovered.old)
        new = _path(recovered.directory, recovered.new)
        self.problem(
            f"recovered an interrupted move {shown(old)} -> {shown(new)}: {recovered.outcome}"
        )
        self._json({"old": old, "new": new, "status": "recovered", "outcome": recovered.outcome})

    def pending(self, moves: int) -> None:
        """Say, in a dry run, that an interrupted run left moves for ``--apply`` to settle."""
        self.problem(
            f"an interrupted run left {moves} unfinished move(s) in {JOURNAL_NAME}; "
            "--apply finishes or undoes them first"
        )

    def dangling(self, directory: Parts, name: str, target: str) -> None:
        """Warn of a symlink whose target is renamed: it will dangle (or does now)."""
        link = shown(_path(directory, name))
        when = "was renamed; the link now dangles" if self._apply else "would be renamed"
        self.problem(f"warning: the symlink {link} points at {target!r}, which {when}")

    def problem(self, message: str) -> None:
        """One line on stderr."""
        self.progress.clear()
        print(f"{_PROGRAM}: {message}", file=sys.stderr, flush=True)

    def _json(self, record: dict[str, str | None]) -> None:
        if self._format is Format.JSON:
            print(json.dumps(record), flush=True)

    def summary(self) -> str:
        """The last line on stderr."""
        tally = self.tally
        collisions = (
            f" ({tally.collisions} numbered to avoid a collision)" if tally.collisions else ""
        )
        extras = [
            f"{tally.failed} failed" if tally.failed else "",
            f"{tally.skipped} directories skipped" if tally.skipped else "",
            f"{tally.recovered} interrupted moves recovered" if tally.recovered else "",
        ]
        extra = "".join(f", {part}" for part in extras if part)
        if self._apply:
            return f"renamed {tally.renamed} of {tally.entries} names{collisions}{extra}"
        return (
            f"dry run: {tally.renamed} of {tally.entries} names would change{collisions}{extra}; "
            "nothing was renamed (use --apply)"
        )


def _path(directory: Parts, name: str) -> str:
    return "/".join((*directory, name))


def shown(path: str) -> str:
    """*path* as it is when printable, else quoted with escapes so that one entry is one line.

    A path that starts with a quote is quoted too, so that a reader can tell the two apart.
    """
    plain = path.isprintable() and not path.startswith(("'", '"'))
    return path if plain else ascii(path)
