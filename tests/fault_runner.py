"""The crash harness in a fresh interpreter, so that it runs under ``LD_PRELOAD``.

The harness (``faults.py``) forks its children from the process that runs it,
and a library preloaded for a test (``no_renameat2.c``) is only in a process
started with it. ``test_fallback_mount.py`` therefore starts this module as a
subprocess with the environment it needs:

``python fault_runner.py harness SCENARIO FAULT DIR``
    ``test_crash_safety``'s check at every call index of SCENARIO, in DIR,
    with the link fallback required of the counting run; prints the count.
``python fault_runner.py cli [--kill-at N] [--calls FILE] -- ARGS...``
    ``python -m safename ARGS`` with the harness's hooks installed: it kills
    itself (``kill -9``) at call N, or runs whole; the names of its calls are
    written to FILE (as JSON) if it gets that far.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from faults import FAULTS, KILL, install_hooks


def harness(scenario: str, fault_name: str, directory: Path) -> int:
    # Imported here: the cli command has no need of pytest and the scenarios.
    from test_crash_safety import check_every_call

    (fault,) = [fault for fault in FAULTS if fault.name == fault_name]
    count = check_every_call(directory, scenario, fault, must_link=True)
    print(f"{scenario} {fault_name}: {count} call indexes")
    return 0


def cli(kill_at: int | None, calls_file: Path | None, arguments: list[str]) -> int:
    from safename.cli import main

    calls = install_hooks(kill_at, KILL)
    status = main(arguments)
    if calls_file is not None:
        calls_file.write_text(json.dumps(calls))
    return int(status)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fault_runner.py")
    commands = parser.add_subparsers(dest="command", required=True)
    every = commands.add_parser("harness")
    every.add_argument("scenario")
    every.add_argument("fault")
    every.add_argument("directory", type=Path)
    one = commands.add_parser("cli")
    one.add_argument("--kill-at", type=int)
    one.add_argument("--calls", type=Path)
    one.add_argument("arguments", nargs=argparse.REMAINDER)
    return parser.parse_args(argv)


def run(argv: list[str]) -> int:
    options = parse(argv)
    if options.command == "harness":
        return harness(options.scenario, options.fault, options.directory)
    arguments = options.arguments[1:] if options.arguments[:1] == ["--"] else options.arguments
    return cli(options.kill_at, options.calls, arguments)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
