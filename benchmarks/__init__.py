"""Side-by-side benchmarks of safename and the libraries people would use instead.

The contract a ``bench_<topic>`` module follows is told in ``benchmarks/__main__.py``;
what the report runner and the process that runs one module under one build
share (finding the modules, and what a module's run returns) is here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Final

from benchmarks._harness import Timing

_HERE: Final = Path(__file__).resolve().parent

#: One comparison: its title, and one timing per contender (safename's first).
Table = tuple[str, list[Timing]]
#: Keyword arguments of a module's ``run``, such as its ``QUICK`` setting.
Arguments = dict[str, int]


@dataclass(frozen=True)
class Section:
    """The tables one benchmark module returned, with its description.

    *arguments* are those ``run`` was called with: none for the full run.
    """

    module: str
    description: str
    tables: list[Table]
    arguments: Arguments = field(default_factory=dict)


def module_names() -> list[str]:
    """The names of every ``bench_*`` module, in name order."""
    return sorted(
        info.name for info in pkgutil.iter_modules([str(_HERE)]) if info.name.startswith("bench_")
    )


def discover(only: Sequence[str] = ()) -> list[ModuleType]:
    """Import every ``bench_*`` module (or those named in *only*), in name order."""
    names = module_names()
    unknown = set(only) - set(names)
    if unknown:
        raise SystemExit(f"no such benchmark module: {', '.join(sorted(unknown))}")
    chosen = [name for name in names if not only or name in only]
    return [importlib.import_module(f"benchmarks.{name}") for name in chosen]


def is_timed(module: ModuleType) -> bool:
    """Whether *module* follows the contract: it defines ``run``."""
    return callable(getattr(module, "run", None))


def summary_line(module: ModuleType) -> str:
    """The first line of *module*'s docstring: what its section of the report is about."""
    return (module.__doc__ or module.__name__).strip().splitlines()[0]


def quick_arguments(module: ModuleType) -> Arguments:
    """The keyword arguments of *module*'s ``run`` for a shorter run: its ``QUICK``, or none."""
    return dict(getattr(module, "QUICK", {}))


def run_section(module: ModuleType, *, quick: bool = False) -> Section:
    """Run a timed module's ``run()`` once, in this process; with its ``QUICK`` if *quick*."""
    arguments = quick_arguments(module) if quick else {}
    return Section(module.__name__, summary_line(module), module.run(**arguments), arguments)
