"""Places where ``renameat2(RENAME_NOREPLACE)`` is refused for real, for the fallback tests.

Two, each with nothing patched inside the process under test:

- ``bindfs``: a FUSE mount over a temporary directory (Debian's ``bindfs``,
  which ``.ci/run`` installs). FUSE 2 file systems refuse the flag with
  ``EINVAL``, as NFS does, though the kernel has the call.
- ``shim``: ``no_renameat2.c``, built here with the system C compiler and
  preloaded (``LD_PRELOAD``) into a subprocess, where ``renameat2`` and
  ``syscall(SYS_renameat2)`` fail with ``EINVAL`` on every file system.

Where one is missing the tests skip, saying what to install; with ``CI`` set
they fail instead, so that CI cannot pass without having run them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

SHIM_SOURCE = Path(__file__).with_name("no_renameat2.c")
PLACES = ("shim", "bindfs")


def unavailable(message: str) -> NoReturn:
    """Skip the test, or fail it when ``CI`` is set."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so the fallback tests must run, but {message}")
    pytest.skip(message)


@dataclass(frozen=True)
class Place:
    """A directory where renameat2 is refused, and the environment a subprocess needs there."""

    kind: str
    directory: Path
    environment: dict[str, str]
    log: Path | None = None

    def refusals(self) -> int:
        """How many times the shim refused ``renameat2`` so far (0 without the shim)."""
        if self.log is None or not self.log.exists():
            return 0
        return len(self.log.read_text().splitlines())

    def run(
        self, *arguments: str | int | Path, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python ARGUMENTS`` here, in a fresh interpreter with this place's environment."""
        command = [sys.executable, *map(str, arguments)]
        return subprocess.run(
            command,
            check=False,
            env=self.environment,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=600,
        )


@contextlib.contextmanager
def fast_directory(fallback: Path) -> Iterator[Path]:
    """A new directory on tmpfs where there is one: the journals' syncs cost nothing there."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield fallback
        return
    directory = Path(tempfile.mkdtemp(prefix="safename-fallback-", dir=shm))
    try:
        yield directory
    finally:
        shutil.rmtree(directory)


def build_shim(directory: Path) -> Path:
    """``no_renameat2.c`` compiled into *directory*; skips (fails on CI) without a compiler."""
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 and LD_PRELOAD are Linux's")
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        unavailable("no C compiler (cc) builds tests/no_renameat2.c: apt-get install gcc")
    library = directory / "no_renameat2.so"
    command = [compiler, "-shared", "-fPIC", "-o", str(library), str(SHIM_SOURCE), "-ldl"]
    built = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    return library


@contextlib.contextmanager
def bindfs_mount(base: Path) -> Iterator[Path]:
    """A bindfs mount of a new directory in *base*, unmounted at the end."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the bindfs tests are Linux's")
    bindfs = shutil.which("bindfs")
    unmount = shutil.which("fusermount") or shutil.which("fusermount3")
    if bindfs is None or unmount is None:
        unavailable("bindfs is not installed: apt-get install bindfs (.ci/run installs it)")
    if not os.path.exists("/dev/fuse"):
        unavailable("/dev/fuse is missing: no FUSE mount can run here")
    backing, mount = base / "backing", base / "mount"
    backing.mkdir()
    mount.mkdir()
    # attr_timeout=0: the kernel would keep a file's attributes for a second, and a link
    # count read right after a link and an unlink would still say 2.
    command = [bindfs, "-o", "attr_timeout=0", str(backing), str(mount)]
    mounted = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    if mounted.returncode != 0 or not os.path.ismount(mount):
        unavailable(f"bindfs could not mount here: {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run([unmount, "-u", str(mount)], check=True, timeout=60)


@pytest.fixture(scope="session")
def shim_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shim, built once per session."""
    return build_shim(tmp_path_factory.mktemp("shim"))


@contextlib.contextmanager
def fallback_place(kind: str, base: Path, request: pytest.FixtureRequest) -> Iterator[Place]:
    """The place *kind* (``shim``, ``bindfs`` or ``renameat2``, the ordinary one) under *base*."""
    environment = dict(os.environ)
    environment.pop("LD_PRELOAD", None)
    if kind == "bindfs":
        with bindfs_mount(base) as mount:
            yield Place(kind, mount, environment)
        return
    directory = base / "place"
    directory.mkdir()
    if kind == "renameat2":
        yield Place(kind, directory, environment)
        return
    log = base / "refusals.log"
    library = request.getfixturevalue("shim_library")
    environment |= {"LD_PRELOAD": str(library), "NO_RENAMEAT2_LOG": str(log)}
    yield Place(kind, directory, environment, log)


@pytest.fixture(params=PLACES)
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    """Each place without ``RENAME_NOREPLACE`` in turn, on tmpfs where there is one."""
    with fast_directory(tmp_path) as base, fallback_place(request.param, base, request) as where:
        yield where
