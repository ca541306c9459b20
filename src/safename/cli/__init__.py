"""The ``safename`` command: sanitize or check names, or rename the files of a directory tree.

Usage::

    safename sanitize [options] NAME...  # print the safe form of each name
    safename [options] NAME...           # the same (the shorthand)
    safename [options] < names.txt       # the same, one name per line on stdin
    safename [options] -                 # the same, stdin read even from a terminal
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

Each command is a module of this package that ends with its ``COMMAND``
(``safename.cli._sanitize``...); the options several commands share are in
``_options`` and the exit statuses and output helpers in ``_output``. A new
command is a new module and one more entry in :data:`COMMANDS`::

    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("who")

    def run(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
        print("hello", arguments.who)
        return ExitStatus.OK

    COMMAND: Final = Command("hello", "greet someone", configure, run)
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence
from typing import Final

from safename import COMPILED, __version__
from safename.cli import _audit_routes, _check, _extract, _rename, _sanitize, _sweep
from safename.cli._output import PROGRAM, Command, ExitStatus, discard_further_output
from safename.paths import no_replace_method

__all__ = ["ExitStatus", "main"]

#: The commands, in the order ``safename --help`` lists them.
COMMANDS: Final[dict[str, Command]] = {
    command.name: command
    for command in (
        _sanitize.COMMAND,
        _check.COMMAND,
        _rename.COMMAND,
        _extract.COMMAND,
        _sweep.COMMAND,
        _audit_routes.COMMAND,
    )
}

#: The command ``safename NAME...`` is short for.
_DEFAULT_COMMAND: Final = "sanitize"

#: How alike a first argument and a command must be (difflib's ratio) to be taken for a typo:
#: ``renam`` (0.91) and ``chek`` (0.89) are, ``name`` (0.80 to ``rename``) is a name.
_TYPO_SIMILARITY: Final = 0.85

#: The shape of a command: lower-case ASCII words joined by single hyphens.
_COMMAND_SHAPE: Final = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``safename`` command with *argv* (``sys.argv[1:]`` by default).

    A first argument that is not a command (nor ``-h``, ``--help``, ``--version``) reads
    as the ``sanitize`` command's arguments. With no argument at all on a terminal, it
    prints the usage instead of waiting for names on stdin, as ``git`` does; names still
    come from stdin through a pipe or with ``-``.

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
    if not arguments and sys.stdin.isatty():
        print(parser.format_help(), end="")
        return ExitStatus.USAGE
    first = arguments[0] if arguments else "--"
    if first not in COMMANDS and first not in ("-h", "--help", "--version"):
        if _looks_like_a_command(first):
            parser.error(_unknown_command_message(first))
        arguments.insert(0, _DEFAULT_COMMAND)
    parsed = parser.parse_args(arguments)
    try:
        return int(parsed.command.run(parsed.command_parser, parsed))
    except BrokenPipeError:  # `safename rename DIR | head -1`: the reader has all it wanted
        discard_further_output()
        return ExitStatus.OUTPUT_CLOSED
    except KeyboardInterrupt:  # Ctrl-C: every command has cleaned up on its way out
        print(f"{PROGRAM}: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED


def _parser() -> argparse.ArgumentParser:
    """The top-level parser, with one subparser per registered command."""
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Sanitize or check untrusted names, or rename the files of a directory tree.",
        epilog=f"'{PROGRAM} NAME...' is short for '{PROGRAM} {_DEFAULT_COMMAND} NAME...'; "
        f"put -- before a name that is also a command: '{PROGRAM} -- rename'. "
        f"'{PROGRAM} COMMAND --help' shows the options of a command.",
    )
    build = "compiled" if COMPILED else "pure Python"
    version = f"%(prog)s {__version__} ({build}; no-clobber rename: {no_replace_method()})"
    parser.add_argument("--version", action="version", version=version)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in COMMANDS.values():
        # The summary is the description unless the command's configure sets a longer one.
        description = f"{command.summary[:1].upper()}{command.summary[1:]}."
        subparser = subparsers.add_parser(
            command.name, help=command.summary, description=description
        )
        command.configure(subparser)
        subparser.set_defaults(command=command, command_parser=subparser)
    return parser


def _looks_like_a_command(word: str) -> bool:
    """Whether *word*, as a first argument, is taken for a command that does not exist.

    It is when it has a command's shape (lower-case ASCII words joined by hyphens, no dot)
    and either is close to a command (a typo) or has a hyphen
    (``audit-paths``: the shape of the commands to come, rarely a file's name).
    """
    if word in COMMANDS or not _COMMAND_SHAPE.fullmatch(word):
        return False
    return "-" in word or bool(_close_commands(word))


def _close_commands(word: str) -> list[str]:
    return difflib.get_close_matches(word, list(COMMANDS), n=1, cutoff=_TYPO_SIMILARITY)


def _unknown_command_message(word: str) -> str:
    close = _close_commands(word)
    guess = f"; did you mean {close[0]!r}?" if close else ""
    problem = f"unknown command {word!r}{guess}"
    commands = ", ".join(COMMANDS)
    return (
        f"{problem} (commands: {commands}). "
        f"To sanitize it as a name, put -- before it: {PROGRAM} -- {word}"
    )


def _tolerate_unencodable_output() -> None:
    """Escape what the terminal cannot show (names may hold any code point) instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
