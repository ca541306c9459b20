"""The intent journal of ``safename rename``, for moves that take more than one step.

Where ``renameat2(RENAME_NOREPLACE)`` is missing, a move is two steps: a hard
link then an unlink, or a reserved name (an empty directory or file) then a
rename onto it. Before the first step, one line naming the move is written to
``.safename-rename.journal`` in the tree's root and fsynced; after the last,
the journal is emptied. A run killed between the steps leaves the line, and
the next run (:func:`recover`) finishes or undoes that move before anything
else, so that every entry ends up under exactly one name and no empty
reservation is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from safename._fs.descriptors import CLOEXEC, CREATE_EXCLUSIVE, NOFOLLOW, open_directory
from safename.errors import UnsafePathError

#: The journal's name in the tree's root: hidden, and never renamed by the walk.
JOURNAL_NAME: Final = ".safename-rename.journal"
_READ_WRITE: Final = os.O_RDWR | NOFOLLOW | CLOEXEC


class JournalBusyError(OSError):
    """Another ``safename rename`` holds the journal of this tree: two runs must not interleave."""


@dataclass(frozen=True)
class Recovered:
    """What the journal's line for one interrupted move led to."""

    directory: tuple[str, ...]
    old: str
    new: str
    #: ``finished`` (the old name was removed), ``undone`` (the reserved new name
    #: was removed; the entry keeps its old name), ``untouched`` (nothing to do)
    #: or ``left as it is: <why>``.
    outcome: str


class Journal:
    """The journal of one run: created on the first two-step move, removed when empty."""

    def __init__(self, root_fd: int) -> None:
        self._root_fd = root_fd
        self._descriptor: int | None = None

    def record(self, directory: tuple[str, ...], old: str, new: str) -> None:
        """Write and fsync the intent to move *old* to *new* in *directory*, before any step."""
        if self._descriptor is None:
            try:
                self._descriptor = os.open(
                    JOURNAL_NAME, CREATE_EXCLUSIVE, 0o600, dir_fd=self._root_fd
                )
            except FileExistsError:
                message = "another run's journal exists in this tree"
                raise JournalBusyError(message, JOURNAL_NAME) from None
            _lock(self._descriptor)
        line = json.dumps({"directory": list(directory), "old": old, "new": new}) + "\n"
        os.write(self._descriptor, line.encode("ascii"))
        os.fsync(self._descriptor)

    def clear(self) -> None:
        """Forget the finished (or cleanly failed) move."""
        if self._descriptor is not None:
            os.ftruncate(self._descriptor, 0)
            os.lseek(self._descriptor, 0, os.SEEK_SET)
            os.fsync(self._descriptor)

    def close(self) -> None:
        """Remove the journal if no move is in flight (a crash keeps it for the next run)."""
        if self._descriptor is None:
            return
        try:
            if os.fstat(self._descriptor).st_size == 0:
                os.unlink(JOURNAL_NAME, dir_fd=self._root_fd)
        finally:
            os.close(self._descriptor)
            self._descriptor = None


def pending(root_fd: int) -> int:
    """How many interrupted moves the journal of the tree at *root_fd* holds (0 if none)."""
    try:
        descriptor = os.open(JOURNAL_NAME, os.O_RDONLY | NOFOLLOW | CLOEXEC, dir_fd=root_fd)
    except FileNotFoundError:
        return 0
    with os.fdopen(descriptor, "rb") as journal:
        return sum(1 for line in journal if line.strip())


def recover(root_fd: int) -> list[Recovered]:
    """Finish or undo each move that an interrupted run left in the journal, then remove it.

    :raises JournalBusyError: if a run still holds the journal.
    """
    try:
        descriptor = os.open(JOURNAL_NAME, _READ_WRITE, dir_fd=root_fd)
    except FileNotFoundError:
        return []
    with os.fdopen(descriptor, "rb") as journal:
        _lock(descriptor)
        moves = [json.loads(line) for line in journal if line.strip()]
        recovered = [
            _recover_one(root_fd, tuple(move["directory"]), move["old"], move["new"])
            for move in moves
        ]
        os.unlink(JOURNAL_NAME, dir_fd=root_fd)
    return recovered


def lock_tree(root_fd: int) -> None:
    """Hold the tree for this run: an exclusive lock on its root directory, before the journal.

    The journal itself is created only after this, and removed before the
    run ends, so that no second run can meet a journal whose owner has not
    locked it yet. Where directories cannot be locked (NFS), the journal's
    own lock is all there is.

    :raises JournalBusyError: if another live run holds the tree.
    """
    try:
        _lock(root_fd)
    except JournalBusyError:
        raise
    except OSError:  # a file system that cannot lock a directory
        return


def _lock(descriptor: int) -> None:
    """Hold the journal for this run; the kernel lets go when the process dies, even by kill -9.

    :raises JournalBusyError: if another live run holds it.
    """
    import fcntl  # noqa: PLC0415 - POSIX only; the rename command is too

    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise JournalBusyError("another run is renaming in this tree", JOURNAL_NAME) from None


def _recover_one(root_fd: int, directory: tuple[str, ...], old: str, new: str) -> Recovered:
    try:
        with _opened_path(root_fd, directory) as folder:
            outcome = _settle(folder, old, new)
    except (OSError, UnsafePathError) as error:  # the directory is gone or was swapped
        outcome = f"left as it is: {error}"
    return Recovered(directory, old, new, outcome)


def _settle(folder: int, old: str, new: str) -> str:
    """Bring one move to a state with one name per entry, and say which."""
    old_status, new_status = _lstat(old, folder), _lstat(new, folder)
    if old_status is None or new_status is None:
        return "untouched"  # the move was done, or never began
    if os.path.samestat(old_status, new_status):  # linked, not yet unlinked
        os.unlink(old, dir_fd=folder)
        return "finished"
    if stat.S_ISDIR(new_status.st_mode) and stat.S_ISDIR(old_status.st_mode):
        with contextlib.suppress(OSError):  # not empty: not our reservation
            os.rmdir(new, dir_fd=folder)
            return "undone"
    elif stat.S_ISREG(new_status.st_mode) and new_status.st_size == 0 and new_status.st_nlink == 1:
        os.unlink(new, dir_fd=folder)
        return "undone"
    return "untouched"


def _lstat(name: str, folder: int) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def _opened_path(root_fd: int, parts: Sequence[str]) -> Iterator[int]:
    """Open ``root/parts...`` one component at a time, never through a symlink."""
    with contextlib.ExitStack() as stack:
        folder = root_fd
        for part in parts:
            folder = open_directory(part, dir_fd=folder)
            stack.callback(os.close, folder)
        yield folder
