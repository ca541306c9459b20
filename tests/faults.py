"""Crash and I/O-error injection at every file-system call of a writer, in a forked child.

The model is SQLite's crash and I/O-error tests: run a writer once to count
its file-system calls (N), then, for every i < N, run it again in a forked
child that dies at call i (``kill -9`` of itself, or an injected
``BaseException``) or gets an ``OSError`` there (``ENOSPC``, ``EIO``,
``EACCES``, ``EINTR``). The parent then runs what a user would run next and
checks the directory: nothing of the user's lost, changed or doubled, no
temporary left after a sweep, and the operation whole or without a trace.

Only calls made from safename's own modules are counted and hooked (the
caller's module is looked at), so that the archive readers and the test
itself run untouched: N is the writer's, and the same in every run.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safename._fs import descriptors

#: Every ``os`` function through which safename's writers touch the file system.
HOOKED = (
    "open",
    "read",
    "write",
    "fsync",
    "close",
    "mkdir",
    "rmdir",
    "unlink",
    "rename",
    "replace",
    "link",
    "symlink",
    "readlink",
    "listdir",
    "scandir",
    "stat",
    "lstat",
    "fstat",
    "ftruncate",
    "lseek",
    "chmod",
    "makedirs",
)
#: Where the call takes effect before the error is reported (Linux releases a
#: descriptor even when close fails).
_ERROR_AFTER = frozenset({"close"})


class Crash(BaseException):
    """The injected interruption (a ``KeyboardInterrupt``, a ``SystemExit`` from a signal)."""


@dataclass(frozen=True)
class Fault:
    """What happens at the chosen call: ``kill``, ``raise`` (a :class:`Crash`) or an errno."""

    name: str
    code: int = 0

    @property
    def kills(self) -> bool:
        return self.name == "kill"


KILL = Fault("kill")
RAISE = Fault("raise")
FAULTS = (
    KILL,
    RAISE,
    Fault("ENOSPC", errno.ENOSPC),
    Fault("EIO", errno.EIO),
    Fault("EACCES", errno.EACCES),
    Fault("EINTR", errno.EINTR),
)


@dataclass(frozen=True)
class Outcome:
    """How a child run ended: killed at the call, or with what result; and its calls."""

    killed: bool
    result: str
    calls: list[str]


class _Injector:
    """Counts safename's file-system calls in this process, and acts at the chosen one."""

    def __init__(self, point: int | None, fault: Fault, *, fallback: bool) -> None:
        self.point = point
        self.fault = fault
        self.fallback = fallback
        self.calls: list[str] = []
        self.fired = False

    def _due(self, name: str) -> bool:
        self.calls.append(name)
        return len(self.calls) - 1 == self.point

    def _strike(self) -> None:
        self.fired = True
        if self.fault.kills:
            os.kill(os.getpid(), signal.SIGKILL)
        if self.fault.name == "raise":
            raise Crash(f"interrupted at call {self.point} ({self.calls[-1]})")
        raise OSError(self.fault.code, os.strerror(self.fault.code))

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def hooked(*arguments: Any, **keywords: Any) -> Any:
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if not caller.startswith("safename.") or not self._due(name):
                return function(*arguments, **keywords)
            if name in _ERROR_AFTER and not self.fault.kills and self.fault.name != "raise":
                function(*arguments, **keywords)
            self._strike()
            raise AssertionError("unreachable")  # pragma: no cover

        return hooked

    def wrap_renameat2(self, function: Callable[..., int] | None) -> Callable[..., int] | None:
        if function is None:
            return None

        def hooked(*arguments: Any) -> int:
            if self._due("renameat2"):
                if self.fault.code:  # the C call fails as the kernel would make it
                    self.fired = True
                    ctypes.set_errno(self.fault.code)
                    return -1
                self._strike()
            if self.fallback:  # a file system without RENAME_NOREPLACE (NFS, FUSE...)
                ctypes.set_errno(errno.EINVAL)
                return -1
            return function(*arguments)

        return hooked

    def install(self) -> None:
        capabilities = (os.supports_fd, os.supports_dir_fd, os.supports_follow_symlinks)
        for name in HOOKED:
            original = getattr(os, name)
            hooked = self.wrap(name, original)
            setattr(os, name, hooked)
            for capability in capabilities:  # `os.scandir in os.supports_fd` must still hold
                if original in capability:
                    capability.add(hooked)
        renameat2 = self.wrap_renameat2(descriptors._renameat2())
        descriptors._renameat2 = lambda: renameat2  # type: ignore[assignment]


def install_hooks(point: int | None, fault: Fault, *, fallback: bool = False) -> list[str]:
    """Hook this whole process, for a fresh interpreter that runs one writer; its list of calls.

    What :func:`run_in_child` does in its fork, for a process started with
    something a fork cannot add (``LD_PRELOAD``): see ``fault_runner.py``.
    """
    injector = _Injector(point, fault, fallback=fallback)
    injector.install()
    return injector.calls


def run_in_child(
    operation: Callable[[], object], point: int | None, fault: Fault, *, fallback: bool = False
) -> Outcome:
    """Run *operation* in a forked child with the hooks installed; how it ended."""
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: it never returns into pytest
        status = 0
        try:
            os.close(read_end)
            real_write = os.write
            injector = _Injector(point, fault, fallback=fallback)
            injector.install()
            try:
                value = operation()
                result = f"returned {value!r}"
            except Crash:
                result = "crash"
            except BaseException as error:
                result = f"raised {type(error).__module__}.{type(error).__qualname__}: {error}"
            payload = json.dumps({"result": result, "calls": injector.calls}).encode()
            while payload:
                payload = payload[real_write(write_end, payload) :]
        except BaseException:
            status = 70
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb") as reader:
        chunks.append(reader.read())
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL, status
        return Outcome(True, "killed", [])
    assert os.WEXITSTATUS(status) == 0, "the harness failed in the child"
    report = json.loads(b"".join(chunks))
    return Outcome(False, report["result"], report["calls"])


# --- what a directory holds ----------------------------------------------------------------------


def manifest(root: Path) -> dict[str, tuple[str, str]]:
    """Every entry under *root*: a file's sha256, a symlink's target, or a directory."""
    result = {}
    for path in sorted(_walk(root)):
        relative = str(path.relative_to(root))
        if path.is_symlink():
            result[relative] = ("symlink", os.readlink(path))
        elif path.is_dir():
            result[relative] = ("directory", "")
        else:
            result[relative] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return result


def _walk(root: Path) -> Iterator[Path]:
    for path in root.iterdir():
        yield path
        if path.is_dir() and not path.is_symlink():
            yield from _walk(path)


def visible(entries: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The entries a user sees: the package's own (``.safename-...`` at the top) left out."""
    return {path: kind for path, kind in entries.items() if not path.startswith(".safename-")}


def temporaries(root: Path) -> list[str]:
    """The package's own entries anywhere under *root*."""
    return [path for path in manifest(root) if Path(path).name.startswith(".safename-")]


def linked_twice(root: Path) -> list[str]:
    """Regular files with a second name: a move cut between its link and its unlink."""
    return [
        str(path.relative_to(root))
        for path in _walk(root)
        if path.is_file() and not path.is_symlink() and path.stat().st_nlink > 1
    ]
