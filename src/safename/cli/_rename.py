"""``safename rename DIR``: give every entry of a tree a safe name, never overwriting."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Final

from safename._rename import journal as rename_journal
from safename._rename import tree as renaming
from safename._rename.journal import JournalBusyError
from safename._rename.report import Format, Report
from safename._rename.tree import Progress
from safename.cli._options import NameOptions, add_name_options, name_options
from safename.cli._output import PROGRAM, Command, ExitStatus
from safename.paths import open_directory


def _configure_rename(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Give every file and directory under DIR a safe name. A dry run unless "
        "--apply is given. Nothing is ever overwritten: when two names sanitize to the same "
        "one, or the safe name exists, a numbered name (name-1.ext) is used."
    )
    parser.add_argument("directory", metavar="DIR", help="the tree whose names to sanitize")
    parser.add_argument("--apply", action="store_true", help="rename (default: only show)")
    parser.add_argument(
        "--include-hidden",
        action="store_true",
        help="also rename entries whose name starts with '.' and look inside hidden "
        "directories (default: leave .git, .env and the like alone)",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        help="draw a progress bar on stderr (default: when stderr is a terminal)",
    )
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument(
        "--json",
        dest="format",
        action="store_const",
        const=Format.JSON,
        default=Format.TEXT,
        help="one JSON object per line for each move: old, new, status (and error)",
    )
    formats.add_argument(
        "-0",
        "--null",
        dest="format",
        action="store_const",
        const=Format.NUL,
        help="each old and new path followed by a NUL byte, for xargs -0 and the like",
    )
    add_name_options(parser)


def run(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    options = name_options(parser, arguments)
    if os.scandir not in os.supports_fd:  # pragma: no cover - Windows
        parser.error("rename needs directory descriptors (Linux, macOS, BSD), not this system's")
    top = arguments.directory
    try:  # DIR itself is the user's choice: a symlink to a directory is followed
        top_fd = open_directory(top, follow_symlinks=True)
    except (FileNotFoundError, NotADirectoryError):
        problem = "not a directory" if os.path.lexists(top) else "no such directory"
        print(f"{PROGRAM} rename: {problem}: {top!r}", file=sys.stderr)
        return ExitStatus.NO_SUCH_DIRECTORY
    except OSError as error:
        print(f"{PROGRAM} rename: cannot open {top!r}: {error}", file=sys.stderr)
        return ExitStatus.RENAME_FAILED
    try:
        report = _rename_tree(top_fd, top, options, arguments)
    except JournalBusyError as error:
        print(f"{PROGRAM} rename: {error}", file=sys.stderr)
        return ExitStatus.RENAME_FAILED
    finally:
        os.close(top_fd)
    print(report.summary(), file=sys.stderr)
    tally = report.tally
    return ExitStatus.RENAME_FAILED if tally.failed or tally.skipped else ExitStatus.OK


def _rename_tree(
    top_fd: int, top: str, options: NameOptions, arguments: argparse.Namespace
) -> Report:
    """Settle an interrupted run, then rename every entry under *top*, deepest first.

    Bottom-up, so that a directory keeps its name until its contents are done.
    Hidden entries (``.git``) and everything inside them are left alone unless
    ``--include-hidden``: renaming them would break the tools that own them.
    """
    show_progress = sys.stderr.isatty() if arguments.progress is None else arguments.progress
    progress = Progress(0, enabled=False)
    report = Report(arguments.format, progress, apply=arguments.apply)
    if arguments.apply:
        # Held for the whole run: a second run cannot settle, or unlink, a journal in use.
        rename_journal.lock_tree(top_fd)
        for recovered in rename_journal.recover(top_fd):
            report.recovered(recovered)
    elif moves := rename_journal.pending(top_fd):
        report.pending(moves)
    listing = renaming.list_tree(top_fd, include_hidden=arguments.include_hidden)
    for parts, error in listing.errors:
        report.tally.failed += 1
        report.problem(f"cannot list {'/'.join(parts)!r}: {error}")
    progress = report.progress = Progress(listing.total, enabled=show_progress)
    moved: set[tuple[tuple[str, ...], str]] = set()
    # Closed at once when a closed pipe or Ctrl-C stops the loop, not when collected: the
    # journal is settled while the tree's descriptor is still open.
    outcomes = renaming.rename_listed(
        top_fd,
        listing,
        options.sanitizer(),
        max_length=options.max_length,
        allow_unicode=options.allow_unicode,
        apply=arguments.apply,
        on_directory_done=progress.advance,
    )
    with contextlib.closing(outcomes):
        for outcome in outcomes:
            report.outcome(outcome)
            if isinstance(outcome, renaming.Renamed):
                moved.add((outcome.directory, outcome.old))
    progress.close()
    for directory, name, target in renaming.links_into_moves(listing, moved, top):
        report.dangling(directory, name, target)
    report.tally.entries = listing.total
    return report


COMMAND: Final = Command(
    "rename",
    "give every file and directory under DIR a safe name (a dry run unless --apply)",
    _configure_rename,
    run,
)
