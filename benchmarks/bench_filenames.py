"""secure_filename side by side with werkzeug's and pathvalidate's, on the same mixed names.

Run: ``python -m benchmarks.bench_filenames``. The inputs are a few thousand
unique names, a quarter each of ordinary ASCII names, names with spaces,
non-Latin names and hostile names, made from a fixed seed; then, apart, the
names real uploads arrive with (:data:`REAL_WORLD`).
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


# What phones, cameras, scanners, browsers and office programs name the files people
# upload, as they arrive: spaces, parentheses, accents, repeated dots, upper-case extensions.
REAL_WORLD = [
    "IMG_20240312_134501.jpg",
    "IMG_1234.HEIC",
    "IMG_1234 (1).JPG",
    "PXL_20240312_134501123.MP.jpg",
    "DSC00421.ARW",
    "DSCN0042.JPG",
    "20240312_134501.mp4",
    "VID_20240312_134501.mp4",
    "photo.JPG",
    "image.png",
    "image (3).png",
    "Screenshot 2024-03-12 at 13.45.01.png",
    "Screenshot_20240312-134501.png",
    "Screen Shot 2019-05-02 at 9.14.22 AM.png",
    "Capture d\u2019\u00e9cran 2024-03-12 \u00e0 13.45.01.png",
    "Bildschirmfoto 2024-03-12 um 13.45.01.png",
    "WhatsApp Image 2024-03-12 at 13.45.01.jpeg",
    "WhatsApp Video 2024-03-12 at 13.45.01 (1).mp4",
    "Scan 12 Mar 2024.pdf",
    "scan0001.pdf",
    "Document (1).pdf",
    "Document1.docx",
    "Untitled document.docx",
    "R\u00e9sum\u00e9 final v2.docx",
    "CV - Jane Doe.pdf",
    "Cover Letter (final) FINAL.docx",
    "report-2024_Q1.xlsx",
    "Budget 2024 v3 (copy).xlsx",
    "Invoice #4521.pdf",
    "Rechnung Nr. 2024-0815.pdf",
    "Quarterly Report Q1'24.pptx",
    "meeting notes 12.03.2024.txt",
    "notes.txt",
    "data.csv",
    "export_2024-03-12T13_45_01.csv",
    "backup.tar.gz",
    "archive.zip",
    "Archive (2).zip",
    "presentation_final_FINAL_v7.pptx",
    "logo@2x.png",
    "Mus\u00e9e d\u2019Orsay \u2013 visite.jpg",
    "\u00dcbersicht K\u00fcche.pdf",
    "Fa\u00e7ade \u00e9t\u00e9 2023.jpg",
    "\u041e\u0442\u0447\u0435\u0442 2024.docx",
    "\u5831\u544a\u66f8 2024.pdf",
    "Recording 12.m4a",
    "Voice Memo 2024-03-12.m4a",
    "New Text Document.txt",
]

KINDS = ("ordinary ASCII", "with spaces", "non-Latin", "hostile")
#: The title of :func:`real_world_names`' family, timed apart from the mixed names.
REAL_WORLD_KIND = "real-world upload names"


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


def real_world_names() -> list[str]:
    """:data:`REAL_WORLD`, each name made unique by a counter before its extension.

    A counter, as a second upload of ``photo.JPG`` gets, so that no call finds the
    answer to the same name in a cache; the names are ``PER_KIND`` in all.
    """
    names = []
    for index in range(PER_KIND):
        stem, dot, extension = REAL_WORLD[index % len(REAL_WORLD)].rpartition(".")
        copy = index // len(REAL_WORLD)
        names.append(f"{stem}{copy}{dot}{extension}" if copy else stem + dot + extension)
    return names


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
    families = [("mixed names", mixed_names()), *names_by_kind().items()]
    for title, names in [*families, (REAL_WORLD_KIND, real_world_names())]:
        heading = f"secure_filename, {title}"
        results.append((heading, compare(heading, _contenders(), names)))
    return results


if __name__ == "__main__":
    run()
