"""The options several commands share: ``secure_filename``'s name options, the names, numbers."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from safename._packaging import require
from safename.filenames import Fallback, _rules, random_stem, secure_filename

Sanitize = Callable[[str], str]


@dataclass(frozen=True)
class NameOptions:
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


def positive_length(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < _rules.MIN_MAX_LENGTH:
        message = f"must be at least {_rules.MIN_MAX_LENGTH}, got {value}"
        raise argparse.ArgumentTypeError(message)
    return value


def add_name_options(parser: argparse.ArgumentParser, *, sanitizing: bool = True) -> None:
    """The options of :func:`secure_filename`, or only those of ``validate_filename``."""
    parser.add_argument(
        "--max-length",
        type=positive_length,
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


def name_options(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> NameOptions:
    """Read the name options, checking what argparse cannot."""
    if arguments.transliterate:
        try:
            require("anyascii", "translit")
        except ModuleNotFoundError as error:
            parser.error(str(error))
    fallback: Fallback = random_stem if arguments.fallback is None else arguments.fallback
    options = NameOptions(
        arguments.max_length, fallback, arguments.allow_unicode, arguments.transliterate
    )
    if isinstance(fallback, str):
        try:
            options.sanitizer()("")
        except ValueError as error:
            parser.error(f"--fallback: {error}")
    return options


def add_names(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="names (default: stdin lines)")


def read_names(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> Sequence[str]:
    """The names given as arguments, else the lines of stdin (also when the one name is ``-``)."""
    if arguments.names == ["-"]:
        return read_lines(sys.stdin)
    if arguments.names:
        names: Sequence[str] = arguments.names
        return names
    if sys.stdin.isatty():
        parser.error("no names: give them as arguments or one per line on stdin")
    return read_lines(sys.stdin)


def read_lines(stream: TextIO) -> list[str]:
    """Names one per line, read as bytes so that ``\\r`` and undecodable bytes stay in the name.

    Only ``\\n`` (and a ``\\r`` just before it) ends a line: text mode would
    also split on a lone ``\\r``, which a hostile name may contain.
    """
    data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return [os.fsdecode(line.removesuffix(b"\r")) for line in lines]


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value
