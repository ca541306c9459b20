#!/usr/bin/env python3
"""Fuzz ``safe_extract``: any bytes as an archive are extracted safely, or refused leaving nothing.

Run: ``python fuzz/fuzz_safe_extract.py [libFuzzer flags] [corpus folders]``; see
fuzz/README.md. Inputs of even length are extracted with ``allow_links=True``.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import unicodedata
from pathlib import Path

import atheris
from _harness import expect

with atheris.instrument_imports():
    from safename import ArchiveReason, UnsafeArchiveError, safe_extract, safe_join

SECRET = b"outside the directory"


def check_extracted(target: Path, written: list[Path], data: bytes) -> None:
    """Everything is inside, safely named, without twins, and links resolve inside."""
    entries = sorted(target.rglob("*"))
    expect(sorted(written) == [path for path in entries if path in written], "bad list", data)
    expect(set(written) <= set(entries), "a path returned was not written", data, written)
    folded = set()
    for path in entries:
        relative = path.relative_to(target).as_posix()
        safe_join(str(target), relative)  # raises if a component is unsafe
        key = unicodedata.normalize("NFC", relative).casefold()
        expect(key not in folded, "two entries fold to one name", data, relative)
        folded.add(key)
        resolved = Path(os.path.realpath(path))
        expect(target.resolve() in resolved.parents, "an entry leads outside", data, relative)
        expect(not path.is_file() or not os.stat(path).st_mode & 0o6000, "set-ID bits", data)


def test_one_input(data: bytes) -> None:
    """Extract *data* into a fresh directory; check the result or the refusal."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "secret").write_bytes(SECRET)
        target = root / "target"
        target.mkdir()
        try:
            written = safe_extract(
                io.BytesIO(data),
                target,
                max_members=200,
                max_total_bytes=1 << 20,
                allow_links=len(data) % 2 == 0,
            )
        except UnsafeArchiveError as error:
            expect(isinstance(error.reason, ArchiveReason), "untyped reason", data, error)
            expect(os.listdir(target) == [], "a refusal left entries", data, os.listdir(target))
        else:
            check_extracted(target, written, data)
        expect(sorted(os.listdir(root)) == ["secret", "target"], "wrote beside", data)
        expect((root / "secret").read_bytes() == SECRET, "changed a file outside", data)


def main() -> None:
    """Start libFuzzer with the command line's flags and corpus folders."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
