"""safe_extract against hostile archives: each refused for its reason, the directory untouched."""

from __future__ import annotations

import functools
import io
import itertools
import os
import stat
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reserved_cases import reserved_names

import safename._fs.publish
import safename._fs.rollback
import safename._fs.staging
import safename._fs.temporaries
from benchmarks.bench_archives import tar_gz_bomb, zip_bomb
from safename import PathReason, UnsafeArchiveError, safe_join
from safename.archives import ArchiveReason, safe_extract
from safename.uploads import sweep

Manifest = dict[str, bytes | str]
TAR_MODES = ["w", "w:gz", "w:bz2", "w:xz"]


def manifest(directory: Path) -> Manifest:
    """Every entry under *directory*: a file's bytes, a link's target, or ``"dir"``."""
    entries: Manifest = {}
    for root, directories, files in os.walk(directory):
        for name in directories + files:
            path = Path(root, name)
            relative = str(path.relative_to(directory))
            if path.is_symlink():
                entries[relative] = f"-> {os.readlink(path)}"
            elif path.is_dir():
                entries[relative] = "dir"
            else:
                entries[relative] = path.read_bytes()
    return entries


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """A directory with something in it already: a file, a directory, a symlink out."""
    directory = tmp_path / "target"
    (directory / "photos").mkdir(parents=True)
    (directory / "keep.txt").write_bytes(b"keep me")
    (directory / "photos" / "old.jpg").write_bytes(b"old photo")
    (directory / "etc").symlink_to("/etc")
    return directory


def make_zip(members: list[tuple[str, bytes]], *, modes: dict[str, int] | None = None) -> bytes:
    """A zip of *members*; a name's ``\\x00`` survives (zipfile would cut it when writing)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name.replace("\x00", "\x01"))
            info.compress_type = zipfile.ZIP_DEFLATED
            if modes and name in modes:
                info.external_attr = modes[name] << 16
            archive.writestr(info, data)
    written = buffer.getvalue()
    for name, _ in members:
        if "\x00" in name:  # put it back in the local header and the central directory
            written = written.replace(name.replace("\x00", "\x01").encode(), name.encode())
    return written


def tar_member(
    name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", link: str = ""
) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, len(data), link
    if "\x00" in name:  # only a pax header can carry it
        info.pax_headers = {"path": name}
    return info, data


def make_tar(members: list[tuple[tarfile.TarInfo, bytes]], mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.PAX_FORMAT) as archive:  # type: ignore[call-overload]
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def refused(archive: bytes, target: Path, **options: bool | int) -> UnsafeArchiveError:
    """Extract *archive*, expecting a refusal that leaves *target* exactly as it was."""
    before = manifest(target)
    with pytest.raises(UnsafeArchiveError) as caught:
        safe_extract(io.BytesIO(archive), target, **options)  # type: ignore[arg-type]
    assert manifest(target) == before
    return caught.value


NFC, NFD = unicodedata.normalize("NFC", "café.txt"), unicodedata.normalize("NFD", "café.txt")

ZIP_CASES = [
    ("../evil.sh", [("../evil.sh", b"x")], ArchiveReason.TRAVERSAL),
    ("deep traversal", [("ok.txt", b"x"), ("a/b/../../../evil", b"x")], ArchiveReason.TRAVERSAL),
    ("absolute", [("/etc/cron.d/evil", b"x")], ArchiveReason.ABSOLUTE),
    ("drive", [("C:/Windows/evil.dll", b"x")], ArchiveReason.DRIVE),
    ("drive-relative", [("c:evil", b"x")], ArchiveReason.DRIVE),
    ("unc", [("//server/share/evil", b"x")], ArchiveReason.UNC),
    ("backslash", [("..\\..\\evil", b"x")], ArchiveReason.BACKSLASH),
    ("nul", [("photo.jpg\x00.php", b"x")], ArchiveReason.NUL),
    ("CON", [("CON", b"x")], ArchiveReason.DEVICE_NAME),
    ("device in a directory", [("sub/NUL.txt", b"x")], ArchiveReason.DEVICE_NAME),
    ("device with spaces", [("COM1 . log", b"x")], ArchiveReason.DEVICE_NAME),
    ("device as directory", [("aux/readme", b"x")], ArchiveReason.DEVICE_NAME),
    ("newline", [("a\nb.txt", b"x")], ArchiveReason.INVALID_NAME),
    ("long component", [("a" * 256, b"x")], ArchiveReason.INVALID_NAME),
    ("case twins", [("a.txt", b"1"), ("A.txt", b"2")], ArchiveReason.COLLISION),
    ("case twin directories", [("Photos/a", b"1"), ("photos/b", b"2")], ArchiveReason.COLLISION),
    ("NFC/NFD twins", [(NFC, b"1"), (NFD, b"2")], ArchiveReason.COLLISION),
    # Windows drops the trailing dot: the preserving profile refuses the name itself.
    ("trailing dot twin", [("a.txt", b"1"), ("a.txt.", b"2")], ArchiveReason.INVALID_NAME),
    ("duplicate", [("a.txt", b"1"), ("a.txt", b"2")], ArchiveReason.COLLISION),
    ("file as directory", [("a", b"1"), ("a/b", b"2")], ArchiveReason.COLLISION),
    ("exists", [("new.txt", b"x"), ("keep.txt", b"evil")], ArchiveReason.EXISTS),
    ("case twin of an existing file", [("KEEP.txt", b"x")], ArchiveReason.COLLISION),
    ("case twin of an existing directory", [("Photos/new.jpg", b"x")], ArchiveReason.COLLISION),
    ("existing directory as file", [("photos", b"x")], ArchiveReason.EXISTS),
    ("existing file inside", [("photos/old.jpg", b"evil")], ArchiveReason.EXISTS),
    ("through an existing symlink", [("etc/passwd", b"evil")], ArchiveReason.EXISTS),
    # Issue 23: members named like the package's own temporaries were extracted, then swept.
    (
        "an extraction's temporary",
        [("ok.txt", b"x"), (".safename-extract-0123456789abcdef.part/data.txt", b"user data")],
        ArchiveReason.RESERVED_NAME,
    ),
    (
        "an upload's temporary",
        [(".safename-upload-fedcba9876543210.part", b"user data")],
        ArchiveReason.RESERVED_NAME,
    ),
    (
        "another case",
        [(".SafeName-Upload-FEDCBA9876543210.part", b"x")],
        ArchiveReason.RESERVED_NAME,
    ),
    ("a look-alike", [("\uff0esafename-extract-0.part/a", b"x")], ArchiveReason.RESERVED_NAME),
    ("deeper down", [("sub/.safename-marker", b"x")], ArchiveReason.RESERVED_NAME),
    (
        "a directory",
        [(".safename-extract-0123456789abcdef.part/", b"")],
        ArchiveReason.RESERVED_NAME,
    ),
]


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize(
    ("members", "reason"), [case[1:] for case in ZIP_CASES], ids=[case[0] for case in ZIP_CASES]
)
def test_hostile_zip_is_refused_and_nothing_changes(
    target: Path, members: list[tuple[str, bytes]], reason: ArchiveReason
) -> None:
    error = refused(make_zip(members), target)
    assert error.reason is reason
    assert error.member in {name for name, _ in members}


@pytest.mark.parametrize(("members", "reason"), [case[1:] for case in ZIP_CASES[:14]])
@pytest.mark.parametrize("mode", TAR_MODES)
def test_hostile_tar_names_are_refused_in_every_compression(
    target: Path, members: list[tuple[str, bytes]], reason: ArchiveReason, mode: str
) -> None:
    archive = make_tar([tar_member(name, data=data) for name, data in members], mode)
    assert refused(archive, target).reason is reason


LINK_CASES = [
    ("symlink out", [tar_member("l", tarfile.SYMTYPE, link="/etc")]),
    ("hard link to /etc/passwd", [tar_member("passwd", tarfile.LNKTYPE, link="/etc/passwd")]),
    ("relative symlink up", [tar_member("up", tarfile.SYMTYPE, link="../../..")]),
    (
        "chain of symlinks",
        [
            tar_member("d", tarfile.DIRTYPE),
            tar_member("d/here", tarfile.SYMTYPE, link="."),
            tar_member("d/up", tarfile.SYMTYPE, link="here/../.."),
        ],
    ),
    (
        "write through a symlink",
        [
            tar_member("d", tarfile.DIRTYPE),
            tar_member("l", tarfile.SYMTYPE, link="d"),
            tar_member("l/evil", data=b"x"),
        ],
    ),
    (
        "symlink to a later escape",
        [
            tar_member("a", tarfile.SYMTYPE, link="b"),
            tar_member("b", tarfile.SYMTYPE, link="../outside"),
        ],
    ),
    ("symlink to nothing", [tar_member("l", tarfile.SYMTYPE, link="missing.txt")]),
    ("symlink to an existing entry", [tar_member("l", tarfile.SYMTYPE, link="keep.txt")]),
    (
        "hard link to a later member",
        [
            tar_member("h", tarfile.LNKTYPE, link="f"),
            tar_member("f", data=b"x"),
        ],
    ),
]


@pytest.mark.parametrize(
    "members", [case[1] for case in LINK_CASES], ids=[case[0] for case in LINK_CASES]
)
@pytest.mark.parametrize("allow_links", [False, True])
def test_links_are_refused_and_allowed_ones_must_stay_on_members(
    target: Path, members: list[tuple[tarfile.TarInfo, bytes]], allow_links: bool
) -> None:
    error = refused(make_tar(members), target, allow_links=allow_links)
    expected = ArchiveReason.LINK_ESCAPES if allow_links else ArchiveReason.LINK
    assert error.reason is expected


@pytest.mark.parametrize("kind", [tarfile.FIFOTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE, b"Z"])
def test_devices_fifos_and_unknown_types_are_refused(target: Path, kind: bytes) -> None:
    archive = make_tar([tar_member("ok.txt", data=b"fine"), tar_member("dev", kind)])
    assert refused(archive, target).reason is ArchiveReason.SPECIAL_FILE


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        (stat.S_IFLNK | 0o777, ArchiveReason.LINK),
        (stat.S_IFCHR | 0o666, ArchiveReason.SPECIAL_FILE),
        (stat.S_IFIFO | 0o666, ArchiveReason.SPECIAL_FILE),
    ],
)
def test_zip_members_marked_as_links_or_devices_are_refused(
    target: Path, mode: int, reason: ArchiveReason
) -> None:
    archive = make_zip([("ok.txt", b"x"), ("l", b"/etc/passwd")], modes={"l": mode})
    assert refused(archive, target).reason is reason


def test_allowed_links_to_members_are_written(target: Path) -> None:
    archive = make_tar(
        [
            tar_member("docs", tarfile.DIRTYPE),
            tar_member("docs/a.txt", data=b"text"),
            tar_member("docs/latest", tarfile.SYMTYPE, link="a.txt"),
            tar_member("current", tarfile.SYMTYPE, link="docs"),
            tar_member("copy.txt", tarfile.LNKTYPE, link="docs/a.txt"),
        ]
    )
    safe_extract(io.BytesIO(archive), target, allow_links=True)
    assert os.readlink(target / "docs" / "latest") == "a.txt"
    assert os.readlink(target / "current") == "docs"
    assert (target / "copy.txt").read_bytes() == b"text"
    assert os.stat(target / "copy.txt").st_ino == os.stat(target / "docs" / "a.txt").st_ino


# --- limits ------------------------------------------------------------------------------------


@functools.cache
def bomb(kind: str) -> bytes:
    return zip_bomb() if kind == "zip" else tar_gz_bomb()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_a_two_gigabyte_bomb_is_refused_before_anything_is_written(target: Path, kind: str) -> None:
    data = bomb(kind)
    assert len(data) < 2_200_000
    error = refused(data, target)
    assert error.reason is ArchiveReason.COMPRESSION_RATIO
    assert error.member == "zeros.bin"


class Unseekable(io.RawIOBase):
    """A pipe: the archive's size is unknown until it has been read."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.consumed += len(chunk)
        return len(chunk)


@pytest.mark.slow
def test_a_bomb_from_a_pipe_stops_at_the_size_limit_having_read_a_header(target: Path) -> None:
    stream = Unseekable(bomb("tar.gz"))
    before = manifest(target)
    with pytest.raises(UnsafeArchiveError) as caught:
        safe_extract(io.BufferedReader(stream), target)
    assert caught.value.reason is ArchiveReason.TOO_LARGE
    assert stream.consumed < 64 * 1024
    assert manifest(target) == before


def test_the_size_limit_holds_across_members(target: Path) -> None:
    archive = make_zip([(f"f{index}.txt", b"x" * 400) for index in range(3)])
    error = refused(archive, target, max_total_bytes=1000)
    assert error.reason is ArchiveReason.TOO_LARGE


@pytest.mark.parametrize("mode", TAR_MODES)
def test_the_size_limit_stops_a_tar_at_the_member_that_crosses_it(target: Path, mode: str) -> None:
    archive = make_tar([tar_member(f"f{index}", data=b"y" * 400) for index in range(3)], mode)
    error = refused(archive, target, max_total_bytes=1000)
    assert (error.reason, error.member) == (ArchiveReason.TOO_LARGE, "f2")


def test_the_ratio_is_checked_on_what_expands(target: Path) -> None:
    archive = make_zip([("zeros.bin", bytes(4 << 20))])
    assert refused(archive, target, max_ratio=100).reason is ArchiveReason.COMPRESSION_RATIO
    safe_extract(io.BytesIO(archive), target, max_ratio=10_000)
    assert (target / "zeros.bin").stat().st_size == 4 << 20


def test_a_small_archive_is_never_refused_for_its_ratio(target: Path) -> None:
    archive = make_zip([("text.txt", b"a" * 500_000)])
    safe_extract(io.BytesIO(archive), target, max_ratio=2)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_a_hundred_thousand_empty_members_are_refused(target: Path, kind: str) -> None:
    names = [f"e{index}" for index in range(100_000)]
    if kind == "zip":
        archive = make_zip([(name, b"") for name in names])
    else:
        archive = make_tar([tar_member(name) for name in names], "w:gz")
    error = refused(archive, target)
    assert error.reason is ArchiveReason.TOO_MANY_MEMBERS


def test_many_members_without_data_are_not_taken_for_a_large_header(target: Path) -> None:
    archive = make_tar([tar_member(f"d{index}", tarfile.DIRTYPE) for index in range(500)])
    assert len(safe_extract(io.BytesIO(archive), target)) == 500


def test_a_header_larger_than_its_allowance_is_refused(target: Path) -> None:
    info, data = tar_member("a.txt", data=b"x")
    info.pax_headers = {"comment": "c" * 200_000}
    error = refused(make_tar([(info, data)]), target)
    assert error.reason is ArchiveReason.TOO_LARGE


def test_the_member_limit_counts_directories(target: Path) -> None:
    archive = make_tar([tar_member("d", tarfile.DIRTYPE), tar_member("d/a", data=b"x")])
    assert refused(archive, target, max_members=1).reason is ArchiveReason.TOO_MANY_MEMBERS


# --- depth and path length ---------------------------------------------------------------------


def deep(levels: int, leaf: str = "f.txt") -> str:
    """A member name *levels* components long: directories ``d``, then *leaf*."""
    return "d/" * (levels - 1) + leaf


def archive_of(kind: str, names: list[str]) -> bytes:
    """A zip or a tar.gz of files named *names*, each holding its own name's length."""
    if kind == "zip":
        return make_zip([(name, b"%d" % len(name)) for name in names])
    return make_tar([tar_member(name, data=b"%d" % len(name)) for name in names])


# Eight small members first: each raises the tar header allowance by 64 KiB, so
# that the 200 kB name of the member 100,000 deep reaches the name checks.
FILLER = [f"filler{index}.txt" for index in range(8)]
LONG_PATH = "/".join(["a" * 250] * 20)  # 20 components, 5,019 bytes
DEPTH_CASES = [
    ("zip", deep(100), {}, ArchiveReason.TOO_DEEP),
    ("zip", deep(1_200), {}, ArchiveReason.TOO_DEEP),
    ("zip", deep(30_000), {}, ArchiveReason.TOO_DEEP),  # a zip name is at most 65,535 bytes
    ("tar", deep(100), {}, ArchiveReason.TOO_DEEP),
    ("tar", deep(1_200), {}, ArchiveReason.TOO_DEEP),
    ("tar", deep(100_000), {}, ArchiveReason.TOO_DEEP),
    ("zip", deep(65), {}, ArchiveReason.TOO_DEEP),
    ("tar", "d/./d//" + deep(4), {"max_depth": 5}, ArchiveReason.TOO_DEEP),
    ("zip", LONG_PATH, {}, ArchiveReason.PATH_TOO_LONG),
    ("tar", LONG_PATH, {}, ArchiveReason.PATH_TOO_LONG),
    ("zip", "é" * 51, {"max_path_bytes": 101}, ArchiveReason.PATH_TOO_LONG),
]


@pytest.mark.parametrize(
    ("kind", "name", "options", "reason"),
    DEPTH_CASES,
    ids=[
        f"{case[0]} {case[1].count('/') + 1} levels, {len(case[1])} chars" for case in DEPTH_CASES
    ],
)
def test_a_member_too_deep_or_too_long_is_refused_before_anything_is_written(
    target: Path, kind: str, name: str, options: dict[str, int], reason: ArchiveReason
) -> None:
    error = refused(archive_of(kind, [*FILLER, name]), target, **options)
    assert (error.reason, error.member) == (reason, name)


def test_a_zip_is_refused_for_depth_from_its_central_directory_before_any_data(
    target: Path,
) -> None:
    good = make_zip([("first.txt", b"1" * 100), (deep(65), b"x")])
    position = good.index(b"PK\x03\x04", 4) - 5  # inside first.txt's compressed data
    error = refused(flipped(good, position), target)
    assert (error.reason, error.member) == (ArchiveReason.TOO_DEEP, deep(65))


@pytest.mark.parametrize("kind", ["zip", "tar"])
@pytest.mark.parametrize(
    ("name", "options"),
    [
        (deep(64), {}),
        (deep(5), {"max_depth": 5}),
        ("d/./d//" + deep(3), {"max_depth": 5}),  # "." and empty components are not levels
        ("/".join(["a" * 255] * 16), {"max_depth": 16}),  # 4,095 bytes
        ("é" * 50, {"max_path_bytes": 100}),
        (deep(1_200), {"max_depth": 1_200, "max_path_bytes": 2_403}),
    ],
    ids=["64 levels", "5 of 5", "dots", "4,095 bytes", "100 of 100 bytes", "1,200 when allowed"],
)
def test_a_member_at_the_limits_is_extracted(
    tmp_path: Path, kind: str, name: str, options: dict[str, int]
) -> None:
    written = safe_extract(io.BytesIO(archive_of(kind, [name])), tmp_path, **options)  # type: ignore[arg-type]
    parts = [part for part in name.split("/") if part not in ("", ".")]
    try:
        assert written == [Path(tmp_path, name)]
        # Read through a chain of relative opens: the whole path may exceed PATH_MAX.
        assert read_below(tmp_path, parts) == b"%d" % len(name)
    finally:  # not left to pytest's clean-up, whose rmtree recurses once per level
        if len(parts) > 1:
            parent_fd = os.open(tmp_path, os.O_RDONLY)
            try:
                safename._fs.temporaries.remove_tree(parts[0], parent_fd)
            finally:
                os.close(parent_fd)


def read_below(root: Path, parts: list[str]) -> bytes:
    directory = os.open(root, os.O_RDONLY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=directory)
            os.close(directory)
            directory = inner
        file = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW, dir_fd=directory)
    finally:
        os.close(directory)
    with os.fdopen(file, "rb") as data:
        return data.read()


def test_a_refusal_after_staging_a_tree_deeper_than_the_recursion_limit_leaves_nothing(
    target: Path,
) -> None:
    levels = sys.getrecursionlimit() + 200
    archive = make_zip([(deep(levels), b"x"), ("d/side.txt", b"x"), ("../evil", b"x")])
    options = {"max_depth": levels, "max_path_bytes": len(deep(levels))}
    assert refused(archive, target, **options).reason is ArchiveReason.TRAVERSAL


def test_removing_a_staged_tree_unlinks_symlinks_without_following_them(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "inner").mkdir(parents=True)
    (outside / "inner" / "keep.txt").write_bytes(b"keep")
    tree = tmp_path / "tree"
    (tree / "a" / "b" / "c").mkdir(parents=True)
    (tree / "a" / "b" / "c" / "f.txt").write_bytes(b"f")
    (tree / "a" / "file").write_bytes(b"x")
    (tree / "a" / "b" / "to-outside").symlink_to(outside)
    (tree / "to-inner").symlink_to(outside / "inner")
    parent_fd = os.open(tmp_path, os.O_RDONLY)
    try:
        safename._fs.temporaries.remove_tree("tree", parent_fd)
    finally:
        os.close(parent_fd)
    assert sorted(os.listdir(tmp_path)) == ["outside"]
    assert manifest(outside) == {"inner": "dir", "inner/keep.txt": b"keep"}


def deep_tree(levels: int) -> list[str]:
    """A chain of *levels* directories with a sibling directory and a file at each level.

    In an order that goes back up the chain and down again, so that the
    staging's descriptors are switched and closed, with more than 64
    directories in all once *levels* is over 32.
    """
    chain = ["c" * (index % 3 + 1) for index in range(levels)]  # c, cc, ccc, c, ...
    names = []
    for level in range(1, levels + 1):
        above = "/".join(chain[:level])
        names += [f"{above}/side{level}/f.txt", f"{above}/f{level}.txt"]
        names.append(f"{'/'.join(chain[: level // 2])}/back{level}.txt".lstrip("/"))
    return names


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_a_deep_tree_with_many_directories_is_extracted_exactly(tmp_path: Path, kind: str) -> None:
    names = deep_tree(60)
    assert len({name.rsplit("/", 1)[0] for name in names}) > 64
    written = safe_extract(io.BytesIO(archive_of(kind, names)), tmp_path)
    assert written == [tmp_path / name for name in names]
    files = {name: data for name, data in manifest(tmp_path).items() if data != "dir"}
    assert files == {name: b"%d" % len(name) for name in names}


def counted_work(
    monkeypatch: pytest.MonkeyPatch, archive: bytes, directory: Path, **options: int
) -> tuple[int, int]:
    """The ``os.open`` and ``os.mkdir`` calls, and the Python calls, an extraction makes."""
    system_calls = 0

    def counting(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*arguments: Any, **keywords: Any) -> Any:
            nonlocal system_calls
            system_calls += 1
            return real(*arguments, **keywords)

        return call

    python_calls = 0

    def profile(frame: FrameType, event: str, argument: object) -> None:
        nonlocal python_calls
        python_calls += event in ("call", "c_call")

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", counting(os.open))
        patch.setattr(os, "mkdir", counting(os.mkdir))
        sys.setprofile(profile)
        try:
            safe_extract(io.BytesIO(archive), directory, **options)  # type: ignore[arg-type]
        finally:
            sys.setprofile(None)
    return system_calls, python_calls


@pytest.mark.parametrize("kind", ["zip", "tar"])
@pytest.mark.parametrize(
    "names",
    [lambda levels: [deep(levels)], deep_tree],
    ids=["one member", "a tree with siblings"],
)
def test_the_work_grows_linearly_with_the_names(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    names: Callable[[int], list[str]],
) -> None:
    # 9 to 72 levels: past the 64 descriptors the staging keeps, where each
    # level used to double the work. Counted, not timed, and per component
    # named (the tree's names grow as the square of its depth).
    per_component = []
    for levels in (9, 18, 36, 72):
        directory = tmp_path / str(levels)
        directory.mkdir()
        members = names(levels)
        components = sum(name.count("/") + 1 for name in members)
        archive = archive_of(kind, members)
        system_calls, python_calls = counted_work(monkeypatch, archive, directory, max_depth=100)
        per_component.append((system_calls / components, python_calls / components))
    for smaller, larger in itertools.pairwise(per_component):
        # A doubling costs at most 2.5 times as much, name for name: 1.25 per component.
        assert larger[0] <= 1.25 * smaller[0], per_component
        assert larger[1] <= 1.25 * smaller[1], per_component


# --- unreadable archives -----------------------------------------------------------------------


def encrypted_zip() -> bytes:
    data = bytearray(make_zip([("secret.txt", b"x")]))
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.index(signature) + flag_offset
        data[position] |= 1
    return bytes(data)


@pytest.mark.parametrize(
    "archive",
    [
        b"",
        b"not an archive at all" * 50,
        make_zip([("a.txt", b"x" * 1000)])[:-30],
        make_tar([tar_member("a.txt", data=b"x" * 5000)], "w:gz")[:-40],
        make_tar([tar_member("a.txt", data=b"x" * 5000)], "w")[:1000],
        encrypted_zip(),
    ],
    ids=["empty", "garbage", "truncated zip", "truncated tar.gz", "truncated tar", "encrypted"],
)
def test_unreadable_archives_are_refused(target: Path, archive: bytes) -> None:
    assert refused(archive, target).reason is ArchiveReason.UNREADABLE


def flipped(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1 :]


def zip_with_offset(offset: int) -> bytes:
    """A zip whose end record puts its central directory at an impossible *offset*."""
    data = bytearray(make_zip([("a.txt", b"x" * 100)]))
    end = data.index(b"PK\x05\x06")
    data[end + 16 : end + 20] = offset.to_bytes(4, "little")
    return bytes(data)


# Found by fuzz/fuzz_safe_extract.py: they escaped as OSError and ValueError.
@pytest.mark.parametrize(
    "archive",
    [
        flipped(make_tar([tar_member("a.txt", data=b"x" * 5000)], "w:bz2"), 40),
        zip_with_offset(0xFFFF0000),
    ],
    ids=["bzip2 invalid data stream", "zip offset out of range"],
)
def test_corrupt_data_is_unreadable_not_an_error(target: Path, archive: bytes) -> None:
    assert refused(archive, target).reason is ArchiveReason.UNREADABLE


def corrupt_bzip2_symlink_zip() -> bytes:
    """A zip whose symlink member's target is bzip2 data, damaged: bz2 raises a bare OSError."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", b"a")
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        info.compress_type = zipfile.ZIP_BZIP2
        archive.writestr(info, b"a.txt")
    data = buffer.getvalue()
    return flipped(data, data.index(b"BZh", data.index(b"link")) + 10)


def corrupt_bzip2_tar_after_a_symlink() -> bytes:
    data = make_tar(
        [tar_member("a.txt", data=b"a"), tar_member("link", tarfile.SYMTYPE, link="a.txt")], "w:bz2"
    )
    return flipped(data, len(data) - 20)


@pytest.mark.parametrize("allow_links", [True, False])
@pytest.mark.parametrize(
    ("archive", "member"),
    [(corrupt_bzip2_symlink_zip(), "link"), (corrupt_bzip2_tar_after_a_symlink(), None)],
    ids=["zip symlink target", "tar.bz2 after a symlink"],
)
def test_a_corrupt_symlink_member_is_unreadable_not_an_os_error(
    target: Path, archive: bytes, member: str | None, allow_links: bool
) -> None:
    error = refused(archive, target, allow_links=allow_links)
    assert error.reason is ArchiveReason.UNREADABLE
    if member is not None:  # a tar's stream fails as a whole, before any member is named
        assert error.member == member


def test_a_corrupt_member_is_refused_after_earlier_ones_were_written(target: Path) -> None:
    good = make_zip([("first.txt", b"1" * 100), ("second.txt", b"2" * 100)])
    position = good.index(b"PK\x01\x02") - 5  # inside second.txt's compressed data
    corrupt = good[:position] + bytes([good[position] ^ 0xFF]) + good[position + 1 :]
    assert refused(corrupt, target).reason is ArchiveReason.UNREADABLE


# --- all or nothing ----------------------------------------------------------------------------


def test_a_good_archive_merges_into_existing_directories(target: Path) -> None:
    archive = make_zip([("photos/new.jpg", b"new"), ("notes/a.txt", b"a"), ("top.txt", b"t")])
    written = safe_extract(io.BytesIO(archive), target)
    assert written == [target / "photos/new.jpg", target / "notes/a.txt", target / "top.txt"]
    assert manifest(target) == {
        "photos": "dir",
        "photos/old.jpg": b"old photo",
        "photos/new.jpg": b"new",
        "notes": "dir",
        "notes/a.txt": b"a",
        "keep.txt": b"keep me",
        "top.txt": b"t",
        "etc": "-> /etc",
    }


def test_a_failure_while_publishing_takes_back_what_was_published(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_publish = safename._fs.publish.publish
    calls = []

    def publish_twice(source: str, name: str, **directories: int) -> None:
        calls.append(name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_publish(source, name, **directories)

    monkeypatch.setattr(safename._fs.staging, "publish", publish_twice)
    monkeypatch.setattr(safename._fs.rollback, "publish", publish_twice)  # the undo's moves
    archive = make_zip([("a.txt", b"a"), ("b/c.txt", b"c"), ("photos/new.jpg", b"n")])
    before = manifest(target)
    with pytest.raises(OSError, match="No space"):
        safe_extract(io.BytesIO(archive), target)
    assert manifest(target) == before
    assert len(calls) == 5  # three forward, two taken back


def test_a_name_taken_while_publishing_is_refused_and_the_rest_taken_back(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_publish = safename._fs.publish.publish

    def racing_publish(source: str, name: str, **directories: int) -> None:
        if name == "b.txt":  # another process creates it just before
            (target / "b.txt").write_bytes(b"theirs")
        real_publish(source, name, **directories)

    monkeypatch.setattr(safename._fs.staging, "publish", racing_publish)
    with pytest.raises(UnsafeArchiveError) as caught:
        safe_extract(io.BytesIO(make_zip([("a.txt", b"a"), ("b.txt", b"b")])), target)
    assert caught.value.reason is ArchiveReason.EXISTS
    assert (target / "b.txt").read_bytes() == b"theirs"
    assert not (target / "a.txt").exists()
    assert [entry.name for entry in target.iterdir() if entry.name.startswith(".")] == []


def test_directories_are_published_with_the_fallback_too(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safename._fs.descriptors, "rename_no_replace", lambda *arguments: False)
    archive = make_zip([("new/deep/a.txt", b"a"), ("photos/b.jpg", b"b")])
    safe_extract(io.BytesIO(archive), target)
    assert (target / "new/deep/a.txt").read_bytes() == b"a"
    error = refused(make_zip([("more/x.txt", b"x"), ("keep.txt", b"k")]), target)
    assert error.reason is ArchiveReason.EXISTS


def test_a_dry_run_reads_everything_and_writes_nothing(target: Path) -> None:
    archive = make_zip([("a.txt", b"a"), ("d/b.txt", b"b")])
    before = manifest(target)
    assert safe_extract(io.BytesIO(archive), target, dry_run=True) == [
        target / "a.txt",
        target / "d/b.txt",
    ]
    assert manifest(target) == before
    assert refused(make_zip([("keep.txt", b"x")]), target, dry_run=True).reason is (
        ArchiveReason.EXISTS
    )


def test_extracts_from_a_path_and_ignores_the_archives_modes(target: Path, tmp_path: Path) -> None:
    info, data = tar_member("run.sh", data=b"#!/bin/sh\n")
    info.mode = 0o4777
    path = tmp_path / "a.tar.bz2"
    path.write_bytes(make_tar([(info, data), tar_member("./", tarfile.DIRTYPE)], "w:bz2"))
    assert safe_extract(path, target) == [target / "run.sh"]
    mode = (target / "run.sh").stat().st_mode
    assert not mode & (stat.S_ISUID | stat.S_IXUSR | stat.S_IWOTH)


def test_a_zip_from_a_pipe_is_refused_as_unreadable(target: Path) -> None:
    stream = io.BufferedReader(Unseekable(make_zip([("a.txt", b"a")])))
    with pytest.raises(UnsafeArchiveError, match="seekable"):
        safe_extract(stream, target)


# --- properties --------------------------------------------------------------------------------

hostile_names = st.lists(
    st.text(alphabet="aA./\\:\x00é\u0301 CONul1\n", min_size=1, max_size=10),
    min_size=1,
    max_size=5,
)


def written_tree_is_safe(directory: Path, names: list[str]) -> None:
    for path in directory.rglob("*"):
        relative = str(path.relative_to(directory))
        safe_join(str(directory), relative)  # raises if any component is unsafe
    folded = [unicodedata.normalize("NFC", str(path)).casefold() for path in directory.rglob("*")]
    assert len(folded) == len(set(folded))


@pytest.mark.filterwarnings("ignore:Duplicate name")
@given(names=hostile_names, use_tar=st.booleans())
@settings(max_examples=150)
def test_any_archive_is_extracted_safely_or_refused_leaving_nothing(
    names: list[str], use_tar: bool
) -> None:
    members = [(name, name.encode("utf-8", "surrogatepass")) for name in names]
    if use_tar:
        archive = make_tar([tar_member(name, data=data) for name, data in members])
    else:
        archive = make_zip(members)
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        try:
            written = safe_extract(io.BytesIO(archive), directory)
        except UnsafeArchiveError:
            assert os.listdir(directory) == []
            return
        written_tree_is_safe(directory, names)
        for path in written:
            assert directory in path.parents
            if path.is_file():
                assert path.read_bytes() in {data for _, data in members}


@pytest.mark.parametrize("mode", TAR_MODES)
def test_tar_members_in_the_reserved_namespace_are_refused(target: Path, mode: str) -> None:
    members = [
        tar_member(".safename-extract-0123456789abcdef.part", tarfile.DIRTYPE),
        tar_member(".safename-extract-0123456789abcdef.part/data.txt", data=b"user data"),
    ]
    error = refused(make_tar(members, mode), target)
    assert (error.reason, error.member) == (
        ArchiveReason.RESERVED_NAME,
        ".safename-extract-0123456789abcdef.part",
    )
    assert "safename's own namespace" in str(error)


def test_a_link_into_the_reserved_namespace_is_refused(target: Path) -> None:
    members = [
        tar_member("a.txt", data=b"x"),
        tar_member(".safename-upload-fedcba9876543210.part", tarfile.LNKTYPE, link="a.txt"),
    ]
    error = refused(make_tar(members), target, allow_links=True)
    assert error.reason is ArchiveReason.RESERVED_NAME


def test_a_refused_reserved_member_leaves_nothing_for_sweep(target: Path) -> None:
    # The bug: once extracted, the member was removed by a sweep as a leftover.
    archive = make_zip([(".safename-upload-fedcba9876543210.part", b"user data")])
    refused(archive, target)
    assert sweep(target, older_than=0) == []


@pytest.mark.filterwarnings("ignore:Duplicate name")
@given(name=reserved_names(allow_surrogates=False), nested=st.booleans(), use_tar=st.booleans())
@settings(max_examples=100)
def test_no_archive_writes_a_reserved_name(name: str, nested: bool, use_tar: bool) -> None:
    member = f"sub/{name}" if nested else name
    archive = make_tar([tar_member(member, data=b"x")]) if use_tar else make_zip([(member, b"x")])
    with tempfile.TemporaryDirectory() as folder:
        with pytest.raises(UnsafeArchiveError):
            safe_extract(io.BytesIO(archive), folder)
        assert os.listdir(folder) == []


def test_archive_reasons_cover_every_path_reason() -> None:
    # A member name the preserving profile refuses is INVALID_NAME (or RESERVED_NAME), not
    # UNSAFE_NAME: its detail names the filename rule.
    path_values = {reason.value for reason in PathReason} - {"symlink", "unsafe_name"}
    assert path_values <= {reason.value for reason in ArchiveReason}


def test_every_reason_is_reached_by_a_test_above() -> None:
    reached = (
        {case[2] for case in ZIP_CASES}
        | {
            ArchiveReason.LINK,
            ArchiveReason.LINK_ESCAPES,
            ArchiveReason.SPECIAL_FILE,
            ArchiveReason.TOO_MANY_MEMBERS,
            ArchiveReason.TOO_LARGE,
            ArchiveReason.COMPRESSION_RATIO,
            ArchiveReason.UNREADABLE,
        }
        | {case[3] for case in DEPTH_CASES}
    )
    assert reached == set(ArchiveReason)


#: A directory, a file in it and one beside it, then links and files among them.
BASE_MEMBERS = [("d", "dir", ""), ("d/f", "file", ""), ("g", "file", "")]
link_names = st.sampled_from(["l1", "l2", "d/l3", "x", "d/x", "l1/x"])
# Half of them point to a member from somewhere; the other half try to escape.
link_targets = st.sampled_from(["g", "d", "d/f", "f", "../g", "../d/f", "d/../g", "./g"]) | (
    st.sampled_from(
        [
            "..",
            "../..",
            "d/../..",
            "l1",
            "l2",
            "l1/..",
            "l1/../..",
            "d/l3/..",
            "/etc/passwd",
            "../outside/passwd",
            "d/f/..",
            ".",
            "",
            "d/f/",
        ]
    )
)
tar_members = st.lists(
    st.tuples(link_names, st.sampled_from(["file", "symlink", "hardlink"]), link_targets),
    min_size=1,
    max_size=5,
    unique_by=lambda member: member[0],
).map(lambda extra: BASE_MEMBERS + extra)
KINDS = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
}


@given(members=tar_members)
@settings(max_examples=300)
def test_allowed_links_never_lead_outside_the_directory(
    members: list[tuple[str, str, str]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "outside").mkdir()
        (root / "outside" / "passwd").write_bytes(b"secret")
        directory = root / "target"
        directory.mkdir()
        archive = make_tar(
            [
                tar_member(name, KINDS[kind], b"data" if kind == "file" else b"", link)
                for name, kind, link in members
            ]
        )
        try:
            safe_extract(io.BytesIO(archive), directory, allow_links=True)
        except UnsafeArchiveError:
            assert os.listdir(directory) == []
        else:
            for path in directory.rglob("*"):
                resolved = Path(os.path.realpath(path))
                assert directory.resolve() in resolved.parents
                assert resolved.exists()  # every link points to a member
        assert manifest(root / "outside") == {"passwd": b"secret"}
