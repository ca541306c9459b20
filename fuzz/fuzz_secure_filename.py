#!/usr/bin/env python3
"""Fuzz ``secure_filename``: every documented guarantee, in every mode, for every input.

Run: ``python fuzz/fuzz_secure_filename.py [libFuzzer flags] [corpus folders]``;
see fuzz/README.md.
"""

from __future__ import annotations

import sys
import unicodedata

import atheris
from _harness import expect, text_of
from werkzeug.utils import secure_filename as werkzeug_secure_filename

with atheris.instrument_imports():
    from safename import is_safe_filename, secure_filename
    from safename.filenames._rules import ASCII_ALLOWED, SEPARATORS, is_reserved

# The fuzz extra brings anyascii (translit) and werkzeug (flask) along.
MODES: list[dict[str, bool]] = [{}, {"allow_unicode": True}, {"transliterate": True}]

FALLBACK = "fallback"


def check_result(text: str, max_length: int, mode: dict[str, bool]) -> str:
    """Check every guarantee of ``secure_filename(text)`` with these options; return the result."""
    allow_unicode = mode.get("allow_unicode", False)
    transliterate = mode.get("transliterate", False)
    options = {"allow_unicode": allow_unicode, "transliterate": transliterate}
    result = secure_filename(text, max_length=max_length, fallback=FALLBACK, **options)
    expect(bool(result), "empty result", text, mode)
    expect(
        is_safe_filename(result, max_length=max_length, allow_unicode=allow_unicode),
        "result refused by is_safe_filename",
        text,
        result,
        max_length,
        mode,
    )
    again = secure_filename(result, max_length=max_length, fallback=FALLBACK, **mode)
    expect(again == result, "not a fixed point", text, result, again, mode)
    expect(len(result.encode("utf-8")) <= max_length, "too long", text, result, max_length)
    expect(not any(sep in result for sep in SEPARATORS), "separator kept", text, result)
    expect(result.strip(".") != "", "dot-only result", text, result)
    expect(not is_reserved(result), "device name kept", text, result)
    expect(result[0] not in ".-" and result[-1] not in ". ", "bad edge", text, result)
    if allow_unicode:
        expect(unicodedata.is_normalized("NFC", result), "not NFC", text, result)
    else:
        expect(ASCII_ALLOWED.issuperset(result), "non-ASCII result", text, result, mode)
    return result


def check_werkzeug_agreement(text: str, result: str) -> None:
    """Where werkzeug's answer is already safe, ours is the same (the documented drop-in claim).

    Skipped where safename differs on purpose: a backslash (a separator here,
    dropped by werkzeug on POSIX) and a stem with no letter or digit (the
    fallback here, werkzeug strips to the extension).
    """
    theirs = werkzeug_secure_filename(text)
    decomposed = unicodedata.normalize("NFKD", text)
    if "\\" in decomposed or result.startswith(FALLBACK) or not is_safe_filename(theirs):
        return
    expect(result == theirs, "differs from werkzeug's safe answer", text, result, theirs)


def test_one_input(data: bytes) -> None:
    """Check *data*, as text, in every mode, at the default and at a small length limit."""
    text = text_of(data)
    small = 8 + len(data) % 24
    for mode in MODES:
        check_result(text, small, mode)
        result = check_result(text, 255, mode)
        if not mode:
            safe = is_safe_filename(text)
            expect(safe == (result == text), "validator and fixed point disagree", text, result)
            check_werkzeug_agreement(text, result)


def main() -> None:
    """Start libFuzzer with the command line's flags and corpus folders."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
