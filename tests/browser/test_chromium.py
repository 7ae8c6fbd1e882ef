"""The browser tests drive the Chromium the README names (Debian's, /usr/bin/chromium, or QORGAU_CHROMIUM), never
one Playwright downloaded into its cache."""

from __future__ import annotations

import re
import subprocess

from tests.browser.conftest import CHROMIUM


def test_the_browser_is_the_named_chromium(browser):
    stated = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=60).stdout
    version = re.search(r"(\d+\.\d+\.\d+\.\d+)", stated)
    assert version, f"{CHROMIUM} --version said {stated!r}"
    assert browser.version == version.group(1), (browser.version, stated)


def test_a_launch_without_the_named_chromium_fails(browser):
    from playwright.sync_api import Error

    try:
        other = browser.browser_type.launch(headless=True)
    except Error as error:
        assert "no-cached-browsers" in str(error) or "Executable doesn't exist" in str(error)
    else:
        other.close()
        raise AssertionError("Playwright launched a browser of its own cache")
