"""``safename sweep DIR|s3://bucket/prefix``: remove what killed uploads and extractions left."""

from __future__ import annotations

import argparse
import sys
from typing import Final

from safename import uploads
from safename.cli._options import non_negative_int
from safename.cli._output import PROGRAM, Command, ExitStatus, is_directory


def _configure_sweep(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "List the temporary directories that killed uploads and extractions left "
        "at the top of DIR (.safename-upload-*.part, .safename-extract-*.part), and remove "
        "them with --apply. An entry younger than --older-than may still be in use and is "
        "left alone. An entry that only has such a name, without the marker safename puts "
        "in its own, is never removed: it is reported on stderr as not made by safename. "
        "For s3://BUCKET/PREFIX, the claims under PREFIX.safename-claims/ that killed uploads "
        "left (with safename's metadata) and their multipart uploads; the endpoint and keys "
        "come from the usual AWS variables."
    )
    parser.add_argument(
        "directory",
        metavar="DIR",
        help="the upload or extraction directory, or s3://BUCKET/PREFIX",
    )
    parser.add_argument("--apply", action="store_true", help="remove (default: only list)")
    parser.add_argument(
        "--older-than",
        type=non_negative_int,
        default=int(uploads.DEFAULT_SWEEP_AGE.total_seconds()),
        metavar="SECONDS",
        help="remove only entries not modified for this long (default: %(default)s)",
    )


def _report_kept(name: str) -> None:
    print(f"kept: not made by safename: {name}", file=sys.stderr)


def _sweep_bucket(url: str, arguments: argparse.Namespace) -> list[str]:
    bucket = uploads.bucket_from_url(url)
    return uploads.sweep_bucket(
        bucket,
        older_than=arguments.older_than,
        dry_run=not arguments.apply,
        on_unproven=_report_kept,
    )


def run(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    directory = arguments.directory
    in_bucket = directory.startswith("s3://")
    if not in_bucket and not is_directory(directory, "sweep"):
        return ExitStatus.NO_SUCH_DIRECTORY
    try:
        if in_bucket:
            names = _sweep_bucket(directory, arguments)
        else:
            names = uploads.sweep(
                directory,
                older_than=arguments.older_than,
                dry_run=not arguments.apply,
                on_unproven=_report_kept,
            )
    except (ValueError, ModuleNotFoundError) as error:  # a bad URL, or no boto3
        print(f"{PROGRAM} sweep: {error}", file=sys.stderr)
        return ExitStatus.USAGE
    except OSError as error:
        print(f"{PROGRAM} sweep: {error}", file=sys.stderr)
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


COMMAND: Final = Command(
    "sweep",
    "remove the temporary files killed uploads and extractions left (a dry run unless --apply)",
    _configure_sweep,
    run,
)
