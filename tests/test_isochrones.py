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
    # a scenario file replaces the region's services; with a road file far away everything is "not connected"
    scenario = tmp_path / "sites.csv"
    scenario.write_text("id,name,kind,lat,lon\nx1,Site,mobile,42.55,68.3\n")
    shutil.copy("tests/data/roads/hand.osm", region / "roads.osm")
    out = tmp_path / "tt.csv"
    assert _cli("travel-times", "--region", str(region), "--scenario", str(scenario), "--out", str(out)) == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == ["settlement_id", "minutes", "service_id", "method"]
    assert (table["method"] == "network").all() and (table["minutes"] == "").all()
    assert (
        _cli("travel-times", "--region", str(region), "--scenario", str(scenario), "--estimate", "--out", str(out)) == 0
    )
    table = pd.read_csv(out)
    assert (table["method"] == "estimate").all() and (table["service_id"] == "x1").all()


# --- reached pieces in numpy, chains, and agreement with the slow exact way on a real extract -------------------

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import shapely.ops  # noqa: E402
from scipy.sparse.csgraph import dijkstra  # noqa: E402

from geo.isochrones import BUFFER_QUAD_SEGMENTS, _chains, _pieces_xy  # noqa: E402
from geo.traveltime import _graph_with_sites  # noqa: E402

SHARED_OSM = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "osm"
REAL_CRS = "EPSG:3067"
AREA_TOLERANCE = 0.01
"""Largest symmetric difference to the slow exact reference, as a share of its area (1 %)."""


def test_partial_pieces_are_cut_like_substring(network):
    # every edge of the hand-made network (some curved) cut at several shares, against shapely.ops.substring
    edges = np.repeat(np.arange(network.n_edges), 3)
    start = np.tile([0.05, 0.5, 0.93], network.n_edges)
    xy, offsets = _pieces_xy(network, np.array([0]), edges, start)
    assert np.allclose(xy[offsets[0] : offsets[1]], shapely.get_coordinates(network.edge_lines[0]))
    for i, (edge, share) in enumerate(zip(edges, start), start=1):
        expected = shapely.ops.substring(network.edge_lines[edge], share, 1.0, normalized=True)
        assert np.allclose(xy[offsets[i] : offsets[i + 1]], shapely.get_coordinates(expected), atol=1e-6)


def test_chains_join_pieces_without_losing_or_repeating_any():
    # a plus sign (4 arms meeting at node 0), a path of 3 pieces (nodes 5-6-7-8) and a triangle (9-10-11)
    xy = np.array(
        [
            [0, 0],
            [1, 0],
            [0, 0],
            [-1, 0],
            [0, 0],
            [0, 1],
            [0, 0],
            [0, -1],
            [5, 0],
            [6, 0],
            [6, 0],
            [7, 0],
            [7, 0],
            [8, 1],
            [10, 0],
            [11, 0],
            [11, 0],
            [10, 1],
            [10, 1],
            [10, 0],
        ],
        dtype=float,
    )
    offsets = np.arange(0, 21, 2)
    end_a = np.array([0, 0, 0, 0, 5, 6, 7, 9, 10, 11])
    end_b = np.array([1, 2, 3, 4, 6, 7, 8, 10, 11, 9])
    lines = _chains(xy, offsets, end_a, end_b)
    assert len(lines) == 4  # the plus in two lines through its centre, the path in one, the triangle in one
    pieces = shapely.linestrings(xy, indices=np.repeat(np.arange(10), 2))
    assert shapely.length(lines).sum() == pytest.approx(shapely.length(pieces).sum())
    assert shapely.equals(shapely.union_all(lines), shapely.union_all(pieces))


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
            shape = shapely.union_all(shapely.buffer(pieces, buffer_m, quad_segs=BUFFER_QUAD_SEGMENTS))
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
    # and within the access distance of reached roads: nothing lies outside the exact buffers, but for where
    # polygon arcs of joined lines and of separate end caps have their vertices at other places on the circle
    slack_m = 300 * (1 - math.cos(math.pi / (4 * BUFFER_QUAD_SEGMENTS))) + 0.1
    assert (shapely.area(shapely.difference(got, shapely.buffer(reference, slack_m))) < 1e-3).all()
