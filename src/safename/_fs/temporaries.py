"""The temporaries' namespace: the names a writer uses before it publishes, and the sweep.

Every writer (an upload, an extraction, a rename) first writes under a hidden
name of the form ``.safename-<kind>-<16 hex>.part`` and then publishes it.
Every name that could be taken for one of these is reserved
(:func:`is_reserved_name`): no writer creates an entry under such a name for
someone else, so that what carries the name is the package's own.

An upload or an extraction writes into a temporary *directory*
(:func:`make_temporary_directory`) holding a marker file, ``.safename-marker``,
whose content names the directory. :func:`sweep` removes only such proven
directories: a file or directory that merely matches the name format is a
user's and is left alone, at any age.
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from typing import Final

from safename._fs import descriptors, rollback
from safename._fs.descriptors import is_directory, open_directory, opened_directory
from safename.errors import UnsafePathError
from safename.filenames import _rules

__all__ = [
    "DEFAULT_SWEEP_AGE",
    "MARKER_NAME",
    "RESERVED_PREFIX",
    "UPLOAD_DATA_NAME",
    "discard_temporary_directory",
    "is_reserved_name",
    "make_temporary_directory",
    "roll_back_abandoned",
    "sweep",
    "temporary_name",
]

#: How old an orphaned temporary entry must be before :func:`sweep` removes it by default.
DEFAULT_SWEEP_AGE: Final = datetime.timedelta(hours=1)
#: What every name the package writes on its own behalf starts with (temporaries,
#: the marker, the rename journal); see :func:`is_reserved_name`.
RESERVED_PREFIX: Final = _rules.TEMPORARY_PREFIX
#: The file inside a temporary directory that proves safename made it.
MARKER_NAME: Final = ".safename-marker"
#: The file inside an upload's temporary directory that holds the data.
UPLOAD_DATA_NAME: Final = "data"
#: What :func:`sweep` may remove: temporary uploads and extractions. A
#: ``rename`` temporary holds a user's entry mid-rename and is never removed.
# Open a directory of a tree being removed: never through a symlink.
_TREE_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | descriptors.NOFOLLOW | descriptors.CLOEXEC
)
_SWEPT: Final = re.compile(r"\.safename-(upload|extract)-[0-9a-f]{16}\.part")
# Larger than any marker; a bigger file is not one.
_MARKER_LIMIT: Final = 256
_MARKER_READ_FLAGS: Final = (
    os.O_RDONLY | descriptors.NOFOLLOW | descriptors.CLOEXEC | getattr(os, "O_NONBLOCK", 0)
)


def is_reserved_name(name: str) -> bool:
    """Whether *name* could be taken for one of safename's own entries; no writer creates one.

    The rule: after NFKC normalization and case folding (then NFKC again, as
    Unicode's ``NFKC_Casefold`` does), *name* starts with ``.safename-``. This
    is wider than the format :func:`sweep` recognizes, on purpose: a case
    variant (``.SafeName-upload-...``) is one name on a case-insensitive file
    system, and a compatibility look-alike (a fullwidth ``．`` or ``ｓ``) is one
    after a normalizing copy. Refusing them costs nothing a user needs, since
    every name the package writes for itself starts with ``.safename-``. The
    rule lives in the filename rule table, where both name profiles refuse it
    (``FilenameReason.RESERVED_NAMESPACE``).

    :param name: one path component.

    >>> is_reserved_name(".safename-upload-0123456789abcdef.part")
    True
    >>> is_reserved_name(".SafeName-Extract-x"), is_reserved_name("\uff0esafename-marker")
    (True, True)
    >>> is_reserved_name("safename-upload.txt"), is_reserved_name(".safename")
    (False, False)
    """
    return _rules.is_reserved_temporary(name)


def temporary_name(kind: str) -> str:
    """A hidden, recognizable name for a temporary entry: ``.safename-<kind>-<16 hex>.part``.

    What safename writes before publishing it (an upload, an extraction, a
    rename) is named so, so that a sweep can find and remove what a crash left.

    >>> name = temporary_name("upload")
    >>> name.startswith(".safename-upload-") and name.endswith(".part"), len(name)
    (True, 38)
    """
    return f".safename-{kind}-{secrets.token_hex(8)}.part"


def make_temporary_directory(kind: str, parent_fd: int) -> tuple[str, int]:
    """Create a marked temporary directory in *parent_fd*: its name and an open descriptor of it.

    The directory is ``.safename-<kind>-<16 hex>.part``, mode 0700, created
    with ``mkdir`` (which fails rather than reuse an existing entry); right
    after, ``.safename-marker`` is created in it with ``O_EXCL | O_NOFOLLOW``
    and holds ``safename temporary <name>``. That marker is :func:`sweep`'s
    proof: no writer of the package puts a reserved name anywhere else, so
    neither an archive nor an upload can forge it, and a user's file never
    carries it by accident. If anything fails, nothing is left.

    :param kind: ``"upload"`` or ``"extract"`` (what :func:`sweep` may remove).
    :param parent_fd: a descriptor of the directory to create it in.
    :raises OSError: if it cannot be created.

    >>> import os, tempfile
    >>> with opened_directory(tempfile.mkdtemp()) as parent:
    ...     name, descriptor = make_temporary_directory("upload", parent)
    ...     sorted(os.listdir(descriptor)), name.startswith(".safename-upload-")
    ...     os.close(descriptor)
    ...     discard_temporary_directory(name, parent)
    ...     os.listdir(parent)
    (['.safename-marker'], True)
    []
    """
    name = temporary_name(kind)
    os.mkdir(name, 0o700, dir_fd=parent_fd)
    descriptor = -1
    try:
        descriptor = open_directory(name, dir_fd=parent_fd)
        marker = os.open(MARKER_NAME, descriptors.CREATE_EXCLUSIVE, 0o600, dir_fd=descriptor)
        try:
            os.write(marker, _marker_content(name))
        finally:
            os.close(marker)
    except BaseException:
        if descriptor >= 0:
            os.close(descriptor)
        discard_temporary_directory(name, parent_fd)
        raise
    return name, descriptor


def discard_temporary_directory(name: str, parent_fd: int) -> None:
    """Remove the temporary directory *name* in *parent_fd* with what is in it, if it is there.

    Never follows a symlink, and never recurses however deep the tree (:func:`remove_tree`).
    """
    with contextlib.suppress(FileNotFoundError):
        remove_tree(name, parent_fd)


def _marker_content(name: str) -> bytes:
    # The directory's own name is in it: a marker copied into another directory proves nothing.
    return f"safename temporary {name}\n".encode("ascii")


def sweep(
    directory: str | os.PathLike[str],
    *,
    older_than: datetime.timedelta | float = DEFAULT_SWEEP_AGE,
    dry_run: bool = False,
    on_unproven: Callable[[str], object] | None = None,
) -> list[str]:
    """Remove the temporary directories that killed uploads and extractions left in *directory*.

    An entry is removed only if it proves it is safename's own:

    * its name is exactly ``.safename-upload-<16 hex>.part`` or
      ``.safename-extract-<16 hex>.part``, at the top level of *directory*;
    * it is a directory (not a symlink to one) holding a regular file
      ``.safename-marker`` whose content is ``safename temporary <its name>``,
      which only the package writes (and no archive member, upload or rename
      target can take a name starting with ``.safename-``).

    Anything else that matches the name format (a user's file or directory
    of that name, or a leftover of a version before the marker) is never
    removed, at any age: it is passed to *on_unproven*. ``.safename-rename-*``
    entries hold a user's file in the middle of a rename and are never even
    looked at.

    A proven entry is removed when neither it nor anything directly in it was
    modified in the last *older_than*, so that an upload or extraction still
    being written is left alone; an upload whose data file has a second link
    was already published (a crash between the link and the unlink of the
    ``link`` method) and is removed at once. An extraction killed while
    publishing (its journal has records and no live process holds its lock)
    is settled at once too: what it published is moved back, then removed;
    one whose journal is locked is in use, at any age. A directory is removed with
    everything in it, without following a symlink.

    :param directory: the directory to clean.
    :param older_than: a :class:`~datetime.timedelta`, or seconds.
    :param dry_run: only say what would be removed.
    :param on_unproven: called with the name of each entry that matches the
        format but lacks the proof, and so is kept.
    :returns: the names removed (or that would be), sorted.
    :raises OSError: if *directory* cannot be opened or an entry cannot be removed.

    >>> import os, tempfile
    >>> from safename._fs.temporaries import make_temporary_directory
    >>> from safename.paths import opened_directory
    >>> folder = tempfile.mkdtemp()
    >>> with opened_directory(folder) as parent:  # what a killed upload leaves
    ...     leftover, descriptor = make_temporary_directory("upload", parent)
    ...     os.close(descriptor)
    >>> users = os.path.join(folder, ".safename-upload-0123456789abcdef.part")  # a user's
    >>> os.mkdir(users)
    >>> open(os.path.join(users, "notes.txt"), "w").close()
    >>> sweep(folder, older_than=3600)
    []
    >>> sweep(folder, older_than=0, on_unproven=print) == [leftover]
    .safename-upload-0123456789abcdef.part
    True
    >>> os.listdir(folder)
    ['.safename-upload-0123456789abcdef.part']
    """
    if isinstance(older_than, datetime.timedelta):
        older_than = older_than.total_seconds()
    cutoff = time.time() - older_than
    swept: list[str] = []
    with opened_directory(directory, follow_symlinks=True) as directory_fd:
        for name in sorted(os.listdir(directory_fd)):
            if not _SWEPT.fullmatch(name):
                continue
            verdict, identity = _inspect(name, directory_fd, cutoff)
            if verdict is _Verdict.UNPROVEN and on_unproven is not None:
                on_unproven(name)
            elif verdict is _Verdict.ORPHANED:
                swept.append(name)
                if not dry_run:
                    _remove(name, directory_fd, identity)
    return swept


class _Verdict(enum.Enum):
    ORPHANED = "orphaned"
    IN_USE = "in_use"
    UNPROVEN = "unproven"
    GONE = "gone"


def _inspect(name: str, directory_fd: int, cutoff: float) -> tuple[_Verdict, tuple[int, int]]:
    """What the entry *name* is, and the identity it had when it was looked at."""
    try:
        descriptor = open_directory(name, dir_fd=directory_fd)
    except FileNotFoundError:
        return _Verdict.GONE, (0, 0)
    except (OSError, UnsafePathError):  # a file, a symlink, or unreadable: nothing proves it
        return _Verdict.UNPROVEN, (0, 0)
    try:
        status = os.fstat(descriptor)
        identity = (status.st_dev, status.st_ino)
        if not _has_marker(descriptor, name) and not _unfinished(descriptor):
            return _Verdict.UNPROVEN, identity
        if name.startswith(".safename-extract-"):
            journaled = _journal_state(descriptor)
            if journaled is not None:  # its owner is alive, or proven dead: age says nothing more
                return journaled, identity
        newest = status.st_mtime
        for entry in os.scandir(descriptor):
            inner = entry.stat(follow_symlinks=False)
            published = (
                name.startswith(".safename-upload-")
                and entry.name == UPLOAD_DATA_NAME
                and stat.S_ISREG(inner.st_mode)
                and inner.st_nlink > 1
            )
            if published:
                return _Verdict.ORPHANED, identity
            newest = max(newest, inner.st_mtime)
    except OSError:  # unreadable (another user's): it cannot be proven
        return _Verdict.UNPROVEN, (0, 0)
    finally:
        os.close(descriptor)
    return (_Verdict.ORPHANED if newest < cutoff else _Verdict.IN_USE), identity


def _has_marker(descriptor: int, name: str) -> bool:
    # O_NONBLOCK: a FIFO in the marker's place must not hang the sweep.
    try:
        marker = os.open(MARKER_NAME, _MARKER_READ_FLAGS, dir_fd=descriptor)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(marker).st_mode):
            return False
        return os.read(marker, _MARKER_LIMIT) == _marker_content(name)
    finally:
        os.close(marker)


def _unfinished(descriptor: int) -> bool:
    """Whether the directory holds nothing but perhaps an empty marker: killed while being made.

    :func:`make_temporary_directory` makes the directory, then the marker, then
    writes it: a kill between the steps leaves this. Removing it loses
    nothing, whoever made it.
    """
    names = os.listdir(descriptor)
    if not names:
        return True
    if names != [MARKER_NAME]:
        return False
    status = os.stat(MARKER_NAME, dir_fd=descriptor, follow_symlinks=False)
    return stat.S_ISREG(status.st_mode) and status.st_size == 0


def _remove(name: str, directory_fd: int, identity: tuple[int, int]) -> None:
    # The entry proven is the entry removed, unless swapped in the instant between the two.
    try:
        status = os.stat(name, dir_fd=directory_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if (status.st_dev, status.st_ino) == identity and stat.S_ISDIR(status.st_mode):
        if name.startswith(".safename-extract-"):
            _settle_extraction(name, directory_fd)
        else:
            discard_temporary_directory(name, directory_fd)


def _journal_state(staging_fd: int) -> _Verdict | None:
    """``IN_USE``: a live extraction holds the journal; ``ORPHANED``: a dead one left records."""
    locked = rollback.lock_abandoned(staging_fd)
    if locked == "busy":
        return _Verdict.IN_USE
    if locked is None:
        return None
    try:
        return _Verdict.ORPHANED if rollback.read_records(locked) else None
    finally:
        os.close(locked)


def _settle_extraction(name: str, parent_fd: int) -> None:
    """Take back what a dead extraction published (unless it committed), then remove its staging.

    :raises OSError: if an entry could not be taken back; everything is kept
        for a later try, the journal included.
    """
    with opened_directory(name, dir_fd=parent_fd) as staging_fd:
        locked = rollback.lock_abandoned(staging_fd)
        if locked == "busy":
            return  # adopted by nobody, but its owner came back to life: it is not ours to settle
        try:
            if locked is not None:
                records = rollback.read_records(locked)
                if not rollback.committed(records):
                    left = rollback.undo(records, parent_fd, staging_fd)
                    if left:
                        message = f"could not take back {', '.join(map(repr, left))}"
                        raise OSError(errno.EIO, message, name)
                # Settled: the journal goes first, so that nothing acts on its records again.
                os.unlink(rollback.JOURNAL_NAME, dir_fd=staging_fd)
                # Closed before the removal: on NFS and FUSE an open file without a name
                # stays as a hidden entry (.nfsXXXX, .fuse_hiddenXXXX) until it is closed.
                os.close(locked)
                locked = None
            discard_temporary_directory(name, parent_fd)
        finally:
            if locked is not None:
                os.close(locked)


def roll_back_abandoned(directory_fd: int) -> list[str]:
    """Settle every extraction into *directory_fd* whose process died while publishing.

    Run by :func:`safename.archives.safe_extract` before it extracts, so that
    an extraction killed midway is taken back by the next one into the same
    directory (which then extracts the whole archive). Only a proven staging
    directory whose journal has records and no live owner is touched; an
    entry that cannot be settled now is left for :func:`sweep` to report.

    :returns: the names of the staging directories settled.
    """
    settled: list[str] = []
    for name in sorted(os.listdir(directory_fd)):
        if not (_SWEPT.fullmatch(name) and name.startswith(".safename-extract-")):
            continue
        verdict, identity = _inspect(name, directory_fd, cutoff=float("-inf"))
        if verdict is not _Verdict.ORPHANED:
            continue
        with contextlib.suppress(OSError):
            _remove(name, directory_fd, identity)
            settled.append(name)
    return settled


def remove_tree(name: str, parent_fd: int) -> None:
    """Remove the directory *name* in *parent_fd* and everything in it, never following a symlink.

    Not :func:`shutil.rmtree`, whose descriptor walk recurses once per level
    (a staged tree deeper than the interpreter's recursion limit would raise
    ``RecursionError`` and be left behind) and keeps a descriptor per level.
    Here each directory met is first moved up into one holding directory,
    under a number, and emptied from there: every directory is opened once,
    at most three descriptors are open, and nothing recurses.
    """
    tree_fd = os.open(name, _TREE_FLAGS, dir_fd=parent_fd)
    try:
        holding = temporary_name("extract")  # made fresh: mkdir fails rather than reuse a name
        os.mkdir(holding, 0o700, dir_fd=tree_fd)
        holding_fd = os.open(holding, _TREE_FLAGS, dir_fd=tree_fd)
        try:
            # The marker stays to the end: a removal killed midway leaves a proven leftover.
            moved = _empty_into(tree_fd, holding_fd, 0, keep=(holding, MARKER_NAME))
            emptied = 0
            while emptied < moved:  # holding holds "emptied" to "moved - 1", nothing else
                inner = str(emptied)
                inner_fd = os.open(inner, _TREE_FLAGS, dir_fd=holding_fd)
                try:
                    moved = _empty_into(inner_fd, holding_fd, moved)
                finally:
                    os.close(inner_fd)
                os.rmdir(inner, dir_fd=holding_fd)
                emptied += 1
        finally:
            os.close(holding_fd)
        os.rmdir(holding, dir_fd=tree_fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(MARKER_NAME, dir_fd=tree_fd)
    finally:
        os.close(tree_fd)
    os.rmdir(name, dir_fd=parent_fd)


def _empty_into(directory_fd: int, holding_fd: int, moved: int, keep: tuple[str, ...] = ()) -> int:
    """Unlink what *directory_fd* holds, but move its directories into *holding_fd*, numbered."""
    for entry in os.listdir(directory_fd):
        if entry in keep:
            continue
        if is_directory(entry, directory_fd):
            os.rename(entry, str(moved), src_dir_fd=directory_fd, dst_dir_fd=holding_fd)
            moved += 1
        else:
            os.unlink(entry, dir_fd=directory_fd)
    return moved
