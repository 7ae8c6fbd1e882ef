"""The presentation's map (planning.render.slides): the page names a view, the map's own script fits to it."""

from __future__ import annotations

import html
import json
import re

import pytest
from conftest import DEFAULT_REGION

from geo.region import load_region
from planning.analysis import evaluate, site_minutes_for
from planning.markup import js_value
from planning.render.exports import scenario_map
from planning.render.slides import FOCUS_ATTRIBUTE, focus_spec, focus_tag, slide_html
from planning.render.webmap import MAP_CSS, UnknownDistrictError, focus_bounds


@pytest.fixture(scope="module")
def region():
    return load_region(DEFAULT_REGION)


def test_the_view_is_the_region_or_one_district(region):
    whole = focus_spec(region, None)
    west, south, east, north = focus_bounds(region)
    assert whole == {"bounds": [[south, west], [north, east]], "district": None}
    district = str(region.districts["district_id"].iloc[0])
    one = focus_spec(region, district)
    assert one["district"] == district
    (s, w), (n, e) = one["bounds"]
    assert south <= s < n <= north and west <= w < e <= east  # inside the region's box
    assert (n - s) * (e - w) < 0.5 * (north - south) * (east - west)  # and much smaller
    with pytest.raises(UnknownDistrictError):
        focus_spec(region, "no such district")


def test_the_page_names_the_view_in_a_hidden_element(region):
    district = str(region.districts["district_id"].iloc[1])
    tag = focus_tag(region, district)
    match = re.fullmatch(rf'<div hidden {FOCUS_ATTRIBUTE}="([^"<>]*)"></div>', tag)
    assert match, tag
    assert json.loads(html.unescape(match.group(1))) == focus_spec(region, district)


def test_the_slide_fits_itself_and_keeps_the_maps_style_last(region):
    result = evaluate(region, region.services, site_minutes_for(region), incidents=None)
    page = slide_html(scenario_map(region, result, bands=None, lang="kk", k=5), region)
    head = page[: page.index("</head>")]
    assert head.rindex(MAP_CSS.strip()[:40]) > head.index("leaflet.css")  # the map's background wins over Leaflet's
    script = page[page.index("</head>") :]
    assert f'"attribute": "{FOCUS_ATTRIBUTE}"' in script and "MutationObserver" in script
    assert js_value(focus_spec(region, None)) in script  # the view until the page's element is read
