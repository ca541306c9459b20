"""The name profiles, and every writer held to its own: none creates a name its profile refuses.

Archive members and ``safe_join`` components are judged by the preserving profile, uploads
and rename targets by the strict one; both profiles are read from the one rule table.
"""

from __future__ import annotations

import functools
import io
import os
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from safename import (
    FilenameReason,
    PathReason,
    Profile,
    UnsafeArchiveError,
    UnsafeFilenameError,
    UnsafePathError,
    is_safe_filename,
    safe_extract,
    safe_join,
    secure_filename,
    validate_filename,
)
from safename._rename import tree as renaming
from safename.archives import ArchiveReason
from safename.paths import opened_directory
from safename.strategies import hostile_filenames
from safename.uploads import UploadRejectedError, save_upload

F = FilenameReason
PRESERVING = Profile.PRESERVING

# --- the preserving profile, as a table -----------------------------------------------------------

#: Names an ordinary project archive holds: the preserving profile keeps each as it is.
KEPT = [
    ".gitignore",
    "__init__.py",
    "My Report (1).pdf",
    "café.txt",
    "Ærø 中文 файл.txt",
    " leading space.txt",
    "-dash-first",
    "a..b",
    "_",
    "what? *really*.txt",
    "CONSOLE",
    "COM10",
    "con_",
    "a.CON",
    "safename-upload.txt",
    ".safename",
    "a" * 255,
]

#: Issue 23's findings and the rest of what the preserving profile refuses, with the reason.
REFUSED = [
    ("", F.EMPTY),
    (".", F.TRAVERSAL),
    ("..", F.TRAVERSAL),
    ("...", F.TRAVERSAL),
    ("\uff0e\uff0e", F.TRAVERSAL),  # fullwidth full stops: NFKC makes ".."
    ("\u2025", F.TRAVERSAL),  # the two-dot leader: NFKC makes ".."
    ("a/b", F.SEPARATOR),
    ("a\\b", F.SEPARATOR),
    ("a\uff0fb", F.SEPARATOR),  # fullwidth solidus: NFKC makes "/"
    ("a\ufe68b", F.SEPARATOR),  # small reverse solidus: NFKC makes "\\"
    ("a\x00b", F.CONTROL_CHARACTER),
    ("a\nb.txt", F.CONTROL_CHARACTER),
    ("a\x7fb", F.CONTROL_CHARACTER),
    ("a\x85b.txt", F.CONTROL_CHARACTER),  # C1: NEL
    ("a\x9bb.txt", F.CONTROL_CHARACTER),  # C1: CSI, a terminal escape
    ("evil\u202etxt.exe", F.INVISIBLE_CHARACTER),  # right-to-left override
    ("x\u200b.txt", F.INVISIBLE_CHARACTER),  # zero-width space
    ("a\u2066b.txt", F.INVISIBLE_CHARACTER),  # left-to-right isolate
    ("a\u00adb", F.INVISIBLE_CHARACTER),  # soft hyphen
    ("a\ufe0fb", F.INVISIBLE_CHARACTER),  # a variation selector
    ("a\ud800b", F.INVALID_CHARACTER),  # a lone surrogate
    ("a\udcffb", F.INVALID_CHARACTER),  # the byte 0xff of a tar name, not UTF-8
    ("a" * 256, F.TOO_LONG),
    ("é" * 128, F.TOO_LONG),  # 256 bytes of UTF-8
    ("CON", F.RESERVED_NAME),
    ("con.txt", F.RESERVED_NAME),
    ("CON:", F.RESERVED_NAME),
    ("CON:.txt", F.RESERVED_NAME),
    ("NUL:", F.RESERVED_NAME),
    ("COM1:", F.RESERVED_NAME),
    ("COM1.tar.gz", F.RESERVED_NAME),
    ("COM\u00b9", F.RESERVED_NAME),  # Windows reads superscript digits as digits
    ("lpt\u00b2.log", F.RESERVED_NAME),
    ("AUX .txt", F.RESERVED_NAME),
    ("file.txt:stream", F.COLON),  # an NTFS alternate data stream
    ("file.txt::$DATA", F.COLON),
    ("a:b", F.COLON),
    ("a.txt.", F.TRAILING_DOT_OR_SPACE),
    ("a.txt ", F.TRAILING_DOT_OR_SPACE),
    (".safename-upload-0123456789abcdef.part", F.RESERVED_NAMESPACE),
    (".SafeName-marker", F.RESERVED_NAMESPACE),
    ("\uff0esafename-extract-x", F.RESERVED_NAMESPACE),
]


@pytest.mark.parametrize("name", KEPT)
def test_the_preserving_profile_keeps_a_users_names(name: str) -> None:
    validate_filename(name, profile=PRESERVING)
    assert is_safe_filename(name, profile="preserving")


@pytest.mark.parametrize(("name", "reason"), REFUSED)
def test_the_preserving_profile_refuses_with_a_reason(name: str, reason: FilenameReason) -> None:
    with pytest.raises(UnsafeFilenameError) as caught:
        validate_filename(name, profile=PRESERVING)
    assert caught.value.reason is reason
    assert not is_safe_filename(name, profile="preserving")
    assert not is_safe_filename(name)  # the strict profile refuses it too


@pytest.mark.parametrize("profile", ["lenient", None, 1])
def test_an_unknown_profile_is_a_value_error(profile: object) -> None:
    with pytest.raises(ValueError, match="Profile"):
        is_safe_filename("a.txt", profile=profile)  # type: ignore[arg-type]


def test_the_default_profile_is_strict() -> None:
    for name in ("a b.txt", ".gitignore", "café.txt"):
        assert is_safe_filename(name) is is_safe_filename(name, profile=Profile.STRICT) is False


FINDINGS = [name for name, _ in REFUSED if name]
#: The refused names that are one archive member's last component (not "." or "a/b", nor
#: "a\x00b", which both formats cut at the NUL).
MEMBER_FINDINGS = [name for name in FINDINGS if name not in (".", "a/b", "a\x00b")]


@given(
    hostile_filenames()
    | st.sampled_from(FINDINGS + KEPT)
    | st.text(alphabet="CONULPTXAcon.: $\u00b9\u00b2_-a\u200b\uff0e\uff0f", max_size=10)
    | st.text(max_size=12),
    st.booleans(),
)
def test_what_the_strict_profile_accepts_the_preserving_one_accepts(
    name: str, allow_unicode: bool
) -> None:
    if is_safe_filename(name, allow_unicode=allow_unicode):
        assert is_safe_filename(name, profile=PRESERVING)


# --- safe_join ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pathname", "reason", "name_reason"),
    [
        ("CON:", PathReason.DEVICE_NAME, None),
        ("NUL:", PathReason.DEVICE_NAME, None),
        ("COM1:", PathReason.DEVICE_NAME, None),
        ("docs/CON:.txt", PathReason.DEVICE_NAME, None),
        ("file.txt:stream", PathReason.UNSAFE_NAME, F.COLON),
        ("docs/file.txt::$DATA", PathReason.UNSAFE_NAME, F.COLON),
        ("a\x85b.txt", PathReason.UNSAFE_NAME, F.CONTROL_CHARACTER),
        ("docs/evil\u202etxt.exe", PathReason.UNSAFE_NAME, F.INVISIBLE_CHARACTER),
        ("x\u200b.txt", PathReason.UNSAFE_NAME, F.INVISIBLE_CHARACTER),
        ("docs./a.txt", PathReason.UNSAFE_NAME, F.TRAILING_DOT_OR_SPACE),
        ("a\uff0fb", PathReason.UNSAFE_NAME, F.SEPARATOR),
        ("\uff0e\uff0e/etc/passwd", PathReason.TRAVERSAL, None),
        (".safename-upload-0123456789abcdef.part", PathReason.UNSAFE_NAME, F.RESERVED_NAMESPACE),
    ],
)
def test_safe_join_refuses_what_the_preserving_profile_refuses(
    pathname: str, reason: PathReason, name_reason: FilenameReason | None
) -> None:
    with pytest.raises(UnsafePathError) as caught:
        safe_join("/srv/base", pathname)
    assert (caught.value.reason, caught.value.name_reason) == (reason, name_reason)


@pytest.mark.parametrize("pathname", ["docs/.gitignore", "src/__init__.py", "My Report (1).pdf"])
def test_safe_join_keeps_a_users_names(pathname: str) -> None:
    assert safe_join("/srv/base", pathname) == f"/srv/base/{pathname}"


PATHNAMES = st.lists(
    hostile_filenames() | st.sampled_from(FINDINGS + KEPT + ["", ".", "a"]) | st.text(max_size=6),
    max_size=4,
).map("/".join)


@given(st.lists(PATHNAMES, max_size=3))
def test_safe_join_joins_only_components_the_preserving_profile_accepts(
    pathnames: list[str],
) -> None:
    try:
        safe_join("/srv/base", *pathnames)
    except UnsafePathError:
        return
    for pathname in pathnames:
        for component in pathname.split("/"):
            if component not in ("", "."):
                assert is_safe_filename(component, profile=PRESERVING), component


# --- safe_extract ---------------------------------------------------------------------------------


def zip_of(names: list[str]) -> bytes:
    if "" in names:
        raise ValueError("a zip member needs a name")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"x")
    return buffer.getvalue()


def tar_of(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    # GNU format: a surrogate-escaped name goes in as the raw bytes it stands for.
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for name in names:
            info = tarfile.TarInfo(name)
            info.size = 1
            archive.addfile(info, io.BytesIO(b"x"))
    return buffer.getvalue()


BUILDERS = {"zip": zip_of, "tar": tar_of}


@pytest.mark.parametrize("kind", BUILDERS)
@pytest.mark.parametrize("finding", MEMBER_FINDINGS)
def test_issue_23_members_are_refused_and_nothing_is_written(
    tmp_path: Path, kind: str, finding: str
) -> None:
    try:
        archive = BUILDERS[kind]([f"dir/{finding}"])
    except (UnicodeEncodeError, ValueError):
        pytest.skip(f"a {kind} cannot carry {finding!r}")
    with pytest.raises(UnsafeArchiveError):
        safe_extract(io.BytesIO(archive), tmp_path)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("kind", BUILDERS)
def test_a_fullwidth_dot_dot_directory_is_refused_as_traversal(tmp_path: Path, kind: str) -> None:
    archive = BUILDERS[kind](["\uff0e\uff0e/evil.sh"])
    with pytest.raises(UnsafeArchiveError) as caught:
        safe_extract(io.BytesIO(archive), tmp_path)
    assert caught.value.reason is ArchiveReason.TRAVERSAL


@pytest.mark.parametrize("kind", BUILDERS)
def test_an_ordinary_project_archive_extracts_unchanged(tmp_path: Path, kind: str) -> None:
    names = ["project/.gitignore", "project/pkg/__init__.py", "project/My Report (1).pdf"]
    names.append("project/café.txt")
    safe_extract(io.BytesIO(BUILDERS[kind](names)), tmp_path)
    found = {str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file()}
    assert found == set(names)


def created_names(directory: str) -> list[str]:
    return [name for _, folders, files in os.walk(directory) for name in folders + files]


MEMBER_NAMES = st.lists(
    hostile_filenames() | st.sampled_from(FINDINGS + KEPT) | st.text(max_size=8),
    min_size=1,
    max_size=3,
).map("/".join)


@pytest.mark.filterwarnings("ignore:Duplicate name")
@settings(max_examples=150)
@given(st.lists(MEMBER_NAMES, min_size=1, max_size=3), st.sampled_from(sorted(BUILDERS)))
def test_safe_extract_creates_only_names_the_preserving_profile_accepts(
    names: list[str], kind: str
) -> None:
    try:
        archive = BUILDERS[kind](names)
    except (UnicodeEncodeError, ValueError):
        assume(False)  # the format cannot carry one of the names
    with tempfile.TemporaryDirectory() as directory:
        try:
            safe_extract(io.BytesIO(archive), directory)
        except UnsafeArchiveError:
            assert os.listdir(directory) == []
            return
        for name in created_names(directory):
            assert is_safe_filename(name, profile=PRESERVING), name


# --- uploads and rename: the strict profile -------------------------------------------------------


@settings(max_examples=100)
@given(hostile_filenames(allow_surrogates=False) | st.sampled_from(FINDINGS) | st.text(max_size=8))
def test_save_upload_creates_only_names_the_strict_profile_accepts(filename: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        try:
            saved = save_upload(io.BytesIO(b"data"), filename, directory)
        except UploadRejectedError:  # nothing left of the name: nothing written
            assert os.listdir(directory) == []
            return
        assert os.listdir(directory) == [saved.name]
        assert is_safe_filename(saved.name)


def creatable(name: str) -> bool:
    """Whether Linux can hold *name* as one entry (the rename engine renames what exists)."""
    try:
        encoded = os.fsencode(name)
    except UnicodeEncodeError:
        return False
    return name not in ("", ".", "..") and b"/" not in encoded and b"\x00" not in encoded


@settings(max_examples=100)
@given(
    st.lists(
        (hostile_filenames() | st.sampled_from(FINDINGS) | st.text(max_size=8)).filter(creatable),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    st.booleans(),
)
def test_rename_creates_only_names_the_strict_profile_accepts(
    names: list[str], allow_unicode: bool
) -> None:
    sanitize = functools.partial(secure_filename, allow_unicode=allow_unicode)
    with tempfile.TemporaryDirectory() as directory:
        for name in names:
            try:
                Path(directory, name).touch()
            except OSError:  # over the file system's limit
                continue
        with opened_directory(directory) as top:
            listing = renaming.list_tree(top, include_hidden=True)
            outcomes = list(
                renaming.rename_listed(
                    top,
                    listing,
                    sanitize,
                    max_length=255,
                    allow_unicode=allow_unicode,
                    apply=True,
                )
            )
        renamed = [outcome.new for outcome in outcomes if isinstance(outcome, renaming.Renamed)]
        for new in renamed:
            assert is_safe_filename(new, allow_unicode=allow_unicode), new
        assert set(renamed) <= set(os.listdir(directory))
