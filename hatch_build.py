"""The optional compiled build: the core modules turned into C extensions by mypyc.

Off by default, so that installing the sdist needs no compiler and pulls in
nothing: ``SAFENAME_COMPILE=1 pip install .`` turns it on. The modules to
compile are listed once, in ``[tool.safename.compile]`` of ``pyproject.toml``;
their pure-Python source is the same in both builds and stays in the wheel
(an extension module is imported before a ``.py`` file of the same name).
Editable installs stay pure Python.
"""

from __future__ import annotations

import os
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SWITCH = "SAFENAME_COMPILE"
_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"", "0", "false", "no", "off"})
# What compiling needs in the build environment, and only then.
COMPILE_REQUIRES = ["mypy>=1.10", "setuptools>=69"]


def compile_requested() -> bool:
    """Whether the environment asks for the compiled build (``SAFENAME_COMPILE=1``)."""
    value = os.environ.get(SWITCH, "").strip().lower()
    if value not in _ON | _OFF:
        raise ValueError(f"{SWITCH} must be 1 or 0, got {os.environ[SWITCH]!r}")
    return value in _ON


def compiled_modules(root: Path) -> list[str]:
    """The module names listed under ``[tool.safename.compile]`` in ``pyproject.toml``."""
    with (root / "pyproject.toml").open("rb") as file:
        modules: list[str] = tomllib.load(file)["tool"]["safename"]["compile"]["modules"]
    return modules


def module_path(root: Path, module: str) -> Path:
    """The source file of *module* under ``src/``: a ``.py`` file or a package's ``__init__``."""
    base = root / "src" / Path(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


class CompileHook(BuildHookInterface):
    """Compile the listed modules with mypyc when ``SAFENAME_COMPILE=1``; otherwise do nothing."""

    PLUGIN_NAME = "custom"

    def dependencies(self) -> list[str]:
        return list(COMPILE_REQUIRES) if compile_requested() else []

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if not compile_requested():
            return
        if version != "standard":
            self.app.display_warning(f"{SWITCH}: an editable install stays pure Python")
            return
        root = Path(self.root)
        output = Path(tempfile.mkdtemp(prefix="safename-mypyc-"))
        for built in _build_extensions(root, output):
            build_data["force_include"][str(built)] = built.relative_to(output / "lib").as_posix()
        build_data["pure_python"] = False
        build_data["infer_tag"] = True


def _build_extensions(root: Path, output: Path) -> list[Path]:
    """Run mypyc and the C compiler; return the extension files written under *output*."""
    from mypyc.build import mypycify  # noqa: PLC0415 - only in a compiling build environment
    from setuptools import Distribution  # noqa: PLC0415

    paths = [
        module_path(root, module).relative_to(root).as_posix() for module in compiled_modules(root)
    ]
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    previous = Path.cwd()
    os.chdir(root)  # mypyc names modules from paths relative to the working directory
    try:
        extensions = mypycify(
            ["--python-version", version, *paths], opt_level="3", target_dir=str(output / "c")
        )
        distribution = Distribution({"name": "safename", "ext_modules": extensions})
        command: Any = distribution.get_command_obj("build_ext")
        command.build_lib = str(output / "lib")
        command.build_temp = str(output / "temp")
        command.ensure_finalized()
        command.run()
    finally:
        os.chdir(previous)
    return sorted(path for path in (output / "lib").rglob("*") if path.is_file())
