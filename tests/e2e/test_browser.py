"""The demo in a real headless Chromium: log in, cookie, upload, list, download, log out.

Uses Debian's ``chromium`` and ``chromedriver`` (``.ci/run`` installs them on CI); the
demo app is served on a free port of 127.0.0.1 in a thread. Without a browser these tests
skip, saying how to install one, except when the ``CI`` environment variable is set: there a
missing browser is a failure, so that CI cannot pass without running them.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from safename.demo import create_app

CHROMIUM = os.environ.get("SAFENAME_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SAFENAME_CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1100,900",
)


@dataclass(frozen=True)
class LiveServer:
    """The demo app served on a free port of 127.0.0.1."""

    url: str
    upload_folder: Path


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    upload_folder = tmp_path / "uploads"
    app = create_app(
        {
            "SECRET_KEY": "end-to-end test key",
            "UPLOAD_FOLDER": str(upload_folder),
            "MAX_CONTENT_LENGTH": 1024 * 1024,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", upload_folder)
    finally:
        server.shutdown()
        thread.join()


INSTALL_HINT = (
    "install a browser with 'apt-get install chromium chromium-driver' (Debian, Ubuntu), "
    "or point SAFENAME_CHROMIUM and SAFENAME_CHROMEDRIVER at a chromium and its chromedriver"
)


def _browser_missing(paths: tuple[str, ...] = (CHROMIUM, CHROMEDRIVER)) -> str | None:
    for path in paths:
        if not (os.access(path, os.X_OK) or shutil.which(path)):
            return f"{path} is not installed: {INSTALL_HINT}"
    return None


def require_browser(paths: tuple[str, ...] = (CHROMIUM, CHROMEDRIVER)) -> None:
    """Skip the test when a browser is missing, or fail it when ``CI`` is set."""
    missing = _browser_missing(paths)
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so the browser tests must run, but {missing}")
    pytest.skip(missing)


@pytest.fixture
def download_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(tmp_path: Path, download_folder: Path) -> Iterator[WebDriver]:
    require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(download_folder),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


WAIT_SECONDS = 20


def text_of(browser: WebDriver, css: str) -> str:
    return str(browser.find_element(By.CSS_SELECTOR, css).text)


def submit(browser: WebDriver, css: str) -> None:
    """Click a submit button and wait until the next page has replaced this one."""
    old_page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(browser, WAIT_SECONDS).until(expected_conditions.staleness_of(old_page))


@pytest.mark.slow
def test_log_in_upload_download_and_log_out(
    browser: WebDriver, live_server: LiveServer, download_folder: Path, tmp_path: Path
) -> None:
    browser.get(live_server.url + "/")
    assert text_of(browser, "#greeting") == "Welcome"

    browser.find_element(By.ID, "login-link").click()
    browser.find_element(By.ID, "username").send_keys("Ada <Lovelace>")
    submit(browser, "form.card button[type=submit]")
    assert text_of(browser, "#greeting") == "Hello, Ada <Lovelace>!"
    assert "Logged in as Ada <Lovelace>." in text_of(browser, ".flash.success")

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
    submit(browser, "form.card button[type=submit]")
    assert "Saved field notes.txt as field_notes.txt." in text_of(browser, ".flash.success")
    assert (live_server.upload_folder / "field_notes.txt").read_bytes() == source.read_bytes()

    browser.find_element(By.LINK_TEXT, "field_notes.txt").click()
    downloaded = download_folder / "field_notes.txt"
    WebDriverWait(browser, WAIT_SECONDS).until(lambda _: downloaded.is_file())
    assert downloaded.read_bytes() == source.read_bytes()

    browser.get(live_server.url + "/")
    submit(browser, "#logout")
    assert text_of(browser, "#greeting") == "Welcome"
    assert "Logged out." in text_of(browser, ".flash.success")
    assert "Welcome back, Ada <Lovelace>." in text_of(browser, "#remembered")
    browser.find_element(By.LINK_TEXT, "Log in again").click()
    assert browser.find_element(By.ID, "username").get_attribute("value") == "Ada <Lovelace>"


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_missing_browser_fails_on_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install chromium chromium-driver"):
        require_browser((str(tmp_path / "no-chromium"), CHROMEDRIVER))
