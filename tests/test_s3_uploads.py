"""Uploads into object storage on real servers (SeaweedFS and ministack, started from PyPI).

The guarantees of the local ``save_upload`` hold in a bucket: one writer per key whatever the
size (several processes race for one name), keys every server stores as written, and nothing
left behind when an upload is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import multiprocessing
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from s3_fixtures import s3_server, seaweedfs
from s3_servers import ACCESS_KEY, BUCKET, SECRET_KEY, Server

from safename.strategies import hostile_filenames
from safename.uploads import (
    KeyReason,
    S3Bucket,
    UnsafeKeyError,
    UploadReason,
    UploadRejectedError,
    UploadStorageError,
    save_upload,
    save_upload_async,
    sweep_bucket,
)
from safename.uploads._s3 import ObjectUpload

__all__ = ["s3_server", "seaweedfs"]  # the fixtures, imported so that pytest finds them

PART = 5 * 1024 * 1024
LARGE = 2 * PART + 1024 * 1024  # three parts: 5 + 5 + 1 MiB
SIZES = pytest.mark.parametrize("size", [1000, LARGE], ids=["small", "large"])


def _bucket(server: Server, prefix: str | None = None, **client_config: Any) -> S3Bucket:
    prefix = prefix if prefix is not None else f"t{uuid.uuid4().hex[:12]}/"
    return S3Bucket(server.client(**client_config), BUCKET, prefix=prefix, part_bytes=PART)


def _body(size: int, seed: int) -> bytes:
    block = hashlib.sha256(str(seed).encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def _everything_under(bucket: S3Bucket) -> tuple[list[str], list[str]]:
    """The keys and the multipart uploads' keys under the bucket's prefix."""
    client = bucket.client
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=bucket.prefix)
    keys = [entry["Key"] for entry in listed.get("Contents", [])]
    uploads = client.list_multipart_uploads(Bucket=BUCKET, Prefix=bucket.prefix)
    return keys, [entry["Key"] for entry in uploads.get("Uploads", [])]


def _read(bucket: S3Bucket, key: str) -> bytes:
    answer = bucket.client.get_object(Bucket=BUCKET, Key=key)  # type: ignore[attr-defined]
    return bytes(answer["Body"].read())


# --- one writer per key -------------------------------------------------------------------------


@SIZES
def test_an_upload_round_trips_and_leaves_only_its_object(s3_server: Server, size: int) -> None:
    bucket = _bucket(s3_server)
    body = _body(size, 1)
    saved = save_upload(io.BytesIO(body), "../My report.pdf", bucket)
    assert (saved.name, saved.key, saved.size) == (
        "My_report.pdf",
        bucket.prefix + "My_report.pdf",
        size,
    )
    assert _read(bucket, saved.key or "") == body
    assert _everything_under(bucket) == ([saved.key], [])


@SIZES
def test_a_taken_name_is_never_overwritten_the_next_one_is_used(
    s3_server: Server, size: int
) -> None:
    bucket = _bucket(s3_server)
    first = save_upload(io.BytesIO(_body(size, 1)), "a.bin", bucket)
    second = save_upload(io.BytesIO(_body(size, 2)), "a.bin", bucket)
    assert (first.name, second.name) == ("a.bin", "a-1.bin")
    assert _read(bucket, first.key or "") == _body(size, 1)
    assert _read(bucket, second.key or "") == _body(size, 2)


def _race_writer(
    endpoint: str, prefix: str, size: int, seed: int, barrier: Any, results: Any
) -> None:
    bucket = _bucket(Server("child", endpoint, checks_credentials=False), prefix)
    body = _body(size, seed)
    barrier.wait()
    try:
        saved = save_upload(io.BytesIO(body), "same.bin", bucket)
    except Exception as error:  # reported to the parent, which fails the test
        results.put((seed, f"error: {error!r}"))
    else:
        results.put((seed, saved.key))


@pytest.mark.slow
@SIZES
def test_processes_saving_one_name_each_get_their_own_key_with_their_own_content(
    s3_server: Server, size: int
) -> None:
    # More rounds by hand: SAFENAME_S3_RACE_ROUNDS=20 (CI keeps two).
    writers, rounds = 4, int(os.environ.get("SAFENAME_S3_RACE_ROUNDS", "2"))
    context = multiprocessing.get_context("fork")
    for _ in range(rounds):
        prefix = f"race{uuid.uuid4().hex[:12]}/"
        barrier, results = context.Barrier(writers), context.Queue()
        arguments = [
            (s3_server.endpoint, prefix, size, seed, barrier, results) for seed in range(writers)
        ]
        processes = [context.Process(target=_race_writer, args=items) for items in arguments]
        for process in processes:
            process.start()
        outcomes = dict(results.get(timeout=120) for _ in processes)
        for process in processes:
            process.join(timeout=60)
        keys = sorted(outcomes.values())
        assert len(set(keys)) == writers, outcomes
        bucket = _bucket(s3_server, prefix)
        for seed, key in outcomes.items():
            assert _read(bucket, key) == _body(size, seed), (seed, key)
        assert _everything_under(bucket) == (keys, [])


# --- keys every server stores as written --------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "reason"),
    [
        ("/uploads/", KeyReason.LEADING_SLASH),
        ("a//b/", KeyReason.EMPTY_SEGMENT),
        ("a\\b/", KeyReason.BACKSLASH),
        ("a/../", KeyReason.DOT_SEGMENT),
        ("./", KeyReason.DOT_SEGMENT),
        ("uploads", KeyReason.NO_TRAILING_SLASH),
        ("a" * 256 + "/", KeyReason.UNSAFE_SEGMENT),
        ("CON/", KeyReason.UNSAFE_SEGMENT),
        ("a\x00b/", KeyReason.UNSAFE_SEGMENT),
        ("a{b}/", KeyReason.UNSAFE_SEGMENT),
        ("a b/", KeyReason.UNSAFE_SEGMENT),
        ("a/" * 400, KeyReason.TOO_LONG),
    ],
)
def test_a_prefix_a_server_would_rewrite_is_refused_at_construction(
    prefix: str, reason: KeyReason
) -> None:
    with pytest.raises(UnsafeKeyError) as caught:
        S3Bucket(None, BUCKET, prefix=prefix)  # type: ignore[arg-type]
    assert caught.value.reason is reason


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile_filenames())
def test_any_hostile_name_gives_a_key_under_the_prefix_that_round_trips(
    s3_server: Server, name: str
) -> None:
    bucket = _bucket(s3_server, "hostile/names/")
    body = name.encode("utf-8", "surrogatepass")
    if not name.strip():
        with pytest.raises(UploadRejectedError):
            save_upload(io.BytesIO(body), name, bucket)
        return
    saved = save_upload(io.BytesIO(body), name, bucket)
    key = saved.key or ""
    assert key.startswith("hostile/names/")
    assert "/" not in key.removeprefix("hostile/names/")
    # Listed under exactly that key (a listing by prefix also shows longer keys that an
    # earlier example stored, such as "name" beside "name" plus a random suffix).
    listed = bucket.client.list_objects_v2(Bucket=BUCKET, Prefix=key)
    assert key in [entry["Key"] for entry in listed.get("Contents", [])]
    assert _read(bucket, key) == body


# --- nothing left behind ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "limit", [500, PART + 10], ids=["in-the-first-part", "after-a-part-was-sent"]
)
def test_a_too_large_upload_leaves_no_object_claim_or_multipart_upload(
    s3_server: Server, limit: int
) -> None:
    bucket = _bucket(s3_server)
    with pytest.raises(UploadRejectedError) as caught:
        save_upload(io.BytesIO(_body(LARGE, 3)), "big.bin", bucket, max_bytes=limit)
    assert caught.value.reason is UploadReason.TOO_LARGE
    assert _everything_under(bucket) == ([], [])


class _Disconnecting(io.RawIOBase):
    """A client that goes away after *size* bytes, as Werkzeug's stream does."""

    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, size: int = -1, /) -> bytes:
        if self.left <= 0:
            raise ConnectionResetError("client went away")
        chunk = b"x" * min(size, self.left)
        self.left -= len(chunk)
        return chunk


def test_a_client_gone_mid_upload_leaves_nothing(s3_server: Server) -> None:
    bucket = _bucket(s3_server)
    with pytest.raises(UploadStorageError, match="cannot read the upload"):
        save_upload(_Disconnecting(PART + 70_000), "gone.bin", bucket)
    assert _everything_under(bucket) == ([], [])


def test_an_existing_extension_rule_still_refuses_before_any_request(s3_server: Server) -> None:
    bucket = _bucket(s3_server)
    with pytest.raises(UploadRejectedError):
        save_upload(io.BytesIO(b"MZ"), "setup.exe", bucket, allowed_extensions={"txt"})
    assert _everything_under(bucket) == ([], [])


# --- errors -------------------------------------------------------------------------------------


def test_wrong_credentials_give_a_storage_error_that_names_the_bucket_not_the_secret(
    seaweedfs: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-secret-0123456789abcdef"
    bucket = S3Bucket(seaweedfs.client(secret=wrong), BUCKET, prefix="creds/")
    with pytest.raises(UploadStorageError) as caught:
        save_upload(io.BytesIO(b"x"), "a.txt", bucket)
    message = str(caught.value)
    assert repr(BUCKET) in message
    assert "SignatureDoesNotMatch" in message
    for secret in (wrong, SECRET_KEY):
        assert secret not in message
        assert secret not in caplog.text


def test_an_unreachable_store_gives_a_storage_error_naming_the_bucket() -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Server("nowhere", f"http://127.0.0.1:{port}", checks_credentials=False)
    bucket = S3Bucket(server.client(connect_timeout=1), BUCKET, prefix="x/")
    with pytest.raises(UploadStorageError, match=f"in bucket '{BUCKET}': EndpointConnectionError"):
        save_upload(io.BytesIO(b"x"), "a.txt", bucket)


# --- the asynchronous path ----------------------------------------------------------------------


class _AsyncBody:
    """An async stream whose reads never yield: only the upload's own awaits let others run."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    async def read(self, size: int = -1, /) -> bytes:
        return self.data.read(size)


@SIZES
def test_the_async_path_stores_the_same_and_never_blocks_the_event_loop(
    s3_server: Server, size: int
) -> None:
    bucket = _bucket(s3_server)
    body = _body(size, 4)

    async def scenario() -> tuple[Any, int]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        saved = await save_upload_async(_AsyncBody(body), "async.bin", bucket)
        done.set()
        await task
        return saved, ticks

    saved, ticks = asyncio.run(scenario())
    assert _read(bucket, saved.key or "") == body
    # Each request ran in a thread while the loop kept turning.
    assert ticks > 10


# --- the framework adapters ---------------------------------------------------------------------


def test_the_flask_adapter_saves_into_a_bucket(s3_server: Server) -> None:
    from werkzeug.datastructures import FileStorage

    from safename import flask as safename_flask

    bucket = _bucket(s3_server)
    upload = FileStorage(io.BytesIO(b"hello"), filename="../My notes.txt")
    path = safename_flask.save_upload(upload, bucket, allowed_extensions={"txt"})
    assert path.as_posix() == bucket.prefix + "My_notes.txt"
    assert _read(bucket, path.as_posix()) == b"hello"


def test_the_starlette_adapter_saves_into_a_bucket(s3_server: Server) -> None:
    from starlette.datastructures import UploadFile

    from safename import starlette as safename_starlette

    bucket = _bucket(s3_server)
    upload = UploadFile(io.BytesIO(b"%PDF"), filename="../../Quarterly report.pdf")
    saved = asyncio.run(safename_starlette.save_upload(upload, bucket))
    assert saved.key == bucket.prefix + "Quarterly_report.pdf"
    assert _read(bucket, saved.key) == b"%PDF"


def test_the_django_adapter_saves_into_a_bucket(s3_server: Server) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from safename import django as safename_django

    bucket = _bucket(s3_server)
    body = _body(PART + 300_000, 5)
    saved = safename_django.save_upload(SimpleUploadedFile("a b.bin", body), bucket)
    assert saved.key == bucket.prefix + "a_b.bin"
    assert _read(bucket, saved.key) == body
    assert _everything_under(bucket) == ([saved.key], [])


# --- the sweep ----------------------------------------------------------------------------------


def _killed_upload(bucket: S3Bucket, name: str) -> None:
    """A large upload whose process died after its first part: a claim and a multipart upload."""
    upload = ObjectUpload(bucket, name, None)
    assert upload.add(_body(PART + 1, 6))
    upload.flush()


def test_the_sweep_removes_what_a_killed_upload_left_and_only_that(s3_server: Server) -> None:
    bucket = _bucket(s3_server)
    _killed_upload(bucket, "killed.bin")
    kept = save_upload(io.BytesIO(b"kept"), "kept.txt", bucket)
    foreign = bucket.prefix + ".safename-claims/foreign.txt"
    bucket.client.put_object(Bucket=BUCKET, Key=foreign, Body=b"", IfNoneMatch="*", Metadata={})
    assert _everything_under(bucket)[1] == [bucket.prefix + "killed.bin"]
    unproven: list[str] = []
    assert sweep_bucket(bucket, older_than=3600, on_unproven=unproven.append) == []
    removed = sweep_bucket(bucket, older_than=0, on_unproven=unproven.append)
    assert removed[-1] == bucket.prefix + ".safename-claims/killed.bin"
    assert removed[0].startswith(bucket.prefix + "killed.bin (multipart upload ")
    assert unproven == [foreign]
    assert _everything_under(bucket) == (sorted([kept.key or "", foreign]), [])
    # The name is free again: the next upload of it takes it.
    assert save_upload(io.BytesIO(b"x"), "killed.bin", bucket).name == "killed.bin"


def test_the_sweep_command_cleans_a_bucket_url(s3_server: Server) -> None:
    bucket = _bucket(s3_server)
    _killed_upload(bucket, "killed.bin")
    environment = dict(os.environ)
    environment.update(
        AWS_ENDPOINT_URL=s3_server.endpoint,
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_DEFAULT_REGION="us-east-1",
    )
    url = f"s3://{BUCKET}/{bucket.prefix}"
    command = [sys.executable, "-m", "safename", "sweep", url, "--older-than", "0"]
    dry = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    assert "nothing was removed" in dry.stderr
    assert _everything_under(bucket)[1] == [bucket.prefix + "killed.bin"]
    done = subprocess.run(
        [*command, "--apply"], check=False, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == bucket.prefix + ".safename-claims/killed.bin"
    assert _everything_under(bucket) == ([], [])
    refused = subprocess.run([*command[:4], "s3://"], check=False, capture_output=True, text=True)
    assert refused.returncode == 2


# --- the demo -----------------------------------------------------------------------------------


def test_the_demo_stores_lists_and_serves_uploads_from_a_bucket(
    s3_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safename.demo import create_app

    for name, value in {
        "AWS_ENDPOINT_URL": s3_server.endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    prefix = f"demo{uuid.uuid4().hex[:12]}/"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret",
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "unused"),
            "UPLOAD_STORAGE": f"s3://{BUCKET}/{prefix}",
        }
    )
    client = app.test_client()
    for _ in range(2):
        sent = client.post(
            "/upload",
            data={"the_file": (io.BytesIO(b"<b>hi</b>"), "../My page.html")},
            content_type="multipart/form-data",
        )
        assert sent.status_code == 302, sent.text
    # A killed upload's claim is in the bucket too; the list leaves it out.
    _killed_upload(_bucket(s3_server, prefix), "killed.bin")
    listing = client.get("/uploads/").text
    assert "My_page.html" in listing
    assert "My_page-1.html" in listing
    assert "safename-claims" not in listing
    download = client.get("/uploads/My_page-1.html")
    assert download.status_code == 200
    assert download.data == b"<b>hi</b>"
    assert download.mimetype == "application/octet-stream"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert client.get("/uploads/missing.html").status_code == 404
    assert not (tmp_path / "unused").exists()


def test_a_store_that_never_answers_gives_a_storage_error_after_the_read_timeout() -> None:
    import socket

    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        server = Server("silent", f"http://127.0.0.1:{silent.getsockname()[1]}", False)
        bucket = S3Bucket(server.client(read_timeout=0.5), BUCKET, prefix="x/")
        with pytest.raises(UploadStorageError, match=f"in bucket '{BUCKET}': ReadTimeoutError"):
            save_upload(io.BytesIO(b"x"), "a.txt", bucket)


def test_past_max_tries_taken_names_give_a_storage_error_and_leave_nothing(
    s3_server: Server,
) -> None:
    bucket = _bucket(s3_server)
    save_upload(io.BytesIO(b"1"), "a.txt", bucket)
    save_upload(io.BytesIO(b"2"), "a.txt", bucket)
    limited = S3Bucket(bucket.client, BUCKET, prefix=bucket.prefix, max_tries=2)
    with pytest.raises(UploadStorageError, match=r"no free key for 'a\.txt'.* after 2 tries"):
        save_upload(io.BytesIO(b"3"), "a.txt", limited)
    assert _everything_under(bucket) == (
        sorted(bucket.prefix + n for n in ("a.txt", "a-1.txt")),
        [],
    )
