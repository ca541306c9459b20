"""Save an uploaded stream: the temporary file, the size limit and the publishing step."""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import posixpath
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final, Protocol, runtime_checkable

from safename._fs import descriptors
from safename._fs.publish import publish
from safename._fs.temporaries import (
    UPLOAD_DATA_NAME,
    discard_temporary_directory,
    make_temporary_directory,
)
from safename.errors import SafenameError
from safename.filenames import secure_filename
from safename.paths import claim_name, open_directory

CHUNK_BYTES: Final = 64 * 1024


class UploadReason(enum.Enum):
    """Why :func:`save_upload` refused an upload (the value is a stable, short code)."""

    EMPTY_NAME = "empty_name"
    EXTENSION_NOT_ALLOWED = "extension_not_allowed"
    TOO_LARGE = "too_large"


class UploadError(Exception):
    """Base class of everything :func:`save_upload` raises; nothing was saved."""


class UploadRejectedError(UploadError, SafenameError):
    """The upload itself was refused: no name, a disallowed extension, or too large.

    A :class:`ValueError`, like every safename input error.

    >>> error = UploadRejectedError("big.iso", UploadReason.TOO_LARGE, "more than 10 bytes")
    >>> error.reason.value, error.filename
    ('too_large', 'big.iso')
    >>> str(error)
    "upload 'big.iso' refused: too_large (more than 10 bytes)"
    """

    def __init__(self, filename: str, reason: UploadReason, detail: str = "") -> None:
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"upload {filename!r} refused: {reason.value}{suffix}")
        self.filename = filename
        self.reason = reason


class UploadStorageError(UploadError, OSError):
    """The upload could not be read or written (disk full, no permission, missing directory).

    An :class:`OSError`; the original error is its ``__cause__``.

    >>> import io
    >>> save_upload(io.BytesIO(b"x"), "a.txt", "/nonexistent/dir")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    safename.uploads.UploadStorageError: cannot write into '/nonexistent/dir': ...
    """


@dataclass(frozen=True)
class SavedUpload:
    """A stored upload: its ``name`` in the directory, its ``path`` and its ``size`` in bytes.

    In object storage (:class:`~safename.uploads.S3Bucket`), ``key`` is the object's
    key (``prefix + name``) and ``path`` is that key as a relative path; on disk
    ``key`` is ``None``.
    """

    name: str
    path: Path
    size: int
    key: str | None = None


class Readable(Protocol):
    """A binary stream: ``read(n)`` returns at most *n* bytes, ``b""`` at the end."""

    def read(self, size: int = ..., /) -> bytes:
        """Read at most *size* bytes."""


class AsyncReadable(Protocol):
    """An asynchronous binary stream, such as Starlette's ``UploadFile``."""

    async def read(self, size: int = ..., /) -> bytes:
        """Read at most *size* bytes."""


@runtime_checkable
class UploadDestination(Protocol):
    """Somewhere other than a directory that uploads are saved to, such as an S3 bucket.

    :func:`save_upload` passes the clean name (from :func:`checked_name`);
    the destination picks the first free name among it, ``name-1``... and
    keeps every guarantee of :func:`save_upload`.
    """

    def store_upload(self, stream: Readable, name: str, max_bytes: int | None) -> SavedUpload:
        """Store *stream* under *name* or the next free candidate."""

    async def store_upload_async(
        self, stream: AsyncReadable, name: str, max_bytes: int | None
    ) -> SavedUpload:
        """:meth:`store_upload` for an asynchronous stream, never blocking the event loop."""


def save_upload(
    stream: Readable,
    filename: str | None,
    directory: str | os.PathLike[str] | UploadDestination,
    *,
    allowed_extensions: Collection[str] | None = None,
    max_bytes: int | None = None,
) -> SavedUpload:
    """Save *stream* under a sanitized, unique name in *directory*, atomically.

    Guarantees:

    * the stored name is ``secure_filename(filename)``, or that name with a
      ``-1``, ``-2``... suffix: directly inside *directory*, and it passes
      :func:`~safename.is_safe_filename`;
    * the data is streamed in 64 KiB chunks into a hidden temporary file
      (``data`` in a marked temporary directory ``.safename-upload-<16 hex>.part``,
      both created exclusively through descriptors, never through a symlink),
      so memory stays constant whatever the size, and *max_bytes* is enforced
      while streaming, not after;
    * the file is flushed to disk, then published under its final name in one
      atomic step (see the module docstring for which step runs where): a
      reader sees no file or the whole file, concurrent uploads of one name
      each get their own file, and nothing is overwritten;
    * on any error nothing is left behind: no temporary and no partial file.
      A process killed mid-upload leaves only the temporary directory, which
      :func:`sweep` removes;
    * the stored name never starts with ``.`` (so never with ``.safename-``,
      the namespace of the package's own temporaries, which :func:`sweep`
      removes).

    :param stream: the data, read with ``read(n)`` until it returns ``b""``.
    :param filename: the client's name for the file (untrusted).
    :param directory: an existing directory (trusted; a symlink to one is followed once),
        or an :class:`~safename.uploads.S3Bucket` (see ``docs/uploads.md``, "Object storage").
    :param allowed_extensions: if given, the extensions accepted, without the
        dot, compared case-insensitively with the sanitized name's last one.
    :param max_bytes: if given, the largest size accepted, in bytes.
    :returns: the stored name, path and size.
    :raises UploadRejectedError: (a ``ValueError``) with an :class:`UploadReason`:
        no client filename, a disallowed extension, or more than *max_bytes*.
    :raises UploadStorageError: (an ``OSError``) if reading or writing failed.

    >>> import io, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> saved = save_upload(io.BytesIO(b"hello"), "../../My notes.txt", folder)
    >>> saved.name, saved.size, saved.path.read_bytes()
    ('My_notes.txt', 5, b'hello')
    >>> save_upload(io.BytesIO(b"hello"), "My notes.txt", folder).name
    'My_notes-1.txt'
    >>> save_upload(io.BytesIO(b"MZ"), "setup.exe", folder, allowed_extensions={"txt"})
    Traceback (most recent call last):
    ...
    safename.uploads.UploadRejectedError: upload 'setup.exe' refused: extension_not_allowed
    """
    name = checked_name(filename, allowed_extensions)
    if isinstance(directory, UploadDestination):
        return directory.store_upload(stream, name, max_bytes)
    with TemporaryUpload(directory, name, max_bytes) as temporary:
        while chunk := stream.read(CHUNK_BYTES):
            temporary.write(chunk)
        return temporary.publish()


async def save_upload_async(
    stream: AsyncReadable,
    filename: str | None,
    directory: str | os.PathLike[str] | UploadDestination,
    *,
    allowed_extensions: Collection[str] | None = None,
    max_bytes: int | None = None,
) -> SavedUpload:
    """:func:`save_upload` for a stream read with ``await stream.read(n)``.

    The same guarantees, parameters and errors. Only the reads are awaited;
    each 64 KiB chunk is written to the local temporary file at once. Into an
    :class:`~safename.uploads.S3Bucket`, every request runs in a worker thread
    (:func:`asyncio.to_thread`), never on the event loop.

    >>> import asyncio, io, tempfile
    >>> class AsyncStream:
    ...     def __init__(self, data): self.data = io.BytesIO(data)
    ...     async def read(self, size=-1): return self.data.read(size)
    >>> saved = asyncio.run(save_upload_async(AsyncStream(b"hi"), "a b.txt", tempfile.mkdtemp()))
    >>> saved.name, saved.size
    ('a_b.txt', 2)
    """
    name = checked_name(filename, allowed_extensions)
    if isinstance(directory, UploadDestination):
        return await directory.store_upload_async(stream, name, max_bytes)
    with TemporaryUpload(directory, name, max_bytes) as temporary:
        while chunk := await stream.read(CHUNK_BYTES):
            temporary.write(chunk)
        return temporary.publish()


def refuse_over_limit(name: str, size: int, max_bytes: int | None) -> None:
    """Refuse the upload *name* once *size* bytes have come in over *max_bytes*.

    Every destination checks while the body streams, before it stores the chunk
    that passes the limit.

    :raises UploadRejectedError: with ``TOO_LARGE``.

    >>> refuse_over_limit("a.txt", 3, 3)
    >>> refuse_over_limit("a.txt", 4, 3)
    Traceback (most recent call last):
    ...
    safename.uploads.UploadRejectedError: upload 'a.txt' refused: too_large (more than 3 bytes)
    """
    if max_bytes is not None and size > max_bytes:
        raise UploadRejectedError(name, UploadReason.TOO_LARGE, f"more than {max_bytes} bytes")


def checked_name(client_name: str | None, allowed_extensions: Collection[str] | None) -> str:
    """The sanitized name, or :class:`UploadRejectedError` before anything is written.

    >>> checked_name("../My file.TXT", {"txt"})
    'My_file.TXT'
    """
    if not client_name or not client_name.strip():
        raise UploadRejectedError(client_name or "", UploadReason.EMPTY_NAME)
    name = secure_filename(client_name)
    if allowed_extensions is not None:
        extension = posixpath.splitext(name)[1].lstrip(".").lower()
        allowed = {item.lstrip(".").lower() for item in allowed_extensions}
        if extension not in allowed:
            raise UploadRejectedError(client_name, UploadReason.EXTENSION_NOT_ALLOWED)
    return name


class TemporaryUpload:
    """The hidden temporary file an upload is streamed into, published or removed on exit.

    Used as a context manager: an error inside the block removes the
    temporary file, and a plain :class:`OSError` there (a failed read or
    write) becomes an :class:`UploadStorageError`.

    :param directory: where the file is written and published.
    :param name: the clean final name (:func:`checked_name`).
    :param max_bytes: the largest size accepted, or ``None``.
    :raises UploadStorageError: if the directory cannot be opened or written.
    """

    def __init__(self, directory: str | os.PathLike[str], name: str, max_bytes: int | None) -> None:
        self.directory = directory
        self.name = name
        self.max_bytes = max_bytes
        self.size = 0
        self._temporary = ""
        self._directory_fd = -1
        self._temporary_fd = -1
        self._file_fd = -1
        self._published = False

    def __enter__(self) -> TemporaryUpload:
        try:
            # The directory is configured, hence trusted: a symlink to it is
            # followed here once, and every later step acts through this descriptor.
            self._directory_fd = open_directory(self.directory, follow_symlinks=True)
            # A marked directory, not a bare file: the marker is what lets sweep
            # tell a killed upload's leftover from a user's file of the same name.
            self._temporary, self._temporary_fd = make_temporary_directory(
                "upload", self._directory_fd
            )
            self._file_fd = os.open(
                UPLOAD_DATA_NAME, descriptors.CREATE_EXCLUSIVE, 0o666, dir_fd=self._temporary_fd
            )
        except OSError as error:
            self._discard()
            self._close()
            where = os.fspath(self.directory)
            raise UploadStorageError(f"cannot write into {where!r}: {error}") from error
        return self

    def write(self, chunk: bytes) -> None:
        """Append *chunk*, refusing the upload once it is over the limit.

        :raises UploadRejectedError: with ``TOO_LARGE``, before anything over the limit is written.
        """
        self.size += len(chunk)
        refuse_over_limit(self.name, self.size, self.max_bytes)
        view = memoryview(chunk)
        while view:
            view = view[os.write(self._file_fd, view) :]

    def publish(self) -> SavedUpload:
        """Flush the file to disk and give it the first free name; see :func:`save_upload`."""
        os.fsync(self._file_fd)
        os.close(self._file_fd)
        self._file_fd = -1
        directory_fd = self._directory_fd
        temporary_fd = self._temporary_fd
        try:
            name, _ = claim_name(
                self.name,
                lambda candidate: publish(
                    UPLOAD_DATA_NAME,
                    candidate,
                    source_dir_fd=temporary_fd,
                    target_dir_fd=directory_fd,
                ),
            )
        except OSError as error:
            message = f"cannot move upload {self.name!r} into place: {error}"
            raise UploadStorageError(message) from error
        self._published = True
        _sync_directory(directory_fd)
        # The upload is in place: an emptied temporary that cannot be removed now
        # is still marked, and sweep removes it later.
        with contextlib.suppress(OSError):
            self._discard()
        return SavedUpload(name, Path(self.directory) / name, self.size)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if not self._published:
                self._discard()
        finally:
            self._close()
        if isinstance(error, OSError) and not isinstance(error, UploadError):
            raise UploadStorageError(f"cannot write upload {self.name!r}: {error}") from error

    def _discard(self) -> None:
        if self._temporary and self._directory_fd >= 0:
            discard_temporary_directory(self._temporary, self._directory_fd)
            self._temporary = ""

    def _close(self) -> None:
        for descriptor in (self._file_fd, self._temporary_fd, self._directory_fd):
            if descriptor >= 0:
                os.close(descriptor)
        self._file_fd = self._temporary_fd = self._directory_fd = -1


def _sync_directory(directory_fd: int) -> None:
    """Make the new name durable; some file systems cannot fsync a directory, which is harmless."""
    try:
        os.fsync(directory_fd)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
