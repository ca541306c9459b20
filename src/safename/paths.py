"""Put untrusted names under a directory: joins that cannot escape, names that cannot collide.

Besides :func:`safe_join` and :func:`unique_filename`, this module is where the
primitives that every writer into a shared directory uses are public:
:func:`open_directory` (never through a swapped-in symlink),
:func:`move_without_replacing` (an atomic rename that never clobbers) and
:func:`claim_name` (the first free ``name``, ``name-1`` ... for a clean name).
The first two live with the other file-system primitives in the private
package ``safename._fs``.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import posixpath
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, TypeVar

from safename._fs import descriptors
from safename._fs.descriptors import open_directory, opened_directory
from safename._fs.publish import ensure_removable, move_without_replacing, no_replace_method
from safename._fs.temporaries import is_reserved_name, temporary_name

# Defined with the other errors: a compiled module cannot subclass OSError natively.
from safename.errors import (
    FilenameReason,
    NoReplaceUnsupportedError,
    PathReason,
    UnsafeFilenameError,
    UnsafePathError,
)
from safename.filenames import (
    Fallback,
    Profile,
    _rules,
    random_stem,
    secure_filename,
    validate_filename,
)

__all__ = [
    "NoReplaceUnsupportedError",
    "claim_name",
    "ensure_removable",
    "is_reserved_name",
    "move_without_replacing",
    "no_replace_method",
    "open_directory",
    "opened_directory",
    "path_problem",
    "safe_join",
    "segment_problem",
    "temporary_name",
    "unique_filename",
]

_T = TypeVar("_T")
_DRIVE_RE: Final = re.compile(r"[A-Za-z]:")
_DROPPED: Final = ("", ".")
#: The path reason of a segment the preserving profile refuses, by its filename reason.
_PATH_REASONS: Final[dict[FilenameReason, PathReason]] = {
    **dict.fromkeys(FilenameReason, PathReason.UNSAFE_NAME),
    FilenameReason.TRAVERSAL: PathReason.TRAVERSAL,
    FilenameReason.RESERVED_NAME: PathReason.DEVICE_NAME,
}
_NUMBERED_TRIES: Final = 99
_RANDOM_TRIES: Final = 1000
_CREATE_FLAGS: Final = descriptors.CREATE_EXCLUSIVE


def safe_join(directory: str | os.PathLike[str], *pathnames: str) -> str:
    """Join untrusted relative paths under *directory*, refusing any that would leave it.

    Each pathname is split on ``/``; empty and ``.`` segments are dropped. The
    check is lexical, like ``werkzeug.security.safe_join``: the directory
    itself and links inside it are trusted. Unlike werkzeug's, it never
    returns ``None``; it raises, so a forgotten check cannot pass ``None`` on.
    Every other segment must pass :func:`~safename.is_safe_filename` in the
    preserving profile (:attr:`Profile.PRESERVING <safename.Profile.PRESERVING>`),
    the one :func:`~safename.safe_extract` judges archive members with: a
    user's names (``.gitignore``, ``My Report (1).pdf``, ``café.txt``) join
    as they are, names that are dangerous on some common file system do not.

    :param directory: the trusted base directory.
    :param pathnames: untrusted relative paths, for example from a URL.
    :returns: the joined path, always *directory* or below it.
    :raises UnsafePathError: with a :class:`~safename.PathReason`: a ``..``
        segment (or one that NFKC turns into dots only, like ``．．``), an
        absolute path, a drive letter (``C:``), a UNC path (``//server``), a
        backslash, a NUL character, a Windows device name as any segment
        (``CON``, ``nul.txt``, ``COM1 . log``, ``CON:``), on every OS, or
        ``UNSAFE_NAME`` for a segment the preserving profile refuses otherwise
        (a colon, a control or invisible character, a trailing dot or space...),
        with the :class:`~safename.FilenameReason` as the error's ``name_reason``.

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
    >>> safe_join("/srv/files", "docs/file.txt:stream")
    Traceback (most recent call last):
    ...
    safename.errors.UnsafePathError: unsafe path 'docs/file.txt:stream': unsafe_name (colon)
    """
    segments: list[str] = []
    for pathname in pathnames:
        reason = path_problem(pathname)
        if reason is not None:
            name_reason = _name_reason(pathname) if reason is PathReason.UNSAFE_NAME else None
            raise UnsafePathError(pathname, reason, name_reason)
        segments.extend(segment for segment in pathname.split("/") if segment not in ("", "."))
    base = os.fspath(directory)
    # One joined string: ntpath.join would restart at a later "C:" argument.
    return posixpath.join(base, "/".join(segments)) if segments else base


def path_problem(pathname: str) -> PathReason | None:
    """Why :func:`safe_join` would refuse the relative path *pathname*, or ``None`` if it would not.

    The same rules, as a check that raises nothing: a NUL, a backslash, a UNC
    or absolute start, a drive letter, a ``..`` segment, a Windows device
    name as any segment, or a segment the preserving filename profile refuses
    (``UNSAFE_NAME``; :func:`segment_problem` says which rule). Empty and
    ``.`` segments are dropped, as :func:`safe_join` drops them.

    >>> path_problem("docs/a.txt") is None
    True
    >>> path_problem("docs/../../etc/passwd"), path_problem("sub/NUL.txt")
    (<PathReason.TRAVERSAL: 'traversal'>, <PathReason.DEVICE_NAME: 'device_name'>)
    >>> path_problem("a/\uff0e\uff0e/b"), path_problem("notes.txt:hidden")
    (<PathReason.TRAVERSAL: 'traversal'>, <PathReason.UNSAFE_NAME: 'unsafe_name'>)
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
    for segment in segments:
        if segment not in _DROPPED:
            reason = segment_problem(segment)
            if reason is not None:
                return _PATH_REASONS[reason]
    return None


def segment_problem(segment: str) -> FilenameReason | None:
    """Why the preserving filename profile refuses one path segment, or ``None``.

    What :func:`safe_join` and :func:`~safename.safe_extract` check each
    component of a path with: :func:`~safename.validate_filename` with
    ``profile=Profile.PRESERVING``, as a reason rather than an error.

    >>> segment_problem("My Report (1).pdf") is None
    True
    >>> segment_problem("CON:").value, segment_problem("x\u200b.txt").value
    ('reserved_name', 'invisible_character')
    """
    try:
        validate_filename(segment, profile=Profile.PRESERVING)
    except UnsafeFilenameError as error:
        return error.reason
    return None


def _name_reason(pathname: str) -> FilenameReason | None:
    """The filename rule the first refused segment of *pathname* broke."""
    for segment in pathname.split("/"):
        if segment not in _DROPPED:
            reason = segment_problem(segment)
            if reason is not None:
                return reason
    return None


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
