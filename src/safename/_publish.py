"""Publishing a finished temporary file under its final name, for uploads and archives alike.

:func:`safename.paths.move_without_replacing` is the atomic step. Where a
system has neither ``renameat2`` nor hard links (FAT, some network mounts),
a regular file falls back to the older reserve-then-replace: the name is
claimed as an empty file with ``O_EXCL`` and then replaced, so for that
moment a reader can see an empty file, but nothing is ever overwritten.
"""

from __future__ import annotations

import os
import stat

from safename import _directories
from safename.paths import NoReplaceUnsupportedError, move_without_replacing


def publish(source: str, target: str, *, source_dir_fd: int, target_dir_fd: int) -> None:
    """Give the entry *source* the name *target*, never replacing one; fall back for a file.

    :raises FileExistsError: if *target* exists; nothing was changed.
    :raises NoReplaceUnsupportedError: for a directory where no atomic step exists.
    :raises OSError: any other failure; nothing was published.
    """
    try:
        move_without_replacing(
            source, target, source_dir_fd=source_dir_fd, target_dir_fd=target_dir_fd
        )
    except NoReplaceUnsupportedError:
        status = os.stat(source, dir_fd=source_dir_fd, follow_symlinks=False)
        if not stat.S_ISREG(status.st_mode):
            raise
        _reserve_then_replace(source, target, source_dir_fd, target_dir_fd)


def _reserve_then_replace(source: str, target: str, source_dir_fd: int, target_dir_fd: int) -> None:
    os.close(os.open(target, _directories.CREATE_EXCLUSIVE, 0o600, dir_fd=target_dir_fd))
    try:
        os.replace(source, target, src_dir_fd=source_dir_fd, dst_dir_fd=target_dir_fd)
    except OSError:
        os.unlink(target, dir_fd=target_dir_fd)
        raise
