"""Put untrusted names under a directory: joins that cannot escape, names that cannot collide."""

from __future__ import annotations

import itertools
import os
import posixpath
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from safename import _filename_rules as _rules
from safename.errors import PathReason, UnsafePathError
from safename.filenames import Fallback, random_stem, secure_filename

__all__ = ["safe_join", "unique_filename"]

_DRIVE_RE: Final = re.compile(r"[A-Za-z]:")
_NUMBERED_TRIES: Final = 99
_RANDOM_TRIES: Final = 1000
_OPEN_FLAGS: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


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
        (``//server``), a backslash or a NUL character.

    >>> safe_join("/srv/files", "docs/./a.txt")
    '/srv/files/docs/a.txt'
    >>> safe_join("/srv/files", "docs/../../etc/passwd")
    Traceback (most recent call last):
    ...
    safename.errors.UnsafePathError: unsafe path 'docs/../../etc/passwd': traversal
    """
    segments: list[str] = []
    for pathname in pathnames:
        reason = _path_problem(pathname)
        if reason is not None:
            raise UnsafePathError(pathname, reason)
        segments.extend(segment for segment in pathname.split("/") if segment not in ("", "."))
    base = os.fspath(directory)
    # One joined string: ntpath.join would restart at a later "C:" argument.
    return posixpath.join(base, "/".join(segments)) if segments else base


def _path_problem(pathname: str) -> PathReason | None:
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
    return None


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

    The file is created with ``O_CREAT | O_EXCL``, so the name is taken by
    this call alone: when it exists, ``name-1.ext``, ``name-2.ext`` ... up to
    99, then random suffixes are tried. Threads or processes saving the same
    name at once each get their own file, and nothing is overwritten. Write
    the content into the returned path, or ``os.replace`` a finished temporary
    file onto it. Every name tried passes :func:`~safename.is_safe_filename`.

    :param directory: an existing directory (trusted).
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
    base = Path(directory)
    for candidate in _candidates(name, max_length, allow_unicode=allow_unicode):
        path = base / candidate
        try:
            descriptor = os.open(path, _OPEN_FLAGS, 0o666)
        except FileExistsError:
            continue
        os.close(descriptor)
        return path
    raise FileExistsError(f"no free name for {name!r} in {os.fspath(directory)!r}")


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
