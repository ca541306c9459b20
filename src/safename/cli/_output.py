"""What every command shares: the program's name, the exit statuses, a command's shape, output."""

from __future__ import annotations

import argparse
import enum
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

PROGRAM: Final = "safename"


class ExitStatus(enum.IntEnum):
    """The exit statuses of the ``safename`` command.

    >>> [(status.name, int(status)) for status in ExitStatus]  # doctest: +NORMALIZE_WHITESPACE
    [('OK', 0), ('UNSAFE', 1), ('USAGE', 2), ('NO_SUCH_DIRECTORY', 3), ('RENAME_FAILED', 4),
     ('WRITE_FAILED', 5), ('INTERRUPTED', 130), ('OUTPUT_CLOSED', 141)]
    """

    OK = 0
    #: ``check`` found at least one unsafe name, or ``extract`` refused the archive.
    UNSAFE = 1
    #: Bad options or arguments, or an unknown command (argparse's status).
    USAGE = 2
    #: ``rename``, ``extract`` or ``sweep`` was given a path that is missing or not a directory.
    NO_SUCH_DIRECTORY = 3
    #: ``rename --apply`` could not rename at least one entry (or skipped a directory that
    #: changed during the run); the rest were renamed.
    RENAME_FAILED = 4
    #: ``extract`` or ``sweep`` could not read or write (the archive is missing, the disk is
    #: full...); ``extract`` left the directory as it was.
    WRITE_FAILED = 5
    #: Interrupted (Ctrl-C, ``SIGINT``); the status a shell reports for it. ``rename --apply``
    #: leaves a move cut in the middle in its journal, and the next run settles it.
    INTERRUPTED = 130  # 128 + SIGINT (2)
    #: The reader of stdout closed it (``| head -1``); the status of a process killed by
    #: SIGPIPE, as a shell reports it. ``rename --apply`` stops between two moves.
    OUTPUT_CLOSED = 141  # 128 + SIGPIPE (13), spelled out: Windows has no SIGPIPE


#: What a command does once its arguments are parsed: its own parser (for ``parser.error``)
#: and the parsed arguments in, an :class:`ExitStatus` out.
Run = Callable[[argparse.ArgumentParser, argparse.Namespace], int]


@dataclass(frozen=True)
class Command:
    """One command: its name, its one-line summary, the options it adds and what it runs."""

    name: str
    summary: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Run


def discard_further_output() -> None:
    """Point stdout at the null device, so that the flush at exit does not fail again."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by an object without a descriptor
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def is_directory(path: str, command: str) -> bool:
    """Whether *path* is a directory; if not, say so on stderr."""
    if os.path.isdir(path):
        return True
    problem = "not a directory" if os.path.lexists(path) else "no such directory"
    print(f"{PROGRAM} {command}: {problem}: {path!r}", file=sys.stderr)
    return False
