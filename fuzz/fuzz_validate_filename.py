#!/usr/bin/env python3
"""Fuzz ``validate_filename``: it agrees with ``is_safe_filename``, ``secure_filename`` and itself.

Run: ``python fuzz/fuzz_validate_filename.py [libFuzzer flags] [corpus folders]``;
see fuzz/README.md.
"""

from __future__ import annotations

import sys

import atheris
from _harness import expect, text_of

with atheris.instrument_imports():
    from safename import (
        FilenameReason,
        UnsafeFilenameError,
        is_safe_filename,
        secure_filename,
        validate_filename,
    )
    from safename.filenames._rules import SEPARATORS, is_reserved


def refusal(text: str, max_length: int, allow_unicode: bool) -> FilenameReason | None:
    """The reason ``validate_filename`` gives, checked against ``is_safe_filename``."""
    try:
        validate_filename(text, max_length=max_length, allow_unicode=allow_unicode)
    except UnsafeFilenameError as error:
        expect(error.filename == text, "error names another input", text, error.filename)
        expect(isinstance(error.reason, FilenameReason), "untyped reason", text, error.reason)
        expect(error.reason.value in str(error), "message lacks the reason", text, str(error))
        reason: FilenameReason | None = error.reason
    else:
        reason = None
    safe = is_safe_filename(text, max_length=max_length, allow_unicode=allow_unicode)
    expect(safe == (reason is None), "is_safe_filename disagrees", text, reason, allow_unicode)
    return reason


def check_accepted(text: str, max_length: int, allow_unicode: bool) -> None:
    """What an accepted name guarantees, checked without the validator's own code."""
    expect(len(text.encode("utf-8")) <= max_length, "accepted a long name", text, max_length)
    expect(not any(sep in text for sep in SEPARATORS), "accepted a separator", text)
    expect(text.strip(".") != "", "accepted a dot-only name", text)
    expect(not is_reserved(text), "accepted a device name", text)
    expect(text[0] not in ".-" and text[-1] not in ". ", "accepted a bad edge", text)
    kept = secure_filename(text, max_length=max_length, allow_unicode=allow_unicode)
    expect(kept == text, "secure_filename changes an accepted name", text, kept, allow_unicode)


def test_one_input(data: bytes) -> None:
    """Validate *data*, as text, in both modes and at two length limits."""
    text = text_of(data)
    small = 8 + len(data) % 24
    ascii_small = refusal(text, small, allow_unicode=False)
    ascii_default = refusal(text, 255, allow_unicode=False)
    unicode_small = refusal(text, small, allow_unicode=True)
    unicode_default = refusal(text, 255, allow_unicode=True)
    if ascii_default is not None:
        # Only an accepted name may be a fixed point of the sanitizer (default mode).
        changed = secure_filename(text, fallback="fallback") != text
        expect(changed, "refused name is a fixed point", text, ascii_default)
    for reason, max_length, allow_unicode in (
        (ascii_small, small, False),
        (ascii_default, 255, False),
        (unicode_small, small, True),
        (unicode_default, 255, True),
    ):
        if reason is None:
            check_accepted(text, max_length, allow_unicode)
    # More room and more characters only ever accept more.
    expect(ascii_small is not None or ascii_default is None, "longer limit refuses", text)
    expect(ascii_default is not None or unicode_default is None, "unicode mode refuses", text)
    expect(unicode_small is not None or unicode_default is None, "longer limit refuses", text)


def main() -> None:
    """Start libFuzzer with the command line's flags and corpus folders."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
