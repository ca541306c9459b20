"""Hypothesis strategies: hostile and safe filenames and URL values, for your own tests.

Needs the ``hypothesis`` extra (``pip install 'safename[hypothesis]'``);
importing this module without it raises a :class:`ModuleNotFoundError` that
names the extra. The strategies read the same rule table as
:func:`~safename.secure_filename` and :func:`~safename.is_safe_filename`, so
they follow the rules when the rules change.

>>> from hypothesis import given
>>> from safename import is_safe_filename
>>> @given(hostile_filenames())
... def test_upload_refuses(name):
...     assert not is_safe_filename(name)
>>> test_upload_refuses()
"""

from __future__ import annotations

import functools
import itertools
import re
import string
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, Final, NewType, TypeVar, cast

from safename import _filename_rules as _rules
from safename._extras import require
from safename.converters import (
    AnyConverter,
    Converter,
    FilenameConverter,
    FloatConverter,
    IntConverter,
    PathConverter,
    StringConverter,
    UUIDConverter,
)
from safename.errors import ConversionError

require("hypothesis", "hypothesis")

from hypothesis import strategies as st  # noqa: E402

__all__ = ["SafeFilename", "hostile_filenames", "safe_filenames", "url_segments", "url_values"]

T = TypeVar("T")

#: A name that :func:`~safename.is_safe_filename` accepts with the default
#: options. ``st.from_type(SafeFilename)`` draws from :func:`safe_filenames`.
SafeFilename = NewType("SafeFilename", str)

# ASCII letters and digits first: hypothesis shrinks towards the first element.
_WORD_CHARACTERS: Final = string.ascii_lowercase + string.ascii_uppercase + string.digits

#: Ways of spelling one ``../`` step that a naive check misses: Windows
#: separators, URL encoding (once and twice), overlong UTF-8, ``;`` tricks.
_TRAVERSAL_STEPS: Final = (
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
_TRAVERSAL_TARGETS: Final = ("", "etc/passwd", "windows\\win.ini", ".ssh/authorized_keys")

#: Look-alikes of ``/`` and ``\`` that no normalization maps to them.
_SEPARATOR_LOOK_ALIKES: Final = ("\u2215", "\u2044", "\u29f8", "\u29f9", "\u2216", "\u244a")

#: How absolute paths start: POSIX, drive letters, UNC and device namespaces, URLs.
_ABSOLUTE_ROOTS: Final = (
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
_CLASSIC_HIDDEN: Final = (
    "\x00\x1b\n\r\t\x7f\x85"
    "\u202e\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u0301\u0338\u20dd"
)


@functools.cache
def _normalizing_look_alikes() -> tuple[str, ...]:
    """Code points whose NFKC form contains ``.``, ``/`` or ``\\``: ``．`` ``／`` ``‥`` ``℀``...

    Computed from the running Python's Unicode database, once, on first use.
    """
    targets = {".", *_rules.SEPARATORS}
    return tuple(
        char
        for char in map(chr, range(0x80, 0x110000))
        if not 0xD800 <= ord(char) <= 0xDFFF
        and not targets.isdisjoint(unicodedata.normalize("NFKC", char))
    )


def _code_points(ranges: Sequence[tuple[int, int]]) -> st.SearchStrategy[str]:
    return st.one_of([st.integers(low, high).map(chr) for low, high in ranges])


def _traversals() -> st.SearchStrategy[str]:
    look_alike_step = st.builds(
        lambda dots, separator: dots + separator,
        st.sampled_from(("..", "\u2025", "\uff0e\uff0e", ".\uff0e", "\ufe52\ufe52")),
        st.sampled_from((*_rules.SEPARATORS, *_SEPARATOR_LOOK_ALIKES, "\uff0f", "\uff3c")),
    )
    steps = st.lists(st.one_of(st.sampled_from(_TRAVERSAL_STEPS), look_alike_step), min_size=1)
    target = st.one_of(st.sampled_from(_TRAVERSAL_TARGETS), st.text())
    return st.builds(lambda parts, end: "".join(parts) + end, steps, target)


def _absolute_paths() -> st.SearchStrategy[str]:
    return st.builds(str.__add__, st.sampled_from(_ABSOLUTE_ROOTS), st.text())


def _device_names() -> st.SearchStrategy[str]:
    """``CON``, ``nul.txt``, ``Com1 .tar.gz``, ``LPT¹``: any case, spaces, any extension."""

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


def _hidden_characters(*, allow_surrogates: bool = True) -> st.SearchStrategy[str]:
    """Arbitrary text with a control, NUL, bidi, zero-width, combining or look-alike character."""
    hidden = st.one_of(
        st.sampled_from(_CLASSIC_HIDDEN),
        _code_points(((0x00, 0x1F), (0x7F, 0x9F))),
        _code_points(_rules.DEFAULT_IGNORABLE_RANGES),
        st.characters(categories=["M"]),
        st.characters(categories=["Cs"]) if allow_surrogates else st.nothing(),
        st.sampled_from(sorted(_rules.WINDOWS_FORBIDDEN)),
        st.sampled_from(_SEPARATOR_LOOK_ALIKES),
        st.sampled_from(_normalizing_look_alikes()),
    )
    return st.builds(
        lambda before, char, after: before + char + after, st.text(), hidden, st.text()
    )


def _overlong_names() -> st.SearchStrategy[str]:
    """Names past the 255-byte limit, in ASCII (``a`` * 256) or in multibyte text."""

    def repeat(unit: str, extra: int, extension: str) -> str:
        count = _rules.DEFAULT_MAX_LENGTH // len(unit.encode("utf-8", "surrogatepass")) + 1
        return unit * (count + extra) + extension

    unit = st.one_of(st.sampled_from(("a", "é", "中", "😀")), st.text(min_size=1, max_size=4))
    return st.builds(repeat, unit, st.integers(0, 64), st.sampled_from(("", ".txt", ".tar.gz")))


def _bad_edges() -> st.SearchStrategy[str]:
    """Empty and dot-only names, option-like and hidden names, names ending in a dot or space."""
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
        _bad_edges(),
        _traversals(),
        _device_names(),
        _absolute_paths(),
        _hidden_characters(allow_surrogates=allow_surrogates),
        _overlong_names(),
    )


def _unicode_word_characters(max_length: int) -> st.SearchStrategy[str]:
    # Each character is in NFC on its own, so joining them only composes, never grows.
    letters = st.characters(categories=["L", "M", "N"]).filter(
        lambda char: (
            not _rules.IGNORABLE_RE.match(char)
            and unicodedata.is_normalized("NFC", char)
            and _byte_length(char) <= max_length
        )
    )
    return st.sampled_from(_WORD_CHARACTERS) | letters


#: Extensions drawn most often, so that tests meet names like real uploads.
_COMMON_EXTENSIONS: Final = ("txt", "pdf", "png", "jpeg", "tar.gz", "csv")


def _byte_length(text: str) -> int:
    return len(text.encode("utf-8"))


def _assemble(head: str, body: tuple[str, str], extension: str, max_length: int) -> str:
    """``head + middle + tail + "." + extension`` in NFC, fitted into *max_length* bytes.

    The extension goes first when there is no room for it, then *middle* is cut.
    """
    middle, tail = body
    if _byte_length(head + tail) > max_length:
        middle, tail = "", ""
    suffix = "." + extension if extension else ""
    if _byte_length(head + tail + suffix) > max_length:
        suffix = ""
    budget = max_length - _byte_length(head + tail + suffix)
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


# URL values --------------------------------------------------------------------------------------

#: Dot segments that URL clients resolve away; no converter may take them as a value.
_DOT_SEGMENTS: Final = (".", "..")


def _segment_texts(min_size: int = 1, max_size: int | None = None) -> st.SearchStrategy[str]:
    """Texts that can be one URL path segment: no ``/``, no lone surrogate, not a dot segment."""
    characters = st.characters(exclude_categories=["Cs"], exclude_characters="/")
    texts = st.text(characters, min_size=min_size, max_size=max_size)
    return texts.filter(lambda text: text not in _DOT_SEGMENTS)


def _string_values(converter: StringConverter) -> st.SearchStrategy[str]:
    return _segment_texts(converter.minlength, converter.maxlength)


def _int_values(converter: IntConverter) -> st.SearchStrategy[int]:
    low = converter.min if converter.signed else max(converter.min or 0, 0)
    high = converter.max
    if converter.fixed_digits:
        # The text, sign included, must fit in fixed_digits characters.
        widest = 10**converter.fixed_digits - 1
        high = widest if high is None else min(high, widest)
        if converter.signed:
            narrowest = -(10 ** (converter.fixed_digits - 1) - 1)
            low = narrowest if low is None else max(low, narrowest)
    return st.integers(min_value=low, max_value=high)


def _float_values(converter: FloatConverter) -> st.SearchStrategy[float]:
    low = converter.min
    if not converter.signed:
        low = 0.0 if low is None else max(low, 0.0)
    floats = st.floats(low, converter.max, allow_nan=False, allow_infinity=False)
    # -0.0 is negative to the converter: only a signed one writes it.
    return floats if converter.signed else floats.map(abs)


def _path_values(converter: PathConverter) -> st.SearchStrategy[str]:
    return st.lists(_segment_texts(), min_size=1, max_size=6).map("/".join)


def _any_values(converter: AnyConverter) -> st.SearchStrategy[str]:
    return st.sampled_from(converter.items)


def _uuid_values(converter: UUIDConverter) -> st.SearchStrategy[Any]:
    return st.uuids()


def _filename_values(converter: FilenameConverter) -> st.SearchStrategy[str]:
    return safe_filenames(max_length=converter.max_length, allow_unicode=converter.allow_unicode)


_REFUSED: Final = object()


def _regex_values(converter: Converter[Any]) -> st.SearchStrategy[Any]:
    """For a custom converter: texts its regex matches, read by its ``to_python``."""

    def read(text: str) -> object:
        try:
            return converter.to_python(text)
        except ConversionError:
            return _REFUSED

    texts = st.from_regex(converter.regex, fullmatch=True)
    return texts.map(read).filter(lambda value: value is not _REFUSED)


#: The value strategy of each built-in converter class (exactly that class:
#: a subclass may read differently, so it gets the generic strategy).
_VALUE_STRATEGIES: Final[dict[type[Converter[Any]], Callable[[Any], st.SearchStrategy[Any]]]] = {
    StringConverter: _string_values,
    IntConverter: _int_values,
    FloatConverter: _float_values,
    PathConverter: _path_values,
    AnyConverter: _any_values,
    UUIDConverter: _uuid_values,
    FilenameConverter: _filename_values,
}


def url_values(converter: Converter[T]) -> st.SearchStrategy[T]:
    """Values that *converter* writes into a URL and reads back unchanged.

    For every drawn ``value``: ``converter.to_url(value)`` does not raise, and
    ``converter.to_python(converter.to_url(value)) == value``. The built-in
    converters' arguments are honoured (lengths, ``min``/``max``,
    ``signed``, ``fixed_digits``, the items of ``any``, the filename rules).
    For any other converter, including a subclass of a built-in one, the
    values are what its ``to_python`` reads from texts its ``regex`` matches.

    :param converter: a converter instance, built-in or your own.
    :raises hypothesis.errors.InvalidArgument: when drawn from, for a converter
        whose arguments leave no value (``IntConverter(fixed_digits=1, min=10)``).

    >>> from hypothesis import find
    >>> from safename.converters import IntConverter
    >>> find(url_values(IntConverter(min=5, max=9)), lambda value: True)
    5
    >>> find(url_values(IntConverter(signed=True)), lambda value: value < 0)
    -1
    """
    make: Callable[[Any], st.SearchStrategy[Any]]
    make = _VALUE_STRATEGIES.get(type(converter), _regex_values)
    return cast("st.SearchStrategy[T]", make(converter))


#: Edits that turn a valid text into a near miss: another spelling of the same
#: value, an encoded separator, a look-alike, a character no URL should carry.
_NEAR_MISSES: Final[tuple[Callable[[str], str], ...]] = (
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
_BOUNDARY_TEXTS: Final = (
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


def url_segments(converter: Converter[Any]) -> st.SearchStrategy[str]:
    """Texts that *converter* must either read exactly or refuse with ``ConversionError``.

    A mix of the texts ``to_url`` writes (which it must accept), near misses
    made from them (leading zeros, signs, other digits, encoded and doubled
    separators, a NUL, a lone surrogate), texts its ``regex`` matches, fixed
    boundary texts, and arbitrary text. The guarantee to test: for each
    drawn ``text``, ``converter.to_python(text)`` raises
    :class:`~safename.ConversionError`, or returns a value ``v`` with
    ``converter.to_url(v) == text`` (one URL per value).

    :param converter: a converter instance, built-in or your own.

    >>> from hypothesis import find
    >>> from safename.converters import IntConverter
    >>> find(url_segments(IntConverter()), lambda text: not text.isdigit())
    ''
    """
    written = url_values(converter).map(converter.to_url)
    return st.one_of(
        written,
        st.builds(lambda text, edit: edit(text), written, st.sampled_from(_NEAR_MISSES)),
        st.sampled_from(_BOUNDARY_TEXTS),
        st.from_regex(re.compile(converter.regex), fullmatch=True),
        st.text(),
    )


st.register_type_strategy(SafeFilename, safe_filenames().map(SafeFilename))
