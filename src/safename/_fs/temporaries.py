"""The temporaries' namespace: the names a writer uses before it publishes, and the sweep.

Every writer (an upload, an extraction, a rename) first writes under a hidden
name of the form ``.safename-<kind>-<16 hex>.part`` and then publishes it.
:func:`sweep` removes what a killed upload or extraction left behind.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Iterator
from typing import Final

from safename._fs.descriptors import opened_directory

__all__ = ["DEFAULT_SWEEP_AGE", "sweep", "temporary_name"]

#: How old an orphaned temporary entry must be before :func:`sweep` removes it by default.
DEFAULT_SWEEP_AGE: Final = datetime.timedelta(hours=1)
#: What :func:`sweep` may remove: temporary uploads and extractions. A
#: ``rename`` temporary holds a user's entry mid-rename and is never removed.
_SWEPT: Final = re.compile(r"\.safename-(upload|extract)-[0-9a-f]{16}\.part")


def temporary_name(kind: str) -> str:
    """A hidden, recognizable name for a temporary entry: ``.safename-<kind>-<16 hex>.part``.

    What safename writes before publishing it (an upload, an extraction, a
    rename) is named so, so that a sweep can find and remove what a crash left.

    >>> name = temporary_name("upload")
    >>> name.startswith(".safename-upload-") and name.endswith(".part"), len(name)
    (True, 38)
    """
    return f".safename-{kind}-{secrets.token_hex(8)}.part"


def sweep(
    directory: str | os.PathLike[str],
    *,
    older_than: datetime.timedelta | float = DEFAULT_SWEEP_AGE,
    dry_run: bool = False,
) -> list[str]:
    """Remove the temporary entries that killed uploads and extractions left in *directory*.

    Looks only at the top level of *directory*, and only at names of the form
    ``.safename-upload-<16 hex>.part`` and ``.safename-extract-<16 hex>.part``.
    An upload whose file has more than one link was already published (a crash
    between the link and the unlink of the ``link`` method) and is removed at
    once; any other entry only when it was last modified more than
    *older_than* ago, so that an upload still being written is left alone.
    An extraction's temporary directory is removed with everything in it,
    without following a symlink. ``.safename-rename-*`` entries hold a user's
    file in the middle of a rename and are never removed.

    :param directory: the directory to clean.
    :param older_than: a :class:`~datetime.timedelta`, or seconds.
    :param dry_run: only say what would be removed.
    :returns: the names removed (or that would be), sorted.
    :raises OSError: if *directory* cannot be opened or an entry cannot be removed.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> leftover = os.path.join(folder, ".safename-upload-0123456789abcdef.part")
    >>> open(leftover, "wb").close()
    >>> sweep(folder, older_than=3600)
    []
    >>> sweep(folder, older_than=0)
    ['.safename-upload-0123456789abcdef.part']
    >>> os.listdir(folder)
    []
    """
    if isinstance(older_than, datetime.timedelta):
        older_than = older_than.total_seconds()
    cutoff = time.time() - older_than
    with opened_directory(directory, follow_symlinks=True) as directory_fd:
        swept = sorted(
            name for name, status in _temporaries(directory_fd)
            if _orphaned(status, cutoff)
        )  # fmt: skip
        if not dry_run:
            for name in swept:
                _remove(name, directory_fd)
    return swept


def _temporaries(directory_fd: int) -> Iterator[tuple[str, os.stat_result]]:
    for name in os.listdir(directory_fd):
        if _SWEPT.fullmatch(name):
            with contextlib.suppress(FileNotFoundError):
                yield name, os.stat(name, dir_fd=directory_fd, follow_symlinks=False)


def _orphaned(status: os.stat_result, cutoff: float) -> bool:
    if stat.S_ISREG(status.st_mode) and status.st_nlink > 1:
        return True
    return status.st_mtime < cutoff


def _remove(name: str, directory_fd: int) -> None:
    status = os.stat(name, dir_fd=directory_fd, follow_symlinks=False)
    if stat.S_ISDIR(status.st_mode):
        shutil.rmtree(name, dir_fd=directory_fd)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=directory_fd)
