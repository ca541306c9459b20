"""Run one benchmark module under one build of safename, in a process of its own.

safename has two builds from the same source: pure Python, and the one mypyc
compiles (``SAFENAME_COMPILE=1 pip install .``). ``python -m benchmarks`` runs
every timed module once under each build, each run in a process of its own,
so that each ratio is still measured within one process. This module holds
both sides of that:

* the report runner's: :func:`prepare_compiled` makes the virtual environment
  of the compiled build, or rebuilds it when the source changed, and
  :func:`run_module` runs a module in an interpreter and reads its tables back;
* the measuring process's: ``python -m benchmarks._builds --build compiled
  --json FILE bench_routing`` stops unless the safename it imports is the
  build asked for (:func:`build_problem`), runs the module's ``run()`` and
  writes a :class:`Measurement` to *FILE* as JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import safename
from benchmarks import Section, is_timed, run_section
from benchmarks._harness import Timing

ROOT: Final = Path(__file__).resolve().parent.parent
SOURCE: Final = ROOT / "src"
BUILDS: Final = ("pure", "compiled")
#: Where the runner keeps the compiled build, in a folder git ignores.
COMPILED_VENV: Final = ROOT / ".venvs" / "bench-compiled"
#: The extra that installs every contender the benchmarks import.
EXTRA: Final = "bench"
#: The libraries whose versions the report states, for each build.
LIBRARIES: Final = ("safename", "werkzeug", "pathvalidate", "django", "starlette", "flask")
# The digest of the source a compiled environment was built from, kept inside it.
_STAMP: Final = "safename-source.sha256"
# What decides the compiled build besides src/: its metadata and its build hook.
_BUILD_FILES: Final = ("pyproject.toml", "hatch_build.py")
# Variables that would put another safename (src/, say) first on the path.
_PATH_VARIABLES: Final = ("PYTHONPATH", "PYTHONSAFEPATH", "PYTHONHOME")


class BenchmarkRunError(SystemExit):
    """A benchmark process failed, ran the wrong build, or returned what cannot be read."""


@dataclass(frozen=True)
class Measurement:
    """One module's run under one build: its tables, and what ran them."""

    build: str
    about: list[tuple[str, str]]
    section: Section

    def to_json(self) -> str:
        """The measurement as JSON, read back by :meth:`from_json`."""
        tables = [
            {"title": title, "timings": [dataclasses.asdict(timing) for timing in timings]}
            for title, timings in self.section.tables
        ]
        return json.dumps(
            {
                "build": self.build,
                "about": self.about,
                "module": self.section.module,
                "description": self.section.description,
                "arguments": self.section.arguments,
                "tables": tables,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Measurement:
        """Read what :meth:`to_json` wrote; :class:`BenchmarkRunError` if it is not that."""
        try:
            data = json.loads(text)
            tables = [
                (str(table["title"]), [Timing(**timing) for timing in table["timings"]])
                for table in data["tables"]
            ]
            arguments = {str(key): int(value) for key, value in data["arguments"].items()}
            section = Section(str(data["module"]), str(data["description"]), tables, arguments)
            about = [(str(key), str(value)) for key, value in data["about"]]
            build = str(data["build"])
        except (ValueError, KeyError, TypeError) as error:
            raise BenchmarkRunError(f"unreadable benchmark result: {error!r}") from error
        return cls(build, about, section)


def build_problem(expected: str, *, compiled: bool, location: Path) -> str | None:
    """Why the safename imported from *location* is not the build *expected*, or ``None``.

    *compiled* is that safename's ``COMPILED``. The compiled build must also
    come from an installed wheel, never from ``src/``.
    """
    if expected not in BUILDS:
        return f"no such build: {expected!r} (one of {', '.join(BUILDS)})"
    if compiled is not (expected == "compiled"):
        found = "compiled" if compiled else "pure"
        return f"asked for the {expected} build, but safename here is the {found} one ({location})"
    if expected == "compiled" and location.resolve().is_relative_to(SOURCE):
        return f"the compiled run imported safename from the source tree ({location})"
    return None


def check_build(expected: str) -> None:
    """Stop, naming the problem, unless the safename imported here is the build *expected*."""
    problem = build_problem(expected, compiled=safename.COMPILED, location=Path(safename.__file__))
    if problem:
        raise BenchmarkRunError(f"benchmarks: {problem}")


def interpreter_about() -> list[tuple[str, str]]:
    """What this process measures with: its Python, and the versions of the libraries."""
    where = Path(safename.__file__).resolve().parent
    origin = where.relative_to(ROOT).as_posix() if where.is_relative_to(ROOT) else "site-packages"
    build = "compiled (mypyc)" if safename.COMPILED else "pure Python"
    rows = [("python", f"{platform.python_implementation()} {platform.python_version()}")]
    for library in LIBRARIES:
        try:
            version = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:
            version = "not installed"
        if library == "safename":
            version = f"{version}, {build}, from `{origin}`"
        rows.append((library, version))
    return rows


def source_digest(root: Path = ROOT) -> str:
    """A digest of what the compiled build is made from: ``src/``, its build files, the Python."""
    digest = hashlib.sha256(sys.version.encode())
    sources = sorted(
        path
        for path in (root / "src").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    for path in [*(root / name for name in _BUILD_FILES), *sources]:
        content = path.read_bytes()
        digest.update(f"{path.relative_to(root).as_posix()}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def venv_python(venv: Path) -> Path:
    """The interpreter of the virtual environment *venv*."""
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def is_stale(venv: Path, digest: str) -> bool:
    """Whether *venv* lacks an interpreter or was built from other source than *digest*."""
    if not venv_python(venv).is_file():
        return True
    try:
        return (venv / _STAMP).read_text(encoding="utf-8").strip() != digest
    except FileNotFoundError:
        return True


def prepare_compiled(venv: Path = COMPILED_VENV, root: Path = ROOT) -> Path:
    """The compiled build's interpreter, its environment made or rebuilt first if out of date.

    Installs ``.[bench]`` (every contender the benchmarks import) with
    ``SAFENAME_COMPILE=1``, not editable, so the core modules run as compiled
    C extensions. The source digest is written last: a build cut short is
    redone by the next run.
    """
    python = venv_python(venv)
    digest = source_digest(root)
    if not is_stale(venv, digest):
        print(f"compiled build: {venv} is up to date")
        return python
    print(f"compiled build: (re)building {venv} (mypyc compiles for about 30 s)")
    if not (python.is_file() and _same_python(python)):
        _call([sys.executable, "-m", "venv", "--clear", str(venv)])
        _call([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    (venv / _STAMP).unlink(missing_ok=True)
    # pip reinstalls a project given by its folder even when the version is the same.
    _call(
        [str(python), "-m", "pip", "install", "--quiet", f"{root}[{EXTRA}]"], SAFENAME_COMPILE="1"
    )
    mark_built(venv, digest)
    return python


def mark_built(venv: Path, digest: str) -> None:
    """Record in *venv* that it holds the build of the source whose digest is *digest*."""
    (venv / _STAMP).write_text(digest + "\n", encoding="utf-8")


def _same_python(python: Path) -> bool:
    """Whether *python* runs the Python running here; if not, its environment is made anew."""
    command = [str(python), "-c", "import sys; print(sys.version)"]
    process = subprocess.run(command, capture_output=True, text=True, check=False)
    return process.returncode == 0 and process.stdout.strip() == sys.version


def _call(command: Sequence[str], **environment: str) -> None:
    process = subprocess.run(command, env={**os.environ, **environment}, check=False)
    if process.returncode:
        raise BenchmarkRunError(f"failed (exit {process.returncode}): {' '.join(command)}")


def run_module(python: Path, build: str, module: str, *, quick: bool = False) -> Measurement:
    """Run ``benchmarks.<module>`` under *build* in *python*, a process of its own; its result.

    With *quick*, the module's ``run`` gets its ``QUICK`` keyword arguments.

    The process starts in the repository root, so ``benchmarks`` is importable,
    with no ``PYTHONPATH``, so safename comes from *python*'s installation.
    """
    environment = {key: value for key, value in os.environ.items() if key not in _PATH_VARIABLES}
    with tempfile.TemporaryDirectory(prefix="safename-bench-") as scratch:
        output = Path(scratch) / "measurement.json"
        command = [str(python), "-m", "benchmarks._builds", "--build", build]
        command += ["--json", str(output), *(["--quick"] if quick else []), module]
        process = subprocess.run(command, cwd=ROOT, env=environment, check=False)
        if process.returncode:
            raise BenchmarkRunError(
                f"benchmarks.{module} failed under the {build} build (exit {process.returncode})"
            )
        measurement = Measurement.from_json(output.read_text(encoding="utf-8"))
    if measurement.build != build:
        raise BenchmarkRunError(f"benchmarks.{module}: asked for {build}, got {measurement.build}")
    return measurement


def main(argv: Sequence[str] | None = None) -> int:
    """Run one module under the build asked for, and write its measurement as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks._builds", description=main.__doc__)
    parser.add_argument("--build", choices=BUILDS, required=True)
    parser.add_argument("--json", type=Path, required=True, metavar="FILE")
    parser.add_argument("--quick", action="store_true", help="run with the module's QUICK")
    parser.add_argument("module", help="a benchmark module: bench_routing, ...")
    arguments = parser.parse_args(argv)
    check_build(arguments.build)  # before the module imports safename for itself
    module = importlib.import_module(f"benchmarks.{arguments.module}")
    if not is_timed(module):
        raise BenchmarkRunError(f"benchmarks.{arguments.module} defines no run()")
    section = run_section(module, quick=arguments.quick)
    measurement = Measurement(arguments.build, interpreter_about(), section)
    arguments.json.write_text(measurement.to_json(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
