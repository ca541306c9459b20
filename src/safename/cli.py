"""The ``safename`` command: sanitize or check names, or rename the files of a directory tree.

Usage::

    safename [options] NAME...          # print the safe form of each name
    safename [options] < names.txt      # the same, one name per line on stdin
    safename --check [options] NAME...  # exit 1 and say why if a name is unsafe
    safename rename [options] DIR       # show what would be renamed (a dry run)
    safename rename --apply DIR         # rename, never overwriting a file

The options mirror the keyword arguments of :func:`safename.secure_filename`:
``--max-length``, ``--allow-unicode``, ``--transliterate`` and ``--fallback``.
Put ``--`` before names that start with ``-``, or a name that is literally ``rename``.
The exit statuses are those of :class:`ExitStatus`.
"""

from __future__ import annotations

import argparse
import enum
import functools
import importlib.metadata
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

from safename import COMPILED, _rules
from safename._extras import require
from safename._renaming import Failed, Progress, Renamed, rename_entries
from safename.errors import UnsafeFilenameError
from safename.filenames import Fallback, random_stem, secure_filename
from safename.validation import validate_filename

__all__ = ["ExitStatus", "main"]

_PROGRAM: Final = "safename"


class ExitStatus(enum.IntEnum):
    """The exit statuses of the ``safename`` command.

    >>> [(status.name, int(status)) for status in ExitStatus]  # doctest: +NORMALIZE_WHITESPACE
    [('OK', 0), ('UNSAFE', 1), ('USAGE', 2), ('NO_SUCH_DIRECTORY', 3), ('RENAME_FAILED', 4)]
    """

    OK = 0
    #: ``--check`` found at least one unsafe name.
    UNSAFE = 1
    #: Bad options or arguments (argparse's status).
    USAGE = 2
    #: ``rename`` was given a path that is missing or not a directory.
    NO_SUCH_DIRECTORY = 3
    #: ``rename --apply`` could not rename at least one entry; the rest were renamed.
    RENAME_FAILED = 4


Sanitize = Callable[[str], str]


@dataclass(frozen=True)
class _NameOptions:
    """The ``secure_filename`` keyword arguments given on the command line."""

    max_length: int
    fallback: Fallback
    allow_unicode: bool
    transliterate: bool

    def sanitizer(self) -> Sanitize:
        return functools.partial(
            secure_filename,
            max_length=self.max_length,
            fallback=self.fallback,
            allow_unicode=self.allow_unicode,
            transliterate=self.transliterate,
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``safename`` command with *argv* (``sys.argv[1:]`` by default).

    :returns: an :class:`ExitStatus`; argparse exits with ``USAGE`` on bad options.

    >>> main(["My cool movie.mov", "../../etc/passwd", "CON.txt"])
    My_cool_movie.mov
    etc_passwd
    _CON.txt
    0
    >>> main(["--check", "--", "report.pdf", "-rf"])
    unsafe filename '-rf': leading_dot_or_dash
    1
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    _tolerate_unencodable_output()
    if arguments[:1] == ["rename"]:
        return int(_rename_command(arguments[1:]))
    return int(_names_command(arguments))


def _tolerate_unencodable_output() -> None:
    """Escape what the terminal cannot show (names may hold any code point) instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _positive_length(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < _rules.MIN_MAX_LENGTH:
        message = f"must be at least {_rules.MIN_MAX_LENGTH}, got {value}"
        raise argparse.ArgumentTypeError(message)
    return value


def _add_name_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-length",
        type=_positive_length,
        default=_rules.DEFAULT_MAX_LENGTH,
        metavar="BYTES",
        help="the longest name, in UTF-8 bytes (default: %(default)s)",
    )
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--allow-unicode",
        action="store_true",
        help="keep letters and digits of every script (NFC) instead of folding to ASCII",
    )
    modes.add_argument(
        "--transliterate",
        action="store_true",
        help="fold to readable ASCII (needs the 'translit' extra)",
    )
    parser.add_argument(
        "--fallback",
        metavar="STEM",
        help="the stem of a name with nothing usable left (default: 16 random hex digits)",
    )


def _name_options(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> _NameOptions:
    """Read the name options, checking what argparse cannot."""
    if arguments.transliterate:
        try:
            require("anyascii", "translit")
        except ModuleNotFoundError as error:
            parser.error(str(error))
    fallback: Fallback = random_stem if arguments.fallback is None else arguments.fallback
    options = _NameOptions(
        arguments.max_length, fallback, arguments.allow_unicode, arguments.transliterate
    )
    if isinstance(fallback, str):
        try:
            options.sanitizer()("")
        except ValueError as error:
            parser.error(f"--fallback: {error}")
    return options


def _names_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog=_PROGRAM,
        description="Print the safe form of each name, or check names with --check. "
        "'safename rename DIR' renames the files of a directory tree.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="names (default: stdin lines)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="print why each unsafe name is unsafe, exit 1 if any is; say nothing of safe ones",
    )
    build = "compiled" if COMPILED else "pure Python"
    version = f"{_PROGRAM} {importlib.metadata.version(_PROGRAM)} ({build})"
    parser.add_argument("--version", action="version", version=version)
    _add_name_options(parser)
    arguments = parser.parse_args(argv)
    options = _name_options(parser, arguments)
    if arguments.check and (arguments.transliterate or arguments.fallback is not None):
        parser.error("--check takes only --max-length and --allow-unicode")
    if arguments.names:
        names: Sequence[str] = arguments.names
    elif sys.stdin.isatty():
        parser.error("no names: give them as arguments or one per line on stdin")
    else:
        names = _read_lines(sys.stdin)
    if arguments.check:
        return _check(names, options)
    sanitize = options.sanitizer()
    for name in names:
        print(sanitize(name))
    return ExitStatus.OK


def _read_lines(stream: TextIO) -> list[str]:
    """Names one per line, read as bytes so that ``\\r`` and undecodable bytes stay in the name.

    Only ``\\n`` (and a ``\\r`` just before it) ends a line: text mode would
    also split on a lone ``\\r``, which a hostile name may contain.
    """
    data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return [os.fsdecode(line.removesuffix(b"\r")) for line in lines]


def _check(names: Sequence[str], options: _NameOptions) -> int:
    status = ExitStatus.OK
    for name in names:
        try:
            validate_filename(
                name, max_length=options.max_length, allow_unicode=options.allow_unicode
            )
        except UnsafeFilenameError as error:
            print(error)
            status = ExitStatus.UNSAFE
    return status


# --- safename rename DIR --------------------------------------------------------------------


@dataclass
class _Tally:
    entries: int = 0
    renamed: int = 0
    collisions: int = 0
    failed: int = 0


def _rename_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog=f"{_PROGRAM} rename",
        description="Give every file and directory under DIR a safe name. A dry run unless "
        "--apply is given. Nothing is ever overwritten: when two names sanitize to the same "
        "one, or the safe name exists, a numbered name (name-1.ext) is used.",
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
    _add_name_options(parser)
    arguments = parser.parse_args(argv)
    options = _name_options(parser, arguments)
    top = arguments.directory
    if not os.path.isdir(top):
        problem = "not a directory" if os.path.lexists(top) else "no such directory"
        print(f"{_PROGRAM} rename: {problem}: {top!r}", file=sys.stderr)
        return ExitStatus.NO_SUCH_DIRECTORY
    show_progress = sys.stderr.isatty() if arguments.progress is None else arguments.progress
    tally = _rename_tree(
        top,
        options,
        apply=arguments.apply,
        show_progress=show_progress,
        include_hidden=arguments.include_hidden,
    )
    print(_summary(tally, apply=arguments.apply), file=sys.stderr)
    return ExitStatus.RENAME_FAILED if tally.failed else ExitStatus.OK


def _rename_tree(
    top: str, options: _NameOptions, *, apply: bool, show_progress: bool, include_hidden: bool
) -> _Tally:
    """Rename every entry under *top*, deepest first, printing ``old -> new`` on stdout.

    Bottom-up, so that a directory keeps its name until its contents are done.
    Hidden entries (``.git``) and everything inside them are left alone unless
    *include_hidden*: renaming them would break the tools that own them.
    """
    tally = _Tally()
    failures: list[OSError] = []
    # The whole listing first: the progress bar needs the total.
    listing = [
        (
            directory,
            sorted(name for name in subdirectories + files if include_hidden or not _hidden(name)),
        )
        for directory, subdirectories, files in os.walk(top, topdown=False, onerror=failures.append)
        if include_hidden or not any(map(_hidden, Path(os.path.relpath(directory, top)).parts))
    ]
    for error in failures:
        print(f"{_PROGRAM} rename: cannot list: {error}", file=sys.stderr)
    tally.failed += len(failures)
    progress = Progress(sum(len(names) for _, names in listing), enabled=show_progress)
    for directory, names in listing:
        outcomes = rename_entries(
            directory,
            names,
            options.sanitizer(),
            max_length=options.max_length,
            allow_unicode=options.allow_unicode,
            apply=apply,
        )
        for outcome in outcomes:
            _report(outcome, top, tally, progress)
        tally.entries += len(names)
        progress.advance(len(names))
    progress.close()
    return tally


def _hidden(name: str) -> bool:
    return name.startswith(".") and name not in (".", "..")


def _report(outcome: Renamed | Failed, top: str, tally: _Tally, progress: Progress) -> None:
    progress.clear()
    old = _shown(os.path.relpath(os.path.join(outcome.directory, outcome.old), top))
    if isinstance(outcome, Failed):
        tally.failed += 1
        print(f"{_PROGRAM} rename: cannot rename {old}: {outcome.error}", file=sys.stderr)
        return
    tally.renamed += 1
    tally.collisions += outcome.collided
    new = _shown(os.path.relpath(os.path.join(outcome.directory, outcome.new), top))
    print(f"{old} -> {new}", flush=True)


def _shown(path: str) -> str:
    """*path* as it is when printable, else quoted with escapes so that one entry is one line.

    A path that starts with a quote is quoted too, so that a reader can tell the two apart.
    """
    plain = path.isprintable() and not path.startswith(("'", '"'))
    return path if plain else ascii(path)


def _summary(tally: _Tally, *, apply: bool) -> str:
    collisions = f" ({tally.collisions} numbered to avoid a collision)" if tally.collisions else ""
    failed = f", {tally.failed} failed" if tally.failed else ""
    if apply:
        return f"renamed {tally.renamed} of {tally.entries} names{collisions}{failed}"
    return (
        f"dry run: {tally.renamed} of {tally.entries} names would change{collisions}{failed}; "
        "nothing was renamed (use --apply)"
    )
