"""secure_filename: tables of known answers, then each guarantee as a property over any text."""

from __future__ import annotations

import os
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

import pytest
import sanitize_reference
from hypothesis import assume, example, given
from hypothesis import strategies as st
from werkzeug.utils import secure_filename as werkzeug_secure_filename

import safename
from safename import RESERVED_NAMES, is_safe_filename, random_stem, secure_filename
from safename.filenames._rules import IGNORABLE_RE, MIN_MAX_LENGTH, is_reserved
from safename.strategies import hostile_filenames, safe_filenames

SEED_EXAMPLES = [  # ../shared/seeds/flask-quickstart-excerpt.txt, verbatim
    ("My cool movie.mov", "My_cool_movie.mov"),
    ("../../../etc/passwd", "etc_passwd"),
    ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
]

# The gaps of werkzeug 3.1 and pathvalidate 3.3 named in the issue, and more.
HOSTILE_EXAMPLES = [
    ("CON.txt", "_CON.txt"),
    ("nul", "_nul"),
    ("COM1.log", "_COM1.log"),
    ("lpt9", "_lpt9"),
    ("NUL ", "_NUL"),
    ("con .txt", "con_.txt"),  # the space becomes "_": "con_" is no device
    ("Aux.tar.gz", "_Aux.tar.gz"),
    ("COM\u00b9.txt", "_COM1.txt"),  # superscript one folds to "1"
    ("\uff23\uff2f\uff2e.txt", "_CON.txt"),  # fullwidth CON folds to CON
    ("-rf", "rf"),
    ("--help.txt", "help.txt"),
    ("..", None),
    ("...", None),
    (".", None),
    ("", None),
    ("   ", None),
    ("file\u202egnp.exe", "filegnp.exe"),
    ("a\u200bb\u200d.txt", "ab.txt"),
    ("a\x00b\x1b[31m.txt", "ab31m.txt"),
    ("a\uff0f..\uff0fb", "a_.._b"),  # fullwidth solidus: a separator after NFKD
    ("\u2100", "a_c"),  # ACCOUNT OF is "a/c" after NFKD
    ("a\u2025b", "a..b"),  # TWO DOT LEADER: ".." inside a name is no traversal
    ("\u2025", None),
    ("..\\..\\windows\\win.ini", "windows_win.ini"),
    ("C:\\boot.ini", "C_boot.ini"),
    ("//server/share/x.txt", "server_share_x.txt"),
    ("a\ud800b.txt", "ab.txt"),  # lone surrogate
    (".bashrc", "bashrc"),
    ("trailing dot.", "trailing_dot"),
    ("\u4e2d\u6587.txt", "FALLBACK.txt"),  # nothing of the stem survives: fallback, extension kept
    ("\u4e2d\u6587.tar.gz", "FALLBACK.tar.gz"),
    ("\u4e2d\u6587", "FALLBACK"),
    ("_.txt", "FALLBACK.txt"),
    ("-.txt", "FALLBACK.txt"),
    ("\u0627\u0644\u0639\u0631\u0628\u064a\u0629.pdf", "FALLBACK.pdf"),
]


@pytest.mark.parametrize(("name", "expected"), SEED_EXAMPLES)
def test_seed_examples_give_the_outputs_the_seed_text_shows(name: str, expected: str) -> None:
    assert secure_filename(name) == expected


@pytest.mark.parametrize(("name", "expected"), HOSTILE_EXAMPLES)
def test_hostile_names(name: str, expected: str | None) -> None:
    result = secure_filename(name, fallback="FALLBACK")
    assert result == (expected if expected is not None else "FALLBACK")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("\u4e2d\u6587.txt", "\u4e2d\u6587.txt"),
        ("\u00c6sop \u00d8rsted.pdf", "\u00c6sop_\u00d8rsted.pdf"),
        ("e\u0301t\u00e9.txt", "\u00e9t\u00e9.txt"),  # NFC
        ("COM\u00b9.txt", "_COM\u00b9.txt"),  # Windows treats COM¹ as a device too
        ("\uff23\uff2f\uff2e.txt", "\uff23\uff2f\uff2e.txt"),  # fullwidth is no device
        ('a\uff0fb<>:"|?*.txt', "ab.txt"),
        ("\u0645\u0644\u0641\u202e\u0641.txt", "\u0645\u0644\u0641\u0641.txt"),
        ("\u3164\u115f.txt", "FALLBACK.txt"),  # Hangul fillers are letters that show nothing
        ("a\ufe0fb\u034f.txt", "ab.txt"),  # variation selector, grapheme joiner
        ("\u0915\u094d\u200d\u0937.txt", "\u0915\u094d\u0937.txt"),  # marks stay, ZWJ goes
        ("naïve\u3000file.txt", "naïve_file.txt"),
    ],
)
def test_unicode_mode(name: str, expected: str) -> None:
    assert secure_filename(name, allow_unicode=True, fallback="FALLBACK") == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("\u4e2d\u6587.txt", "ZhongWen.txt"),
        ("\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440.doc", "Privet_mir.doc"),
        ("\u00fcml\u00e4ut.txt", "umlaut.txt"),
        ("\u00c6sop.pdf", "Aesop.pdf"),
        ("a\uff0fb", "a_b"),
        ("\ud800.txt", "FALLBACK.txt"),
    ],
)
def test_transliterate(name: str, expected: str) -> None:
    assert secure_filename(name, transliterate=True, fallback="FALLBACK") == expected


def test_transliterate_without_the_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anyascii", None)
    with pytest.raises(ModuleNotFoundError, match=r"'translit' extra"):
        secure_filename("\u00fc", transliterate=True)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_length": MIN_MAX_LENGTH - 1}, "max_length must be at least"),
        ({"allow_unicode": True, "transliterate": True}, "exclude each other"),
        ({"fallback": "../.."}, "leaves no usable filename"),
        ({"fallback": lambda: "\u4e2d"}, "leaves no usable filename"),
    ],
)
def test_bad_options_raise_value_error(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        secure_filename("\u4e2d.txt", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [None, b"a.txt", 3])
def test_a_name_that_is_not_text_raises_type_error(name: object) -> None:
    # Compiled, mypyc checks the annotated type before the function runs, in its own words.
    message = "str object expected" if safename.COMPILED else "filename must be a str"
    with pytest.raises(TypeError, match=message):
        secure_filename(name)  # type: ignore[arg-type]


def test_default_fallback_is_random_and_keeps_the_extension() -> None:
    first, second = secure_filename("\u4e2d.txt"), secure_filename("\u4e2d.txt")
    assert first != second
    assert first.endswith(".txt")
    assert second.endswith(".txt")
    assert len(random_stem()) == 16


def test_callable_fallback_is_sanitized_and_called_only_when_needed() -> None:
    calls: list[int] = []

    def fallback() -> str:
        calls.append(1)
        return "my upload"

    assert secure_filename("report.pdf", fallback=fallback) == "report.pdf"
    assert calls == []
    assert secure_filename("\u4e2d.pdf", fallback=fallback) == "my_upload.pdf"
    assert secure_filename("\u4e2d.pdf", fallback="nul") == "_nul.pdf"


@pytest.mark.parametrize(
    ("name", "max_length", "expected"),
    [
        ("a" * 300 + ".txt", 255, "a" * 251 + ".txt"),
        ("abcdefghij.txt", 8, "abcd.txt"),
        ("abcdefghij.verylongextension", 12, "abcdefghij.v"),  # extension too long to keep
        ("COM1abcd.txt", 8, "COM.txt"),  # cut to COM1.txt, defused to _COM1.txt, cut again
        ("\u00e9" * 200 + ".jpg", 255, "e" * 200 + ".jpg"),
    ],
)
def test_truncation_keeps_the_extension(name: str, max_length: int, expected: str) -> None:
    result = secure_filename(name, max_length=max_length)
    assert result == expected
    assert len(result.encode()) <= max_length


def test_truncation_never_splits_a_code_point() -> None:
    result = secure_filename("\u00e9" * 200 + ".jpg", allow_unicode=True)
    assert result == "\u00e9" * 125 + ".jpg"
    assert len(result.encode()) == 254


# ---------------------------------------------------------------- properties

ANY_CHARACTER = st.characters(codec=None, exclude_categories=())  # surrogates included
FRAGMENTS = st.sampled_from(
    [
        "..",
        ".",
        "/",
        "\\",
        "../",
        "..\\",
        "\uff0f",
        "\uff3c",
        "\u2025",
        "\u2024",
        "\u2100",
        "\uff0e",
        "CON",
        "nul",
        "COM1",
        "LPT\u00b3",
        "\uff23\uff2f\uff2e",
        "-",
        "_",
        " ",
        "\x00",
        "\u202e",
        "\u200b",
        "\u200d",
        "\ufeff",
        "\u3164",
        "\u0301",
        "\u00e9",
        "\u4e2d",
        "\ud800",
        ".txt",
        ".tar.gz",
        "x" * 40,
        "\u00e9" * 30,
        "\U0001f600",
        "\t",
        "~",
        "C:",
    ]
)
NAMES = st.lists(FRAGMENTS | st.text(ANY_CHARACTER, max_size=8), max_size=12).map("".join)
HOSTILE_TEXT = st.one_of(st.text(ANY_CHARACTER), NAMES)
MAX_LENGTHS = st.integers(min_value=MIN_MAX_LENGTH, max_value=300)


class Mode(TypedDict, total=False):
    """The keyword arguments that pick a mode."""

    allow_unicode: bool
    transliterate: bool


MODES = st.sampled_from([Mode(), Mode(allow_unicode=True), Mode(transliterate=True)])
SAFE_ASCII = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


@given(HOSTILE_TEXT)
@example("\u4e2d\u6587")
@example("../../..")
def test_result_is_nonempty_and_uses_only_safe_ascii(name: str) -> None:
    result = secure_filename(name)
    assert result
    assert set(result) <= SAFE_ASCII


@given(HOSTILE_TEXT, MODES)
def test_result_never_starts_with_dot_or_dash_nor_ends_with_dot_or_space(
    name: str, mode: Mode
) -> None:
    result = secure_filename(name, **mode)
    assert result[0] not in ".-"
    assert result[-1] not in ". "


@given(HOSTILE_TEXT, MODES)
@example("COM\u00b9", Mode(allow_unicode=True))
@example("\uff2c\uff30\uff34\uff11", Mode())
def test_stem_is_never_a_windows_device_name(name: str, mode: Mode) -> None:
    stem = secure_filename(name, **mode).partition(".")[0].rstrip(" ")
    assert stem.upper() not in RESERVED_NAMES


@given(HOSTILE_TEXT, MAX_LENGTHS, MODES)
def test_result_fits_max_length_in_utf8_bytes(name: str, max_length: int, mode: Mode) -> None:
    assert len(secure_filename(name, max_length=max_length, **mode).encode()) <= max_length


@given(
    st.text(st.characters(categories=["L", "N"], codec="ascii"), min_size=1, max_size=400),
    st.text(st.characters(categories=["L", "N"], codec="ascii"), min_size=1, max_size=5),
    MAX_LENGTHS,
)
def test_truncation_keeps_a_short_extension(stem: str, extension: str, max_length: int) -> None:
    """Short means at most half of max_length, dot included."""
    assume(not is_reserved(stem) and len(extension) + 1 <= max_length // 2)
    assert secure_filename(f"{stem}.{extension}", max_length=max_length).endswith(f".{extension}")


@given(HOSTILE_TEXT, MODES)
def test_separators_and_traversal_never_survive(name: str, mode: Mode) -> None:
    result = secure_filename(name, **mode)
    assert "/" not in result
    assert "\\" not in result
    assert result not in (".", "..")
    assert os.path.basename(result) == result


@given(HOSTILE_TEXT, MODES)
def test_controls_bidi_and_zero_width_never_survive(name: str, mode: Mode) -> None:
    result = secure_filename(name, **mode)
    assert not any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in result)
    assert not IGNORABLE_RE.search(result)


@given(HOSTILE_TEXT, MAX_LENGTHS, MODES)
def test_secure_filename_is_idempotent(name: str, max_length: int, mode: Mode) -> None:
    once = secure_filename(name, max_length=max_length, **mode)
    assert secure_filename(once, max_length=max_length, **mode) == once


@given(HOSTILE_TEXT)
def test_unicode_mode_result_is_nfc_and_free_of_windows_forbidden_characters(name: str) -> None:
    result = secure_filename(name, allow_unicode=True)
    assert unicodedata.is_normalized("NFC", result)
    assert not set(result) & set('<>:"/\\|?*')


@given(st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=60))
def test_unicode_mode_keeps_letters_and_digits_of_every_script(word: str) -> None:
    word = unicodedata.normalize("NFC", word)
    assume(not IGNORABLE_RE.search(word) and not is_reserved(word))
    assume(len(word.encode()) <= 255)
    assert secure_filename(word, allow_unicode=True) == word


@given(
    st.text(st.characters(categories=["Lo"], min_codepoint=0x3400), min_size=1, max_size=10),
    st.text(st.characters(categories=["Ll"], codec="ascii"), min_size=1, max_size=5),
)
def test_fallback_keeps_the_extension_when_nothing_of_the_stem_is_left(
    stem: str, extension: str
) -> None:
    result = secure_filename(f"{stem}.{extension}", fallback="upload")
    assert result in (f"upload.{extension}", f"_upload.{extension}")


# Ordinary names start with a letter or digit; the rest is what people type.
ORDINARY = st.builds(
    str.__add__,
    st.sampled_from("abcXYZ019\u00e9\u00c5"),
    st.text(st.sampled_from("abcXYZ019 -_.\u00e9\u00fc\u00c5()[]!'&,"), max_size=60),
)


@given(ORDINARY)
@example("My cool movie.mov")
@example("__init__.py")
def test_equals_werkzeug_wherever_werkzeugs_answer_is_safe(name: str) -> None:
    theirs = werkzeug_secure_filename(name)
    assume(is_safe_filename(theirs))
    assert secure_filename(name) == theirs


@given(HOSTILE_TEXT, MODES)
def test_a_file_of_that_name_can_be_created_and_stays_inside_its_directory(
    name: str, mode: Mode
) -> None:
    result = secure_filename(name, **mode)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / result
        path.write_bytes(b"x")
        assert path.resolve().parent == Path(directory).resolve()
        assert os.listdir(directory) == [result]


# ------------------------------------- the fast paths give the reference answer

# Fallbacks that take each of its branches: plain, cleaned, reserved, callable, refused.
FALLBACKS = st.sampled_from(["upload", "my file", "\u4e2d\u6587x", "CON", "-x-", "..", "\u4e2d"])
REFERENCE_OPTIONS = st.fixed_dictionaries(
    {"max_length": MAX_LENGTHS, "fallback": FALLBACKS | FALLBACKS.map(lambda stem: lambda: stem)},
    optional={"allow_unicode": st.booleans(), "transliterate": st.booleans()},
)
ASCII_TEXT = st.text(st.characters(max_codepoint=127))
# A safe name with one thing spliced in: what most uploads look like.
NEAR_SAFE = st.builds(
    lambda name, piece, at: name[:at] + piece + name[at:],
    safe_filenames(),
    st.sampled_from([" ", "  ", "(1)", "\u00e9", "\u4e2d", "/", "\\", "\t", ".", "_", "-", "!"]),
    st.integers(min_value=0, max_value=300),
)
REFERENCE_INPUTS = st.one_of(
    hostile_filenames(), HOSTILE_TEXT, ASCII_TEXT, safe_filenames(), NEAR_SAFE, ORDINARY
)


def _answer(function: Callable[..., str], name: str, options: dict[str, Any]) -> tuple[str, str]:
    try:
        return "value", function(name, **options)
    except ValueError as error:
        return "ValueError", str(error)


@given(REFERENCE_INPUTS, REFERENCE_OPTIONS)
@example("My cool movie.mov", {})
@example("\u4e2d\u6587 .txt", {"fallback": "up"})
@example("! .txt", {"fallback": "up"})
@example("_CON", {})
@example("..\\x", {"max_length": 8})
@example("a" * 300 + " b.txt", {})
@example("\u2028a.txt", {})  # white space that NFKD keeps: the stem starts later
@example("\u4e2d/.txt", {"fallback": "up"})
@example("CON." + "x" * 250, {})  # the prefix still fits
@example("CON." + "x" * 251, {})  # it does not
@example("a\x1cb  c\t(d)", {})
@example("\u4e2d\u6587 v2.txt", {"transliterate": True})
def test_secure_filename_gives_the_reference_answer_for_every_input_and_option(
    name: str, options: dict[str, Any]
) -> None:
    ours = _answer(secure_filename, name, options)
    assert ours == _answer(sanitize_reference.secure_filename, name, options)
    if ours[0] == "value":
        assert is_safe_filename(
            ours[1],
            max_length=options.get("max_length", 255),
            allow_unicode=options.get("allow_unicode", False),
        )
