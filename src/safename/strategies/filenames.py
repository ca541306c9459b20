"""Hypothesis strategies for filenames: hostile ones, each family on its own, and safe ones.

Re-exported by :mod:`safename.strategies` (``hostile_filenames``, ``safe_filenames``,
``SafeFilename``); the families of hostile names are here for tests that want one kind.

>>> from hypothesis import given
>>> from safename import is_safe_filename
>>> @given(traversals())
... def test_traversals_are_refused(path):
...     assert not is_safe_filename(path)
>>> test_traversals_are_refused()
"""

from __future__ import annotations

import itertools
import string
import unicodedata
from collections.abc import Sequence
from typing import Final, NewType

from safename._packaging import require
from safename.filenames import _hostile as hostile
from safename.filenames import _rules

require("hypothesis", "hypothesis")

from hypothesis import strategies as st  # noqa: E402

__all__ = [
    "SafeFilename",
    "absolute_paths",
    "bad_edges",
    "device_names",
    "hidden_characters",
    "hostile_filenames",
    "overlong_names",
    "safe_filenames",
    "traversals",
]

#: A name that :func:`~safename.is_safe_filename` accepts with the default
#: options. ``st.from_type(SafeFilename)`` draws from :func:`safe_filenames`.
SafeFilename = NewType("SafeFilename", str)

# ASCII letters and digits first: hypothesis shrinks towards the first element.
_WORD_CHARACTERS: Final = string.ascii_lowercase + string.ascii_uppercase + string.digits


def _code_points(ranges: Sequence[tuple[int, int]]) -> st.SearchStrategy[str]:
    return st.one_of([st.integers(low, high).map(chr) for low, high in ranges])


def traversals() -> st.SearchStrategy[str]:
    """Paths that climb out of a folder: one or more ``../`` steps in every spelling, then a
    target (``etc/passwd``, or any text).

    >>> from hypothesis import find
    >>> find(traversals(), lambda path: True)
    '../'
    """
    look_alike_step = st.builds(
        lambda dots, separator: dots + separator,
        st.sampled_from(hostile.LOOK_ALIKE_DOTS),
        st.sampled_from((*_rules.SEPARATORS, *hostile.SEPARATOR_LOOK_ALIKES, "\uff0f", "\uff3c")),
    )
    steps = st.lists(
        st.one_of(st.sampled_from(hostile.TRAVERSAL_STEPS), look_alike_step), min_size=1
    )
    target = st.one_of(st.sampled_from(hostile.TRAVERSAL_TARGETS), st.text())
    return st.builds(lambda parts, end: "".join(parts) + end, steps, target)


def absolute_paths() -> st.SearchStrategy[str]:
    """Absolute paths: POSIX, drive letters, UNC and device namespaces, ``file:///``, ``~/``.

    >>> from hypothesis import find
    >>> find(absolute_paths(), lambda path: True)
    '/'
    """
    return st.builds(str.__add__, st.sampled_from(hostile.ABSOLUTE_ROOTS), st.text())


def device_names() -> st.SearchStrategy[str]:
    """Windows device names: ``CON``, ``nul.txt``, ``Com1 .tar.gz``, ``LPT¹``: any case,
    trailing spaces, any extension.

    >>> from hypothesis import find
    >>> find(device_names(), lambda name: True)
    'AUX'
    """

    def spell(base: str, lower: list[bool], spaces: int, extension: str | None) -> str:
        flips = itertools.chain(lower, itertools.repeat(False))
        stem = "".join(
            char.lower() if flip else char for char, flip in zip(base, flips, strict=False)
        )
        return stem + " " * spaces + ("" if extension is None else "." + extension)

    return st.builds(
        spell,
        st.sampled_from(sorted(_rules.RESERVED_NAMES)),
        st.lists(st.booleans(), max_size=7),
        st.integers(0, 3),
        st.none() | st.sampled_from(("txt", "tar.gz", "")) | st.text(),
    )


def hidden_characters(*, allow_surrogates: bool = True) -> st.SearchStrategy[str]:
    """Arbitrary text with a control, NUL, bidi, zero-width, combining or look-alike character.

    :param allow_surrogates: include lone surrogates, which UTF-8 cannot encode.

    >>> from hypothesis import find
    >>> find(hidden_characters(), lambda name: True)
    '\\x00'
    """
    hidden = st.one_of(
        st.sampled_from(hostile.CLASSIC_HIDDEN),
        _code_points(((0x00, 0x1F), (0x7F, 0x9F))),
        _code_points(_rules.DEFAULT_IGNORABLE_RANGES),
        st.characters(categories=["M"]),
        st.characters(categories=["Cs"]) if allow_surrogates else st.nothing(),
        st.sampled_from(sorted(_rules.WINDOWS_FORBIDDEN)),
        st.sampled_from(hostile.SEPARATOR_LOOK_ALIKES),
        st.sampled_from(hostile.normalizing_look_alikes()),
    )
    return st.builds(
        lambda before, char, after: before + char + after, st.text(), hidden, st.text()
    )


def overlong_names() -> st.SearchStrategy[str]:
    """Names past the 255-byte limit, in ASCII (``a`` * 256) or in multibyte text.

    >>> from hypothesis import find
    >>> find(overlong_names(), lambda name: True) == "a" * 256
    True
    """

    def repeat(unit: str, extra: int, extension: str) -> str:
        count = _rules.DEFAULT_MAX_LENGTH // len(unit.encode("utf-8", "surrogatepass")) + 1
        return unit * (count + extra) + extension

    unit = st.one_of(st.sampled_from(("a", "é", "中", "😀")), st.text(min_size=1, max_size=4))
    return st.builds(repeat, unit, st.integers(0, 64), st.sampled_from(("", ".txt", ".tar.gz")))


def bad_edges() -> st.SearchStrategy[str]:
    """Empty and dot-only names, option-like and hidden names, names ending in a dot or space.

    >>> from hypothesis import find
    >>> find(bad_edges(), lambda name: True)
    ''
    """
    dots_and_spaces = st.text(alphabet=". ", max_size=8)
    leading = st.builds(str.__add__, st.sampled_from(("-", "--", ".", "-.")), safe_filenames())
    trailing = st.builds(str.__add__, safe_filenames(), st.sampled_from((".", " ", ". ", " .")))
    return st.one_of(dots_and_spaces, leading, trailing)


def hostile_filenames(*, allow_surrogates: bool = True) -> st.SearchStrategy[str]:
    """Names built to break a sanitizer; :func:`~safename.is_safe_filename` refuses each one.

    Drawn from these families, each mixed with arbitrary text and shrinking
    to a short, readable example (``""``, ``../``, ``CON``, ``a`` * 256):

    * empty and dot-only names, leading ``-`` or ``.``, trailing ``.`` or space;
    * traversal in every spelling: ``../``, ``..\\``, URL-encoded once and
      twice, overlong UTF-8, and Unicode look-alikes that normalize to ``.``
      ``/`` ``\\`` (``U+2025``, ``U+FF0F``) or merely look like them (``U+2215``);
    * absolute paths: POSIX, drive letters, UNC and ``\\\\?\\`` paths, ``file:///``;
    * Windows device names in every case, with trailing spaces and any extension;
    * controls, NUL, bidi overrides, zero-width and other default-ignorable
      characters, combining marks, lone surrogates, characters Windows forbids;
    * names over 255 bytes of UTF-8, in ASCII and in multibyte text.

    Every example is refused by ``is_safe_filename`` in its default mode, so
    ``secure_filename`` changes it into a different, safe name.

    :param allow_surrogates: include lone surrogates (``U+D800``...), which a
        Python ``str`` can hold but UTF-8 cannot encode. Pass ``False`` for
        names sent through an HTTP client, which must encode them.

    >>> from hypothesis import find
    >>> find(hostile_filenames(), lambda name: "../" in name)
    '../'
    >>> find(hostile_filenames(), lambda name: name.upper().startswith("CON"))
    'CON'
    """
    return st.one_of(
        bad_edges(),
        traversals(),
        device_names(),
        absolute_paths(),
        hidden_characters(allow_surrogates=allow_surrogates),
        overlong_names(),
    )


def _unicode_word_characters(max_length: int) -> st.SearchStrategy[str]:
    # Each character is in NFC on its own, so joining them only composes, never grows.
    letters = st.characters(categories=["L", "M", "N"]).filter(
        lambda char: (
            not _rules.IGNORABLE_RE.match(char)
            and unicodedata.is_normalized("NFC", char)
            and _rules.byte_length(char) <= max_length
        )
    )
    return st.sampled_from(_WORD_CHARACTERS) | letters


#: Extensions drawn most often, so that tests meet names like real uploads.
_COMMON_EXTENSIONS: Final = ("txt", "pdf", "png", "jpeg", "tar.gz", "csv")


def _assemble(head: str, body: tuple[str, str], extension: str, max_length: int) -> str:
    """``head + middle + tail + "." + extension`` in NFC, fitted into *max_length* bytes.

    The extension goes first when there is no room for it, then *middle* is cut.
    """
    middle, tail = body
    if _rules.byte_length(head + tail) > max_length:
        middle, tail = "", ""
    suffix = "." + extension if extension else ""
    if _rules.byte_length(head + tail + suffix) > max_length:
        suffix = ""
    budget = max_length - _rules.byte_length(head + tail + suffix)
    middle = middle.encode("utf-8")[:budget].decode("utf-8", "ignore")
    return unicodedata.normalize("NFC", head + middle + tail + suffix)


def safe_filenames(
    *, max_length: int = _rules.DEFAULT_MAX_LENGTH, allow_unicode: bool = False
) -> st.SearchStrategy[str]:
    """Names that :func:`~safename.is_safe_filename` accepts with the same options.

    Built from the rules, not filtered through the validator: a word character
    first and last (a ``-`` may end the name), ``_ . -`` allowed inside, at
    most *max_length* bytes, and no Windows device name as the stem. With
    *allow_unicode*, letters, marks and digits of every script join in, in NFC.
    Shrinks towards ``a``.

    :param max_length: the limit in UTF-8 bytes, as given to ``is_safe_filename``.
    :param allow_unicode: draw the Unicode mode's names instead of ASCII ones.
    :raises ValueError: for a *max_length* below 1.

    >>> from hypothesis import find
    >>> find(safe_filenames(), lambda name: name.endswith(".txt"))
    'a.txt'
    >>> find(safe_filenames(allow_unicode=True), lambda name: len(name) == 1 and not name.isascii())
    'ª'
    """
    if max_length < 1:
        raise ValueError(f"max_length must be at least 1, got {max_length}")
    if allow_unicode:
        word = _unicode_word_characters(max_length)
    else:
        word = st.sampled_from(_WORD_CHARACTERS)
    inner = st.one_of(word, st.sampled_from("_.-"))
    # A middle ending in "." or "_" is only safe with a tail after it.
    body = st.just(("", "")) | st.tuples(
        st.lists(inner, max_size=max(max_length - 2, 0)).map("".join),
        st.one_of(word, st.just("-")),
    )
    extension = st.one_of(
        st.just(""),
        st.sampled_from(_COMMON_EXTENSIONS),
        st.lists(word, min_size=1, max_size=8).map("".join),
    )
    names = st.builds(_assemble, word, body, extension, st.just(max_length))
    return names.filter(lambda name: not _rules.is_reserved(name))


st.register_type_strategy(SafeFilename, safe_filenames().map(SafeFilename))
