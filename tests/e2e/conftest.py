"""What every browser test shares: the demo served on 127.0.0.1, and a headless Chromium.

Uses Debian's ``chromium`` and ``chromedriver`` (``.ci/run`` installs them on CI). Without a
browser the tests skip, saying how to install one, except when the ``CI`` environment
variable is set: there a missing browser is a failure, so that CI cannot pass without them.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from safename.demo import create_app

CHROMIUM = os.environ.get("SAFENAME_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SAFENAME_CHROMEDRIVER", "/usr/bin/chromedriver")
#: A host name the browser resolves to 127.0.0.1, and the demo does not trust.
UNTRUSTED_HOST = "untrusted.example"
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
    # Loopback only: the untrusted name, and nothing else, resolves to this machine.
    f"--host-resolver-rules=MAP {UNTRUSTED_HOST} 127.0.0.1",
)
INSTALL_HINT = (
    "install a browser with 'apt-get install chromium chromium-driver' (Debian, Ubuntu), "
    "or point SAFENAME_CHROMIUM and SAFENAME_CHROMEDRIVER at a chromium and its chromedriver"
)
WAIT_SECONDS = 20


@dataclass(frozen=True)
class LiveServer:
    """The demo app served on a free port of 127.0.0.1."""

    url: str
    port: int
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
        port = server.server_port
        yield LiveServer(f"http://127.0.0.1:{port}", port, upload_folder)
    finally:
        server.shutdown()
        thread.join()


def _browser_missing(paths: tuple[str, ...]) -> str | None:
    for path in paths:
        if not (os.access(path, os.X_OK) or shutil.which(path)):
            return f"{path} is not installed: {INSTALL_HINT}"
    return None


def _require_browser(paths: tuple[str, ...] = (CHROMIUM, CHROMEDRIVER)) -> None:
    missing = _browser_missing(paths)
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so the browser tests must run, but {missing}")
    pytest.skip(missing)


@pytest.fixture
def require_browser() -> Callable[[tuple[str, ...]], None]:
    """Skip the test when a browser is missing, or fail it when ``CI`` is set."""
    return _require_browser


@pytest.fixture
def download_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(tmp_path: Path, download_folder: Path) -> Iterator[WebDriver]:
    _require_browser()
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


@dataclass(frozen=True)
class Page:
    """The browser on the demo: open a path, read an element, submit a form, wait."""

    browser: WebDriver
    server: LiveServer

    def open(self, path: str, *, host: str = "127.0.0.1") -> None:
        self.browser.get(f"http://{host}:{self.server.port}{path}")

    def element(self, css: str) -> WebElement:
        """The first element *css* selects, waiting while the page that has it loads."""
        located = expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
        element: WebElement = WebDriverWait(self.browser, WAIT_SECONDS).until(located)
        return element

    def text(self, css: str) -> str:
        return str(self.element(css).text)

    def style(self, css: str, prop: str) -> str:
        """The computed value of a CSS property of the first element *css* selects."""
        return str(self.element(css).value_of_css_property(prop))

    def submit(self, css: str) -> None:
        """Click a submit button and wait until the next page has replaced this one."""
        old_page = self.browser.find_element(By.TAG_NAME, "html")
        self.browser.find_element(By.CSS_SELECTOR, css).click()
        WebDriverWait(self.browser, WAIT_SECONDS).until(lambda _: _is_gone(old_page))

    def wait_for_file(self, path: Path) -> None:
        WebDriverWait(self.browser, WAIT_SECONDS).until(lambda _: path.is_file())


@pytest.fixture
def page(browser: WebDriver, live_server: LiveServer) -> Page:
    return Page(browser, live_server)


def _is_gone(element: WebElement) -> bool:
    """Whether *element* has left the document: its page was replaced.

    Chromium sometimes answers for a node of the page just left with an
    "unknown error" that it "does not belong to the document", not a stale
    reference; that too means the page was replaced.
    """
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise
    return False
