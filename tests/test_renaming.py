"""``safename rename``'s engine under attack and under crashes, on real trees under ``tmp_path``.

Races are made deterministic by acting between the listing and the renaming;
crashes by making the n-th file system call of a run raise (before or after
it takes effect), for every n, and then checking the rerun's tree against a
manifest of a run that was never interrupted.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from append_only import made_append_only
from faults import manifest
from hypothesis import given
from hypothesis import strategies as st
from reserved_cases import reserved_names

from safename import is_safe_filename, secure_filename
from safename._fs import descriptors
from safename._fs.temporaries import is_reserved_name
from safename._rename import journal as _rename_journal
from safename._rename import tree as _renaming
from safename.cli import ExitStatus, main
from safename.cli._options import NameOptions
from safename.filenames._rules import MIN_MAX_LENGTH
from safename.paths import claim_name, no_replace_method, opened_directory

# --- trees and manifests --------------------------------------------------------------------------

#: Relative path -> content (a str), or ("symlink", target). Directories are made on the way.
TREE: dict[str, Any] = {
    "a b.txt": "A",
    "e_f.txt": "E1",
    "e f.txt": "E2",  # collides with e_f.txt once cleaned
    "empty file.txt": "",  # an empty file must not pass for a reserved name
    "sub dir/x y.txt": "X",
    "sub dir/inner dir/deep file.txt": "D",
    "link to a": ("symlink", "a b.txt"),
}


def make_tree(root: Path, tree: dict[str, Any] = TREE) -> None:
    for relative, content in tree.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, tuple):
            path.symlink_to(content[1])
        else:
            path.write_text(content)


def rename(root: Path, *options: str) -> int:
    return main(["rename", "--apply", "--no-progress", *options, str(root)])


# --- the methods a move can take ------------------------------------------------------------------

METHODS = ["renameat2", "link", "placeholder"]


def force_method(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """Take renameat2 away for "link"; hard links too for "placeholder"."""
    if method == "renameat2":
        if no_replace_method() != "renameat2":
            pytest.skip("renameat2 is not available here")
        return
    monkeypatch.setattr(descriptors, "rename_no_replace", lambda *_arguments: False)
    if method == "placeholder":

        def refuse_link(*_arguments: object, **_keywords: object) -> None:
            raise PermissionError(errno.EPERM, "no hard links here (protected_hardlinks)")

        monkeypatch.setattr(os, "link", refuse_link)


# --- a directory swapped for a symlink between listing and renaming ----------------------------


def swap_for_symlink(tree: Path, name: str, elsewhere: Path) -> None:
    (tree / name).rename(tree / f"{name}.real")
    (tree / name).symlink_to(elsewhere, target_is_directory=True)


@pytest.fixture
def attacked(tmp_path: Path) -> tuple[Path, Path]:
    """A tree with unsafe names in its directories, and a directory outside that must not change."""
    tree, elsewhere = tmp_path / "tree", tmp_path / "elsewhere"
    for directory in (tree / "outer", tree / "bad dir", elsewhere):
        directory.mkdir(parents=True)
        (directory / "evil name.txt").write_text(directory.name)
        (directory / "libfoo++.so.1").write_text(directory.name)
    return tree, elsewhere


@pytest.mark.parametrize("swapped", ["outer", "bad dir"])
def test_a_directory_swapped_for_a_symlink_after_listing_is_skipped(
    attacked: tuple[Path, Path], swapped: str
) -> None:
    tree, elsewhere = attacked
    before = manifest(elsewhere)
    with opened_directory(tree) as top:
        listing = _renaming.list_tree(top, include_hidden=False)
        swap_for_symlink(tree, swapped, elsewhere)
        outcomes = list(
            _renaming.rename_listed(
                top, listing, secure_filename, max_length=255, allow_unicode=False, apply=True
            )
        )
    skipped = [outcome for outcome in outcomes if isinstance(outcome, _renaming.Skipped)]
    assert [(outcome.directory, outcome.reason) for outcome in skipped] == [
        ((swapped,), "a symbolic link now stands in its place; not followed")
    ]
    assert manifest(elsewhere) == before
    assert (tree / swapped).is_symlink()  # the link itself is left alone too
    assert sorted(os.listdir(tree / f"{swapped}.real")) == ["evil name.txt", "libfoo++.so.1"]
    other = "bad_dir" if swapped == "outer" else "outer"
    assert sorted(os.listdir(tree / other)) == ["evil_name.txt", "libfoo.so.1"]


def test_a_directory_replaced_by_another_after_listing_is_skipped(
    attacked: tuple[Path, Path],
) -> None:
    tree, _ = attacked
    with opened_directory(tree) as top:
        listing = _renaming.list_tree(top, include_hidden=False)
        (tree / "outer").rename(tree / "outer.real")
        (tree / "outer").mkdir()
        (tree / "outer" / "planted name.txt").touch()
        outcomes = list(
            _renaming.rename_listed(
                top, listing, secure_filename, max_length=255, allow_unicode=False, apply=True
            )
        )
    assert [outcome.reason for outcome in outcomes if isinstance(outcome, _renaming.Skipped)] == [
        "another directory now stands in its place"
    ]
    assert os.listdir(tree / "outer") == ["planted name.txt"]


def test_the_command_reports_the_swap_and_fails(
    attacked: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree, elsewhere = attacked
    before = manifest(elsewhere)
    real_list_tree = _renaming.list_tree

    def list_then_swap(top: int, *, include_hidden: bool) -> _renaming.Listing:
        listing = real_list_tree(top, include_hidden=include_hidden)
        swap_for_symlink(tree, "outer", elsewhere)
        return listing

    monkeypatch.setattr(_renaming, "list_tree", list_then_swap)
    assert rename(tree) == ExitStatus.RENAME_FAILED
    err = capsys.readouterr().err
    assert "skipped outer and everything in it: a symbolic link now stands in its place" in err
    assert manifest(elsewhere) == before


def test_a_symlinked_directory_is_never_entered(attacked: tuple[Path, Path]) -> None:
    tree, elsewhere = attacked
    (tree / "into elsewhere").symlink_to(elsewhere, target_is_directory=True)
    before = manifest(elsewhere)
    assert rename(tree) == ExitStatus.OK
    assert manifest(elsewhere) == before
    assert (tree / "into_elsewhere").is_symlink()


# --- a crash at every step of a move --------------------------------------------------------------


class Crash(BaseException):
    """Stands for kill -9: not an Exception, so that no handler of the code under test takes it."""


#: The calls that change the file system (or the journal); os.open creates reserved names.
CHANGING_CALLS = (
    *("link", "unlink", "mkdir", "rmdir", "rename", "replace", "open", "write"),
    *("fsync", "ftruncate"),
)


@contextlib.contextmanager
def crash_at(point: int, *, after: bool) -> Iterator[list[str]]:
    """Make the *point*-th changing call raise :class:`Crash`, before or *after* it acts.

    Once crashed, every later changing call raises too: the process is dead,
    and no clean-up may touch the tree. Only calls made by safename's own code
    count (pytest writes with os.write too). Yields the names of the calls made.
    """
    calls: list[str] = []
    crashed = False

    def wrap(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*arguments: Any, **keywords: Any) -> Any:
            nonlocal crashed
            if not sys._getframe(1).f_globals.get("__name__", "").startswith("safename."):
                return function(*arguments, **keywords)
            if crashed:
                raise Crash(f"already dead at {name}")
            calls.append(name)
            if len(calls) - 1 == point and not after:
                crashed = True
                raise Crash(f"before {name}")
            try:
                return function(*arguments, **keywords)
            finally:
                if len(calls) - 1 == point:  # even when the call failed: then die
                    crashed = True
                    raise Crash(f"after {name}")

        return wrapper

    with pytest.MonkeyPatch.context() as patch:
        for name in CHANGING_CALLS:
            patch.setattr(os, name, wrap(name, getattr(os, name)))
        move = descriptors.rename_no_replace
        patch.setattr(descriptors, "rename_no_replace", wrap("renameat2", move))
        yield calls


def clean_result(tmp_path: Path) -> dict[str, tuple[str, str]]:
    root = tmp_path / "clean"
    root.mkdir()
    make_tree(root)
    assert rename(root) == ExitStatus.OK
    return manifest(root)


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_a_rerun_after_a_crash_at_any_step_repairs_the_tree(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    method: str,
) -> None:
    force_method(monkeypatch, method)
    expected = clean_result(tmp_path)
    assert not any(name.startswith(".safename-") for name in expected)
    steps_seen: set[str] = set()
    # Not itertools.product: it would read the endless count into memory first.
    points = ((point, after) for point in itertools.count() for after in (False, True))
    for point, after in points:
        root = tmp_path / f"crash-{point}-{after}"
        root.mkdir()
        make_tree(root)
        capsys.readouterr()
        with crash_at(point, after=after) as calls:
            try:
                rename(root)
            except Crash:
                crashed = True
            else:
                crashed = False
        if not crashed:
            break  # past the last call of a whole run: every step was tried
        steps_seen.add(calls[-1])
        journal = root / _rename_journal.JOURNAL_NAME
        interrupted = journal.exists() and journal.stat().st_size > 0
        assert rename(root) == ExitStatus.OK, (point, after, calls)
        assert manifest(root) == expected, (point, after, calls)
        if interrupted:
            assert "recovered an interrupted move" in capsys.readouterr().err
    # Each method's own steps were among those crashed at.
    assert {"renameat2"} <= steps_seen
    if method != "renameat2":
        assert {"write", "fsync", "ftruncate", "rename"} <= steps_seen
    if method == "link":
        assert {"link", "unlink", "mkdir"} <= steps_seen
    if method == "placeholder":
        assert {"open", "mkdir"} <= steps_seen


# Recovery from each state a crash can leave, written by hand (the test above finds them).
@pytest.mark.parametrize(
    ("state", "outcome", "left"),
    [
        ("linked", "finished", {"new": ("file", "data")}),
        ("reserved file", "undone", {"old": ("file", "data")}),
        ("reserved directory", "undone", {"old": ("directory", "")}),
        ("done", "untouched", {"new": ("file", "data")}),
        ("not begun", "untouched", {"old": ("file", "data")}),
        ("someone else's file", "untouched", {"old": ("file", "data"), "new": ("file", "theirs")}),
    ],
)
def test_recovery_settles_each_state_of_an_interrupted_move(
    tmp_path: Path, state: str, outcome: str, left: dict[str, tuple[str, str]]
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    if state == "reserved directory":
        old.mkdir()
        new.mkdir()
    else:
        old.write_text("data")
    if state == "linked":
        os.link(old, new)
    elif state == "reserved file":
        new.touch()
    elif state == "done":
        old.rename(new)
    elif state == "someone else's file":
        new.write_text("theirs")
    line = json.dumps({"directory": [], "old": "old", "new": "new"})
    (tmp_path / _rename_journal.JOURNAL_NAME).write_text(line + "\n")
    with opened_directory(tmp_path) as top:
        recovered = _rename_journal.recover(top)
    assert [(item.old, item.new, item.outcome) for item in recovered] == [("old", "new", outcome)]
    found = {
        path.name: ("directory", "") if path.is_dir() else ("file", path.read_text())
        for path in tmp_path.iterdir()
    }
    assert found == left


def test_a_dry_run_reports_an_interrupted_run_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a b").write_text("x")
    journal = tmp_path / _rename_journal.JOURNAL_NAME
    journal.write_text(json.dumps({"directory": [], "old": "a b", "new": "a_b"}) + "\n")
    assert main(["rename", str(tmp_path)]) == ExitStatus.OK
    assert "left 1 unfinished move(s)" in capsys.readouterr().err
    assert journal.exists()


def test_a_run_holding_the_journal_keeps_a_second_run_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import fcntl

    (tmp_path / "a b").write_text("x")
    journal = tmp_path / _rename_journal.JOURNAL_NAME
    journal.write_text("")
    with journal.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert rename(tmp_path) == ExitStatus.RENAME_FAILED
    assert "another run is renaming in this tree" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == [_rename_journal.JOURNAL_NAME, "a b"]


# --- detect before creating: append-only directories ----------------------------------------------


@pytest.fixture
def append_only_tree(tmp_path: Path) -> Iterator[Path]:
    """``tree/locked`` made append-only with a real ``chattr +a``."""
    locked = tmp_path / "tree" / "locked"
    (locked / "sub dir").mkdir(parents=True)
    (locked / "f one.txt").write_text("one")
    with made_append_only(locked):
        yield tmp_path / "tree"


@pytest.mark.parametrize("method", METHODS)
def test_an_append_only_directory_gains_no_stray_names(
    append_only_tree: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    method: str,
) -> None:
    force_method(monkeypatch, method)
    before = manifest(append_only_tree)
    for _ in range(2):  # a retry must not add copies either
        assert rename(append_only_tree) == ExitStatus.RENAME_FAILED
        assert manifest(append_only_tree) == before
    err = capsys.readouterr().err
    # The error names the entry and the original cause (EPERM on the old name), not an undo.
    assert "cannot rename locked/f one.txt: [Errno 1] " in err
    assert "cannot rename locked/sub dir: [Errno 1] " in err
    assert "'f one.txt' -> 'f_one.txt'" in err
    assert not (append_only_tree / _rename_journal.JOURNAL_NAME).exists()


# --- output -----------------------------------------------------------------------------------


def test_json_lines_name_each_move_with_its_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(tmp_path)
    assert main(["rename", "--json", str(tmp_path)]) == ExitStatus.OK
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"old": "sub dir/x y.txt", "new": "sub dir/x_y.txt", "status": "planned"} in records
    assert {"old": "e f.txt", "new": "e_f-1.txt", "status": "planned"} in records
    assert rename(tmp_path, "--json") == ExitStatus.OK
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {record["status"] for record in records} == {"renamed"}
    assert all(is_safe_filename(record["new"].rsplit("/", 1)[-1]) for record in records)


def test_nul_separated_pairs_keep_any_byte_of_a_name(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    name = os.fsdecode(b"new\nline \xff.txt")
    (tmp_path / name).write_text("x")
    assert main(["rename", "-0", str(tmp_path)]) == ExitStatus.OK
    assert capsysbinary.readouterr().out == b"new\nline \xff.txt\0new_line_.txt\0"


def test_a_closed_pipe_ends_the_run_quietly(tmp_path: Path) -> None:
    for number in range(3000):  # far more output than a pipe buffers
        (tmp_path / f"a long name that needs cleaning number {number:05d}.txt").touch()
    process = subprocess.Popen(
        [sys.executable, "-m", "safename", "rename", "--apply", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # what `| head -1` does
    err = process.stderr.read()
    assert process.wait(timeout=60) == ExitStatus.OUTPUT_CLOSED
    assert int(ExitStatus.OUTPUT_CLOSED) == 141  # 128 + SIGPIPE, what a shell reports
    assert first.endswith(b"_00000.txt\n")
    assert b"Traceback" not in err
    assert err == b""
    assert not (tmp_path / _rename_journal.JOURNAL_NAME).exists()


def test_symlinks_whose_targets_move_are_listed_and_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(tmp_path)
    (tmp_path / "sub dir" / "up").symlink_to("../a b.txt")
    (tmp_path / "to deep").symlink_to("sub dir/inner dir/deep file.txt")
    (tmp_path / "absolute").symlink_to(tmp_path / "e f.txt")
    (tmp_path / "safe_target").symlink_to("e_f.txt")  # its target keeps its name
    (tmp_path / "outside").symlink_to("../../elsewhere/a b.txt")
    assert main(["rename", str(tmp_path)]) == ExitStatus.OK
    dry = capsys.readouterr().err
    assert rename(tmp_path) == ExitStatus.OK
    applied = capsys.readouterr().err
    for link, target in [
        ("link to a", "a b.txt"),
        ("sub dir/up", "../a b.txt"),
        ("to deep", "sub dir/inner dir/deep file.txt"),
        ("absolute", str(tmp_path / "e f.txt")),
    ]:
        assert f"the symlink {link} points at {target!r}, which would be renamed" in dry
        assert f"the symlink {link} points at {target!r}, which was renamed; the link" in applied
    assert "safe_target" not in dry + applied
    assert "outside" not in dry + applied


def test_case_twins_are_both_kept(tmp_path: Path) -> None:
    (tmp_path / "A.txt").write_text("upper")
    (tmp_path / "a.txt").write_text("lower")
    probe = tmp_path / "A.TXT"
    if probe.exists():
        pytest.skip("this file system is case-insensitive")
    assert rename(tmp_path) == ExitStatus.OK
    assert sorted(os.listdir(tmp_path)) == ["A.txt", "a.txt"]


# --- the reserved namespace -----------------------------------------------------------------------


@given(
    name=reserved_names(),
    allow_unicode=st.booleans(),
    max_length=st.integers(min_value=MIN_MAX_LENGTH, max_value=255),
    fallback=st.sampled_from(["file", ".safename-upload-0123456789abcdef.part"]),
)
def test_the_sanitizer_the_engine_renames_with_never_gives_a_reserved_name(
    name: str, allow_unicode: bool, max_length: int, fallback: str
) -> None:
    # The engine's targets are the sanitizer's output and claim_name's numbered
    # variants of it: neither can start with a dot, so no check is needed in the engine.
    options = NameOptions(max_length, fallback, allow_unicode=allow_unicode, transliterate=False)
    sanitize = options.sanitizer()
    target = sanitize(name)
    assert not is_reserved_name(target)
    claimed, _ = claim_name(
        target, lambda candidate: None, max_length=max_length, allow_unicode=allow_unicode
    )
    assert not is_reserved_name(claimed)


def test_hidden_names_like_temporaries_are_renamed_out_of_the_namespace(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    names = [
        ".safename-upload-fedcba9876543210.part",
        ".SafeName-Extract-0.part",
        "\uff0esafename-x",
    ]
    make_tree(root, dict.fromkeys(names, "user data"))
    assert rename(root, "--include-hidden") == ExitStatus.OK
    renamed = sorted(os.listdir(root))
    assert len(renamed) == len(names)
    assert not any(is_reserved_name(name) for name in renamed)
    assert all((root / name).read_text() == "user data" for name in renamed)


# --- a closed pipe, Ctrl-C and a second run, on the fallback path ------------------------------


class _Stops(io.TextIOBase):
    """A stdout whose reader goes away (or whose user presses Ctrl-C) after the first line."""

    def __init__(self, error: BaseException) -> None:
        self.lines: list[str] = []
        self.error = error

    def write(self, text: str) -> int:
        if self.lines:
            raise self.error
        self.lines.append(text)
        return len(text)

    def fileno(self) -> int:
        raise io.UnsupportedOperation("no descriptor")


@pytest.mark.parametrize(
    ("error", "status"),
    [(BrokenPipeError(32, "Broken pipe"), 141), (KeyboardInterrupt(), 130)],
    ids=["closed-pipe", "ctrl-c"],
)
def test_a_closed_pipe_or_ctrl_c_on_the_fallback_ends_quietly_with_no_empty_journal(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: BaseException,
    status: int,
) -> None:
    force_method(monkeypatch, "link")
    for number in range(20):
        (tmp_path / f"needs cleaning {number:02d}.txt").write_text(str(number))
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    monkeypatch.setattr(sys, "stdout", _Stops(error))
    assert rename(tmp_path) == status
    gc.collect()  # a generator left open would settle its journal only now, on a closed tree
    assert unraisable == []
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / _rename_journal.JOURNAL_NAME).exists()
    monkeypatch.undo()
    assert rename(tmp_path) == ExitStatus.OK  # the rest is renamed by the next run
    assert sorted(path.read_text() for path in tmp_path.iterdir()) == sorted(map(str, range(20)))


def test_a_second_run_cannot_touch_the_journal_of_a_run_in_progress(tmp_path: Path) -> None:
    make_tree(tmp_path)
    with opened_directory(tmp_path) as first:
        _rename_journal.lock_tree(first)  # a run that has not created its journal yet
        (tmp_path / _rename_journal.JOURNAL_NAME).write_text("")  # ... or just has
        assert rename(tmp_path) == ExitStatus.RENAME_FAILED
        assert (tmp_path / _rename_journal.JOURNAL_NAME).exists()
