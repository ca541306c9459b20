"""secure_filename side by side with werkzeug's and pathvalidate's, on the same mixed names.

Run: ``python -m benchmarks.bench_filenames``. The inputs are a few thousand
unique names, a quarter each of ordinary ASCII names, names with spaces,
non-Latin names and hostile names, made from a fixed seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from pathvalidate import sanitize_filename
from werkzeug.utils import secure_filename as werkzeug_secure_filename

from benchmarks._harness import Timing, compare
from safename import secure_filename

PER_KIND = 1000

_WORDS = ["report", "IMG", "invoice", "Final", "draft", "photo", "scan", "data", "notes", "v2"]
_EXTENSIONS = ["pdf", "JPG", "png", "txt", "tar.gz", "docx", "mov", "csv"]
_NON_LATIN = [
    "中文文件",
    "Привет мир",
    "ümlaut café",
    "ελληνικά",
    "日本語の資料",
    "مرحبا",
    "한국어",
]
_HOSTILE = [
    "../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "CON.txt",
    "nul",
    "file\u202egnp.exe",
    "-rf .txt",
    "a\uff0f..\uff0fb",
    "\x00evil\u200b.sh",
    "x" * 300 + ".txt",
    "COM\u00b9.log",
]


def mixed_names(seed: int = 2026) -> list[str]:
    """Unique names: ordinary, with spaces, non-Latin and hostile, ``PER_KIND`` of each."""
    rng = random.Random(seed)
    kinds: list[Callable[[int], str]] = [
        lambda n: f"{rng.choice(_WORDS)}_{n}-{rng.randrange(99)}.{rng.choice(_EXTENSIONS)}",
        lambda n: f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {n}.{rng.choice(_EXTENSIONS)}",
        lambda n: f"{rng.choice(_NON_LATIN)} {n}.{rng.choice(_EXTENSIONS)}",
        lambda n: f"{rng.choice(_HOSTILE)}{n}",
    ]
    return [make(number) for make in kinds for number in range(PER_KIND)]


def _contenders() -> dict[str, Callable[[str], object]]:
    def pathvalidate_sanitize(name: str) -> object:
        try:
            return sanitize_filename(name)
        except ValueError:  # it raises on lone surrogates and some other input
            return None

    return {
        "safename.secure_filename": secure_filename,
        "werkzeug.secure_filename": werkzeug_secure_filename,
        "pathvalidate.sanitize_filename": pathvalidate_sanitize,
    }


def run() -> list[tuple[str, list[Timing]]]:
    """Time every contender on the mixed names; the ratios are relative to safename."""
    title = "secure_filename on mixed names"
    return [(title, compare(title, _contenders(), mixed_names()))]


if __name__ == "__main__":
    run()
