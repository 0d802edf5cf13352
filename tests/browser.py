"""Debian's headless chromium for the browser tests of the dashboard and the
ward: one way to start it, one way to wait for the page a form leads to, and
one way to take a full-page screenshot."""

from __future__ import annotations

import shutil
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers import ROOT

SCREENSHOTS = ROOT / "build" / "screenshots"


def chromium(accept_languages: str | None = None) -> webdriver.Chrome:
    """Headless chromium; `accept_languages` ("ko,en") is what its user asks pages for first."""
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert binary, "Debian's chromium is needed: ./setup.sh --test installs it"
    assert driver, "Debian's chromium-driver is needed: ./setup.sh --test installs it"
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--hide-scrollbars",
        # No calls home: on a closed network each is refused, many at a time,
        # beside the page under test; the tests load only loopback pages.
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(flag)
    if accept_languages is not None:
        options.add_experimental_option("prefs", {"intl.accept_languages": accept_languages})
    return webdriver.Chrome(service=Service(driver), options=options)


def shoot(browser: webdriver.Chrome, name: str, width: int, then_height: int | None = None) -> Path:
    """A full-page screenshot at this width, saved as build/screenshots/<name>-<width>.png.
    The window is left as tall as the page, or `then_height` tall where given."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(width, max(height, 600))
    path = SCREENSHOTS / f"{name}-{width}.png"
    browser.save_screenshot(str(path))
    if then_height is not None:
        browser.set_window_size(width, then_height)
    return path


def click_for_next_page(browser: webdriver.Chrome, element: WebElement, timeout: float = 10) -> None:
    """Click `element` (a form's button, a link) and wait until a new document has loaded.

    The old page is marked with a script variable and the wait is for a page
    without it. Waiting for an old element to go stale instead races the
    navigation: chromedriver can answer "Node with given id does not belong
    to the document", which is not a StaleElementReferenceException."""
    browser.execute_script("window.kioskLeaving = true; arguments[0].scrollIntoView()", element)
    element.click()
    WebDriverWait(browser, timeout, ignored_exceptions=(WebDriverException,)).until(
        lambda b: b.execute_script("return window.kioskLeaving !== true && document.readyState === 'complete'")
    )
