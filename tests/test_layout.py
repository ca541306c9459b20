"""The package layout: private names stay private, and the data the layers share has one home.

The layers themselves (no upward import, no circle, no framework in the core) are
import-linter contracts in ``pyproject.toml``, checked by ``lint-imports`` in the test command.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "safename"


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def is_submodule(package: str, name: str) -> bool:
    """Whether ``from package import name`` names a module (``safename.filenames._rules``)."""
    folder = PACKAGE.joinpath(*package.split(".")[1:], name)
    return folder.with_suffix(".py").exists() or (folder / "__init__.py").exists()


def imports_from(path: Path) -> list[ast.ImportFrom]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]


@pytest.mark.parametrize("path", modules(), ids=module_name)
def test_no_module_imports_a_private_name_of_another_public_module(path: Path) -> None:
    borrowed = [
        (node.module, alias.name)
        for node in imports_from(path)
        if node.module
        and node.module.startswith("safename.")
        # A private module (safename.filenames._rules) exists to be shared; its names are its API.
        and not node.module.rpartition(".")[2].startswith("_")
        for alias in node.names
        if alias.name.startswith("_")
        # A module that keeps an import path re-exports its home's __all__.
        and alias.name != "__all__"
        # A private module of a package (safename.filenames._rules) is shared through it.
        and not is_submodule(node.module, alias.name)
    ]
    assert borrowed == []


def test_the_adapters_register_one_list_of_converters() -> None:
    from safename import converters, django, starlette

    registered = (starlette.REGISTERED_NAMES, django.REGISTERED_NAMES)  # type: ignore[attr-defined]
    assert registered[0] is registered[1] is converters.REGISTERED_NAMES
    assert set(converters.REGISTERED_NAMES) <= set(converters.DEFAULT_CONVERTERS)


def test_the_flask_default_length_is_the_rule_tables() -> None:
    from safename.filenames import _rules
    from safename.flask import CONFIG_DEFAULTS

    assert CONFIG_DEFAULTS["SAFENAME_FILENAME_MAX_LENGTH"] == _rules.DEFAULT_MAX_LENGTH


def requirement_name(requirement: str) -> str:
    return re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0]


def named_extras(requirement: str) -> list[str]:
    """The extras of a ``safename[a,b]`` requirement; none for any other package."""
    if requirement_name(requirement) != "safename":
        return []
    return [name.strip() for name in requirement.partition("[")[2].partition("]")[0].split(",")]


def packages(extras: dict[str, list[str]], extra: str) -> set[str]:
    """Every package *extra* installs, following ``safename[...]`` into the extras it names."""
    found = set()
    for requirement in extras[extra]:
        for named in named_extras(requirement):
            found |= packages(extras, named)
        if requirement_name(requirement) != "safename":
            found.add(requirement_name(requirement))
    return found


@pytest.mark.parametrize("extra", ["dev", "fuzz", "docs", "flask", "bench"])
def test_an_extra_lists_no_package_twice(extra: str) -> None:
    pyproject = tomllib.loads((PACKAGE.parent.parent / "pyproject.toml").read_text("utf-8"))
    extras: dict[str, list[str]] = pyproject["project"]["optional-dependencies"]
    direct = [requirement_name(requirement) for requirement in extras[extra]]
    assert len(direct) == len(set(direct))
    # Nor once by name and once through a safename[...] extra it includes.
    through_extras = {
        package
        for requirement in extras[extra]
        for named in named_extras(requirement)
        for package in packages(extras, named)
    }
    assert set(direct) & through_extras == set()


@pytest.mark.parametrize("package", ["safename.uploads", "safename.archives", "safename.audit"])
def test_the_examples_of_a_re_exported_class_run_from_its_package(package: str) -> None:
    # The package names itself the home of its classes; their methods' examples must follow,
    # or doctest would find them in neither module and skip them without a word.
    import doctest
    import importlib
    import inspect

    module = importlib.import_module(package)
    found = {test.name for test in doctest.DocTestFinder().find(module) if test.examples}
    expected = {
        f"{package}.{name}.{method}"
        for name in module.__all__
        if inspect.isclass(cls := getattr(module, name))
        for method, member in vars(cls).items()
        if inspect.isfunction(member) and ">>>" in (member.__doc__ or "")
    }
    assert expected <= found
