"""Show what secure_filename does to a few hostile names, next to werkzeug's answer if installed."""

from __future__ import annotations

import unicodedata

from safename import is_safe_filename, secure_filename

NAMES = [
    "My cool movie.mov",
    "../../../etc/passwd",
    "i contain cool \xfcml\xe4uts.txt",
    "CON.txt",
    "-rf",
    "中文.txt",
    "file\u202egnp.exe",
    "a\uff0f..\uff0fb",
    "x" * 300 + ".pdf",
]


def width(text: str) -> int:
    """The columns *text* takes in a terminal: two for a wide (CJK) character, none for a mark."""
    return sum(
        0
        if unicodedata.combining(character)
        else 1 + (unicodedata.east_asian_width(character) in ("W", "F"))
        for character in text
    )


def padded(text: str, columns: int) -> str:
    """*text* and spaces up to *columns* terminal columns (``str.ljust`` counts characters)."""
    return text + " " * max(0, columns - width(text))


def clipped(text: str, limit: int = 40) -> str:
    """*text* cut to *limit* characters, with an ellipsis where something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main() -> None:
    """Print each name, its safe form and whether the original was safe, in aligned columns."""
    print(f"{padded('name', 46)} -> {padded('secure_filename(name)', 44)} name already safe?")
    for name in NAMES:
        safe = secure_filename(name, fallback="upload")
        shown, safe_shown = repr(clipped(name)), repr(clipped(safe))
        print(f"{padded(shown, 46)} -> {padded(safe_shown, 44)} {is_safe_filename(name)}")


if __name__ == "__main__":
    main()
