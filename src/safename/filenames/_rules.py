"""The filename rules, as data.

One table serves the sanitizer (:mod:`safename.filenames`), the validator
(:mod:`safename.filenames`), the hypothesis strategies and the tests, so the
two halves cannot drift apart.
"""

from __future__ import annotations

import functools
import posixpath
import re
import string
import types
import unicodedata
from typing import Final

#: Characters a name may keep in the default (ASCII) mode: werkzeug's set.
ASCII_ALLOWED: Final = frozenset(string.ascii_letters + string.digits + "_.-")

#: Characters that must never start a name: ``.`` hides the file or makes
#: ``.``/``..``, ``-`` turns the name into a command-line option, and ``_`` is
#: stripped for compatibility with ``werkzeug.utils.secure_filename``.
LEADING_STRIP: Final = "._-"

#: Characters that must never end a name: Windows drops a trailing ``.``
#: (so ``a.`` and ``a`` are one file there) and werkzeug strips ``_``.
TRAILING_STRIP: Final = "._"

#: Path separators of every common system, replaced *after* Unicode
#: normalization so that look-alikes which normalize to them are caught too.
SEPARATORS: Final = ("/", "\\")

#: Characters Windows refuses in a name (besides controls).
WINDOWS_FORBIDDEN: Final = frozenset('<>:"/\\|?*')

#: The prefix that defuses a reserved device name (werkzeug's choice on Windows).
RESERVED_PREFIX: Final = "_"

_DEVICE_BASES: Final = ("CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$")
_NUMBERED_DEVICES: Final = ("COM", "LPT")
_DEVICE_DIGITS: Final = "0123456789\u00b9\u00b2\u00b3"

#: Windows device names, upper case. A name whose stem (the part before the
#: first ``.``, trailing spaces ignored) is one of these opens the device on
#: Windows, whatever its extension: ``CON.txt`` is the console.
RESERVED_NAMES: Final = frozenset(
    _DEVICE_BASES + tuple(base + digit for base in _NUMBERED_DEVICES for digit in _DEVICE_DIGITS)
)
_LONGEST_RESERVED: Final = max(map(len, RESERVED_NAMES))
RESERVED_INITIALS: Final = frozenset(
    initial for name in RESERVED_NAMES for initial in (name[0], name[0].lower())
)

#: Code points that render as nothing or reorder text: Unicode's
#: Default_Ignorable_Code_Point set (bidi controls, zero-width characters,
#: variation selectors, Hangul fillers, tags...). Some are letters or marks,
#: so the Unicode mode must drop them explicitly.
DEFAULT_IGNORABLE_RANGES: Final = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)

_IGNORABLE_CLASS: Final = "".join(
    f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}"
    for low, high in DEFAULT_IGNORABLE_RANGES
)
#: Matches one default-ignorable code point.
IGNORABLE_RE: Final = re.compile(f"[{_IGNORABLE_CLASS}]")

_ASCII_ALLOWED_BYTES: Final = "".join(sorted(ASCII_ALLOWED)).encode()
ASCII_WORD: Final = frozenset(string.ascii_letters + string.digits)

#: The categories of the characters the Unicode mode keeps: letters, marks, numbers.
UNICODE_KEPT_CATEGORIES: Final = frozenset("LMN")

#: Matches a lone surrogate: what Python makes of a POSIX name's undecodable bytes.
#: (Written with ``chr``: mypyc, which compiles this module, refuses surrogate literals.)
SURROGATE_RE: Final = re.compile(f"[{chr(0xD800)}-{chr(0xDFFF)}]")

#: The colon: on Windows it names a drive (``C:x``) or an NTFS alternate data
#: stream (``file.txt:stream``), or ends a device name (``CON:``). Refused by
#: every profile, and where a device name's stem ends.
COLON: Final = ":"

#: What no name may end with in the preserving profile: Windows drops a
#: trailing dot or space, so ``a.txt.`` and ``a.txt`` are one file there.
PRESERVING_TRAILING: Final = ". "

#: What every name the package writes on its own behalf starts with (its
#: temporaries, their marker, the rename journal): no writer creates a name
#: that :func:`is_reserved_temporary` matches for anyone else.
TEMPORARY_PREFIX: Final = ".safename-"

#: Path segments that file systems and URL clients resolve away (RFC 3986
#: section 5.2.4): never a name, never a URL value.
DOT_SEGMENTS: Final = frozenset({".", ".."})

#: Where no ``max_length`` is given: the limit of ext4, XFS, Btrfs, APFS, NTFS.
DEFAULT_MAX_LENGTH: Final = 255

#: The smallest ``max_length`` accepted: room for a reserved-name prefix, a
#: stem and a short extension.
MIN_MAX_LENGTH: Final = 8


def is_plain_safe(name: str, max_length: int) -> bool:
    """Whether *name* is safe in every mode, on ASCII alone: the common case, checked first.

    Written for speed (one ``bytes.translate`` pass, or :func:`all_kept` where
    that is faster, no regex): it is the fast path of both the sanitizer and
    the validator.

    >>> is_plain_safe("IMG_1234.JPG", 255), is_plain_safe("a b", 255), is_plain_safe("nul", 255)
    (True, False, False)
    """
    if COMPILED and len(name) <= SCAN_LIMIT:
        if not all_kept(name):
            return False
    elif not name.isascii() or name.encode().translate(None, _ASCII_ALLOWED_BYTES):
        return False
    return (
        name != ""
        and name[0] in ASCII_WORD
        and name[-1] not in TRAILING_STRIP
        and len(name) <= max_length
        and (name[0] not in RESERVED_INITIALS or not is_reserved(name))
    )


def is_reserved(name: str) -> bool:
    """Whether *name*'s stem is a Windows device name.

    >>> is_reserved("con.txt"), is_reserved("COM\u00b9"), is_reserved("CONSOLE")
    (True, True, False)
    """
    if name[:1] not in RESERVED_INITIALS:  # most names leave here
        return False
    stem = name.partition(".")[0].rstrip(" ")
    return len(stem) <= _LONGEST_RESERVED and stem.upper() in RESERVED_NAMES


def is_device_name(name: str) -> bool:
    """Whether Windows opens a device for *name*: its stem is a device name, where a
    stem ends at the first ``.`` or :data:`COLON` (``CON.txt``, ``CON:`` and
    ``CON:.txt`` are all the console).

    :func:`is_reserved` is this rule for names without a colon, which no
    strict name has; it stays apart to keep the sanitizer's hot path short.

    >>> is_device_name("CON:"), is_device_name("nul:.txt"), is_device_name("CONX:")
    (True, True, False)
    """
    return is_reserved(name.partition(COLON)[0])


def is_reserved_temporary(name: str) -> bool:
    """Whether *name* could be taken for one of safename's own temporaries.

    The rule: after NFKC normalization and case folding (then NFKC again, as
    Unicode's ``NFKC_Casefold`` does), *name* starts with :data:`TEMPORARY_PREFIX`.
    A case variant is one name on a case-insensitive file system, and a
    compatibility look-alike (a fullwidth ``．`` or ``ｓ``) one after a
    normalizing copy.

    >>> is_reserved_temporary(".SafeName-x"), is_reserved_temporary("\uff0esafename-marker")
    (True, True)
    >>> is_reserved_temporary("safename-upload.txt"), is_reserved_temporary(".safename")
    (False, False)
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return folded.startswith(TEMPORARY_PREFIX)


def byte_length(name: str) -> int:
    """The length of *name* in UTF-8 bytes, what a file system's name limit counts.

    >>> byte_length("abc"), byte_length("中文")
    (3, 6)
    """
    return len(name) if name.isascii() else len(name.encode("utf-8"))


# Bounded: an attacker sending every code point must not grow memory without limit.
@functools.lru_cache(maxsize=4096)
def keeps_unicode(char: str) -> bool:
    """Whether the Unicode mode keeps *char*: werkzeug's ASCII set, and letters, marks and
    numbers of every script except the default-ignorable ones.

    >>> keeps_unicode("é"), keeps_unicode("中"), keeps_unicode(" "), keeps_unicode("\u200b")
    (True, True, False, False)
    """
    if char.isascii():
        return char in ASCII_ALLOWED
    if IGNORABLE_RE.match(char):
        return False
    return unicodedata.category(char)[0] in UNICODE_KEPT_CATEGORIES


def split_kept_extension(name: str, max_length: int) -> tuple[str, str]:
    """Split *name* into the part that may be cut and the extension that a cut keeps.

    The extension is the last dot and what follows, kept only while it takes at
    most half of *max_length* bytes; a longer one is cut like the rest.

    >>> split_kept_extension("report.pdf", 16), split_kept_extension("a.verylongextension", 16)
    (('report', '.pdf'), ('a.verylongextension', ''))
    """
    stem, extension = posixpath.splitext(name)
    if byte_length(extension) > max_length // 2:
        return name, ""
    return stem, extension


def cut_utf8(text: str, budget: int) -> str:
    """The longest prefix of *text* that fits *budget* bytes of UTF-8, no code point split.

    >>> cut_utf8("añb", 2), cut_utf8("añb", 3)
    ('a', 'añ')
    """
    return text.encode("utf-8")[:budget].decode("utf-8", "ignore")


#: Whether this module runs compiled by mypyc: a compiled function is not a Python function.
#: Both builds run the same rules; where it pays, the compiled one takes a character loop
#: (which mypyc turns into C) instead of a chain of ``str`` and ``bytes`` method calls.
COMPILED: Final = not isinstance(cut_utf8, types.FunctionType)

#: Up to this many characters a compiled build scans a name character by character.
#: Each C method call of the chain costs about as much as scanning 10 to 20
#: characters, so the loop wins on short names (most names) and the chain on long ones.
SCAN_LIMIT: Final = 100

#: What the ASCII mode does with each ASCII character, for the character scans
#: (it drops what is not ASCII before anything else).
DROPPED: Final = 0  # not kept, but part of a word (``!`` in ``a!b``)
KEPT: Final = 1  # werkzeug's set: letters, digits, ``_.-``
SPACE: Final = 2  # white space and path separators: they join the words around them with ``_``
ASCII_KINDS: Final = bytes(
    KEPT
    if chr(code) in ASCII_ALLOWED
    # bytes.split()'s white space, str.split()'s other four, and the separators.
    else SPACE
    if chr(code) in " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f" or chr(code) in SEPARATORS
    else DROPPED
    for code in range(128)
)


def all_kept(name: str) -> bool:
    """Whether every character of *name* is one the ASCII mode keeps, in one character loop.

    The same answer as ``name.isascii() and not name.encode().translate(None, kept)``,
    the pure build's: a compiled build takes this loop for names up to
    :data:`SCAN_LIMIT` characters.

    >>> all_kept("IMG_1234.JPG"), all_kept("a b"), all_kept("é")
    (True, False, False)
    """
    for index in range(len(name)):
        code = ord(name[index])
        if code >= 128 or ASCII_KINDS[code] != KEPT:
            return False
    return True
