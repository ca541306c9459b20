"""Publishing a finished temporary file under its final name, for uploads and archives alike.

:func:`move_without_replacing` is the atomic step. Where a
system has neither ``renameat2`` nor hard links (FAT, some network mounts),
a regular file falls back to the older reserve-then-replace: the name is
claimed as an empty file with ``O_EXCL`` and then replaced, so for that
moment a reader can see an empty file, but nothing is ever overwritten.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
from typing import Final, Literal

from safename._fs import descriptors
from safename.errors import NoReplaceUnsupportedError

# Why a hard link cannot stand in for renameat2 here: no hard links on this
# file system (FAT, some network mounts), or not for this user (protected_hardlinks).
_NO_LINK_ERRNOS: Final = frozenset({errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP})


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
    os.close(os.open(target, descriptors.CREATE_EXCLUSIVE, 0o600, dir_fd=target_dir_fd))
    try:
        os.replace(source, target, src_dir_fd=source_dir_fd, dst_dir_fd=target_dir_fd)
    except OSError:
        os.unlink(target, dir_fd=target_dir_fd)
        raise


def move_without_replacing(
    source: str, target: str, *, source_dir_fd: int, target_dir_fd: int, link_fallback: bool = True
) -> None:
    """Atomically give the entry *source* the name *target*, never replacing an existing one.

    *source* is a name in the directory *source_dir_fd* (a file, directory,
    symlink or anything else; a symlink is moved, not followed) and *target* a
    name in *target_dir_fd*. On Linux this is one ``renameat2(RENAME_NOREPLACE)``:
    the entry has exactly one of its names at every moment. Where that is
    missing, or the file system refuses the flag, a non-directory is hard-linked
    to *target* (which fails if it exists) and then unlinked from *source*; a
    crash between the two leaves both names on one inode (``st_nlink > 1``).
    Before linking, it checks that *source* can lose its name (not in an
    append-only or immutable directory, see ``chattr``), so that a move which
    could not finish creates nothing. :func:`no_replace_method` says which
    step runs here.

    :param source: the entry's current name (one component).
    :param target: its new name (one component).
    :param source_dir_fd: the directory that holds *source*, from :func:`open_directory`.
    :param target_dir_fd: the directory to hold *target* (may be the same).
    :param link_fallback: ``False`` raises :class:`NoReplaceUnsupportedError`
        where the two-step link fallback would run, for a caller that must
        record its intent first (``safename rename`` journals the move).
    :raises FileExistsError: if *target* exists; nothing was changed.
    :raises NoReplaceUnsupportedError: if neither step is possible for this
        entry (a directory without ``renameat2``; a file where hard links are
        refused); nothing was changed.
    :raises PermissionError: if *source* cannot lose its name; nothing was changed.
    :raises OSError: any other failure, with the original cause.

    >>> import os, tempfile
    >>> from safename.paths import opened_directory
    >>> with opened_directory(tempfile.mkdtemp()) as folder:
    ...     for name in ("draft.txt", "final.txt"):
    ...         os.close(os.open(name, os.O_CREAT | os.O_WRONLY, dir_fd=folder))
    ...     here = {"source_dir_fd": folder, "target_dir_fd": folder}
    ...     try:
    ...         move_without_replacing("draft.txt", "final.txt", **here)
    ...     except FileExistsError:
    ...         print("kept both")
    ...     move_without_replacing("draft.txt", "final-1.txt", **here)
    ...     sorted(os.listdir(folder))
    kept both
    ['final-1.txt', 'final.txt']
    """
    if descriptors.rename_no_replace(source, target, source_dir_fd, target_dir_fd):
        return
    if not link_fallback:
        message = "renameat2 is unavailable here; the link fallback was not allowed"
        raise NoReplaceUnsupportedError(errno.ENOTSUP, message, source, None, target)
    status = os.stat(source, dir_fd=source_dir_fd, follow_symlinks=False)
    if stat.S_ISDIR(status.st_mode):
        message = "no atomic rename without replacing for a directory on this system"
        raise NoReplaceUnsupportedError(errno.ENOTSUP, message, source, None, target)
    ensure_removable(source, dir_fd=source_dir_fd, target=target)
    _link(source, target, source_dir_fd, target_dir_fd)
    try:
        os.unlink(source, dir_fd=source_dir_fd)
    except OSError as error:
        _undo_link(target, target_dir_fd, error)
        raise


def ensure_removable(name: str, *, dir_fd: int, target: str | None = None) -> None:
    """Raise ``PermissionError`` if the entry *name* could not lose its name; check before creating.

    A move that takes a new name before it drops the old one (a hard link, a
    reserved name) must know first that the old name can go, or a failure
    leaves both. This reads the inode flags: an append-only or immutable
    directory (``chattr +a``, ``chattr +i``) keeps its names, and an
    immutable or append-only file cannot be unlinked. Permissions are left to
    the move itself, which fails before creating anything when they are
    missing. File systems without these flags always pass.

    :param name: the entry, a name in *dir_fd*.
    :param dir_fd: its directory, from :func:`open_directory`.
    :param target: the new name, only to name it in the error.
    :raises PermissionError: naming the entry and why (``errno.EPERM``).
    :raises OSError: if *name* is missing.

    >>> import os, tempfile
    >>> from safename.paths import opened_directory
    >>> with opened_directory(tempfile.mkdtemp()) as folder:
    ...     os.mkdir("sub", dir_fd=folder)
    ...     ensure_removable("sub", dir_fd=folder)
    """
    status = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    blocker = descriptors.removal_blocker(name, dir_fd, status)
    if blocker is not None:
        message = f"cannot remove the old name: {blocker}"
        raise PermissionError(errno.EPERM, message, name, None, target)


def _link(source: str, target: str, source_dir_fd: int, target_dir_fd: int) -> None:
    try:
        os.link(
            source,
            target,
            src_dir_fd=source_dir_fd,
            dst_dir_fd=target_dir_fd,
            follow_symlinks=False,
        )
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in _NO_LINK_ERRNOS:
            raise
        message = f"neither renameat2 nor hard links work here ({error.strerror})"
        raise NoReplaceUnsupportedError(errno.ENOTSUP, message, source, None, target) from error


def _undo_link(target: str, target_dir_fd: int, cause: OSError) -> None:
    """Remove the new name after the old one could not go, keeping *cause* as the error."""
    try:
        os.unlink(target, dir_fd=target_dir_fd)
    except OSError as undo_error:
        cause.add_note(f"and the new name {target!r} could not be removed either: {undo_error}")


@functools.cache
def no_replace_method() -> Literal["renameat2", "link", "none"]:
    """Which atomic no-clobber step :func:`move_without_replacing` uses on this system.

    ``"renameat2"`` (Linux 3.15+ with a file system that supports
    ``RENAME_NOREPLACE``: ext4, XFS, Btrfs, tmpfs...), ``"link"`` (a hard link
    then an unlink, files only) or ``"none"``. A file system may still refuse
    the step for one directory (FAT has no hard links); the move then falls
    back or raises :class:`NoReplaceUnsupportedError`.

    >>> no_replace_method() in ("renameat2", "link", "none")
    True
    """
    if descriptors.renameat2_works():
        return "renameat2"
    if os.link in os.supports_dir_fd:
        return "link"
    return "none"  # pragma: no cover - Windows
