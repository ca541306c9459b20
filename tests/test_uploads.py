"""safename.uploads: publishing without an empty moment, every publishing method, and sweep."""

from __future__ import annotations

import asyncio
import errno
import io
import os
import time
from pathlib import Path

import pytest
from adapter_cases import all_at_once
from hypothesis import given
from hypothesis import strategies as st
from reserved_cases import reserved_names

import safename._fs.descriptors
import safename._fs.publish
import safename.paths
import safename.uploads
import safename.uploads._save
from safename._fs.staging import Staging
from safename._fs.temporaries import MARKER_NAME, UPLOAD_DATA_NAME, is_reserved_name
from safename.uploads import (
    SavedUpload,
    UploadReason,
    UploadRejectedError,
    UploadStorageError,
    save_upload,
    save_upload_async,
    sweep,
)

STALE = ".safename-upload-0123456789abcdef.part"


class AsyncStream:
    """A stream read with ``await read(n)``, like Starlette's UploadFile."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.reads = 0

    async def read(self, size: int = -1) -> bytes:
        self.reads += 1
        return self._data.read(size)


def entries(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


@pytest.fixture(params=["renameat2", "link", "none"])
def method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each publishing method, the others taken away."""
    if request.param != "renameat2":
        monkeypatch.setattr(safename._fs.descriptors, "rename_no_replace", lambda *arguments: False)
    if request.param == "none":

        def no_links(*arguments: object, **keywords: object) -> None:
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(os, "link", no_links)
    return str(request.param)


def test_save_upload_returns_the_name_the_path_and_the_size(tmp_path: Path, method: str) -> None:
    saved = save_upload(io.BytesIO(b"hello"), "../My notes.txt", tmp_path)
    assert saved == SavedUpload("My_notes.txt", tmp_path / "My_notes.txt", 5)
    again = save_upload(io.BytesIO(b"world!"), "My notes.txt", tmp_path)
    assert (again.name, again.size) == ("My_notes-1.txt", 6)
    assert entries(tmp_path) == ["My_notes-1.txt", "My_notes.txt"]
    assert saved.path.read_bytes() == b"hello"


def test_twenty_concurrent_uploads_of_one_name_are_all_kept_intact(
    tmp_path: Path, method: str
) -> None:
    contents = [bytes([index]) * (70_000 + index) for index in range(20)]
    saved = all_at_once(lambda data: save_upload(io.BytesIO(data), "same.bin", tmp_path), contents)
    assert sorted(upload.path.read_bytes() for upload in saved) == sorted(contents)
    assert len(entries(tmp_path)) == 20


def test_a_reader_never_sees_the_final_name_before_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"x" * 300_000
    seen_before_publishing: list[list[str]] = []
    real_publish = safename._fs.publish.publish

    def observed(source: str, target: str, **directories: int) -> None:
        # The last moment before the name appears: the data is complete and on disk.
        seen_before_publishing.append(entries(tmp_path))
        assert os.stat(source, dir_fd=directories["source_dir_fd"]).st_size == len(data)
        real_publish(source, target, **directories)

    monkeypatch.setattr(safename.uploads._save, "publish", observed)
    saved = save_upload(io.BytesIO(data), "a.bin", tmp_path)
    [listing] = seen_before_publishing
    assert listing[0].startswith(".safename-upload-")
    assert len(listing) == 1
    assert entries(tmp_path) == ["a.bin"]
    assert saved.path.read_bytes() == data


@pytest.mark.parametrize("max_bytes", [0, 10, 65_536, 65_537])
def test_the_limit_is_enforced_while_streaming(tmp_path: Path, max_bytes: int) -> None:
    stream = AsyncStream(b"z" * 1_000_000)
    with pytest.raises(UploadRejectedError) as caught:
        asyncio.run(save_upload_async(stream, "a.bin", tmp_path, max_bytes=max_bytes))
    assert caught.value.reason is UploadReason.TOO_LARGE
    assert stream.reads <= max_bytes // safename.uploads.CHUNK_BYTES + 1
    assert entries(tmp_path) == []


def test_the_async_form_saves_like_the_other(tmp_path: Path) -> None:
    saved = asyncio.run(save_upload_async(AsyncStream(b"data"), "CON.txt", tmp_path))
    assert (saved.name, saved.size, saved.path.read_bytes()) == ("_CON.txt", 4, b"data")


def test_a_directory_that_is_a_symlink_is_followed_once(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    saved = save_upload(io.BytesIO(b"x"), "a.txt", tmp_path / "link")
    assert (tmp_path / "real" / "a.txt").read_bytes() == b"x"
    assert saved.path == tmp_path / "link" / "a.txt"


def test_a_failed_publish_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*arguments: object, **keywords: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(safename.uploads._save, "publish", refuse)
    with pytest.raises(UploadStorageError, match="cannot move"):
        save_upload(io.BytesIO(b"x"), "a.txt", tmp_path)
    assert entries(tmp_path) == []


@given(data=st.binary(max_size=3 * 65_536 + 7), max_bytes=st.none() | st.integers(0, 200_000))
def test_save_upload_saves_exactly_what_fits(data: bytes, max_bytes: int | None) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        try:
            saved = save_upload(io.BytesIO(data), "a.bin", folder, max_bytes=max_bytes)
        except UploadRejectedError:
            assert max_bytes is not None
            assert len(data) > max_bytes
            assert os.listdir(folder) == []
        else:
            assert saved.path.read_bytes() == data
            assert saved.size == len(data)
            assert os.listdir(folder) == ["a.bin"]


# --- sweep -------------------------------------------------------------------------------------


def age(path: Path, seconds: float) -> None:
    """Make *path*, and what is directly in it, last modified *seconds* ago."""
    then = time.time() - seconds
    inner = list(path.iterdir()) if path.is_dir() and not path.is_symlink() else []
    for entry in [*inner, path]:
        os.utime(entry, (then, then), follow_symlinks=False)


def killed_upload(directory: Path, data: bytes = b"half") -> str:
    """What an upload killed mid-write leaves: the package's own temporary, as it made it."""
    temporary = safename.uploads._save.TemporaryUpload(directory, "a.txt", None).__enter__()
    temporary.write(data)
    temporary._close()  # a killed process's descriptors close; nothing else runs
    return temporary._temporary


def killed_extraction(directory: Path) -> str:
    """What an extraction killed mid-write leaves: a staging directory, never published."""
    with safename.paths.opened_directory(directory) as directory_fd:
        staging = Staging(directory_fd)
        os.close(staging.create_file(("deep", "file")))
        staging._release()  # what the kernel does to a killed process's descriptors and locks
    return staging.name


def test_sweep_removes_what_killed_uploads_and_extractions_left(tmp_path: Path) -> None:
    upload = killed_upload(tmp_path)
    extraction = killed_extraction(tmp_path)
    # A symlink inside the leftover is removed, never followed.
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "keep").write_bytes(b"keep")
    (tmp_path / extraction / "escape").symlink_to(tmp_path / "precious")
    renaming = tmp_path / ".safename-rename-0123456789abcdef.part"
    renaming.write_bytes(b"a user's file mid-rename")
    age(renaming, 7200)
    expected = sorted([upload, extraction])
    assert sweep(tmp_path) == []  # younger than an hour: perhaps still being written
    assert sweep(tmp_path, older_than=0, dry_run=True) == expected
    assert (tmp_path / upload).is_dir()
    assert sweep(tmp_path, older_than=0) == expected
    assert entries(tmp_path) == sorted([renaming.name, "precious"])
    assert (tmp_path / "precious" / "keep").read_bytes() == b"keep"


def test_sweep_judges_the_age_by_the_newest_entry_inside(tmp_path: Path) -> None:
    upload = killed_upload(tmp_path)
    age(tmp_path / upload, 7200)
    os.utime(tmp_path / upload / UPLOAD_DATA_NAME)  # the data is still being written
    assert sweep(tmp_path) == []
    age(tmp_path / upload, 7200)
    assert sweep(tmp_path) == [upload]


def test_sweep_never_removes_user_entries_that_only_look_like_temporaries(
    tmp_path: Path,
) -> None:
    user_file = tmp_path / ".safename-upload-fedcba9876543210.part"
    user_file.write_bytes(b"user data")
    user_directory = tmp_path / ".safename-extract-0123456789abcdef.part"
    user_directory.mkdir()
    (user_directory / "data.txt").write_bytes(b"user data")
    # A marker made for another name, and a symlink to a real marker, prove nothing.
    leftover = killed_upload(tmp_path)
    copied = tmp_path / ".safename-upload-00000000000000aa.part"
    copied.mkdir()
    (copied / MARKER_NAME).write_bytes((tmp_path / leftover / MARKER_NAME).read_bytes())
    linked = tmp_path / ".safename-extract-00000000000000bb.part"
    linked.mkdir()
    (linked / MARKER_NAME).symlink_to(tmp_path / leftover / MARKER_NAME)
    # A symlink to a real leftover is not one.
    (tmp_path / ".safename-upload-00000000000000cc.part").symlink_to(tmp_path / leftover)
    # A FIFO in the marker's place must not hang the sweep.
    fifo = tmp_path / ".safename-upload-00000000000000dd.part"
    fifo.mkdir()
    os.mkfifo(fifo / MARKER_NAME)
    users = sorted(set(entries(tmp_path)) - {leftover})
    for name in users:
        age(tmp_path / name, 7200)
    unproven: list[str] = []
    assert sweep(tmp_path, older_than=0, on_unproven=unproven.append) == [leftover]
    assert unproven == users
    assert sweep(tmp_path) == []
    assert sweep(tmp_path, older_than=0) == []
    assert entries(tmp_path) == users
    assert user_file.read_bytes() == b"user data"
    assert (user_directory / "data.txt").read_bytes() == b"user data"


def test_sweep_removes_an_already_published_temporary_at_once(tmp_path: Path) -> None:
    leftover = killed_upload(tmp_path, b"published")
    # A crash between the link and the unlink of the link method.
    os.link(tmp_path / leftover / UPLOAD_DATA_NAME, tmp_path / "a.txt")
    assert sweep(tmp_path) == [leftover]
    assert entries(tmp_path) == ["a.txt"]
    assert (tmp_path / "a.txt").read_bytes() == b"published"


def test_sweep_takes_seconds_or_a_timedelta(tmp_path: Path) -> None:
    import datetime

    leftover = killed_upload(tmp_path)
    age(tmp_path / leftover, 120)
    assert sweep(tmp_path, older_than=datetime.timedelta(minutes=5), dry_run=True) == []
    assert sweep(tmp_path, older_than=60) == [leftover]


def test_a_killed_upload_leaves_only_what_sweep_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Killed(BaseException):
        pass

    def kill(*arguments: object, **keywords: object) -> None:
        raise Killed

    # A process killed mid-write runs no cleanup: the temporary is never removed.
    monkeypatch.setattr(safename.uploads._save.TemporaryUpload, "__exit__", lambda *arguments: None)
    monkeypatch.setattr(safename.uploads._save.TemporaryUpload, "publish", kill)
    with pytest.raises(Killed):
        save_upload(io.BytesIO(b"half"), "a.txt", tmp_path)
    [leftover] = entries(tmp_path)
    assert leftover.startswith(".safename-upload-")
    monkeypatch.undo()
    assert sweep(tmp_path, older_than=0) == [leftover]
    assert entries(tmp_path) == []


def test_a_published_upload_leaves_no_temporary(tmp_path: Path, method: str) -> None:
    saved = save_upload(io.BytesIO(b"data"), "a.txt", tmp_path)
    assert entries(tmp_path) == ["a.txt"]
    assert saved.path.read_bytes() == b"data"


# --- the reserved namespace ----------------------------------------------------------------------


@given(reserved_names())
def test_an_upload_never_takes_a_reserved_name(client_name: str) -> None:
    # The sanitizer strips leading dots: no check is needed, and this shows there is none to add.
    name = safename.uploads._save.checked_name(client_name, None)
    assert not is_reserved_name(name)
    assert not name.startswith(".")


def test_an_upload_named_like_a_temporary_is_saved_under_a_name_sweep_ignores(
    tmp_path: Path,
) -> None:
    for client_name in (STALE, ".SafeName-Upload-FEDCBA9876543210.part"):
        saved = save_upload(io.BytesIO(b"user data"), client_name, tmp_path)
        assert not is_reserved_name(saved.name)
    assert entries(tmp_path) == sorted(["SafeName-Upload-FEDCBA9876543210.part", STALE.lstrip(".")])
    assert sweep(tmp_path, older_than=0) == []
