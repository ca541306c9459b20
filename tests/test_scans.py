"""The character loops a compiled build takes on short names give the C chains' answers.

Both are plain functions of the same source, so each build runs both here: the
loops interpreted in the pure build, compiled in the compiled one.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import safename
from safename.filenames import _rules as rules
from safename.filenames import _sanitize as filenames
from safename.filenames import secure_filename

# Text that meets every branch of the loops: ASCII words, separators, white space
# of both kinds, dots, non-ASCII letters and spaces, lone surrogates.
_PIECES = st.sampled_from(
    ["a", "Z", "9", "_", ".", "-", " ", "\t", "\x1c", "\x85", "\u3000", "/", "\\", "!", "中", "é"]
)
names = st.one_of(st.text(), st.lists(_PIECES | st.text(max_size=2)).map("".join))


@given(names)
@example("a 中 b")
@example("a\x1f!/b")
@example(" .\u3000a.b")
@example("中.a")
@example("_.a")
@example(" 中a.b")
def test_the_scan_answers_as_the_byte_chain_and_the_stem_regex(text: str) -> None:
    cleaned, has_word = filenames._scan_ascii(text)
    assert cleaned == filenames._clean_ascii_bytes(text)
    assert has_word is (filenames._ASCII_STEM_WORD_RE.match(text) is not None)


@given(names)
@example("\u2028.x")
@example("..")
def test_the_stem_loop_answers_as_the_regex(text: str) -> None:
    expected = filenames._ASCII_STEM_WORD_RE.match(text) is not None
    assert filenames._stem_has_ascii_word(text) is expected


@given(names)
def test_all_kept_answers_as_the_translate_chain(text: str) -> None:
    expected = text.isascii() and not text.encode().translate(None, rules._ASCII_ALLOWED_BYTES)
    assert rules.all_kept(text) is expected


@pytest.mark.parametrize("code", range(128))
def test_each_ascii_kind_is_what_the_byte_chain_does_with_it(code: int) -> None:
    char = chr(code)
    joined = filenames._clean_ascii_bytes(f"a{char}b")
    # For "_" the kept answer is also "a_b": the last key wins, and says kept.
    expected = {"a_b": rules.SPACE, "ab": rules.DROPPED, f"a{char}b": rules.KEPT}[joined]
    assert rules.ASCII_KINDS[code] == expected


def test_the_build_flags_agree() -> None:
    assert rules.COMPILED is safename.COMPILED
    assert filenames._COMPILED is safename.COMPILED


@pytest.mark.skipif(safename.COMPILED, reason="compiled code calls the loops directly")
def test_the_pure_build_never_takes_the_loops() -> None:
    def refuse(*args: object) -> NoReturn:
        raise AssertionError(f"a loop ran in the pure build on {args!r}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(filenames, "_scan_ascii", refuse)
        patch.setattr(filenames, "_stem_has_ascii_word", refuse)
        patch.setattr(rules, "all_kept", refuse)
        for name in ["IMG_1.JPG", "My cool movie.mov", "中文.txt", "../../etc/passwd", "-", ""]:
            secure_filename(name)
            secure_filename(name, allow_unicode=True)


@pytest.mark.skipif(safename.COMPILED, reason="compiled code reads its own constant")
@given(st.text() | names, st.sampled_from([8, 12, 255]))
@example("中.a", 255)
@example("_.txt", 255)
@example("..\\CON .txt", 255)
def test_secure_filename_answers_the_same_on_either_path(text: str, max_length: int) -> None:
    """The loops' branch of secure_filename, forced in this build too, against the chains'."""
    expected = filenames.secure_filename(text, max_length=max_length, fallback="f")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rules, "COMPILED", True)
        patch.setattr(filenames, "_COMPILED", True)
        forced = filenames.secure_filename(text, max_length=max_length, fallback="f")
    assert forced == expected


def test_the_white_space_table_is_what_str_isspace_accepts() -> None:
    every = {chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()}
    assert every == filenames._WHITE_SPACE
