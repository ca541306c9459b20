"""No hidden character of a client's text reaches a page of the demo, on any route that echoes.

Hidden: C0 and C1 controls and DEL, format characters (bidi overrides and isolates,
zero-width characters), line and paragraph separators, and Unicode's other
default-ignorable code points. The demo shows each as an escape (``\\u202e``).
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from safename.demo import create_app
from safename.demo.text import visible
from safename.strategies import hostile_filenames
from safename.strategies.filenames import hidden_characters

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), written out here so
# that the test does not share the demo's definition of what is hidden.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# The templates' own line breaks and indentation.
TEMPLATE_WHITESPACE = frozenset("\n")


def is_hidden(character: str) -> bool:
    if character in TEMPLATE_WHITESPACE:
        return False
    code = ord(character)
    return unicodedata.category(character) in HIDDEN_CATEGORIES or any(
        low <= code <= high for low, high in DEFAULT_IGNORABLE
    )


def hidden_in(page: str) -> list[str]:
    return sorted({ascii(character) for character in page if is_hidden(character)})


def header_text(text: str) -> str:
    """*text* as a WSGI server hands a header to the app: its UTF-8 bytes read as Latin-1.

    A header ends at CR or LF, so no server hands the app one that holds either: the
    rest of the line is cut off (and the test client refuses such a header outright).
    """
    line = text.split("\r", 1)[0].split("\n", 1)[0]
    return line.encode("utf-8").decode("latin-1")


def zip_of(member: str) -> bytes:
    # zipfile cuts a name at its first NUL, and cannot write a member whose name is then empty.
    name = member if member.partition("\x00")[0] else "m" + member
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, b"x")
    return buffer.getvalue()


Echo = Callable[[FlaskClient, str], list[TestResponse]]


def user_page(client: FlaskClient, text: str) -> list[TestResponse]:
    return [client.get("/user/" + quote(text, safe=""))]


def path_page(client: FlaskClient, text: str) -> list[TestResponse]:
    return [client.get("/path/" + quote(text, safe="/"))]


def search_page(client: FlaskClient, text: str) -> list[TestResponse]:
    return [client.get("/search", query_string={"q": text})]


def login_then_index(client: FlaskClient, text: str) -> list[TestResponse]:
    answer = client.post("/login", data={"username": text})
    return [answer, client.get("/"), client.get("/login")]


def remembered_name(client: FlaskClient, text: str) -> list[TestResponse]:
    client.set_cookie("username", text)
    return [client.get("/"), client.get("/login")]


def upload_then_list(client: FlaskClient, text: str) -> list[TestResponse]:
    data = {"the_file": (io.BytesIO(b"x"), text + ".txt")}
    answer = client.post("/upload", data=data, content_type="multipart/form-data")
    return [answer, client.get("/uploads/")]


def extract_page(client: FlaskClient, text: str) -> list[TestResponse]:
    data = {"archive": (io.BytesIO(zip_of(text)), text + ".zip")}
    return [client.post("/extract", data=data, content_type="multipart/form-data")]


def content_type_error(client: FlaskClient, text: str) -> list[TestResponse]:
    headers = {"Content-Type": header_text(text)}
    return [client.post("/login", data=b"username=ada", headers=headers)]


def host_error(client: FlaskClient, text: str) -> list[TestResponse]:
    return [client.get("/", headers={"Host": header_text(text)})]


ECHOES: dict[str, Echo] = {
    "user": user_page,
    "path": path_page,
    "search": search_page,
    "login": login_then_index,
    "cookie": remembered_name,
    "upload": upload_then_list,
    "extract": extract_page,
    "content-type": content_type_error,
    "host": host_error,
}

client_texts = st.one_of(
    hidden_characters(allow_surrogates=False), hostile_filenames(allow_surrogates=False)
)


def make_client(tmp_path: Path) -> FlaskClient:
    app: Flask = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "WTF_CSRF_ENABLED": False,
        }
    )
    return app.test_client()


@pytest.mark.parametrize("route", ECHOES)
@given(text=client_texts)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_hidden_character_of_a_client_reaches_the_page(
    tmp_path: Path, route: str, text: str
) -> None:
    client = make_client(tmp_path)
    for response in ECHOES[route](client, text):
        assert hidden_in(response.text) == [], (route, response.status_code)


@pytest.mark.parametrize(
    ("route", "text", "shown"),
    [
        ("user", "\x00", "User \\x00"),
        ("user", "evil\u202etxt.exe", "User evil\\u202etxt.exe"),
        ("path", "a/\u200bb", "Subpath a/\\u200bb"),
        ("search", "x\u2066y", "Results for “x\\u2066y”"),
        ("login", "ada\u061c", "Hello, ada\\u061c!"),
        ("upload", "q\x1b[31m", "Saved q\\x1b[31m.txt as q31m.txt."),
        ("extract", "\u3164.txt", "member &#39;\\u3164.txt&#39;"),
        # A server reads a header's bytes as Latin-1: U+202E arrives as "â\x80®".
        ("host", "\u202eevil", "Host &#39;â\\x80®evil&#39;"),
    ],
)
def test_a_hidden_character_is_shown_as_its_escape(
    tmp_path: Path, route: str, text: str, shown: str
) -> None:
    # The property above would also hold if the pages dropped the text: they show it.
    pages = ECHOES[route](make_client(tmp_path), text)
    assert any(shown in page.text for page in pages), [page.text for page in pages]


@pytest.mark.parametrize(
    "character", ["\x00", "\x1f", "\x7f", "\x85", "\u00ad", "\u200d", "\u2028", "\U000e0041"]
)
def test_visible_escapes_what_the_oracle_calls_hidden(character: str) -> None:
    assert is_hidden(character)
    assert visible(character) == ascii(character)[1:-1]


@pytest.mark.parametrize("character", ["a", "é", "中", "😀", " ", "\u0301", "<"])
def test_visible_keeps_what_a_reader_sees(character: str) -> None:
    assert not is_hidden(character)
    assert visible(character) == character
