"""The demo in a real headless Chromium: log in, cookie, upload, list, download, log out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from e2e.conftest import CHROMEDRIVER, Page


@pytest.mark.slow
def test_log_in_upload_download_and_log_out(
    page: Page, download_folder: Path, tmp_path: Path
) -> None:
    browser = page.browser
    page.open("/")
    assert page.text("#greeting") == "Welcome"

    browser.find_element(By.ID, "login-link").click()
    browser.find_element(By.ID, "username").send_keys("Ada <Lovelace>")
    page.submit("form.card button[type=submit]")
    assert page.text("#greeting") == "Hello, Ada <Lovelace>!"
    assert "Logged in as Ada <Lovelace>." in page.text(".flash.success")

    cookie = browser.get_cookie("username")
    assert cookie is not None
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    # HttpOnly: the page's own script cannot read the remembered name.
    assert "username" not in browser.execute_script("return document.cookie")

    source = tmp_path / "field notes.txt"
    source.write_bytes(b"observed: 42 swallows\n")
    browser.find_element(By.LINK_TEXT, "Upload").click()
    browser.find_element(By.ID, "the_file").send_keys(str(source))
    page.submit("form.card button[type=submit]")
    assert "Saved field notes.txt as field_notes.txt." in page.text(".flash.success")
    assert (page.server.upload_folder / "field_notes.txt").read_bytes() == source.read_bytes()

    browser.find_element(By.LINK_TEXT, "field_notes.txt").click()
    downloaded = download_folder / "field_notes.txt"
    page.wait_for_file(downloaded)
    assert downloaded.read_bytes() == source.read_bytes()

    page.open("/")
    page.submit("#logout")
    assert page.text("#greeting") == "Welcome"
    assert "Logged out." in page.text(".flash.success")
    assert "Welcome back, Ada <Lovelace>." in page.text("#remembered")
    browser.find_element(By.LINK_TEXT, "Log in again").click()
    assert browser.find_element(By.ID, "username").get_attribute("value") == "Ada <Lovelace>"


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_missing_browser_fails_on_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    require_browser: Callable[[tuple[str, ...]], None],
    ci: str,
    outcome: type[BaseException],
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install chromium chromium-driver"):
        require_browser((str(tmp_path / "no-chromium"), CHROMEDRIVER))
