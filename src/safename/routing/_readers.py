"""Readers for a router's hot loop: the built-in converters' ``to_python`` for matched texts.

:mod:`safename.routing.converters` stays Python in both builds, because applications
subclass its converters; a router calls a reader once per variable of every
match, so the readers of the common converters live here, in a module the
compiled build compiles. Each takes its fast road only where the answer is
certain, and hands any other text to the converter's own method, which
decides (and raises :class:`~safename.errors.ConversionError` to refuse). Each
reads a text its converter's regex matched as the converter's ``to_python`` does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Final

from safename.filenames._rules import DOT_SEGMENTS

#: The dot segments as a tuple: compared item by item, where a set would hash each new text.
_DOT_SEGMENTS: Final = tuple(sorted(DOT_SEGMENTS))

__all__ = [
    "canonical_float",
    "is_plain_path",
    "is_plain_segment",
    "path_text",
    "segment_text",
    "uuid_value",
]


def is_plain_segment(text: str) -> bool:
    """Whether a segment a string converter's regex matched is its own value, unchecked.

    An ASCII text that is not a dot segment is: the regex has checked its
    length and that it holds no ``/``.

    >>> is_plain_segment("abc"), is_plain_segment(".."), is_plain_segment("é")
    (True, False, False)
    """
    return text.isascii() and text not in _DOT_SEGMENTS


def is_plain_path(text: str) -> bool:
    """Whether a text a path converter's regex matched is its own value, unchecked.

    The regex leaves no empty segment; a dot segment starts the text or
    follows a ``/``, and a lone surrogate is not ASCII: an ASCII text with
    neither is.

    >>> is_plain_path("docs/a.md"), is_plain_path("docs/../a"), is_plain_path(".hidden/a")
    (True, False, False)
    """
    return text.isascii() and text[0] != "." and "/." not in text


def _encodes(text: str) -> bool:
    """Whether *text* has no lone surrogate: what a matched non-ASCII text may still hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def segment_text(check: Callable[[str], str]) -> Callable[[str], str]:
    """A reader of segments that a string converter's regex matched.

    A text :func:`is_plain_segment` passes is read as it is, and so is any
    other that is no dot segment and has no lone surrogate, the one thing the
    regex did not rule out (it checked the length and the slashes); any other
    goes to *check*.

    >>> read = segment_text(lambda text: "checked")
    >>> read("abc"), read(".."), read("é"), read(chr(0xD800))
    ('abc', 'checked', 'é', 'checked')
    """

    def read(text: str) -> str:
        if text.isascii():
            return check(text) if text in _DOT_SEGMENTS else text
        # A dot segment is ASCII: only a lone surrogate is left to refuse.
        return text if _encodes(text) else check(text)

    return read


def path_text(check: Callable[[str], str]) -> Callable[[str], str]:
    """A reader of texts that a path converter's regex matched.

    A text with no dot segment and no lone surrogate is read as it is (the
    regex leaves no empty segment); any other goes to *check*.

    >>> read = path_text(lambda text: "checked")
    >>> read("docs/a.md"), read("docs/../a"), read(".hidden/a"), read("über/a")
    ('docs/a.md', 'checked', 'checked', 'über/a')
    """

    def read(text: str) -> str:
        if text[0] == "." or "/." in text or not (text.isascii() or _encodes(text)):
            return check(text)
        return text

    return read


def canonical_float(read_matched: Callable[[str], float]) -> Callable[[str], float]:
    """A reader of texts that an unbounded float converter's regex matched.

    A text that is ``repr`` of its value is canonical, and with no bounds
    there is nothing else to check; any other goes to *read_matched*.

    >>> read = canonical_float(lambda text: -1.0)
    >>> read("9.99"), read("9.990")
    (9.99, -1.0)
    """

    def read(text: str) -> float:
        value = float(text)
        if repr(value) == text:
            return value
        return read_matched(text)

    return read


_UUID: Final = uuid.UUID
_UNKNOWN: Final = uuid.SafeUUID.unknown


def uuid_value(text: str) -> uuid.UUID:
    """The UUID written as *text*, which a UUID converter's regex matched.

    The same value as ``uuid.UUID(text)``, made as that constructor makes it
    (its two slots set on a new object), without the checks of every other
    form it takes (``urn:``, braces, bytes, fields), which the regex rules
    out: a third of the time.

    >>> uuid_value("12345678-1234-5678-1234-567812345678")
    UUID('12345678-1234-5678-1234-567812345678')
    """
    value = object.__new__(_UUID)
    object.__setattr__(value, "int", int(text.replace("-", ""), 16))
    object.__setattr__(value, "is_safe", _UNKNOWN)
    return value
