"""safename.strategies: each strategy draws what it promises and shrinks to readable examples."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from converter_cases import CONVERTERS, CUSTOM_CONVERTERS, HexConverter
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from safename import hostile, is_safe_filename, secure_filename, validate_filename
from safename.converters import (
    AnyConverter,
    Converter,
    FilenameConverter,
    FloatConverter,
    IntConverter,
    PathConverter,
    StringConverter,
)
from safename.errors import ConversionError, FilenameReason, UnsafeFilenameError
from safename.filenames._rules import SEPARATORS, is_reserved
from safename.routing import Router
from safename.strategies import (
    SafeFilename,
    adversarial_paths,
    hostile_filenames,
    safe_filenames,
    url_segments,
    url_values,
)
from safename.strategies import filenames as filename_strategies

T = TypeVar("T")


def simplest(strategy: st.SearchStrategy[T], condition: Callable[[T], bool]) -> T:
    """The shrunk example, from a fresh search: a stored example could stop shrinking early."""
    return find(strategy, condition, settings=settings(database=None, max_examples=20_000))


def _no_separator_nor_dot_name(result: str) -> bool:
    return not any(separator in result for separator in SEPARATORS) and result.strip(".") != ""


def _not_reserved(result: str) -> bool:
    return not is_reserved(result)


def _printable_ascii(result: str) -> bool:
    return result.isascii() and all(unicodedata.category(char)[0] not in "CZ" for char in result)


def _fits_255_bytes(result: str) -> bool:
    return len(result.encode("utf-8")) <= 255


def _clean_edges(result: str) -> bool:
    return result[0] not in ".-" and result[-1] not in ". "


# Each family of hostile names, and what secure_filename must have done to it.
FAMILIES: list[tuple[str, st.SearchStrategy[str], Callable[[str], bool]]] = [
    ("traversal", filename_strategies.traversals(), _no_separator_nor_dot_name),
    ("absolute path", filename_strategies.absolute_paths(), _no_separator_nor_dot_name),
    ("device name", filename_strategies.device_names(), _not_reserved),
    ("hidden character", filename_strategies.hidden_characters(), _printable_ascii),
    ("overlong", filename_strategies.overlong_names(), _fits_255_bytes),
    ("bad edges", filename_strategies.bad_edges(), _clean_edges),
]


@given(hostile_filenames())
def test_every_hostile_filename_is_refused_and_secure_filename_changes_it(name: str) -> None:
    assert not is_safe_filename(name)
    result = secure_filename(name)
    assert result != name
    assert is_safe_filename(result)


@given(hostile_filenames(allow_surrogates=False))
def test_hostile_filenames_without_surrogates_encode_as_utf8(name: str) -> None:
    assert name.encode("utf-8").decode("utf-8") == name
    assert not is_safe_filename(name)


@pytest.mark.parametrize(
    ("family", "strategy", "expectation"), FAMILIES, ids=[family[0] for family in FAMILIES]
)
@given(data=st.data())
def test_secure_filename_defuses_each_hostile_family_as_expected(
    family: str,
    strategy: st.SearchStrategy[str],
    expectation: Callable[[str], bool],
    data: st.DataObject,
) -> None:
    name = data.draw(strategy, label=family)
    with pytest.raises(UnsafeFilenameError):
        validate_filename(name)
    assert expectation(secure_filename(name))


@pytest.mark.parametrize(
    ("family", "strategy"),
    [(family, strategy) for family, strategy, _ in FAMILIES if family != "hidden character"],
)
@given(data=st.data())
def test_hostile_families_without_marks_are_refused_in_the_unicode_mode_too(
    family: str, strategy: st.SearchStrategy[str], data: st.DataObject
) -> None:
    name = data.draw(strategy, label=family)
    assert not is_safe_filename(name, allow_unicode=True)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (lambda name: True, ""),
        (lambda name: "../" in name, "../"),
        (lambda name: name.startswith("C:"), "C:"),
        (lambda name: name.upper().startswith("CON"), "CON"),
        (lambda name: len(name) > 255, "a" * 256),
        (lambda name: "\u202e" in name, "\u202e"),
        (lambda name: "\ufeff" in name, "\ufeff"),
    ],
)
def test_hostile_filenames_shrink_to_short_readable_examples(
    condition: Callable[[str], bool], expected: str
) -> None:
    found = simplest(hostile_filenames(), condition)
    assert found == expected


@pytest.mark.slow
@pytest.mark.parametrize(
    ("max_length", "allow_unicode"),
    [(255, False), (8, False), (1, False), (255, True), (8, True), (3, True), (1, True)],
)
@given(data=st.data())
def test_every_safe_filename_is_accepted(
    max_length: int, allow_unicode: bool, data: st.DataObject
) -> None:
    name = data.draw(safe_filenames(max_length=max_length, allow_unicode=allow_unicode))
    validate_filename(name, max_length=max_length, allow_unicode=allow_unicode)


@given(safe_filenames())
def test_secure_filename_keeps_every_safe_filename(name: str) -> None:
    assert secure_filename(name) == name


@given(safe_filenames(allow_unicode=True))
def test_secure_filename_keeps_every_safe_unicode_filename(name: str) -> None:
    assert secure_filename(name, allow_unicode=True) == name


@given(st.from_type(SafeFilename))
def test_the_safe_filename_type_draws_safe_filenames(name: str) -> None:
    assert is_safe_filename(name)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (lambda name: True, "a"),
        (lambda name: name.endswith(".txt"), "a.txt"),
    ],
)
def test_safe_filenames_shrink_to_readable_examples(
    condition: Callable[[str], bool], expected: str
) -> None:
    assert simplest(safe_filenames(), condition) == expected


@pytest.mark.parametrize("max_length", [-1, 0])
def test_safe_filenames_refuses_a_max_length_below_one(max_length: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        safe_filenames(max_length=max_length)


@pytest.mark.parametrize(
    ("family", "reason"),
    [
        ("traversal", FilenameReason.SEPARATOR),
        ("absolute path", FilenameReason.SEPARATOR),
        ("device name", FilenameReason.RESERVED_NAME),
        ("hidden character", FilenameReason.CONTROL_CHARACTER),
        ("overlong", FilenameReason.TOO_LONG),
        ("bad edges", FilenameReason.EMPTY),
    ],
)
def test_each_family_shrinks_to_a_name_refused_for_its_own_reason(
    family: str, reason: FilenameReason
) -> None:
    strategy = next(strategy for name, strategy, _ in FAMILIES if name == family)
    with pytest.raises(UnsafeFilenameError) as refused:
        validate_filename(simplest(strategy, lambda _name: True))
    assert refused.value.reason is reason


STRATEGY_MODULES = [
    "safename.strategies",
    "safename.strategies.filenames",
    "safename.strategies.urls",
]


@pytest.mark.parametrize("module", STRATEGY_MODULES)
def test_importing_without_the_extra_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    for loaded in STRATEGY_MODULES:
        monkeypatch.delitem(sys.modules, loaded)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'safename\[hypothesis\]'"):
        importlib.import_module(module)


def test_the_hostile_tables_need_no_hypothesis() -> None:
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "from safename import hostile\n"
        "print(len(hostile.TRAVERSAL_STEPS), sys.modules['hypothesis'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(len(hostile.TRAVERSAL_STEPS)), "None"]


@pytest.mark.parametrize("step", hostile.TRAVERSAL_STEPS)
def test_every_traversal_step_is_refused_and_sanitized_away(step: str) -> None:
    path = step + "etc/passwd"
    assert not is_safe_filename(path)
    assert "/" not in secure_filename(path)
    assert secure_filename(path) not in {".", ".."}


STRATEGY_CONVERTERS = CONVERTERS + CUSTOM_CONVERTERS


@pytest.mark.slow
@pytest.mark.parametrize("converter", STRATEGY_CONVERTERS, ids=repr)
@given(data=st.data())
def test_every_url_value_is_written_and_read_back_unchanged(
    converter: Converter[Any], data: st.DataObject
) -> None:
    value = data.draw(url_values(converter))
    text = converter.to_url(value)
    assert re.fullmatch(converter.regex, text)
    assert converter.to_python(text) == value


@pytest.mark.slow
@pytest.mark.parametrize("converter", STRATEGY_CONVERTERS, ids=repr)
@given(data=st.data())
def test_every_url_segment_is_read_as_its_one_value_or_refused(
    converter: Converter[Any], data: st.DataObject
) -> None:
    text = data.draw(url_segments(converter))
    try:
        value = converter.to_python(text)
    except ConversionError:
        return
    assert re.fullmatch(converter.regex, text)
    assert converter.to_url(value) == text


def _reads(converter: Converter[Any], text: str) -> bool:
    try:
        converter.to_python(text)
    except ConversionError:
        return False
    return True


@pytest.mark.parametrize("converter", STRATEGY_CONVERTERS, ids=repr)
@pytest.mark.parametrize("accepted", [True, False])
def test_url_segments_hold_both_texts_to_accept_and_texts_to_refuse(
    converter: Converter[Any], accepted: bool
) -> None:
    found = simplest(url_segments(converter), lambda text: _reads(converter, text) is accepted)
    assert _reads(converter, found) is accepted


@pytest.mark.slow
@pytest.mark.parametrize(
    ("converter", "condition", "expected"),
    [
        (IntConverter(min=5, max=9), lambda value: True, 5),
        (IntConverter(signed=True), lambda value: value < 0, -1),
        (IntConverter(fixed_digits=2), lambda value: value > 50, 51),
        (StringConverter(), lambda value: True, "0"),
        (PathConverter(), lambda value: "/" in value, "0/0"),
        (AnyConverter("about", "help"), lambda value: True, "about"),
        (FilenameConverter(), lambda value: True, "a"),
        (HexConverter(), lambda value: value > 0, 1),
    ],
)
def test_url_values_shrink_to_the_simplest_value(
    converter: Converter[Any], condition: Callable[[Any], bool], expected: object
) -> None:
    assert simplest(url_values(converter), condition) == expected


@pytest.mark.parametrize(
    "converter",
    [IntConverter(fixed_digits=1, min=10), IntConverter(max=-1), FloatConverter(max=-1.0)],
    ids=repr,
)
def test_url_values_of_a_converter_that_takes_no_value_say_so(converter: Converter[Any]) -> None:
    with pytest.raises(InvalidArgument):
        simplest(url_values(converter), lambda _value: True)


@given(url_values(FloatConverter()))
def test_unsigned_float_values_are_never_negative_nor_minus_zero(value: float) -> None:
    assert str(value)[0] != "-"


ADVERSARIAL_RULE = "/d/<a>-<b>-<int:n>.txt"
ADVERSARIAL_MAP = Map([Rule(ADVERSARIAL_RULE, endpoint="d")]).bind("localhost")


@given(adversarial_paths(ADVERSARIAL_RULE, min_size=1, max_size=30))
def test_adversarial_paths_follow_their_rule_and_the_router_answers_as_werkzeug(path: str) -> None:
    assert path.startswith("/d/")
    router = Router()
    router.add(ADVERSARIAL_RULE, "d")
    try:
        expected = ADVERSARIAL_MAP.match(path)
    except HTTPException:
        expected = None
    assert router.match(path) == expected


def test_adversarial_paths_reach_the_matcher_and_break_it_at_the_end() -> None:
    # The families an attack needs: a flood of the separator, and a failure only at the end.
    found = find(
        adversarial_paths("/s/<a>-<b>.txt", min_size=100, max_size=100),
        lambda path: path.count("-") >= 100 and not path.endswith(".txt"),
        settings=settings(derandomize=True, database=None),
    )
    assert found.startswith("/s/")
