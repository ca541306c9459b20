"""The docs tell the truth: the comparison table is what the libraries answer today."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import werkzeug.utils

from benchmarks import contenders
from safename import secure_filename

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
#: Seeds a reader's fresh run might draw; fixed, so that this check is itself deterministic.
READER_SEEDS = (1, 3, 11)
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


@pytest.mark.slow
@pytest.mark.parametrize("seed", READER_SEEDS)
def test_doc_examples_pass_on_a_fresh_clone_with_any_seed(seed: int, tmp_path: Path) -> None:
    """Every ``>>>`` example holds without the derandomized profile and with no example database.

    Seeds 1, 3 and 11 each made a ``find`` example in the docs miss before its condition
    was changed to one that a good share of the examples meet.
    """
    environment = {
        **os.environ,
        "HYPOTHESIS_PROFILE": "random",
        "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp_path / "hypothesis"),
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += [f"--hypothesis-seed={seed}", "docs", "README.md", "src"]
    result = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:]


if __name__ == "__main__":
    print(comparison_table())
