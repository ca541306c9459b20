"""The benchmark report runner (``python -m benchmarks``) and the filename contenders.

What is logic here is tested, not what is timed: the report and the chart drawn
from made-up timings of both builds, the JSON a measuring process hands back,
the check that refuses a process the wrong build, and when the compiled
build's environment must be rebuilt.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

import safename
from benchmarks import Section, contenders, discover, is_timed, run_section
from benchmarks.__main__ import BuildRun, _times, comparisons, draw_chart, render_markdown
from benchmarks._builds import (
    ROOT,
    SOURCE,
    BenchmarkRunError,
    Measurement,
    build_problem,
    is_stale,
    mark_built,
    source_digest,
    venv_python,
)
from benchmarks._harness import Timing, compare


def build_run(build: str, how: str, tables: list[tuple[str, list[Timing]]]) -> BuildRun:
    """One build's run of one made-up module, in a quick run."""
    about = [("python", "CPython 3"), ("safename", f"1.0, {build}")]
    section = Section("benchmarks.bench_example", "An example.", tables, {"repeat": 3})
    return BuildRun(build, how, [Measurement(build, about, section)])


PURE = build_run(
    "pure",
    "the editable install",
    [
        ("fast table", [Timing("safename", 1.0, 1000), Timing("other", 2.5, 1000)]),
        ("slow table", [Timing("safename", 4.0, 10), Timing("other", 1.0, 10)]),
    ],
)
COMPILED = build_run(
    "compiled",
    "the compiled wheel",
    [
        ("fast table", [Timing("safename", 0.5, 1000), Timing("other", 2.5, 1000)]),
        ("slow table", [Timing("safename", 2.0, 10, "n^1.0"), Timing("other", 1.0, 10, "n^2.0")]),
        ("compiled only", [Timing("safename", 1.0, 1)]),
    ],
)


@pytest.mark.parametrize(
    "row",
    [
        "| contender | calls | pure: µs per call | pure: relative time | compiled: µs per call "
        "| compiled: relative time |",
        "| safename | 1000 | 1000.000 | 1.00× | 500.000 | 1.00× |",
        "| other | 1000 | 2500.000 | 2.50× | 2500.000 | 5.00× |",
        "| safename | 10 | 400000.000 | 1.00× | 200000.000 (n^1.0) | 1.00× |",
        "| other | 10 | 100000.000 | 0.25× | 100000.000 (n^2.0) | 0.50× |",
        "| safename | 1 | — | — | 1000000.000 | 1.00× |",
        "| build | pure | compiled |",
        "| built as | the editable install | the compiled wheel |",
        "| python | CPython 3 | CPython 3 |",
        "| safename | 1.0, pure | 1.0, compiled |",
        "| machine | a test machine |",
        "![Relative time of each contender, by build](benchmarks.png)",
        "### fast table",
        "### compiled only",
        "Run with `run(repeat=3)` (`--quick`).",
    ],
)
def test_report_has_a_column_pair_per_build_relative_to_safename_in_each(row: str) -> None:
    report = render_markdown([PURE, COMPILED], [("machine", "a test machine")])
    assert row in report.splitlines()


def test_report_of_the_pure_build_alone_says_the_compiled_one_was_skipped() -> None:
    report = render_markdown([PURE], [], notes=["The compiled build was not run."])
    lines = report.splitlines()
    assert "The compiled build was not run." in lines
    assert "| safename | 1000 | 1000.000 | 1.00× |" in lines
    assert "| contender | calls | pure: µs per call | pure: relative time |" in lines
    assert "| build | pure |" in lines


def test_report_has_one_heading_per_module_though_a_table_is_in_one_build_only() -> None:
    report = render_markdown([PURE, COMPILED], [])
    assert report.splitlines().count("## `benchmarks.bench_example`") == 1


def test_comparisons_line_up_each_table_of_each_build() -> None:
    found = comparisons([PURE, COMPILED])
    assert [comparison.title for comparison in found] == [
        "fast table",
        "slow table",
        "compiled only",
    ]
    assert [len(timings) for timings in found[2].timings] == [0, 1]
    assert found[0].names() == ["safename", "other"]


@pytest.mark.parametrize("runs", [[PURE, COMPILED], [PURE]], ids=["both builds", "pure only"])
def test_chart_is_a_png(tmp_path: Path, runs: list[BuildRun]) -> None:
    path = tmp_path / "chart.png"
    draw_chart(runs, path)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_discover_finds_every_bench_module() -> None:
    modules = discover()
    assert modules
    assert all(module.__name__.startswith("benchmarks.bench_") for module in modules)


def test_report_names_the_modules_it_does_not_time() -> None:
    untimed = ModuleType("benchmarks.bench_memory", "Peak memory of something.\n\nMore.")
    report = render_markdown([PURE], [], [untimed])
    assert "- `python -m benchmarks.bench_memory`: Peak memory of something." in report
    assert not is_timed(untimed)


@pytest.mark.parametrize(
    ("ratio", "precision", "label"),
    [
        (1.0, ".2f", "1.00×"),
        (0.25, "g", "0.25×"),
        (9999.0, "g", "9999×"),
        (1e4, "g", "1e4×"),
        (1e12, "g", "1e12×"),
        (2.94e12, ".2f", "2.9e12×"),
    ],
)
def test_chart_labels_stay_short_for_huge_ratios(ratio: float, precision: str, label: str) -> None:
    assert _times(ratio, precision) == label


def example_module() -> ModuleType:
    """A timed module whose ``QUICK`` makes its run shorter."""
    module = ModuleType("benchmarks.bench_example", "An example.")

    def run(entries: int = 50_000) -> list[tuple[str, list[Timing]]]:
        return [(f"{entries} entries", [Timing("safename", 1.0, entries)])]

    module.run = run  # type: ignore[attr-defined]
    module.QUICK = {"entries": 10}  # type: ignore[attr-defined]
    return module


@pytest.mark.parametrize(
    ("quick", "title", "arguments"),
    [(False, "50000 entries", {}), (True, "10 entries", {"entries": 10})],
)
def test_a_quick_run_calls_run_with_the_modules_quick_setting(
    quick: bool, title: str, arguments: dict[str, int]
) -> None:
    section = run_section(example_module(), quick=quick)
    assert [table for table, _ in section.tables] == [title]
    assert section.arguments == arguments


@pytest.mark.parametrize(
    "module",
    [module for module in discover() if hasattr(module, "QUICK")],
    ids=lambda module: module.__name__,
)
def test_every_quick_setting_fits_its_modules_run(module: ModuleType) -> None:
    inspect.signature(module.run).bind(**module.QUICK)


def test_discover_refuses_an_unknown_module() -> None:
    with pytest.raises(SystemExit, match="bench_nothing"):
        discover(["bench_nothing"])


timings = st.builds(
    Timing,
    name=st.text(),
    seconds=st.floats(min_value=0, allow_infinity=False, allow_nan=False),
    calls=st.integers(min_value=1),
    note=st.text(),
)


@given(
    build=st.sampled_from(["pure", "compiled"]),
    about=st.lists(st.tuples(st.text(), st.text())),
    description=st.text(),
    tables=st.lists(st.tuples(st.text(), st.lists(timings))),
    arguments=st.dictionaries(st.text(), st.integers()),
)
def test_a_measurement_reads_back_from_its_json_as_it_was(
    build: str,
    about: list[tuple[str, str]],
    description: str,
    tables: list[tuple[str, list[Timing]]],
    arguments: dict[str, int],
) -> None:
    section = Section("benchmarks.bench_x", description, tables, arguments)
    measured = Measurement(build, about, section)
    assert Measurement.from_json(measured.to_json()) == measured


@pytest.mark.parametrize(
    "text",
    ["", "not json", "[]", "{}", '{"build": "pure", "about": [], "module": "m"}'],
)
def test_unreadable_json_is_refused_with_a_clear_error(text: str) -> None:
    with pytest.raises(BenchmarkRunError, match="unreadable benchmark result"):
        Measurement.from_json(text)


INSTALLED = Path(sys.prefix) / "lib" / "site-packages" / "safename" / "__init__.py"
IN_SOURCE = SOURCE / "safename" / "__init__.py"


@pytest.mark.parametrize(
    ("expected", "compiled", "location", "problem"),
    [
        ("pure", False, IN_SOURCE, None),
        ("pure", False, INSTALLED, None),
        ("compiled", True, INSTALLED, None),
        (
            "compiled",
            False,
            INSTALLED,
            "asked for the compiled build, but safename here is the pure",
        ),
        ("pure", True, INSTALLED, "asked for the pure build, but safename here is the compiled"),
        ("compiled", True, IN_SOURCE, "the compiled run imported safename from the source tree"),
        ("fast", False, INSTALLED, "no such build: 'fast'"),
    ],
)
def test_build_check_refuses_any_other_build(
    expected: str, compiled: bool, location: Path, problem: str | None
) -> None:
    found = build_problem(expected, compiled=compiled, location=location)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(problem)


def test_a_measuring_process_given_the_wrong_build_stops_before_timing(tmp_path: Path) -> None:
    wrong = "pure" if safename.COMPILED else "compiled"
    output = tmp_path / "measurement.json"
    command = [sys.executable, "-m", "benchmarks._builds", "--build", wrong]
    command += ["--json", str(output), "bench_filenames"]
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    process = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    assert process.returncode != 0
    assert f"benchmarks: asked for the {wrong} build" in process.stderr
    assert "secure_filename" not in process.stdout  # nothing was timed
    assert not output.exists()


def fake_checkout(root: Path) -> Path:
    """A checkout in miniature: the files the compiled build is made from."""
    (root / "src" / "safename" / "__pycache__").mkdir(parents=True)
    (root / "src" / "safename" / "__init__.py").write_text("COMPILED = False\n")
    (root / "pyproject.toml").write_text("[project]\nname = 'safename'\n")
    (root / "hatch_build.py").write_text("# the build hook\n")
    return root


def fake_venv(root: Path) -> Path:
    venv = root / ".venvs" / "bench-compiled"
    venv_python(venv).parent.mkdir(parents=True)
    venv_python(venv).write_text("")
    return venv


def test_an_environment_without_interpreter_or_record_is_stale(tmp_path: Path) -> None:
    root = fake_checkout(tmp_path)
    digest = source_digest(root)
    venv = root / ".venvs" / "bench-compiled"
    assert is_stale(venv, digest)  # nothing there
    fake_venv(root)
    assert is_stale(venv, digest)  # an interpreter, but no record of what was built
    mark_built(venv, digest)
    assert not is_stale(venv, digest)
    venv_python(venv).unlink()
    assert is_stale(venv, digest)


@pytest.mark.parametrize(
    ("changed", "stale"),
    [
        ("src/safename/__init__.py", True),
        ("src/safename/new_module.py", True),
        ("pyproject.toml", True),
        ("hatch_build.py", True),
        ("src/safename/__pycache__/__init__.cpython-311.pyc", False),
        ("README.md", False),
    ],
)
def test_the_environment_is_stale_once_what_it_was_built_from_changes(
    tmp_path: Path, changed: str, stale: bool
) -> None:
    root = fake_checkout(tmp_path)
    venv = fake_venv(root)
    mark_built(venv, source_digest(root))
    with (root / changed).open("a") as file:
        file.write("# changed\n")
    assert is_stale(venv, source_digest(root)) is stale


@given(st.text())
def test_contenders_never_raise(name: str) -> None:
    for contender in (
        contenders.werkzeug_secure_filename,
        contenders.pathvalidate_sanitize,
        contenders.django_get_valid_filename,
    ):
        result = contender(name)
        assert result is None or isinstance(result, str)


def test_each_round_of_passes_starts_one_contender_later() -> None:
    first_calls: list[str] = []

    def contender(name: str) -> Callable[[int], None]:
        def call(item: int) -> None:
            if item == 0:
                first_calls.append(name)

        return call

    timings = compare("order", {name: contender(name) for name in "ABC"}, [0, 1], repeat=4)
    assert "".join(first_calls) == "ABCBCACABABC"
    assert [timing.name for timing in timings] == ["A", "B", "C"]
