"""A real Streamlit server and Debian's Chromium, driven by Playwright, with every request recorded."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

PROJECT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("QORGAU_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = PROJECT / "tests" / "artifacts"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_streamlit(region: Path, env_extra: dict | None = None):
    port = _free_port()
    env = {**os.environ, "QORGAU_REGION": str(region), **(env_extra or {})}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT / "server.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not start: {process.stdout.read().decode(errors='replace')[-2000:]}")


PASSWORD = "correct horse battery staple"
"""The password of every user the ``users`` fixture creates."""
USERS = {"boss": "admin", "pat": "planner", "vera": "presenter"}


@pytest.fixture(scope="session")
def users(tmp_path_factory) -> Path:
    """A temporary shared database (QORGAU_SCENARIO_DB for the server) with an admin, a planner and a presenter."""
    from planning.store import access

    db = tmp_path_factory.mktemp("access") / "qorgau.sqlite"
    store = access.AccessStore(db)
    access.create_first_admin(store, "boss", PASSWORD)
    for name, role in USERS.items():
        if role != "admin":
            access.create_user(store, name, role=role, password=PASSWORD, by="boss")
    return db


@pytest.fixture(scope="session")
def server(users):
    process, url = start_streamlit(PROJECT / "data" / "default", {"QORGAU_SCENARIO_DB": str(users)})
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


class RequestLog:
    """Every URL the page asked for; :meth:`external` lists those not on this machine."""

    def __init__(self):
        self.urls: list[str] = []

    def external(self) -> list[str]:
        return [
            u
            for u in self.urls
            if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).hostname not in LOOPBACK
        ]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    log = RequestLog()
    context.on("request", lambda request: log.urls.append(request.url))
    page = context.new_page()
    page.requests = log
    yield page
    context.close()


def map_frame(page, timeout_ms: int = 60_000):
    """The streamlit-folium iframe once Leaflet has drawn in it (scrolled into view: below the fold it stays 0 px
    high until it is seen)."""
    iframe = page.locator("iframe[title='streamlit_folium.st_folium']").first
    iframe.wait_for(state="attached", timeout=timeout_ms)
    iframe.scroll_into_view_if_needed(timeout=timeout_ms)
    frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
    frame.locator(".leaflet-container").wait_for(timeout=timeout_ms)
    return frame


def wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished the current run (its running indicator is gone)."""
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid=stStatusWidget]", state="detached", timeout=timeout_ms)


def sign_in(page, server: str, username: str, password: str = PASSWORD) -> None:
    """Open the app, sign in with the password form and wait for the first page of the role."""
    page.goto(f"{server}/", wait_until="domcontentloaded")
    page.get_by_label("Имя пользователя").fill(username, timeout=60_000)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_selector("[data-testid=stSidebarNav]", timeout=60_000)
    wait_idle(page)


def open_page(page, title: str) -> None:
    """Go to a page through the sidebar (a page.goto would start a new, signed-out session)."""
    page.get_by_role("link", name=title).click()
    wait_idle(page)
