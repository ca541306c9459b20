"""The ``safename`` command: sanitize or check names, or rename the files of a directory tree.

Usage::

    safename sanitize [options] NAME...  # print the safe form of each name
    safename [options] NAME...           # the same (the shorthand)
    safename [options] < names.txt       # the same, one name per line on stdin
    safename check [options] NAME...     # exit 1 and say why if a name is unsafe
    safename rename [options] DIR        # show what would be renamed (a dry run)
    safename rename --apply DIR          # rename, never overwriting a file
    safename COMMAND --help              # the options of one command
    safename --version

The name options mirror the keyword arguments of :func:`safename.secure_filename`:
``--max-length``, ``--allow-unicode``, ``--transliterate`` and ``--fallback``.

A command is recognized only as the first argument. A first argument that looks like a
command but is none is a usage error with a suggestion, so that a mistyped or future command
is never sanitized as a name: a lower-case word (words joined by hyphens, no dot) that is a
planned command (``audit-routes``, ``extract``, ``sweep``), is close to a command
(``renam``), or has a hyphen. ``--`` (or ``sanitize``) forces the literal reading:
``safename -- rename``.
The exit statuses are those of :class:`ExitStatus`.

A new command is one function and its registration::

    def _configure_hello(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("who")

    @_command("hello", "greet someone", _configure_hello)
    def _hello(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
        print("hello", arguments.who)
        return ExitStatus.OK
"""

from __future__ import annotations

import argparse
import difflib
import enum
import functools
import importlib.metadata
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

from safename import _filename_rules as _rules
from safename import audit
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
    #: ``check`` found at least one unsafe name.
    UNSAFE = 1
    #: Bad options or arguments, or an unknown command (argparse's status).
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


# --- the command registry -----------------------------------------------------------------------

#: What a command does once its arguments are parsed: its own parser (for ``parser.error``)
#: and the parsed arguments in, an :class:`ExitStatus` out.
_Run = Callable[[argparse.ArgumentParser, argparse.Namespace], int]


@dataclass(frozen=True)
class _Command:
    name: str
    summary: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: _Run


#: The commands, in the order ``safename --help`` lists them.
_COMMANDS: dict[str, _Command] = {}

#: The command ``safename NAME...`` is short for.
_DEFAULT_COMMAND: Final = "sanitize"

#: Commands planned for coming versions: until they exist, each is an error, not a name to
#: sanitize, so that a script written for a newer safename fails instead of doing something else.
_PLANNED_COMMANDS: Final = ("audit-routes", "extract", "sweep")

#: How alike a first argument and a command must be (difflib's ratio) to be taken for a typo:
#: ``renam`` (0.91) and ``chek`` (0.89) are, ``name`` (0.80 to ``rename``) is a name.
_TYPO_SIMILARITY: Final = 0.85

#: The shape of a command: lower-case ASCII words joined by single hyphens.
_COMMAND_SHAPE: Final = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


def _command(
    name: str, summary: str, configure: Callable[[argparse.ArgumentParser], None]
) -> Callable[[_Run], _Run]:
    """Register the decorated function as the command *name*, its options added by *configure*."""

    def register(run: _Run) -> _Run:
        _COMMANDS[name] = _Command(name, summary, configure, run)
        return run

    return register


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``safename`` command with *argv* (``sys.argv[1:]`` by default).

    A first argument that is not a command (nor ``-h``, ``--help``, ``--version``) reads
    as the ``sanitize`` command's arguments.

    :returns: an :class:`ExitStatus`; argparse exits with ``USAGE`` on bad options, and on a
        first argument that looks like a command but is none.

    >>> main(["My cool movie.mov", "../../etc/passwd", "CON.txt"])
    My_cool_movie.mov
    etc_passwd
    _CON.txt
    0
    >>> main(["check", "--", "report.pdf", "-rf"])
    unsafe filename '-rf': leading_dot_or_dash
    1
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    _tolerate_unencodable_output()
    parser = _parser()
    first = arguments[0] if arguments else "--"
    if first not in _COMMANDS and first not in ("-h", "--help", "--version"):
        if _looks_like_a_command(first):
            parser.error(_unknown_command_message(first))
        arguments.insert(0, _DEFAULT_COMMAND)
    parsed = parser.parse_args(arguments)
    return int(parsed.command.run(parsed.command_parser, parsed))


def _parser() -> argparse.ArgumentParser:
    """The top-level parser, with one subparser per registered command."""
    parser = argparse.ArgumentParser(
        prog=_PROGRAM,
        description="Sanitize or check untrusted names, or rename the files of a directory tree.",
        epilog=f"'{_PROGRAM} NAME...' is short for '{_PROGRAM} {_DEFAULT_COMMAND} NAME...'; "
        f"put -- before a name that is also a command: '{_PROGRAM} -- rename'. "
        f"'{_PROGRAM} COMMAND --help' shows the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in _COMMANDS.values():
        # The summary is the description unless the command's configure sets a longer one.
        description = f"{command.summary[:1].upper()}{command.summary[1:]}."
        subparser = subparsers.add_parser(
            command.name, help=command.summary, description=description
        )
        command.configure(subparser)
        subparser.set_defaults(command=command, command_parser=subparser)
    return parser


def _version() -> str:
    try:
        return importlib.metadata.version(_PROGRAM)
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "(not installed)"


def _looks_like_a_command(word: str) -> bool:
    """Whether *word*, as a first argument, is taken for a command that does not exist.

    It is when it has a command's shape (lower-case ASCII words joined by hyphens, no dot)
    and either is a planned command, or is close to a command (a typo), or has a hyphen
    (``audit-paths``: the shape of the commands to come, rarely a file's name).
    """
    if word in _COMMANDS or not _COMMAND_SHAPE.fullmatch(word):
        return False
    return word in _PLANNED_COMMANDS or "-" in word or bool(_close_commands(word))


def _close_commands(word: str) -> list[str]:
    known = [*_COMMANDS, *(name for name in _PLANNED_COMMANDS if name not in _COMMANDS)]
    return difflib.get_close_matches(word, known, n=1, cutoff=_TYPO_SIMILARITY)


def _unknown_command_message(word: str) -> str:
    if word in _PLANNED_COMMANDS:
        problem = f"{word!r} is a command of a later version of {_PROGRAM}, not of this one"
    else:
        close = _close_commands(word)
        guess = f"; did you mean {close[0]!r}?" if close else ""
        problem = f"unknown command {word!r}{guess}"
    commands = ", ".join(_COMMANDS)
    return (
        f"{problem} (commands: {commands}). "
        f"To sanitize it as a name, put -- before it: {_PROGRAM} -- {word}"
    )


def _tolerate_unencodable_output() -> None:
    """Escape what the terminal cannot show (names may hold any code point) instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


# --- options shared by the commands -------------------------------------------------------------


def _positive_length(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < _rules.MIN_MAX_LENGTH:
        message = f"must be at least {_rules.MIN_MAX_LENGTH}, got {value}"
        raise argparse.ArgumentTypeError(message)
    return value


def _add_name_options(parser: argparse.ArgumentParser, *, sanitizing: bool = True) -> None:
    """The options of :func:`secure_filename`, or only those of ``validate_filename``."""
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
    if not sanitizing:
        parser.set_defaults(transliterate=False, fallback=None)
        return
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


def _add_names(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="names (default: stdin lines)")


def _names(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> Sequence[str]:
    """The names given as arguments, else the lines of stdin."""
    if arguments.names:
        names: Sequence[str] = arguments.names
        return names
    if sys.stdin.isatty():
        parser.error("no names: give them as arguments or one per line on stdin")
    return _read_lines(sys.stdin)


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


# --- safename sanitize NAME... ------------------------------------------------------------------


def _configure_sanitize(parser: argparse.ArgumentParser) -> None:
    _add_names(parser)
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"the same as '{_PROGRAM} check' (kept for scripts written before it)",
    )
    _add_name_options(parser)


@_command("sanitize", "print the safe form of each name", _configure_sanitize)
def _sanitize(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    options = _name_options(parser, arguments)
    if arguments.check:
        if arguments.transliterate or arguments.fallback is not None:
            parser.error("--check takes only --max-length and --allow-unicode")
        return _check(parser, arguments)
    sanitize = options.sanitizer()
    for name in _names(parser, arguments):
        print(sanitize(name))
    return ExitStatus.OK


# --- safename check NAME... ---------------------------------------------------------------------


def _configure_check(parser: argparse.ArgumentParser) -> None:
    _add_names(parser)
    _add_name_options(parser, sanitizing=False)


@_command(
    "check",
    "say why each unsafe name is unsafe (and nothing of safe ones); exit 1 if any is",
    _configure_check,
)
def _check(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    status = ExitStatus.OK
    for name in _names(parser, arguments):
        try:
            validate_filename(
                name, max_length=arguments.max_length, allow_unicode=arguments.allow_unicode
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
    _add_name_options(parser)


@_command(
    "rename",
    "give every file and directory under DIR a safe name (a dry run unless --apply)",
    _configure_rename,
)
def _rename_command(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
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


@_command(
    "audit-routes",
    "report the routes of a Flask, Starlette/FastAPI or Django app that a URL can slow down",
    audit.configure_parser,
)
def _audit_routes_command(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    return audit.run_command(parser, arguments)
