"""Import optional dependencies with a message that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, extra: str) -> ModuleType:
    """Import *module*, or say which safename extra provides it.

    >>> require("json", "none").__name__
    'json'
    >>> require("surely_not_installed_module", "demo")
    Traceback (most recent call last):
    ...
    ModuleNotFoundError: this feature needs the 'demo' extra: pip install 'safename[demo]'
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module.partition(".")[0]:
            raise
        message = f"this feature needs the {extra!r} extra: pip install 'safename[{extra}]'"
        raise ModuleNotFoundError(message, name=module) from error
