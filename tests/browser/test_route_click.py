"""On a region with real roads (the north Bayreuth extract, see test_real_roads.py), a click on a village's marker
shows its minutes and nearest service and draws its road route on the map."""

from __future__ import annotations

import csv
import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import ARTIFACTS, MAP_AT_REST, map_frame, open_page, sign_in, start_streamlit, wait_idle
from tests.browser.test_real_roads import EXTRACT, _real_region

ROUTE_LAYERS_JS = """() => Object.values(window.map._layers)
    .filter(l => l.options && l.options.className === 'qorgau-route').map(l => l.getLatLngs().length)"""

ROUTE_DRAWN = """() => { const f = document.querySelector("iframe[title='streamlit_folium.st_folium']");
  const m = f && f.contentWindow && f.contentWindow.map;
  return !!(m && Object.values(m._layers).some(l => l.options && l.options.className === 'qorgau-route')); }"""


def _drawn_route(page, timeout_s: float = 120.0):
    """(vertices of each route layer, the first route's first point) once the re-rendered map draws a route (the
    map's iframe is replaced while Streamlit reruns, so it is looked up afresh until then)."""
    deadline = time.monotonic() + timeout_s
    while True:
        left_ms = max(deadline - time.monotonic(), 0.001) * 1000
        page.wait_for_function(ROUTE_DRAWN, timeout=left_ms)  # raises when time is up
        try:
            frame = page.locator("iframe[title='streamlit_folium.st_folium']").first.element_handle().content_frame()
            layers = frame.evaluate(ROUTE_LAYERS_JS) if frame is not None else []
            if layers:
                return layers, frame.evaluate("""() => Object.values(window.map._layers)
                    .find(l => l.options && l.options.className === 'qorgau-route').getLatLngs()[0]""")
        except PlaywrightError:
            pass  # the frame went away between the condition and the look: wait for the new one


@pytest.mark.skipif(not EXTRACT.is_file(), reason=f"real OSM extract not found at {EXTRACT} (../shared/data/osm)")
def test_clicking_a_village_draws_its_route(users, page, tmp_path):
    region = _real_region(tmp_path / "region")
    with open(region / "settlements.csv", encoding="utf-8") as handle:
        villages = [row for row in csv.DictReader(handle)]
    with open(region / "services.csv", encoding="utf-8") as handle:
        service_names = {row["name"] for row in csv.DictReader(handle)}
    process, url = start_streamlit(region, {"QORGAU_SCENARIO_DB": str(users)})
    try:
        sign_in(page, url, "pat")
        open_page(page, "Карта")
        map_frame(page, timeout_ms=120_000)
        wait_idle(page, timeout_ms=120_000, new_run=False)
        iframe = page.locator("iframe[title='streamlit_folium.st_folium']").first
        iframe.evaluate("frame => frame.scrollIntoView({block: 'start'})")  # the map fills the window: see all of it
        iframe.evaluate("frame => new Promise((done) => requestAnimationFrame(() => done(true)))")  # scrolled
        handle = iframe.element_handle().content_frame()
        handle.wait_for_function("() => window.map && window.map._loaded", timeout=60_000)
        assert handle.evaluate(ROUTE_LAYERS_JS) == []  # nothing chosen yet: no route
        box = iframe.bounding_box()
        # a village (not a service's) whose marker lies clear of the legend and the layer control
        target = point = None
        for village in villages:
            if village["name"] in service_names:
                continue
            p = handle.evaluate(
                "([lat, lon]) => window.map.latLngToContainerPoint([lat, lon])",
                [float(village["lat"]), float(village["lon"])],
            )
            if (
                0.35 * box["width"] < p["x"] < 0.65 * box["width"]
                and 0.2 * box["height"] < p["y"] < 0.6 * box["height"]
            ):
                target, point = village, p
                break
        assert target is not None, "no village marker in the middle of the map"
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        page.wait_for_function(
            "name => document.body.innerText.includes(name + ': ')", arg=target["name"], timeout=120_000
        )
        wait_idle(page, timeout_ms=120_000)
        body = page.locator("body").inner_text()
        assert f"{target['name']}: " in body and "мин до ближайшей службы" in body
        assert "Маршрут по дорогам показан на карте." in body and "оценка по прямой" not in body
        (vertices,), start = _drawn_route(page)
        assert vertices > 3  # along the roads' own polylines, not a straight line
        assert start["lat"] == pytest.approx(float(target["lat"]), abs=1e-5)
        assert start["lng"] == pytest.approx(float(target["lon"]), abs=1e-5)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.wait_for_function(MAP_AT_REST, timeout=60_000)  # the map's zoom animation has finished
        page.screenshot(path=str(ARTIFACTS / "map_route_clicked_ru.png"))
        assert page.requests.external() == [], page.requests.external()
    finally:
        process.terminate()
        process.wait(timeout=10)
