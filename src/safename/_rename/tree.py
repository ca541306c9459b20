"""Rename a tree's entries to safe names: no race steers it outside, no crash splits a move.

The engine of ``safename rename`` (:mod:`safename.cli`), kept apart from the
argument parsing and the output. It works in two passes:

1. :func:`list_tree` lists the tree through directory descriptors, each
   directory opened by name relative to its parent with ``O_NOFOLLOW``, and
   records each directory's device and inode.
2. :func:`rename_listed` renames, deepest first, again relative to descriptors.
   Each directory is reopened the same way and must be the one listed: a
   directory swapped for a symlink (or another directory) since the listing is
   skipped with a message, never followed.

Every move goes through :func:`safename.paths.move_without_replacing`
(``renameat2(RENAME_NOREPLACE)``); where that is missing, the two-step
fallback is journaled (:mod:`safename._rename.journal`).
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import stat
import sys
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Final, NoReturn

from safename._fs.descriptors import CREATE_EXCLUSIVE
from safename._rename.journal import JOURNAL_NAME, Journal
from safename.errors import UnsafePathError
from safename.paths import (
    NoReplaceUnsupportedError,
    claim_name,
    ensure_removable,
    move_without_replacing,
    open_directory,
)

_BAR_WIDTH: Final = 30

Parts = tuple[str, ...]
Identity = tuple[int, int]


@dataclass
class ListedDirectory:
    """One directory as the listing saw it."""

    parts: Parts
    identity: Identity
    #: Every entry's name, sorted; hidden ones left out unless asked.
    names: list[str]
    directories: set[str]
    #: Symbolic links and their targets, to warn of links a rename leaves dangling.
    symlinks: dict[str, str]


@dataclass
class Listing:
    """The tree: its directories deepest first, and what could not be listed."""

    directories: list[ListedDirectory] = field(default_factory=list)
    errors: list[tuple[Parts, Exception]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many entries were listed."""
        return sum(len(directory.names) for directory in self.directories)


@dataclass(frozen=True)
class Renamed:
    """One entry given a new name (or that would be, in a dry run)."""

    directory: Parts
    old: str
    new: str
    #: The sanitized name was taken, so a numbered one was used.
    collided: bool


@dataclass(frozen=True)
class Failed:
    """One entry that could not be renamed, and why."""

    directory: Parts
    old: str
    error: Exception


@dataclass(frozen=True)
class Skipped:
    """A directory left alone, with everything in it: it changed since it was listed."""

    directory: Parts
    reason: str


Outcome = Renamed | Failed | Skipped


def list_tree(top_fd: int, *, include_hidden: bool) -> Listing:
    """List the tree at *top_fd* deepest first, opening each directory with ``O_NOFOLLOW``.

    Hidden entries (``.git``) are left out, and hidden directories not entered,
    unless *include_hidden*; the rename journal always is.
    """
    listing = Listing()
    top = _scan(top_fd, (), include_hidden=include_hidden)
    # Only the open directories of the current branch: as many descriptors as the tree is deep.
    frames: list[tuple[int, ListedDirectory, Iterator[str]]] = []
    frames.append((top_fd, top, iter(sorted(top.directories))))
    try:
        while frames:
            folder, listed, pending = frames[-1]
            name = next(pending, None)
            if name is None:
                frames.pop()
                listing.directories.append(listed)
                if folder != top_fd:
                    os.close(folder)
                continue
            child = _list_child(folder, (*listed.parts, name), listing, include_hidden)
            if child is not None:
                frames.append((child[0], child[1], iter(sorted(child[1].directories))))
    finally:
        for folder, _, _ in frames:
            if folder != top_fd:
                os.close(folder)
    return listing


def _list_child(
    parent: int, parts: Parts, listing: Listing, include_hidden: bool
) -> tuple[int, ListedDirectory] | None:
    """Open and scan one subdirectory, or note in *listing* why it could not be."""
    try:
        child = open_directory(parts[-1], dir_fd=parent)
    except (OSError, UnsafePathError) as error:
        listing.errors.append((parts, error))
        return None
    try:
        return child, _scan(child, parts, include_hidden=include_hidden)
    except OSError as error:
        os.close(child)
        listing.errors.append((parts, error))
        return None


def _scan(folder: int, parts: Parts, *, include_hidden: bool) -> ListedDirectory:
    names: list[str] = []
    directories: set[str] = set()
    symlinks: dict[str, str] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name[0] == "." and (not include_hidden or (not parts and name == JOURNAL_NAME)):
                continue
            names.append(name)
            if entry.is_dir(follow_symlinks=False):
                directories.add(name)
            elif entry.is_symlink():
                with contextlib.suppress(OSError):
                    symlinks[name] = os.readlink(name, dir_fd=folder)
    status = os.fstat(folder)
    names.sort()
    return ListedDirectory(parts, (status.st_dev, status.st_ino), names, directories, symlinks)


def rename_listed(
    top_fd: int,
    listing: Listing,
    sanitize: Callable[[str], str],
    *,
    max_length: int,
    allow_unicode: bool,
    apply: bool,
    on_directory_done: Callable[[int], None] = lambda entries: None,
) -> Generator[Outcome, None, None]:
    """Give each unsafe name of the listing a safe one that no other entry has, deepest first.

    Names are compared case-folded, so that the result does not collide on a
    case-insensitive file system either. Each directory is reopened relative
    to its parent and must still be the one listed. *on_directory_done* is
    called with the number of entries of each directory done (or skipped).
    """
    renamer = _Renamer(top_fd, sanitize, max_length=max_length, allow_unicode=allow_unicode)
    identities = {directory.parts: directory.identity for directory in listing.directories}
    branch = _OpenBranch(top_fd, identities)
    try:
        for directory in listing.directories:
            if not branch.under_skipped(directory.parts):
                try:
                    folder = branch.open(directory.parts)
                except _ChangedError as change:
                    yield Skipped(change.parts, change.reason)
                else:
                    yield from renamer.rename_in(folder, directory, branch, apply=apply)
            on_directory_done(len(directory.names))
    finally:
        branch.close()
        renamer.close()


class _ChangedError(Exception):
    def __init__(self, parts: Parts, reason: str) -> None:
        super().__init__(reason)
        self.parts = parts
        self.reason = reason


class _OpenBranch:
    """The open descriptors from the root down to the directory being renamed, each verified."""

    def __init__(self, top_fd: int, identities: dict[Parts, Identity]) -> None:
        self._stack: list[tuple[Parts, int]] = [((), top_fd)]
        self._identities = identities
        self._skipped: set[Parts] = set()
        self._skipped_depths: set[int] = set()

    def under_skipped(self, parts: Parts) -> bool:
        """Whether *parts* is inside (or is) a directory already reported as skipped."""
        # Only the depths where something was skipped: trying every prefix of every
        # directory made a tree n deep cost n squared.
        return any(
            parts[:depth] in self._skipped for depth in self._skipped_depths if depth <= len(parts)
        )

    def open(self, parts: Parts) -> int:
        """The descriptor of the listed directory *parts*, reopening what is missing below the root.

        :raises _ChangedError: if a directory on the way is not the one listed.
        """
        while self._stack[-1][0] != parts[: len(self._stack[-1][0])]:
            os.close(self._stack.pop()[1])
        while len(self._stack[-1][0]) < len(parts):
            prefix = parts[: len(self._stack[-1][0]) + 1]
            self._stack.append((prefix, self._open_one(prefix)))
        return self._stack[-1][1]

    def _open_one(self, prefix: Parts) -> int:
        try:
            folder = open_directory(prefix[-1], dir_fd=self._stack[-1][1])
        except UnsafePathError:
            self._skip(prefix, "a symbolic link now stands in its place; not followed")
        except OSError as error:
            self._skip(prefix, f"it changed since it was listed ({error.strerror})")
        status = os.fstat(folder)
        if (status.st_dev, status.st_ino) != self._identities[prefix]:
            os.close(folder)
            self._skip(prefix, "another directory now stands in its place")
        return folder

    def _skip(self, prefix: Parts, reason: str) -> NoReturn:
        self._skipped.add(prefix)
        self._skipped_depths.add(len(prefix))
        raise _ChangedError(prefix, reason)

    def is_skipped(self, parts: Parts) -> bool:
        """Whether the directory *parts* itself was reported as skipped."""
        return parts in self._skipped

    def close(self) -> None:
        """Close every descriptor this object opened."""
        for _, folder in self._stack[1:]:
            os.close(folder)
        del self._stack[1:]


class _Renamer:
    """Renames within one directory at a time; owns the journal of two-step moves."""

    def __init__(
        self, top_fd: int, sanitize: Callable[[str], str], *, max_length: int, allow_unicode: bool
    ) -> None:
        self._sanitize = sanitize
        self._max_length = max_length
        self._allow_unicode = allow_unicode
        self._journal = Journal(top_fd)

    def rename_in(
        self, folder: int, directory: ListedDirectory, branch: _OpenBranch, *, apply: bool
    ) -> Iterator[Outcome]:
        """Rename the unsafe names of one listed directory, open at *folder*."""
        targets = {name: self._sanitize(name) for name in directory.names}
        taken = {name.casefold() for name, target in targets.items() if name == target}
        for name, target in targets.items():
            if target == name or branch.is_skipped((*directory.parts, name)):
                continue

            def occupy(candidate: str, name: str = name) -> None:
                if candidate.casefold() in taken:
                    raise FileExistsError(candidate)
                if apply:
                    try:
                        self._move(folder, directory.parts, name, candidate)
                    except FileExistsError:
                        taken.add(candidate.casefold())
                        raise
                taken.add(candidate.casefold())

            try:
                claimed, _ = claim_name(
                    target, occupy, max_length=self._max_length, allow_unicode=self._allow_unicode
                )
            except OSError as error:
                yield Failed(directory.parts, name, error)
            else:
                yield Renamed(directory.parts, name, claimed, collided=claimed != target)

    def _move(self, folder: int, parts: Parts, old: str, new: str) -> None:
        """One atomic ``renameat2`` where possible; else the journaled two-step move."""
        try:
            move_without_replacing(
                old, new, source_dir_fd=folder, target_dir_fd=folder, link_fallback=False
            )
            return
        except NoReplaceUnsupportedError:
            pass
        ensure_removable(old, dir_fd=folder, target=new)  # a failed move must create nothing
        self._journal.record(parts, old, new)
        try:
            _two_step_move(folder, old, new)
        except OSError:
            self._journal.clear()
            raise
        self._journal.clear()

    def close(self) -> None:
        """Remove the journal, unless a move is still recorded in it (a crash)."""
        self._journal.close()


def _two_step_move(folder: int, old: str, new: str) -> None:
    """Move *old* to *new* without renameat2: link then unlink, or reserve then rename onto it."""
    status = os.stat(old, dir_fd=folder, follow_symlinks=False)
    release: Callable[..., None]
    if stat.S_ISDIR(status.st_mode):
        os.mkdir(new, 0o700, dir_fd=folder)
        release = os.rmdir
    else:
        try:
            move_without_replacing(old, new, source_dir_fd=folder, target_dir_fd=folder)
            return
        except NoReplaceUnsupportedError:
            pass  # no hard links here either: an empty file reserves the name
        os.close(os.open(new, CREATE_EXCLUSIVE, 0o600, dir_fd=folder))
        release = os.unlink
    try:
        os.rename(old, new, src_dir_fd=folder, dst_dir_fd=folder)
    except OSError as error:
        try:
            release(new, dir_fd=folder)
        except OSError as undo_error:
            error.add_note(f"and the reserved name {new!r} could not be removed: {undo_error}")
        raise


def links_into_moves(
    listing: Listing, moved: set[tuple[Parts, str]], top: str
) -> Iterator[tuple[Parts, str, str]]:
    """The symbolic links whose target is (or is under) an entry in *moved*: they will dangle.

    Yields each link's directory, name and target. Relative targets are
    resolved lexically from the link's directory; absolute ones count when
    they point under *top*.
    """
    roots = {os.path.abspath(top), os.path.realpath(top)}
    for directory in listing.directories:
        for name, target in directory.symlinks.items():
            parts = _target_parts(directory.parts, target, roots)
            if any((parts[:depth], parts[depth]) in moved for depth in range(len(parts))):
                yield directory.parts, name, target


def _target_parts(directory: Parts, target: str, roots: set[str]) -> Parts:
    """The path of *target* in the tree, as parts; ``()`` when it points outside."""
    if target.startswith("/"):
        inside = [target[len(root) :] for root in roots if target.startswith(root + "/")]
        if not inside:
            return ()
        relative = inside[0]
    else:
        relative = posixpath.join(*directory, target) if directory else target
    normal = posixpath.normpath(relative).lstrip("/")
    if normal in {".", ".."} or normal.startswith("../"):
        return ()
    return tuple(normal.split("/"))


class Progress:
    """A one-line bar on stderr, redrawn in place; silent unless enabled."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._total = total
        self._done = 0
        self._enabled = enabled and total > 0
        self._drawn = False

    def advance(self, count: int) -> None:
        """Count *count* more entries done, redrawing the bar."""
        before, self._done = self._done, self._done + count
        # Redraw once per percent: a tree of many small directories would flood a slow terminal.
        if self._enabled and before * 100 // self._total != self._done * 100 // self._total:
            filled = _BAR_WIDTH * self._done // self._total
            bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
            sys.stderr.write(f"\r[{bar}] {self._done}/{self._total}")
            sys.stderr.flush()
            self._drawn = True

    def clear(self) -> None:
        """Wipe the bar so that a line printed next starts clean."""
        if self._drawn:
            sys.stderr.write("\r\x1b[K")
            self._drawn = False

    def close(self) -> None:
        """End the bar's line, if one was drawn."""
        if self._drawn:
            sys.stderr.write("\n")
            self._drawn = False
