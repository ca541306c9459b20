"""The hidden directory an extraction is written into, then published from, or taken back.

The engine under :func:`safename.archives.safe_extract`'s "all or nothing":
:class:`Staging` creates ``.safename-extract-<16 hex>.part`` inside the target
(marked with ``.safename-marker``, see :func:`~safename._fs.temporaries.make_temporary_directory`),
hands out descriptors of its directories, publishes every entry with
:func:`safename._fs.publish.publish` (merging into directories that exist), keeps
a journal of what it published, and takes it all back, newest first, on failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator
from typing import Final

from safename._fs import descriptors
from safename._fs.publish import publish
from safename._fs.temporaries import MARKER_NAME, make_temporary_directory
from safename.errors import NoReplaceUnsupportedError

_DIRECTORY_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | descriptors.NOFOLLOW | descriptors.CLOEXEC
)


class NameTakenError(Exception):
    """An entry's name is taken in the target by something it cannot be merged with."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


@contextlib.contextmanager
def opened_chain(root_fd: int, parts: tuple[str, ...]) -> Iterator[int]:
    """A descriptor of the directory *parts* below *root_fd*, opened one component at a time."""
    with contextlib.ExitStack() as stack:
        descriptor = root_fd
        for part in parts:
            descriptor = os.open(part, _DIRECTORY_FLAGS, dir_fd=descriptor)
            stack.callback(os.close, descriptor)
        yield descriptor


class Staging:
    """The hidden directory inside the target that members are written into, then published from."""

    _CACHED_DIRECTORIES: Final = 64

    def __init__(self, target_fd: int) -> None:
        self.target_fd = target_fd
        # Marked as the package's own, so that sweep removes it if the process is killed.
        self.name, self.fd = make_temporary_directory("extract", target_fd)
        self._directories: dict[tuple[str, ...], int] = {}
        self._journal: list[tuple[str, tuple[str, ...]]] = []

    def directory(self, parts: tuple[str, ...]) -> int:
        """A descriptor of ``staging/parts``, made if missing; kept open until :meth:`remove`."""
        if not parts:
            return self.fd
        cached = self._directories.get(parts)
        if cached is not None:
            return cached
        parent = self.directory(parts[:-1])
        with contextlib.suppress(FileExistsError):
            os.mkdir(parts[-1], 0o777, dir_fd=parent)
        if len(self._directories) >= self._CACHED_DIRECTORIES:
            self._close_directories()
            parent = self.directory(parts[:-1])
        descriptor = os.open(parts[-1], _DIRECTORY_FLAGS, dir_fd=parent)
        self._directories[parts] = descriptor
        return descriptor

    def create_file(self, parts: tuple[str, ...]) -> int:
        """A new file ``staging/parts``, open for writing."""
        return os.open(
            parts[-1], descriptors.CREATE_EXCLUSIVE, 0o666, dir_fd=self.directory(parts[:-1])
        )

    def publish(self) -> None:
        """Move every entry into the target, merging into directories that exist there."""
        self._close_directories()
        self._merge(self.fd, self.target_fd, ())

    def _merge(self, source_fd: int, target_fd: int, prefix: tuple[str, ...]) -> None:
        for name in sorted(os.listdir(source_fd)):
            if not prefix and name == MARKER_NAME:
                continue  # the staging directory's own: no member can have a reserved name
            parts = (*prefix, name)
            try:
                publish(name, name, source_dir_fd=source_fd, target_dir_fd=target_fd)
                self._journal.append(("moved", parts))
                continue
            except FileExistsError:
                self._check_mergeable(name, source_fd, target_fd, parts)
            except NoReplaceUnsupportedError:  # a directory, on a system without renameat2
                try:
                    os.mkdir(name, 0o777, dir_fd=target_fd)
                except FileExistsError:
                    self._check_mergeable(name, source_fd, target_fd, parts)
                else:
                    self._journal.append(("made", parts))
            with (
                opened_chain(source_fd, (name,)) as inner_source,
                opened_chain(target_fd, (name,)) as inner,
            ):
                self._merge(inner_source, inner, parts)

    @staticmethod
    def _check_mergeable(name: str, source_fd: int, target_fd: int, parts: tuple[str, ...]) -> None:
        """An entry exists where *name* goes: go on only if both are directories, to merge them."""
        if not (is_directory(name, source_fd) and is_directory(name, target_fd)):
            raise NameTakenError("/".join(parts))

    def abandon(self) -> None:
        """Take back what was published, newest first, then remove the staging directory."""
        self._close_directories()
        for action, parts in reversed(self._journal):
            with opened_chain(self.target_fd, parts[:-1]) as published_in:
                if action == "made":
                    os.rmdir(parts[-1], dir_fd=published_in)
                    continue
                with opened_chain(self.fd, parts[:-1]) as staged_in:
                    name = parts[-1]
                    publish(name, name, source_dir_fd=published_in, target_dir_fd=staged_in)
        self._journal.clear()
        self.remove()

    def remove(self) -> None:
        """Close every descriptor and remove the staging directory with what is left in it."""
        self._close_directories()
        os.close(self.fd)
        shutil.rmtree(self.name, dir_fd=self.target_fd)

    def _close_directories(self) -> None:
        for descriptor in self._directories.values():
            os.close(descriptor)
        self._directories.clear()


def is_directory(name: str, directory_fd: int) -> bool:
    """Whether *name* is a directory itself, not a symlink to one."""
    try:
        return stat.S_ISDIR(os.stat(name, dir_fd=directory_fd, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return False
