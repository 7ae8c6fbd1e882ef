"""Sessions and exports in a real browser against server.py: a reload (F5) keeps a presenter signed in through the
HttpOnly session cookie; an export is built on the click, recorded in the audit log, and its URL gives nothing to
anyone else (and soon not even to the same browser)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path

from planning.store import access
from tests.browser.conftest import open_page, sign_in, wait_idle, wait_until

COOKIE = "qorgau_session"
"""planning.store.access.SESSION_COOKIE, spelled out so that this test also runs (and fails) on a build without it."""


def session_cookie(page, timeout_s: float = 30.0) -> dict:
    """The session cookie once the page has had the browser fetch it."""

    def found() -> list[dict]:
        return [c for c in page.context.cookies() if c["name"] == COOKIE]

    wait_until(lambda: bool(found()), timeout_s=timeout_s, what=f"a {COOKIE} cookie")
    return found()[0]


def sidebar(page) -> str:
    return page.locator("[data-testid=stSidebar]").inner_text()


def test_reload_keeps_the_presenter_signed_in_until_sign_out(server, page, users):
    sign_in(page, server, "vera")
    cookie = session_cookie(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find(COOKIE) == -1  # page scripts never see it
    page.reload(wait_until="domcontentloaded")  # F5 during the meeting
    page.wait_for_selector("[data-testid=stSidebarNav]", timeout=60_000)
    wait_idle(page)
    assert "Вы вошли как vera" in sidebar(page)
    assert access.entries(access.AccessStore(users), user="vera", action="sign-in resumed")

    page.get_by_role("button", name="Выйти").click()
    page.get_by_label("Пароль").wait_for(timeout=60_000)
    page.reload(wait_until="domcontentloaded")  # the cookie of an ended session brings nobody back
    page.get_by_label("Пароль").wait_for(timeout=60_000)
    wait_idle(page)
    assert page.locator("[data-testid=stSidebarNav]").count() == 0


def _get(url: str, cookie: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_export_is_built_on_click_audited_and_served_only_to_its_session(server, page, users):
    sign_in(page, server, "pat")
    cookie = session_cookie(page)
    open_page(page, "Отчёты и выгрузки")
    page.get_by_role("button", name="Подготовить файлы").click()
    wait_idle(page, timeout_ms=180_000)
    button = page.get_by_role("button", name="Таблица н. п. (CSV)")
    button.wait_for(timeout=60_000)
    assert not re.search(r"(?<!static)/media/[0-9a-f]{16}", page.content())  # no file (URL) before the click
    with page.expect_download(timeout=120_000) as info:
        button.click()
    download = info.value
    assert download.url.startswith(f"{server}/media/"), download.url
    assert Path(download.path()).read_bytes()  # the signed-in browser got the file

    logged = access.entries(access.AccessStore(users), user="pat", action="download")
    assert logged and logged[0].object.startswith("qorgau-settlements.csv (")
    assert _get(download.url) == 403  # anonymous: nothing, at once
    # and soon gone for everyone: server.DOWNLOAD_GRACE_S after it was served (the condition, not the constant)
    owner = f"{cookie['name']}={cookie['value']}"
    wait_until(lambda: _get(download.url, owner) == 404, timeout_s=120, what="the download gone (404)")
