"""Debian's headless chromium for the browser tests of the dashboard and the
ward: one way to start it and one way to take a full-page screenshot."""

from __future__ import annotations

import shutil
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.helpers import ROOT

SCREENSHOTS = ROOT / "build" / "screenshots"


def chromium(accept_languages: str | None = None) -> webdriver.Chrome:
    """Headless chromium; `accept_languages` ("ko,en") is what its user asks pages for first."""
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert binary, "Debian's chromium is needed: ./setup.sh --test installs it"
    assert driver, "Debian's chromium-driver is needed: ./setup.sh --test installs it"
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars"):
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
