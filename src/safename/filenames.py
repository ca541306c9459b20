"""Turn an untrusted name into one that is safe to store on every common file system."""

from __future__ import annotations

import functools
import posixpath
import re
import secrets
import string
import unicodedata
from collections.abc import Callable
from typing import Final

from safename import _rules
from safename._extras import require

__all__ = ["Fallback", "random_stem", "secure_filename"]

#: What :func:`secure_filename` uses when nothing usable remains of a name's
#: stem: a fixed stem, or a function that makes one.
Fallback = str | Callable[[], str]

# Every ASCII character the ASCII mode drops, for one ``str.translate`` pass.
_ASCII_DELETE: Final = {
    ord(char): None for char in map(chr, range(128)) if char not in _rules.ASCII_ALLOWED
}
_SEPARATOR_TO_SPACE: Final = {ord(separator): " " for separator in _rules.SEPARATORS}
_ASCII_WORD_RE: Final = re.compile(f"[{string.ascii_letters}{string.digits}]")
_STEM_RE: Final = re.compile(r"[.\s]*[^.\s][^.]*")


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

    Where werkzeug's result is already safe, this result is the same.

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
    if max_length < _rules.MIN_MAX_LENGTH:
        message = f"max_length must be at least {_rules.MIN_MAX_LENGTH}, got {max_length}"
        raise ValueError(message)
    if allow_unicode and transliterate:
        raise ValueError("allow_unicode and transliterate exclude each other")
    # The common case first: a name that is already safe comes back as it is.
    if (
        len(filename) <= max_length
        and _rules.SAFE_ASCII_RE.fullmatch(filename)
        and not _rules.is_reserved(filename)
    ):
        return filename
    text = _normalize(filename, allow_unicode=allow_unicode, transliterate=transliterate)
    text = text.translate(_SEPARATOR_TO_SPACE)
    stem_end = _stem_end(text)
    if _has_word(text, stem_end, allow_unicode=allow_unicode):
        name = _strip_edges(_clean(text, allow_unicode=allow_unicode))
    else:
        extension = _strip_edges(_clean(text[stem_end + 1 :], allow_unicode=allow_unicode))
        stem = _fallback_stem(fallback, allow_unicode=allow_unicode)
        name = f"{stem}.{extension}" if extension else stem
    return _finish(name, max_length, allow_unicode=allow_unicode)


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

    Dots and spaces before the first other character do not end it, so
    ``.bashrc`` and ``../etc`` have no extension, while ``中文.txt`` does.
    """
    match = _STEM_RE.match(text)
    return match.end() if match else len(text)


def _has_word(text: str, end: int, *, allow_unicode: bool) -> bool:
    """Whether ``text[:end]`` keeps a character that can start a name."""
    if _ASCII_WORD_RE.search(text, 0, end):
        return True
    return allow_unicode and any(
        _keeps_unicode(char) and char not in _rules.LEADING_STRIP for char in text[:end]
    )


def _clean(text: str, *, allow_unicode: bool) -> str:
    """Join whitespace runs with ``_`` and drop every character the mode does not keep."""
    if not allow_unicode:
        # werkzeug's order: fold to ASCII, join whitespace runs, drop the rest.
        if not text.isascii():
            text = text.encode("ascii", "ignore").decode("ascii")
        return "_".join(text.split()).translate(_ASCII_DELETE)
    text = "_".join(text.split())
    kept = "".join(filter(_keeps_unicode, text))
    # Dropping an invisible character can bring a base and its mark together.
    return unicodedata.normalize("NFC", kept)


@functools.cache
def _keeps_unicode(char: str) -> bool:
    if char.isascii():
        return char in _rules.ASCII_ALLOWED
    if _rules.IGNORABLE_RE.match(char):
        return False
    return unicodedata.category(char)[0] in _rules.UNICODE_KEPT_CATEGORIES


def _strip_edges(name: str) -> str:
    return name.lstrip(_rules.LEADING_STRIP).rstrip(_rules.TRAILING_STRIP)


def _fallback_stem(fallback: Fallback, *, allow_unicode: bool) -> str:
    raw = fallback() if callable(fallback) else fallback
    text = _normalize(raw, allow_unicode=allow_unicode, transliterate=False)
    stem = _strip_edges(_clean(text.translate(_SEPARATOR_TO_SPACE), allow_unicode=allow_unicode))
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
        if _byte_length(name) <= max_length:
            return name
        name = _truncate(name, max_length)
        if allow_unicode:
            name = unicodedata.normalize("NFC", name)
    raise AssertionError(f"unreachable: {name!r} did not settle")  # pragma: no cover


def _byte_length(name: str) -> int:
    return len(name) if name.isascii() else len(name.encode("utf-8"))


def _truncate(name: str, max_length: int) -> str:
    """Cut *name* to *max_length* bytes, keeping its extension when it is short enough."""
    stem, extension = posixpath.splitext(name)
    extension_length = _byte_length(extension)
    if extension_length > max_length // 2:
        stem, extension, extension_length = name, "", 0
    budget = max_length - extension_length
    # Cutting the UTF-8 bytes and ignoring a split sequence never splits a code point.
    cut = stem.encode("utf-8")[:budget].decode("utf-8", "ignore")
    return cut + extension
