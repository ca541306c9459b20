"""Which build of safename runs: the pure-Python one, or the one compiled by mypyc.

Both come from the same source (``hatch_build.py`` compiles the modules listed
in ``pyproject.toml`` when ``SAFENAME_COMPILE=1``). This module is never
compiled itself, and imports only the standard library in either build.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.machinery import EXTENSION_SUFFIXES
from types import ModuleType
from typing import Any, TypeVar

__all__ = ["is_compiled", "mypyc_attr"]

_Class = TypeVar("_Class")


def is_compiled(module: ModuleType) -> bool:
    """Whether *module* was loaded from an extension module rather than Python source.

    >>> import json
    >>> is_compiled(json)
    False
    """
    return (getattr(module, "__file__", None) or "").endswith(tuple(EXTENSION_SUFFIXES))


try:
    from mypy_extensions import mypyc_attr
except ModuleNotFoundError:  # the core depends on nothing; mypyc reads the decorator, not its value

    def mypyc_attr(  # type: ignore[misc]
        *attrs: str, **kwattrs: Any
    ) -> Callable[[_Class], _Class]:
        """Mark a class for mypyc (``native_class=False``: an ordinary Python class)."""
        return lambda cls: cls
