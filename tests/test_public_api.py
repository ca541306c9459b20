"""The public API is pinned: every documented module keeps its names and their signatures.

``tests/public_api.json`` records, for each public module, every name in its ``__all__``
with its kind and signature. A move of code between private modules must leave this
table unchanged; a deliberate change of the API updates the table in the same commit
(regenerate it with ``python tests/test_public_api.py > tests/public_api.json``).
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import sys
from pathlib import Path

import pytest

PINNED = Path(__file__).with_name("public_api.json")
#: Every module a user imports from: the top level, the adapters and each documented module.
PUBLIC_MODULES = (
    "safename",
    "safename.archives",
    "safename.audit",
    "safename.cli",
    "safename.converters",
    "safename.demo",
    "safename.demo.forms",
    "safename.django",
    "safename.errors",
    "safename.filenames",
    "safename.flask",
    "safename.hostile",
    "safename.paths",
    "safename.routing",
    "safename.routing.matcher",
    "safename.routing.rules",
    "safename.starlette",
    "safename.strategies",
    "safename.strategies.filenames",
    "safename.strategies.urls",
    "safename.uploads",
    "safename.validation",
)


def describe(value: object) -> str:
    """What a user relies on: a class or function with its signature, or a value's type."""
    if inspect.isclass(value):
        kind = "class"
    elif inspect.isroutine(value):
        kind = "def"
    else:
        return f"value of type {type(value).__qualname__}"
    try:
        signature = str(inspect.signature(value))
    except (TypeError, ValueError):  # a built-in without a text signature
        return kind
    # A default's repr may hold its address ("<function random_stem at 0x7f...>").
    return kind + re.sub(r" at 0x[0-9a-f]+>", ">", signature)


def public_names(module_name: str) -> dict[str, str]:
    module = importlib.import_module(module_name)
    return {name: describe(getattr(module, name)) for name in sorted(module.__all__)}


def pinned() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = json.loads(PINNED.read_text(encoding="utf-8"))
    return table


def test_the_table_pins_every_public_module() -> None:
    assert sorted(pinned()) == sorted(PUBLIC_MODULES)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_a_public_module_keeps_its_names_and_signatures(module_name: str) -> None:
    assert public_names(module_name) == pinned()[module_name]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_pinned_name_imports_from_its_module(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [name for name in pinned()[module_name] if not hasattr(module, name)]
    assert missing == []


if __name__ == "__main__":
    json.dump(
        {name: public_names(name) for name in PUBLIC_MODULES}, sys.stdout, indent=1, sort_keys=True
    )
