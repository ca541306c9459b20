"""Rename the entries of one directory to safe names, never overwriting anything.

The engine of ``safename rename`` (:mod:`safename.cli`), kept apart from the
argument parsing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

from safename.paths import claim_name

_BAR_WIDTH: Final = 30
_RESERVE_FLAGS: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class Renamed:
    """One entry of a directory given a new name (or that would be, in a dry run)."""

    directory: str
    old: str
    new: str
    #: The sanitized name was taken, so a numbered one was used.
    collided: bool


@dataclass(frozen=True)
class Failed:
    """One entry that could not be renamed, and why."""

    directory: str
    old: str
    error: OSError


def rename_entries(
    directory: str,
    names: list[str],
    sanitize: Callable[[str], str],
    *,
    max_length: int,
    allow_unicode: bool,
    apply: bool,
) -> Iterator[Renamed | Failed]:
    """Give each unsafe name in *directory* a safe one that no other entry has.

    Names are compared case-folded, so that the result does not collide on a
    case-insensitive file system either.
    """
    targets = {name: sanitize(name) for name in names}
    taken = {name.casefold() for name, target in targets.items() if name == target}
    for name in names:
        target = targets[name]
        if target == name:
            continue

        def occupy(candidate: str, name: str = name) -> None:
            if candidate.casefold() in taken:
                raise FileExistsError(candidate)
            if apply:
                try:
                    move_without_clobbering(directory, name, candidate)
                except FileExistsError:
                    taken.add(candidate.casefold())
                    raise
            taken.add(candidate.casefold())

        try:
            claimed, _ = claim_name(
                target, occupy, max_length=max_length, allow_unicode=allow_unicode
            )
        except OSError as error:
            yield Failed(directory, name, error)
        else:
            yield Renamed(directory, name, claimed, collided=claimed != target)


def move_without_clobbering(directory: str, old: str, new: str) -> None:
    """Rename ``directory/old`` to ``directory/new``; raise ``FileExistsError`` if *new* exists.

    ``os.rename`` silently replaces an existing file (or empty directory) on
    POSIX, so the new name is taken atomically first: as a hard link to the
    file (then the old name is unlinked), or as an empty directory that the
    rename then replaces. Windows' rename never replaces, so it is used as is.
    """
    source, target = os.path.join(directory, old), os.path.join(directory, new)
    if os.name == "nt":  # pragma: no cover - the tests run on POSIX
        os.rename(source, target)
    elif os.path.isdir(source) and not os.path.islink(source):
        os.mkdir(target)
        _rename_onto_reservation(source, target, release=os.rmdir)
    else:
        try:
            os.link(source, target, follow_symlinks=False)
        except FileExistsError:
            raise
        except OSError:  # no hard links on this file system (FAT, some network mounts)
            os.close(os.open(target, _RESERVE_FLAGS, 0o600))
            _rename_onto_reservation(source, target, release=os.unlink)
        else:
            _unlink_or_undo(source, target)


def _rename_onto_reservation(source: str, target: str, *, release: Callable[[str], None]) -> None:
    """Replace the empty *target* this run created with *source*; remove *target* on failure."""
    try:
        os.replace(source, target)
    except OSError:
        release(target)
        raise


def _unlink_or_undo(source: str, link: str) -> None:
    try:
        os.unlink(source)
    except OSError:
        os.unlink(link)
        raise


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
