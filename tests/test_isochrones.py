"""Isochrone bands on the hand-made network (see tests/test_network.py for its edge times)."""

import math

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point, box

from geo.isochrones import isochrones
from geo.osm import build_network

CRS = "EPSG:32642"
L_M = 6371009 * 0.01 * math.pi / 180
BC, CD = L_M / (30 * 1.609344 / 3.6), L_M / (90 / 3.6)


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    return build_network("tests/data/roads/hand.osm", analysis_crs=CRS, cache_dir=tmp_path_factory.mktemp("c"))


SERVICES = gpd.GeoDataFrame(
    {"service_id": ["S1", "S3"]}, geometry=[Point(68.0, 42.53), Point(68.05, 42.51)], crs="EPSG:4326"
)


def covers(frame, service_id, minutes, lon, lat):
    geometry = frame[(frame.service_id == service_id) & (frame.minutes == minutes)].geometry.iloc[0]
    return geometry.covers(Point(lon, lat))


def test_partial_edges_are_cut_at_the_reached_point(network):
    # 2 minutes from S1 at D: C-D (44.5 s) whole, then 75.5 s of B-C's 82.9 s, i.e. down to 8.9 % above B
    iso = isochrones(network, SERVICES, analysis_crs=CRS, minutes=[2], buffer_m=50)
    reached_fraction = 1 - (120 - CD) / BC
    assert covers(iso, "S1", 2, 68.0, 42.51 + 0.01 * (reached_fraction + 0.02))
    assert not covers(iso, "S1", 2, 68.0, 42.51 + 0.01 * (reached_fraction - 0.06))  # 67 m short, 50 m buffer
    assert not covers(iso, "S1", 2, 68.0, 42.50)  # A is 3.2 minutes away
    assert not covers(iso, "S1", 2, 68.01, 42.52)  # a convex hull or circle would take the steppe beside C
    assert set(iso.columns) >= {"service_id", "minutes", "method", "geometry"} and iso.crs == "EPSG:4326"
    assert (iso.method == "network").all() and iso.attrs["description"] == network.profile_description


def test_bands_nest_and_are_clipped(network):
    outline = box(67.99, 42.485, 68.06, 42.525)
    iso = isochrones(network, SERVICES, analysis_crs=CRS, minutes=[1, 2, 5], boundary=outline, buffer_m=200)
    assert len(iso) == 6
    for sid in ("S1", "S3"):
        bands = iso[iso.service_id == sid].sort_values("minutes").to_crs(CRS).geometry.tolist()
        for small, large in zip(bands, bands[1:]):
            assert small.difference(large).area < 1e-6
        assert bands[0].area < bands[-1].area
    assert all(outline.buffer(1e-6).covers(g) for g in iso.geometry)  # ~0.1 m: edges were re-projected


def test_walk_speed_edge_band_length(network):
    # S3 stands on the walking-speed street: in 1 minute 83.3 m of road each way would be reached,
    # but N is the end of the street, so one side only: a 83.3 m line buffered by 50 m
    iso = isochrones(network, SERVICES.iloc[[1]], analysis_crs=CRS, minutes=[1], buffer_m=50).to_crs(CRS)
    expected_m2 = (5 / 3.6 * 60) * 100 + math.pi * 50**2
    assert iso.geometry.iloc[0].area == pytest.approx(expected_m2, rel=0.02)


def test_estimate_bands_are_labelled_circles():
    iso = isochrones(None, SERVICES, analysis_crs=CRS, minutes=[15, 30], circuity=1.5, estimate_speed_kmh=30)
    assert (iso.method == "estimate").all() and "estimate" in iso.attrs["description"]
    radius_m = 30 / 3.6 * 15 * 60 / 1.5
    area = iso.to_crs(CRS).geometry.iloc[0].area
    assert area == pytest.approx(math.pi * radius_m**2, rel=0.01)
    assert shapely.difference(iso.geometry.iloc[0], iso.geometry.iloc[1]).area < 1e-12


def test_minutes_must_be_positive(network):
    with pytest.raises(ValueError, match="minutes"):
        isochrones(network, SERVICES, analysis_crs=CRS, minutes=[0, 15])
    with pytest.raises(ValueError, match="buffer_m"):
        isochrones(network, SERVICES, analysis_crs=CRS, minutes=[15], buffer_m=0)


def _cli(*argv):
    from planning.cli import main

    return main(list(argv))


def test_cli_isochrones_and_travel_times(tmp_path):
    import shutil

    import pandas as pd

    region = tmp_path / "region"
    shutil.copytree("tests/data/tiny", region)
    # the estimate (no road file): one feature per service and band
    assert _cli("isochrones", "--region", str(region), "--minutes", "15,30", "--out", str(tmp_path / "i.geojson")) == 0
    bands = gpd.read_file(tmp_path / "i.geojson")
    services = pd.read_csv(region / "services.csv")
    assert len(bands) == 2 * len(services) and set(bands["minutes"]) == {15.0, 30.0}
    assert (bands["method"] == "estimate").all()
    # a scenario file replaces the region's services; with a road file far away every time is a labelled estimate
    scenario = tmp_path / "sites.csv"
    scenario.write_text("id,name,kind,lat,lon\nx1,Site,mobile,42.55,68.3\n")
    shutil.copy("tests/data/roads/hand.osm", region / "roads.osm")
    out = tmp_path / "tt.csv"
    assert _cli("travel-times", "--region", str(region), "--scenario", str(scenario), "--out", str(out)) == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == ["settlement_id", "minutes", "service_id", "method", "access_km"]
    assert (table["method"] == "estimate").all() and (table["service_id"] == "x1").all()
    assert (pd.to_numeric(table["access_km"]) > 5).all()  # all farther from the hand-made roads than 5 km
    with_roads = table.set_index("settlement_id")["minutes"]
    assert (
        _cli("travel-times", "--region", str(region), "--scenario", str(scenario), "--estimate", "--out", str(out)) == 0
    )
    table = pd.read_csv(out)
    assert (table["method"] == "estimate").all() and (table["service_id"] == "x1").all()
    assert table["access_km"].isna().all()  # no network: no road to measure to
    # the same straight-line estimate with or without roads when every village is far from them
    assert (table.set_index("settlement_id")["minutes"] == pd.to_numeric(with_roads)).all()


# --- reached pieces in numpy, chains, and agreement with the slow exact way on a real extract -------------------

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import shapely.ops  # noqa: E402
from scipy.sparse.csgraph import dijkstra  # noqa: E402

from geo.isochrones import _distance_bands, _pieces_xy, _samples_along  # noqa: E402
from geo.traveltime import _graph_with_sites  # noqa: E402

SHARED_OSM = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "osm"
REAL_CRS = "EPSG:3067"
AREA_TOLERANCE = 0.005
"""Largest symmetric difference to the slow exact reference, as a share of its area (0.5 %; measured: 0.14 %)."""
OUTSIDE_TOLERANCE = 0.002
"""Largest share of a band outside the reference (the notches between two buffers, cut across; measured 0.09 %)."""
REFERENCE_QUAD_SEGMENTS = 16
"""Segments per quarter circle of the reference's buffers (its arcs are within 0.5 m of the circle at 300 m)."""


def test_partial_pieces_are_cut_like_substring(network):
    # every edge of the hand-made network (some curved) cut at several shares, against shapely.ops.substring
    edges = np.repeat(np.arange(network.n_edges), 3)
    start = np.tile([0.05, 0.5, 0.93], network.n_edges)
    xy, offsets = _pieces_xy(network, np.array([0]), edges, start)
    assert np.allclose(xy[offsets[0] : offsets[1]], shapely.get_coordinates(network.edge_lines[0]))
    for i, (edge, share) in enumerate(zip(edges, start), start=1):
        expected = shapely.ops.substring(network.edge_lines[edge], share, 1.0, normalized=True)
        assert np.allclose(xy[offsets[i] : offsets[i + 1]], shapely.get_coordinates(expected), atol=1e-6)


def test_samples_keep_every_vertex_and_the_spacing():
    # an L of two pieces (3 and 2 vertices) and a lone point
    xy = np.array([[0, 0], [250, 0], [250, 90], [1000, 0], [1000, 30], [5, 5]], dtype=float)
    offsets = np.array([0, 3, 5, 6])
    points = _samples_along(xy, offsets, 100.0)
    assert {tuple(p) for p in xy} <= {tuple(p) for p in points}
    # 250 m in 3 steps, 90 m in 1, 30 m in 1: 5 segment starts and the 2 piece ends, and the lone point
    assert len(points) == 3 + 1 + 1 + 3
    assert shapely.LineString(points[:4]).length == pytest.approx(250 + 0)  # samples lie on the road


def test_a_lone_straight_road_is_buffered_exactly():
    # a 10 km road off the grid's nodes: its band is the stadium, a little inside it (the round ends are chords of
    # a cell, the straight sides within spacing² / (8 × buffer) = 2.5 m between samples)
    road = np.column_stack([np.linspace(3.7, 10_003.7, 101), np.full(101, 51.3)])
    (band,) = _distance_bands([_samples_along(road, np.array([0, 101]), 100.0)], 500.0)
    exact = shapely.LineString(road).buffer(500.0, quad_segs=64)
    assert shapely.symmetric_difference(band, exact).area / exact.area < 0.005
    assert shapely.difference(band, exact).area / exact.area < 1e-5  # the reference circle is a polygon too
    assert band.is_valid and band.geom_type == "Polygon"


def test_bands_nest_on_the_same_grid_even_with_other_samples():
    rng = np.random.default_rng(5)
    small = rng.uniform(0, 3000, (40, 2))
    large = np.concatenate([small + rng.normal(0, 3, small.shape), rng.uniform(0, 6000, (60, 2))])
    inner, outer = _distance_bands([small, large], 300.0)
    assert inner.difference(outer).area < 1e-6 and outer.area > inner.area


def _slow_reference(network, services, minutes, buffer_m):
    """Bands the slow exact way: every reached edge (or its reached part, shapely.ops.substring) buffered
    one by one, unioned, nested; written here from the definition, independently of geo.isochrones."""
    x, y = services.to_crs(REAL_CRS).geometry.x.to_numpy(), services.to_crs(REAL_CRS).geometry.y.to_numpy()
    sites = network.snap(x, y)
    graph = _graph_with_sites(network, sites)
    out = []
    for k in range(len(services)):
        node_s = dijkstra(graph, directed=True, indices=network.n_nodes + k, limit=max(minutes) * 60.0)
        previous = shapely.Polygon()
        for band in minutes:
            left_s = band * 60.0 - node_s[network.edge_to]
            pieces = [shapely.Point(x[k], y[k])]
            for edge in np.flatnonzero(left_s > 0):
                share = max(0.0, 1.0 - left_s[edge] / network.edge_seconds[edge])
                pieces.append(shapely.ops.substring(network.edge_lines[edge], share, 1.0, normalized=True))
            edge = sites.edge[k]  # the service's own road, both ways from where it stands, as far as time allows
            at = 1.0 - sites.fraction[k] if sites.swapped[k] else sites.fraction[k]
            left_s = band * 60.0 - sites.access_s[k]
            against_s = sites.forward_s[k] if sites.swapped[k] else sites.backward_s[k]
            line = network.edge_lines[edge]
            pieces.append(
                shapely.ops.substring(line, max(0.0, at - left_s / network.edge_seconds[edge]), at, normalized=True)
            )
            if np.isfinite(against_s):
                pieces.append(shapely.ops.substring(line, at, min(1.0, at + left_s / against_s), normalized=True))
            shape = shapely.union_all(shapely.buffer(pieces, buffer_m, quad_segs=REFERENCE_QUAD_SEGMENTS))
            previous = shapely.union(shape, previous)
            out.append(previous)
    return out


@pytest.mark.skipif(
    not (SHARED_OSM / "kouvola.osm.pbf").is_file(),
    reason=f"real OSM extract kouvola.osm.pbf not found in {SHARED_OSM} (../shared/data/osm)",
)
def test_bands_on_a_real_extract_agree_with_the_slow_exact_reference(tmp_path):
    real = build_network(SHARED_OSM / "kouvola.osm.pbf", analysis_crs=REAL_CRS, cache_dir=tmp_path)
    rng = np.random.default_rng(3)
    at = rng.choice(len(real.geom_xy), size=4, replace=False)
    services = gpd.GeoDataFrame(
        {"service_id": [f"s{i}" for i in range(4)]}, geometry=shapely.points(real.geom_xy[at] + 30.0), crs=REAL_CRS
    ).to_crs("EPSG:4326")
    minutes = [2, 4, 8]
    new = isochrones(real, services, analysis_crs=REAL_CRS, minutes=minutes, buffer_m=300).to_crs(REAL_CRS)
    reference = _slow_reference(real, services, minutes, 300)
    got = new.geometry.to_numpy()
    share = shapely.area(shapely.symmetric_difference(got, reference)) / shapely.area(reference)
    assert share.max() < AREA_TOLERANCE, share
    # and within the access distance of reached roads: what lies outside the exact buffers is the notches where
    # two buffers meet, cut across, a sliver of a few metres
    outside = shapely.area(shapely.difference(got, reference)) / shapely.area(reference)
    assert outside.max() < OUTSIDE_TOLERANCE, outside
