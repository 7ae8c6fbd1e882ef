"""Every page a planner and a presenter can open, in a real browser: no script error, no exception box, every map
drawn, nothing asked of any other machine. AppTest cannot see any of this: it runs no JavaScript."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, SETTLED, open_page, sign_in, wait_idle

PAGES = {  # sidebar title -> (button to press first or None, whether the page must then draw a map)
    "Главная": (None, False),
    "Карта": (None, True),
    "Сценарии": (None, True),
    "Сравнение": (None, False),
    "Предложить места": ("Подобрать места", True),
    "Отчёты и выгрузки": (None, False),
    "Дороги": (None, False),
}


@pytest.mark.parametrize("username", ["pat", "vera"])
def test_every_page_renders_in_the_browser(server, page, username):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, server, username)
    offered = page.locator("[data-testid=stSidebarNav] a").all_inner_texts()
    for title, (button, has_map) in PAGES.items():
        if not any(title in text for text in offered):
            continue
        open_page(page, title)
        if button:
            page.get_by_role("button", name=button).click()
            wait_idle(page)
        page.evaluate(SETTLED)
        assert page.locator("[data-testid=stException]").count() == 0, f"{title}: an exception is shown"
        maps = page.locator("iframe[title='streamlit_folium.st_folium']")
        if has_map:
            maps.first.scroll_into_view_if_needed(timeout=60_000)
        for i in range(maps.count()):
            maps.nth(i).scroll_into_view_if_needed()
            page.frame_locator("iframe[title='streamlit_folium.st_folium']").nth(i).locator(
                ".leaflet-container"
            ).wait_for(state="visible", timeout=60_000)
        wait_idle(page, new_run=False)
        assert not errors, f"{title}: {errors}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"last_page_{username}.png"))
    assert page.requests.external() == [], page.requests.external()
