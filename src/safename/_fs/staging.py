"""The hidden directory an extraction is written into, then published from, or taken back.

The engine under :func:`safename.archives.safe_extract`'s "all or nothing":
:class:`Staging` creates ``.safename-extract-<16 hex>.part`` inside the target
(marked with ``.safename-marker``, see :func:`~safename._fs.temporaries.make_temporary_directory`),
hands out descriptors of its directories, publishes every entry with
:func:`safename._fs.publish.publish` (merging into directories that exist), keeps
a write-ahead journal on disk of what it publishes (:mod:`safename._fs.rollback`),
and takes it all back, newest first, on failure; after a crash, the next
extraction or sweep does.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from safename._fs import descriptors, rollback
from safename._fs.descriptors import is_directory, opened_chain
from safename._fs.publish import publish
from safename._fs.rollback import JOURNAL_NAME, Record
from safename._fs.temporaries import MARKER_NAME, make_temporary_directory, remove_tree
from safename.errors import NoReplaceUnsupportedError

__all__ = ["NameTakenError", "Staging", "opened_chain"]

_DIRECTORY_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | descriptors.NOFOLLOW | descriptors.CLOEXEC
)


#: The staging directory's own entries, at its top: never published.
_OWN_NAMES: Final = frozenset({MARKER_NAME, JOURNAL_NAME})


def _lstat(name: str, directory_fd: int) -> os.stat_result:
    return os.stat(name, dir_fd=directory_fd, follow_symlinks=False)


class NameTakenError(Exception):
    """An entry's name is taken in the target by something it cannot be merged with."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


@dataclass
class _Merging:
    """One directory being merged: its staged and published descriptors, and the names left."""

    source_fd: int
    target_fd: int
    prefix: tuple[str, ...]
    names: Iterator[str]

    def close(self) -> None:
        os.close(self.source_fd)
        os.close(self.target_fd)


class Staging:
    """The hidden directory inside the target that members are written into, then published from.

    Nothing here recurses over the staged tree: an archive decides its depth.
    """

    #: The most directory descriptors :meth:`directory` keeps open.
    _OPEN_DIRECTORIES: Final = 64

    def __init__(self, target_fd: int) -> None:
        self.target_fd = target_fd
        # Marked as the package's own, so that sweep removes it if the process is killed.
        self.name, self.fd = make_temporary_directory("extract", target_fd)
        try:
            # Locked from now until the directory is gone: a free lock means a dead owner.
            self._journal = rollback.Journal(self.fd)
        except BaseException:
            os.close(self.fd)
            with contextlib.suppress(OSError):
                remove_tree(self.name, target_fd)
            raise
        # The directory last asked for, as the chain of its components and their
        # descriptors; those above _first_open were closed (-1) to bound the count.
        self._chain_names: list[str] = []
        self._chain_fds: list[int] = []
        self._first_open = 0

    def directory(self, parts: tuple[str, ...]) -> int:
        """A descriptor of ``staging/parts``, made if missing.

        Valid until the next call (or :meth:`publish`, :meth:`abandon`,
        :meth:`remove`): it is closed when another directory is asked for.
        The work is linear in the components that differ from the directory
        asked for last (all of *parts* at worst), whatever the depth: the
        chain of open ancestors is kept, and re-walked from the top only when
        its upper descriptors were closed to keep at most
        ``_OPEN_DIRECTORIES`` open.
        """
        names, fds = self._chain_names, self._chain_fds
        keep, shared = 0, min(len(parts), len(names))
        while keep < shared and names[keep] == parts[keep]:
            keep += 1
        if 0 < keep <= self._first_open:  # the deepest shared one was closed: walk from the top
            keep = 0
        self._close_chain_below(keep)
        descriptor = fds[-1] if fds else self.fd
        for index in range(keep, len(parts)):
            descriptor = self._enter(descriptor, parts[index])
        return descriptor

    def _enter(self, parent_fd: int, name: str) -> int:
        """Open the directory *name* in *parent_fd* (made if missing), one level down the chain."""
        try:
            descriptor = os.open(name, _DIRECTORY_FLAGS, dir_fd=parent_fd)
        except FileNotFoundError:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o777, dir_fd=parent_fd)
            descriptor = os.open(name, _DIRECTORY_FLAGS, dir_fd=parent_fd)
        self._chain_names.append(name)
        self._chain_fds.append(descriptor)
        if len(self._chain_fds) - self._first_open > self._OPEN_DIRECTORIES:
            # The shallowest open one; never the parent just used, nor the new one.
            os.close(self._chain_fds[self._first_open])
            self._chain_fds[self._first_open] = -1
            self._first_open += 1
        return descriptor

    def _close_chain_below(self, keep: int) -> None:
        """Close the chain's descriptors deeper than its first *keep* components."""
        names, fds = self._chain_names, self._chain_fds
        while len(fds) > keep:
            names.pop()
            descriptor = fds.pop()
            if descriptor >= 0:
                os.close(descriptor)
        self._first_open = min(self._first_open, keep)

    def create_file(self, parts: tuple[str, ...]) -> int:
        """A new file ``staging/parts``, open for writing."""
        return os.open(
            parts[-1], descriptors.CREATE_EXCLUSIVE, 0o666, dir_fd=self.directory(parts[:-1])
        )

    def link(self, source: tuple[str, ...], parts: tuple[str, ...]) -> None:
        """A hard link ``staging/parts`` to the staged file ``staging/source``."""
        # The source's directory is opened apart: a second directory() call
        # would close the descriptor of the first.
        with opened_chain(self.fd, source[:-1]) as source_dir_fd:
            os.link(
                source[-1],
                parts[-1],
                src_dir_fd=source_dir_fd,
                dst_dir_fd=self.directory(parts[:-1]),
                follow_symlinks=False,
            )

    def publish(self) -> None:
        """Move every entry into the target, merging into directories that exist there.

        Depth first, in sorted order, with an explicit stack (two descriptors
        per level merged into) rather than recursion. Write-ahead: before the
        entries of a directory move, the journal records each one's identity
        and is synced; once all have moved, it records ``commit``.
        """
        self._close_directories()
        top = [name for name in self._listed(self.fd, ()) if name not in _OWN_NAMES]
        stack = [_Merging(self.fd, self.target_fd, (), iter(top))]
        try:
            while stack:
                merging = stack[-1]
                name = next(merging.names, None)
                if name is None:
                    stack.pop()
                    if stack:  # the first holds the staging and target descriptors: not ours
                        merging.close()
                    continue
                parts = (*merging.prefix, name)
                if self._publish_entry(name, merging.source_fd, merging.target_fd, parts):
                    stack.append(self._descend(merging, name, parts))
        finally:
            for merging in stack[1:]:
                merging.close()
        self._journal.write([Record("commit")])

    def _listed(self, source_fd: int, prefix: tuple[str, ...]) -> list[str]:
        """The sorted names of a staged directory, each recorded as about to move."""
        names = sorted(os.listdir(source_fd))
        self._journal.write(
            [
                Record("move", (*prefix, name), rollback.identity(_lstat(name, source_fd)))
                for name in names
                if prefix or name not in _OWN_NAMES
            ]
        )
        return names

    def _publish_entry(
        self, name: str, source_fd: int, target_fd: int, parts: tuple[str, ...]
    ) -> bool:
        """Move *name* into the target; whether it is a directory to merge into one there."""
        try:
            publish(name, name, source_dir_fd=source_fd, target_dir_fd=target_fd)
        except FileExistsError:
            self._check_mergeable(name, source_fd, target_fd, parts)
        except NoReplaceUnsupportedError:  # a directory, on a system without renameat2
            self._make_directory(name, source_fd, target_fd, parts)
        else:
            return False
        return True

    def _make_directory(
        self, name: str, source_fd: int, target_fd: int, parts: tuple[str, ...]
    ) -> None:
        """Make the directory *name* in the target to merge into, journaled before and after."""
        with contextlib.suppress(FileNotFoundError):
            _lstat(name, target_fd)
            self._check_mergeable(name, source_fd, target_fd, parts)  # it exists: merge, or refuse
            return
        self._journal.write([Record("make", parts)])
        try:
            os.mkdir(name, 0o777, dir_fd=target_fd)
        except FileExistsError:
            self._check_mergeable(name, source_fd, target_fd, parts)
        else:
            made = rollback.identity(_lstat(name, target_fd))
            self._journal.write([Record("made", parts, made)])

    def _descend(self, merging: _Merging, name: str, parts: tuple[str, ...]) -> _Merging:
        source_fd = os.open(name, _DIRECTORY_FLAGS, dir_fd=merging.source_fd)
        try:
            target_fd = os.open(name, _DIRECTORY_FLAGS, dir_fd=merging.target_fd)
            try:
                names = iter(self._listed(source_fd, parts))
            except BaseException:
                os.close(target_fd)
                raise
        except BaseException:
            os.close(source_fd)
            raise
        return _Merging(source_fd, target_fd, parts, names)

    @staticmethod
    def _check_mergeable(name: str, source_fd: int, target_fd: int, parts: tuple[str, ...]) -> None:
        """An entry exists where *name* goes: go on only if both are directories, to merge them."""
        if not (is_directory(name, source_fd) and is_directory(name, target_fd)):
            raise NameTakenError("/".join(parts))

    def abandon(self) -> None:
        """Take back what was published, newest first, then remove the staging directory.

        What cannot be taken back now (an I/O error) stays journaled: the
        staging directory is kept, unlocked, for the next extraction or sweep.
        """
        self._close_directories()
        try:
            left = rollback.undo(self._journal.records, self.target_fd, self.fd)
        except BaseException:
            self._release()
            raise
        if left:
            self._release()
            return
        with contextlib.suppress(OSError):  # all taken back: a leftover is only staging, for sweep
            self.remove()

    def remove(self) -> None:
        """Close every descriptor and remove the staging directory with what is left in it.

        The journal goes first, while still locked: once its records are
        settled nothing may act on them again.
        """
        self._close_directories()
        try:
            os.unlink(JOURNAL_NAME, dir_fd=self.fd)
            # Nameless now, its lock guards nothing: let go of it before the removal. NFS
            # and FUSE keep an open file that lost its name as a hidden entry (.nfsXXXX,
            # .fuse_hiddenXXXX) until it is closed, and the directory could not be removed.
            self._journal.close()
            os.close(self.fd)
            self.fd = -1
            remove_tree(self.name, self.target_fd)
        finally:
            self._release()

    def _release(self) -> None:
        """Close the staging directory and let go of the journal's lock."""
        self._close_directories()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self._journal.close()

    def _close_directories(self) -> None:
        self._close_chain_below(0)
