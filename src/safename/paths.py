"""Put untrusted names under a directory: joins that cannot escape, names that cannot collide.

Besides :func:`safe_join` and :func:`unique_filename`, this module holds the one
primitive that every writer into a shared directory uses to claim a name:
:func:`open_directory` (never through a swapped-in symlink),
:func:`move_without_replacing` (an atomic rename that never clobbers) and
:func:`claim_name` (the first free ``name``, ``name-1`` ... for a clean name).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import itertools
import os
import posixpath
import re
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, Literal, TypeVar

from safename import _directories
from safename import _filename_rules as _rules

# Defined with the other errors: a compiled module cannot subclass OSError natively.
from safename.errors import NoReplaceUnsupportedError, PathReason, UnsafePathError
from safename.filenames import Fallback, random_stem, secure_filename
from safename.validation import validate_filename

__all__ = [
    "NoReplaceUnsupportedError",
    "claim_name",
    "ensure_removable",
    "move_without_replacing",
    "no_replace_method",
    "open_directory",
    "opened_directory",
    "path_problem",
    "safe_join",
    "temporary_name",
    "unique_filename",
]

_T = TypeVar("_T")
_DRIVE_RE: Final = re.compile(r"[A-Za-z]:")
_NUMBERED_TRIES: Final = 99
_RANDOM_TRIES: Final = 1000
_CREATE_FLAGS: Final = _directories.CREATE_EXCLUSIVE
_DIRECTORY_FLAGS: Final = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _directories.CLOEXEC
# Why a hard link cannot stand in for renameat2 here: no hard links on this
# file system (FAT, some network mounts), or not for this user (protected_hardlinks).
_NO_LINK_ERRNOS: Final = frozenset({errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP})


def safe_join(directory: str | os.PathLike[str], *pathnames: str) -> str:
    """Join untrusted relative paths under *directory*, refusing any that would leave it.

    Each pathname is split on ``/``; empty and ``.`` segments are dropped. The
    check is lexical, like ``werkzeug.security.safe_join``: the directory
    itself and links inside it are trusted. Unlike werkzeug's, it never
    returns ``None``; it raises, so a forgotten check cannot pass ``None`` on.

    :param directory: the trusted base directory.
    :param pathnames: untrusted relative paths, for example from a URL.
    :returns: the joined path, always *directory* or below it.
    :raises UnsafePathError: with a :class:`~safename.PathReason`: a ``..``
        segment, an absolute path, a drive letter (``C:``), a UNC path
        (``//server``), a backslash, a NUL character, or a Windows device
        name as any segment (``CON``, ``nul.txt``, ``COM1 . log``), on every OS.

    >>> safe_join("/srv/files", "docs/./a.txt")
    '/srv/files/docs/a.txt'
    >>> safe_join("/srv/files", "docs/../../etc/passwd")
    Traceback (most recent call last):
    ...
    safename.errors.UnsafePathError: unsafe path 'docs/../../etc/passwd': traversal
    >>> safe_join("/srv/files", "docs/nul.txt")
    Traceback (most recent call last):
    ...
    safename.errors.UnsafePathError: unsafe path 'docs/nul.txt': device_name
    """
    segments: list[str] = []
    for pathname in pathnames:
        reason = path_problem(pathname)
        if reason is not None:
            raise UnsafePathError(pathname, reason)
        segments.extend(segment for segment in pathname.split("/") if segment not in ("", "."))
    base = os.fspath(directory)
    # One joined string: ntpath.join would restart at a later "C:" argument.
    return posixpath.join(base, "/".join(segments)) if segments else base


def path_problem(pathname: str) -> PathReason | None:
    """Why :func:`safe_join` would refuse the relative path *pathname*, or ``None`` if it would not.

    The same rules, as a check that raises nothing: a NUL, a backslash, a UNC
    or absolute start, a drive letter, a ``..`` segment, or a Windows device
    name as any segment. :mod:`safename.archives` checks member names with it.

    >>> path_problem("docs/a.txt") is None
    True
    >>> path_problem("docs/../../etc/passwd"), path_problem("sub/NUL.txt")
    (<PathReason.TRAVERSAL: 'traversal'>, <PathReason.DEVICE_NAME: 'device_name'>)
    """
    if "\x00" in pathname:
        return PathReason.NUL
    if "\\" in pathname:
        return PathReason.BACKSLASH
    if pathname.startswith("//"):
        return PathReason.UNC
    if pathname.startswith("/"):
        return PathReason.ABSOLUTE
    segments = pathname.split("/")
    if any(_DRIVE_RE.match(segment) for segment in segments):
        return PathReason.DRIVE
    if ".." in segments:
        return PathReason.TRAVERSAL
    # The one rule secure_filename and the validator read: a device's stem, any extension.
    if any(_rules.is_reserved(segment) for segment in segments):
        return PathReason.DEVICE_NAME
    return None


# --- the claim primitive ----------------------------------------------------------------------


def open_directory(
    path: str | os.PathLike[str], *, dir_fd: int | None = None, follow_symlinks: bool = False
) -> int:
    """Open a directory for ``*at()`` calls (``dir_fd=``), never through a symlink in its place.

    Opens with ``O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC``: a
    directory that someone swapped for a symbolic link is refused, not
    followed. Only the last component is checked; open a tree one name at a
    time (``open_directory(name, dir_fd=parent)``) to check every level. The
    caller closes the descriptor (``os.close``), or uses :func:`opened_directory`.

    :param path: the directory; relative paths are relative to *dir_fd*.
    :param dir_fd: an open directory descriptor, or ``None`` for the working directory.
    :param follow_symlinks: follow a symlink at *path* (for a trusted,
        configured directory such as an upload folder that is a symlink).
    :returns: the new descriptor.
    :raises UnsafePathError: with ``PathReason.SYMLINK`` if *path* is a symbolic link.
    :raises NotADirectoryError: if *path* is something else that is not a directory.
    :raises OSError: if it is missing (``FileNotFoundError``) or unreadable.

    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> os.symlink("/etc", os.path.join(root, "swapped"))
    >>> open_directory(os.path.join(root, "swapped"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    safename.errors.UnsafePathError: unsafe path '.../swapped': symlink
    >>> descriptor = open_directory(root)
    >>> os.listdir(descriptor)
    ['swapped']
    >>> os.close(descriptor)
    """
    flags = _DIRECTORY_FLAGS if follow_symlinks else _DIRECTORY_FLAGS | _directories.NOFOLLOW
    try:
        return os.open(path, flags, dir_fd=dir_fd)
    except OSError as error:
        if error.errno in (errno.ENOTDIR, errno.ELOOP) and _is_symlink(path, dir_fd):
            raise UnsafePathError(os.fspath(path), PathReason.SYMLINK) from None
        raise


def _is_symlink(path: str | os.PathLike[str], dir_fd: int | None) -> bool:
    try:
        return stat.S_ISLNK(os.stat(path, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


@contextlib.contextmanager
def opened_directory(
    path: str | os.PathLike[str], *, dir_fd: int | None = None, follow_symlinks: bool = False
) -> Iterator[int]:
    """:func:`open_directory` as a context manager that closes the descriptor.

    >>> import os, tempfile
    >>> with opened_directory(tempfile.mkdtemp()) as descriptor:
    ...     os.listdir(descriptor)
    []
    """
    descriptor = open_directory(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)
    try:
        yield descriptor
    finally:
        os.close(descriptor)


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
    if _directories.rename_no_replace(source, target, source_dir_fd, target_dir_fd):
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
    >>> with opened_directory(tempfile.mkdtemp()) as folder:
    ...     os.mkdir("sub", dir_fd=folder)
    ...     ensure_removable("sub", dir_fd=folder)
    """
    status = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    blocker = _directories.removal_blocker(name, dir_fd, status)
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
    if _directories.renameat2_works():
        return "renameat2"
    if os.link in os.supports_dir_fd:
        return "link"
    return "none"  # pragma: no cover - Windows


def claim_name(
    name: str,
    occupy: Callable[[str], _T],
    *,
    max_length: int = _rules.DEFAULT_MAX_LENGTH,
    allow_unicode: bool = False,
) -> tuple[str, _T]:
    """Claim the first free name among *name*, ``name-1`` ... ``name-99``, then random suffixes.

    Calls ``occupy(candidate)`` for each candidate until it returns without
    ``FileExistsError``; *occupy* takes the name atomically (an
    ``O_CREAT | O_EXCL`` open, :func:`move_without_replacing`, ``os.mkdir``),
    so the name is this caller's alone. The suffix goes before the extension
    and the whole is cut to *max_length* bytes, keeping the extension; every
    candidate passes :func:`~safename.is_safe_filename` with the same options.
    *name* must already be clean: nothing is cleaned twice.

    :param name: a safe name (for example from :func:`~safename.secure_filename`).
    :param occupy: takes a candidate name, raises ``FileExistsError`` if it is taken.
    :param max_length: the limit in UTF-8 bytes, as for ``secure_filename``.
    :param allow_unicode: as for ``secure_filename``.
    :returns: the name claimed and what *occupy* returned for it.
    :raises UnsafeFilenameError: if *name* is not a safe name with these options.
    :raises FileExistsError: if no free name was found (more than a thousand tries).
    :raises Exception: whatever else *occupy* raises, unchanged.

    >>> taken = {"report.pdf", "report-1.pdf"}
    >>> def occupy(candidate):
    ...     if candidate in taken:
    ...         raise FileExistsError(candidate)
    ...     taken.add(candidate)
    >>> claim_name("report.pdf", occupy)
    ('report-2.pdf', None)
    """
    validate_filename(name, max_length=max_length, allow_unicode=allow_unicode)
    for candidate in _candidates(name, max_length, allow_unicode=allow_unicode):
        try:
            return candidate, occupy(candidate)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no free name for {name!r}", name)


def temporary_name(kind: str) -> str:
    """A hidden, recognizable name for a temporary entry: ``.safename-<kind>-<16 hex>.part``.

    What safename writes before publishing it (an upload, an extraction, a
    rename) is named so, so that a sweep can find and remove what a crash left.

    >>> name = temporary_name("upload")
    >>> name.startswith(".safename-upload-") and name.endswith(".part"), len(name)
    (True, 38)
    """
    return f".safename-{kind}-{secrets.token_hex(8)}.part"


# --- unique names -----------------------------------------------------------------------------


def unique_filename(
    directory: str | os.PathLike[str],
    filename: str,
    *,
    max_length: int = _rules.DEFAULT_MAX_LENGTH,
    fallback: Fallback = random_stem,
    allow_unicode: bool = False,
    transliterate: bool = False,
) -> Path:
    """Sanitize *filename* and atomically create a new, empty file of that name in *directory*.

    The file is created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` through
    :func:`claim_name`, so the name is taken by this call alone: when it exists
    (even as a dangling symlink, which is never followed), ``name-1.ext``,
    ``name-2.ext`` ... up to 99, then random suffixes are tried. Threads or
    processes saving the same name at once each get their own file, and
    nothing is overwritten. Every name tried passes :func:`~safename.is_safe_filename`.

    :param directory: an existing directory (trusted: a symlink to it is followed).
    :param filename: the untrusted name; the other options are those of
        :func:`~safename.secure_filename`.
    :returns: the path of the created file, directly inside *directory*.
    :raises FileExistsError: if no free name was found (more than a thousand tries).
    :raises OSError: if the directory is missing or not writable.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> unique_filename(folder, "../My report.pdf").name
    'My_report.pdf'
    >>> unique_filename(folder, "My report.pdf").name
    'My_report-1.pdf'
    """
    name = secure_filename(
        filename,
        max_length=max_length,
        fallback=fallback,
        allow_unicode=allow_unicode,
        transliterate=transliterate,
    )
    with contextlib.ExitStack() as stack:
        claimed, descriptor = claim_name(
            name,
            _creator(directory, stack),
            max_length=max_length,
            allow_unicode=allow_unicode,
        )
    os.close(descriptor)
    return Path(directory) / claimed


def _creator(
    directory: str | os.PathLike[str], stack: contextlib.ExitStack
) -> Callable[[str], int]:
    """Create a name in *directory* with O_EXCL, through a descriptor of it where the OS allows."""
    if os.open not in os.supports_dir_fd:  # pragma: no cover - Windows: no *at() calls
        return lambda name: os.open(os.path.join(directory, name), _CREATE_FLAGS, 0o666)
    folder = stack.enter_context(opened_directory(directory, follow_symlinks=True))
    return lambda name: os.open(name, _CREATE_FLAGS, 0o666, dir_fd=folder)


def _candidates(name: str, max_length: int, *, allow_unicode: bool) -> Iterator[str]:
    yield name
    numbered = (f"-{number}" for number in range(1, _NUMBERED_TRIES + 1))
    # Past a hundred copies, counting on is slow and guessable; go random.
    randomized = (f"-{secrets.token_hex(3)}" for _ in range(_RANDOM_TRIES))
    for suffix in itertools.chain(numbered, randomized):
        yield _with_suffix(name, suffix, max_length, allow_unicode=allow_unicode)


def _with_suffix(name: str, suffix: str, max_length: int, *, allow_unicode: bool) -> str:
    """``stem + suffix + extension``, the stem cut so that the whole fits *max_length*."""
    stem, extension = _rules.split_kept_extension(name, max_length)
    budget = max_length - len(suffix) - len(extension.encode("utf-8"))
    if budget < 1:  # a very small max_length: the suffix matters more than the extension
        stem, extension, budget = name, "", max_length - len(suffix)
    stem = _rules.cut_utf8(stem, budget)
    # A reserved-name prefix is no longer needed once the stem is longer; let
    # secure_filename settle edges and prefix so every candidate is canonical.
    return secure_filename(
        stem + suffix + extension, max_length=max_length, allow_unicode=allow_unicode
    )
