"""``safename audit-routes``: the routes of an app that one URL can slow down."""

from __future__ import annotations

import argparse
from typing import Final

from safename import audit
from safename.cli._output import Command


def run(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    return audit.run_command(parser, arguments)


COMMAND: Final = Command(
    "audit-routes",
    "report the routes of a Flask, Starlette/FastAPI or Django app that a URL can slow down",
    audit.configure_parser,
    run,
)
