"""The docs tell the truth: the comparison table is what the libraries answer today."""

from __future__ import annotations

from pathlib import Path

import werkzeug.utils

from benchmarks import contenders
from safename import secure_filename

DOCS = Path(__file__).parent.parent / "docs"
HOSTILE = [
    "My cool movie.mov",
    "../../../etc/passwd",
    "CON.txt",
    "nul",
    "COM1.log",
    "NUL ",
    "-rf",
    "..",
    "file\u202egnp.exe",
    "a\uff0f..\uff0fb",
    "\u4e2d\u6587.txt",
    "\u4e2d\u6587",
    "\ud800.txt",
    "x" * 300 + ".pdf",
]
_RANDOM = "RANDOMSTEM"


def _cell(value: str | None) -> str:
    if value is None:
        return "*raises*"
    if not value:
        return "`''` (empty)"
    if len(value) > 40:
        return f"{len(value.encode())} bytes"
    return "`" + repr(value)[1:-1].replace(_RANDOM, "<random>") + "`"


def _input(name: str) -> str:
    text = repr(name)[1:-1]
    return "`" + (text if len(text) <= 30 else f"{text[:6]}\u2026 ({len(name)} chars)") + "`"


def comparison_table() -> str:
    """The Markdown table of docs/coming-from.md, computed now."""
    lines = [
        "| input | werkzeug | pathvalidate | Django `get_valid_filename` | safename |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in HOSTILE:
        answers = [
            werkzeug.utils.secure_filename(name),
            contenders.pathvalidate_sanitize(name),
            contenders.django_get_valid_filename(name),
            secure_filename(name, fallback=_RANDOM),
        ]
        lines.append(f"| {_input(name)} | " + " | ".join(map(_cell, answers)) + " |")
    return "\n".join(lines) + "\n"


def test_comparison_table_is_what_the_libraries_answer() -> None:
    table = comparison_table()
    assert table in (DOCS / "coming-from.md").read_text(), f"regenerate the table:\n{table}"


if __name__ == "__main__":
    print(comparison_table())
