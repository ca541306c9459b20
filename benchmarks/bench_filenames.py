"""secure_filename side by side with werkzeug's and pathvalidate's, on the same mixed names.

Run: ``python -m benchmarks.bench_filenames``. The inputs are a few thousand
unique names, a quarter each of ordinary ASCII names, names with spaces,
non-Latin names and hostile names, made from a fixed seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import werkzeug.utils

from benchmarks import contenders
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


KINDS = ("ordinary ASCII", "with spaces", "non-Latin", "hostile")


def names_by_kind(seed: int = 2026) -> dict[str, list[str]]:
    """Unique names of each kind, ``PER_KIND`` of each, the same for every run."""
    rng = random.Random(seed)
    makers: list[Callable[[int], str]] = [
        lambda n: f"{rng.choice(_WORDS)}_{n}-{rng.randrange(99)}.{rng.choice(_EXTENSIONS)}",
        lambda n: f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {n}.{rng.choice(_EXTENSIONS)}",
        lambda n: f"{rng.choice(_NON_LATIN)} {n}.{rng.choice(_EXTENSIONS)}",
        lambda n: f"{rng.choice(_HOSTILE)}{n}",
    ]
    return {
        kind: [make(n) for n in range(PER_KIND)] for kind, make in zip(KINDS, makers, strict=True)
    }


def mixed_names(seed: int = 2026) -> list[str]:
    """All kinds together: a quarter each of ordinary, spaced, non-Latin and hostile names."""
    return [name for names in names_by_kind(seed).values() for name in names]


def _contenders() -> dict[str, Callable[[str], object]]:
    # werkzeug's function is called directly: a wrapper would slow it down.
    return {
        "safename.secure_filename": secure_filename,
        "werkzeug.secure_filename": werkzeug.utils.secure_filename,
        "pathvalidate.sanitize_filename": contenders.pathvalidate_sanitize,
        "django get_valid_filename": contenders.django_get_valid_filename,
    }


def run() -> list[tuple[str, list[Timing]]]:
    """Time every contender on the mixed names, then on each kind (ratios against safename)."""
    results = []
    for title, names in [("mixed names", mixed_names()), *names_by_kind().items()]:
        heading = f"secure_filename, {title}"
        results.append((heading, compare(heading, _contenders(), names)))
    return results


if __name__ == "__main__":
    run()
