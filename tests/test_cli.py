"""The ``safename`` command, run as a real subprocess (``python -m safename``)."""

from __future__ import annotations

import ast
import contextlib
import errno
import io
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safename import COMPILED, is_safe_filename, secure_filename, validate_filename
from safename._fs import descriptors
from safename._fs.temporaries import make_temporary_directory
from safename.cli import ExitStatus, main
from safename.errors import UnsafeFilenameError
from safename.paths import no_replace_method, opened_directory

HOSTILE_NAMES = [
    "My cool movie.mov",
    "../../../etc/passwd",
    "CON.txt",
    "-rf",
    "file\u202egnp.exe",
    "a\uff0f..\uff0fb",
    "i contain cool \xfcml\xe4uts.txt",
    "x" * 300 + ".pdf",
    "carriage\rreturn",
    "Æsop Ørsted.pdf",
]


def run(*arguments: str, stdin: str | bytes = b"") -> subprocess.CompletedProcess[str]:
    """Run ``python -m safename`` with *arguments*, capturing its output as text."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    process = subprocess.run(
        [sys.executable, "-m", "safename", *arguments],
        input=data,
        capture_output=True,
        check=False,
        timeout=60,
    )
    return subprocess.CompletedProcess(
        process.args,
        process.returncode,
        process.stdout.decode("utf-8", "backslashreplace"),
        process.stderr.decode("utf-8", "backslashreplace"),
    )


# --- sanitizing and checking names --------------------------------------------------------------

OPTION_SETS = [
    ([], {}),
    (["--allow-unicode"], {"allow_unicode": True}),
    (["--transliterate"], {"transliterate": True}),
    (["--max-length", "16"], {"max_length": 16}),
]


@pytest.mark.parametrize(("options", "keywords"), OPTION_SETS)
def test_arguments_print_secure_filename_of_each(
    options: list[str], keywords: dict[str, object]
) -> None:
    names = [name for name in HOSTILE_NAMES if "\r" not in name]
    result = run(*options, "--fallback", "upload", "--", *names)
    expected = [secure_filename(name, fallback="upload", **keywords) for name in names]  # type: ignore[arg-type]
    assert result.returncode == ExitStatus.OK, result.stderr
    assert result.stdout.splitlines() == expected


def test_stdin_lines_keep_a_carriage_return_inside_a_name() -> None:
    result = run("--fallback", "upload", stdin="carriage\rreturn\r\nCON.txt\n")
    assert result.stdout.split("\n")[:-1] == [
        secure_filename("carriage\rreturn"),
        secure_filename("CON.txt"),
    ]


def test_literal_rename_is_a_name_after_double_dash() -> None:
    result = run("--", "rename")
    assert (result.returncode, result.stdout) == (ExitStatus.OK, "rename\n")


def test_default_fallback_is_random() -> None:
    first, second = run("中文.txt"), run("中文.txt")
    assert first.stdout != second.stdout
    assert is_safe_filename(first.stdout.strip())


lines = st.text(st.characters(exclude_characters="\n", codec="utf-8"))


@settings(max_examples=15)
@given(st.lists(lines.filter(lambda line: not line.endswith("\r")), min_size=1, max_size=30))
def test_stdin_output_is_secure_filename_of_each_line(names: list[str]) -> None:
    result = run("--fallback", "upload", stdin="".join(f"{name}\n" for name in names))
    assert result.stdout.split("\n")[:-1] == [secure_filename(n, fallback="upload") for n in names]


def reason(name: str, *, allow_unicode: bool = False) -> str | None:
    """The library's reason code for *name*, or None when it is safe."""
    try:
        validate_filename(name, allow_unicode=allow_unicode)
    except UnsafeFilenameError as error:
        return error.reason.value
    return None


@pytest.mark.parametrize("allow_unicode", [False, True])
def test_check_prints_the_reason_of_each_unsafe_name(allow_unicode: bool) -> None:
    names = ["report.pdf", *HOSTILE_NAMES, "Ærø.txt"]
    options = ["--allow-unicode"] if allow_unicode else []
    result = run("--check", *options, "--", *names)
    reasons = [reason(name, allow_unicode=allow_unicode) for name in names]
    printed = [line.rpartition(": ")[2] for line in result.stdout.splitlines()]
    assert printed == [code for code in reasons if code is not None]
    assert result.returncode == ExitStatus.UNSAFE


def test_check_passes_safe_names_silently() -> None:
    result = run("--check", stdin="report.pdf\n_CON.txt\n")
    assert (result.returncode, result.stdout) == (ExitStatus.OK, "")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--max-length", "3", "x"], "at least 8"),
        (["--max-length", "many", "x"], "not an integer"),
        (["--allow-unicode", "--transliterate", "x"], "not allowed with"),
        (["--check", "--fallback", "f", "x"], "--check takes only"),
        (["--fallback", "..", "x"], "--fallback"),
        (["rename"], "required"),
        (["rename", "--frobnicate", "."], "unrecognized"),
    ],
)
def test_bad_options_exit_with_usage_status(arguments: list[str], message: str) -> None:
    result = run(*arguments)
    assert result.returncode == ExitStatus.USAGE
    assert message in result.stderr


# --- commands: the registry, the shorthand, mistyped and future commands --------------------------

COMMANDS = ["sanitize", "check", "rename", "extract", "sweep"]


def test_top_level_help_lists_every_command_and_the_shorthand() -> None:
    result = run("--help")
    assert result.returncode == ExitStatus.OK
    listed = re.findall(r"^    (\S+)", result.stdout, flags=re.MULTILINE)
    assert listed[: len(COMMANDS)] == COMMANDS
    assert "short for 'safename sanitize NAME...'" in " ".join(result.stdout.split())


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_help(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == ExitStatus.OK, result.stderr
    assert result.stdout.startswith(f"usage: safename {command} ")
    assert ("--fallback" in result.stdout) is (command in ("sanitize", "rename"))


def test_version_is_the_installed_distribution_version() -> None:
    from importlib.metadata import version

    result = run("--version")
    build = "compiled" if COMPILED else "pure Python"
    method = no_replace_method()
    expected = f"safename {version('safename')} ({build}; no-clobber rename: {method})\n"
    assert (result.returncode, result.stdout) == (ExitStatus.OK, expected)


@pytest.mark.parametrize(
    ("word", "suggestion"),
    [
        ("renam", "did you mean 'rename'"),
        ("chek", "did you mean 'check'"),
        ("sanitise", "did you mean 'sanitize'"),
        ("checks", "did you mean 'check'"),
        ("audit-route", "did you mean 'audit-routes'"),
        ("swep", "did you mean 'sweep'"),
        ("extrat", "did you mean 'extract'"),
        ("audit-paths", "unknown command 'audit-paths'"),
    ],
)
def test_a_word_that_looks_like_a_missing_command_is_a_usage_error(
    word: str, suggestion: str
) -> None:
    result = run(word, "app:app")
    assert (result.returncode, result.stdout) == (ExitStatus.USAGE, "")
    assert suggestion in result.stderr
    assert f"safename -- {word}" in result.stderr
    literal = run("--", word, "app:app")
    expected = f"{word}\n{secure_filename('app:app')}\n"
    assert (literal.returncode, literal.stdout) == (ExitStatus.OK, expected)


@pytest.mark.parametrize(
    "word", ["name", "report.pdf", "my-report.pdf", "Rename", "RENAME", "sleep", "a b", "中文"]
)
def test_a_name_that_is_not_command_shaped_is_sanitized(word: str) -> None:
    result = run("--fallback", "upload", word) if word == "中文" else run(word)
    assert result.returncode == ExitStatus.OK, result.stderr
    assert result.stdout == secure_filename(word, fallback="upload") + "\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_name_after_double_dash_is_a_name(command: str) -> None:
    assert run("--", command).stdout == f"{command}\n"
    assert run("sanitize", command).stdout == f"{command}\n"


def test_check_command_is_the_old_check_option() -> None:
    names = ["report.pdf", *HOSTILE_NAMES]
    old, new = run("--check", "--", *names), run("check", "--", *names)
    assert (new.returncode, new.stdout) == (old.returncode, old.stdout)
    assert new.returncode == ExitStatus.UNSAFE


@pytest.mark.parametrize("option", ["--transliterate", "--fallback=x"])
def test_check_command_refuses_sanitizing_options(option: str) -> None:
    result = run("check", option, "x")
    assert result.returncode == ExitStatus.USAGE
    assert "unrecognized arguments" in result.stderr


def run_in_process(arguments: list[str]) -> tuple[int, str]:
    """``main(arguments)``: its status and stdout; a usage error is status 2, as in a shell."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()):
        try:
            status = main(arguments)
        except SystemExit as error:
            status = error.code if isinstance(error.code, int) else ExitStatus.USAGE
    return status, output.getvalue()


first_words = st.text(st.characters(codec="utf-8", exclude_characters="\n\r"), min_size=1)


@settings(max_examples=100)  # three runs of main per example
@given(first_words)
def test_shorthand_is_sanitize_or_a_usage_error(word: str) -> None:
    shorthand = run_in_process(["--fallback", "upload", "--", word])
    assert shorthand == run_in_process(["sanitize", "--fallback", "upload", "--", word])
    status, output = run_in_process([word, "--fallback", "upload"])
    if word in COMMANDS or word.startswith("-"):
        return  # an option or a command: not the shorthand's first name
    assert (status, output) in [shorthand, (ExitStatus.USAGE, "")]
    if status == ExitStatus.USAGE:
        assert re.fullmatch(r"[a-z][a-z0-9-]*", word)


# --- safename rename DIR ------------------------------------------------------------------------

# Relative paths of files created for a tree; directories are made on the way.
TREE = [
    "My file.txt",
    "My_file.txt",  # already safe: keeps its name, so "My file.txt" must not take it
    "my file.txt",  # the same name case-folded
    "CON.txt",
    "-rf",
    ".bashrc",
    "bashrc",
    "new\nline",
    "file\u202egnp.exe",
    "中文.txt",
    "bad dir/inner ü.txt",
    "bad dir/deeper dir/CON",
    "bad_dir/already here.txt",  # the directory "bad dir" sanitizes to must not be merged
    "ok/fine.txt",
    "'quoted'",  # printable, but shown quoted so as not to pass for an escaped name
]


def make_tree(root: Path) -> dict[str, str]:
    """Create TREE under *root*, each file holding its own path; return content by path."""
    for relative in TREE:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(relative, encoding="utf-8")
    return snapshot(root)


def snapshot(root: Path) -> dict[str, str]:
    """Every file under *root*: its relative path mapped to its content."""
    return {
        str(path.relative_to(root)): path.read_text(encoding="utf-8")
        for path in root.rglob("*")
        if path.is_file()
    }


def entries(relatives: list[str]) -> set[str]:
    """Every file and directory path that *relatives* name, directories included."""
    return {
        "/".join(parts[:end])
        for parts in map(str.split, relatives, "/" * len(relatives))
        for end in range(1, len(parts) + 1)
    }


def listed_old_paths(stdout: str) -> set[str]:
    """The old paths of ``old -> new`` lines, unquoting those printed as escaped literals."""
    olds = (line.partition(" -> ")[0] for line in stdout.splitlines())
    return {ast.literal_eval(old) if old.startswith(("'", '"')) else old for old in olds}


def test_dry_run_changes_nothing_and_lists_every_change(tmp_path: Path) -> None:
    before = make_tree(tmp_path)
    result = run("rename", "--include-hidden", str(tmp_path), "--fallback", "upload")
    assert result.returncode == ExitStatus.OK, result.stderr
    assert snapshot(tmp_path) == before
    unsafe = {path for path in entries(TREE) if not is_safe_filename(path.rpartition("/")[2])}
    assert listed_old_paths(result.stdout) == unsafe
    assert "dry run" in result.stderr


def test_apply_makes_every_name_safe_and_loses_nothing(tmp_path: Path) -> None:
    before = make_tree(tmp_path)
    dry = run("rename", "--include-hidden", str(tmp_path), "--fallback", "upload")
    result = run("rename", "--include-hidden", "--apply", str(tmp_path), "--fallback", "upload")
    assert result.returncode == ExitStatus.OK, result.stderr
    assert result.stdout == dry.stdout  # the dry run showed exactly what was done
    after = snapshot(tmp_path)
    assert sorted(after.values()) == sorted(before.values())  # no file overwritten or lost
    assert all(is_safe_filename(path.name) for path in tmp_path.rglob("*"))
    assert after["My_file.txt"] == "My_file.txt"  # a safe name is never taken over
    assert after["bad_dir/already here.txt".replace(" ", "_")] == "bad_dir/already here.txt"
    names = [path.name.casefold() for path in tmp_path.iterdir()]
    assert len(names) == len(set(names))  # no two names differ only in case


def test_apply_is_idempotent(tmp_path: Path) -> None:
    make_tree(tmp_path)
    run("rename", "--include-hidden", "--apply", str(tmp_path))
    again = run("rename", "--include-hidden", str(tmp_path))
    assert (again.stdout, again.returncode) == ("", ExitStatus.OK)
    assert "0 of" in again.stderr


def test_apply_renames_a_symlink_not_its_target(tmp_path: Path) -> None:
    (tmp_path / "target.txt").write_text("data")
    (tmp_path / "my link").symlink_to("target.txt")
    run("rename", "--apply", str(tmp_path))
    assert os.readlink(tmp_path / "my_link") == "target.txt"
    assert (tmp_path / "target.txt").read_text() == "data"


creatable_names = st.text(
    st.characters(exclude_characters="/\x00", codec="utf-8"), min_size=1, max_size=20
).filter(lambda name: name not in (".", ".."))


@settings(max_examples=10)
@given(st.lists(creatable_names, min_size=1, max_size=12, unique=True))
def test_apply_keeps_every_file_under_a_safe_unique_name(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        for index, name in enumerate(names):
            (root / name).write_text(str(index))
        result = run("rename", "--include-hidden", "--apply", str(root))
        after = {path.name: path.read_text() for path in root.iterdir()}
    assert result.returncode == ExitStatus.OK, result.stderr
    assert sorted(after.values()) == sorted(map(str, range(len(names))))
    assert all(map(is_safe_filename, after))


@pytest.mark.parametrize(
    ("existing", "message"), [(False, "no such directory"), (True, "not a directory")]
)
def test_bad_directory_exits_with_its_own_status(
    tmp_path: Path, existing: bool, message: str
) -> None:
    path = tmp_path / "given"
    if existing:
        path.write_text("a file, not a directory")
    result = run("rename", str(path))
    assert result.returncode == ExitStatus.NO_SUCH_DIRECTORY
    assert message in result.stderr


@pytest.mark.parametrize(("flag", "drawn"), [("--progress", True), ("--no-progress", False)])
def test_progress_bar_on_stderr_only_when_asked(tmp_path: Path, flag: str, drawn: bool) -> None:
    for index in range(50):
        (tmp_path / f"file {index}").touch()
    result = run("rename", flag, str(tmp_path))
    assert ("50/50" in result.stderr) is drawn
    assert "50/50" not in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_by_default_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    import pty

    for index in range(20):
        (tmp_path / f"file {index}").touch()
    terminal, secondary = pty.openpty()
    with open(os.devnull, "rb") as no_input:
        subprocess.run(
            [sys.executable, "-m", "safename", "rename", str(tmp_path)],
            stdin=no_input,
            stdout=subprocess.DEVNULL,
            stderr=secondary,
            check=True,
            timeout=60,
        )
    os.close(secondary)
    drawn = os.read(terminal, 1 << 16).decode()
    os.close(terminal)
    assert "20/20" in drawn


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "a b").touch()
    assert "[" not in run("rename", str(tmp_path)).stderr


# --- the no-clobber move, in process --------------------------------------------------------------


def test_failed_rename_is_reported_and_sets_the_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(source: str, *_arguments: object) -> bool:
        raise PermissionError(errno.EACCES, "denied by the test", source)

    (tmp_path / "a b").write_text("data")
    (tmp_path / "c d").write_text("data")
    monkeypatch.setattr(descriptors, "rename_no_replace", refuse)
    assert main(["rename", "--apply", str(tmp_path)]) == ExitStatus.RENAME_FAILED
    captured = capsys.readouterr()
    assert captured.err.count("cannot rename") == 2
    assert "cannot rename a b: [Errno 13] denied by the test: 'a b'" in captured.err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a b", "c d"]


def test_hidden_entries_are_left_alone_unless_asked(tmp_path: Path) -> None:
    (tmp_path / ".git" / "bad name").mkdir(parents=True)
    (tmp_path / ".env").write_text("secret")
    (tmp_path / "bad name.txt").write_text("x")
    result = run("rename", "--apply", str(tmp_path))
    assert result.returncode == ExitStatus.OK, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == [".env", ".git", "bad_name.txt"]
    assert (tmp_path / ".git" / "bad name").is_dir()
    everything = run("rename", "--apply", "--include-hidden", str(tmp_path), "--fallback", "x")
    assert everything.returncode == ExitStatus.OK, everything.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad_name.txt", "env", "git"]
    assert (tmp_path / "git" / "bad_name").is_dir()


# --- safename extract, safename sweep ----------------------------------------------------------


def zip_of(members: dict[str, bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def run_with_stderr(arguments: list[str]) -> tuple[int, str, str]:
    output, errors = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(errors):
        status = main(arguments)
    return status, output.getvalue(), errors.getvalue()


def test_extract_lists_what_it_would_write_and_writes_only_with_apply(tmp_path: Path) -> None:
    archive = zip_of({"photos/cat.jpg": b"cat", "notes.txt": b"n"}, tmp_path / "a.zip")
    target = tmp_path / "out"
    target.mkdir()
    status, output, errors = run_with_stderr(["extract", str(archive), str(target)])
    assert (status, output) == (ExitStatus.OK, "photos/cat.jpg\nnotes.txt\n")
    assert "nothing was written (use --apply)" in errors
    assert os.listdir(target) == []
    status, output, errors = run_with_stderr(["extract", "--apply", str(archive), str(target)])
    assert (status, output, errors) == (ExitStatus.OK, output, "extracted 2 entries\n")
    assert (target / "photos" / "cat.jpg").read_bytes() == b"cat"


@pytest.mark.parametrize(
    ("members", "options", "message"),
    [
        ({"ok.txt": b"x", "../evil": b"x"}, [], "'../evil': traversal"),
        ({"a.txt": b"x", "A.txt": b"x"}, [], "collision"),
        ({"CON": b"x"}, [], "device_name"),
        ({"a": b"x", "b": b"y"}, ["--max-members", "1"], "too_many_members"),
        ({"a": b"x" * 100}, ["--max-total-bytes", "99"], "too_large"),
        ({"d/" * 1_200 + "f": b"x"}, [], "too_deep (1201 levels deep, more than 64)"),
        ({"a/b/c": b"x"}, ["--max-depth", "2"], "'a/b/c': too_deep"),
        ({"abc/def": b"x"}, ["--max-path-bytes", "6"], "'abc/def': path_too_long"),
    ],
)
def test_extract_refuses_and_writes_nothing(
    tmp_path: Path, members: dict[str, bytes], options: list[str], message: str
) -> None:
    archive = zip_of(members, tmp_path / "a.zip")
    target = tmp_path / "out"
    target.mkdir()
    status, output, errors = run_with_stderr(
        ["extract", "--apply", *options, str(archive), str(target)]
    )
    assert (status, output) == (ExitStatus.UNSAFE, "")
    assert message in errors
    assert "nothing was written" in errors
    assert os.listdir(target) == []


def test_extract_limits_can_be_raised(tmp_path: Path) -> None:
    name = "d/" * 99 + "f"
    archive = zip_of({name: b"deep"}, tmp_path / "a.zip")
    target = tmp_path / "out"
    target.mkdir()
    options = ["--max-depth", "100", "--max-path-bytes", str(len(name))]
    status, output, _ = run_with_stderr(["extract", "--apply", *options, str(archive), str(target)])
    assert (status, output) == (ExitStatus.OK, f"{name}\n")
    assert (target / name).read_bytes() == b"deep"


def test_extract_refuses_a_corrupt_symlink_member_as_unsafe_not_as_a_write_failure(
    tmp_path: Path,
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("link")
        info.external_attr = 0o120777 << 16  # a symlink
        info.compress_type = zipfile.ZIP_BZIP2
        archive.writestr(info, b"a.txt")
    data = bytearray(buffer.getvalue())
    data[data.index(b"BZh") + 10] ^= 0xFF  # bz2 then raises OSError("Invalid data stream")
    archive_path = tmp_path / "corrupt.zip"
    archive_path.write_bytes(bytes(data))
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_bytes(b"keep")
    status, output, errors = run_with_stderr(
        ["extract", "--apply", "--allow-links", str(archive_path), str(target)]
    )
    assert (status, output) == (ExitStatus.UNSAFE, "")
    assert "refused, nothing was written" in errors
    assert "'link': unreadable" in errors
    assert os.listdir(target) == ["keep.txt"]
    assert (target / "keep.txt").read_bytes() == b"keep"


def test_extract_says_what_is_missing(tmp_path: Path) -> None:
    archive = zip_of({"a": b"x"}, tmp_path / "a.zip")
    status, _, errors = run_with_stderr(["extract", str(archive), str(tmp_path / "missing")])
    assert status == ExitStatus.NO_SUCH_DIRECTORY
    assert "no such directory" in errors
    status, _, errors = run_with_stderr(["extract", str(tmp_path / "none.zip"), str(tmp_path)])
    assert status == ExitStatus.WRITE_FAILED
    assert "No such file" in errors


def test_sweep_lists_and_removes_only_with_apply(tmp_path: Path) -> None:
    with opened_directory(tmp_path) as directory_fd:
        leftover, leftover_fd = make_temporary_directory("upload", directory_fd)
        os.close(leftover_fd)
    (tmp_path / "keep.txt").write_bytes(b"keep")
    status, output, errors = run_with_stderr(["sweep", "--older-than", "0", str(tmp_path)])
    assert (status, output) == (ExitStatus.OK, f"{leftover}\n")
    assert "nothing was removed" in errors
    assert (tmp_path / leftover).exists()
    assert run_with_stderr(["sweep", str(tmp_path)])[1] == ""  # younger than an hour
    status, output, errors = run_with_stderr(
        ["sweep", "--apply", "--older-than", "0", str(tmp_path)]
    )
    assert (status, errors) == (ExitStatus.OK, "removed 1 entries\n")
    assert os.listdir(tmp_path) == ["keep.txt"]


@pytest.mark.parametrize("older_than", [[], ["--older-than", "0"]])
def test_sweep_keeps_and_reports_user_entries_named_like_temporaries(
    tmp_path: Path, older_than: list[str]
) -> None:
    # Issue 23: these were deleted as leftovers.
    (tmp_path / ".safename-upload-fedcba9876543210.part").write_bytes(b"user data")
    (tmp_path / ".safename-extract-0123456789abcdef.part").mkdir()
    (tmp_path / ".safename-extract-0123456789abcdef.part" / "data.txt").write_bytes(b"user")
    then = time.time() - 7200
    for path in tmp_path.rglob("*"):
        os.utime(path, (then, then))
    before = sorted(str(path) for path in tmp_path.rglob("*"))
    status, output, errors = run_with_stderr(["sweep", "--apply", *older_than, str(tmp_path)])
    assert (status, output) == (ExitStatus.OK, "")
    assert errors == (
        "kept: not made by safename: .safename-extract-0123456789abcdef.part\n"
        "kept: not made by safename: .safename-upload-fedcba9876543210.part\n"
        "removed 0 entries\n"
    )
    assert sorted(str(path) for path in tmp_path.rglob("*")) == before


def on_a_terminal(*arguments: str) -> tuple[int, str]:
    """Run the command with a terminal as its stdin and stdout; its status and what it showed."""
    import pty  # Unix only, as the rest of this module's subprocess tests

    pid, terminal = pty.fork()
    if pid == 0:  # the child: stdin and stdout are the terminal
        os.execv(sys.executable, [sys.executable, "-m", "safename", *arguments])
    shown = b""
    # A command that waits for input never closes the terminal: give up rather than hang.
    while select.select([terminal], [], [], 30)[0]:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child closed the terminal: it has exited
            break
        if not chunk:
            break
        shown += chunk
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), shown.decode()


def test_a_bare_command_on_a_terminal_prints_the_usage_instead_of_waiting() -> None:
    status, shown = on_a_terminal()
    assert status == ExitStatus.USAGE
    assert "commands:" in shown
    assert all(command in shown for command in ("sanitize", "check", "rename", "sweep"))


def test_a_dash_reads_names_from_stdin() -> None:
    result = run("-", stdin="CON.txt\n../etc/passwd\n")
    assert result.stdout.splitlines() == ["_CON.txt", "etc_passwd"]
