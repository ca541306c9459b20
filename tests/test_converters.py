"""Converters: Werkzeug's answers on ordinary input, every refusal, and the round trips."""

from __future__ import annotations

import math
import re
import uuid
from decimal import Decimal
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

import pytest
from converter_cases import CONVERTERS, EXAMPLE_UUID_TEXT, any_values
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.routing import Map
from werkzeug.routing import converters as wz

from safename import ConversionError, is_safe_filename, secure_filename
from safename.converters import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    Converter,
    FilenameConverter,
    FloatConverter,
    IntConverter,
    PathConverter,
    StringConverter,
    UUIDConverter,
)

MAP = Map()

# (our converter, Werkzeug's with the same arguments, texts both read the same way)
PARITY: list[tuple[Converter[Any], wz.BaseConverter, list[str]]] = [
    (StringConverter(), wz.UnicodeConverter(MAP), ["hello", "a b", "ümlaut", "x" * 80, "%", "-"]),
    (StringConverter(minlength=2), wz.UnicodeConverter(MAP, minlength=2), ["ab", "abc"]),
    (StringConverter(maxlength=3), wz.UnicodeConverter(MAP, maxlength=3), ["a", "abc"]),
    (StringConverter(length=2), wz.UnicodeConverter(MAP, length=2), ["en", "fr"]),
    (IntConverter(), wz.IntegerConverter(MAP), ["0", "7", "42", "123456789012345678901"]),
    (IntConverter(fixed_digits=3), wz.IntegerConverter(MAP, fixed_digits=3), ["007", "000", "999"]),
    (IntConverter(min=5, max=50), wz.IntegerConverter(MAP, min=5, max=50), ["5", "17", "50"]),
    (IntConverter(signed=True), wz.IntegerConverter(MAP, signed=True), ["-5", "0", "12", "-120"]),
    (
        IntConverter(fixed_digits=3, signed=True),
        wz.IntegerConverter(MAP, fixed_digits=3, signed=True),
        ["-05", "005", "-99", "123"],
    ),
    (FloatConverter(), wz.FloatConverter(MAP), ["1.5", "0.1", "100.0", "9.99", "0.0", "3.14159"]),
    (FloatConverter(signed=True), wz.FloatConverter(MAP, signed=True), ["-2.5", "2.5", "-0.0"]),
    (FloatConverter(min=0.5, max=2.5), wz.FloatConverter(MAP, min=0.5, max=2.5), ["0.5", "2.5"]),
    (PathConverter(), wz.PathConverter(MAP), ["a", "a/b/c", "docs/file.txt", "a b/c%20d"]),
    (AnyConverter("about", "help"), wz.AnyConverter(MAP, "about", "help"), ["about", "help"]),
    (
        UUIDConverter(),
        wz.UUIDConverter(MAP),
        [EXAMPLE_UUID_TEXT, "00000000-0000-0000-0000-000000000000"],
    ),
]
PARITY_CASES = [(ours, theirs, text) for ours, theirs, texts in PARITY for text in texts]


@pytest.mark.parametrize(("ours", "theirs", "text"), PARITY_CASES)
def test_reads_ordinary_text_as_werkzeug_does(
    ours: Converter[Any], theirs: wz.BaseConverter, text: str
) -> None:
    assert re.fullmatch(theirs.regex, text)
    assert re.fullmatch(ours.regex, text)
    assert ours.to_python(text) == theirs.to_python(text)


@pytest.mark.parametrize(("ours", "theirs", "text"), PARITY_CASES)
def test_writes_ordinary_values_as_werkzeug_does(
    ours: Converter[Any], theirs: wz.BaseConverter, text: str
) -> None:
    value = theirs.to_python(text)
    assert ours.to_url(value) == text
    assert ours.to_url(value) == unquote(theirs.to_url(value))  # ours leaves quoting to Pattern


@pytest.mark.parametrize(
    ("ours", "theirs", "text"),
    [
        (StringConverter(minlength=2), wz.UnicodeConverter(MAP, minlength=2), "a"),
        (StringConverter(length=2), wz.UnicodeConverter(MAP, length=2), "abc"),
        (IntConverter(), wz.IntegerConverter(MAP), "-5"),
        (IntConverter(), wz.IntegerConverter(MAP), "1.5"),
        (IntConverter(fixed_digits=3), wz.IntegerConverter(MAP, fixed_digits=3), "1234"),
        (FloatConverter(), wz.FloatConverter(MAP), "1"),
        (FloatConverter(), wz.FloatConverter(MAP), "-1.5"),
        (FloatConverter(), wz.FloatConverter(MAP), "1e5"),
        (AnyConverter("about", "help"), wz.AnyConverter(MAP, "about", "help"), "imprint"),
        (UUIDConverter(), wz.UUIDConverter(MAP), EXAMPLE_UUID_TEXT[:-1]),
    ],
)
def test_refuses_what_werkzeug_refuses(
    ours: Converter[Any], theirs: wz.BaseConverter, text: str
) -> None:
    if re.fullmatch(theirs.regex, text):
        with pytest.raises(wz.ValidationError):
            theirs.to_python(text)
    with pytest.raises(ConversionError):
        ours.to_python(text)


# Texts Werkzeug reads that are a second URL for a value, or no value at all.
@pytest.mark.parametrize(
    ("converter", "text"),
    [
        (IntConverter(), "٣"),  # ARABIC-INDIC DIGIT THREE
        (IntConverter(), "３"),  # FULLWIDTH DIGIT THREE
        (IntConverter(), "007"),
        (IntConverter(signed=True), "-0"),
        (IntConverter(fixed_digits=3, signed=True), "-00"),
        (FloatConverter(), "1.50"),
        (FloatConverter(), "01.5"),
        (FloatConverter(), "١.٥"),
        (FloatConverter(), "1" * 400 + ".0"),  # float() says inf
        (UUIDConverter(), EXAMPLE_UUID_TEXT.upper()),
        (StringConverter(), ".."),
        (StringConverter(), "."),
        (PathConverter(), "a/../b"),
        (PathConverter(), "a//b"),
        (PathConverter(), "a/"),
    ],
)
def test_refuses_a_second_url_for_a_value(converter: Converter[Any], text: str) -> None:
    with pytest.raises(ConversionError):
        converter.to_python(text)


@pytest.mark.parametrize(
    "text", ["1_000", " 1", "1 ", "+1", "1\n", "\u0661", "0x1", "", "-", "1e3", "inf", "nan"]
)
@pytest.mark.parametrize("converter", [IntConverter(signed=True), FloatConverter(signed=True)])
def test_only_ascii_digits_are_digits(converter: Converter[Any], text: str) -> None:
    with pytest.raises(ConversionError):
        converter.to_python(text)


# Every refusal of the issue: a value that could not be written so that it reads back.
@pytest.mark.parametrize(
    ("converter", "value", "reason"),
    [
        (IntConverter(max=10), 11, "above the maximum"),
        (IntConverter(min=5), 4, "below the minimum"),
        (IntConverter(), -5, "negative"),
        (IntConverter(fixed_digits=3), 12345, "more than 3 digits"),
        (IntConverter(fixed_digits=3, signed=True), -100, "more than 3 digits"),
        (IntConverter(), True, "not an integer"),
        (IntConverter(), 1.0, "not an integer"),
        (IntConverter(), "5", "not an integer"),
        (FloatConverter(), math.nan, "not finite"),
        (FloatConverter(), math.inf, "not finite"),
        (FloatConverter(signed=True), -math.inf, "not finite"),
        (FloatConverter(), -1.5, "negative"),
        (FloatConverter(), -0.0, "negative"),
        (FloatConverter(max=1.0), 1.5, "above the maximum"),
        (FloatConverter(), 2**60 + 1, "not exactly a float"),
        (FloatConverter(), 10**400, "too large"),
        (FloatConverter(), "1.5", "not a float"),
        (StringConverter(), "a/b", "'/' inside"),
        (StringConverter(), "", "empty"),
        (StringConverter(), "..", "dot segment"),
        (StringConverter(), "\ud800", "surrogate"),
        (StringConverter(maxlength=3), "abcd", "outside"),
        (StringConverter(), None, "no value: None"),
        (StringConverter(), b"a", "bytes, not text"),
        (StringConverter(), bytearray(b"a"), "bytes, not text"),
        pytest.param(StringConverter(), 10**5000, "cannot write the int as text", id="huge-int"),
        (StringConverter(maxlength=1), 42, "length 2 of '42' is outside"),
        (StringConverter(), PurePosixPath("a/b"), "'/' inside"),
        (PathConverter(), None, "no value: None"),
        (PathConverter(), b"a/b", "bytes, not text"),
        (PathConverter(), PurePosixPath("/a"), "empty"),
        (PathConverter(), PurePosixPath("."), "dot segment"),
        (FilenameConverter(), 5, "not a string"),
        (PathConverter(), "a//b", "empty"),
        (PathConverter(), "/a", "empty"),
        (PathConverter(), "a/./b", "dot segment"),
        (AnyConverter("a", "b"), "c", "not one of"),
        (AnyConverter("a", "b"), 1, "not one of"),
        (UUIDConverter(), EXAMPLE_UUID_TEXT, "not a UUID"),
        (FilenameConverter(), "CON.txt", "reserved_name"),
        (FilenameConverter(), "../etc/passwd", "separator"),
        (FilenameConverter(), "Ærø.txt", "invalid_character"),
        (FilenameConverter(max_length=8), "long-name.txt", "too_long"),
    ],
)
def test_to_url_refuses_what_would_not_read_back(
    converter: Converter[Any], value: Any, reason: str
) -> None:
    with pytest.raises(ConversionError, match=re.escape(reason)):
        converter.to_url(value)


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: StringConverter(minlength=0), "minlength must be in [1, 65535]"),
        (lambda: StringConverter(minlength=3, maxlength=2), "no text"),
        (lambda: StringConverter(length=0), "length must be in [1, 65535]"),
        (lambda: IntConverter(fixed_digits=-1), "fixed_digits"),
        (lambda: IntConverter(min=3, max=2), "above max"),
        (lambda: IntConverter(max=1.5), "an int or None"),  # type: ignore[arg-type]
        (lambda: IntConverter(fixed_digits=70_000), "fixed_digits must be in [0, 65535]"),
        (lambda: FloatConverter(min=float("nan")), "cannot be NaN"),
        (lambda: FloatConverter(signed="yes"), "True or False"),  # type: ignore[arg-type]
        (lambda: FloatConverter(min=3.0, max=2.0), "above max"),
        (AnyConverter, "at least one"),
        (lambda: AnyConverter("a/b"), "'/' inside"),
        (lambda: AnyConverter(""), "empty"),
        (lambda: AnyConverter(".."), "dot segment"),
        (lambda: FilenameConverter(max_length=0), "max_length must be in [1"),
    ],
)
def test_arguments_of_a_wrong_type_or_that_no_text_meets_are_refused(
    make: Any, problem: str
) -> None:
    with pytest.raises((TypeError, ValueError), match=re.escape(problem)):
        make()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (1e20, "100000000000000000000.0"),
        (1e-07, "0.0000001"),
        (1e16, "10000000000000000.0"),
        (5e-324, "0." + "0" * 323 + "5"),
        (123456789.125, "123456789.125"),
        (3, "3.0"),
    ],
)
def test_float_text_is_plain_decimal_that_werkzeug_also_matches(value: float, text: str) -> None:
    written = FloatConverter().to_url(value)
    assert written == text
    assert re.fullmatch(wz.FloatConverter.regex, written)


def test_negative_zero_keeps_its_sign_when_signed() -> None:
    converter = FloatConverter(signed=True)
    assert converter.to_url(-0.0) == "-0.0"
    assert math.copysign(1.0, converter.to_python("-0.0")) == -1.0
    assert math.copysign(1.0, converter.to_python("0.0")) == 1.0


def test_werkzeug_names_map_to_the_converters() -> None:
    assert DEFAULT_CONVERTERS["default"] is StringConverter
    assert set(DEFAULT_CONVERTERS) == {*wz.DEFAULT_CONVERTERS, "filename"}
    with pytest.raises(TypeError):
        DEFAULT_CONVERTERS["x"] = StringConverter  # type: ignore[index]


@pytest.mark.parametrize(
    ("converter_class", "weight", "isolating"),
    [
        (StringConverter, 100, True),
        (IntConverter, 50, True),
        (FloatConverter, 50, True),
        (PathConverter, 200, False),
        (AnyConverter, 100, True),
        (UUIDConverter, 100, True),
        (FilenameConverter, 100, True),
    ],
)
def test_weights_and_isolation_are_werkzeugs(
    converter_class: type[Converter[Any]], weight: int, isolating: bool
) -> None:
    assert (converter_class.weight, converter_class.part_isolating) == (weight, isolating)


def test_part_isolating_is_derived_from_a_subclass_regex() -> None:
    class Segments(Converter[str]):
        regex = "[a-z]+(?:/[a-z]+)*"

    class Letters(Converter[str]):
        regex = "[^/]+"

    class Declared(Converter[str]):
        regex = "a/b"
        part_isolating = True

    assert (Segments.part_isolating, Letters.part_isolating, Declared.part_isolating) == (
        False,
        True,
        True,
    )


def test_the_base_converter_must_be_subclassed() -> None:
    with pytest.raises(NotImplementedError):
        Converter[int]().to_python("1")
    with pytest.raises(NotImplementedError):
        Converter[int]().to_url(1)


# --- the guarantees, as properties, for every converter and argument combination ---


def texts_for(converter: Converter[Any]) -> st.SearchStrategy[str]:
    """Texts that match the regex, and texts that may not."""
    return st.from_regex(converter.regex, fullmatch=True) | st.text() | st.text("0123456789.-")


@pytest.mark.parametrize("converter", CONVERTERS, ids=repr)
@given(data=st.data())
def test_every_value_to_url_accepts_reads_back(converter: Converter[Any], data: Any) -> None:
    value = data.draw(any_values(converter))
    try:
        text = converter.to_url(value)
    except ConversionError:
        return
    back = converter.to_python(text)
    assert back == value
    assert type(back) is type(value) or isinstance(converter, FloatConverter)
    if isinstance(value, float):
        assert math.copysign(1.0, back) == math.copysign(1.0, value)


@pytest.mark.parametrize("converter", CONVERTERS, ids=repr)
@given(data=st.data())
def test_every_accepted_text_matches_the_regex_and_is_the_one_url(
    converter: Converter[Any], data: Any
) -> None:
    text = data.draw(texts_for(converter))
    try:
        value = converter.to_python(text)
    except ConversionError:
        return
    assert re.fullmatch(converter.regex, text)
    assert converter.to_url(value) == text
    assert converter._matched_reader()(text) == value


@pytest.mark.slow
@pytest.mark.parametrize("converter", CONVERTERS, ids=repr)
@given(data=st.data())
def test_the_fast_path_refuses_what_to_python_refuses(converter: Converter[Any], data: Any) -> None:
    text = data.draw(st.from_regex(converter.regex, fullmatch=True))
    read = converter._matched_reader()
    try:
        expected = converter.to_python(text)
    except ConversionError:
        with pytest.raises(ValueError):  # noqa: PT011 - builtins refuse with ValueError
            read(text)
    else:
        assert read(text) == expected


@given(st.integers(), st.integers(0, 6), st.booleans())
def test_every_integer_that_fits_is_written(value: int, digits: int, signed: bool) -> None:
    converter = IntConverter(fixed_digits=digits, signed=signed)
    fits = (signed or value >= 0) and (not digits or len(str(value)) <= digits)
    if fits:
        assert converter.to_python(converter.to_url(value)) == value
    else:
        with pytest.raises(ConversionError):
            converter.to_url(value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_round_trips_exactly(value: float) -> None:
    converter = FloatConverter(signed=True)
    text = converter.to_url(value)
    back = converter.to_python(text)
    assert back == value
    assert math.copysign(1.0, back) == math.copysign(1.0, value)
    assert re.fullmatch(wz.FloatConverter(MAP, signed=True).regex, text)


@pytest.mark.parametrize("allow_unicode", [False, True])
@given(name=st.text() | st.text().map(secure_filename))
def test_filename_converter_accepts_exactly_the_safe_filenames(
    allow_unicode: bool, name: str
) -> None:
    converter = FilenameConverter(max_length=40, allow_unicode=allow_unicode)
    safe = is_safe_filename(name, max_length=40, allow_unicode=allow_unicode)
    try:
        converter.to_python(name)
    except ConversionError:
        assert not safe
    else:
        assert safe


@given(st.uuids())
def test_uuid_text_is_what_str_writes(value: uuid.UUID) -> None:
    assert UUIDConverter().to_url(value) == str(value)


# --- values that are not text, in `string` and `path`: written as Werkzeug writes them ---

NOT_TEXT = [
    42,
    0,
    -7,
    1.5,
    1e20,
    True,
    Decimal("2.50"),
    Fraction(1, 3),
    uuid.UUID(EXAMPLE_UUID_TEXT),
    PurePosixPath("docs/a b.txt"),
]


@pytest.mark.parametrize("value", NOT_TEXT, ids=repr)
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(StringConverter(), wz.UnicodeConverter(MAP)), (PathConverter(), wz.PathConverter(MAP))],
    ids=["string", "path"],
)
def test_writes_values_that_are_not_text_as_werkzeug_does(
    ours: Converter[Any], theirs: wz.BaseConverter, value: object
) -> None:
    try:
        text = ours.to_url(value)
    except ConversionError:
        assert "/" in str(value)
        assert isinstance(ours, StringConverter)
        return
    assert text == str(value) == unquote(theirs.to_url(value))
    assert ours.to_python(text) == str(value)


def not_text() -> st.SearchStrategy[object]:
    """Values of the types people pass to ``url_for``: numbers, UUIDs, paths, flags."""
    return (
        st.integers()
        | st.floats()
        | st.booleans()
        | st.decimals()
        | st.fractions()
        | st.uuids()
        | st.lists(st.text(max_size=4), min_size=1, max_size=3).map(lambda p: PurePosixPath(*p))
    )


@pytest.mark.parametrize(
    "converter",
    [StringConverter(), StringConverter(maxlength=3), PathConverter()],
    ids=repr,
)
@given(value=not_text())
def test_a_value_that_is_not_text_is_written_exactly_when_its_text_is(
    converter: Converter[Any], value: object
) -> None:
    try:
        expected = converter.to_url(str(value))
    except ConversionError:
        with pytest.raises(ConversionError):
            converter.to_url(value)
        return
    assert converter.to_url(value) == expected == str(value)
    assert converter.to_python(converter.to_url(value)) == str(value)


@pytest.mark.parametrize("converter", [IntConverter(), FloatConverter(), UUIDConverter()], ids=repr)
@pytest.mark.parametrize("value", ["5", "1.5", EXAMPLE_UUID_TEXT, None], ids=repr)
def test_typed_converters_still_refuse_text(converter: Converter[Any], value: object) -> None:
    with pytest.raises(ConversionError):
        converter.to_url(value)
