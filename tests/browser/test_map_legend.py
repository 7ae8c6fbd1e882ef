"""The map's legend starts open at every size and never covers what the map is about: the region is fitted beside
it, not under it. The map is as tall as the first screen allows, and on the Map and Scenarios pages it starts
within the first screen (1400x900 and 1920x1080), whole: its bottom edge is on the screen too."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, map_frame, new_context, open_page, sign_in

GEOMETRY_JS = """() => {
  const map = window.map, box = document.querySelector('.qorgau-legend');
  const bounds = map.qorgauDataBounds, frame = map.getContainer().getBoundingClientRect();
  const sw = map.latLngToContainerPoint(bounds.getSouthWest()), ne = map.latLngToContainerPoint(bounds.getNorthEast());
  const legend = box.getBoundingClientRect();
  return {open: box.open, map: {left: frame.left, top: frame.top, right: frame.right, bottom: frame.bottom},
          data: {left: frame.left + sw.x, right: frame.left + ne.x, top: frame.top + ne.y, bottom: frame.top + sw.y},
          legend: {left: legend.left, right: legend.right, top: legend.top, bottom: legend.bottom}};
}"""
SETTLED_JS = """() => {
  const map = window.map, box = document.querySelector('.qorgau-legend');
  if (!map || !map.qorgauDataBounds || !box) return false;
  const b = map.qorgauDataBounds, frame = map.getContainer().getBoundingClientRect();
  const legend = box.getBoundingClientRect();
  const sw = map.latLngToContainerPoint(b.getSouthWest()), ne = map.latLngToContainerPoint(b.getNorthEast());
  const clear = frame.left + ne.x <= legend.left + 1 || frame.top + sw.y <= legend.top + 1;
  return clear && sw.x >= -1 && ne.y >= -1 && ne.x <= frame.width + 1 && sw.y <= frame.height + 1;
}"""
"""True once the view is fitted beside the legend (the page may still be settling the map's height)."""


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize("width, height", [(1400, 900), (1920, 1080)])
def test_the_legend_starts_open_and_leaves_the_region_clear(server, browser, width, height):
    context = new_context(browser, viewport={"width": width, "height": height}, locale="ru-RU")
    page = context.new_page()
    try:
        sign_in(page, server, "pat")
        open_page(page, "Карта")
        map_frame(page)
        iframe = page.locator("iframe[title='streamlit_folium.st_folium']").first
        frame = iframe.element_handle().content_frame()
        frame.wait_for_function(SETTLED_JS, timeout=60_000)
        geometry = frame.evaluate(GEOMETRY_JS)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"map_legend_{width}x{height}.png"))
        assert geometry["open"] is True, geometry
        assert not _overlap(geometry["data"], geometry["legend"]), geometry
        # the fitted region lies inside the map (a sliver of rounding aside) and fills its height
        data, box = geometry["data"], geometry["map"]
        assert data["left"] >= box["left"] - 1 and data["right"] <= box["right"] + 1, geometry
        assert data["top"] >= box["top"] - 1 and data["bottom"] <= box["bottom"] + 1, geometry
        assert (data["bottom"] - data["top"]) > 0.8 * (box["bottom"] - box["top"]), geometry
    finally:
        context.close()


MAP_TOP_JS = """() => {
  const f = document.querySelector("iframe[title='streamlit_folium.st_folium']");
  if (!f) return null;
  const r = f.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, height: r.height};
}"""


@pytest.mark.parametrize("width, height", [(1400, 900), (1920, 1080)])
@pytest.mark.parametrize("title", ["Сценарии", "Карта"])
def test_the_map_is_in_the_first_screen_whole(server, browser, title, width, height):
    context = new_context(browser, viewport={"width": width, "height": height}, locale="ru-RU")
    page = context.new_page()
    try:
        sign_in(page, server, "pat")
        open_page(page, title)
        page.locator("iframe[title='streamlit_folium.st_folium']").first.wait_for(timeout=60_000)
        # the page sets the map's height once it is laid out: wait until the map ends on the screen
        page.wait_for_function(
            f"() => {{ const r = ({MAP_TOP_JS})(); return r && r.height >= 300 && r.bottom <= {height}; }}",
            timeout=60_000,
        )
        box = page.evaluate(MAP_TOP_JS)
        page.screenshot(path=str(ARTIFACTS / f"first_screen_{title}_{width}x{height}.png"))
        assert box["top"] < height / 2, box  # it starts in the upper half of the first screen
        assert box["bottom"] <= height and box["height"] >= 0.45 * height, box  # whole, and large
    finally:
        context.close()
