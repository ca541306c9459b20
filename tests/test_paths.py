"""safe_join and unique_filename, attacked with real files on disk."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safename import PathReason, UnsafePathError, is_safe_filename, safe_join, unique_filename

P = PathReason


@pytest.mark.parametrize(
    ("pathname", "reason"),
    [
        ("..", P.TRAVERSAL),
        ("../etc/passwd", P.TRAVERSAL),
        ("a/../../b", P.TRAVERSAL),
        ("a/..", P.TRAVERSAL),
        ("/etc/passwd", P.ABSOLUTE),
        ("//server/share", P.UNC),
        ("C:", P.DRIVE),
        ("c:/windows", P.DRIVE),
        ("a/C:b", P.DRIVE),
        ("..\\windows", P.BACKSLASH),
        ("a\\b", P.BACKSLASH),
        ("a\x00b", P.NUL),
    ],
)
def test_escaping_paths_are_refused_with_a_reason(pathname: str, reason: PathReason) -> None:
    with pytest.raises(UnsafePathError) as caught:
        safe_join("/srv/base", "ok", pathname)
    assert caught.value.reason is reason
    assert caught.value.path == pathname


@pytest.mark.parametrize(
    ("pathnames", "expected"),
    [
        ((), "/srv/base"),
        (("",), "/srv/base"),
        (("a.txt",), "/srv/base/a.txt"),
        (("a", "b/c.txt"), "/srv/base/a/b/c.txt"),
        (("./a//b/",), "/srv/base/a/b"),
        (("a..b",), "/srv/base/a..b"),
        (("...",), "/srv/base/..."),
    ],
)
def test_relative_paths_are_joined(pathnames: tuple[str, ...], expected: str) -> None:
    assert safe_join("/srv/base", *pathnames) == expected


def test_safe_join_accepts_path_objects() -> None:
    assert safe_join(Path("/srv/base"), "x") == "/srv/base/x"


SEGMENTS = st.lists(
    st.sampled_from(["..", ".", "", "a", "b", "C:", "\\", "\x00", "//", "~"]) | st.text(max_size=4),
    max_size=6,
).map("/".join)


@given(st.lists(SEGMENTS, max_size=3))
def test_joined_path_never_leaves_the_directory(pathnames: list[str]) -> None:
    base = os.path.abspath("/srv/base")
    try:
        joined = safe_join(base, *pathnames)
    except UnsafePathError:
        return
    assert os.path.commonpath([base, os.path.normpath(joined)]) == base


def test_joined_path_stays_inside_on_a_real_tree(tmp_path: Path) -> None:
    base = tmp_path / "base"
    (base / "docs").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("secret")
    target = Path(safe_join(base, "docs/./note.txt"))
    target.write_text("note")
    assert target.resolve().is_relative_to(base.resolve())
    with pytest.raises(UnsafePathError):
        safe_join(base, "docs/../../secret.txt")


def test_unique_filename_creates_sanitized_files_and_never_reuses_a_name(tmp_path: Path) -> None:
    names = [unique_filename(tmp_path, "../My report.pdf").name for _ in range(4)]
    assert names == ["My_report.pdf", "My_report-1.pdf", "My_report-2.pdf", "My_report-3.pdf"]
    assert sorted(os.listdir(tmp_path)) == sorted(names)


def test_unique_filename_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("keep me")
    (tmp_path / "a-1.txt").write_text("keep me too")
    path = unique_filename(tmp_path, "a.txt")
    assert path.name == "a-2.txt"
    assert (tmp_path / "a.txt").read_text() == "keep me"
    assert (tmp_path / "a-1.txt").read_text() == "keep me too"


def test_unique_filename_does_not_follow_a_planted_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    inside = tmp_path / "inside"
    inside.mkdir()
    (inside / "a.txt").symlink_to(outside)
    path = unique_filename(inside, "a.txt")
    assert path.name == "a-1.txt"
    assert not outside.exists()


def test_thirty_two_threads_saving_one_name_get_thirty_two_files(tmp_path: Path) -> None:
    barrier = threading.Barrier(32)
    paths: list[Path] = []

    def save(number: int) -> None:
        barrier.wait()
        path = unique_filename(tmp_path, "CON.txt")
        with path.open("r+b") as handle:
            handle.write(str(number).encode())
        paths.append(path)

    threads = [threading.Thread(target=save, args=(number,)) for number in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({path.name for path in paths}) == 32
    assert sorted(int(path.read_bytes()) for path in paths) == list(range(32))
    assert all(path.parent == tmp_path for path in paths)
    assert all(is_safe_filename(path.name) for path in paths)


@given(st.text(max_size=300), st.integers(8, 40))
def test_every_candidate_name_is_safe_and_fits(name: str, max_length: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        for _ in range(3):
            path = unique_filename(directory, name, max_length=max_length)
            assert path.parent == Path(directory)
            assert is_safe_filename(path.name, max_length=max_length)
        assert len(os.listdir(directory)) == 3


def test_missing_directory_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        unique_filename(tmp_path / "missing", "a.txt")
