"""Object keys every S3-compatible server stores exactly as written: the key profile."""

from __future__ import annotations

import enum
from typing import Final

from safename.errors import SafenameError, UnsafeFilenameError
from safename.filenames import validate_filename

#: S3's limit on a whole key, in UTF-8 bytes.
MAX_KEY_BYTES: Final = 1024
#: The limit on one ``/``-separated segment: a file name's, and SeaweedFS's (it refuses longer).
MAX_SEGMENT_BYTES: Final = 255
#: The folder, under the prefix, of the uploads' claims; no stored name starts with a dot.
CLAIMS_FOLDER: Final = ".safename-claims/"


class KeyReason(enum.Enum):
    """Why a key or key prefix was refused (the value is a stable, short code)."""

    LEADING_SLASH = "leading_slash"
    EMPTY_SEGMENT = "empty_segment"
    BACKSLASH = "backslash"
    DOT_SEGMENT = "dot_segment"
    TRAILING_SLASH = "trailing_slash"
    NO_TRAILING_SLASH = "no_trailing_slash"
    UNSAFE_SEGMENT = "unsafe_segment"
    TOO_LONG = "too_long"


class UnsafeKeyError(SafenameError):
    """An object key or prefix that some server would not store as written.

    A :class:`ValueError`; ``reason`` is a :class:`KeyReason`.

    >>> validate_key_prefix("/uploads/")
    Traceback (most recent call last):
    ...
    safename.uploads.UnsafeKeyError: unsafe key '/uploads/': leading_slash
    """

    def __init__(self, key: str, reason: KeyReason, detail: str = "") -> None:
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"unsafe key {key!r}: {reason.value}{suffix}")
        self.key = key
        self.reason = reason


def validate_key_prefix(prefix: str) -> str:
    """Check a key prefix: empty, or safe segments each followed by ``/``.

    Each segment passes :func:`~safename.validate_filename` (no ``.`` or ``..``,
    no control, device name, backslash or character AWS advises to avoid, at
    most 255 bytes), so no server rewrites the prefix; the prefix leaves room
    for a claim's key (``.safename-claims/`` and a 255-byte name) under S3's
    1,024-byte key limit.

    :returns: *prefix*, unchanged.
    :raises UnsafeKeyError: with the :class:`KeyReason`.

    >>> validate_key_prefix("uploads/2024/")
    'uploads/2024/'
    >>> validate_key_prefix("uploads")
    Traceback (most recent call last):
    ...
    safename.uploads.UnsafeKeyError: unsafe key 'uploads': no_trailing_slash
    """
    if prefix == "":
        return prefix
    if not prefix.endswith("/"):
        raise UnsafeKeyError(prefix, KeyReason.NO_TRAILING_SLASH)
    _check_segments(prefix, prefix[:-1].split("/"))
    # Room for the longest claim key: prefix, claims folder, a 255-byte name.
    if len(prefix.encode("utf-8")) + len(CLAIMS_FOLDER) + MAX_SEGMENT_BYTES > MAX_KEY_BYTES:
        raise UnsafeKeyError(prefix, KeyReason.TOO_LONG, "no room for a name")
    return prefix


def validate_key(key: str) -> str:
    """Check a whole object key: safe segments joined by single ``/``, at most 1,024 bytes.

    :returns: *key*, unchanged.
    :raises UnsafeKeyError: with the :class:`KeyReason`.

    >>> validate_key("uploads/report.pdf")
    'uploads/report.pdf'
    >>> validate_key("uploads//report.pdf")
    Traceback (most recent call last):
    ...
    safename.uploads.UnsafeKeyError: unsafe key 'uploads//report.pdf': empty_segment
    """
    if key.endswith("/"):
        raise UnsafeKeyError(key, KeyReason.TRAILING_SLASH)
    _check_segments(key, key.split("/"))
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise UnsafeKeyError(key, KeyReason.TOO_LONG, f"more than {MAX_KEY_BYTES} bytes")
    return key


def _check_segments(key: str, segments: list[str]) -> None:
    if key.startswith("/"):
        raise UnsafeKeyError(key, KeyReason.LEADING_SLASH)
    if "\\" in key:
        raise UnsafeKeyError(key, KeyReason.BACKSLASH)
    for segment in segments:
        if segment == "":
            raise UnsafeKeyError(key, KeyReason.EMPTY_SEGMENT)
        if segment in {".", ".."}:
            raise UnsafeKeyError(key, KeyReason.DOT_SEGMENT)
        try:
            validate_filename(segment, max_length=MAX_SEGMENT_BYTES)
        except UnsafeFilenameError as error:
            raise UnsafeKeyError(key, KeyReason.UNSAFE_SEGMENT, error.reason.value) from error
