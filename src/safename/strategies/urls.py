"""Hypothesis strategies for URL values: what a converter writes, and what it must refuse.

Re-exported by :mod:`safename.strategies` (``url_values``, ``url_segments``).

>>> from hypothesis import given
>>> from safename.routing.converters import IntConverter
>>> converter = IntConverter(signed=True)
>>> @given(url_values(converter))
... def test_round_trip(value):
...     assert converter.to_python(converter.to_url(value)) == value
>>> test_round_trip()
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

from safename._packaging import require
from safename.errors import ConversionError
from safename.filenames import _hostile as hostile
from safename.filenames import _rules
from safename.routing.converters import (
    AnyConverter,
    Converter,
    FilenameConverter,
    FloatConverter,
    IntConverter,
    PathConverter,
    StringConverter,
    UUIDConverter,
)

require("hypothesis", "hypothesis")

from hypothesis import strategies as st  # noqa: E402

from safename.strategies.filenames import safe_filenames  # noqa: E402

__all__ = ["url_segments", "url_values"]

T = TypeVar("T")


def _segment_texts(min_size: int = 1, max_size: int | None = None) -> st.SearchStrategy[str]:
    """Texts that can be one URL path segment: no ``/``, no lone surrogate, not a dot segment."""
    characters = st.characters(exclude_categories=["Cs"], exclude_characters="/")
    texts = st.text(characters, min_size=min_size, max_size=max_size)
    return texts.filter(lambda text: text not in _rules.DOT_SEGMENTS)


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
    >>> from safename.routing.converters import IntConverter
    >>> find(url_values(IntConverter(min=5, max=9)), lambda value: True)
    5
    >>> find(url_values(IntConverter(signed=True)), lambda value: value < 0)
    -1
    """
    make: Callable[[Any], st.SearchStrategy[Any]]
    make = _VALUE_STRATEGIES.get(type(converter), _regex_values)
    return cast("st.SearchStrategy[T]", make(converter))


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
    >>> from safename.routing.converters import IntConverter
    >>> find(url_segments(IntConverter()), lambda text: not text.isdigit())
    ''
    """
    written = url_values(converter).map(converter.to_url)
    return st.one_of(
        written,
        st.builds(lambda text, edit: edit(text), written, st.sampled_from(hostile.NEAR_MISSES)),
        st.sampled_from(hostile.BOUNDARY_TEXTS),
        st.from_regex(re.compile(converter.regex), fullmatch=True),
        st.text(),
    )
