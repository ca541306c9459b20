"""The harness that runs Werkzeug's routing tests: its list, its plugin, its download and archive.

The run itself (a download) is a step of ``scripts/run-tests``; these tests need no network.
"""

from __future__ import annotations

import io
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest
import werkzeug_suite
from werkzeug.datastructures import ImmutableDict
from werkzeug.routing import Map, Rule
from werkzeug_suite import DIFFERENCES, extract, plugin, succeeded, summary
from werkzeug_suite.__main__ import main

from safename import ConversionError

DOCS = Path(__file__).resolve().parent.parent / "docs"
TEST_FILE = werkzeug_suite.TEST_FILE


def test_the_docs_list_exactly_the_deliberate_differences() -> None:
    text = (DOCS / "coming-from.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^- `(test_[^`]+)`: (.+)$", text, flags=re.MULTILINE))
    assert listed == DIFFERENCES
    assert f"On Werkzeug {werkzeug_suite.PINNED}, the pinned release" in text


def test_install_gives_every_map_safenames_converters() -> None:
    previous = plugin.install()
    try:
        assert isinstance(Map.default_converters, ImmutableDict)
        url_map = Map([Rule("/<int:n>", endpoint="n"), Rule("/item/<id>", endpoint="item")])
        adapter = url_map.bind("localhost")
        assert adapter.match("/7") == ("n", {"n": 7})
        assert adapter.build("item", {"id": 42}) == "/item/42"
        with pytest.raises(ConversionError, match="IntConverter refuses -1"):
            adapter.build("n", {"n": -1})
    finally:
        Map.default_converters = previous
    assert Map().converters["int"].__module__.startswith("werkzeug")


class _Item:
    def __init__(self, name: str) -> None:
        self.name = name
        self.markers: list[Any] = []

    def add_marker(self, marker: Any) -> None:
        self.markers.append(marker)


def test_the_plugin_marks_each_difference_a_strict_xfail() -> None:
    items = [_Item(name) for name in [*DIFFERENCES, "test_basic_routing"]]
    plugin.pytest_collection_modifyitems(None, items)  # type: ignore[arg-type]
    for item in items:
        marks = [(mark.name, mark.kwargs) for mark in item.markers]
        if item.name in DIFFERENCES:
            assert marks == [("xfail", {"reason": DIFFERENCES[item.name], "strict": True})]
        else:
            assert marks == []


def test_the_plugin_refuses_a_difference_whose_test_is_gone() -> None:
    gone, *kept = DIFFERENCES
    items = [_Item(name) for name in kept]
    with pytest.raises(pytest.UsageError, match=re.escape(gone)):
        plugin.pytest_collection_modifyitems(None, items)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("counts", "line", "passed"),
    [
        ({"passed": 113, "xfailed": 6}, "119 tests: 113 passed, 6 xfailed", True),
        ({"passed": 116, "failed": 3}, "119 tests: 116 passed, 3 failed", False),
        ({"passed": 118, "xpassed": 1}, "119 tests: 118 passed, 1 xpassed", False),
        ({"error": 1}, "1 tests: 1 error", False),
        ({}, "0 tests: none ran", False),
    ],
)
def test_the_counts_and_the_verdict(counts: dict[str, int], line: str, passed: bool) -> None:
    assert summary("3.1.9", counts) == f"werkzeug 3.1.9 tests/test_routing.py: {line}"
    assert succeeded(counts) is passed


@pytest.mark.parametrize(("ci", "status", "said"), [("true", 1, "FAILED"), (None, 0, "SKIPPED")])
def test_a_failed_download_fails_in_ci_and_is_skipped_elsewhere(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ci: str | None,
    status: int,
    said: str,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")  # no index or links from the machine
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    offline = f"--no-index --find-links {tmp_path}"  # nothing to find, no network asked
    assert main(["--pip-args", offline, "--no-latest"]) == status
    output = capsys.readouterr().out
    assert f"werkzeug suite {said}" in output
    assert f"werkzeug=={werkzeug_suite.PINNED}" in output


def make_sdist(folder: Path, members: dict[str, bytes], version: str = "9.9") -> Path:
    archive = folder / f"werkzeug-{version}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"werkzeug-{version}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive


def test_extract_takes_only_the_package_and_the_test_file_once(tmp_path: Path) -> None:
    archive = make_sdist(
        tmp_path,
        {
            "src/werkzeug/__init__.py": b"# package",
            "src/werkzeug/routing/map.py": b"# map",
            "tests/test_routing.py": b"def test_x(): pass",
            "tests/conftest.py": b"import ephemeral_port_reserve",
            "pyproject.toml": b"",
        },
    )
    into = tmp_path / "cache"
    (into / ".partial-crashed").mkdir(parents=True)  # left by an interrupted run
    sdist = extract(archive, into)
    assert sdist.version == "9.9"
    written = sorted(str(path.relative_to(sdist.root)) for path in sdist.root.rglob("*.py"))
    assert written == ["src/werkzeug/__init__.py", "src/werkzeug/routing/map.py", TEST_FILE]
    assert not list(into.glob(".partial-*"))
    sdist.test_file.write_text("kept")
    assert extract(archive, into).test_file.read_text() == "kept"  # not extracted again


@pytest.mark.parametrize(
    ("members", "problem"),
    [
        ({"tests/test_routing.py": b"", "../../evil.py": b"x"}, "climbs out"),
        ({"src/werkzeug/__init__.py": b""}, "has no tests/test_routing.py"),
    ],
)
def test_extract_refuses_a_bad_archive_and_leaves_nothing(
    tmp_path: Path, members: dict[str, bytes], problem: str
) -> None:
    into = tmp_path / "cache"
    with pytest.raises(ValueError, match=problem):
        extract(make_sdist(tmp_path, members), into)
    assert list(into.iterdir()) == []
    assert not (tmp_path / "evil.py").exists()
