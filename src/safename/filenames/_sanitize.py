"""Turn an untrusted name into one that is safe to store on every common file system."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from typing import Final, NoReturn

from safename._packaging import require
from safename.filenames import _rules
from safename.filenames._rules import (
    byte_length,
    cut_utf8,
    is_plain_safe,
    keeps_unicode,
    split_kept_extension,
)

__all__ = ["Fallback", "random_stem", "secure_filename"]

#: What :func:`secure_filename` uses when nothing usable remains of a name's
#: stem: a fixed stem, or a function that makes one.
Fallback = str | Callable[[], str]

# For the ASCII mode's chain, werkzeug's steps in its order (join white space runs,
# then drop): separators become spaces, and so do the four characters
# ``str.split`` (which werkzeug uses) counts as white space but ``bytes.split``
# does not; what the mode drops becomes NUL, to go after the join.
_ASCII_CHAIN: Final = bytes(
    code
    if chr(code) in _rules.ASCII_ALLOWED or chr(code) in " \t\n\r\x0b\x0c"
    else ord(" ")
    if chr(code) in _rules.SEPARATORS or chr(code) in "\x1c\x1d\x1e\x1f"
    else 0
    for code in range(256)
)
# The stem starts at the first character that is not a dot, space or
# separator, and ends at the next dot.
_BEFORE_STEM: Final = r"[.\s/\\]*(?=[^.\s/\\])"
_STEM_RE: Final = re.compile(_BEFORE_STEM + "[^.]*")
# Matches where the stem holds an ASCII letter or digit: werkzeug's answer then keeps
# something of the stem, and no fallback is needed.
_ASCII_STEM_WORD_RE: Final = re.compile(_BEFORE_STEM + "[^.]*?[A-Za-z0-9]")
_ASCII_WORD: Final = _rules.ASCII_WORD
# What the stem cannot start with, besides white space (as in _BEFORE_STEM).
_NOT_STEM_START: Final = frozenset((".", *_rules.SEPARATORS))
# Every character ``str.isspace`` accepts: Unicode's White_Space and the four
# information separators (a test holds this list to every code point).
_WHITE_SPACE: Final = frozenset(
    map(
        chr,
        (
            *range(0x09, 0x0E),
            *range(0x1C, 0x21),
            0x85,
            0xA0,
            0x1680,
            *range(0x2000, 0x200B),
            0x2028,
            0x2029,
            0x202F,
            0x205F,
            0x3000,
        ),
    )
)
# What a name's first character is when its stem does not start there (or there
# is none): the pure path reads the stem off the cleaned text only otherwise.
_STEM_LATER: Final = _NOT_STEM_START | _WHITE_SPACE | {""}
_ASCII_KINDS: Final = _rules.ASCII_KINDS
# A compiled build takes character loops on short texts, where they beat the C chains.
_COMPILED: Final = _rules.COMPILED
_SCAN_LIMIT: Final = _rules.SCAN_LIMIT
_MIN_MAX_LENGTH: Final = _rules.MIN_MAX_LENGTH
# For each ASCII code: 1 for a letter or digit.
_ASCII_WORD_CODES: Final = bytes(chr(code) in _ASCII_WORD for code in range(128))
_DOT: Final = ord(".")
_RESERVED_INITIALS: Final = _rules.RESERVED_INITIALS
_RESERVED_NAMES: Final = _rules.RESERVED_NAMES
# The first three letters of every device name: an ASCII name without one is none.
_DEVICE_PREFIXES: Final = frozenset(name[:3] for name in _rules.RESERVED_NAMES)
_LEADING: Final = _rules.LEADING_STRIP
_TRAILING: Final = _rules.TRAILING_STRIP
# Each byte as a letter if the ASCII mode keeps it, a digit if it is a space, else
# a "!": two C calls then tell whether a name needs cleaning, and which.
_PURE_KINDS: Final = bytes(
    ord("a") if chr(code) in _rules.ASCII_ALLOWED else ord("1") if code == ord(" ") else ord("!")
    for code in range(256)
)


def random_stem() -> str:
    """Return 16 random hex digits: the default fallback stem.

    Random, so that two uploads whose names sanitize to nothing never collide.

    >>> stem = random_stem()
    >>> len(stem), set(stem) <= set("0123456789abcdef")
    (16, True)
    """
    return secrets.token_hex(8)


def secure_filename(  # noqa: PLR0912 - the hot path of the default install, inline
    filename: str,
    *,
    max_length: int = _rules.DEFAULT_MAX_LENGTH,
    fallback: Fallback = random_stem,
    allow_unicode: bool = False,
    transliterate: bool = False,
) -> str:
    """Return a version of *filename* that is safe to store on any common file system.

    A drop-in for ``werkzeug.utils.secure_filename`` that closes its gaps. For
    every ``str`` (any code point, lone surrogates too) the result:

    * is non-empty, and in the default mode uses only ``A-Z a-z 0-9 _ . -``;
    * contains no path separator, control, bidi or zero-width character, and
      cannot be ``.`` or ``..``, even when the input hides them behind Unicode
      look-alikes (``U+FF0F`` fullwidth solidus, ``U+2025`` two-dot leader);
    * does not start with ``.`` or ``-``, nor end with ``.`` or a space;
    * has no Windows device name as its stem (``CON.txt`` becomes ``_CON.txt``)
      on every OS, since files move between systems;
    * is at most *max_length* bytes of UTF-8, the extension kept when cut;
    * is a fixed point: ``secure_filename(result) == result``.

    Where werkzeug's result is already safe, this result is the same, with
    two deliberate exceptions: a backslash is a separator on every OS (werkzeug
    on POSIX drops it: ``a\\b.txt`` is ``ab.txt`` there, ``a_b.txt`` here), and
    a stem with no letter or digit left takes the fallback and keeps its
    extension (werkzeug turns ``中文.txt`` and ``_.txt`` into ``txt``).

    :param filename: the untrusted name, for example ``FileStorage.filename``.
    :param max_length: the limit in UTF-8 bytes (at least 8).
    :param fallback: used when nothing usable remains of the stem (the part
        before the first dot): a fixed stem, or a function returning one. The
        default, :func:`random_stem`, makes names that never collide. The
        sanitized extension is kept: ``中文.txt`` becomes ``<random>.txt``.
    :param allow_unicode: keep letters, marks and digits of every script
        (normalized to NFC) instead of folding to ASCII.
    :param transliterate: fold to readable ASCII with the ``translit`` extra
        (``中文.txt`` becomes ``ZhongWen.txt``) instead of dropping what has no
        ASCII form. Excludes *allow_unicode*.
    :raises ValueError: for a *max_length* below 8, both modes at once, or a
        fallback that sanitizes to nothing.
    :raises TypeError: if *filename* is not a ``str`` (``None``, say).
    :raises ModuleNotFoundError: for *transliterate* without the extra.

    >>> secure_filename("My cool movie.mov")
    'My_cool_movie.mov'
    >>> secure_filename("../../../etc/passwd")
    'etc_passwd'
    >>> secure_filename("i contain cool \\xfcml\\xe4uts.txt")
    'i_contain_cool_umlauts.txt'
    >>> secure_filename("CON.txt"), secure_filename("-rf"), secure_filename("a\\uff0f..\\uff0fb")
    ('_CON.txt', 'rf', 'a_.._b')
    >>> secure_filename("中文.txt", fallback="upload")
    'upload.txt'
    >>> secure_filename("Æsop Ørsted.pdf", allow_unicode=True)
    'Æsop_Ørsted.pdf'
    """
    if not isinstance(filename, str):  # FileStorage.filename is None for a nameless part
        raise TypeError(f"filename must be a str, not {type(filename).__name__}")
    if max_length < _MIN_MAX_LENGTH or (allow_unicode and transliterate):
        _refuse_options(max_length)
    if _COMPILED or allow_unicode:
        if is_plain_safe(filename, max_length):  # the common case first
            return filename
        return _general_path(filename, max_length, fallback, allow_unicode, transliterate)
    # The pure build's ASCII mode, the default install's hot path, inline: a call
    # costs as much as two of its steps. The general path's answer in the fewest
    # C calls: the name is folded to ASCII once, and one ``bytes.translate``
    # tells which cleaning it needs (none, spaces made "_", or the whole chain).
    if filename.isascii():
        text = plain = filename
        data = filename.encode()
    else:
        if transliterate:
            text = _normalize(filename, allow_unicode=False, transliterate=True)
        else:
            text = unicodedata.normalize("NFKD", filename)
        data = text.encode("ascii", "ignore")
        plain = data.decode()
    kinds = data.translate(_PURE_KINDS)
    if kinds.isalpha():  # kept characters only
        cleaned = plain
    elif not kinds.isalnum():  # separators, other white space, characters to drop
        cleaned = b"_".join(data.translate(_ASCII_CHAIN).split()).replace(b"\0", b"").decode()
    elif "  " in plain:  # kept characters and spaces, in runs
        cleaned = "_".join(plain.split())
    else:  # kept characters and single spaces, each becoming "_"
        cleaned = plain.replace(" ", "_")  # (one at an edge goes with the strips below)
    first = text[:1]
    if first in _ASCII_WORD:  # the stem starts with a letter or digit, kept first
        name = cleaned
    elif first not in _STEM_LATER:
        # The stem starts at once, so up to its first dot the cleaned text is
        # the stem's: a letter or digit there is first once "_" and "-" are gone.
        name = cleaned.lstrip("_-")
        if not name[:1].isalnum():
            return _finish_ascii(_with_fallback(text, fallback, allow_unicode=False), max_length)
    elif _ASCII_STEM_WORD_RE.match(text):
        name = cleaned.lstrip(_LEADING)
    else:
        return _finish_ascii(_with_fallback(text, fallback, allow_unicode=False), max_length)
    name = name.rstrip(_TRAILING)
    if len(name) < max_length:  # room for the prefix of a device name
        if (  # is_reserved, for a name with no space: its stem is all before the first dot
            name[:1] not in _RESERVED_INITIALS
            or name[:3].upper() not in _DEVICE_PREFIXES
            or name.partition(".")[0].upper() not in _RESERVED_NAMES
        ):
            return name
        return _rules.RESERVED_PREFIX + name
    return _finish(name, max_length, allow_unicode=False)


def _general_path(
    filename: str, max_length: int, fallback: Fallback, allow_unicode: bool, transliterate: bool
) -> str:
    """:func:`secure_filename` in the compiled build, and in the Unicode mode, for a name
    that :func:`is_plain_safe` did not return at once."""
    if filename.isascii():
        text = filename  # ASCII is its own NFC, NFKD and transliteration
    else:
        text = _normalize(filename, allow_unicode=allow_unicode, transliterate=transliterate)
    if allow_unicode:
        if text[:1] not in _ASCII_WORD and not _has_word_in_stem(text, allow_unicode=True):
            text = _with_fallback(text, fallback, allow_unicode=True)
        cleaned = _clean(text, allow_unicode=True)
    elif _COMPILED and len(text) <= _SCAN_LIMIT:
        # One loop cleans the text and reads its stem (compiled build, short name).
        cleaned, has_word = _scan_ascii(text)
        if not has_word:
            text = _with_fallback(text, fallback, allow_unicode=False)
            cleaned = _clean(text, allow_unicode=False)
    else:
        if text[:1] not in _ASCII_WORD and not _has_word_in_stem(text, allow_unicode=False):
            text = _with_fallback(text, fallback, allow_unicode=False)
        cleaned = _clean_ascii_bytes(text)
    name = cleaned.lstrip(_LEADING).rstrip(_TRAILING)
    # Short, ASCII and not even starting like a device name: done. Else _finish decides.
    if (
        len(name) <= max_length
        and (name[:1] not in _RESERVED_INITIALS or name[:3].upper() not in _DEVICE_PREFIXES)
        and name.isascii()
    ):
        return name
    return _finish(name, max_length, allow_unicode=allow_unicode)


def _finish_ascii(text: str, max_length: int) -> str:
    """The ASCII mode's answer for *text*, whose stem is known to keep a word."""
    name = _strip_edges(_clean_ascii_bytes(text))
    if len(name) <= max_length and name[:1] not in _RESERVED_INITIALS:
        return name
    return _finish(name, max_length, allow_unicode=False)


def _refuse_options(max_length: int) -> NoReturn:
    if max_length < _rules.MIN_MAX_LENGTH:
        message = f"max_length must be at least {_rules.MIN_MAX_LENGTH}, got {max_length}"
        raise ValueError(message)
    raise ValueError("allow_unicode and transliterate exclude each other")


def _with_fallback(text: str, fallback: Fallback, *, allow_unicode: bool) -> str:
    """The fallback stem and what is left of the extension: ``中文.txt`` becomes ``<stem>.txt``."""
    extension = _strip_edges(_clean(text[_stem_end(text) + 1 :], allow_unicode=allow_unicode))
    stem = _fallback_stem(fallback, allow_unicode=allow_unicode)
    return f"{stem}.{extension}" if extension else stem


def _normalize(text: str, *, allow_unicode: bool, transliterate: bool) -> str:
    """Normalize *text* so that look-alikes become what they look like (``／`` → ``/``).

    Runs before separators are looked for. The ASCII mode decomposes (NFKD)
    here and drops what is not ASCII later, in :func:`_clean`.
    """
    if allow_unicode:
        return unicodedata.normalize("NFC", text)
    if text.isascii():
        return text
    if transliterate:
        anyascii = require("anyascii", "translit").anyascii
        # Lone surrogates have no ASCII form: make them "?", which is dropped later
        # but, unlike nothing at all, still counts as part of the stem.
        text = anyascii(text.encode("utf-8", "replace").decode("utf-8"))
    # Decomposed, not yet folded: the stem is found while its letters are still there.
    return unicodedata.normalize("NFKD", text)


def _stem_end(text: str) -> int:
    """Index of the dot that ends the stem, or ``len(text)``.

    Dots, spaces and separators before the first other character do not end
    it, so ``.bashrc`` and ``../etc`` have no extension, while ``中文.txt`` does.
    """
    match = _STEM_RE.match(text)
    return match.end() if match else len(text)


def _has_word_in_stem(text: str, *, allow_unicode: bool) -> bool:
    """Whether the stem keeps a character that can start a name; if not, the fallback is due."""
    if _COMPILED and len(text) <= _SCAN_LIMIT:
        if _stem_has_ascii_word(text):
            return True
    elif _ASCII_STEM_WORD_RE.match(text):
        return True
    end = _stem_end(text)
    return allow_unicode and any(
        keeps_unicode(char) and char not in _rules.LEADING_STRIP for char in text[:end]
    )


def _clean(text: str, *, allow_unicode: bool) -> str:
    """Make separators spaces, join whitespace runs with ``_``, drop what the mode does not keep."""
    if not allow_unicode:
        if _COMPILED and len(text) <= _SCAN_LIMIT:
            return _scan_ascii(text)[0]
        return _clean_ascii_bytes(text)
    for separator in _rules.SEPARATORS:
        text = text.replace(separator, " ")
    text = "_".join(text.split())
    kept = "".join(filter(keeps_unicode, text))
    # Dropping an invisible character can bring a base and its mark together.
    return unicodedata.normalize("NFC", kept)


def _clean_ascii_bytes(text: str) -> str:
    """The ASCII mode's :func:`_clean` as a chain of C passes, for the pure build and long names.

    werkzeug's order: fold to ASCII, join whitespace runs, drop the rest; on
    bytes, where each step is one fast C pass.
    """
    data = text.encode("ascii", "ignore").translate(_ASCII_CHAIN)
    return b"_".join(data.split()).replace(b"\0", b"").decode("ascii")


# Where the loop of _scan_ascii is in the name's stem.
_BEFORE_STEM_STATE: Final = 0  # dots, white space and separators: not yet in the stem
_IN_STEM_STATE: Final = 1
_NO_WORD_STATE: Final = 2  # the stem ended with no ASCII letter or digit
_WORD_STATE: Final = 3  # the stem holds an ASCII letter or digit


def _scan_ascii(text: str) -> tuple[str, bool]:
    """The ASCII mode's :func:`_clean` in one character loop, and whether the stem holds a word.

    The same text as :func:`_clean_ascii_bytes`, and the same answer as
    :func:`_stem_has_ascii_word`, read in the same pass. A word is a run of
    characters that are neither white space nor separators; words are joined
    by one ``_``; of a word, only the characters the mode keeps are written,
    as slices of *text*.
    """
    state = _BEFORE_STEM_STATE
    if not text.isascii():
        first = text[0]
        if first in _NOT_STEM_START or first.isspace():  # rare: where the stem starts needs all
            state = _WORD_STATE if _stem_has_ascii_word(text) else _NO_WORD_STATE
        else:  # the stem starts at once, and its ASCII characters are those read below
            state = _IN_STEM_STATE
        # The chain drops what is not ASCII first too; and a loop over ASCII makes no objects.
        text = text.encode("ascii", "ignore").decode("ascii")
    pieces: list[str] = []
    run_start = -1  # where the run of kept characters being read starts
    started = False  # a word was seen
    pending = False  # white space after a word: the next word starts with "_"
    for index in range(len(text)):
        code = ord(text[index])
        kind = _ASCII_KINDS[code]
        if state < _NO_WORD_STATE:
            state = _next_stem_state(state, code, kind)
        if kind == _rules.KEPT:
            if run_start >= 0:
                continue
            run_start = index
        elif run_start >= 0:
            pieces.append(text[run_start:index])
            run_start = -1
        if kind == _rules.SPACE:
            pending = started
        else:  # a word's character, kept or dropped
            if pending:
                pieces.append("_")
                pending = False
            started = True
    if run_start >= 0:
        pieces.append(text[run_start:])
    return "".join(pieces), state == _WORD_STATE


def _next_stem_state(state: int, code: int, kind: int) -> int:
    """The stem's state after the ASCII character *code*, before the stem or in it."""
    if code == _DOT:
        return _NO_WORD_STATE if state == _IN_STEM_STATE else state
    if kind == _rules.SPACE and state == _BEFORE_STEM_STATE:
        return state
    return _WORD_STATE if _ASCII_WORD_CODES[code] else _IN_STEM_STATE


def _stem_has_ascii_word(text: str) -> bool:
    """Whether the stem holds an ASCII letter or digit: ``_ASCII_STEM_WORD_RE``'s answer, in loops.

    The stem starts at the first character that is not a dot, white space or
    a separator, and ends at the next dot.
    """
    length = len(text)
    start = 0
    while start < length and (text[start] in _NOT_STEM_START or text[start].isspace()):
        start += 1
    end = text.find(".", start)
    # Its ASCII characters, as numbers: a loop over them makes no objects.
    stem = text[start : length if end < 0 else end].encode("ascii", "ignore")
    return any(_ASCII_WORD_CODES[stem[index]] for index in range(len(stem)))


def _strip_edges(name: str) -> str:
    return name.lstrip(_LEADING).rstrip(_TRAILING)


def _fallback_stem(fallback: Fallback, *, allow_unicode: bool) -> str:
    raw = fallback() if callable(fallback) else fallback
    text = _normalize(raw, allow_unicode=allow_unicode, transliterate=False)
    stem = _strip_edges(_clean(text, allow_unicode=allow_unicode))
    if not stem:
        raise ValueError(f"the fallback {raw!r} leaves no usable filename")
    return stem


def _finish(name: str, max_length: int, *, allow_unicode: bool) -> str:
    """Defuse reserved names and cut to *max_length* bytes, until both hold at once."""
    # Each round either returns or cuts the name shorter; a reserved stem can
    # only come back once, so two rounds suffice and four is a safe bound.
    for _ in range(4):
        name = _strip_edges(name)
        if _rules.is_reserved(name):
            name = _rules.RESERVED_PREFIX + name
        if byte_length(name) <= max_length:
            return name
        name = _truncate(name, max_length)
        if allow_unicode:
            name = unicodedata.normalize("NFC", name)
    raise AssertionError(f"unreachable: {name!r} did not settle")  # pragma: no cover


def _truncate(name: str, max_length: int) -> str:
    """Cut *name* to *max_length* bytes, keeping its extension when it is short enough."""
    stem, extension = split_kept_extension(name, max_length)
    return cut_utf8(stem, max_length - byte_length(extension)) + extension
