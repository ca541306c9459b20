"""Every writer, crashed or failed at each of its file-system calls in turn, then repaired.

For each writer (see ``SCENARIOS``) and each fault of :data:`faults.FAULTS`,
the writer is run once to count its calls, then once more per call index,
in a forked child that is killed there (``kill -9``), interrupted (a
``BaseException``) or given ``ENOSPC``, ``EIO``, ``EACCES`` or ``EINTR``.
The parent then does what a user would: run the same command again, and
``sweep``. Checked each time: what the user had is unchanged, nothing is
doubled, no temporary survives the sweep, and the operation is whole or has
left no trace. The recovery rule each writer follows is in docs/security.md.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import io
import os
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from faults import FAULTS, KILL, Fault, linked_twice, manifest, run_in_child, temporaries, visible

from safename import safe_extract
from safename.archives import UnsafeArchiveError
from safename.cli import ExitStatus, main
from safename.uploads import save_upload, save_upload_async, sweep

Entries = dict[str, tuple[str, str]]

# --- the archives: a handful of members, one directory merging into an existing one ------------

MEMBERS = [("a.txt", b"alpha"), ("sub/b.txt", b"beta"), ("sub/deep/c.txt", b"gamma")]
MEMBERS += [("fresh/d.txt", b"delta")]


def make_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in MEMBERS:
            archive.writestr(name, data)
    return buffer.getvalue()


def make_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in MEMBERS:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


ARCHIVES = {"zip": make_zip(), "tar": make_tar()}


def users_files(root: Path) -> None:
    """A directory the user already has: ``sub/`` is merged into, ``keep.txt`` never touched."""
    (root / "sub").mkdir()
    (root / "sub" / "mine.txt").write_bytes(b"the user's")
    (root / "keep.txt").write_bytes(b"keep")


def nothing(root: Path) -> None:
    """A new, empty directory."""


class Refused(Exception):
    """The rerun refused, as allowed: the archive is whole already."""


def extract(kind: str) -> Callable[[Path], object]:
    def run(root: Path) -> object:
        return len(safe_extract(io.BytesIO(ARCHIVES[kind]), root))

    return run


# --- uploads --------------------------------------------------------------------------------------

UPLOAD = b"uploaded data " * 10


def upload_sync(root: Path) -> object:
    return save_upload(io.BytesIO(UPLOAD), "report one.txt", root).name


def upload_async(root: Path) -> object:
    class Stream:
        def __init__(self) -> None:
            self.data = io.BytesIO(UPLOAD)

        async def read(self, size: int = -1) -> bytes:
            return self.data.read(size)

    return asyncio.run(save_upload_async(Stream(), "report one.txt", root)).name


def upload_starlette(root: Path) -> object:
    starlette = pytest.importorskip("safename.starlette")
    from starlette.datastructures import UploadFile

    upload = UploadFile(io.BytesIO(UPLOAD), filename="report one.txt")
    return asyncio.run(starlette.save_upload(upload, root)).name


def _django() -> object:
    pytest.importorskip("django")
    import test_django  # noqa: F401 - configures Django's settings once

    import safename.django

    return safename.django


def upload_django(root: Path) -> object:
    adapter = _django()
    from django.core.files.uploadedfile import SimpleUploadedFile

    return adapter.save_upload(SimpleUploadedFile("report one.txt", UPLOAD), root).name  # type: ignore[attr-defined]


def storage_django(root: Path) -> object:
    adapter = _django()
    from django.core.files.base import ContentFile

    storage = adapter.SafeFileSystemStorage(location=root)  # type: ignore[attr-defined]
    return storage.save("report one.txt", ContentFile(UPLOAD))


# --- rename and sweep -----------------------------------------------------------------------------


def unsafe_tree(root: Path) -> None:
    (root / "bad dir").mkdir()
    (root / "bad dir" / "x y.txt").write_bytes(b"x")
    (root / "a b.txt").write_bytes(b"a")
    (root / "a_b.txt").write_bytes(b"a2")  # the clean name is taken: a numbered one
    (root / "fine.txt").write_bytes(b"f")


def rename_cli(root: Path) -> object:
    return main(["rename", "--apply", "--no-progress", str(root)])


def leftovers(root: Path) -> None:
    """A user's files, and what a killed upload and an extraction killed mid-publish left."""
    users_files(root)
    point = _publishing_point()
    assert run_in_child(lambda: extract("zip")(root), point, KILL).killed
    assert run_in_child(lambda: upload_sync(root), _UPLOAD_POINT, KILL).killed


_UPLOAD_POINT = 8  # inside the upload, after its data file was made (see the counting run)


@functools.cache
def _publishing_point() -> int:
    """A call index inside the publish, after the first entry moved: a part is published."""
    probe = Path(tempfile.mkdtemp())
    users_files(probe)
    calls = run_in_child(lambda: extract("zip")(probe), None, FAULTS[0]).calls
    shutil.rmtree(probe)
    return calls.index("renameat2") + 3


def sweep_now(root: Path) -> object:
    return sweep(root, older_than=0)


# --- the scenarios --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    prepare: Callable[[Path], None]
    run: Callable[[Path], object]
    #: "archive" (all or nothing), "upload" (one more file), "rename", or "sweep".
    kind: str
    fallback: bool = False


SCENARIOS = {
    "extract-zip-new": Scenario(nothing, extract("zip"), "archive"),
    "extract-zip-merge": Scenario(users_files, extract("zip"), "archive"),
    "extract-tar-new": Scenario(nothing, extract("tar"), "archive"),
    "extract-tar-merge": Scenario(users_files, extract("tar"), "archive"),
    "extract-zip-merge-fallback": Scenario(users_files, extract("zip"), "archive", fallback=True),
    "save_upload": Scenario(users_files, upload_sync, "upload"),
    "save_upload_async": Scenario(users_files, upload_async, "upload"),
    "starlette": Scenario(users_files, upload_starlette, "upload"),
    "django": Scenario(users_files, upload_django, "upload"),
    "django-storage": Scenario(users_files, storage_django, "upload"),
    "upload-fallback": Scenario(users_files, upload_sync, "upload", fallback=True),
    "rename": Scenario(unsafe_tree, rename_cli, "rename"),
    "rename-fallback": Scenario(unsafe_tree, rename_cli, "rename", fallback=True),
    "sweep": Scenario(leftovers, sweep_now, "sweep"),
}


def acceptable(result: str, scenario: Scenario, fault: Fault) -> bool:
    """Whether a run with an injected fault ended as the writer promises: no stray exception."""
    if fault.name == "raise":
        return result == "crash"
    if result.startswith("returned "):
        value = result.removeprefix("returned ")
        if scenario.kind in ("rename",):
            return value in {str(int(status)) for status in ExitStatus}
        return True
    kind = result.removeprefix("raised ").split(":", 1)[0]
    module, _, name = kind.rpartition(".")
    error = getattr(importlib.import_module(module), name)
    # An OSError (UploadStorageError is one), or a refusal because the name was taken meanwhile.
    return issubclass(error, OSError) or error is UnsafeArchiveError


def rerun(scenario: Scenario, root: Path) -> str:
    if scenario.fallback:  # the same file system: renameat2 refused again
        run = run_in_child(lambda: scenario.run(root), None, FAULTS[0], fallback=True)
        return run.result
    try:
        return f"returned {scenario.run(root)!r}"
    except (OSError, ValueError) as error:
        return f"raised {type(error).__module__}.{type(error).__qualname__}: {error}"


def contents(entries: Entries) -> list[str]:
    return sorted(digest for kind, digest in entries.values() if kind == "file")


def repair_and_check(
    scenario: Scenario,
    root: Path,
    before: Entries,
    expected: Entries,
    *,
    sweep_first: bool,
    interrupted: bool,
) -> None:
    """What a user runs next, and what must hold after it."""
    if scenario.kind == "archive":
        if sweep_first:
            sweep(root, older_than=0)
            assert visible(manifest(root)) in (before, expected), "sweep left a part of the archive"
        result = rerun(scenario, root)
        if not result.startswith("returned "):
            assert "exists" in result, result  # refused: only because it is whole already
            assert visible(manifest(root)) == expected
        sweep(root, older_than=0)
        assert manifest(root) == expected
    elif scenario.kind == "upload":
        sweep(root, older_than=0)
        now = manifest(root)
        added = {path: kind for path, kind in now.items() if path not in before}
        assert {path: now[path] for path in before} == before
        assert list(added.values()) in ([], [expected_upload(expected, before)])
        assert rerun(scenario, root).startswith("returned ")
        again = manifest(root)
        assert len(again) == len(now) + 1
        assert not temporaries(root)
    elif scenario.kind == "rename":
        if not interrupted:  # an error is settled at once; a crash by the journal, next run
            assert contents(visible(manifest(root))) == contents(before)  # nothing lost or doubled
        assert rerun(scenario, root) == f"returned {int(ExitStatus.OK)}"
        sweep(root, older_than=0)
        assert manifest(root) == expected
    else:
        assert rerun(scenario, root).startswith("returned ")
        assert manifest(root) == expected
    assert not linked_twice(root)


def expected_upload(expected: Entries, before: Entries) -> tuple[str, str]:
    (kind,) = [kind for path, kind in expected.items() if path not in before]
    return kind


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """A directory on tmpfs where there is one: thousands of journal syncs cost nothing there."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    directory = Path(tempfile.mkdtemp(prefix="safename-faults-", dir=shm))
    try:
        yield directory
    finally:
        shutil.rmtree(directory)


@pytest.mark.slow
@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_crash_or_an_error_at_any_call_is_repaired_by_the_next_run(
    scratch: Path, name: str, fault: Fault
) -> None:
    check_every_call(scratch, name, fault)


def check_every_call(tmp_path: Path, name: str, fault: Fault, *, must_link: bool = False) -> int:
    """Crash or fail the scenario *name* at each of its calls in turn, in *tmp_path*; the count.

    *must_link*: the file system itself refuses ``RENAME_NOREPLACE`` (a FUSE
    mount, a preloaded shim), so the counting run must show the link fallback.
    """
    scenario = SCENARIOS[name]
    warm_up = tmp_path / "warm-up"  # what is cached once per process (renameat2...) is cached
    warm_up.mkdir()
    scenario.prepare(warm_up)
    scenario.run(warm_up)
    reference = tmp_path / "reference"
    reference.mkdir()
    scenario.prepare(reference)
    clean = run_in_child(lambda: scenario.run(reference), None, fault, fallback=scenario.fallback)
    assert clean.result.startswith("returned "), clean.result
    calls = clean.calls
    expected = manifest(reference)
    assert not temporaries(reference)
    if scenario.fallback or must_link:
        assert "renameat2" in calls  # the fallback did run, after renameat2 refused
        assert "link" in calls, calls
    for point in range(len(calls)):
        for sweep_first in (False, True) if fault.kills else (False,):
            root = tmp_path / f"at-{point}-{sweep_first}"
            root.mkdir()
            scenario.prepare(root)
            before = manifest(root)
            where = f"{name}: {fault.name} at call {point} ({calls[point]})"
            outcome = run_in_child(
                functools.partial(scenario.run, root), point, fault, fallback=scenario.fallback
            )
            if fault.kills:
                assert outcome.killed, where
            else:
                assert acceptable(outcome.result, scenario, fault), f"{where}: {outcome.result}"
                if scenario.kind == "archive":  # taken back in the process itself
                    assert visible(manifest(root)) in (visible(before), expected), where
            try:
                repair_and_check(
                    scenario,
                    root,
                    before,
                    expected,
                    sweep_first=sweep_first,
                    interrupted=fault.code == 0,
                )
            except AssertionError as error:
                raise AssertionError(f"{where}: {error}") from error
            shutil.rmtree(root)
    return len(calls)
