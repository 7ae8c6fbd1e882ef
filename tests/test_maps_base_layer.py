"""Maps a planner can find their way on: an offline base layer drawn by the app itself (the roads of the network in
use, major ones emphasised; the towns and cities named; district outlines), kept light; names that collide are
hidden rather than drawn over each other; service sites that leave the village under them visible; and no page
calling a Streamlit parameter that is deprecated."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import folium
import pytest
from conftest import DATA, DEFAULT_REGION, PROJECT, SHARED_TURKISTAN, needs_shared, signed_in_app

from geo.region import load_region
from planning.analysis import region_network
from planning.render import webmap
from planning.render.webmap import (
    LABEL_PRIORITY,
    ROAD_STYLE,
    TOWN_KINDS,
    legend_of,
    region_map,
    road_base_lines,
    road_payload_bytes,
)

PAGE_BUDGET_BYTES = 2_000_000
"""The base layer's roads of a whole region must stay under this many bytes of the page."""


@pytest.fixture(scope="module")
def hand_network(tmp_path_factory):
    """The network of tests/data/roads/hand.osm (primary, secondary, tertiary, residential, track, ...)."""
    folder = tmp_path_factory.mktemp("region") / "tiny"
    shutil.copytree(DATA / "tiny", folder)
    shutil.copy(DATA / "roads" / "hand.osm", folder / "roads.osm")
    region = load_region(folder)
    return region_network(region)


def _labels(fmap) -> str:
    """Every name drawn on the map (the DivIcon labels' HTML, one per line)."""
    return "\n".join(e.options["html"] for e in _walk(fmap) if isinstance(e, folium.DivIcon))


def _walk(element):
    for child in element._children.values():
        yield child
        yield from _walk(child)


def test_roads_are_drawn_by_speed_tier_once_each(hand_network):
    lines = road_base_lines(hand_network)
    assert sorted(lines["tier"]) == ["major", "minor"]  # primary/secondary; tertiary
    assert lines.crs.to_epsg() == 4326
    speed_kmh = 3.6 * hand_network.edge_length_m / hand_network.edge_seconds
    major_m = hand_network.edge_length_m[(speed_kmh >= webmap.ROAD_MAJOR_MIN_KMH)].sum()
    drawn = lines.set_index("tier").to_crs(hand_network.crs).geometry
    # a two-way road is two edges but one line: what is drawn is shorter than the edges' sum
    assert 0.3 * major_m < drawn["major"].length < major_m
    assert road_base_lines(hand_network) is lines  # computed once per network object
    # coordinates rounded to ROAD_COORD_DECIMALS decimals: a light page
    coords = re.findall(r"-?\d+\.\d+", json.dumps(webmap.geojson_dict(lines)))
    assert coords and max(len(c.split(".")[1]) for c in coords) <= webmap.ROAD_COORD_DECIMALS


def test_the_base_layer_is_in_the_map_without_any_remote_url(hand_network, monkeypatch):
    monkeypatch.delenv(webmap.TILE_URL_ENV_VAR, raising=False)
    region = load_region(DEFAULT_REGION)
    fmap = region_map(region, lang="ru", k=5, network=hand_network)
    html = fmap.get_root().render()
    roads = [e for e in _walk(fmap) if isinstance(e, folium.GeoJson) and "tier" in json.dumps(e.data)[:2000]]
    assert len(roads) == 1 and {f["properties"]["tier"] for f in roads[0].data["features"]} == {"major", "minor"}
    assert ROAD_STYLE["major"]["weight"] > ROAD_STYLE["minor"]["weight"]  # major roads emphasised
    assert roads[0].options.get("interactive") is False  # a click goes to the village under a road
    towns = region.settlements[region.settlements["kind"].isin(TOWN_KINDS)]
    assert len(towns) == 15
    labels = _labels(fmap)
    for name in ("Туркестан", "Шымкент", "Кентау", "Сарыагаш"):
        assert f">{name}</div>" in labels
    assert labels.count("qorgau-town-label") == len(towns) and labels.count("qorgau-city") == 2
    assert "qorgau-label-collides" in html
    rows = [row[1] for row in legend_of(fmap).rows]
    assert "Основные дороги" in rows and "Прочие дороги" in rows
    assert not any(isinstance(e, folium.TileLayer) for e in _walk(fmap))  # no tile server by default
    remote = [u for u in re.findall(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*""", html) if "w3.org" not in u]
    assert remote == [], remote[:5]


def test_a_map_without_roads_still_names_towns_and_lists_no_road(monkeypatch):
    region = load_region(DEFAULT_REGION)
    fmap = region_map(region, lang="kk", k=5)
    rows = [row[1] for row in legend_of(fmap).rows]
    assert not any("жол" in row.lower() for row in rows[:4])  # no road rows without a network
    assert ">Түркістан</div>" in _labels(fmap)


def test_cities_outrank_districts_and_districts_outrank_towns():
    assert LABEL_PRIORITY["city"] > LABEL_PRIORITY["district"] + 99 > LABEL_PRIORITY["district"]
    assert LABEL_PRIORITY["district"] > LABEL_PRIORITY["town"] + 99
    region = load_region(DEFAULT_REGION)
    fmap = region_map(region, lang="ru", k=5)
    html = fmap.get_root().render()
    priority = {name: float(p) for p, name in re.findall(r'data-priority="([0-9.]+)">([^<]+)</div>', _labels(fmap))}
    assert priority["Шымкент"] > priority["Сузакский"] > priority["Кентау"]
    # the layout hides a name that overlaps a kept one or crosses the frame's edge, after every zoom and move
    assert "qorgau-label-collides" in html and "zoomend moveend resize" in html
    assert "r.left >= frame.left && r.right <= frame.right" in html


def test_services_are_rings_that_leave_the_village_visible():
    region = load_region(DEFAULT_REGION)
    fmap = region_map(region, lang="ru", k=5)
    services = next(e for e in _walk(fmap) if isinstance(e, folium.GeoJson) and "Службы" in e.layer_name)
    marker = services.marker.options
    assert marker["fillOpacity"] <= 0.2 and marker["radius"] <= 8 and marker["weight"] >= 2
    assert legend_of(fmap).rows[[r[1] for r in legend_of(fmap).rows].index("служба помощи")][2] == "ring"


@needs_shared
def test_a_real_road_layer_stays_light(tmp_path):
    """The two real road layers of the region (south strip and major roads, as OSM) as the network in use."""
    import geopandas as gpd

    folder = tmp_path / "region"
    shutil.copytree(DEFAULT_REGION, folder)
    _write_osm(
        folder / "roads.osm",
        [SHARED_TURKISTAN / "roads" / n for n in ("south_strip.geojson", "major_generalised.geojson")],
        gpd,
    )
    network = region_network(load_region(folder))
    lines = road_base_lines(network)
    assert set(lines["tier"]) == {"major", "minor"}
    assert road_payload_bytes(lines) < PAGE_BUDGET_BYTES
    # the major roads reach across the region (Kyzylorda–Shymkent–Tashkent): more than 500 km of them drawn
    assert lines.set_index("tier").to_crs("EPSG:32642").geometry["major"].length > 500_000


def test_the_budget_drops_thin_roads_first(hand_network, monkeypatch):
    full = webmap._road_tiers(hand_network)
    major_only = full[full["tier"] == "major"]
    monkeypatch.setattr(webmap, "ROAD_MAX_BYTES", road_payload_bytes(major_only) + 10)
    assert list(webmap._road_tiers(hand_network)["tier"]) == ["major"]


def _write_osm(path: Path, layers: list[Path], gpd) -> None:
    """Line layers with a ``highway`` column written as an OSM file (shared end points become shared nodes)."""
    nodes: dict[tuple[float, float], int] = {}
    ways = []
    for layer in layers:
        frame = gpd.read_file(layer)
        for highway, geometry in zip(frame["highway"], frame.geometry):
            for part in getattr(geometry, "geoms", [geometry]):
                refs = []
                for lon, lat in part.coords:
                    ref = nodes.setdefault((round(lon, 7), round(lat, 7)), len(nodes) + 1)
                    if not refs or refs[-1] != ref:
                        refs.append(ref)
                if len(refs) > 1:
                    ways.append((refs, highway or "road"))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    lines += [f'<node id="{i}" version="1" lat="{lat}" lon="{lon}"/>' for (lon, lat), i in nodes.items()]
    for number, (refs, highway) in enumerate(ways, 1):
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        lines.append(f'<way id="{number}" version="1">{nds}<tag k="highway" v="{highway}"/></way>')
    path.write_text("\n".join([*lines, "</osm>"]), encoding="utf-8")


# --- deprecated Streamlit parameters ---------------------------------------------------------------------------------
DEPRECATED_PARAMETERS = ("use_container_width", "isolate_styles", "experimental_", "st.cache(")
"""Parameters and names Streamlit 1.67 deprecates (its log says "will be removed after 2025-12-31")."""
CODE = [PROJECT / "app.py", PROJECT / "server.py", *sorted((PROJECT / "pages").glob("*.py"))]
CODE += sorted((PROJECT / "planning").rglob("*.py"))


@pytest.mark.parametrize("path", CODE, ids=lambda p: str(p.relative_to(PROJECT)))
def test_no_code_calls_a_deprecated_streamlit_parameter(path):
    text = path.read_text(encoding="utf-8")
    found = [name for name in DEPRECATED_PARAMETERS if name in text]
    assert not found, f"{path.relative_to(PROJECT)} uses {found}: use width='stretch' (or 'content') instead"


@pytest.mark.parametrize("page", ["pages/map.py", "pages/scenarios.py", "pages/suggest.py", "pages/present.py"])
def test_pages_log_no_deprecation_warning(page, monkeypatch, tmp_path):
    import streamlit.deprecation_util as deprecation

    logged: list[str] = []
    monkeypatch.setattr(deprecation._LOGGER, "warning", lambda message, *a, **k: logged.append(str(message)))
    monkeypatch.setenv("QORGAU_REGION", str(DEFAULT_REGION))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    monkeypatch.chdir(PROJECT)
    signed_in_app(page)
    assert logged == []
