"""Readers for a router's hot loop: the built-in converters' ``to_python`` for matched texts.

:mod:`safename.converters` stays Python in both builds, because applications
subclass its converters; a router calls a reader once per variable of every
match, so the readers of the common converters live here, in a module the
compiled build compiles. Each takes its fast road only where the answer is
certain, and hands any other text to the converter's own method, which
decides (and raises :class:`~safename.errors.ConversionError` to refuse). Each
reads a text its converter's regex matched as the converter's ``to_python`` does.
"""

from __future__ import annotations

from collections.abc import Callable

from safename._filename_rules import DOT_SEGMENTS

__all__ = ["canonical_float", "path_text", "segment_text"]


def segment_text(check: Callable[[str], str]) -> Callable[[str], str]:
    """A reader of segments that a string converter's regex matched.

    An ASCII text that is not a dot segment is read as it is (the regex has
    checked its length and that it holds no ``/``); any other goes to *check*.

    >>> read = segment_text(lambda text: text.upper())
    >>> read("abc"), read(".."), read("é")
    ('abc', '..', 'É')
    """

    def read(text: str) -> str:
        if text.isascii() and text not in DOT_SEGMENTS:
            return text
        return check(text)

    return read


def path_text(check: Callable[[str], str]) -> Callable[[str], str]:
    """A reader of texts that a path converter's regex matched.

    The regex leaves no empty segment; a dot segment starts the text or
    follows a ``/``, and a lone surrogate is not ASCII: an ASCII text with
    neither is read as it is, any other goes to *check*.

    >>> read = path_text(lambda text: "checked")
    >>> read("docs/a.md"), read("docs/../a"), read(".hidden/a")
    ('docs/a.md', 'checked', 'checked')
    """

    def read(text: str) -> str:
        if text.isascii() and text[0] != "." and "/." not in text:
            return text
        return check(text)

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
