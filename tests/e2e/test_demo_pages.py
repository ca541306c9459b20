"""What the demo's pages look like in a real Chromium: errors, the footer, /extract, escapes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from e2e.conftest import UNTRUSTED_HOST, Page

FOOTER = (
    "safename demo: Flask's quickstart, with every untrusted name made safe. "
    "MIT License, © 2026 safename developers."
)
# What makes a page look like the demo: the page's colours, the bar, the brand, the footer.
LOOK = [
    ("body", "background-color"),
    ("header", "background-color"),
    ("header", "border-bottom-color"),
    ("nav .brand", "font-weight"),
    ("main", "max-width"),
    ("footer", "border-top-style"),
    ("footer", "color"),
]


def look_of(page: Page) -> dict[tuple[str, str], str]:
    return {(css, prop): page.style(css, prop) for css, prop in LOOK}


def zip_file(folder: Path, name: str, members: list[tuple[str, bytes]]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, data in members:
            archive.writestr(member, data)
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "host", "heading"),
    [
        ("/no/such/page", "127.0.0.1", "404 Not Found"),
        ("/uploads/", UNTRUSTED_HOST, "400 Bad Request"),
    ],
)
def test_an_error_page_has_the_look_of_every_page(
    page: Page, path: str, host: str, heading: str
) -> None:
    page.open("/hello")
    expected = look_of(page)
    assert expected[("body", "background-color")] == "rgba(246, 248, 250, 1)"
    page.open(path, host=host)
    assert page.text("h1") == heading
    assert page.text(".error-description")
    assert page.text("nav .brand") == "safename demo"
    assert look_of(page) == expected
    assert page.text("footer") == FOOTER


@pytest.mark.slow
def test_the_footer_reads_like_a_footer_not_like_the_request(page: Page) -> None:
    page.open("/user/ada")
    assert page.text("footer") == FOOTER
    assert "GET" not in page.text("footer")
    assert "/user" not in page.text("footer")


@pytest.mark.slow
def test_a_hidden_character_shows_as_its_escape(page: Page) -> None:
    page.open("/user/evil%E2%80%AEtxt.exe")
    assert page.text("#value") == "User evil\\u202etxt.exe"


@pytest.mark.slow
def test_extract_lists_each_file_in_the_archives_folder_and_each_downloads(
    page: Page, tmp_path: Path, download_folder: Path
) -> None:
    archive = zip_file(tmp_path, "photos.zip", [("sub/notes.txt", b"notes"), ("photo.png", b"png")])
    page.open("/extract")
    page.browser.find_element(By.ID, "archive").send_keys(str(archive))
    page.submit("form.card button[type=submit]")
    assert page.text("#summary") == "Extracted 2 files from photos.zip into photos/:"
    assert page.text("#extracted") == "photos/sub/notes.txt\nphotos/photo.png"

    page.browser.find_element(By.LINK_TEXT, "photos/sub/notes.txt").click()
    downloaded = download_folder / "notes.txt"
    page.wait_for_file(downloaded)
    assert downloaded.read_bytes() == b"notes"

    page.open("/uploads/")
    listed = page.text("table.files tbody")
    assert "photos/photo.png" in listed
    assert "photos/sub/notes.txt" in listed


@pytest.mark.slow
def test_extract_refuses_a_whole_archive_naming_the_member(page: Page, tmp_path: Path) -> None:
    members = [("sub/notes.txt", b"n"), ("tool.exe", b"MZ"), ("photo.png", b"png")]
    archive = zip_file(tmp_path, "photos.zip", members)
    page.open("/extract")
    page.browser.find_element(By.ID, "archive").send_keys(str(archive))
    page.submit("form.card button[type=submit]")
    refusal = page.text(".flash.error")
    assert "nothing was written" in refusal
    assert "member 'tool.exe': .exe files are not accepted" in refusal
    assert not page.browser.find_elements(By.ID, "extracted")
    assert list(page.server.upload_folder.iterdir()) == []
