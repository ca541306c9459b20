"""The instruction counter's pieces that are logic: renaming imports, reading callgrind's dumps."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import instructions


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from safename import x\n", "from safename_before import x\n"),
        ("from safename._readers import y\n", "from safename_before._readers import y\n"),
        ("    import safename.errors\n", "    import safename_before.errors\n"),
        ("import safenames\n", "import safenames\n"),
        ("safename = 1  # from safename import x\n", "safename = 1  # from safename import x\n"),
        ('"""from safename import doc"""\n', '"""from safename import doc"""\n'),
    ],
)
def test_only_imports_of_safename_are_renamed(source: str, expected: str) -> None:
    assert instructions.rename_imports(source) == expected


def test_every_module_of_the_package_imports_only_itself_once_renamed() -> None:
    source = Path(instructions.ROOT, "src", "safename")
    for path in source.rglob("*.py"):
        renamed = instructions.rename_imports(path.read_text(encoding="utf-8"))
        assert not any(
            line.lstrip().startswith(("from safename ", "from safename.", "import safename"))
            and "safename_before" not in line
            for line in renamed.splitlines()
        ), path


def test_totals_read_each_dump_in_callgrinds_order(tmp_path: Path) -> None:
    for number, total in [(1, 500), (2, 30), (10, 7)]:
        (tmp_path / f"callgrind.out.{number}").write_text(
            f"version: 1\nsummary: {total}\ntotals: {total}\n", encoding="utf-8"
        )
    assert instructions.totals(list(tmp_path.glob("callgrind.out.*"))) == [500, 30, 7]


def test_each_phase_runs_once_before_and_once_now() -> None:
    found = instructions.phases()
    before = [phase.name for phase in found if phase.source == "before"]
    now = [phase.name for phase in found if phase.source == "now"]
    assert before == now
    assert len(before) == 7
    assert all(phase.calls > 0 for phase in found)
