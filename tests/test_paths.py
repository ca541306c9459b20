"""safe_join, unique_filename and the claim primitive, attacked with real files on disk."""

from __future__ import annotations

import errno
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from append_only import made_append_only
from hypothesis import given
from hypothesis import strategies as st

from safename import (
    FilenameReason,
    PathReason,
    UnsafeFilenameError,
    UnsafePathError,
    is_safe_filename,
    safe_join,
    secure_filename,
    unique_filename,
    validate_filename,
)
from safename._fs import descriptors
from safename.paths import (
    NoReplaceUnsupportedError,
    claim_name,
    move_without_replacing,
    no_replace_method,
    open_directory,
    opened_directory,
    temporary_name,
)

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
        # Windows drops trailing dots: "..." is ".." there.
        ("...", P.TRAVERSAL),
        # NFKC turns fullwidth full stops into "..".
        ("a/\uff0e\uff0e/b", P.TRAVERSAL),
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


# --- device names in safe_join --------------------------------------------------------------------


@pytest.mark.parametrize(
    "pathname",
    ["CON", "nul.txt", "COM1 . log", "COM\u00b9", "docs/LPT9.tar.gz", "a/conin$/b", "aux.", "PRN "],
)
def test_device_names_are_refused_in_any_segment(pathname: str) -> None:
    with pytest.raises(UnsafePathError) as caught:
        safe_join("/srv/base", "ok", pathname)
    assert caught.value.reason is P.DEVICE_NAME
    assert caught.value.path == pathname


@pytest.mark.parametrize("pathname", ["CONSOLE", "COM10", "con_", "_CON.txt", "NULL/x", "a.CON"])
def test_names_that_only_look_like_devices_are_joined(pathname: str) -> None:
    assert safe_join("/srv/base", pathname) == f"/srv/base/{pathname}"


@given(st.text(alphabet=st.sampled_from("CONULPTAXMR$¹.1 9a"), max_size=10) | st.text(max_size=8))
def test_safe_join_and_the_validator_agree_on_device_names(segment: str) -> None:
    try:
        safe_join("/srv/base", segment)
    except UnsafePathError as error:
        refused_as_device = error.reason is P.DEVICE_NAME
    else:
        refused_as_device = False
    if refused_as_device:
        assert not is_safe_filename(segment)
        with pytest.raises(UnsafeFilenameError) as caught:
            validate_filename(segment)
        assert caught.value.reason is FilenameReason.RESERVED_NAME
    if is_safe_filename(segment) or is_safe_filename(segment, allow_unicode=True):
        safe_join("/srv/base", segment)  # what the validator accepts, safe_join joins


# --- open_directory -------------------------------------------------------------------------------


def test_a_symlink_in_place_of_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "swapped").symlink_to(tmp_path / "real")
    with pytest.raises(UnsafePathError) as caught:
        open_directory(tmp_path / "swapped")
    assert caught.value.reason is P.SYMLINK
    with opened_directory(tmp_path) as parent, pytest.raises(UnsafePathError):
        open_directory("swapped", dir_fd=parent)


def test_a_trusted_symlinked_directory_may_be_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "inside").touch()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with opened_directory(tmp_path / "link", follow_symlinks=True) as descriptor:
        assert os.listdir(descriptor) == ["inside"]


@pytest.mark.parametrize(("make", "error"), [("file", NotADirectoryError), ("missing", OSError)])
def test_open_directory_refuses_what_is_not_a_directory(
    tmp_path: Path, make: str, error: type[OSError]
) -> None:
    if make == "file":
        (tmp_path / "entry").touch()
    with pytest.raises(error):
        open_directory(tmp_path / "entry")


def test_opened_directory_closes_its_descriptor(tmp_path: Path) -> None:
    with opened_directory(tmp_path) as descriptor:
        os.fstat(descriptor)
    with pytest.raises(OSError, match="Bad file descriptor"):
        os.fstat(descriptor)


# --- move_without_replacing -----------------------------------------------------------------------


@pytest.fixture(params=["renameat2", "link"])
def method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs on renameat2 and on the link fallback, forced by taking renameat2 away."""
    chosen: str = request.param
    if chosen == "renameat2":
        if no_replace_method() != "renameat2":
            pytest.skip("renameat2 is not available on this system")
    else:
        monkeypatch.setattr(descriptors, "rename_no_replace", lambda *_arguments: False)
    return chosen


def make_entry(path: Path, kind: str) -> None:
    if kind == "file":
        path.write_text(f"content of {path.name}")
    elif kind == "directory":
        path.mkdir()
        (path / "inside.txt").write_text("inside")
    elif kind == "empty directory":
        path.mkdir()
    elif kind == "symlink":
        path.symlink_to("target-of-" + path.name)
    else:  # a symlink whose target is missing: a careless check would take the name as free
        path.symlink_to(path.parent / "missing")


def listing(directory: Path) -> dict[str, str]:
    """Each entry's kind and content (or link target), to compare before and after."""
    result = {}
    for path in sorted(directory.rglob("*")):
        relative = str(path.relative_to(directory))
        if path.is_symlink():
            result[relative] = "-> " + os.readlink(path)
        elif path.is_dir():
            result[relative] = "dir"
        else:
            result[relative] = path.read_text()
    return result


def move(directory: Path, source: str, target: str) -> None:
    with opened_directory(directory) as descriptor:
        move_without_replacing(source, target, source_dir_fd=descriptor, target_dir_fd=descriptor)


@pytest.mark.parametrize("existing", ["file", "empty directory", "symlink", "dangling symlink"])
@pytest.mark.parametrize("moved", ["file", "directory", "symlink"])
def test_move_never_replaces_an_existing_entry(
    tmp_path: Path, method: str, moved: str, existing: str
) -> None:
    make_entry(tmp_path / "old", moved)
    make_entry(tmp_path / "new", existing)
    before = listing(tmp_path)
    expected: type[OSError] = FileExistsError
    if method == "link" and moved == "directory":
        expected = NoReplaceUnsupportedError
    with pytest.raises(expected):
        move(tmp_path, "old", "new")
    assert listing(tmp_path) == before


@pytest.mark.parametrize("moved", ["file", "directory", "symlink", "dangling symlink"])
def test_move_gives_the_entry_its_new_name(tmp_path: Path, method: str, moved: str) -> None:
    make_entry(tmp_path / "old", moved)
    before = listing(tmp_path)
    if method == "link" and moved == "directory":
        with pytest.raises(NoReplaceUnsupportedError):
            move(tmp_path, "old", "new")
        assert listing(tmp_path) == before
        return
    move(tmp_path, "old", "new")
    renamed = {key.replace("old", "new", 1): value for key, value in before.items()}
    assert listing(tmp_path) == renamed


def test_move_between_two_directories(tmp_path: Path, method: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x").write_text("x")
    with opened_directory(tmp_path / "a") as source, opened_directory(tmp_path / "b") as target:
        move_without_replacing("x", "y", source_dir_fd=source, target_dir_fd=target)
    assert listing(tmp_path) == {"a": "dir", "b": "dir", "b/y": "x"}


def test_link_fallback_without_hard_links_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_arguments: object, **_keywords: object) -> None:
        raise PermissionError(errno.EPERM, "protected_hardlinks")

    monkeypatch.setattr(descriptors, "rename_no_replace", lambda *_arguments: False)
    monkeypatch.setattr(os, "link", refuse)
    (tmp_path / "old").write_text("data")
    with pytest.raises(NoReplaceUnsupportedError) as caught:
        move(tmp_path, "old", "new")
    assert "protected_hardlinks" in str(caught.value)
    assert listing(tmp_path) == {"old": "data"}


def test_link_fallback_removes_the_new_name_when_the_old_cannot_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_unlink = os.unlink

    def refuse_old(path: str, *, dir_fd: int | None = None) -> None:
        if path == "old":
            raise PermissionError(errno.EPERM, "sticky", path)
        real_unlink(path, dir_fd=dir_fd)

    monkeypatch.setattr(descriptors, "rename_no_replace", lambda *_arguments: False)
    monkeypatch.setattr(os, "unlink", refuse_old)
    (tmp_path / "old").write_text("data")
    with pytest.raises(PermissionError) as caught:
        move(tmp_path, "old", "new")
    assert caught.value.filename == "old"  # the original cause, not the undo
    assert listing(tmp_path) == {"old": "data"}


@pytest.fixture
def append_only(tmp_path: Path) -> Iterator[Path]:
    """A real ``chattr +a`` directory holding a file and a directory."""
    directory = tmp_path / "append-only"
    directory.mkdir()
    (directory / "f one.txt").write_text("one")
    (directory / "sub dir").mkdir()
    with made_append_only(directory):
        yield directory


@pytest.mark.parametrize("moved", ["f one.txt", "sub dir"])
def test_move_in_an_append_only_directory_creates_nothing(
    append_only: Path, method: str, moved: str
) -> None:
    before = listing(append_only)
    # A directory without renameat2 is refused earlier, as unsupported: it creates nothing either.
    refused = (
        NoReplaceUnsupportedError if (method, moved) == ("link", "sub dir") else PermissionError
    )
    with pytest.raises(refused):
        move(append_only, moved, "renamed")
    assert listing(append_only) == before


def test_no_replace_method_is_renameat2_on_linux() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux only")
    assert no_replace_method() == "renameat2"


# --- claim_name -----------------------------------------------------------------------------------


class Taken:
    """An occupy callback over a set of taken names, counting its calls."""

    def __init__(self, *names: str) -> None:
        self.names = set(names)
        self.tried: list[str] = []

    def __call__(self, candidate: str) -> str:
        self.tried.append(candidate)
        if candidate in self.names:
            raise FileExistsError(candidate)
        self.names.add(candidate)
        return f"occupied {candidate}"


def test_claim_name_takes_the_name_itself_when_free() -> None:
    assert claim_name("a.txt", Taken()) == ("a.txt", "occupied a.txt")


def test_claim_name_numbers_before_the_extension() -> None:
    occupy = Taken("report.tar.gz", "report.tar-1.gz")
    assert claim_name("report.tar.gz", occupy)[0] == "report.tar-2.gz"
    assert occupy.tried == ["report.tar.gz", "report.tar-1.gz", "report.tar-2.gz"]


def test_claim_name_goes_random_after_ninety_nine() -> None:
    occupy = Taken("a.txt", *(f"a-{number}.txt" for number in range(1, 100)))
    claimed, _ = claim_name("a.txt", occupy)
    assert len(occupy.tried) == 101
    assert re.fullmatch(r"a-[0-9a-f]{6}\.txt", claimed)


def test_claim_name_gives_up_with_file_exists_error() -> None:
    def always_taken(candidate: str) -> None:
        raise FileExistsError(candidate)

    with pytest.raises(FileExistsError, match=r"no free name for 'a\.txt'"):
        claim_name("a.txt", always_taken)


def test_claim_name_passes_other_errors_on_at_once() -> None:
    calls: list[str] = []

    def refuse(candidate: str) -> None:
        calls.append(candidate)
        raise PermissionError(candidate)

    with pytest.raises(PermissionError):
        claim_name("a.txt", refuse)
    assert calls == ["a.txt"]


@pytest.mark.parametrize(
    ("name", "max_length", "expected"),
    [
        ("abcdefgh.txt", 12, "abcdef-1.txt"),
        ("abcdefghij", 10, "abcdefgh-1"),
        ("x" * 250 + ".pdf", 255, "x" * 249 + "-1.pdf"),
        ("abcdefgh.verylongext", 20, "abcdefgh.verylonge-1"),  # too long an extension to keep
    ],
)
def test_claim_name_cuts_numbered_names_to_the_limit(
    name: str, max_length: int, expected: str
) -> None:
    claimed, _ = claim_name(name, Taken(name), max_length=max_length)
    assert claimed == expected
    assert len(claimed.encode()) <= max_length


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("a b.txt", {}),
        ("../etc", {}),
        ("CON.txt", {}),
        ("Ærø.txt", {}),
        ("x" * 20, {"max_length": 10}),
        ("Cafe\u0301.txt", {"allow_unicode": True}),
        ("", {}),
    ],
)
def test_claim_name_refuses_a_name_that_is_not_clean(name: str, options: dict[str, Any]) -> None:
    occupy = Taken()
    with pytest.raises(UnsafeFilenameError):
        claim_name(name, occupy, **options)
    assert occupy.tried == []


@given(
    st.text(max_size=300),
    st.integers(8, 40),
    st.booleans(),
    st.integers(0, 120),
)
def test_claimed_names_are_safe_and_fit(
    text: str, max_length: int, allow_unicode: bool, taken: int
) -> None:
    name = secure_filename(text, max_length=max_length, allow_unicode=allow_unicode)
    occupy = Taken()
    for _ in range(taken):  # fill the first `taken` candidates
        claim_name(name, occupy, max_length=max_length, allow_unicode=allow_unicode)
    claimed, _ = claim_name(name, occupy, max_length=max_length, allow_unicode=allow_unicode)
    assert is_safe_filename(claimed, max_length=max_length, allow_unicode=allow_unicode)
    assert len(occupy.names) == taken + 1  # every claim got a name of its own


def test_unique_filename_does_not_follow_a_dangling_planted_symlink(tmp_path: Path) -> None:
    (tmp_path / "a.txt").symlink_to(tmp_path / "created-through-the-link")
    assert unique_filename(tmp_path, "a.txt").name == "a-1.txt"
    assert not (tmp_path / "created-through-the-link").exists()


def test_unique_filename_accepts_a_symlinked_directory(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "uploads").symlink_to(tmp_path / "real")
    path = unique_filename(tmp_path / "uploads", "a b.txt")
    assert path == tmp_path / "uploads" / "a_b.txt"
    assert (tmp_path / "real" / "a_b.txt").is_file()


def test_temporary_names_are_hidden_and_recognizable() -> None:
    names = {temporary_name("upload") for _ in range(50)}
    assert len(names) == 50
    assert all(re.fullmatch(r"\.safename-upload-[0-9a-f]{16}\.part", name) for name in names)
