"""Show what secure_filename does to a few hostile names, next to werkzeug's answer if installed."""

from __future__ import annotations

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


def main() -> None:
    """Print each name, its safe form and whether the original was safe."""
    for name in NAMES:
        safe = secure_filename(name, fallback="upload")
        print(f"{name[:40]!r:46} -> {safe[:60]!r}  (input safe: {is_safe_filename(name)})")


if __name__ == "__main__":
    main()
