"""safename.strategies: each strategy draws what it promises and shrinks to readable examples."""

from __future__ import annotations

import importlib
import sys
import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from safename import is_safe_filename, secure_filename, validate_filename
from safename import strategies as safename_strategies
from safename._rules import SEPARATORS, is_reserved
from safename.errors import FilenameReason, UnsafeFilenameError
from safename.strategies import SafeFilename, hostile_filenames, safe_filenames


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
    ("traversal", safename_strategies._traversals(), _no_separator_nor_dot_name),
    ("absolute path", safename_strategies._absolute_paths(), _no_separator_nor_dot_name),
    ("device name", safename_strategies._device_names(), _not_reserved),
    ("hidden character", safename_strategies._hidden_characters(), _printable_ascii),
    ("overlong", safename_strategies._overlong_names(), _fits_255_bytes),
    ("bad edges", safename_strategies._bad_edges(), _clean_edges),
]


@given(hostile_filenames())
def test_every_hostile_filename_is_refused_and_secure_filename_changes_it(name: str) -> None:
    assert not is_safe_filename(name)
    result = secure_filename(name)
    assert result != name
    assert is_safe_filename(result)


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


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (lambda name: True, ""),
        (lambda name: "../" in name, "../"),
        (lambda name: "\\" in name, "\\"),
        (lambda name: name.upper().startswith("CON"), "CON"),
        (lambda name: len(name) > 255, "a" * 256),
        (lambda name: "\u202e" in name, "\u202e"),
        (lambda name: "\ufeff" in name, "\ufeff"),
    ],
)
def test_hostile_filenames_shrink_to_short_readable_examples(
    condition: Callable[[str], bool], expected: str
) -> None:
    found = find(hostile_filenames(), condition, settings=settings(max_examples=20_000))
    assert found == expected


@pytest.mark.parametrize(
    ("max_length", "allow_unicode"),
    [(255, False), (8, False), (40, False), (255, True), (8, True), (40, True)],
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
    assert find(safe_filenames(), condition) == expected


@pytest.mark.parametrize("max_length", [-1, 0, 7])
def test_safe_filenames_refuses_a_max_length_below_the_minimum(max_length: int) -> None:
    with pytest.raises(ValueError, match="at least 8"):
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
        validate_filename(find(strategy, lambda _name: True))
    assert refused.value.reason is reason


def test_importing_without_the_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "safename.strategies")
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'safename\[hypothesis\]'"):
        importlib.import_module("safename.strategies")
