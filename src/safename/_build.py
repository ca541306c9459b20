"""Which build of safename runs: the pure-Python one, or the one compiled by mypyc.

Both come from the same source (``hatch_build.py`` compiles the modules listed
in ``pyproject.toml`` when ``SAFENAME_COMPILE=1``). This module is never
compiled itself, and imports only the standard library in either build.
"""

from __future__ import annotations

from importlib.machinery import EXTENSION_SUFFIXES
from types import ModuleType

__all__ = ["is_compiled"]


def is_compiled(module: ModuleType) -> bool:
    """Whether *module* was loaded from an extension module rather than Python source.

    >>> import json
    >>> is_compiled(json)
    False
    """
    return (getattr(module, "__file__", None) or "").endswith(tuple(EXTENSION_SUFFIXES))
