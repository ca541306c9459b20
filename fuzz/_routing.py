"""Round-trip checks shared by the routing harnesses.

Import it inside ``atheris.instrument_imports()``, after ``_harness``: it imports safename.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from _harness import expect

from safename.errors import ConversionError
from safename.routing import Pattern


def is_url_text(path: str) -> bool:
    """Whether *path* can come from a real URL: no lone surrogate, which UTF-8 cannot encode."""
    return path.encode("utf-8", "surrogatepass").decode("utf-8", "ignore") == path


def check_round_trip(pattern: Pattern, path: str) -> None:
    """Matching *path* gives values or ``None``; values build back to exactly *path*.

    Every converter reads one canonical text per value, so there is one URL per
    set of values: the matched path itself.
    """
    values = pattern.match(path)
    if values is None or not is_url_text(path):
        return
    built = pattern.build(**values)
    expect(unquote(built) == path, "matched values build another path", pattern, path, built)


def check_build(pattern: Pattern, values: dict[str, Any]) -> None:
    """Building refuses with ``ConversionError`` or gives a path that reads back."""
    try:
        built = pattern.build(**values)
    except ConversionError:
        return
    again = pattern.match(unquote(built))
    expect(again == values, "built path reads back otherwise", pattern, values, built, again)
