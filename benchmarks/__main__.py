"""Run every benchmark side by side and write the report: ``python -m benchmarks``.

Writes ``docs/benchmarks.md`` (a Markdown table per comparison, with the
machine, the Python and library versions and the date) and
``docs/benchmarks.png`` (a bar chart of the ratios, drawn with matplotlib from
the ``bench`` extra). ``--only bench_routing`` runs one module; ``--output DIR``
writes elsewhere.

The contract a benchmark module follows
---------------------------------------
Every module ``benchmarks/bench_<topic>.py`` that defines ::

    def run() -> list[tuple[str, list[Timing]]]: ...

is run, in name order. ``run`` returns one ``(title, timings)`` pair per
comparison, each ``timings`` list made by one call of
:func:`benchmarks._harness.compare`, so that every contender of a table is timed
on the same inputs, interleaved, in one run: each ratio is measured in one run.
The safename contender comes first; the ratios are relative to it. ``run``
takes no arguments, may print (``compare`` does) and writes no files. The first
line of the module's docstring introduces its section of the report, and its
``python -m benchmarks.bench_<topic>`` runs it alone. A module without ``run``
(one that measures memory, say) is only named at the end of the report, with
the command that runs it.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import os
import pkgutil
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Final

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from benchmarks._harness import Timing

#: The libraries whose versions the report states.
LIBRARIES: Final = ("safename", "werkzeug", "pathvalidate", "django", "starlette")
_HERE: Final = Path(__file__).resolve().parent
_CHART_NAME: Final = "benchmarks.png"
_CHART_COLUMNS: Final = 3

Table = tuple[str, list[Timing]]


@dataclass(frozen=True)
class Section:
    """The tables one benchmark module returned, with its description."""

    module: str
    description: str
    tables: list[Table]


def discover(only: Sequence[str] = ()) -> list[ModuleType]:
    """Import every ``bench_*`` module (or those named in *only*), in name order."""
    names = sorted(
        info.name for info in pkgutil.iter_modules([str(_HERE)]) if info.name.startswith("bench_")
    )
    unknown = set(only) - set(names)
    if unknown:
        raise SystemExit(f"no such benchmark module: {', '.join(sorted(unknown))}")
    chosen = [name for name in names if not only or name in only]
    return [importlib.import_module(f"benchmarks.{name}") for name in chosen]


def is_timed(module: ModuleType) -> bool:
    """Whether *module* follows the contract: it defines ``run``."""
    return callable(getattr(module, "run", None))


def _summary_line(module: ModuleType) -> str:
    return (module.__doc__ or module.__name__).strip().splitlines()[0]


def run_all(modules: Sequence[ModuleType]) -> list[Section]:
    """Run each timed module's ``run()`` once, in order."""
    return [
        Section(module.__name__, _summary_line(module), module.run())
        for module in modules
        if is_timed(module)
    ]


def environment() -> list[tuple[str, str]]:
    """What the numbers were measured on: machine, Python, library versions, date."""
    rows = [
        ("date", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("machine", f"{_cpu_name()}, {os.cpu_count()} logical CPUs, {platform.machine()}"),
        ("system", platform.platform()),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
    ]
    for library in LIBRARIES:
        try:
            version = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:
            version = "not installed"
        rows.append((library, version))
    return rows


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def render_markdown(
    sections: Sequence[Section],
    about: Sequence[tuple[str, str]],
    untimed: Sequence[ModuleType] = (),
) -> str:
    """The report: one table per comparison, ratios relative to its first row.

    *untimed* are the benchmark modules without ``run`` (they measure
    something else than time); the report names them and how to run them.
    """
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks`; do not edit by hand. Each table times its",
        "contenders on the same inputs in one run of the command, their passes interleaved",
        "(A, B, A, B, ...) so that load elsewhere slows all alike; each time is the best pass",
        "over all the inputs, so each ratio is measured in one run.",
        "*Relative time* is a row's time divided by the first row's (safename, grey in the",
        "chart): above 1 means safename is faster.",
        "",
        f"![Relative time of each contender]({_CHART_NAME})",
        "",
        "| measured on | |",
        "| --- | --- |",
        *(f"| {key} | {value} |" for key, value in about),
    ]
    for section in sections:
        lines += ["", f"## `{section.module}`", "", section.description]
        for title, timings in section.tables:
            lines += ["", f"### {title}", "", *_table(timings)]
    if untimed:
        lines += ["", "## Not in this report", ""]
        lines += [f"- `python -m {module.__name__}`: {_summary_line(module)}" for module in untimed]
    return "\n".join(lines) + "\n"


def _table(timings: Sequence[Timing]) -> list[str]:
    reference = timings[0].seconds
    rows = [
        "| contender | µs per call | calls | relative time |",
        "| --- | ---: | ---: | ---: |",
    ]
    rows += [
        f"| {timing.name} | {timing.per_call_us:.3f} | {timing.calls} | "
        f"{timing.seconds / reference:.2f}× |"
        for timing in timings
    ]
    return rows


def draw_chart(sections: Sequence[Section], path: Path) -> None:
    """One panel per table, a bar per contender: its time relative to the table's first."""
    tables = [table for section in sections for table in section.tables]
    rows = -(-len(tables) // _CHART_COLUMNS)
    # The object API, not pyplot: no display backend, no global figure state.
    figure = Figure(figsize=(5.2 * _CHART_COLUMNS, 2.3 * rows), layout="constrained")
    panels = list(figure.subplots(rows, _CHART_COLUMNS, squeeze=False).flat)
    for panel, (title, timings) in zip(panels, tables, strict=False):
        _draw_panel(panel, title, timings)
    for panel in panels[len(tables) :]:  # the grid's unused cells
        panel.set_visible(False)
    figure.supxlabel("time relative to the table's first contender (log scale; 1 = as fast)")
    figure.savefig(path, dpi=100)


def _draw_panel(panel: Axes, title: str, timings: Sequence[Timing]) -> None:
    ratios = [timing.seconds / timings[0].seconds for timing in timings]
    positions = range(len(timings))[::-1]  # the first contender on top
    panel.barh(positions, ratios, color=["C7", *["C0"] * (len(timings) - 1)])
    panel.set_yticks(positions, [timing.name for timing in timings], fontsize=7)
    panel.set_xscale("log")
    panel.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}×"))
    panel.xaxis.set_minor_formatter(NullFormatter())  # they overlap on a narrow range
    panel.axvline(1.0, color="black", linewidth=0.8)
    panel.set_title(title, fontsize=9)
    panel.tick_params(axis="x", labelsize=7)
    panel.margins(x=0.25)  # room for the labels right of the longest bar
    for position, ratio in zip(positions, ratios, strict=True):
        panel.annotate(
            f"{ratio:.2f}×",
            (ratio, position),
            xytext=(3, -3),
            fontsize=7,
            textcoords="offset points",
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and write the Markdown report and the chart."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="MODULE",
        help="run only this module (bench_filenames ...); repeatable",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=_HERE.parent / "docs",
        metavar="DIR",
        help="where to write benchmarks.md and benchmarks.png (default: docs/)",
    )
    arguments = parser.parse_args(argv)
    modules = discover(arguments.only)
    sections = run_all(modules)
    if not sections:
        print("no benchmark module defines run()", file=sys.stderr)
        return 1
    arguments.output.mkdir(parents=True, exist_ok=True)
    report = arguments.output / "benchmarks.md"
    untimed = [module for module in modules if not is_timed(module)]
    report.write_text(render_markdown(sections, environment(), untimed), encoding="utf-8")
    draw_chart(sections, arguments.output / _CHART_NAME)
    print(f"\nwrote {report} and {arguments.output / _CHART_NAME}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
