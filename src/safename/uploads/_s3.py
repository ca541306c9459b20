"""Uploads into S3-compatible object storage that never overwrite, on servers that get less right.

Every upload first *claims* its name: a conditional ``PutObject`` (``If-None-Match: *``) of an
empty, marked object ``<prefix>.safename-claims/<name>``. Conditional ``PutObject`` is the one
primitive every server tested gets right under concurrency (SeaweedFS 4.48's conditional
``CompleteMultipartUpload`` lets two writers both succeed; ministack ignores ``If-None-Match``
on ``CopyObject``), so exactly one writer holds a claim. Only the holder then writes the
name's key, conditionally again (``PutObject``, or ``CompleteMultipartUpload`` with
``IfNoneMatch="*"``), so no two safename writers ever race on the final key, and a key written
earlier answers 412 and the next candidate name is tried. The claim is deleted afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

from safename.paths import claim_name
from safename.uploads._keys import CLAIMS_FOLDER, validate_key, validate_key_prefix
from safename.uploads._save import (
    CHUNK_BYTES,
    AsyncReadable,
    Readable,
    SavedUpload,
    UploadStorageError,
    refuse_over_limit,
)

#: S3's smallest part (but the last), and the default part size: a body up to this is one put.
MIN_PART_BYTES: Final = 5 * 1024 * 1024
DEFAULT_PART_BYTES: Final = 8 * 1024 * 1024
#: The metadata that proves a claim is the package's own (``x-amz-meta-safename``).
CLAIM_METADATA: Final = {"safename": "claim"}
_TAKEN_STATUSES: Final = frozenset({409, 412})


class S3Client(Protocol):
    """The part of a boto3 S3 client that :class:`S3Bucket` uses; any client with these fits."""

    def put_object(
        self,
        *,
        Bucket: str,
        Key: str,
        Body: bytes,
        IfNoneMatch: str,
        Metadata: Mapping[str, str],
    ) -> Mapping[str, Any]:
        """Store *Body* at *Key* unless it exists (412)."""

    def create_multipart_upload(self, *, Bucket: str, Key: str) -> Mapping[str, Any]:
        """Start a multipart upload; the answer has ``UploadId``."""

    def upload_part(
        self, *, Bucket: str, Key: str, UploadId: str, PartNumber: int, Body: bytes
    ) -> Mapping[str, Any]:
        """Store one part; the answer has its ``ETag``."""

    def complete_multipart_upload(
        self,
        *,
        Bucket: str,
        Key: str,
        UploadId: str,
        MultipartUpload: Any,
        IfNoneMatch: str,
    ) -> Mapping[str, Any]:
        """Join the parts at *Key* unless it exists (412)."""

    def abort_multipart_upload(self, *, Bucket: str, Key: str, UploadId: str) -> Mapping[str, Any]:
        """Drop a multipart upload and its parts."""

    def delete_object(self, *, Bucket: str, Key: str) -> Mapping[str, Any]:
        """Remove *Key*."""

    def head_object(self, *, Bucket: str, Key: str) -> Mapping[str, Any]:
        """The object's metadata, or an error with status 404."""

    def list_objects_v2(
        self, *, Bucket: str, Prefix: str, ContinuationToken: str = ...
    ) -> Mapping[str, Any]:
        """A page of the keys under *Prefix* (``safename sweep``)."""

    def list_multipart_uploads(self, *, Bucket: str, Prefix: str) -> Mapping[str, Any]:
        """The first 1,000 multipart uploads under *Prefix* (``safename sweep``, one key's)."""


@dataclass(frozen=True)
class S3Bucket:
    """Where :func:`~safename.uploads.save_upload` stores into object storage: a bucket and prefix.

    Pass it in place of the directory. Keys are ``prefix + name``: the prefix is
    checked here once (:func:`validate_key_prefix`), the name is
    ``secure_filename(filename)`` or that name with ``-1``, ``-2``...

    :param client: a boto3 S3 client (``boto3.client("s3", config=bounded_config())``)
        or anything with the methods of :class:`S3Client`.
    :param bucket: the bucket's name.
    :param prefix: ``""`` or ``/``-terminated segments, such as ``"uploads/"``.
    :param part_bytes: bodies up to this size are one ``PutObject``; larger ones
        stream in parts of this size (at least 5 MiB, S3's minimum).
    :param max_tries: how many candidate names to try before :class:`UploadStorageError`.
    :raises UnsafeKeyError: for a prefix some server would rewrite.
    :raises ValueError: for *part_bytes* under 5 MiB or *max_tries* under 1.

    >>> S3Bucket(client=None, bucket="media", prefix="uploads/").prefix
    'uploads/'
    >>> S3Bucket(client=None, bucket="media", prefix="a//b/")
    Traceback (most recent call last):
    ...
    safename.uploads.UnsafeKeyError: unsafe key 'a//b/': empty_segment
    """

    client: S3Client = field(repr=False)
    bucket: str
    prefix: str = ""
    part_bytes: int = DEFAULT_PART_BYTES
    max_tries: int = 128

    def __post_init__(self) -> None:
        validate_key_prefix(self.prefix)
        if self.part_bytes < MIN_PART_BYTES:
            raise ValueError(f"part_bytes must be at least {MIN_PART_BYTES} (S3's minimum)")
        if self.max_tries < 1:
            raise ValueError("max_tries must be at least 1")

    def key(self, name: str) -> str:
        """The key of the stored *name*.

        >>> S3Bucket(client=None, bucket="media", prefix="uploads/").key("a.txt")
        'uploads/a.txt'
        """
        return validate_key(self.prefix + name)

    def claim_key(self, name: str) -> str:
        """The key of the claim on *name* (see the module docstring).

        >>> S3Bucket(client=None, bucket="media", prefix="u/").claim_key("a.txt")
        'u/.safename-claims/a.txt'
        """
        return self.prefix + CLAIMS_FOLDER + name

    def store_upload(self, stream: Readable, name: str, max_bytes: int | None) -> SavedUpload:
        """Store *stream* under *name* or the next free name; ``save_upload`` calls this.

        Exactly one writer wins each name (see the module docstring); a refusal or a
        failure leaves no object, no claim and no multipart upload behind.

        :raises UploadRejectedError: for a body over *max_bytes*.
        :raises UploadStorageError: naming the bucket, if the store refused or failed.

        The example needs no server: where none answers, the error names the bucket
        and the cause, never the credentials.

        >>> import io, boto3
        >>> client = boto3.client(
        ...     "s3", endpoint_url="http://127.0.0.1:1", region_name="us-east-1",
        ...     aws_access_key_id="key", aws_secret_access_key="secret",
        ...     config=bounded_config(connect_timeout=1, max_attempts=1),
        ... )
        >>> S3Bucket(client, "media", prefix="uploads/").store_upload(
        ...     io.BytesIO(b"hello"), "a.txt", max_bytes=None
        ... )  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        safename.uploads.UploadStorageError: cannot store ... in bucket 'media': ...Connection...
        """
        upload = ObjectUpload(self, name, max_bytes)
        try:
            while chunk := _read(stream):
                if upload.add(chunk):
                    upload.flush()
            return upload.finish()
        except BaseException:
            upload.abort()
            raise

    async def store_upload_async(
        self, stream: AsyncReadable, name: str, max_bytes: int | None
    ) -> SavedUpload:
        """:meth:`store_upload` for ``await stream.read(n)``; requests run in worker threads.

        The event loop is never blocked: each request to the store runs in a worker
        thread (``asyncio.to_thread``). Same guarantees and errors as :meth:`store_upload`.

        >>> import asyncio, io, boto3
        >>> class Body:
        ...     def __init__(self, data: bytes) -> None:
        ...         self.stream = io.BytesIO(data)
        ...     async def read(self, size: int = -1) -> bytes:
        ...         return self.stream.read(size)
        >>> client = boto3.client(
        ...     "s3", endpoint_url="http://127.0.0.1:1", region_name="us-east-1",
        ...     aws_access_key_id="key", aws_secret_access_key="secret",
        ...     config=bounded_config(connect_timeout=1, max_attempts=1),
        ... )
        >>> bucket = S3Bucket(client, "media", prefix="uploads/")
        >>> asyncio.run(bucket.store_upload_async(Body(b"hi"), "a.txt", None))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        safename.uploads.UploadStorageError: cannot store ... in bucket 'media': ...
        """
        upload = ObjectUpload(self, name, max_bytes)
        try:
            while chunk := await _read_async(stream):
                if upload.add(chunk):
                    await asyncio.to_thread(upload.flush)
            return await asyncio.to_thread(upload.finish)
        except BaseException:
            # Shielded: a cancelled request still aborts its multipart upload.
            await asyncio.shield(asyncio.to_thread(upload.abort))
            raise


def _read(stream: Readable) -> bytes:
    try:
        return stream.read(CHUNK_BYTES)
    except OSError as error:
        if isinstance(error, UploadStorageError):
            raise
        raise UploadStorageError(f"cannot read the upload: {error}") from error


async def _read_async(stream: AsyncReadable) -> bytes:
    try:
        return await stream.read(CHUNK_BYTES)
    except OSError as error:
        if isinstance(error, UploadStorageError):
            raise
        raise UploadStorageError(f"cannot read the upload: {error}") from error


def status_of(error: BaseException) -> int | None:
    """The HTTP status of a botocore ``ClientError`` (or anything shaped like it), else ``None``.

    >>> status_of(ValueError("no response"))
    """
    response = getattr(error, "response", None)
    if not isinstance(response, Mapping):
        return None
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None


def storage_error(bucket: S3Bucket, action: str, error: BaseException) -> UploadStorageError:
    """An :class:`UploadStorageError` naming the bucket and the cause, never a credential.

    The cause is the server's error code and status, or the exception's class and
    text for a connection error (botocore puts the endpoint there, not the keys).

    >>> storage_error(S3Bucket(None, "media"), "store 'a.txt'", TimeoutError("timed out"))
    UploadStorageError("cannot store 'a.txt' in bucket 'media': TimeoutError: timed out")
    """
    response = getattr(error, "response", None)
    if isinstance(response, Mapping) and "Error" in response:
        code = response["Error"].get("Code", "error")
        cause = f"{code} (HTTP {status_of(error)})"
    else:
        cause = f"{type(error).__name__}: {error}"
    return UploadStorageError(f"cannot {action} in bucket {bucket.bucket!r}: {cause}")


class ObjectUpload:
    """One upload into a bucket: the part buffer, the size limit, the claim and the final write.

    The network steps (:meth:`flush`, :meth:`finish`, :meth:`abort`) are separate
    calls so that the asynchronous path can run each in a worker thread. Memory
    is one part plus one chunk, whatever the size.
    """

    def __init__(self, bucket: S3Bucket, name: str, max_bytes: int | None) -> None:
        self.bucket = bucket
        self.name = name
        self.max_bytes = max_bytes
        self.size = 0
        self._buffer = bytearray()
        self._claimed = ""  # the name taken, once a claim succeeded
        self._claim_held = ""  # the claim this upload holds now, to release
        self._upload_id = ""
        self._parts: list[dict[str, Any]] = []

    def add(self, chunk: bytes) -> bool:
        """Buffer *chunk*; whether a full part is ready for :meth:`flush`.

        :raises UploadRejectedError: with ``TOO_LARGE``, before anything over the limit is sent.
        """
        self.size += len(chunk)
        refuse_over_limit(self.name, self.size, self.max_bytes)
        self._buffer += chunk
        # Strictly more than a part: only then is it sure the body is not a single put.
        return len(self._buffer) > self.bucket.part_bytes

    def flush(self) -> None:
        """Send one full part, claiming a name and starting the multipart upload first."""
        if not self._upload_id:
            self._claim(self._start_multipart)
        part_bytes = self.bucket.part_bytes
        self._send_part(bytes(self._buffer[:part_bytes]))
        del self._buffer[:part_bytes]

    def finish(self) -> SavedUpload:
        """Store what is buffered and give the upload its key; see ``save_upload``."""
        if self._upload_id:
            self._send_part(bytes(self._buffer))
            self._buffer.clear()
            self._complete()
        else:
            self._claim(self._put)
        # The key is written: a claim left behind only blocks nothing, and sweep removes it.
        with contextlib.suppress(UploadStorageError):
            self._release()
        key = self.bucket.key(self._claimed)
        return SavedUpload(self._claimed, Path(key), self.size, key)

    def abort(self) -> None:
        """Leave nothing behind: abort the multipart upload, then release the claim.

        Best effort, on a failing server: a multipart upload that cannot be
        aborted keeps its claim, which proves to ``safename sweep`` that the
        upload is the package's own (and the lifecycle rule aborts it too).
        """
        if self._upload_id:
            try:
                self.bucket.client.abort_multipart_upload(
                    Bucket=self.bucket.bucket,
                    Key=self.bucket.key(self._claimed),
                    UploadId=self._upload_id,
                )
            except Exception:  # the error being handled is the one to raise
                return
            self._upload_id = ""
        with contextlib.suppress(UploadStorageError):
            self._release()

    # --- the steps ----------------------------------------------------------------------------

    def _claim(self, write: Any) -> None:
        """Claim the first free name with *write* as the step that takes its key."""
        tries = 0

        def occupy(candidate: str) -> None:
            nonlocal tries
            tries += 1
            if tries > self.bucket.max_tries:
                raise UploadStorageError(
                    f"no free key for {self.name!r} in bucket {self.bucket.bucket!r} "
                    f"after {self.bucket.max_tries} tries"
                )
            self._take_claim(candidate)
            try:
                write(candidate)
            except FileExistsError:
                self._release()
                raise

        self._claimed, _ = claim_name(self.name, occupy)

    def _take_claim(self, candidate: str) -> None:
        self._put_if_absent(self.bucket.claim_key(candidate), b"", CLAIM_METADATA, candidate)
        self._claimed = self._claim_held = candidate

    def _release(self) -> None:
        if self._claim_held:
            claim = self.bucket.claim_key(self._claim_held)
            self._call("release a claim", self.bucket.client.delete_object, Key=claim)
            self._claim_held = ""

    def _put(self, candidate: str) -> None:
        self._put_if_absent(self.bucket.key(candidate), bytes(self._buffer), {}, candidate)
        self._buffer.clear()

    def _start_multipart(self, candidate: str) -> None:
        key = self.bucket.key(candidate)
        # Only claim holders write a key, and safename never deletes one: if it is
        # there now, it stays, so the parts go to the next name instead.
        try:
            self.bucket.client.head_object(Bucket=self.bucket.bucket, Key=key)
        except Exception as error:
            if status_of(error) != 404:
                raise storage_error(self.bucket, f"check {key!r}", error) from error
        else:
            raise FileExistsError(key)
        answer = self._call("start an upload", self.bucket.client.create_multipart_upload, Key=key)
        self._upload_id = str(answer["UploadId"])

    def _send_part(self, body: bytes) -> None:
        number = len(self._parts) + 1
        answer = self._call(
            "send a part",
            self.bucket.client.upload_part,
            Key=self.bucket.key(self._claimed),
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def _complete(self) -> None:
        key = self.bucket.key(self._claimed)
        try:
            self.bucket.client.complete_multipart_upload(
                Bucket=self.bucket.bucket,
                Key=key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
                IfNoneMatch="*",
            )
        except Exception as error:
            # Taken after the check: only a writer that skips the claims does that.
            raise storage_error(self.bucket, f"complete {key!r}", error) from error
        self._upload_id = ""

    def _put_if_absent(
        self, key: str, body: bytes, metadata: Mapping[str, str], candidate: str
    ) -> None:
        try:
            self.bucket.client.put_object(
                Bucket=self.bucket.bucket, Key=key, Body=body, IfNoneMatch="*", Metadata=metadata
            )
        except Exception as error:
            if status_of(error) in _TAKEN_STATUSES:
                raise FileExistsError(candidate) from error
            raise storage_error(self.bucket, f"store {key!r}", error) from error

    def _call(self, action: str, method: Any, **arguments: Any) -> Mapping[str, Any]:
        try:
            answer: Mapping[str, Any] = method(Bucket=self.bucket.bucket, **arguments)
        except Exception as error:
            raise storage_error(self.bucket, action, error) from error
        return answer


def bucket_from_url(
    url: str, client: S3Client | None = None, *, part_bytes: int = DEFAULT_PART_BYTES
) -> S3Bucket:
    """The :class:`S3Bucket` of ``s3://bucket/prefix``, with boto3's client if none is given.

    boto3 finds the endpoint and keys where it always does (``AWS_ENDPOINT_URL``,
    ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, profiles); the client gets
    :func:`bounded_config`. A prefix without a final ``/`` gets one.

    :raises ValueError: if *url* is not ``s3://bucket[/prefix]``.
    :raises UnsafeKeyError: for an unsafe prefix.
    :raises ModuleNotFoundError: without a client, if the ``s3`` extra is not installed.

    >>> bucket_from_url("s3://media/uploads", client=object())  # doctest: +ELLIPSIS
    S3Bucket(bucket='media', prefix='uploads/', part_bytes=8388608, max_tries=128)
    """
    scheme, _, rest = url.partition("://")
    bucket, _, prefix = rest.partition("/")
    if scheme != "s3" or not bucket:
        raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    if client is None:
        from safename._packaging import require  # noqa: PLC0415 - boto3 is an optional extra

        client = require("boto3", "s3").client("s3", config=bounded_config())
    return S3Bucket(client, bucket, prefix, part_bytes=part_bytes)


def bounded_config(
    *, connect_timeout: float = 2, read_timeout: float = 20, max_attempts: int = 2
) -> Any:
    """A botocore ``Config`` with short timeouts and few retries, so failures come fast.

    botocore's defaults (60 s timeouts, retries) let an unreachable store hang an
    upload for minutes; with these, :class:`UploadStorageError` comes within
    about ``max_attempts * (connect_timeout + read_timeout)`` seconds.

    :raises ModuleNotFoundError: without the ``s3`` extra (boto3).

    >>> config = bounded_config()
    >>> config.connect_timeout, config.read_timeout, config.retries["max_attempts"]
    (2, 20, 2)
    """
    from safename._packaging import require  # noqa: PLC0415 - boto3 is an optional extra

    config = require("botocore.config", "s3")
    return config.Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"max_attempts": max_attempts, "mode": "standard"},
    )
