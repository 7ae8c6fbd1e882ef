"""Sign-in in a real browser: only the sign-in page before, the role's pages after, sign-out in the sidebar."""

from __future__ import annotations

from tests.browser.conftest import sign_in, wait_idle


def nav_text(page) -> str:
    return page.locator("[data-testid=stSidebarNav]").inner_text()


def test_nothing_but_the_sign_in_page_before_sign_in(server, page):
    for path in ("/", "/map", "/upload", "/users"):
        page.goto(f"{server}{path}", wait_until="domcontentloaded")
        page.get_by_label("Пароль").wait_for(timeout=60_000)
        wait_idle(page)
        body = page.locator("body").inner_text()
        assert "Вход в Qorgau" in body and "Легенда" not in body and "Загрузка данных" not in body, path
        assert page.locator("[data-testid=stSidebarNav]").count() == 0
    assert page.requests.external() == []


def test_wrong_password_is_refused(server, page):
    page.goto(f"{server}/", wait_until="domcontentloaded")
    page.get_by_label("Имя пользователя").fill("pat", timeout=60_000)
    page.get_by_label("Пароль").fill("not the password at all")
    page.get_by_role("button", name="Войти").click()
    page.get_by_text("Неверное имя пользователя или пароль.").wait_for(timeout=30_000)
    assert page.locator("[data-testid=stSidebarNav]").count() == 0


def test_planner_gets_the_upload_page_and_signs_out(server, page):
    sign_in(page, server, "pat")
    assert "Загрузка обращений" in nav_text(page) and "Пользователи" not in nav_text(page)
    assert "Вы вошли как pat (планировщик)" in page.locator("[data-testid=stSidebar]").inner_text()
    page.get_by_role("link", name="Загрузка обращений").click()
    page.get_by_text("Загрузка данных об обращениях").wait_for(timeout=60_000)
    page.get_by_role("button", name="Выйти").click()
    page.get_by_label("Пароль").wait_for(timeout=60_000)
    wait_idle(page)
    assert page.locator("[data-testid=stSidebarNav]").count() == 0
    assert "Загрузка данных об обращениях" not in page.locator("body").inner_text()


def test_presenter_and_admin_see_their_pages(server, page):
    sign_in(page, server, "vera")
    assert "Загрузка обращений" not in nav_text(page) and "Пользователи" not in nav_text(page)
    page.get_by_role("button", name="Выйти").click()
    page.get_by_label("Пароль").wait_for(timeout=60_000)
    sign_in(page, server, "boss")
    assert "Пользователи" in nav_text(page) and "Загрузка обращений" not in nav_text(page)
    page.get_by_role("link", name="Пользователи").click()
    page.get_by_text("Журнал действий").wait_for(timeout=60_000)
    assert page.requests.external() == []
