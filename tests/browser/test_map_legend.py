"""The map's legend never covers what the map is about: at 1400x900 it starts collapsed to its title, at
1920x1080 it starts open, and either way the region is fitted beside it, not under it. The map is as tall as the
window allows."""

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


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize("width, height, starts_open", [(1400, 900, False), (1920, 1080, True)])
def test_the_legend_leaves_the_region_clear(server, browser, width, height, starts_open):
    context = new_context(browser, viewport={"width": width, "height": height}, locale="ru-RU")
    page = context.new_page()
    try:
        sign_in(page, server, "pat")
        open_page(page, "Карта")
        map_frame(page)
        iframe = page.locator("iframe[title='streamlit_folium.st_folium']").first
        frame = iframe.element_handle().content_frame()
        frame.wait_for_function("() => window.map && window.map.qorgauDataBounds", timeout=60_000)
        geometry = frame.evaluate(GEOMETRY_JS)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"map_legend_{width}x{height}.png"))
        assert geometry["open"] is starts_open, geometry
        assert not _overlap(geometry["data"], geometry["legend"]), geometry
        # the fitted region lies inside the map (a sliver of rounding aside) and fills a good part of it
        data, box = geometry["data"], geometry["map"]
        assert data["left"] >= box["left"] - 1 and data["right"] <= box["right"] + 1, geometry
        assert data["top"] >= box["top"] - 1 and data["bottom"] <= box["bottom"] + 1, geometry
        assert (data["bottom"] - data["top"]) > 0.6 * (box["bottom"] - box["top"]), geometry
        # the map is as tall as the window allows (less the page header), not a small fixed box
        assert iframe.bounding_box()["height"] >= height - 140, iframe.bounding_box()
        assert box["bottom"] - box["top"] >= height - 150, geometry
    finally:
        context.close()
