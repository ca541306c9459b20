"""Count the instructions the hot paths cost, now and at an earlier revision, in one process.

Run: ``python -m benchmarks.instructions REVISION`` (``REVISION`` is a git
revision, such as ``HEAD~3`` or a tag). It needs valgrind (Debian's
``valgrind`` package) and git.

Timings on a shared machine move by 10% from run to run, too much to tell
whether a change made the pure build slower by 2%. Instructions do not move:
callgrind counts them, whatever else the machine does. The source of
*REVISION* is exported beside the working tree's as the package
``safename_before``, both are imported into one interpreter, and each phase
(``secure_filename`` on each kind of name of ``bench_filenames`` and on its
real-world upload names, ``Router.match`` on ``bench_routing``'s rule sets)
runs under callgrind between two calls of ``os.getppid``, where callgrind
writes its counts. Whatever interpreter runs this module is measured: the
development one measures the pure build.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
#: The name the earlier revision's package is imported under.
BEFORE: Final = "safename_before"
#: Passes over each phase's inputs: enough that the loop's own cost is noise.
PASSES: Final = 20
#: The C function the driver calls between phases; callgrind dumps before each call.
MARKER: Final = "getppid"
_IMPORT: Final = re.compile(r"^(\s*)(from|import) safename\b", re.MULTILINE)


def rename_imports(source: str, package: str = BEFORE) -> str:
    """*source* with its imports of ``safename`` made imports of *package*.

    >>> rename_imports("from safename import x\\nimport safename.errors\\nsafename = 1\\n")
    'from safename_before import x\\nimport safename_before.errors\\nsafename = 1\\n'
    """
    return _IMPORT.sub(rf"\1\2 {package}", source)


def export_package(revision: str, into: Path) -> Path:
    """Write ``src/safename`` of *revision* under *into*, renamed :data:`BEFORE`; return *into*."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "src/safename"],
        capture_output=True,
        check=True,
    ).stdout
    unpacked = into / "unpacked"
    with tempfile.TemporaryFile() as file:
        file.write(archive)
        file.seek(0)
        with tarfile.open(fileobj=file) as tar:
            tar.extractall(unpacked, filter="data")
    package = into / BEFORE
    (unpacked / "src" / "safename").rename(package)
    for path in package.rglob("*.py"):
        path.write_text(rename_imports(path.read_text(encoding="utf-8")), encoding="utf-8")
    return into


@dataclass(frozen=True)
class Phase:
    """One measured stretch of the driver: what ran, under which source, on how many calls."""

    name: str
    source: str  # "before" or "now"
    calls: int


def phases() -> list[Phase]:
    """The phases the driver runs, in its order: each name once before, once now."""
    from benchmarks.bench_filenames import KINDS, PER_KIND, REAL_WORLD_KIND  # noqa: PLC0415

    names = [(f"secure_filename, {kind}", PER_KIND) for kind in (*KINDS, REAL_WORLD_KIND)]
    routes = [(f"Router.match, {size} rules", _paths(size)) for size in (50, 500)]
    return [
        Phase(name, source, calls * PASSES)
        for source in ("before", "now")
        for name, calls in [*names, *routes]
    ]


def _paths(size: int) -> int:
    from benchmarks.bench_routing import inputs_for, rule_set  # noqa: PLC0415

    return len(inputs_for(rule_set(size)))


def drive() -> None:
    """The driver: warm every phase up, then run each, a marker call before each and at the end."""
    import safename_before.filenames  # type: ignore[import-not-found]  # noqa: PLC0415
    import safename_before.routing  # type: ignore[import-not-found]  # noqa: PLC0415

    import safename.filenames  # noqa: PLC0415
    import safename.routing  # noqa: PLC0415
    from benchmarks.bench_filenames import names_by_kind, real_world_names  # noqa: PLC0415
    from benchmarks.bench_routing import inputs_for, rule_set  # noqa: PLC0415

    runs: list[Callable[[], None]] = []
    for module in (safename_before, safename):
        for names in [*names_by_kind().values(), real_world_names()]:
            runs.append(_repeat(module.filenames.secure_filename, names))
        for size in (50, 500):
            router = module.routing.Router()
            for rule, endpoint, _ in rule_set(size):
                router.add(rule, endpoint)
            runs.append(_repeat(router.match, inputs_for(rule_set(size))))
    for run in runs:  # warm up: indexes built, caches filled, code specialized
        run()
    for run in runs:
        os.getppid()
        run()
    os.getppid()


def _repeat(function: Callable[[str], object], inputs: Sequence[str]) -> Callable[[], None]:
    def run() -> None:
        for _ in range(PASSES):
            for item in inputs:
                function(item)

    return run


def totals(dumps: Sequence[Path]) -> list[int]:
    """The instruction total of each callgrind dump, in the order callgrind wrote them."""
    ordered = sorted(dumps, key=lambda path: int(path.suffix.lstrip(".")))
    found = []
    for path in ordered:
        with path.open(encoding="utf-8") as file:
            found += [int(line.split()[1]) for line in file if line.startswith("summary:")][:1]
    return found


def measure(revision: str) -> list[tuple[str, float, float]]:
    """Each phase's instructions per call before and now: (phase, before, now)."""
    with tempfile.TemporaryDirectory(prefix="safename-instructions-") as folder:
        base = export_package(revision, Path(folder))
        out = base / "callgrind.out"
        environment = dict(os.environ, PYTHONHASHSEED="0")
        environment["PYTHONPATH"] = os.pathsep.join([str(base), str(ROOT)])
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--dump-before={MARKER}",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-m",
                "benchmarks.instructions",
                "--drive",
            ],
            env=environment,
            check=True,
            capture_output=True,
        )
        counts = totals(list(base.glob("callgrind.out.*")))[1:]  # the first is start-up
    measured = phases()
    if len(counts) != len(measured):
        raise SystemExit(f"expected {len(measured)} callgrind dumps, read {len(counts)}")
    half = len(measured) // 2
    return [
        (phase.name, counts[index] / phase.calls, counts[index + half] / phase.calls)
        for index, phase in enumerate(measured[:half])
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the instructions per call of each phase, before and now, and their ratio."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions")
    parser.add_argument("revision", nargs="?", help="the git revision to compare with")
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.drive:
        drive()
        return 0
    if not arguments.revision:
        parser.error("name a git revision to compare with")
    print(f"instructions per call, {arguments.revision} and the working tree ({sys.executable})")
    for name, before, now in measure(arguments.revision):
        print(f"  {name:34} {before:9.0f} {now:9.0f}   now/before {now / before:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
