"""The argument grammar of the converters: what a rule's ``(min=..., length=...)`` may say.

Rule text may pass any value to a converter; these checks turn a wrong one into
a ``TypeError`` or ``ValueError`` that names the argument, and the bound checks
turn a value out of range into a :class:`~safename.ConversionError`.
"""

from __future__ import annotations

import math
from typing import Any, Final

from safename.errors import ConversionError

__all__ = ["MAX_COUNT", "bound", "check_bounds", "check_range", "count", "flag", "show"]

#: The largest length or digit count an argument may ask for: longer than any
#: URL a server takes, and far below the limit of Python's regex repetitions.
MAX_COUNT: Final = 65_535


def count(name: str, value: object, *, minimum: int) -> int:
    """Check a length or digit-count argument (rule text may pass anything)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not minimum <= value <= MAX_COUNT:
        raise ValueError(f"{name} must be in [{minimum}, {MAX_COUNT}], got {value}")
    return value


def flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def bound(name: str, value: object, *, allow_float: bool) -> Any:
    """Check a ``min`` or ``max`` argument: ``None`` or a number a value compares with."""
    kinds = (int, float) if allow_float else (int,)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "a number" if allow_float else "an int"
        raise TypeError(f"{name} must be {kind} or None, got {value!r}")
    if isinstance(value, float) and math.isnan(value):
        raise ValueError(f"{name} cannot be NaN")
    return value


def check_bounds(value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise ConversionError(f"{show(value)} is below the minimum {minimum!r}")
    if maximum is not None and value > maximum:
        raise ConversionError(f"{show(value)} is above the maximum {maximum!r}")


def show(value: object) -> str:
    """``repr``, or a description of an int too long to write (``int`` refuses)."""
    try:
        return repr(value)
    except ValueError:
        return f"an integer of {value.bit_length()} bits" if isinstance(value, int) else "?"


def check_range(minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and maximum is not None and minimum > maximum:
        raise ValueError(f"min {minimum!r} is above max {maximum!r}")
