"""The writers on file systems that refuse ``RENAME_NOREPLACE``: real ones, nothing patched.

Each test runs in both places of ``fallback_mount.py``: a bindfs mount, and
a subprocess with ``no_renameat2.c`` preloaded. There the writers take their
link-then-unlink fallback for real, and the crash harness kills them at each
call of it (``tests/test_crash_safety.py`` simulates the same in the process).
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fallback_mount import (
    Place,
    bindfs_mount,
    build_shim,
    fallback_place,
    fast_directory,
    place,
    shim_library,
)
from faults import linked_twice, manifest, temporaries, visible
from test_crash_safety import make_zip, rename_cli, unsafe_tree, users_files

from safename import safe_extract

__all__ = ["place", "shim_library"]  # the fixtures, imported so that pytest finds them

TESTS = Path(__file__).parent
RUNNER = TESTS / "fault_runner.py"


def test_renameat2_is_refused_in_each_place(place: Place) -> None:
    """The place is what it claims: a move to a free name with the flag is refused."""
    probe = (
        "import os; from safename._fs import descriptors\n"
        "open('a', 'w').close()\n"
        "here = os.open('.', os.O_RDONLY)\n"
        "print(descriptors.rename_no_replace('a', 'b', here, here))\n"
    )
    answer = place.run("-c", probe, cwd=place.directory)
    assert (answer.returncode, answer.stdout) == (0, "False\n"), answer.stderr
    assert sorted(path.name for path in place.directory.iterdir()) == ["a"]
    assert place.refusals() == (1 if place.kind == "shim" else 0)


def mount_and_leave(directory: Path) -> None:
    with bindfs_mount(directory):
        pass


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
@pytest.mark.parametrize("start", [mount_and_leave, build_shim], ids=["bindfs", "shim"])
def test_a_missing_tool_skips_here_and_fails_on_ci(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    ci: str,
    outcome: type[BaseException],
    start: Callable[[Path], object],
) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no bindfs, no cc on this PATH
    with pytest.raises(outcome):
        start(tmp_path)


# The probe behind --version cannot see a mount: it names no file, so a FUSE or NFS
# mount is never asked. There the moves fall back call by call.
VERSION_METHOD = {"shim": "link", "bindfs": "renameat2"}


def test_version_reports_the_method_the_probe_sees(place: Place) -> None:
    answer = place.run("-m", "safename", "--version", cwd=place.directory)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.endswith(f"no-clobber rename: {VERSION_METHOD[place.kind]})\n")


def reference(
    tmp_path: Path, prepare: Callable[[Path], None], run: Callable[[Path], object]
) -> dict[str, tuple[str, str]]:
    """What *run* leaves on the ordinary file system, where renameat2 works."""
    directory = tmp_path / "reference"
    directory.mkdir()
    prepare(directory)
    run(directory)
    return manifest(directory)


def assert_clean(place: Place, root: Path) -> None:
    """No temporary, no file with two names; and the fallback really ran."""
    assert not temporaries(root)
    assert not linked_twice(root)
    if place.kind == "shim":
        assert place.refusals() > 0


def test_extract_apply_takes_the_fallback_and_never_overwrites(
    place: Place, tmp_path: Path
) -> None:
    archive = tmp_path / "archive.zip"
    archive.write_bytes(make_zip())
    expected = reference(tmp_path, users_files, lambda root: safe_extract(archive, root))
    root = place.directory / "into"
    root.mkdir()
    users_files(root)
    extracted = place.run("-m", "safename", "extract", "--apply", archive, root)
    assert extracted.returncode == 0, extracted.stderr
    assert manifest(root) == expected
    assert_clean(place, root)
    again = place.run("-m", "safename", "extract", "--apply", archive, root)
    assert again.returncode != 0, "a second extraction over the first must be refused"
    assert manifest(root) == expected


def test_rename_apply_takes_the_fallback_and_never_overwrites(place: Place, tmp_path: Path) -> None:
    expected = reference(tmp_path, unsafe_tree, rename_cli)
    root = place.directory / "tree"
    root.mkdir()
    unsafe_tree(root)  # a_b.txt is there already: "a b.txt" must not replace it
    renamed = place.run("-m", "safename", "rename", "--apply", "--no-progress", root)
    assert renamed.returncode == 0, renamed.stderr
    assert manifest(root) == expected
    assert (root / "a_b.txt").read_bytes() == b"a2"
    assert_clean(place, root)


UPLOAD = """
import io, os, sys
from safename.uploads import save_upload
from safename.paths import move_without_replacing, opened_directory
root = sys.argv[1]
for data in (b"first", b"second"):
    print(save_upload(io.BytesIO(data), "report one.txt", root).name)
with opened_directory(root) as here:
    try:
        move_without_replacing("report_one.txt", "mine.txt", source_dir_fd=here, target_dir_fd=here)
    except FileExistsError:
        print("kept")
"""


def test_uploads_take_the_fallback_and_never_overwrite(place: Place) -> None:
    root = place.directory / "uploads"
    root.mkdir()
    (root / "mine.txt").write_bytes(b"the user's")
    saved = place.run("-c", UPLOAD, root)
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.split() == ["report_one.txt", "report_one-1.txt", "kept"]
    contents = {path.name: path.read_bytes() for path in root.iterdir()}
    assert contents == {
        "mine.txt": b"the user's",
        "report_one.txt": b"first",
        "report_one-1.txt": b"second",
    }
    assert_clean(place, root)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["extract-zip-merge", "rename", "save_upload"])
def test_a_kill_at_any_call_of_the_fallback_is_repaired(place: Place, scenario: str) -> None:
    """The crash harness's kill -9 at every call index, in a process with nothing patched."""
    directory = place.directory / "harness"
    directory.mkdir()
    ran = place.run(RUNNER, "harness", scenario, "kill", directory)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-4000:]
    assert f"{scenario} kill: " in ran.stdout
    assert_clean(place, directory)


# --- a 200-member archive into a directory that exists, killed while publishing ------------------

MEMBERS = 200


def big_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(MEMBERS):
            archive.writestr(f"sub/member-{number:03}.txt", f"member {number}\n")
    return buffer.getvalue()


def publish_points(calls: list[str]) -> list[int]:
    """Call indexes of moves early in, in the middle of and at the end of the publish.

    The moves are the calls that give a name (``link`` where the fallback
    runs, else ``renameat2``) after the journal's first sync; a kill at the
    third already leaves a part published. (The command's own renameat2 probe,
    for ``--version``, comes before.)
    """
    move = "link" if "link" in calls else "renameat2"
    start = calls.index("fsync")
    moves = [index for index, name in enumerate(calls) if name == move and index > start]
    return [moves[2], moves[len(moves) // 2], moves[-1]]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["renameat2", *["shim", "bindfs"]])
def test_a_killed_extraction_of_many_members_leaves_all_or_nothing(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    archive = tmp_path / "big.zip"
    archive.write_bytes(big_zip())
    expected = reference(tmp_path, users_files, lambda root: safe_extract(archive, root))
    with fast_directory(tmp_path) as base, fallback_place(kind, base, request) as where:
        counted = where.directory / "counted"
        counted.mkdir()
        users_files(counted)
        calls_file = tmp_path / "calls.json"
        extract = ("extract", "--apply", archive)
        ran = where.run(RUNNER, "cli", "--calls", calls_file, "--", *extract, counted)
        assert ran.returncode == 0, ran.stderr
        assert manifest(counted) == expected
        calls = json.loads(calls_file.read_text())
        assert ("link" in calls) == (kind != "renameat2")
        for point in publish_points(calls):
            for sweep_first in (False, True):
                root = where.directory / f"at-{point}-{sweep_first}"
                root.mkdir()
                users_files(root)
                before = manifest(root)
                where_ = (
                    f"{kind}: killed at call {point} ({calls[point]}), sweep first: {sweep_first}"
                )
                killed = where.run(RUNNER, "cli", "--kill-at", point, "--", *extract, root)
                assert killed.returncode == -9, f"{where_}: {killed.stderr}"
                published = visible(manifest(root))
                assert published not in (before, expected), f"{where_}: not killed while publishing"
                sweep = ("-m", "safename", "sweep", "--apply", "--older-than", "0", root)
                if sweep_first:
                    assert where.run(*sweep).returncode == 0
                    assert manifest(root) == before, f"{where_}: sweep left a part of the archive"
                rerun = where.run("-m", "safename", *extract, root)
                assert rerun.returncode == 0, f"{where_}: {rerun.stderr}"
                assert where.run(*sweep).returncode == 0
                assert manifest(root) == expected, where_
                assert not linked_twice(root), where_
                shutil.rmtree(root)
