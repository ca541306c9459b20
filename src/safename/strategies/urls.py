"""Hypothesis strategies for URL values and paths: what a converter writes, what it must
refuse, and what makes a router slow.

Re-exported by :mod:`safename.strategies` (``url_values``, ``url_segments``,
``adversarial_paths``).

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
from safename.routing.rules import RuleVariable, parse_rule

require("hypothesis", "hypothesis")

from hypothesis import strategies as st  # noqa: E402

from safename.strategies.filenames import safe_filenames  # noqa: E402

__all__ = ["adversarial_paths", "url_segments", "url_values"]

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


#: Texts one variable's text is made of, repeated: runs of one class, and the
#: two-character pumps that let a backtracking engine split a run many ways.
_PUMPS: Final = ("a", "1", "-", ".", "a-", "a.", "a/", "1.")
#: What makes the match fail at its very end, so that a backtracking engine
#: tries every split first: a character no built-in converter takes in a
#: segment, a slash, or nothing.
_BREAKERS: Final = ("!", "/", "")
#: The first of the distinct characters the cache family draws (CJK ideographs).
_DISTINCT: Final = 0x4E00


def adversarial_paths(
    rule: str, *, min_size: int = 16, max_size: int = 4096
) -> st.SearchStrategy[str]:
    """Paths built to make a matcher of *rule* slow: the families of safename's cost suite.

    Each path follows *rule* (Werkzeug's syntax, as :class:`~safename.routing.Router`
    takes it): its static text as written, and each variable's text a long
    run of one pump (``a``, ``1``, ``-``, ``a-``, ``a/``..., and the literals
    next to the variable, which let two variables run into each other), or
    distinct characters (which fill a matcher's cache); then, at random, a
    breaker (``!``, ``/``) after one variable, or the rule's final literal
    left out, so that the match fails only at the end and a backtracking
    engine tries every way to split the text first. Most of these paths
    match nothing; what they measure is the work of saying so. Count a
    matcher's work on them at two sizes: a linear matcher's doubles when the
    size doubles.

    :param rule: the rule, starting with ``/``: ``/d/<a>-<b>.txt``.
    :param min_size: the fewest characters of variable text in a path.
    :param max_size: the most characters of variable text in a path.
    :raises RuleSyntaxError: for a malformed rule.

    >>> from hypothesis import find, settings
    >>> found = find(
    ...     adversarial_paths("/d/<a>-<b>.txt", min_size=8, max_size=8),
    ...     lambda path: not path.endswith(".txt"),
    ...     settings=settings(derandomize=True, database=None),
    ... )
    >>> found.startswith("/d/"), len(found) >= 8
    (True, True)
    """
    tokens = parse_rule(rule)
    variables = [index for index, token in enumerate(tokens) if isinstance(token, RuleVariable)]
    if not variables:
        return st.just(rule)
    pumps = list(dict.fromkeys([*_next_literals(tokens), *_PUMPS]))
    return st.builds(
        _adversarial_path,
        tokens=st.just(tokens),
        pump=st.sampled_from([*pumps, None]),  # None: distinct characters
        size=st.integers(min_size, max_size),
        breaker=st.sampled_from(_BREAKERS),
        broken=st.sampled_from([None, *range(len(variables))]),
        drop_last=st.booleans(),
    )


def _next_literals(tokens: tuple[str | RuleVariable, ...]) -> list[str]:
    """The characters of the literals that touch a variable inside its segment."""
    found = []
    for index, token in enumerate(tokens):
        if isinstance(token, str):
            continue
        for side in (index - 1, index + 1):
            if 0 <= side < len(tokens) and isinstance(tokens[side], str):
                literal = cast("str", tokens[side])
                edge = literal[-1] if side < index else literal[0]
                if edge != "/":
                    found.append(edge)
    return found


def _adversarial_path(
    *,
    tokens: tuple[str | RuleVariable, ...],
    pump: str | None,
    size: int,
    breaker: str,
    broken: int | None,
    drop_last: bool,
) -> str:
    variables = sum(isinstance(token, RuleVariable) for token in tokens)
    share = max(1, size // variables)
    texts = []
    number = 0
    for index, token in enumerate(tokens):
        if isinstance(token, str):
            last = index == len(tokens) - 1
            texts.append(breaker if last and drop_last else token)
            continue
        if pump is None:
            start = _DISTINCT + number * share
            text = "".join(map(chr, range(start, start + share)))
        else:
            text = (pump * (share // len(pump) + 1))[:share]
        texts.append(text + breaker if broken == number else text)
        number += 1
    return "".join(texts)
