"""Hostile inputs as data, public as :mod:`safename.hostile`: see its docstring for the tables."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import Final

from safename.filenames import _rules

__all__ = [
    "ABSOLUTE_ROOTS",
    "BOUNDARY_TEXTS",
    "CLASSIC_HIDDEN",
    "LOOK_ALIKE_DOTS",
    "NEAR_MISSES",
    "SEPARATOR_LOOK_ALIKES",
    "TRAVERSAL_STEPS",
    "TRAVERSAL_TARGETS",
    "normalizing_look_alikes",
]

#: Ways of spelling one ``../`` step that a naive check misses: Windows
#: separators, URL encoding (once and twice), overlong UTF-8, ``;`` tricks.
TRAVERSAL_STEPS: Final = (
    "../",
    "..\\",
    "..%2f",
    "..%2F",
    "%2e%2e/",
    "%2e%2e%2f",
    "%2E%2E%5C",
    "..%5c",
    "%252e%252e%252f",
    "..%c0%af",
    "..%ef%bc%8f",
    "....//",
    "..;/",
    ".\\./",
    "..\x00/",
)

#: Targets a traversal aims at.
TRAVERSAL_TARGETS: Final = ("", "etc/passwd", "windows\\win.ini", ".ssh/authorized_keys")

#: Spellings of ``..`` with look-alike dots that NFKC turns into ``..``.
LOOK_ALIKE_DOTS: Final = ("..", "\u2025", "\uff0e\uff0e", ".\uff0e", "\ufe52\ufe52")

#: Look-alikes of ``/`` and ``\`` that no normalization maps to them.
SEPARATOR_LOOK_ALIKES: Final = ("\u2215", "\u2044", "\u29f8", "\u29f9", "\u2216", "\u244a")

#: How absolute paths start: POSIX, drive letters, UNC and device namespaces, URLs.
ABSOLUTE_ROOTS: Final = (
    "/",
    "\\",
    "C:",
    "C:\\",
    "c:/",
    "//",
    "\\\\",
    "\\\\?\\",
    "\\\\.\\",
    "\\\\?\\UNC\\",
    "file:///",
    "~/",
)

#: The classics, drawn most often: NUL, escape and line breaks, bidi overrides
#: and isolates, zero-width characters, the BOM, a soft hyphen, combining marks.
CLASSIC_HIDDEN: Final = (
    "\x00\x1b\n\r\t\x7f\x85"
    "\u202e\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u0301\u0338\u20dd"
)


@functools.cache
def normalizing_look_alikes() -> tuple[str, ...]:
    """Code points whose NFKC form contains ``.``, ``/`` or ``\\``: ``．`` ``／`` ``‥`` ``℀``...

    Computed from the running Python's Unicode database, once, on first use.

    >>> "\uff0f" in normalizing_look_alikes(), "/" in normalizing_look_alikes()
    (True, False)
    """
    targets = {".", *_rules.SEPARATORS}
    return tuple(
        char
        for char in map(chr, range(0x80, 0x110000))
        if not 0xD800 <= ord(char) <= 0xDFFF
        and not targets.isdisjoint(unicodedata.normalize("NFKC", char))
    )


# URL texts ---------------------------------------------------------------------------------------

#: Edits that turn a valid text into a near miss: another spelling of the same
#: value, an encoded separator, a look-alike, a character no URL should carry.
NEAR_MISSES: Final[tuple[Callable[[str], str], ...]] = (
    lambda text: "0" + text,
    lambda text: "+" + text,
    lambda text: "-" + text,
    lambda text: text + ".0",
    lambda text: text + "0",
    lambda text: " " + text,
    lambda text: text + "\n",
    lambda text: text.upper(),
    lambda text: text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    lambda text: text.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    lambda text: text + "/",
    lambda text: "/" + text,
    lambda text: text.replace("/", "//"),
    lambda text: text + "%2F..",
    lambda text: text + "/..",
    lambda text: text + "\x00",
    lambda text: text + "\ud800",
    lambda text: text[:-1],
    lambda text: text * 2,
)

#: Texts every converter should meet once: empty, dot segments, separators,
#: numbers in other spellings, huge numbers, encodings, NUL, a lone surrogate.
BOUNDARY_TEXTS: Final = (
    "",
    ".",
    "..",
    "/",
    "%2e%2e",
    "%2F",
    "-0",
    "00",
    "1_000",
    "1e3",
    "0x10",
    "inf",
    "nan",
    "1.50",
    "9" * 5000,
    "\x00",
    "\ud800",
    "\uff11",
    "CON",
)
