"""is_safe_filename and validate_filename: a reason per rule, and agreement with secure_filename."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import safename
from safename import (
    FilenameReason,
    UnsafeFilenameError,
    is_safe_filename,
    secure_filename,
    validate_filename,
)

R = FilenameReason


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", R.EMPTY),
        (".", R.TRAVERSAL),
        ("..", R.TRAVERSAL),
        ("....", R.TRAVERSAL),
        ("../etc/passwd", R.SEPARATOR),
        ("a\\b", R.SEPARATOR),
        ("a\x00b", R.CONTROL_CHARACTER),
        ("a\nb", R.CONTROL_CHARACTER),
        ("a\x7f", R.CONTROL_CHARACTER),
        ("file\u202egnp.exe", R.INVISIBLE_CHARACTER),
        ("a\u200bb", R.INVISIBLE_CHARACTER),
        ("\ufeffa", R.INVISIBLE_CHARACTER),
        ("a\u3164b", R.INVISIBLE_CHARACTER),
        ("a" * 256, R.TOO_LONG),
        ("CON", R.RESERVED_NAME),
        ("con.txt", R.RESERVED_NAME),
        ("NUL .txt", R.RESERVED_NAME),
        ("LPT\u00b9.log", R.RESERVED_NAME),
        ("conin$", R.RESERVED_NAME),
        (".bashrc", R.LEADING_DOT_OR_DASH),
        ("-rf", R.LEADING_DOT_OR_DASH),
        ("name.", R.TRAILING_DOT_OR_SPACE),
        ("name ", R.TRAILING_DOT_OR_SPACE),
        ("my file.txt", R.INVALID_CHARACTER),
        ("a:b", R.INVALID_CHARACTER),
        ("\u00fcml\u00e4ut.txt", R.INVALID_CHARACTER),
        ("a\ud800", R.INVALID_CHARACTER),
        ("_init.py", R.EDGE_UNDERSCORE),
        ("__CON", R.EDGE_UNDERSCORE),
        ("name_", R.EDGE_UNDERSCORE),
    ],
)
def test_each_rule_has_its_reason(name: str, reason: FilenameReason) -> None:
    assert not is_safe_filename(name)
    with pytest.raises(UnsafeFilenameError) as caught:
        validate_filename(name)
    assert caught.value.reason is reason
    assert caught.value.filename == name
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("e\u0301.txt", R.NOT_NORMALIZED),
        ("a\u3000b", R.INVALID_CHARACTER),
        ("\u00e9" * 128, R.TOO_LONG),
        ("COM\u00b2", R.RESERVED_NAME),
        ("a<b", R.INVALID_CHARACTER),
    ],
)
def test_unicode_mode_reasons(name: str, reason: FilenameReason) -> None:
    with pytest.raises(UnsafeFilenameError) as caught:
        validate_filename(name, allow_unicode=True)
    assert caught.value.reason is reason


@pytest.mark.parametrize(
    "name",
    ["a", "My_cool_movie.mov", "archive.tar.gz", "a..b", "rf-", "_CON.txt", "_com1", "CONSOLE"],
)
def test_safe_names_pass(name: str) -> None:
    assert is_safe_filename(name)
    validate_filename(name)


@pytest.mark.parametrize("name", ["\u4e2d\u6587.txt", "\u00e9t\u00e9", "\uff23\uff2f\uff2e"])
def test_unicode_names_pass_only_in_unicode_mode(name: str) -> None:
    assert is_safe_filename(name, allow_unicode=True)
    assert not is_safe_filename(name)


def test_max_length_counts_utf8_bytes() -> None:
    assert is_safe_filename("\u00e9" * 4, allow_unicode=True, max_length=8)
    assert not is_safe_filename("\u00e9" * 5, allow_unicode=True, max_length=8)


ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
# Mostly-safe characters, so that both sides of the equivalence are exercised.
NEAR_SAFE = st.lists(
    st.sampled_from([*"aZ09_.- \u00e9\x00/", "CON", "nul.", "e\u0301"]) | ANY_CHARACTER,
    max_size=12,
).map("".join)
MODES = st.sampled_from([False, True])


@given(st.text(ANY_CHARACTER) | NEAR_SAFE, MODES, st.integers(8, 64))
def test_secure_filename_output_is_always_safe(name: str, unicode: bool, max_length: int) -> None:
    result = secure_filename(name, allow_unicode=unicode, max_length=max_length)
    assert is_safe_filename(result, allow_unicode=unicode, max_length=max_length)


@given(NEAR_SAFE, MODES)
@example("_CON", False)
@example("_foo", False)
@example("a\u0301", True)
def test_safe_exactly_when_secure_filename_leaves_it_unchanged(name: str, unicode: bool) -> None:
    unchanged = secure_filename(name, allow_unicode=unicode) == name
    assert is_safe_filename(name, allow_unicode=unicode) == unchanged


def _raise_fallback() -> str:
    raise AssertionError("a safe name never needs the fallback")


@given(NEAR_SAFE)
def test_validate_raises_exactly_when_unsafe(name: str) -> None:
    if is_safe_filename(name):
        validate_filename(name)
        assert secure_filename(name, fallback=_raise_fallback) == name
    else:
        with pytest.raises(UnsafeFilenameError) as caught:
            validate_filename(name)
        assert isinstance(caught.value.reason, FilenameReason)


@pytest.mark.parametrize("name", [None, b"a.txt"])
def test_a_name_that_is_not_text_raises_type_error(name: object) -> None:
    # Compiled, mypyc checks the annotated type before the function runs, in its own words.
    message = "str object expected" if safename.COMPILED else "name must be a str"
    with pytest.raises(TypeError, match=message):
        is_safe_filename(name)  # type: ignore[arg-type]
