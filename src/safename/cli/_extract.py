"""``safename extract ARCHIVE DIR``: extract a zip or tar safely, all or nothing."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Final

from safename import archives
from safename._rename.report import shown
from safename.cli._options import non_negative_int, positive_number
from safename.cli._output import PROGRAM, Command, ExitStatus, is_directory


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
        type=non_negative_int,
        default=archives.DEFAULT_MAX_MEMBERS,
        metavar="COUNT",
        help="the most members, directories included (default: %(default)s)",
    )
    parser.add_argument(
        "--max-total-bytes",
        type=non_negative_int,
        default=archives.DEFAULT_MAX_TOTAL_BYTES,
        metavar="BYTES",
        help="the most bytes the files may expand to (default: %(default)s)",
    )
    parser.add_argument(
        "--max-ratio",
        type=positive_number,
        default=archives.DEFAULT_MAX_RATIO,
        metavar="RATIO",
        help="the most the archive may expand, as a multiple of its size (default: %(default)s)",
    )
    parser.add_argument(
        "--max-depth",
        type=non_negative_int,
        default=archives.DEFAULT_MAX_DEPTH,
        metavar="LEVELS",
        help="the most components in a member's path, a/b/c.txt having 3 (default: %(default)s)",
    )
    parser.add_argument(
        "--max-path-bytes",
        type=non_negative_int,
        default=archives.DEFAULT_MAX_PATH_BYTES,
        metavar="BYTES",
        help="the longest member path, in UTF-8 bytes (default: %(default)s)",
    )
    parser.add_argument(
        "--allow-links",
        action="store_true",
        help="accept links that point to another member of the archive (default: refuse links)",
    )


def run(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    directory = arguments.directory
    if not is_directory(directory, "extract"):
        return ExitStatus.NO_SUCH_DIRECTORY
    try:
        written = archives.safe_extract(
            arguments.archive,
            directory,
            max_members=arguments.max_members,
            max_total_bytes=arguments.max_total_bytes,
            max_ratio=arguments.max_ratio,
            max_depth=arguments.max_depth,
            max_path_bytes=arguments.max_path_bytes,
            allow_links=arguments.allow_links,
            dry_run=not arguments.apply,
        )
    except archives.UnsafeArchiveError as error:
        print(f"{PROGRAM} extract: refused, nothing was written: {error}", file=sys.stderr)
        return ExitStatus.UNSAFE
    except OSError as error:
        print(f"{PROGRAM} extract: {error}; nothing was written", file=sys.stderr)
        return ExitStatus.WRITE_FAILED
    for path in written:
        print(shown(os.path.relpath(path, directory)))
    if arguments.apply:
        print(f"extracted {len(written)} entries", file=sys.stderr)
    else:
        print(
            f"dry run: {len(written)} entries would be written; nothing was written (use --apply)",
            file=sys.stderr,
        )
    return ExitStatus.OK


COMMAND: Final = Command(
    "extract",
    "extract a zip or tar into DIR safely, all or nothing (a dry run unless --apply)",
    _configure_extract,
    run,
)
