"""pages.widgets.show_map renders a map once (``st_folium(render=False)``, issue 24): what the browser receives is what
the default (two renders) sends, less the second ``setIcon`` call folium adds to every label marker on each render."""

from __future__ import annotations

import re
from unittest import mock

import numpy as np
import pytest
import streamlit_folium
from conftest import DEFAULT_REGION

from geo.region import load_region
from planning.analysis import SiteMinutes, evaluate, incident_release, region_network
from planning.baseline import current_services
from planning.render.gapmap import scenario_map
from planning.render.webmap import add_route, region_map

SECRET = b"tests-only release secret, not for deployment"


@pytest.fixture(scope="module")
def bundled():
    region = load_region(DEFAULT_REGION)
    table = SiteMinutes(region_network(region), region.settlements, analysis_crs=region.analysis_crs)
    services = current_services(region)
    return region, table, services, evaluate(region, services, table, incidents=incident_release(region, secret=SECRET))


def _sent(build, *, render: bool) -> dict:
    """What st_folium sends the browser for the map ``build()`` makes."""
    sent: dict = {}
    with mock.patch.object(streamlit_folium, "_component_func", lambda **args: sent.update(args)):
        streamlit_folium.st_folium(build(), key="map", render=render, returned_objects=["last_clicked"])
    sent.pop("on_change")
    return sent


def _without_set_icon(script: str) -> str:
    return re.sub(r"\n\s*\n", "\n", "\n".join(line for line in script.splitlines() if "setIcon(" not in line))


def _maps(bundled):
    region, table, services, result = bundled
    cov = result.coverage

    def scenario():
        fmap = scenario_map(
            region,
            services,
            cov,
            threshold_minutes=30,
            lang="kk",
            k=5,
            settlement_incidents=cov.release,
            network=table.network,
        )
        point = region.settlements.geometry.iloc[0]
        add_route(fmap, [(point.y, point.x), (point.y + 0.1, point.x + 0.1)], name="маршрут", tooltip="<b>x</b>")
        return fmap

    def by_minutes():
        return region_map(
            region,
            lang="ru",
            services=services,
            k=5,
            settlement_minutes=result.nearest.minutes,
            method=result.method,
            method_description="d",
            settlement_estimated=np.asarray(result.methods == "estimate"),
            network=table.network,
        )

    return {"scenario": scenario, "map page": by_minutes}


@pytest.mark.parametrize("which", ["scenario", "map page"])
def test_one_render_sends_what_two_do_less_the_repeated_set_icon(bundled, which):
    build = _maps(bundled)[which]
    once, twice = _sent(build, render=False), _sent(build, render=True)
    markers_with_icons = once["script"].count("L.marker(")
    assert markers_with_icons > 0  # the town and district labels
    assert once["script"].count("setIcon(") == markers_with_icons  # each label gets its icon, once
    assert twice["script"].count("setIcon(") == 2 * markers_with_icons
    assert _without_set_icon(once["script"]) == _without_set_icon(twice["script"])
    for name in twice:
        if name not in ("script", "key"):  # the key is the script's hash
            assert once[name] == twice[name], name
