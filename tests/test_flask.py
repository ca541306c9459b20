"""The Flask extension and ``save_upload``: every guarantee, with real files under tmp_path."""

from __future__ import annotations

import errno
import importlib
import io
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from converter_cases import EXAMPLE_UUID
from cost_support import called
from flask import Flask, url_for
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage
from werkzeug.routing import IntegerConverter, Map

import safename._fs.publish
from safename import ConversionError, is_safe_filename, secure_filename
from safename.flask import (
    SafeName,
    UploadError,
    UploadReason,
    UploadRejectedError,
    UploadStorageError,
    save_upload,
    werkzeug_converter,
)
from safename.routing.converters import DEFAULT_CONVERTERS


def upload(data: bytes, filename: str | None) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=filename)


def files_in(directory: Path) -> list[str]:
    return sorted(entry.name for entry in directory.iterdir())


class EndlessStream(io.RawIOBase):
    """A stream that never ends, counting what was read; it fails like a full disk if told to."""

    def __init__(self, *, fail_after_reads: int | None = None) -> None:
        self.bytes_read = 0
        self.reads = 0
        self.fail_after_reads = fail_after_reads

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self.reads += 1
        if self.fail_after_reads is not None and self.reads > self.fail_after_reads:
            raise OSError(errno.ENOSPC, "No space left on device")
        buffer[:] = b"x" * len(buffer)
        self.bytes_read += len(buffer)
        return len(buffer)


# --- save_upload -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_name", "stored_name"),
    [
        ("report.pdf", "report.pdf"),
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "windows_system32_cmd.exe"),
        ("/absolute/name.txt", "absolute_name.txt"),
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
        ("-rf.txt", "rf.txt"),
        ("a\uff0f..\uff0fb.txt", "a_.._b.txt"),
    ],
)
def test_save_upload_stores_the_sanitized_name(
    tmp_path: Path, client_name: str, stored_name: str
) -> None:
    path = save_upload(upload(b"content", client_name), tmp_path)
    assert path == tmp_path / stored_name
    assert path.read_bytes() == b"content"
    assert files_in(tmp_path) == [stored_name]


def test_save_upload_keeps_the_extension_of_a_name_with_no_usable_stem(tmp_path: Path) -> None:
    path = save_upload(upload(b"x", "中文.txt"), tmp_path)
    assert path.suffix == ".txt"
    assert is_safe_filename(path.name)


@pytest.mark.parametrize(
    ("client_name", "allowed", "max_bytes", "data", "reason"),
    [
        (None, None, None, b"x", UploadReason.EMPTY_NAME),
        ("", None, None, b"x", UploadReason.EMPTY_NAME),
        ("   ", None, None, b"x", UploadReason.EMPTY_NAME),
        ("setup.exe", {"txt"}, None, b"MZ", UploadReason.EXTENSION_NOT_ALLOWED),
        ("archive.tar.gz", {"tar"}, None, b"x", UploadReason.EXTENSION_NOT_ALLOWED),
        ("noextension", {"txt"}, None, b"x", UploadReason.EXTENSION_NOT_ALLOWED),
        ("photo.jpg\x00.php", {"jpg"}, None, b"x", UploadReason.EXTENSION_NOT_ALLOWED),
        ("big.txt", None, 3, b"four", UploadReason.TOO_LARGE),
        ("big.txt", {"txt"}, 0, b"x", UploadReason.TOO_LARGE),
    ],
)
def test_save_upload_refuses_and_leaves_nothing(
    tmp_path: Path,
    client_name: str | None,
    allowed: set[str] | None,
    max_bytes: int | None,
    data: bytes,
    reason: UploadReason,
) -> None:
    with pytest.raises(UploadRejectedError) as caught:
        save_upload(
            upload(data, client_name), tmp_path, allowed_extensions=allowed, max_bytes=max_bytes
        )
    assert caught.value.reason is reason
    assert isinstance(caught.value, ValueError)
    assert files_in(tmp_path) == []


@pytest.mark.parametrize(
    ("client_name", "allowed"),
    [
        ("photo.JPG", {"jpg"}),
        ("photo.jpg", {"JPG"}),
        ("photo.jpg", {".jpg"}),
        ("archive.tar.gz", {"gz"}),
    ],
)
def test_save_upload_compares_extensions_without_case_or_dot(
    tmp_path: Path, client_name: str, allowed: set[str]
) -> None:
    assert save_upload(upload(b"x", client_name), tmp_path, allowed_extensions=allowed).is_file()


def test_save_upload_accepts_exactly_max_bytes(tmp_path: Path) -> None:
    path = save_upload(upload(b"abc", "a.txt"), tmp_path, max_bytes=3)
    assert path.read_bytes() == b"abc"


def test_save_upload_stops_reading_once_over_the_limit(tmp_path: Path) -> None:
    endless = EndlessStream()
    limit = 1024 * 1024
    with pytest.raises(UploadRejectedError, match="too_large"):
        save_upload(FileStorage(io.BufferedReader(endless), filename="a.bin"), tmp_path,
                    max_bytes=limit)  # fmt: skip
    assert endless.bytes_read < 2 * limit
    assert files_in(tmp_path) == []


def test_save_upload_turns_a_read_or_write_failure_into_a_storage_error(tmp_path: Path) -> None:
    stream = io.BufferedReader(EndlessStream(fail_after_reads=1), buffer_size=1024)
    with pytest.raises(UploadStorageError) as caught:
        save_upload(FileStorage(stream, filename="a.bin"), tmp_path)
    assert isinstance(caught.value, OSError)
    assert isinstance(caught.value.__cause__, OSError)
    assert files_in(tmp_path) == []


def test_save_upload_cleans_up_when_the_final_move_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: str, target: str, **directories: int) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(safename._fs.publish, "move_without_replacing", refuse)
    with pytest.raises(UploadStorageError, match="cannot move"):
        save_upload(upload(b"x", "a.txt"), tmp_path)
    assert files_in(tmp_path) == []


def test_save_upload_into_a_missing_directory_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(UploadStorageError):
        save_upload(upload(b"x", "a.txt"), tmp_path / "missing")
    assert files_in(tmp_path) == []


def test_save_upload_keeps_every_concurrent_upload_of_one_name(tmp_path: Path) -> None:
    contents = [f"upload number {index}\n".encode() * (index + 1) for index in range(24)]
    barrier = threading.Barrier(len(contents))
    saved: list[Path] = []
    lock = threading.Lock()

    def save(data: bytes) -> None:
        barrier.wait()
        path = save_upload(upload(data, "same name.txt"), tmp_path)
        with lock:
            saved.append(path)

    threads = [threading.Thread(target=save, args=(data,)) for data in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(saved)) == len(contents)
    assert sorted(path.read_bytes() for path in saved) == sorted(contents)
    assert len(files_in(tmp_path)) == len(contents)


def test_save_upload_errors_share_one_base() -> None:
    assert issubclass(UploadRejectedError, UploadError)
    assert issubclass(UploadStorageError, UploadError)


@given(filename=st.text(min_size=1), data=st.binary(max_size=200))
def test_save_upload_always_stores_inside_the_directory_under_a_safe_name(
    filename: str, data: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if not filename.strip():
            with pytest.raises(UploadRejectedError, match="empty_name"):
                save_upload(upload(data, filename), folder)
            assert os.listdir(folder) == []
            return
        path = save_upload(upload(data, filename), folder)
        assert path.parent == Path(folder)
        assert is_safe_filename(path.name)
        assert path.name == secure_filename(path.name)
        assert path.read_bytes() == data
        assert os.listdir(folder) == [path.name]


@given(data=st.binary(max_size=300), max_bytes=st.integers(min_value=0, max_value=300))
def test_save_upload_saves_exactly_what_fits_and_nothing_else(data: bytes, max_bytes: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = save_upload(upload(data, "a.bin"), folder, max_bytes=max_bytes)
        except UploadRejectedError:
            assert len(data) > max_bytes
            assert os.listdir(folder) == []
        else:
            assert len(data) <= max_bytes
            assert path.read_bytes() == data


# --- SafeName ----------------------------------------------------------------------------


def make_app(config: dict[str, object] | None = None, *, factory: bool = False) -> Flask:
    app = Flask(__name__)
    app.config.update(config or {})
    if factory:
        SafeName().init_app(app)
    else:
        SafeName(app)
    for rule, endpoint in ROUTES:
        app.add_url_rule(rule, endpoint, view_func=lambda **values: repr(values))
    return app


ROUTES = [
    ("/user/<username>", "user"),
    ("/string/<string(maxlength=5):text>", "string"),
    ("/post/<int:post_id>", "post"),
    ("/page/<int(min=1):page>", "page"),
    ("/price/<float:amount>", "price"),
    ("/path/<path:subpath>", "path"),
    ("/color/<any(red, green):color>", "color"),
    ("/item/<uuid:item_id>", "item"),
    ("/files/<filename:name>", "file"),
    ("/short/<filename(max_length=10):name>", "short"),
]
ITEM = EXAMPLE_UUID


@pytest.fixture
def app() -> Iterator[Flask]:
    app = make_app()
    with app.test_request_context():
        yield app


@pytest.mark.parametrize("factory", [False, True])
def test_safename_registers_itself_and_its_config_defaults(factory: bool) -> None:
    app = make_app(factory=factory)
    assert isinstance(app.extensions["safename"], SafeName)
    assert app.config["SAFENAME_CONVERTERS"] is True
    assert app.config["SAFENAME_FILENAME_MAX_LENGTH"] == 255


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/user/ada", {"username": "ada"}),
        ("/user/%3Cb%3E", {"username": "<b>"}),
        ("/string/abc", {"text": "abc"}),
        ("/post/42", {"post_id": 42}),
        ("/page/3", {"page": 3}),
        ("/price/9.5", {"amount": 9.5}),
        ("/path/a/b/c.txt", {"subpath": "a/b/c.txt"}),
        ("/color/red", {"color": "red"}),
        (f"/item/{ITEM}", {"item_id": ITEM}),
        ("/files/report.pdf", {"name": "report.pdf"}),
    ],
)
def test_rules_keep_their_syntax_and_convert(url: str, expected: dict[str, object]) -> None:
    response = make_app().test_client().get(url)
    assert response.status_code == 200
    assert response.text == repr(expected)


@pytest.mark.parametrize(
    "url",
    [
        "/string/toolong",
        "/post/abc",
        "/post/-1",
        "/page/0",
        "/price/abc",
        "/color/blue",
        "/item/not-a-uuid",
        "/files/..",
        "/files/.htaccess",
        "/files/CON.txt",
        "/files/a%20b.txt",
        "/short/much_too_long.txt",
    ],
)
def test_values_the_converter_refuses_answer_404(url: str) -> None:
    assert make_app().test_client().get(url).status_code == 404


@pytest.mark.parametrize(
    ("endpoint", "values", "url"),
    [
        ("user", {"username": "a b"}, "/user/a%20b"),
        ("post", {"post_id": 42}, "/post/42"),
        ("path", {"subpath": "a/b c"}, "/path/a/b%20c"),
        ("color", {"color": "green"}, "/color/green"),
        ("item", {"item_id": ITEM}, f"/item/{ITEM}"),
        ("file", {"name": "report.pdf"}, "/files/report.pdf"),
        # Values that are not text, in `string` and `path`: written as str() writes them.
        ("user", {"username": 42}, "/user/42"),
        ("user", {"username": ITEM}, f"/user/{ITEM}"),
        ("string", {"text": 1.5}, "/string/1.5"),
        ("path", {"subpath": PurePosixPath("a/b c")}, "/path/a/b%20c"),
    ],
)
def test_url_for_builds_urls_that_route_back(
    app: Flask, endpoint: str, values: dict[str, Any], url: str
) -> None:
    assert url_for(endpoint, **values) == url
    assert app.test_client().get(url).status_code == 200


@pytest.mark.parametrize(
    ("endpoint", "values"),
    [
        ("user", {"username": "a/b"}),
        ("post", {"post_id": -1}),
        ("page", {"page": 0}),
        ("color", {"color": "blue"}),
        ("file", {"name": "../etc/passwd"}),
        ("file", {"name": "CON.txt"}),
        ("short", {"name": "much_too_long.txt"}),
        ("string", {"text": 123456}),
        ("user", {"username": b"bytes"}),
        ("path", {"subpath": PurePosixPath("/etc/passwd")}),
    ],
)
def test_url_for_refuses_values_that_would_not_route_back(
    app: Flask, endpoint: str, values: dict[str, Any]
) -> None:
    with pytest.raises(ConversionError, match="cannot build a URL"):
        url_for(endpoint, **values)


def test_url_for_writes_a_number_in_a_string_rule_as_flask_does() -> None:
    app = Flask(__name__)
    SafeName(app)

    @app.route("/item/<id>")
    def item(id: str) -> str:
        return repr(id)

    with app.test_request_context():
        url = url_for("item", id=42)
    assert url == "/item/42"
    assert app.test_client().get(url).text == "'42'"


@pytest.mark.slow
@given(name=st.text(min_size=1, max_size=40))
def test_url_for_a_filename_either_refuses_or_routes_back_to_the_same_name(name: str) -> None:
    app = make_app()
    with app.test_request_context():
        try:
            url = url_for("file", name=name)
        except ConversionError:
            assert not is_safe_filename(name)
            return
    assert app.test_client().get(url).text == repr({"name": name})


def test_opting_out_keeps_werkzeugs_converters_and_adds_filename() -> None:
    app = make_app({"SAFENAME_CONVERTERS": False})
    assert app.url_map.converters["int"] is IntegerConverter
    client = app.test_client()
    assert client.get("/post/42").text == repr({"post_id": 42})
    assert client.get("/files/..").status_code == 404
    with app.test_request_context():
        # Werkzeug's own int converter builds a URL that its rule cannot match.
        assert url_for("post", post_id=-1) == "/post/-1"


def test_filename_config_sets_the_default_converter_options() -> None:
    app = make_app({"SAFENAME_FILENAME_MAX_LENGTH": 8, "SAFENAME_FILENAME_ALLOW_UNICODE": True})
    client = app.test_client()
    assert client.get("/files/%C3%A6.txt").text == repr({"name": "æ.txt"})
    assert client.get("/files/long_name.txt").status_code == 404


def test_extension_save_upload_applies_the_configured_limits(tmp_path: Path) -> None:
    app = make_app({"SAFENAME_UPLOAD_EXTENSIONS": {"txt"}, "SAFENAME_UPLOAD_MAX_BYTES": 4})
    extension: SafeName = app.extensions["safename"]
    with app.app_context():
        assert extension.save_upload(upload(b"abcd", "a.txt"), tmp_path).read_bytes() == b"abcd"
        for client_name, data in [("b.exe", b"x"), ("c.txt", b"abcde")]:
            with pytest.raises(UploadRejectedError):
                extension.save_upload(upload(data, client_name), tmp_path)
    assert files_in(tmp_path) == ["a.txt"]


def test_importing_without_the_flask_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "safename.flask")
    monkeypatch.setitem(sys.modules, "flask", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'safename\[flask\]'"):
        importlib.import_module("safename.flask")


@pytest.mark.parametrize(
    ("name", "text"),
    [("string", "report-2024"), ("path", "docs/a/b.md"), ("float", "2.5"), ("int", "42")],
)
def test_a_matched_text_is_not_checked_again(name: str, text: str) -> None:
    # Werkzeug's regex proved the text's shape: the adapter only reads it
    # (issue 24), while the converter's own to_python still checks it all.
    adapter = werkzeug_converter(DEFAULT_CONVERTERS[name])(Map())
    assert adapter.to_python(text) == adapter.converter.to_python(text)
    names = called(lambda: adapter.to_python(text))
    assert names.count("to_python") == 1  # the adapter's own, not the converter's
    assert not {"_segment_problem", "_check"} & set(names)
    with pytest.raises(ConversionError):  # called directly, the converter checks it all
        adapter.converter.to_python(text + "/" if name != "path" else text + "//")
