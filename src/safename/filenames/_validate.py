"""Check a name against a profile of the rule table: strict (what :func:`safename.secure_filename`
produces) or preserving (a user's own names, refusing only what is dangerous)."""

from __future__ import annotations

import unicodedata

from safename.errors import FilenameReason, UnsafeFilenameError
from safename.filenames import _rules
from safename.filenames._profile import Profile, ProfileName

# Bound once: an enum member looked up on its class costs more than the whole fast path.
_STRICT = Profile.STRICT
_PRESERVING = Profile.PRESERVING

__all__ = ["is_safe_filename", "validate_filename"]


def validate_filename(
    name: str,
    *,
    max_length: int = _rules.DEFAULT_MAX_LENGTH,
    allow_unicode: bool = False,
    profile: ProfileName = Profile.STRICT,
) -> None:
    """Raise :class:`~safename.UnsafeFilenameError` unless *name* is a safe filename.

    In the default, strict profile the rules are those of
    :func:`~safename.secure_filename` with the same options, so the two agree:
    ``validate_filename(secure_filename(x))`` never raises, and in the default
    mode *name* passes exactly when ``secure_filename(name) == name``. The
    preserving profile (:class:`~safename.Profile`) keeps a user's own names
    and refuses only what is dangerous on a common file system or terminal;
    every name the strict profile accepts, it accepts too. The error's
    ``reason`` says which rule failed, most telling first.

    :param name: the name to check.
    :param max_length: the limit in UTF-8 bytes.
    :param allow_unicode: (strict profile) accept letters, marks and digits of
        every script (in NFC). The preserving profile keeps them always.
    :param profile: :attr:`Profile.STRICT <safename.Profile.STRICT>` or
        :attr:`Profile.PRESERVING <safename.Profile.PRESERVING>`, or its value.
    :raises UnsafeFilenameError: with a :class:`~safename.FilenameReason`.
    :raises TypeError: if *name* is not a ``str``.
    :raises ValueError: if *profile* is not a profile.

    >>> validate_filename("report-2024.pdf")
    >>> validate_filename("../etc/passwd")
    Traceback (most recent call last):
    ...
    safename.errors.UnsafeFilenameError: unsafe filename '../etc/passwd': separator
    >>> try:
    ...     validate_filename("nul.tar.gz")
    ... except ValueError as error:
    ...     print(error.reason)
    FilenameReason.RESERVED_NAME
    >>> validate_filename("My Report (1).pdf", profile="preserving")
    >>> try:
    ...     validate_filename("file.txt:stream", profile=Profile.PRESERVING)
    ... except ValueError as error:
    ...     print(error.reason)
    FilenameReason.COLON
    """
    reason = _find_problem(name, max_length, allow_unicode, profile)
    if reason is not None:
        raise UnsafeFilenameError(name, reason)


def is_safe_filename(
    name: str,
    *,
    max_length: int = _rules.DEFAULT_MAX_LENGTH,
    allow_unicode: bool = False,
    profile: ProfileName = Profile.STRICT,
) -> bool:
    """Return whether *name* is a safe filename in *profile*; see :func:`validate_filename`.

    >>> is_safe_filename("My_cool_movie.mov"), is_safe_filename("My cool movie.mov")
    (True, False)
    >>> is_safe_filename("Ærø.txt"), is_safe_filename("Ærø.txt", allow_unicode=True)
    (False, True)
    >>> is_safe_filename(".gitignore", profile="preserving")
    True
    >>> is_safe_filename("evil\u202etxt.exe", profile="preserving")
    False
    """
    return _find_problem(name, max_length, allow_unicode, profile) is None


# Positional: the hot path of both public functions, where a keyword call costs.
def _find_problem(
    name: str, max_length: int, allow_unicode: bool, profile: ProfileName
) -> FilenameReason | None:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, not {type(name).__name__}")
    if profile is not _STRICT and profile is not _PRESERVING:
        profile = Profile(profile)  # a value, or a ValueError before any answer
    # Names the fast path accepts are safe in every profile.
    if _rules.is_plain_safe(name, max_length):
        return None
    if profile is _PRESERVING:
        return _preserving_problem(name, max_length)
    # Most telling first; each check may assume the ones before it passed.
    return (
        _shape_problem(name)
        or _character_problem(name)
        or _length_problem(name, max_length)
        or _edge_problem(name)
        or _repertoire_problem(name, allow_unicode=allow_unicode)
    )


def _shape_problem(name: str) -> FilenameReason | None:
    if not name:
        return FilenameReason.EMPTY
    if not name.strip("."):
        return FilenameReason.TRAVERSAL
    if any(separator in name for separator in _rules.SEPARATORS):
        return FilenameReason.SEPARATOR
    return None


def _character_problem(name: str) -> FilenameReason | None:
    for char in name:
        category = unicodedata.category(char)
        if category == "Cc":
            return FilenameReason.CONTROL_CHARACTER
        if category == "Cf" or _rules.IGNORABLE_RE.match(char):
            return FilenameReason.INVISIBLE_CHARACTER
    return None


def _length_problem(name: str, max_length: int) -> FilenameReason | None:
    if len(name.encode("utf-8", "surrogatepass")) > max_length:
        return FilenameReason.TOO_LONG
    return None


def _edge_problem(name: str) -> FilenameReason | None:
    if _rules.is_reserved(name):
        return FilenameReason.RESERVED_NAME
    if name[0] in ".-":
        return FilenameReason.LEADING_DOT_OR_DASH
    if name[-1] in ". ":
        return FilenameReason.TRAILING_DOT_OR_SPACE
    return None


def _repertoire_problem(name: str, *, allow_unicode: bool) -> FilenameReason | None:
    if allow_unicode:
        if not all(map(_rules.keeps_unicode, name)):
            return FilenameReason.INVALID_CHARACTER
        if not unicodedata.is_normalized("NFC", name):
            return FilenameReason.NOT_NORMALIZED
    elif not _rules.ASCII_ALLOWED.issuperset(name):
        return FilenameReason.INVALID_CHARACTER
    # A leading underscore stays only where it defuses a device name (``_CON``).
    if name[0] == "_" and not _rules.is_reserved(name[1:]):
        return FilenameReason.EDGE_UNDERSCORE
    if name[-1] == "_":
        return FilenameReason.EDGE_UNDERSCORE
    return None


# --- the preserving profile -------------------------------------------------------------------


def _preserving_problem(name: str, max_length: int) -> FilenameReason | None:
    """The first rule of the preserving profile that *name* breaks, most telling first."""
    # What a normalizing copy (or a file system that folds compatibility forms) makes of it.
    normalized = unicodedata.normalize("NFKC", name)
    return (
        _shape_problem(name)
        or _shape_problem(normalized)
        or _character_problem(name)
        or _surrogate_problem(name)
        or _length_problem(name, max_length)
        or _windows_problem(name)
        or _namespace_problem(name)
    )


def _surrogate_problem(name: str) -> FilenameReason | None:
    # Undecodable bytes of a POSIX name: no UTF-8 name, on no other system the same.
    if _rules.SURROGATE_RE.search(name):
        return FilenameReason.INVALID_CHARACTER
    return None


def _windows_problem(name: str) -> FilenameReason | None:
    if _rules.is_device_name(name):
        return FilenameReason.RESERVED_NAME
    if _rules.COLON in name:
        return FilenameReason.COLON
    if name[-1] in _rules.PRESERVING_TRAILING:
        return FilenameReason.TRAILING_DOT_OR_SPACE
    return None


def _namespace_problem(name: str) -> FilenameReason | None:
    if _rules.is_reserved_temporary(name):
        return FilenameReason.RESERVED_NAMESPACE
    return None
