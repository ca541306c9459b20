"""Directory descriptors and the system calls under them: open without following, renameat2, flags.

Every writer acts through a directory descriptor opened here, so that a
directory swapped for a symlink is refused rather than followed. The raw
calls (``rename_no_replace``) are kept apart so that tests can take one away
to exercise the fallbacks.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import platform
import stat
import sys
from collections.abc import Callable, Iterator
from typing import Final

from safename.errors import PathReason, UnsafePathError

#: ``O_NOFOLLOW`` and ``O_CLOEXEC`` where the system has them (Windows has neither).
NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC: Final = getattr(os, "O_CLOEXEC", 0)
#: Create a new file, never through a symlink and never one that exists: a name taken atomically.
CREATE_EXCLUSIVE: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | CLOEXEC
#: Open a directory for ``*at()`` calls; :func:`open_directory` adds ``O_NOFOLLOW``.
DIRECTORY_FLAGS: Final = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | CLOEXEC

#: ``renameat2``'s flag that makes it fail with ``EEXIST`` rather than replace.
RENAME_NOREPLACE: Final = 1
# Where the C library has no renameat2 wrapper (glibc < 2.28, some musl), the
# system call itself, by number.
_RENAMEAT2_SYSCALLS: Final = {"x86_64": 316, "aarch64": 276, "riscv64": 276}
# The file system (or an older kernel) does not support the flag: fall back.
_UNSUPPORTED: Final = frozenset({errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP})

# linux/fs.h: FS_IOC_GETFLAGS = _IOR('f', 1, long), and the two flags that
# forbid removing a name. Exotic architectures encode the ioctl differently.
_FS_IOC_GETFLAGS: Final = 0x80086601 if sys.maxsize > 2**32 else 0x80046601
_IMMUTABLE_FL: Final = 0x10
_APPEND_FL: Final = 0x20

_Renameat2 = Callable[[int, bytes, int, bytes, int], int]


@functools.cache
def _renameat2() -> _Renameat2 | None:
    """The C library's ``renameat2``, or the raw system call, or ``None`` off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - a Linux without a loadable C library
        return None
    function = getattr(libc, "renameat2", None)
    if function is not None:
        function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
        function.argtypes += [ctypes.c_uint]
        function.restype = ctypes.c_int
        return function  # type: ignore[no-any-return]
    number = _RENAMEAT2_SYSCALLS.get(platform.machine())  # pragma: no cover - old C libraries
    if number is None:  # pragma: no cover
        return None
    syscall = libc.syscall  # pragma: no cover
    syscall.restype = ctypes.c_long  # pragma: no cover

    def via_syscall(  # pragma: no cover
        old_fd: int, old: bytes, new_fd: int, new: bytes, flags: int
    ) -> int:
        arguments = (ctypes.c_int(old_fd), old, ctypes.c_int(new_fd), new, ctypes.c_uint(flags))
        return int(syscall(ctypes.c_long(number), *arguments))

    return via_syscall  # pragma: no cover


def rename_no_replace(source: str, target: str, source_dir_fd: int, target_dir_fd: int) -> bool:
    """Rename with ``RENAME_NOREPLACE``; ``False`` if the system or file system cannot.

    :raises FileExistsError: if *target* exists (nothing changed).
    :raises OSError: any other failure, naming both entries.
    """
    function = _renameat2()
    if function is None:
        return False
    old, new = os.fsencode(source), os.fsencode(target)
    if function(source_dir_fd, old, target_dir_fd, new, RENAME_NOREPLACE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), source, None, target)


def renameat2_works() -> bool:
    """Whether ``renameat2`` with ``RENAME_NOREPLACE`` runs here (a probe that touches nothing).

    Empty names: ENOENT where the call and its flag work (the kernel checks
    the flag before it looks a name up); ENOSYS where the call is missing;
    EINVAL (or ENOTSUP) where the flag is refused whatever the names (a
    sandbox, or a C library shim), as :func:`rename_no_replace` would then be
    refused on every call. A mount that refuses the flag (FUSE, NFS) is not
    seen here: the path is never looked up on it, and the move falls back there.
    """
    function = _renameat2()
    if function is None:
        return False
    if function(-100, b"", -100, b"", RENAME_NOREPLACE) == 0:  # pragma: no cover
        return True
    return ctypes.get_errno() not in _UNSUPPORTED


def removal_blocker(name: str, dir_fd: int, status: os.stat_result) -> str | None:
    """Why the entry *name* could not lose its name, if its inode flags say so; else ``None``.

    Checked before a new name is created, so that a move which could not finish
    creates nothing: an append-only (``chattr +a``) or immutable (``chattr +i``)
    directory keeps its names, and an immutable or append-only file cannot be
    unlinked. File systems without these flags answer nothing and pass.
    """
    if _flags(dir_fd) & (_APPEND_FL | _IMMUTABLE_FL):
        return "its directory is append-only or immutable (chattr +a or +i)"
    # Only files and directories are opened: opening a device or a FIFO may act.
    if stat.S_ISREG(status.st_mode) or stat.S_ISDIR(status.st_mode):
        flags = os.O_RDONLY | NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | CLOEXEC
        try:
            descriptor = os.open(name, flags, dir_fd=dir_fd)
        except OSError:
            return None  # unreadable: the move itself will say what is wrong
        try:
            if _flags(descriptor) & (_APPEND_FL | _IMMUTABLE_FL):
                return "it is append-only or immutable (chattr +a or +i)"
        finally:
            os.close(descriptor)
    return None


def _flags(descriptor: int) -> int:
    try:
        import fcntl  # noqa: PLC0415 - POSIX only

        answer = fcntl.ioctl(descriptor, _FS_IOC_GETFLAGS, bytes(8))
    except (ImportError, OSError):  # no such flags here (ENOTTY, EINVAL, Windows)
        return 0
    return int.from_bytes(answer[:4], sys.byteorder)


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
    flags = DIRECTORY_FLAGS if follow_symlinks else DIRECTORY_FLAGS | NOFOLLOW
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


@contextlib.contextmanager
def opened_chain(root_fd: int, parts: tuple[str, ...]) -> Iterator[int]:
    """A descriptor of the directory *parts* below *root_fd*, opened one component at a time.

    Never through a symlink. Each parent is closed once its child is open:
    however deep *parts* is, at most two descriptors are open at once.
    """
    descriptor = root_fd
    try:
        for part in parts:
            child = os.open(part, DIRECTORY_FLAGS | NOFOLLOW, dir_fd=descriptor)
            if descriptor != root_fd:
                os.close(descriptor)
            descriptor = child
        yield descriptor
    finally:
        if descriptor != root_fd:
            os.close(descriptor)


def is_directory(name: str, directory_fd: int) -> bool:
    """Whether *name* is a directory itself, not a symlink to one."""
    try:
        return stat.S_ISDIR(os.stat(name, dir_fd=directory_fd, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return False
