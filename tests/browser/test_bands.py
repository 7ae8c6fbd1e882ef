"""The map page in a real browser after sign-in: isochrone bands drawn as nested fills, listed in the layer control
and the legend with the method that made them, and no request leaving the machine.

"""

from __future__ import annotations

from tests.browser.conftest import ARTIFACTS, map_frame, open_page, sign_in, wait_idle


def test_bands_render_after_sign_in(server, page):
    sign_in(page, server, "pat")
    open_page(page, "Карта")
    frame = map_frame(page)
    wait_idle(page, new_run=False)
    control = frame.locator(".leaflet-control-layers-overlays")
    control.wait_for(state="attached")
    assert "Зоны доступности (мин)" in control.text_content()
    legend = frame.locator(".qorgau-legend").text_content()
    for text in ("до 15 мин до службы", "до 30 мин до службы", "до 60 мин до службы", "по дорожной сети"):
        assert text in legend, text
    assert "(estimate)" not in legend
    # three nested fills per map (one per band), drawn as vector paths or on the canvas
    assert frame.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").count() >= 1
    caption = page.locator("body").inner_text()
    assert "по дорожной сети" in caption and "(network)" not in caption  # the caption: the partial real roads
    scale = frame.locator(".leaflet-control-scale").inner_text()
    assert "km" in scale and "mi" not in scale.split()  # kilometres only
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map_bands.png"), full_page=True)
    assert page.requests.external() == [], page.requests.external()
