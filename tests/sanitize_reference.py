"""A frozen copy of ``secure_filename`` as it was before its pure-build fast path.

The oracle of the differential properties in ``test_filenames``: the fast path
must give this answer for every input and every option. Kept verbatim (only the
public docstring is shortened, and :func:`is_plain_safe` copied in), so that a
later change of the sanitizer cannot change the oracle with it.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from typing import Final, NoReturn

from safename._packaging import require
from safename.filenames import _rules
from safename.filenames._rules import (
    ASCII_WORD,
    COMPILED,
    RESERVED_INITIALS,
    SCAN_LIMIT,
    TRAILING_STRIP,
    all_kept,
    byte_length,
    cut_utf8,
    is_reserved,
    keeps_unicode,
    split_kept_extension,
)

__all__ = ["secure_filename"]

_ASCII_ALLOWED_BYTES: Final = "".join(sorted(_rules.ASCII_ALLOWED)).encode()


def is_plain_safe(name: str, max_length: int) -> bool:
    """``_rules.is_plain_safe`` as it was."""
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


#: What :func:`secure_filename` uses when nothing usable remains of a name's
#: stem: a fixed stem, or a function that makes one.
Fallback = str | Callable[[], str]

# Every ASCII character the ASCII mode drops, for one ``bytes.translate`` pass.
_ASCII_DELETE: Final = bytes(code for code in range(128) if chr(code) not in _rules.ASCII_ALLOWED)
# Separators become spaces; so do the four characters ``str.split`` (which
# werkzeug uses) counts as white space but ``bytes.split`` does not.
_ASCII_TO_SPACE: Final = bytes.maketrans(
    "".join(_rules.SEPARATORS).encode() + b"\x1c\x1d\x1e\x1f",
    b" " * (len(_rules.SEPARATORS) + 4),
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
_ASCII_KINDS: Final = _rules.ASCII_KINDS
# A compiled build takes character loops on short texts, where they beat the C chains.
_COMPILED: Final = _rules.COMPILED
_SCAN_LIMIT: Final = _rules.SCAN_LIMIT
_MIN_MAX_LENGTH: Final = _rules.MIN_MAX_LENGTH
# For each ASCII code: 1 for a letter or digit.
_ASCII_WORD_CODES: Final = bytes(chr(code) in _ASCII_WORD for code in range(128))
_DOT: Final = ord(".")
_RESERVED_INITIALS: Final = _rules.RESERVED_INITIALS
_LEADING: Final = _rules.LEADING_STRIP
_TRAILING: Final = _rules.TRAILING_STRIP


def random_stem() -> str:
    """Return 16 random hex digits: the default fallback stem.

    Random, so that two uploads whose names sanitize to nothing never collide.

    >>> stem = random_stem()
    >>> len(stem), set(stem) <= set("0123456789abcdef")
    (16, True)
    """
    return secrets.token_hex(8)


def secure_filename(
    filename: str,
    *,
    max_length: int = _rules.DEFAULT_MAX_LENGTH,
    fallback: Fallback = random_stem,
    allow_unicode: bool = False,
    transliterate: bool = False,
) -> str:
    """The algorithm of ``safename.secure_filename`` before its pure fast path, verbatim."""
    if not isinstance(filename, str):  # FileStorage.filename is None for a nameless part
        raise TypeError(f"filename must be a str, not {type(filename).__name__}")
    if max_length < _MIN_MAX_LENGTH or (allow_unicode and transliterate):
        _refuse_options(max_length)
    if is_plain_safe(filename, max_length):  # the common case first
        return filename
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
    if len(name) <= max_length and name[:1] not in _RESERVED_INITIALS and name.isascii():
        return name
    return _finish(name, max_length, allow_unicode=allow_unicode)


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
    data = text.encode("ascii", "ignore").translate(_ASCII_TO_SPACE)
    return b"_".join(data.split()).translate(None, _ASCII_DELETE).decode("ascii")


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
