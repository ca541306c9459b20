#!/usr/bin/env python3
"""Fuzz ``safe_join``: what it returns stays under the directory, and it never returns a trick.

The input is split on U+001F into several pathnames. Run:
``python fuzz/fuzz_safe_join.py [libFuzzer flags] [corpus folders]``; see fuzz/README.md.
"""

from __future__ import annotations

import posixpath
import re
import sys

import atheris
from _harness import PART_SEPARATOR, expect, text_of
from werkzeug.security import safe_join as werkzeug_safe_join

with atheris.instrument_imports():
    from safename import PathReason, UnsafePathError, safe_join

BASE = "/srv/files"
# Written here again on purpose: the harness checks paths.py, not with its own pattern.
DRIVE = re.compile("[A-Za-z]:")


def check_joined(pathnames: list[str], joined: str) -> None:
    """An accepted join is the base or below it, in normal form, with nothing smuggled in."""
    expect(joined == BASE or joined.startswith(BASE + "/"), "escaped the base", pathnames, joined)
    expect(posixpath.normpath(joined) == joined, "not in normal form", pathnames, joined)
    relative = joined[len(BASE) + 1 :]
    segments = relative.split("/") if relative else []
    expect(".." not in segments, "kept a '..' segment", pathnames, joined)
    expect("\x00" not in joined and "\\" not in joined, "kept NUL or backslash", pathnames)
    drives = [segment for segment in segments if DRIVE.match(segment)]
    expect(not drives, "kept a drive letter", pathnames, joined)
    # safename is the stricter: werkzeug accepts all it accepts, and means the same path.
    theirs = werkzeug_safe_join(BASE, *pathnames)
    expect(theirs is not None, "werkzeug refuses what safename accepts", pathnames, joined)
    same = theirs is not None and posixpath.normpath(theirs) == joined
    expect(same, "werkzeug means another path", pathnames, joined, theirs)


def test_one_input(data: bytes) -> None:
    """Join the pathnames in *data*; check the result or the refusal."""
    pathnames = text_of(data).split(PART_SEPARATOR)
    try:
        joined = safe_join(BASE, *pathnames)
    except UnsafePathError as error:
        expect(error.path in pathnames, "error names another input", pathnames, error.path)
        expect(isinstance(error.reason, PathReason), "untyped reason", pathnames, error.reason)
        return
    check_joined(pathnames, joined)


def main() -> None:
    """Start libFuzzer with the command line's flags and corpus folders."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
