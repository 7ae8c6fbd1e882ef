"""The Scenarios map keeps its base drawn while the scenario changes (issue 24, planning.render.layered): a site added
by a click and another gap threshold swap the overlay's layers in the same map document, with one legend and one
layer control listing every layer."""

from __future__ import annotations

from tests.browser.conftest import ARTIFACTS, MAP_AT_REST, map_frame, open_page, sign_in, wait_idle

FRAME = "iframe[title='streamlit_folium.st_folium']"
OVERLAY_DRAWN = "() => window.map && window.__qorgauOverlay && window.map.qorgauDataBounds"
LAYER_SIZES = "() => window.__qorgauOverlay.layers.map((layer) => layer.getLayers ? layer.getLayers().length : 1)"
SERVICES = "Службы помощи"
SERVICE_COUNT = """() => window.__qorgauOverlay.layers.filter((layer) => layer.getLayers && layer.getLayers().length
  && layer.getLayers()[0].feature && 'service_id' in layer.getLayers()[0].feature.properties)
  .map((layer) => layer.getLayers().length)"""


def _map_document(page):
    return page.locator(FRAME).first.element_handle().content_frame()


def _controls(frame) -> dict:
    return frame.evaluate(
        """() => ({
          legends: document.querySelectorAll('.qorgau-legend').length,
          controls: document.querySelectorAll('.leaflet-control-layers').length,
          names: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
            .map((l) => l.innerText.trim()),
          mark: window.__qorgauMark || null,
        })"""
    )


def test_adding_a_site_and_changing_the_threshold_swap_layers_in_the_same_map(server, page):
    sign_in(page, server, "pat")
    open_page(page, "Сценарии")
    page.get_by_role("button", name="Скопировать в новый сценарий").click()
    page.get_by_text("добавляет службу", exact=True).wait_for(timeout=60_000)
    page.get_by_text("добавляет службу", exact=True).click()
    wait_idle(page)
    map_frame(page)
    wait_idle(page, new_run=False)
    page.wait_for_function(MAP_AT_REST, timeout=60_000)
    frame = _map_document(page)
    frame.wait_for_function(OVERLAY_DRAWN, timeout=60_000)
    frame.evaluate("() => { window.__qorgauMark = 'the first document'; }")
    before = frame.evaluate(LAYER_SIZES)
    services = frame.evaluate(SERVICE_COUNT)
    figures = page.locator("[data-testid=stMetricValue]")
    shown = figures.nth(1).inner_text()
    point = frame.evaluate("() => window.map.latLngToContainerPoint([42.9, 68.9])")
    page.frame_locator(FRAME).first.locator(".leaflet-container").click(position={"x": point["x"], "y": point["y"]})
    page.wait_for_function(
        "([shown]) => { const v = document.querySelectorAll('[data-testid=stMetricValue]')[1];"
        " return v && v.innerText !== shown; }",
        arg=[shown],
        timeout=60_000,
    )
    wait_idle(page, new_run=False)
    frame = _map_document(page)
    frame.wait_for_function(
        "([count]) => window.__qorgauOverlay && window.__qorgauOverlay.layers.length === count"
        " && document.querySelectorAll('.leaflet-control-layers').length === 1",
        arg=[len(before)],
        timeout=60_000,
    )
    after = frame.evaluate(LAYER_SIZES)
    state = _controls(frame)
    assert state["mark"] == "the first document"  # the map was not loaded again
    assert state["legends"] == 1 and state["controls"] == 1
    names = state["names"]
    assert SERVICES in names and "Дороги" in names and "Населённые пункты" in names  # overlay's and base's
    assert len(services) == 1 and frame.evaluate(SERVICE_COUNT) == [services[0] + 1]  # the new site, drawn
    radio = page.locator(".st-key-scen_gap_minutes [role=radiogroup] label")
    radio.nth(0).click()  # 15 minutes: more gaps
    wait_idle(page)
    frame = _map_document(page)
    frame.wait_for_function(
        "([sizes]) => JSON.stringify(window.__qorgauOverlay.layers.map((l) => l.getLayers ? l.getLayers().length : 1))"
        " !== sizes",
        arg=[str(after).replace(" ", "")],
        timeout=60_000,
    )
    state = _controls(frame)
    assert state["mark"] == "the first document" and state["legends"] == 1 and state["controls"] == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map_layered.png"))
