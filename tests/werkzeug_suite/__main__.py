"""Run Werkzeug's routing tests against SafeName's converters: ``python -m werkzeug_suite``."""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from . import LATEST, PINNED, DownloadError, cache_dir, download, extract, run, succeeded, summary


def main(argv: list[str] | None = None) -> int:
    """Run the pinned release (deciding the exit status), then the newest 3.x if it differs."""
    parser = argparse.ArgumentParser(prog="python -m werkzeug_suite", description=__doc__)
    parser.add_argument("--pip-args", default="", help="more arguments for pip download")
    parser.add_argument("--no-latest", action="store_true", help="run the pinned release only")
    parser.add_argument(
        "--matcher", action="store_true", help="every Map also matches with safename's matcher"
    )
    options = parser.parse_args(argv)
    pip_args = shlex.split(options.pip_args)
    try:
        pinned = extract(download(f"werkzeug=={PINNED}", cache_dir(), pip_args), cache_dir())
    except DownloadError as error:
        if os.environ.get("CI"):
            print(f"werkzeug suite FAILED: cannot download werkzeug=={PINNED}: {error}")
            return 1
        print(f"werkzeug suite SKIPPED (no download; set CI to make this fail): {error}")
        return 0
    counts = run(pinned, matcher=options.matcher)
    print(summary(pinned.version, counts, matcher=options.matcher))
    if not options.no_latest:
        _run_latest(pinned.version, pip_args, matcher=options.matcher)
    return 0 if succeeded(counts) else 1


def _run_latest(pinned_version: str, pip_args: list[str], *, matcher: bool) -> None:
    try:
        latest = extract(download(LATEST, cache_dir(), pip_args), cache_dir())
    except DownloadError as error:
        print(f"werkzeug suite, newest 3.x: not run (does not decide the result): {error}")
        return
    if latest.version == pinned_version:
        print(f"werkzeug suite, newest 3.x: {latest.version}, the pinned release, run above")
        return
    counts = run(latest, matcher=matcher)
    verdict = "" if succeeded(counts) else " (does not decide the result)"
    print(f"{summary(latest.version, counts, matcher=matcher)}{verdict}")


if __name__ == "__main__":
    sys.exit(main())
