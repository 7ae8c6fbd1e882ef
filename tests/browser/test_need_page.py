"""The Need page in a real browser: a planner sets the rate on the bundled region, the hidden-need map is drawn in
the first screen under the title with its legend and no incident point, and the rate is removed again (the shared
test database is left without a rate, as the other browser tests expect)."""

from __future__ import annotations

from tests.browser.conftest import ARTIFACTS, map_frame, open_page, sign_in, wait_idle

TITLE = "Потребность"


def test_a_planner_sets_the_rate_and_sees_hidden_need_on_the_map(server, page):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, server, "pat")
    open_page(page, TITLE)
    page.get_by_label("Показатель: случаев в год на 1\u00a0000 жителей").fill("0.8")
    page.get_by_label("Нижняя граница диапазона").fill("0.5")
    page.get_by_label("Верхняя граница диапазона").fill("1.2")
    page.get_by_role("textbox", name="Источник (обязательно): издание, таблица, год").fill(
        "test-only source, not a published rate"
    )
    page.get_by_role("button", name="Сохранить показатель").click()
    page.get_by_text("Показатель сохранён").wait_for(timeout=60_000)
    wait_idle(page, new_run=False)
    frame = map_frame(page)
    main = page.locator("[data-testid=stMain]")
    page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollTo(0, 0)")
    box = page.locator("iframe[title='streamlit_folium.st_folium']").first.bounding_box()
    assert box is not None and box["y"] < main.bounding_box()["height"], box  # the map starts in the first screen
    legend = frame.locator(".qorgau-legend")
    legend.wait_for(state="visible", timeout=60_000)
    assert "Обращений на ожидаемый случай" in legend.inner_text()
    # districts only: every marker is a district name (no service, settlement or incident marker)
    assert frame.locator(".leaflet-marker-icon").count() == frame.locator(".leaflet-marker-icon .qorgau-label").count()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "need_page.png"))
    page.get_by_role("button", name="Удалить сохранённый показатель").click()
    page.get_by_text("Сохранённый показатель удалён").wait_for(timeout=60_000)
    assert page.locator("[data-testid=stException]").count() == 0
    assert not errors, errors
    assert page.requests.external() == [], page.requests.external()
