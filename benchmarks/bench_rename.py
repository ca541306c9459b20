"""``safename rename`` on a tree of 50,000 entries, dry run and ``--apply``, against a bare walk.

Run: ``python -m benchmarks.bench_rename`` (``--entries N`` for another size). The
tree has 250 directories of 199 files each; half the names need a change
(spaces, device names, non-Latin letters, names that collide once cleaned),
half are safe already. The contenders:

* ``safename rename``: the command as a user runs it (``main([...])``, output
  discarded), which walks through directory descriptors and renames with
  ``renameat2(RENAME_NOREPLACE)``;
* ``os.walk + secure_filename``: the floor of a dry run, a bare walk that
  computes each new name and does nothing else;
* ``os.walk + os.rename``: the floor of ``--apply``, a bare bottom-up walk that
  renames by path, replacing whatever is in the way (it loses files on a
  collision and follows a swapped-in symlink: it is a floor, not an option).

Every ``--apply`` pass needs an untouched tree, so the passes are timed here
rather than with :func:`benchmarks._harness.compare`, which cannot leave out
a set-up between passes; they are interleaved all the same (A, B, A, B ...)
and each time is the best pass.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from benchmarks._harness import Timing
from safename import secure_filename
from safename.cli import main as safename_main

ENTRIES: Final = 50_000
FILES_PER_DIRECTORY: Final = 199
REPEAT: Final = 3
#: ``python -m benchmarks --quick``: a fifth of the tree. Making the fresh trees of
#: ``--apply`` takes far longer than timing them, minutes on a slow disk.
QUICK: Final = {"entries": 10_000}

_UNSAFE_PATTERNS: Final = (
    "My file {n}.txt",
    "CON {n}.txt",
    "中文 {n}.pdf",
    "file_{n}.txt",  # safe, but "file {n}.txt" below collides with it once cleaned
    "file {n}.txt",
)
_SAFE_PATTERNS: Final = ("IMG_{n}.JPG", "report-{n}.pdf", "notes_{n}.md", "data{n}.csv", "v{n}")


def make_tree(root: Path, entries: int = ENTRIES) -> int:
    """Fill *root* with about *entries* files and directories; return how many were made."""
    directories = max(1, entries // (FILES_PER_DIRECTORY + 1))
    made = 0
    for number in range(directories):
        directory = root / (f"dir {number:04d}" if number % 2 else f"dir_{number:04d}")
        directory.mkdir()
        made += 1
        for index in range(FILES_PER_DIRECTORY):
            patterns = _UNSAFE_PATTERNS if index % 2 else _SAFE_PATTERNS
            name = patterns[index // 2 % len(patterns)].format(n=index)
            with contextlib.suppress(FileExistsError):
                (directory / name).touch(exist_ok=False)
                made += 1
    return made


def _quietly(function: Callable[[], object]) -> None:
    with (
        open(os.devnull, "w") as devnull,
        contextlib.redirect_stdout(devnull),
        contextlib.redirect_stderr(devnull),
    ):
        function()


def safename_dry_run(root: Path) -> None:
    """The dry run, as the command does it."""
    _quietly(lambda: safename_main(["rename", "--no-progress", str(root)]))


def safename_apply(root: Path) -> None:
    """``--apply``, as the command does it."""
    _quietly(lambda: safename_main(["rename", "--apply", "--no-progress", str(root)]))


def walk_and_sanitize(root: Path) -> None:
    """The floor of a dry run: every new name computed, nothing checked or done."""
    for _directory, subdirectories, files in os.walk(root, topdown=False):
        for name in subdirectories + files:
            secure_filename(name)


def walk_and_rename(root: Path) -> None:
    """The floor of ``--apply``: rename by path, replacing what is in the way."""
    for directory, subdirectories, files in os.walk(root, topdown=False):
        for name in subdirectories + files:
            new = secure_filename(name)
            if new != name:
                os.rename(os.path.join(directory, name), os.path.join(directory, new))


def _time(
    title: str,
    contenders: dict[str, Callable[[Path], None]],
    *,
    entries: int,
    repeat: int,
    fresh_tree_each_pass: bool,
) -> tuple[str, list[Timing]]:
    best = dict.fromkeys(contenders, float("inf"))
    with tempfile.TemporaryDirectory() as scratch:
        shared = Path(scratch) / "shared"
        shared.mkdir()
        made = make_tree(shared, entries)
        for _ in range(repeat):
            for name, function in contenders.items():
                root = shared
                if fresh_tree_each_pass:
                    root = Path(tempfile.mkdtemp(dir=scratch))
                    make_tree(root, entries)
                start = time.perf_counter()
                function(root)
                best[name] = min(best[name], time.perf_counter() - start)
                if fresh_tree_each_pass:
                    shutil.rmtree(root)
    timings = [Timing(name, seconds, 1) for name, seconds in best.items()]
    print(f"\n{title} ({made} entries, best of {repeat})")
    for timing in timings:
        ratio = timing.seconds / timings[0].seconds
        print(f"  {timing.name:32} {timing.seconds:8.3f} s   {timings[0].name} is {ratio:6.2f}x")
    return title, timings


def run(entries: int = ENTRIES, repeat: int = REPEAT) -> list[tuple[str, list[Timing]]]:
    """Time the dry run and ``--apply`` against their floors."""
    return [
        _time(
            "safename rename, dry run",
            {"safename rename": safename_dry_run, "os.walk + secure_filename": walk_and_sanitize},
            entries=entries,
            repeat=repeat,
            fresh_tree_each_pass=False,
        ),
        _time(
            "safename rename --apply",
            {"safename rename --apply": safename_apply, "os.walk + os.rename": walk_and_rename},
            entries=entries,
            repeat=repeat,
            fresh_tree_each_pass=True,
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=ENTRIES)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    arguments = parser.parse_args()
    run(arguments.entries, arguments.repeat)
