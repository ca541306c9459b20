"""Run every benchmark under both builds of safename and write the report: ``python -m benchmarks``.

safename has two builds from the same source: pure Python, and the one mypyc
compiles (``SAFENAME_COMPILE=1``). Every timed module runs twice, each time in
a process of its own: under the pure build (the interpreter running this
command, in a development checkout the editable install of ``src/``), then
under the compiled build (a virtual environment in ``.venvs/bench-compiled``
that this command makes, and rebuilds when the source changed; see
:mod:`benchmarks._builds`). Each process checks that it imported the build it
was asked for and stops otherwise.

Writes ``docs/benchmarks.md`` (a Markdown table per comparison, a pair of
columns per build, with the machine, the Python and library versions of each
build and the date) and ``docs/benchmarks.png`` (a bar per contender and build:
its time relative to safename's, drawn with matplotlib from the ``bench``
extra). ``--only bench_routing`` runs one module; ``--output DIR`` writes
elsewhere; ``--pure-only`` skips the compiled build (the report says so);
``--python PATH`` runs the compiled build's part in an interpreter that has it
installed already, instead of the environment made here; ``--quick`` runs each
module that defines ``QUICK`` with it (the report says so).

The contract a benchmark module follows
---------------------------------------
Every module ``benchmarks/bench_<topic>.py`` that defines ::

    def run() -> list[tuple[str, list[Timing]]]: ...

is run, in name order, once under each build. ``run`` returns one
``(title, timings)`` pair per comparison, each ``timings`` list made by one
call of :func:`benchmarks._harness.compare`, so that every contender of a
table is timed on the same inputs, interleaved, in one process: each ratio is
measured in one run. The safename contender comes first; the ratios are
relative to it, within each build. A contender's name is the same in every
build (what differs, such as how a time was found, goes in
:attr:`~benchmarks._harness.Timing.note`). ``run`` is called without
arguments, may print (``compare`` does) and writes no files; it imports
safename as the build under test installed it, never from ``src/`` by path.
The first line of the module's docstring introduces its section of the report,
and its ``python -m benchmarks.bench_<topic>`` runs it alone. A module whose
full run takes minutes may define ``QUICK``, a dict of whole-number keyword
arguments for ``run`` (``{"entries": 10_000}``) that make it shorter, for
``--quick``; ``run``'s defaults stay those of the full run. A module without
``run`` (one that measures memory, say) is only named at the end of the
report, with the command that runs it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Final

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, NullFormatter

from benchmarks import Arguments, Section, discover, is_timed, summary_line
from benchmarks._builds import COMPILED_VENV, ROOT, Measurement, prepare_compiled, run_module
from benchmarks._harness import Timing

_HERE: Final = Path(__file__).resolve().parent
_CHART_NAME: Final = "benchmarks.png"
_CHART_COLUMNS: Final = 3
_MISSING: Final = "—"
#: How each build's interpreter was made, as the report states it.
PURE_HOW: Final = (
    "the interpreter running `python -m benchmarks` (in a development checkout, "
    "the editable install of `src/`: pure Python)"
)
COMPILED_HOW: Final = (
    "`SAFENAME_COMPILE=1 pip install '.[bench]'`, not editable (mypyc compiles the modules "
    f"of `[tool.safename.compile]`), into `{COMPILED_VENV.relative_to(ROOT).as_posix()}`, "
    "rebuilt when `src/`, `pyproject.toml` or `hatch_build.py` change"
)
QUICK_NOTE: Final = (
    "A quick run (`--quick`): a module that defines `QUICK` ran with it, as its section says."
)
GIVEN_HOW: Final = "an interpreter with the compiled build installed, given with `--python`"


@dataclass(frozen=True)
class BuildRun:
    """Every module's measurement under one build, and how that build was made."""

    build: str
    how: str
    measurements: list[Measurement]


@dataclass(frozen=True)
class Comparison:
    """One table, as each build measured it: ``timings[i]`` is the *i*-th build's (or empty).

    *section* is the module's, as the first build that ran it returned it.
    """

    section: Section
    title: str
    timings: list[list[Timing]]

    def names(self) -> list[str]:
        """Every contender, in the order the builds list them."""
        return list(dict.fromkeys(timing.name for row in self.timings for timing in row))


def comparisons(runs: Sequence[BuildRun]) -> list[Comparison]:
    """The tables of every build, lined up by module and title, each module's together."""
    modules: dict[str, dict[str, Comparison]] = {}
    for index, run in enumerate(runs):
        for measurement in run.measurements:
            section = measurement.section
            tables = modules.setdefault(section.module, {})
            for title, timings in section.tables:
                if title not in tables:
                    tables[title] = Comparison(section, title, [[] for _ in runs])
                tables[title].timings[index] = timings
    return [comparison for tables in modules.values() for comparison in tables.values()]


def machine() -> list[tuple[str, str]]:
    """What every build was measured on: the date, the machine and its system."""
    return [
        ("date", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("machine", f"{_cpu_name()}, {os.cpu_count()} logical CPUs, {platform.machine()}"),
        ("system", platform.platform()),
    ]


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
    runs: Sequence[BuildRun],
    about: Sequence[tuple[str, str]],
    untimed: Sequence[ModuleType] = (),
    *,
    notes: Sequence[str] = (),
) -> str:
    """The report: one table per comparison, a pair of columns per build, ratios to safename's.

    *about* is what every build shares (machine, date); each run's own
    measurements say its Python and library versions. *untimed* are the
    benchmark modules without ``run`` (they measure something else than time);
    the report names them and how to run them. *notes* are said after the
    introduction: that a build was skipped, say.
    """
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks`; do not edit by hand. safename has two builds from",
        "one source, pure Python and compiled with mypyc; every module below ran once under",
        "each build, each run a process of its own. Within a run, each table times its",
        "contenders on the same inputs, their passes interleaved so that load elsewhere",
        "slows all alike, each round starting one contender later (A, B, C, then B, C, A,",
        "...) so that none always runs after the same other. Each time is the best pass over",
        "all the inputs, so each ratio is measured in one process. *Relative time* is a",
        "row's time divided by the first row's (safename) in the same build: above 1 means",
        "safename is faster.",
        "Times of different builds come from different processes.",
        *notes,
        "",
        f"![Relative time of each contender, by build]({_CHART_NAME})",
        "",
        "| measured on | |",
        "| --- | --- |",
        *(f"| {key} | {value} |" for key, value in about),
        "",
        *_builds_table(runs),
    ]
    heading = ""
    for comparison in comparisons(runs):
        section = comparison.section
        if section.module != heading:
            heading = section.module
            lines += ["", f"## `{section.module}`", "", section.description]
            if section.arguments:
                lines += ["", f"Run with `{_call_text(section.arguments)}` (`--quick`)."]
        lines += ["", f"### {comparison.title}", "", *_table(runs, comparison)]
    if untimed:
        lines += ["", "## Not in this report", ""]
        lines += [f"- `python -m {module.__name__}`: {summary_line(module)}" for module in untimed]
    return "\n".join(lines) + "\n"


def _call_text(arguments: Arguments) -> str:
    return f"run({', '.join(f'{name}={value}' for name, value in arguments.items())})"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _builds_table(runs: Sequence[BuildRun]) -> list[str]:
    keys: dict[str, dict[str, str]] = {"built as": {}}
    for run in runs:
        keys["built as"][run.build] = run.how
        for key, value in run.measurements[-1].about if run.measurements else ():
            keys.setdefault(key, {})[run.build] = value
    return [
        _row(["build", *(run.build for run in runs)]),
        _row(["---"] * (len(runs) + 1)),
        *(
            _row([key, *(row.get(run.build, _MISSING) for run in runs)])
            for key, row in keys.items()
        ),
    ]


def _table(runs: Sequence[BuildRun], comparison: Comparison) -> list[str]:
    header = ["contender", "calls"]
    for run in runs:
        header += [f"{run.build}: µs per call", f"{run.build}: relative time"]
    lines = [_row(header), _row(["---", *["---:"] * (len(header) - 1)])]
    for name in comparison.names():
        found = [_find(timings, name) for timings in comparison.timings]
        calls = dict.fromkeys(str(timing.calls) for timing in found if timing)
        cells = [name, " / ".join(calls)]
        for timings, timing in zip(comparison.timings, found, strict=True):
            if timing is None:
                cells += [_MISSING, _MISSING]
                continue
            note = f" ({timing.note})" if timing.note else ""
            cells += [f"{timing.per_call_us:.3f}{note}", f"{_ratio(timings, timing):.2f}×"]
        lines.append(_row(cells))
    return lines


def _find(timings: Sequence[Timing], name: str) -> Timing | None:
    return next((timing for timing in timings if timing.name == name), None)


def _ratio(timings: Sequence[Timing], timing: Timing) -> float:
    return timing.seconds / timings[0].seconds


def draw_chart(runs: Sequence[BuildRun], path: Path) -> None:
    """One panel per table, a bar per contender and build: its time relative to safename's."""
    tables = comparisons(runs)
    rows = -(-len(tables) // _CHART_COLUMNS)
    # The object API, not pyplot: no display backend, no global figure state.
    figure = Figure(figsize=(5.2 * _CHART_COLUMNS, 0.6 + 2.6 * rows), layout="constrained")
    panels = list(figure.subplots(rows, _CHART_COLUMNS, squeeze=False).flat)
    for panel, comparison in zip(panels, tables, strict=False):
        _draw_panel(panel, comparison)
    for panel in panels[len(tables) :]:  # the grid's unused cells
        panel.set_visible(False)
    figure.legend(
        handles=[Patch(color=f"C{index}", label=run.build) for index, run in enumerate(runs)],
        loc="outside upper center",
        ncols=len(runs),
        title="build",
        fontsize=8,
    )
    figure.supxlabel("time relative to safename's in the same build (log scale; 1 = as fast)")
    figure.savefig(path, dpi=100)


def _draw_panel(panel: Axes, comparison: Comparison) -> None:
    names = comparison.names()
    builds = len(comparison.timings)
    height = 0.8 / builds
    for index, timings in enumerate(comparison.timings):
        # The first contender on top; within a contender, the first build on top.
        shift = (builds - 1) / 2 * height - index * height
        bars = [(len(names) - 1 - names.index(t.name) + shift, _ratio(timings, t)) for t in timings]
        positions = [position for position, _ in bars]
        ratios = [ratio for _, ratio in bars]
        panel.barh(positions, ratios, height=height, color=f"C{index}")
        for position, ratio in bars:
            panel.annotate(
                _times(ratio, ".2f"),
                (ratio, position),
                xytext=(3, 0),
                va="center",
                fontsize=6,
                textcoords="offset points",
            )
    panel.set_yticks(range(len(names))[::-1], names, fontsize=7)
    panel.set_xscale("log")
    panel.xaxis.set_major_formatter(FuncFormatter(lambda value, _: _times(value, "g")))
    panel.xaxis.set_minor_formatter(NullFormatter())  # they overlap on a narrow range
    panel.axvline(1.0, color="black", linewidth=0.8)
    panel.set_title(textwrap.fill(comparison.title, 56), fontsize=9)
    panel.tick_params(axis="x", labelsize=7)
    panel.margins(x=0.25)  # room for the labels right of the longest bar


def _times(ratio: float, precision: str) -> str:
    """A ratio as a label, short from 10,000 up (``2.9e12×``) so that labels do not overlap."""
    if ratio < 1e4:
        return f"{ratio:{precision}}×"
    mantissa, _, exponent = f"{ratio:.1e}".partition("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}×"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks under each build and write the Markdown report and the chart."""
    arguments = _parser().parse_args(argv)
    modules = discover(arguments.only)
    timed = [module for module in modules if is_timed(module)]
    if not timed:
        print("no benchmark module defines run()", file=sys.stderr)
        return 1
    started = time.perf_counter()
    interpreters, notes = _interpreters(arguments)
    if arguments.quick:
        notes.append(QUICK_NOTE)
    runs = [BuildRun(build, how, []) for build, _, how in interpreters]
    for module in timed:
        name = module.__name__.split(".")[-1]
        for run, (build, python, _) in zip(runs, interpreters, strict=True):
            print(f"\n== {module.__name__}, {build} build", flush=True)
            begun = time.perf_counter()
            run.measurements.append(run_module(python, build, name, quick=arguments.quick))
            print(f"== {module.__name__}, {build} build: {time.perf_counter() - begun:.0f} s")
    arguments.output.mkdir(parents=True, exist_ok=True)
    report = arguments.output / "benchmarks.md"
    untimed = [module for module in modules if not is_timed(module)]
    report.write_text(render_markdown(runs, machine(), untimed, notes=notes), encoding="utf-8")
    draw_chart(runs, arguments.output / _CHART_NAME)
    print(f"\nwrote {report} and {arguments.output / _CHART_NAME}")
    print(f"in {time.perf_counter() - started:.0f} s")
    return 0


def _interpreters(arguments: argparse.Namespace) -> tuple[list[tuple[str, Path, str]], list[str]]:
    """Each build's name, interpreter and how it was made; and what the report must say."""
    pure = ("pure", Path(sys.executable), PURE_HOW)
    if arguments.pure_only:
        return [pure], ["The compiled build was not run this time (`--pure-only`)."]
    if arguments.python:
        return [pure, ("compiled", arguments.python, GIVEN_HOW)], []
    return [pure, ("compiled", prepare_compiled(), COMPILED_HOW)], []


def _parser() -> argparse.ArgumentParser:
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
    parser.add_argument(
        "--quick",
        action="store_true",
        help="run each module that defines QUICK with it, for a shorter run (the report says so)",
    )
    builds = parser.add_mutually_exclusive_group()
    builds.add_argument(
        "--pure-only", action="store_true", help="skip the compiled build (the report says so)"
    )
    builds.add_argument(
        "--python",
        type=Path,
        metavar="PATH",
        help="an interpreter with the compiled build installed, instead of .venvs/bench-compiled",
    )
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
