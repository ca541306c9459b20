"""The write-ahead journal of a staged publish, so that a killed extraction can be taken back.

:class:`~safename._fs.staging.Staging` moves an extracted tree out of its
hidden staging directory into the target one entry at a time; a process
killed in the middle leaves part of the archive published. Before it moves
anything, it writes what it is about to move into ``.safename-journal``
inside the staging directory and syncs it: each entry's path and the device
and inode it has in the staging directory, which a rename keeps. Once
everything is published it writes ``commit``.

The rule is roll back: a journal without ``commit`` whose owner is dead is
undone (:func:`undo`), newest record first, by the next ``safe_extract``
into the same directory or the next :func:`~safename._fs.temporaries.sweep`.
Undo moves each entry back into the staging directory, and only if the entry
at that path in the target is still the one recorded (same device and
inode): what a user put there is never moved, let alone deleted. A journal
with ``commit`` means the archive is whole: only the staging directory goes.

The owner holds an exclusive ``flock`` on the journal from before its first
record until the staging directory is gone; the kernel drops it when the
process dies, even by ``kill -9``. So "the lock is free and there are
records" proves the owner is dead, at any age.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from safename._fs import descriptors
from safename._fs.publish import publish
from safename.errors import NoReplaceUnsupportedError

#: The journal's name inside a staging directory (reserved: no member can take it).
JOURNAL_NAME: Final = ".safename-journal"
_READ_FLAGS: Final = os.O_RDONLY | descriptors.NOFOLLOW | descriptors.CLOEXEC
# A journal is one line per staged entry; a bigger file is not one of ours.
_LIMIT: Final = 1 << 30

Action = Literal["move", "make", "made", "commit"]
Identity = tuple[int, int, int]


@dataclass(frozen=True)
class Record:
    """One line of the journal: an intent (``move``, ``make``), a fact (``made``) or ``commit``."""

    action: Action
    parts: tuple[str, ...] = ()
    identity: Identity | None = None

    def line(self) -> bytes:
        """The record as one JSON line."""
        fields: dict[str, object] = {"action": self.action, "parts": list(self.parts)}
        if self.identity is not None:
            fields["identity"] = list(self.identity)
        return (json.dumps(fields) + "\n").encode("ascii")


class Journal:
    """The journal a live publish writes: created, locked, then appended to and synced."""

    def __init__(self, staging_fd: int) -> None:
        # Blocking: a recoverer that looks at the still empty journal holds the lock for an instant.
        self.fd = os.open(JOURNAL_NAME, descriptors.CREATE_EXCLUSIVE, 0o600, dir_fd=staging_fd)
        try:
            _flock(self.fd, blocking=True)
        except BaseException:
            os.close(self.fd)
            raise
        #: What was written, for an undo in this process (the same records as on disk).
        self.records: list[Record] = []

    def write(self, records: Sequence[Record]) -> None:
        """Append *records* and sync them before the steps they announce are taken."""
        if not records:
            return
        data = memoryview(b"".join(record.line() for record in records))
        # Counted as written before the write: an undo of an intent never carried out is a no-op.
        self.records.extend(records)
        while data:
            data = data[os.write(self.fd, data) :]
        os.fsync(self.fd)

    def close(self) -> None:
        """Let go of the lock (the journal stays, for a recoverer if the work is unfinished)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def identity(status: os.stat_result) -> Identity:
    """An entry's device and inode, and a file's or symlink's modification time.

    A rename keeps all three. The time guards against a freed inode number
    given to a new file of the user's at the same path; a directory's own
    time changes as entries move in and out of it, so it is not part of it.
    """
    stamp = 0 if stat.S_ISDIR(status.st_mode) else status.st_mtime_ns
    return status.st_dev, status.st_ino, stamp


def lock_abandoned(staging_fd: int) -> int | Literal["busy"] | None:
    """The journal in *staging_fd* open and locked, ``None`` if there is none, or ``"busy"``.

    ``"busy"`` means its owner is alive. The caller closes the descriptor,
    which lets go of the lock, once the staging directory is settled.
    """
    try:
        descriptor = os.open(JOURNAL_NAME, _READ_FLAGS, dir_fd=staging_fd)
    except FileNotFoundError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode) or not _flock(descriptor):
            os.close(descriptor)
            return "busy"
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def read_records(descriptor: int) -> list[Record]:
    """The records of a locked journal; a torn last line (killed mid-write) is dropped."""
    chunks: list[bytes] = []
    size = 0
    while chunk := os.read(descriptor, 1 << 16):
        size += len(chunk)
        if size > _LIMIT:
            raise ValueError("not a journal")
        chunks.append(chunk)
    records = []
    for line in b"".join(chunks).split(b"\n"):
        try:
            fields = json.loads(line)
            parts = tuple(str(part) for part in fields["parts"])
            found = fields.get("identity")
            ident = None if found is None else (int(found[0]), int(found[1]), int(found[2]))
            action = fields["action"]
        except (ValueError, KeyError, TypeError, IndexError):  # json's errors are ValueErrors
            continue  # the torn end of a write the kill interrupted: its step never began
        if action in ("move", "make", "made", "commit"):
            records.append(Record(action, parts, ident))
    return records


def committed(records: Iterable[Record]) -> bool:
    """Whether the publish these records describe finished."""
    return any(record.action == "commit" for record in records)


def undo(records: Sequence[Record], target_fd: int, staging_fd: int) -> list[str]:
    """Take back, newest first, what *records* say was published; the paths left as they are.

    An entry moves back into the staging directory only if the entry at its
    path in the target is the one recorded; a directory made in the target is
    removed only if it is empty. An intent never carried out finds nothing of
    ours and does nothing, so an undo interrupted in turn can simply run again.
    """
    made = {record.parts: record.identity for record in records if record.action == "made"}
    left: list[str] = []
    for record in reversed(records):
        if record.action not in ("move", "make") or not record.parts:
            continue
        try:
            with (
                descriptors.opened_chain(target_fd, record.parts[:-1]) as published_in,
                descriptors.opened_chain(staging_fd, record.parts[:-1]) as staged_in,
            ):
                if record.action == "move":
                    _move_back(record, published_in, staged_in)
                else:
                    _unmake(record.parts[-1], made.get(record.parts), published_in)
        except FileNotFoundError:
            continue  # a parent is gone: nothing of ours can be under it
        except OSError:
            left.append("/".join(record.parts))
    return left


def _move_back(record: Record, published_in: int, staged_in: int) -> None:
    name = record.parts[-1]
    here = _lstat(name, published_in)
    if here is None or identity(here) != record.identity:
        return  # never moved, already moved back, or not ours: never touched
    there = _lstat(name, staged_in)
    if there is not None:
        if identity(there) == record.identity:  # the link fallback was cut between its steps
            os.unlink(name, dir_fd=published_in)
        return
    try:
        publish(name, name, source_dir_fd=published_in, target_dir_fd=staged_in)
    except NoReplaceUnsupportedError:
        # A directory, where renameat2 is missing: the staging directory is ours and the
        # name free in it, so a plain rename replaces nothing.
        os.rename(name, name, src_dir_fd=published_in, dst_dir_fd=staged_in)


def _unmake(name: str, made: Identity | None, published_in: int) -> None:
    here = _lstat(name, published_in)
    if here is None or not stat.S_ISDIR(here.st_mode):
        return
    if made is not None and identity(here) != made:
        return
    with contextlib.suppress(OSError):  # not empty: someone put something in it, so it stays
        os.rmdir(name, dir_fd=published_in)


def _lstat(name: str, directory_fd: int) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=directory_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _flock(descriptor: int, *, blocking: bool = False) -> bool:
    """Take the exclusive lock; ``False`` if another process holds it (not blocking)."""
    try:
        import fcntl  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows: no lock, no crash recovery by liveness
        return True
    operation = fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB
    try:
        fcntl.flock(descriptor, operation)
    except BlockingIOError:
        return False
    return True
