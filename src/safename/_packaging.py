"""What this installation of safename is: which build runs, and which extras are installed.

Both builds come from the same source (``hatch_build.py`` compiles the modules
listed in ``pyproject.toml`` when ``SAFENAME_COMPILE=1``). This module is never
compiled itself, and imports only the standard library in either build; the
integrations import their framework through :func:`require`, so that a missing
extra is named in the error.
"""

from __future__ import annotations

import importlib
import inspect
from importlib.machinery import EXTENSION_SUFFIXES
from types import ModuleType
from typing import Any

__all__ = ["is_compiled", "public_names", "require"]


def is_compiled(module: ModuleType) -> bool:
    """Whether *module* was loaded from an extension module rather than Python source.

    >>> import json
    >>> is_compiled(json)
    False
    """
    return (getattr(module, "__file__", None) or "").endswith(tuple(EXTENSION_SUFFIXES))


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


def public_names(namespace: dict[str, Any]) -> None:
    """Name the package a user imports as the home of each class and function in its ``__all__``.

    A package re-exports names defined in its private modules
    (``safename.uploads._save``); this sets their ``__module__`` to the package,
    so that tracebacks, ``repr`` and the API docs show the import path a user
    writes (``safename.uploads.UploadStorageError``). Call it last in the
    package's ``__init__``, with ``globals()``. Not for compiled modules: mypyc's
    classes and functions keep the module they were compiled in.

    >>> class Refused(Exception):
    ...     pass
    >>> Refused.__module__ = "package._private"
    >>> public_names({"__name__": "package", "__all__": ["Refused"], "Refused": Refused})
    >>> Refused.__module__
    'package'
    """
    package = namespace["__name__"]
    for name in namespace["__all__"]:
        value = namespace[name]
        if isinstance(value, type):
            _move_methods(value, package)
        if isinstance(value, type) or inspect.isfunction(value):
            value.__module__ = package


def _move_methods(cls: type, package: str) -> None:
    """Give the methods of *cls* the same home as the class.

    Doctest finds a class's method examples only when each method's module is the
    class's: without this, moving the class would silently drop them from the tests.
    """
    home = cls.__module__
    for member in vars(cls).values():
        function = getattr(member, "__func__", None) or getattr(member, "fget", None) or member
        if inspect.isfunction(function) and function.__module__ == home:
            function.__module__ = package
