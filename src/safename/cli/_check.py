"""``safename check NAME...``: say why each unsafe name is unsafe."""

from __future__ import annotations

import argparse
from typing import Final

from safename.cli._options import add_name_options, add_names, read_names
from safename.cli._output import Command, ExitStatus
from safename.errors import UnsafeFilenameError
from safename.filenames import validate_filename


def _configure_check(parser: argparse.ArgumentParser) -> None:
    add_names(parser)
    add_name_options(parser, sanitizing=False)


def run(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    status = ExitStatus.OK
    for name in read_names(parser, arguments):
        try:
            validate_filename(
                name, max_length=arguments.max_length, allow_unicode=arguments.allow_unicode
            )
        except UnsafeFilenameError as error:
            print(error)
            status = ExitStatus.UNSAFE
    return status


COMMAND: Final = Command(
    "check",
    "say why each unsafe name is unsafe (and nothing of safe ones); exit 1 if any is",
    _configure_check,
    run,
)
