"""Two app servers behind HAProxy with sticky sessions (deploy/haproxy.cfg, issue 23 item 5): a planner signs in
through the proxy and opens the Map, whose map draws (the session's WebSocket goes through the proxy to the server
its cookie names); a second browser is sent to the other server and works there too; when the first browser's
server stops, a reload takes it to the other one, still signed in (the session is in the shared store). Run on a
shared SQLite file and on PostgreSQL (:func:`tests.multi_store.shared_store`)."""

from __future__ import annotations

import pytest

from planning.i18n import t
from tests.browser.conftest import (
    ARTIFACTS,
    PROJECT,
    _free_port,
    map_frame,
    new_context,
    open_page,
    sign_in,
    start_streamlit,
    wait_idle,
)
from tests.multi_store import add_users, haproxy_binary, shared_store, start_haproxy  # noqa: F401

if haproxy_binary() is None:
    pytest.skip("haproxy is not installed (`make test` installs Debian's haproxy)", allow_module_level=True)

STICKY_COOKIE = "QORGAU_SERVER"
"""The cookie deploy/haproxy.cfg inserts to keep a browser on one server."""


def test_sign_in_and_map_through_the_proxy(browser, shared_store):  # noqa: F811
    env = shared_store
    add_users(env, ["pat", "ana"])
    servers = [start_streamlit(PROJECT / "data" / "default", {**env, "QORGAU_CLIENT_HEADER": "X-Real-IP"})]
    servers.append(start_streamlit(PROJECT / "data" / "default", {**env, "QORGAU_CLIENT_HEADER": "X-Real-IP"}))
    proxy, url = start_haproxy([served_url for _, served_url in servers], _free_port())
    contexts = []
    try:
        stuck_to, pages = [], []
        for name, lang in (("pat", "ru"), ("ana", "kk")):
            context = new_context(browser, viewport={"width": 1400, "height": 1000}, locale="ru-RU")
            contexts.append(context)
            page = context.new_page()
            pages.append(page)
            sign_in(page, url, name)
            if lang == "kk":  # the second one reads Kazakh: the language choice is a run on its own server
                page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
                page.get_by_role("option", name="Қазақша").click()
                page.get_by_role("link", name=t("nav.home", lang)).wait_for(timeout=60_000)
                wait_idle(page)
            open_page(page, t("nav.map", lang))
            frame = map_frame(page)
            assert frame.locator(".leaflet-container").count() == 1
            assert page.locator("[data-testid=stException]").count() == 0
            cookies = {c["name"]: c["value"] for c in context.cookies()}
            assert cookies.get(STICKY_COOKIE) in {"app1", "app2"}, cookies
            stuck_to.append(cookies[STICKY_COOKIE])
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"proxy_map_{lang}.png"))
        # the first browser's WebSocket holds a connection to its server: the least loaded one is the other
        assert sorted(stuck_to) == ["app1", "app2"], stuck_to

        # the first browser's server stops: a reload is sent to the other one and resumes the session (its cookie)
        gone = servers[int(stuck_to[0].removeprefix("app")) - 1][0]
        gone.terminate()
        gone.wait(timeout=30)
        page = pages[0]
        page.reload(wait_until="domcontentloaded")
        page.wait_for_selector("[data-testid=stSidebarNav]", timeout=120_000)
        wait_idle(page, 120_000)
        map_frame(page)
        assert page.get_by_label("Пароль").count() == 0  # not signed out
        cookies = {c["name"]: c["value"] for c in contexts[0].cookies()}
        assert cookies.get(STICKY_COOKIE) == stuck_to[1], cookies
    finally:
        for context in contexts:
            context.close()
        proxy.terminate()
        proxy.wait(timeout=10)
        for process, _ in servers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
