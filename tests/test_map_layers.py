"""Map layers of travel times: nested isochrone bands, settlements carrying minutes, a legend naming the bands and
the method. On the tiny region with the hand-made roads (network) and on the bundled region (estimate)."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
import shapely
from conftest import DATA, DEFAULT_REGION
from shapely.geometry import shape

from geo.region import load_region
from planning.analysis import SiteMinutes, evaluate, region_network, service_bands
from planning.baseline import current_services
from planning.render.webmap import (
    BAND_COLOURS,
    MINUTE_COLOURS,
    UNREACHABLE_COLOUR,
    TextTooltip,
    _Legend,
    band_layer,
    minutes_colour,
    minutes_label,
    region_map,
    simplified_bands,
)

NEST_TOLERANCE_DEG = 1e-9


@pytest.fixture(scope="module")
def tiny_with_roads(tmp_path_factory):
    """The tiny region with tests/data/roads/hand.osm as its roads and a service on the main road (node B)."""
    folder = tmp_path_factory.mktemp("region") / "tiny"
    shutil.copytree(DATA / "tiny", folder)
    shutil.copy(DATA / "roads" / "hand.osm", folder / "roads.osm")
    (folder / "incidents.csv").unlink()  # they name the tiny region's own settlements, replaced here
    (folder / "settlements.csv").write_text(
        "id,name,name:ru,name:kk,place,population,lat,lon\n"
        "c,Cee,Це,Це,village,500,42.52,68.0\n"  # on the main road, 1 edge from the service
        "d,Dee,Де,Де,village,,42.53,68.002\n"  # beside the main road
        "o,Oh,О,О,hamlet,40,42.5,68.1\n"  # on the disconnected track: no service reaches it
        "z,Zed,Зет,Зет,hamlet,,42.2,68.9\n",
        encoding="utf-8",
    )  # far from any road: not connected
    (folder / "services.csv").write_text(
        "id,name,kind,lat,lon\nb,Служба Б,permanent,42.51,68.0\nfar,Далеко,permanent,42.2,68.9\n", encoding="utf-8"
    )
    region = load_region(folder)
    network = region_network(region)
    table = SiteMinutes(network, region.settlements, analysis_crs=region.analysis_crs)
    result = evaluate(region, region.services, table, incidents=None)
    bands = service_bands(region, region.services, network)
    return region, table, result, bands


def _children(element, kind):
    found = []
    for child in element._children.values():
        if isinstance(child, kind):
            found.append(child)
        found.extend(_children(child, kind))
    return found


def _band_shapes(group):
    import folium

    shapes = {}
    for layer in _children(group, folium.GeoJson):
        for feature in layer.data["features"]:
            shapes[feature["properties"]["minutes"]] = shape(feature["geometry"])
    return shapes


def test_bands_nest_in_the_maps_geojson(tiny_with_roads):
    region, table, result, bands = tiny_with_roads
    assert table.method == "network"
    group = band_layer(bands, "en", analysis_crs=region.analysis_crs)
    shapes = _band_shapes(group)
    assert sorted(shapes) == [15.0, 30.0, 60.0]
    assert not shapes[15.0].is_empty
    # the service's component of the hand-made roads is wholly reached within 15 minutes: the bands may be equal
    assert shapes[15.0].area <= shapes[30.0].area * (1 + 1e-9) <= shapes[60.0].area * (1 + 2e-9)
    for small, large in ((15.0, 30.0), (30.0, 60.0)):
        assert shapes[large].buffer(NEST_TOLERANCE_DEG).covers(shapes[small]), (small, large)
    # drawn largest first (lightest), the smallest on top (darkest)
    layers = _children(group, __import__("folium").GeoJson)
    drawn = [layer.data["features"][0]["properties"]["minutes"] for layer in layers]
    assert drawn == [60.0, 30.0, 15.0]
    fills = [layer.style_function(None)["fillColor"] for layer in layers]
    assert fills == [BAND_COLOURS[2], BAND_COLOURS[1], BAND_COLOURS[0]]


def test_simplified_bands_are_lighter_and_still_nested():
    region = load_region(DEFAULT_REGION)
    services = current_services(region)
    bands = service_bands(region, services, None)
    merged = simplified_bands(bands, analysis_crs=region.analysis_crs, tolerance_m=100.0)
    assert list(merged["minutes"]) == [15.0, 30.0, 60.0]
    raw_vertices = shapely.get_num_coordinates(bands.geometry.to_numpy()).sum()
    assert shapely.get_num_coordinates(merged.geometry.to_numpy()).sum() < raw_vertices
    shapes = list(merged.geometry)
    assert shapes[1].buffer(NEST_TOLERANCE_DEG).covers(shapes[0])
    assert shapes[2].buffer(NEST_TOLERANCE_DEG).covers(shapes[1])
    # every service's own 60-minute band lies within the drawn one, up to the 100 m tolerance (~0.0015 degrees)
    own = shapely.union_all(bands.loc[bands["minutes"] == 60.0].geometry.to_numpy())
    assert shapes[2].buffer(0.0015).covers(own)


def test_settlements_carry_minutes_and_colours(tiny_with_roads):
    import folium

    region, table, result, bands = tiny_with_roads
    minutes = result.nearest.minutes
    estimated = result.methods == "estimate"
    # a village far from any road gets a straight-line estimate, never "not reachable"; the others go by road
    assert estimated.any() and (~estimated).any() and np.isfinite(minutes).all()
    fmap = region_map(
        region,
        lang="en",
        services=region.services,
        k=5,
        bands=bands,
        settlement_minutes=minutes,
        method=result.method,
        method_description=result.description,
        settlement_estimated=estimated,
    )
    layer = next(g for g in _children(fmap, folium.GeoJson) if g.layer_name == "Settlements")
    features = layer.data["features"]
    assert len(features) == len(region.settlements)
    for feature, expected in zip(features, minutes):
        props = feature["properties"]
        if np.isfinite(expected):
            assert props["minutes"] == pytest.approx(round(float(expected), 1))
            assert props["minutes_label"] == f"{int(round(float(expected)))} min"
        else:
            assert props["minutes"] is None and props["minutes_label"] == "not reachable"
            assert props["colour"] == UNREACHABLE_COLOUR
        assert props["colour"] == minutes_colour(expected)
    tooltip = next(c for c in layer._children.values() if isinstance(c, TextTooltip))
    assert "minutes_label" in tooltip.fields and "method_label" in tooltip.fields
    for feature, guessed in zip(features, estimated):  # estimated villages: a dashed dark outline, and said so
        style = layer.style_function(feature)
        assert feature["properties"]["estimated"] == guessed
        assert (style["dashArray"] is not None) == guessed and style["fillColor"] == feature["properties"]["colour"]
        assert feature["properties"]["method_label"] == (
            "straight-line estimate" if guessed else "over the road network"
        )
    legend = _children(fmap, _Legend)[0].inner
    assert "time estimated by straight line" in str(legend)


def test_legend_lists_bands_minute_classes_and_method(tiny_with_roads):
    region, table, result, bands = tiny_with_roads
    fmap = region_map(
        region,
        lang="en",
        services=region.services,
        k=5,
        bands=bands,
        settlement_minutes=result.nearest.minutes,
        method=result.method,
        method_description=result.description,
    )
    legend = _children(fmap, _Legend)[0].inner
    for text in (
        "within 15 min of a service",
        "within 30 min of a service",
        "within 60 min of a service",
        "settlement: up to 15 min",
        "settlement: 30–60 min",
        "settlement: more than 60 min",
        "not reachable",
        "over the road network",
        "speed profile",
    ):
        assert text in legend, text
    html = fmap.get_root().render()
    assert "Travel-time bands (min)" in html  # the band layer in the layer control


def test_legend_names_the_estimate_and_its_assumptions():
    region = load_region(DEFAULT_REGION)
    services = current_services(region)
    table = SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs)
    result = evaluate(region, services, table, incidents=None)
    fmap = region_map(
        region,
        lang="ru",
        services=services,
        k=5,
        bands=service_bands(region, services, None),
        settlement_minutes=result.nearest.minutes,
        method=result.method,
        method_description=result.description,
    )
    legend = _children(fmap, _Legend)[0].inner
    assert "оценка по прямой" in legend and "(estimate)" not in legend and "circuity" in legend
    assert "до 15 мин до службы" in legend


def test_region_map_without_travel_times_keeps_the_old_legend():
    region = load_region(DEFAULT_REGION)
    fmap = region_map(region, lang="en", k=5)
    legend = _children(fmap, _Legend)[0].inner
    assert "settlement (size = population)" in legend and "min" not in legend


@pytest.mark.parametrize(
    "minutes, colour",
    [
        (0.0, MINUTE_COLOURS[0]),
        (15.0, MINUTE_COLOURS[0]),
        (15.01, MINUTE_COLOURS[1]),
        (30.0, MINUTE_COLOURS[1]),
        (59.9, MINUTE_COLOURS[2]),
        (60.5, MINUTE_COLOURS[3]),
        (np.inf, UNREACHABLE_COLOUR),
        (np.nan, UNREACHABLE_COLOUR),
    ],
)
def test_minute_classes(minutes, colour):
    assert minutes_colour(minutes) == colour


def test_minutes_label_in_every_language():
    assert minutes_label(23.4, "ru") == "23 мин" and minutes_label(np.inf, "kk") == "жету мүмкін емес"


def test_minutes_must_align_with_settlements():
    region = load_region(DEFAULT_REGION)
    with pytest.raises(ValueError, match="one value per settlement"):
        region_map(region, k=5, settlement_minutes=np.zeros(3))


def test_incident_layer_draws_the_release_cells_of_a_fixed_period():
    from conftest import TEST_SECRET

    from planning.analysis import incident_release

    region = load_region(DEFAULT_REGION)
    period = "2023-H1"
    release = incident_release(region, period=period, secret=TEST_SECRET, k=5)
    html = region_map(region, lang="en", k=5, settlement_incidents=release).get_root().render()
    drawn = release.settlement_texts()[release.has_records]
    labels = [text.replace("\\u003c", "<") for text in re.findall(r'"count_label": "([^"]*)"', html)]
    assert len(drawn) and sorted(labels) == sorted(drawn)  # each settlement with records, as its own cell
    assert all(text == "<5" or int(text) >= 5 for text in labels)
    with pytest.raises(ValueError, match="fixed periods"):
        incident_release(region, period="2023-03", secret=TEST_SECRET)
