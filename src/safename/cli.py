"""The ``safename`` command: sanitize or check names, or rename the files of a directory tree.

Usage::

    safename sanitize [options] NAME...  # print the safe form of each name
    safename [options] NAME...           # the same (the shorthand)
    safename [options] < names.txt       # the same, one name per line on stdin
    safename check [options] NAME...     # exit 1 and say why if a name is unsafe
    safename rename [options] DIR        # show what would be renamed (a dry run)
    safename rename --apply DIR          # rename, never overwriting a file
    safename extract ARCHIVE DIR         # list what a zip or tar would write (a dry run)
    safename extract --apply ARCHIVE DIR # extract it safely, all or nothing
    safename sweep [--apply] DIR         # remove what killed uploads and extractions left
    safename COMMAND --help              # the options of one command
    safename --version

The name options mirror the keyword arguments of :func:`safename.secure_filename`:
``--max-length``, ``--allow-unicode``, ``--transliterate`` and ``--fallback``.

A command is recognized only as the first argument. A first argument that looks like a
command but is none is a usage error with a suggestion, so that a mistyped or future command
is never sanitized as a name: a lower-case word (words joined by hyphens, no dot) that is
close to a command (``renam``) or has a hyphen. ``--`` (or ``sanitize``) forces the literal reading:
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
from typing import Final, TextIO

from safename import COMPILED, archives, audit, uploads
from safename import _filename_rules as _rules
from safename import _rename_journal as rename_journal
from safename import _renaming as renaming
from safename._extras import require
from safename._rename_journal import JournalBusyError
from safename._rename_report import Format, Report, _shown
from safename._renaming import Progress
from safename.errors import UnsafeFilenameError
from safename.filenames import Fallback, random_stem, secure_filename
from safename.paths import no_replace_method, open_directory
from safename.validation import validate_filename

__all__ = ["ExitStatus", "main"]

_PROGRAM: Final = "safename"


class ExitStatus(enum.IntEnum):
    """The exit statuses of the ``safename`` command.

    >>> [(status.name, int(status)) for status in ExitStatus]  # doctest: +NORMALIZE_WHITESPACE
    [('OK', 0), ('UNSAFE', 1), ('USAGE', 2), ('NO_SUCH_DIRECTORY', 3), ('RENAME_FAILED', 4),
     ('WRITE_FAILED', 5), ('OUTPUT_CLOSED', 141)]
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
    #: The reader of stdout closed it (``| head -1``); the status of a process killed by
    #: SIGPIPE, as a shell reports it. ``rename --apply`` stops between two moves.
    OUTPUT_CLOSED = 141  # 128 + SIGPIPE (13), spelled out: Windows has no SIGPIPE


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
    try:
        return int(parsed.command.run(parsed.command_parser, parsed))
    except BrokenPipeError:  # `safename rename DIR | head -1`: the reader has all it wanted
        _discard_further_output()
        return ExitStatus.OUTPUT_CLOSED


def _discard_further_output() -> None:
    """Point stdout at the null device, so that the flush at exit does not fail again."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by an object without a descriptor
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def _parser() -> argparse.ArgumentParser:
    """The top-level parser, with one subparser per registered command."""
    parser = argparse.ArgumentParser(
        prog=_PROGRAM,
        description="Sanitize or check untrusted names, or rename the files of a directory tree.",
        epilog=f"'{_PROGRAM} NAME...' is short for '{_PROGRAM} {_DEFAULT_COMMAND} NAME...'; "
        f"put -- before a name that is also a command: '{_PROGRAM} -- rename'. "
        f"'{_PROGRAM} COMMAND --help' shows the options of a command.",
    )
    build = "compiled" if COMPILED else "pure Python"
    version = f"%(prog)s {_version()} ({build}; no-clobber rename: {no_replace_method()})"
    parser.add_argument("--version", action="version", version=version)
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
    and either is close to a command (a typo) or has a hyphen
    (``audit-paths``: the shape of the commands to come, rarely a file's name).
    """
    if word in _COMMANDS or not _COMMAND_SHAPE.fullmatch(word):
        return False
    return "-" in word or bool(_close_commands(word))


def _close_commands(word: str) -> list[str]:
    return difflib.get_close_matches(word, list(_COMMANDS), n=1, cutoff=_TYPO_SIMILARITY)


def _unknown_command_message(word: str) -> str:
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
    _add_name_options(parser)


@_command(
    "rename",
    "give every file and directory under DIR a safe name (a dry run unless --apply)",
    _configure_rename,
)
def _rename_command(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    options = _name_options(parser, arguments)
    if os.scandir not in os.supports_fd:  # pragma: no cover - Windows
        parser.error("rename needs directory descriptors (Linux, macOS, BSD), not this system's")
    top = arguments.directory
    try:  # DIR itself is the user's choice: a symlink to a directory is followed
        top_fd = open_directory(top, follow_symlinks=True)
    except (FileNotFoundError, NotADirectoryError):
        problem = "not a directory" if os.path.lexists(top) else "no such directory"
        print(f"{_PROGRAM} rename: {problem}: {top!r}", file=sys.stderr)
        return ExitStatus.NO_SUCH_DIRECTORY
    except OSError as error:
        print(f"{_PROGRAM} rename: cannot open {top!r}: {error}", file=sys.stderr)
        return ExitStatus.RENAME_FAILED
    try:
        report = _rename_tree(top_fd, top, options, arguments)
    except JournalBusyError as error:
        print(f"{_PROGRAM} rename: {error}", file=sys.stderr)
        return ExitStatus.RENAME_FAILED
    finally:
        os.close(top_fd)
    print(report.summary(), file=sys.stderr)
    tally = report.tally
    return ExitStatus.RENAME_FAILED if tally.failed or tally.skipped else ExitStatus.OK


def _rename_tree(
    top_fd: int, top: str, options: _NameOptions, arguments: argparse.Namespace
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
    outcomes = renaming.rename_listed(
        top_fd,
        listing,
        options.sanitizer(),
        max_length=options.max_length,
        allow_unicode=options.allow_unicode,
        apply=arguments.apply,
        on_directory_done=progress.advance,
    )
    for outcome in outcomes:
        report.outcome(outcome)
        if isinstance(outcome, renaming.Renamed):
            moved.add((outcome.directory, outcome.old))
    progress.close()
    for directory, name, target in renaming.links_into_moves(listing, moved, top):
        report.dangling(directory, name, target)
    report.tally.entries = listing.total
    return report


# --- safename extract ARCHIVE DIR -----------------------------------------------------------------


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _configure_extract(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "List what ARCHIVE (a zip, or a tar: plain, gz, bz2 or xz) would write into DIR, "
        "after checking every member name, link and limit and reading all its data. "
        "With --apply, extract it: all or nothing, never overwriting a file; on any "
        "refusal DIR is left exactly as it was."
    )
    parser.add_argument("archive", metavar="ARCHIVE", help="the zip or tar file")
    parser.add_argument("directory", metavar="DIR", help="an existing directory to extract into")
    parser.add_argument("--apply", action="store_true", help="extract (default: only list)")
    parser.add_argument(
        "--max-members",
        type=_non_negative_int,
        default=archives.DEFAULT_MAX_MEMBERS,
        metavar="COUNT",
        help="the most members, directories included (default: %(default)s)",
    )
    parser.add_argument(
        "--max-total-bytes",
        type=_non_negative_int,
        default=archives.DEFAULT_MAX_TOTAL_BYTES,
        metavar="BYTES",
        help="the most bytes the files may expand to (default: %(default)s)",
    )
    parser.add_argument(
        "--max-ratio",
        type=_positive_number,
        default=archives.DEFAULT_MAX_RATIO,
        metavar="RATIO",
        help="the most the archive may expand, as a multiple of its size (default: %(default)s)",
    )
    parser.add_argument(
        "--allow-links",
        action="store_true",
        help="accept links that point to another member of the archive (default: refuse links)",
    )


@_command(
    "extract",
    "extract a zip or tar into DIR safely, all or nothing (a dry run unless --apply)",
    _configure_extract,
)
def _extract_command(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    directory = arguments.directory
    if not _is_directory(directory, "extract"):
        return ExitStatus.NO_SUCH_DIRECTORY
    try:
        written = archives.safe_extract(
            arguments.archive,
            directory,
            max_members=arguments.max_members,
            max_total_bytes=arguments.max_total_bytes,
            max_ratio=arguments.max_ratio,
            allow_links=arguments.allow_links,
            dry_run=not arguments.apply,
        )
    except archives.UnsafeArchiveError as error:
        print(f"{_PROGRAM} extract: refused, nothing was written: {error}", file=sys.stderr)
        return ExitStatus.UNSAFE
    except OSError as error:
        print(f"{_PROGRAM} extract: {error}; nothing was written", file=sys.stderr)
        return ExitStatus.WRITE_FAILED
    for path in written:
        print(_shown(os.path.relpath(path, directory)))
    if arguments.apply:
        print(f"extracted {len(written)} entries", file=sys.stderr)
    else:
        print(
            f"dry run: {len(written)} entries would be written; nothing was written (use --apply)",
            file=sys.stderr,
        )
    return ExitStatus.OK


def _is_directory(path: str, command: str) -> bool:
    """Whether *path* is a directory; if not, say so on stderr."""
    if os.path.isdir(path):
        return True
    problem = "not a directory" if os.path.lexists(path) else "no such directory"
    print(f"{_PROGRAM} {command}: {problem}: {path!r}", file=sys.stderr)
    return False


# --- safename sweep DIR ---------------------------------------------------------------------------


def _configure_sweep(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "List the temporary files and directories that killed uploads and extractions left "
        "at the top of DIR (.safename-upload-*.part, .safename-extract-*.part), and remove "
        "them with --apply. An entry younger than --older-than may still be in use and is "
        "left alone."
    )
    parser.add_argument("directory", metavar="DIR", help="the upload or extraction directory")
    parser.add_argument("--apply", action="store_true", help="remove (default: only list)")
    parser.add_argument(
        "--older-than",
        type=_non_negative_int,
        default=int(uploads.DEFAULT_SWEEP_AGE.total_seconds()),
        metavar="SECONDS",
        help="remove only entries not modified for this long (default: %(default)s)",
    )


@_command(
    "sweep",
    "remove the temporary files killed uploads and extractions left (a dry run unless --apply)",
    _configure_sweep,
)
def _sweep_command(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    directory = arguments.directory
    if not _is_directory(directory, "sweep"):
        return ExitStatus.NO_SUCH_DIRECTORY
    try:
        names = uploads.sweep(
            directory, older_than=arguments.older_than, dry_run=not arguments.apply
        )
    except OSError as error:
        print(f"{_PROGRAM} sweep: {error}", file=sys.stderr)
        return ExitStatus.WRITE_FAILED
    for name in names:
        print(name)
    if arguments.apply:
        print(f"removed {len(names)} entries", file=sys.stderr)
    else:
        print(
            f"dry run: {len(names)} entries would be removed; nothing was removed (use --apply)",
            file=sys.stderr,
        )
    return ExitStatus.OK


@_command(
    "audit-routes",
    "report the routes of a Flask, Starlette/FastAPI or Django app that a URL can slow down",
    audit.configure_parser,
)
def _audit_routes_command(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    return audit.run_command(parser, arguments)
