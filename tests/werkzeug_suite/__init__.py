"""Werkzeug's own routing tests, run with every ``Map`` given SafeName's converters.

``python -m werkzeug_suite`` (with ``tests`` on ``PYTHONPATH``, as ``scripts/run-tests``
runs it) downloads Werkzeug's sdist at :data:`PINNED` with ``pip download`` into a cache
outside the repository, takes ``tests/test_routing.py`` and the ``werkzeug`` package from
it, and runs that file with pytest and :mod:`werkzeug_suite.plugin`: the library and its
tests are the same release, and every ``Map`` gets the converters ``SafeName(app)``
installs. Each deliberate difference is a strict xfail listed in :data:`DIFFERENCES` (and
in ``docs/coming-from.md``); every other test must pass. Then the newest 3.x release runs
the same way, when it is another version, without deciding the exit status.

If the download fails, the run fails when the ``CI`` environment variable is set, and is
skipped with a message otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

#: The release the dev extra installs: its tests decide the exit status.
PINNED: Final = "3.1.9"
#: The newest release of this requirement runs too, without deciding the exit status.
LATEST: Final = "werkzeug>=3,<4"
#: The test file taken from the sdist, and the package it tests.
TEST_FILE: Final = "tests/test_routing.py"
PACKAGE: Final = "src/werkzeug/"

_EMPTY_SEGMENT = "a `path` value has no empty segment (safename refuses {}), so the URL is a 404"
_NOT_TYPE_ERROR = (
    "`int` refuses {} with `ConversionError`, a `ValueError` that names the converter and "
    "the value, not Python's `TypeError`"
)

#: Werkzeug's tests that fail by design, by test id, with the reason: strict xfails.
DIFFERENCES: Final[dict[str, str]] = {
    "test_merge_slashes_match": _EMPTY_SEGMENT.format("`x//y` and `http://example.com/`"),
    "test_strict_slashes_false": _EMPTY_SEGMENT.format("`any/` for `/any/`"),
    "test_any_converter_build_validates_value": (
        "the `any` build error names the converter: `cannot build a URL: AnyConverter refuses "
        "'invalid': 'invalid' is not one of 'patient', 'provider'` (still a `ValueError`)"
    ),
    "test_build_values_dict[int-value2-TypeError]": _NOT_TYPE_ERROR.format("`[1]`"),
    "test_build_values_multidict[int-None-TypeError]": _NOT_TYPE_ERROR.format("`None`"),
    "test_build_values_multidict[int-value4-TypeError]": _NOT_TYPE_ERROR.format("`[None]`"),
}

#: Where the plugin writes the counts, as JSON (an environment variable of the run).
REPORT_VARIABLE: Final = "SAFENAME_WERKZEUG_SUITE_REPORT"
#: The folder the run's ``werkzeug`` must come from (an environment variable of the run).
SOURCE_VARIABLE: Final = "SAFENAME_WERKZEUG_SUITE_SOURCE"
#: Set to ``1`` in a run where every ``Map`` also matches with safename's matcher.
MATCHER_VARIABLE: Final = "SAFENAME_WERKZEUG_SUITE_MATCHER"
#: The outcomes counted, in the order they are printed.
OUTCOMES: Final = ("passed", "xfailed", "failed", "xpassed", "skipped", "error")


class DownloadError(RuntimeError):
    """``pip download`` could not fetch the sdist (no network, no such release)."""


@dataclass(frozen=True)
class Sdist:
    """An extracted sdist: its version, and the folder with ``src/werkzeug`` and the test file."""

    version: str
    root: Path

    @property
    def test_file(self) -> Path:
        """The extracted ``tests/test_routing.py``."""
        return self.root / TEST_FILE

    @property
    def source(self) -> Path:
        """The folder that holds the ``werkzeug`` package, first on ``PYTHONPATH``."""
        return self.root / "src"


def cache_dir() -> Path:
    """Where sdists are kept between runs: ``$XDG_CACHE_HOME`` or ``~/.cache``, never the repo."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "safename" / "werkzeug-suite"


def download(requirement: str, into: Path, pip_args: list[str] | None = None) -> Path:
    """The sdist of *requirement*, downloaded with ``pip download`` into *into*.

    An exact ``werkzeug==X`` already in *into* is used without asking the index.

    :raises DownloadError: if pip fails, with its last lines of output.
    """
    cached = into / f"werkzeug-{requirement.removeprefix('werkzeug==')}.tar.gz"
    if requirement.startswith("werkzeug==") and cached.is_file():
        return cached
    into.mkdir(parents=True, exist_ok=True)
    command = [
        *(sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps"),
        *("--disable-pip-version-check", "--dest", str(into), *(pip_args or []), requirement),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    saved = _named_in(result.stdout) if result.returncode == 0 else None
    if saved is None or not saved.is_file():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-5:])
        raise DownloadError(f"pip download {requirement!r} failed:\n{tail}")
    return saved


def _named_in(pip_output: str) -> Path | None:
    # pip names the file it kept: "Saved <path>" or "File was already downloaded <path>".
    for line in reversed(pip_output.splitlines()):
        for prefix in ("Saved ", "File was already downloaded "):
            if line.strip().startswith(prefix):
                return Path(line.strip().removeprefix(prefix)).resolve()
    return None


def extract(archive: Path, into: Path) -> Sdist:
    """Take the test file and the ``werkzeug`` package out of *archive*, once, into *into*.

    Only regular files under ``src/werkzeug/`` and the test file are written, each
    checked to stay inside the folder. They are written to a scratch folder that is
    renamed into place in one step, so an interrupted run leaves only scratch, which
    the next run removes.

    :raises ValueError: for an archive without the test file, or a member that climbs out.
    """
    version = archive.name.removeprefix("werkzeug-").removesuffix(".tar.gz")
    root = into / f"werkzeug-{version}"
    if (root / TEST_FILE).is_file():
        return Sdist(version, root)
    into.mkdir(parents=True, exist_ok=True)
    for leftover in [root, *into.glob(".partial-*")]:
        shutil.rmtree(leftover, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix=".partial-", dir=into))
    try:
        _write_members(archive, scratch)
        os.replace(scratch, root)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return Sdist(version, root)


def _write_members(archive: Path, into: Path) -> None:
    with tarfile.open(archive) as tar:
        found_test_file = False
        for member in tar.getmembers():
            inside = PurePosixPath(*PurePosixPath(member.name).parts[1:])
            if inside.is_absolute() or ".." in inside.parts:
                raise ValueError(f"{archive.name}: {member.name!r} climbs out of the sdist")
            wanted = str(inside) == TEST_FILE or str(inside).startswith(PACKAGE)
            source = tar.extractfile(member) if member.isfile() and wanted else None
            if source is None:
                continue
            target = into.joinpath(*inside.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read())
            found_test_file = found_test_file or str(inside) == TEST_FILE
    if not found_test_file:
        raise ValueError(f"{archive.name} has no {TEST_FILE}")


def run(sdist: Sdist, *, matcher: bool = False) -> dict[str, int]:
    """Run the sdist's test file with the plugin; the count of each outcome.

    With *matcher*, every ``Map`` also matches with safename's linear-time matcher,
    installed as ``SafeName(app)`` installs it.

    The run happens in a new temporary folder that holds only the test file, so
    neither this project's pytest settings nor Werkzeug's ``conftest.py`` apply.
    """
    tests = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        (workdir / "test_routing.py").write_bytes(sdist.test_file.read_bytes())
        (workdir / "pytest.ini").write_text("[pytest]\nxfail_strict = true\n")
        report = workdir / "report.json"
        path = [str(sdist.source), str(tests), os.environ.get("PYTHONPATH", "")]
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, path)),
            REPORT_VARIABLE: str(report),
            SOURCE_VARIABLE: str(sdist.source),
            MATCHER_VARIABLE: "1" if matcher else "",
        }
        command = [
            *(sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "werkzeug_suite.plugin"),
            *("-p", "no:cacheprovider", "--rootdir", folder, "test_routing.py"),
        ]
        subprocess.run(command, cwd=workdir, env=environment, check=False)
        if not report.is_file():
            return {"error": 1}
        counts: dict[str, int] = json.loads(report.read_text())
        return counts


def summary(version: str, counts: dict[str, int], *, matcher: bool = False) -> str:
    """The line printed for a run.

    >>> summary("3.1.9", {"passed": 113, "xfailed": 6})
    'werkzeug 3.1.9 tests/test_routing.py: 119 tests: 113 passed, 6 xfailed'
    >>> summary("3.1.9", {"passed": 119}, matcher=True)
    "werkzeug 3.1.9 tests/test_routing.py, safename's matcher: 119 tests: 119 passed"
    """
    total = sum(counts.values())
    shown = ", ".join(f"{counts[name]} {name}" for name in OUTCOMES if counts.get(name))
    mode = ", safename's matcher" if matcher else ""
    return f"werkzeug {version} {TEST_FILE}{mode}: {total} tests: {shown or 'none ran'}"


def succeeded(counts: dict[str, int]) -> bool:
    """Whether a run passed: tests ran, and none failed, errored or passed while marked xfail.

    >>> succeeded({"passed": 113, "xfailed": 6}), succeeded({"passed": 3, "failed": 1})
    (True, False)
    """
    bad = counts.get("failed", 0) + counts.get("error", 0) + counts.get("xpassed", 0)
    return counts.get("passed", 0) > 0 and bad == 0
