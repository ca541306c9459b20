"""The routers' fast readers read as the converters' own ``to_python`` does.

The readers live in a module the compiled build compiles; each must give the
same value, or refuse the same texts, on every text its converter's regex
matches. (``tests/test_converters.py`` holds every converter's
``_matched_reader`` to the same promise.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from safename.converters import Converter, FloatConverter, PathConverter, StringConverter
from safename.routing import _readers


def _outcome(read: Callable[[str], Any], text: str) -> tuple[str, object]:
    try:
        return "value", read(text)
    except ValueError as error:
        return "refused", type(error)


def _matched_texts(converter: Converter[Any]) -> st.SearchStrategy[str]:
    return st.from_regex(re.compile(converter.regex), fullmatch=True)


# Texts each fast road must hand on: dot segments, non-canonical and signed numbers.
EDGES = [".", "..", "a/..", "./a", "1.50", "01.5", "-0.0", "-1.5"]

CASES: list[tuple[Converter[Any], Callable[[str], Any]]] = [
    (string := StringConverter(), _readers.segment_text(string._check)),
    (short := StringConverter(maxlength=3), _readers.segment_text(short._check)),
    (path := PathConverter(), _readers.path_text(path._check)),
    (number := FloatConverter(), _readers.canonical_float(number._read_matched)),
    (signed := FloatConverter(signed=True), _readers.canonical_float(signed._read_matched)),
]


@pytest.mark.parametrize(("converter", "read"), CASES, ids=lambda case: repr(case)[:30])
@given(data=st.data())
def test_a_fast_reader_reads_as_its_converter(
    converter: Converter[Any], read: Callable[[str], Any], data: st.DataObject
) -> None:
    text = data.draw(_matched_texts(converter) | st.sampled_from(EDGES))
    assume(re.fullmatch(converter.regex, text))  # a text a router hands this converter
    assert _outcome(read, text) == _outcome(converter.to_python, text)
