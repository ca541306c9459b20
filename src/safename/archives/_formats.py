"""Reading zip and tar archives member by member, with every read bounded.

The engine under :func:`safename.archives.safe_extract`, kept apart from its
policy. Each format is read as a sequence of :class:`Entry` (a name, a kind,
a declared size, a link target and a way to read the data), in archive order,
so that the data of one member is read before the next header: a tar is read
as a stream, never seeking back.

Tar is decompressed here rather than by :mod:`tarfile` so that every byte
:mod:`tarfile` reads passes through :class:`Budget`: ``tarfile`` reads a
member's pax or GNU long-name header whole into memory, so a hostile header
inflating to gigabytes would otherwise exhaust memory before any member is seen.
"""

from __future__ import annotations

import bz2
import contextlib
import enum
import gzip
import io
import lzma
import os
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Final


class CorruptDataError(Exception):
    """Reading the archive failed (bzip2 reports its "invalid data stream" as a plain OSError).

    ``member`` names the member being read, when the error is raised before
    that member is handed out (reading a zip symlink's target).
    """

    def __init__(self, message: str, member: str | None = None) -> None:
        super().__init__(message)
        self.member = member


#: Errors that mean the archive itself is malformed (not that writing failed).
CORRUPT_ERRORS: Final = (
    CorruptDataError,
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    lzma.LZMAError,
    gzip.BadGzipFile,
    EOFError,
    NotImplementedError,
    # zipfile's answers to impossible offsets and sizes ("negative seek value",
    # struct.error on a short record, OverflowError); UnicodeDecodeError is a ValueError.
    ValueError,
    struct.error,
    OverflowError,
)
#: The bytes read from a tar stream besides the members' data: each member's
#: header block(s), and what tarfile reads ahead.
HEADER_ALLOWANCE: Final = 64 * 1024
_TAR_BLOCK: Final = tarfile.BLOCKSIZE
_MAGIC_BYTES: Final = 6
_GZIP_MAGIC: Final = b"\x1f\x8b"
_BZIP2_MAGIC: Final = b"BZh"
_XZ_MAGIC: Final = b"\xfd7zXZ\x00"
_ZIP_MAGICS: Final = (b"PK\x03\x04", b"PK\x05\x06")
_MAX_LINK_BYTES: Final = 4096


class Kind(enum.Enum):
    """What a member is."""

    FILE = "file"
    DIRECTORY = "directory"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    SPECIAL = "special"


@dataclass(frozen=True)
class Entry:
    """One member as the archive describes it; ``open`` reads a file's data."""

    name: str
    kind: Kind
    size: int
    link: str | None
    open: Callable[[], IO[bytes]]
    #: Why the member cannot be read at all (encrypted), if it cannot.
    unreadable: str | None = None


class OverBudgetError(Exception):
    """:mod:`tarfile` tried to read more than the accepted members and their headers can take."""


class Budget(io.RawIOBase):
    """A readable stream that refuses to give more than ``allowance`` bytes in all.

    :func:`safename.archives.safe_extract` raises the allowance as it accepts
    each member's declared size, so a header or a hidden region larger than
    :data:`HEADER_ALLOWANCE` stops the read instead of filling memory.
    """

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__()
        self._source = source
        self.consumed = 0
        self.allowance = HEADER_ALLOWANCE

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self.allowance - self.consumed + 1)
        try:
            data = self._source.read(max(wanted, 1))
        except OSError as error:  # "Invalid data stream", or the archive's disk failing
            raise CorruptDataError(str(error)) from error
        self.consumed += len(data)
        if self.consumed > self.allowance:
            raise OverBudgetError(self.consumed)
        buffer[: len(data)] = data
        return len(data)


class Counting(io.RawIOBase):
    """A readable stream that counts the bytes read from *source* (the compressed ones)."""

    def __init__(self, source: IO[bytes], prefix: bytes = b"") -> None:
        super().__init__()
        self._source = source
        self._prefix = prefix
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            data, self._prefix = self._prefix[: len(buffer)], self._prefix[len(buffer) :]
        else:
            data = self._source.read(len(buffer))
        self.consumed += len(data)
        buffer[: len(data)] = data
        return len(data)


@dataclass
class Opened:
    """An archive opened for reading: its entries, its size, and the tar budget if a tar."""

    entries: Iterator[Entry]
    #: The archive's size: known from the start, or what was read of it so far.
    size: Callable[[], int]
    size_known: bool
    budget: Budget | None
    #: A zip's members and their sizes, from its central directory, before any data is read.
    declared: list[tuple[str, int]] | None = None


@contextlib.contextmanager
def open_archive(archive: str | os.PathLike[str] | IO[bytes]) -> Iterator[Opened]:
    """Open a zip or a tar (plain, gzip, bzip2 or xz) from a path or a binary file object.

    :raises zipfile.BadZipFile: (or another of :data:`CORRUPT_ERRORS`) if it is neither.
    """
    with contextlib.ExitStack() as stack:
        if isinstance(archive, (str, os.PathLike)):
            raw: IO[bytes] = stack.enter_context(open(archive, "rb"))
        else:
            raw = archive
        known_size = _remaining_size(raw)
        head = raw.read(_MAGIC_BYTES)
        if head.startswith(_ZIP_MAGICS):
            if known_size is None:
                raise zipfile.BadZipFile("a zip archive can only be read from a seekable file")
            raw.seek(-len(head), io.SEEK_CUR)
            zip_file = stack.enter_context(zipfile.ZipFile(raw))
            infos = zip_file.infolist()
            yield Opened(
                _zip_entries(zip_file, infos),
                lambda: known_size,
                size_known=True,
                budget=None,
                declared=[(info.orig_filename, info.file_size) for info in infos],
            )
            return
        counting = Counting(raw, head)
        budget = Budget(_decompressed(head, io.BufferedReader(counting)))  # type: ignore[arg-type]
        tar = stack.enter_context(tarfile.open(fileobj=budget, mode="r|"))
        size = (lambda: known_size) if known_size is not None else (lambda: counting.consumed)
        yield Opened(_tar_entries(tar), size, size_known=known_size is not None, budget=budget)


def _remaining_size(raw: IO[bytes]) -> int | None:
    """The bytes from the current position to the end, or ``None`` for a stream that cannot seek."""
    try:
        if not raw.seekable():
            return None
        start = raw.tell()
        end = raw.seek(0, io.SEEK_END)
        raw.seek(start)
    except (OSError, AttributeError):
        return None
    return end - start


def _decompressed(head: bytes, raw: IO[bytes]) -> IO[bytes] | gzip.GzipFile:
    if head.startswith(_GZIP_MAGIC):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if head.startswith(_BZIP2_MAGIC):
        return bz2.BZ2File(raw)
    if head.startswith(_XZ_MAGIC):
        return lzma.LZMAFile(raw)
    return raw


def _zip_entries(zip_file: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> Iterator[Entry]:
    for info in infos:
        mode = info.external_attr >> 16
        kind = Kind.FILE
        # Not info.is_dir(): it fails on a name that is empty once cut at a NUL.
        if info.orig_filename.endswith("/") or stat.S_ISDIR(mode):
            kind = Kind.DIRECTORY
        elif stat.S_ISLNK(mode):
            kind = Kind.SYMLINK
        elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            kind = Kind.SPECIAL
        unreadable = "encrypted" if info.flag_bits & 0x1 else None
        opener = _zip_opener(zip_file, info)
        link = None
        if kind is Kind.SYMLINK and unreadable is None:
            link = _zip_link(opener, info.orig_filename)
        yield Entry(info.orig_filename, kind, info.file_size, link, opener, unreadable)


def _zip_link(opener: Callable[[], IO[bytes]], name: str) -> str:
    """A zip symlink's target, its data; a decompressor's ``OSError`` means corrupt data."""
    try:
        with opener() as data:
            target = data.read(_MAX_LINK_BYTES + 1)
    except OSError as error:  # bzip2's "Invalid data stream" has no errno
        raise CorruptDataError(str(error), member=name) from error
    except CORRUPT_ERRORS as error:  # named here: the entry is not handed out yet
        raise CorruptDataError(str(error) or type(error).__name__, member=name) from error
    return target.decode("utf-8", "surrogateescape")


def _zip_opener(zip_file: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
    return lambda: zip_file.open(info)


def _tar_entries(tar: tarfile.TarFile) -> Iterator[Entry]:
    for member in tar:
        if member.isreg() and not member.issparse():
            kind = Kind.FILE
        elif member.isdir():
            kind = Kind.DIRECTORY
        elif member.issym():
            kind = Kind.SYMLINK
        elif member.islnk():
            kind = Kind.HARDLINK
        else:  # devices, FIFOs, sparse files and types tarfile does not know
            kind = Kind.SPECIAL
        link = member.linkname if kind in (Kind.SYMLINK, Kind.HARDLINK) else None
        yield Entry(member.name, kind, member.size, link, _tar_opener(tar, member))


def _tar_opener(tar: tarfile.TarFile, member: tarfile.TarInfo) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        data = tar.extractfile(member)
        if data is None:  # pragma: no cover - only files are opened
            raise tarfile.ReadError(f"no data for {member.name!r}")
        return data

    return opener


def padded(size: int) -> int:
    """A tar member's data size rounded up to whole blocks, as it is in the stream."""
    return -(-size // _TAR_BLOCK) * _TAR_BLOCK
