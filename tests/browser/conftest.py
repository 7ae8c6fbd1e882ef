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
# Only the Chromium named above: a launch that does not name it fails here instead of falling back to a browser
# Playwright may have downloaded into its cache (~/.cache/ms-playwright).
os.environ["PLAYWRIGHT_BROWSERS_PATH"] = str(PROJECT / "tests" / "artifacts" / "no-cached-browsers")


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


SCRIPT_FINISHED_FIELD = 6
"""Field number of ``script_finished`` in Streamlit's ``ForwardMsg`` (streamlit/proto/ForwardMsg.proto)."""
FINISHED_EARLY_FOR_RERUN = 2
"""``ForwardMsg.ScriptFinishedStatus`` of a run cut short by a rerun: another run follows, so not idle."""
RUN_COUNTER = """(() => {
  // Count the script runs Streamlit's server reports as finished (ForwardMsg.script_finished, read off the
  // websocket): window.__qorgauRuns. wait_idle() waits for it to pass window.__qorgauSeen (the runs waited for).
  if (window.__qorgauRuns !== undefined) return;
  window.__qorgauRuns = 0;
  window.__qorgauSeen = 0;
  const FIELD = SCRIPT_FINISHED_FIELD, EARLY = FINISHED_EARLY_FOR_RERUN;
  const varint = (b, i) => {
    let v = 0, s = 1, x;
    do { x = b[i++]; v += (x & 0x7f) * s; s *= 128; } while (x & 0x80);
    return [v, i];
  };
  const runEnded = (data) => {
    if (!(data instanceof ArrayBuffer)) return false;
    const b = new Uint8Array(data);
    for (let i = 0; i < b.length;) {
      let tag, v;
      [tag, i] = varint(b, i);
      const field = Math.floor(tag / 8), wire = tag & 7;
      if (wire === 0) { [v, i] = varint(b, i); if (field === FIELD) return v !== EARLY; }
      else if (wire === 2) { [v, i] = varint(b, i); i += v; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return false;
    }
    return false;
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => { if (runEnded(event.data)) window.__qorgauRuns += 1; });
    }
  };
})();""".replace("SCRIPT_FINISHED_FIELD", str(SCRIPT_FINISHED_FIELD)).replace(
    "FINISHED_EARLY_FOR_RERUN", str(FINISHED_EARLY_FOR_RERUN)
)
IDLE = """() => window.__qorgauRuns > window.__qorgauSeen
  && !document.querySelector('[data-testid=stStatusWidget]')
  && document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'"""


def new_context(browser, **options):
    """A browser context whose pages count Streamlit's script runs (:data:`RUN_COUNTER`, for :func:`wait_idle`)."""
    context = browser.new_context(**options)
    context.add_init_script(RUN_COUNTER)
    return context


@pytest.fixture
def page(browser):
    context = new_context(browser, viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    log = RequestLog()
    context.on("request", lambda request: log.urls.append(request.url))
    page = context.new_page()
    page.requests = log
    yield page
    context.close()


def map_frame(page, timeout_ms: int = 60_000):
    """The streamlit-folium iframe once Leaflet has drawn in it (scrolled into view: below the fold it stays 0 px
    high until it is seen)."""
    from playwright.sync_api import Error

    iframe = page.locator("iframe[title='streamlit_folium.st_folium']").first
    for attempt in range(3):  # a rerun may replace the map's iframe while it is scrolled to: take the new one
        iframe.wait_for(state="attached", timeout=timeout_ms)
        try:
            iframe.scroll_into_view_if_needed(timeout=timeout_ms)
            break
        except Error as exc:
            if "not attached" not in str(exc) or attempt == 2:
                raise
    frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
    frame.locator(".leaflet-container").wait_for(timeout=timeout_ms)
    return frame


def script_runs(page) -> int:
    """How many script runs of this document's session have finished so far."""
    return int(page.evaluate("() => window.__qorgauRuns"))


def wait_idle(page, timeout_ms: int = 60_000, *, new_run: bool = True) -> None:
    """Wait until Streamlit has finished a run that ended after the previous ``wait_idle`` (or after the document
    was loaded), and nothing runs now: the condition is the server's own ``script_finished`` message (counted by
    :data:`RUN_COUNTER`), never a pause, so it cannot return before the run an action started has even begun.
    Call it after an action that starts a run (a click, a page, a load); ``new_run=False`` only waits until
    nothing runs (after something that may or may not start a run, such as a map component's first value)."""
    condition = IDLE if new_run else IDLE.replace("window.__qorgauRuns > window.__qorgauSeen", "true")
    page.wait_for_function(condition, timeout=timeout_ms)
    page.evaluate("() => { window.__qorgauSeen = window.__qorgauRuns; }")


SETTLED = """() => new Promise((resolve) => {
  // every image loaded or failed (a payload's onerror has had its turn), then two frames painted
  const pending = [...document.images].filter((image) => !image.complete).map((image) => new Promise((done) => {
    image.addEventListener('load', done, {once: true});
    image.addEventListener('error', done, {once: true});
  }));
  Promise.all(pending).then(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))));
})"""
"""A document that has nothing left to load or paint: what a test waits for before saying a payload did not run."""
MAP_AT_REST = """() => { const f = document.querySelector("iframe[title='streamlit_folium.st_folium']");
  const m = f && f.contentWindow && f.contentWindow.map;
  return !!(m && m._loaded && !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress)); }"""
"""The first streamlit-folium map has loaded and is neither zooming nor panning."""


def wait_until(condition, *, timeout_s: float = 60.0, what: str = "the condition") -> None:
    """Wait until ``condition()`` (outside the page: a cookie, an HTTP answer) is true, checking every 0.2 s; an
    AssertionError after ``timeout_s``. A condition, not a pause: it returns as soon as it holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout_s} s")
        time.sleep(0.2)


def sign_in(page, server: str, username: str, password: str = PASSWORD) -> None:
    """Open the app, sign in with the password form and wait for the first page of the role."""
    page.goto(f"{server}/", wait_until="domcontentloaded")
    page.get_by_label("Имя пользователя").fill(username, timeout=60_000)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_selector("[data-testid=stSidebarNav]", timeout=60_000)
    wait_idle(page)


def open_page(page, title: str) -> None:
    """Go to a page through its link (a page.goto would start a new, signed-out session), and return once the
    browser is on that page (its address is the link's) and the page's run has finished. It waits for the run in
    progress to end first, and clicks again when a rerun replaced the link under the click (such a click is lost:
    the session stays on the page it was on)."""
    from playwright.sync_api import Error

    wait_idle(page, new_run=False)
    link = page.get_by_role("link", name=title)
    path = urlparse(link.get_attribute("href", timeout=60_000) or "/").path.rstrip("/")
    for attempt in range(3):
        link.click()
        try:
            page.wait_for_function(
                "(path) => window.location.pathname.replace(/\\/$/, '') === path", arg=path, timeout=20_000
            )
            break
        except Error:
            if attempt == 2:
                raise
            wait_idle(page, new_run=False)
    wait_idle(page)
