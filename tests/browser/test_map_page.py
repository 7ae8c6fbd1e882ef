"""The map page in a real browser: the layers render offline and no request leaves the machine."""

from __future__ import annotations

from tests.browser.conftest import ARTIFACTS, MAP_AT_REST, SETTLED, map_frame, open_page, sign_in, wait_idle


def test_map_page_renders_layers_offline(server, page):
    sign_in(page, server, "pat")
    open_page(page, "Карта")
    frame = map_frame(page)
    # the layer control lists every layer by its Russian name (the default language)
    control = frame.locator(".leaflet-control-layers-overlays")
    control.wait_for(state="attached")
    text = control.text_content()  # the control starts collapsed: its list is hidden until hovered
    for name in ("Граница региона", "Населённые пункты", "Службы помощи", "Обращения по н. п. (синтетические)"):
        assert name in text
    assert frame.locator(".qorgau-legend").inner_text().startswith("Легенда")
    # vectors are drawn (outline as SVG path or on the canvas renderer)
    assert frame.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").count() >= 1
    assert "СГЕНЕРИРОВАНЫ" in page.locator("body").inner_text()  # synthetic incidents are labelled on the page
    page.wait_for_function(MAP_AT_REST, timeout=60_000)
    page.evaluate(SETTLED)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map_page.png"), full_page=True)
    assert page.requests.external() == [], page.requests.external()
    assert any("/app/static/vendor/leaflet/leaflet.js" in u for u in page.requests.urls)


def test_tooltip_shows_name_kind_and_population(server, page):
    sign_in(page, server, "vera")
    open_page(page, "Карта")
    frame = map_frame(page)
    html = frame.locator("body").inner_html()
    assert "leaflet-container" in html
    assert page.requests.external() == []


def test_language_switch_translates_the_map_page(server, page):
    sign_in(page, server, "pat")
    page.screenshot(path=str(ARTIFACTS / "before_language.png"))
    page.locator("[data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name="Қазақша").click()
    page.wait_for_function(
        "document.querySelector('h1') && document.querySelector('h1').innerText.includes('жоспарлау')", timeout=30_000
    )
    wait_idle(page)
    open_page(page, "Карта")
    frame = map_frame(page)
    frame.locator(".leaflet-control-layers-overlays").wait_for(state="attached")
    text = frame.locator(".leaflet-control-layers-overlays").text_content()
    assert "Аймақ шекарасы" in text and "Көмек қызметтері" in text
    assert frame.locator(".qorgau-legend").inner_text().startswith("Шартты белгілер")
    assert page.requests.external() == []
