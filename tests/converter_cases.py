"""Converters, values and an example UUID that several test modules share.

``CONVERTERS`` is every built-in converter in the argument combinations worth a property
(bounds, signs, fixed digits, lengths, Unicode); ``CUSTOM_CONVERTERS`` adds converters a user
would write. :func:`any_values` draws values in bounds and out, for the refusals;
:func:`typical_values` draws values most of which build, for round trips through rules.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Final

from hypothesis import strategies as st

from safename import ConversionError, secure_filename
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

#: A UUID with letters in it, so that an upper-case spelling differs from the canonical one.
EXAMPLE_UUID: Final = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")
EXAMPLE_UUID_TEXT: Final = str(EXAMPLE_UUID)


class HexConverter(Converter[int]):
    """A custom converter, as a user would write one: lower-case hex without leading zeros."""

    regex = "(?:0|[1-9a-f][0-9a-f]*)"

    def to_python(self, text: str) -> int:
        if re.fullmatch(self.regex, text) is None:
            raise ConversionError(f"not hex: {text!r}")
        return int(text, 16)

    def to_url(self, value: int) -> str:
        return format(value, "x")


class EvenConverter(IntConverter):
    """A subclass of a built-in converter that reads fewer values than its parent."""

    def to_python(self, text: str) -> int:
        value = super().to_python(text)
        if value % 2:
            raise ConversionError(f"odd: {value}")
        return value


CONVERTERS: Final[list[Converter[Any]]] = [
    StringConverter(),
    StringConverter(length=2),
    StringConverter(maxlength=3),
    StringConverter(minlength=2, maxlength=4),
    IntConverter(),
    IntConverter(signed=True),
    IntConverter(fixed_digits=3),
    IntConverter(fixed_digits=3, signed=True),
    IntConverter(fixed_digits=1, signed=True),
    IntConverter(min=5, max=50),
    IntConverter(signed=True, min=-10, max=10),
    IntConverter(fixed_digits=4, min=10, max=5000),
    IntConverter(min=10**30),
    FloatConverter(),
    FloatConverter(signed=True),
    FloatConverter(min=0.5, max=2.5),
    FloatConverter(signed=True, min=-1.0, max=1e300),
    FloatConverter(min=-1.5),
    PathConverter(),
    AnyConverter("about", "a b", "ü", "x.y"),
    UUIDConverter(),
    FilenameConverter(),
    FilenameConverter(max_length=3),
    FilenameConverter(max_length=20),
    FilenameConverter(allow_unicode=True),
]

CUSTOM_CONVERTERS: Final[list[Converter[Any]]] = [HexConverter(), EvenConverter()]


def any_values(converter: Converter[Any]) -> st.SearchStrategy[Any]:
    """Values of the converter's type, in bounds and out, with the edge cases."""
    if isinstance(converter, IntConverter):
        return st.integers() | st.integers(-(10**6), 10**6) | st.sampled_from([0, -1, 10**4300])
    if isinstance(converter, FloatConverter):
        return st.floats() | st.sampled_from([-0.0, 5e-324, 1.7976931348623157e308, 1e-07])
    if isinstance(converter, UUIDConverter):
        return st.uuids()
    if isinstance(converter, AnyConverter):
        return st.sampled_from(converter.items) | st.text()
    if isinstance(converter, PathConverter):
        return st.lists(st.text(min_size=0, max_size=5), min_size=1).map("/".join)
    if isinstance(converter, FilenameConverter):
        return st.text() | st.text().map(secure_filename)
    return st.text(max_size=6)


def typical_values(converter: Converter[Any]) -> st.SearchStrategy[Any]:
    """Values like those a URL carries, most of which the converter writes."""
    if isinstance(converter, IntConverter):
        return st.integers(-(10**6), 10**6)
    if isinstance(converter, FloatConverter):
        return st.floats()
    if isinstance(converter, UUIDConverter):
        return st.uuids()
    if isinstance(converter, AnyConverter):
        return st.sampled_from(converter.items)
    if isinstance(converter, PathConverter):
        return st.lists(st.text(max_size=4), min_size=1, max_size=3).map("/".join)
    if isinstance(converter, FilenameConverter):
        return st.text(max_size=8).map(secure_filename)
    return st.text(max_size=6)
