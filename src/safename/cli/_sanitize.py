"""``safename sanitize NAME...``: print the safe form of each name."""

from __future__ import annotations

import argparse
from typing import Final

from safename.cli import _check
from safename.cli._options import add_name_options, add_names, name_options, read_names
from safename.cli._output import PROGRAM, Command, ExitStatus


def _configure_sanitize(parser: argparse.ArgumentParser) -> None:
    add_names(parser)
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"the same as '{PROGRAM} check' (kept for scripts written before it)",
    )
    add_name_options(parser)


def run(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    options = name_options(parser, arguments)
    if arguments.check:
        if arguments.transliterate or arguments.fallback is not None:
            parser.error("--check takes only --max-length and --allow-unicode")
        return _check.run(parser, arguments)
    sanitize = options.sanitizer()
    for name in read_names(parser, arguments):
        print(sanitize(name))
    return ExitStatus.OK


COMMAND: Final = Command(
    "sanitize",
    "print the safe form of each name",
    _configure_sanitize,
    run,
)
