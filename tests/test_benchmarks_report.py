"""The benchmark report runner (``python -m benchmarks``) and the filename contenders."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks import contenders
from benchmarks.__main__ import Section, discover, draw_chart, is_timed, render_markdown
from benchmarks._harness import Timing

SECTIONS = [
    Section(
        "benchmarks.bench_example",
        "An example section.",
        [
            ("fast table", [Timing("safename", 1.0, 1000), Timing("other", 2.5, 1000)]),
            ("slow table", [Timing("safename", 4.0, 10), Timing("other", 1.0, 10)]),
        ],
    )
]


@pytest.mark.parametrize(
    "row",
    [
        "| safename | 1000.000 | 1000 | 1.00× |",
        "| other | 2500.000 | 1000 | 2.50× |",
        "| safename | 400000.000 | 10 | 1.00× |",
        "| other | 100000.000 | 10 | 0.25× |",
        "| python | CPython 3 |",
        "![Relative time of each contender](benchmarks.png)",
        "### fast table",
    ],
)
def test_report_has_a_row_per_contender_relative_to_the_first(row: str) -> None:
    report = render_markdown(SECTIONS, [("python", "CPython 3")])
    assert row in report.splitlines()


def test_chart_is_a_png(tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    draw_chart(SECTIONS, path)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_discover_finds_every_bench_module() -> None:
    modules = discover()
    assert modules
    assert all(module.__name__.startswith("benchmarks.bench_") for module in modules)


def test_report_names_the_modules_it_does_not_time() -> None:
    untimed = ModuleType("benchmarks.bench_memory", "Peak memory of something.\n\nMore.")
    report = render_markdown(SECTIONS, [], [untimed])
    assert "- `python -m benchmarks.bench_memory`: Peak memory of something." in report
    assert not is_timed(untimed)


def test_discover_refuses_an_unknown_module() -> None:
    with pytest.raises(SystemExit, match="bench_nothing"):
        discover(["bench_nothing"])


@given(st.text())
def test_contenders_never_raise(name: str) -> None:
    for contender in (
        contenders.werkzeug_secure_filename,
        contenders.pathvalidate_sanitize,
        contenders.django_get_valid_filename,
    ):
        result = contender(name)
        assert result is None or isinstance(result, str)
