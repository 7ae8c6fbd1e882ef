"""A village's route to its nearest service is the shortest path of the search: its time is the travel time.

On the hand-made network (tests/data/roads/hand.osm, see tests/test_network.py) the route of a village at A to S1
at D runs A-B-C-D; on real OSM extracts every route's time equals both the multi-source search and the matrix.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from shapely.geometry import LineString, Point

from geo.osm import build_network
from geo.traveltime import minutes_matrix, nearest_service_minutes, route

CRS = "EPSG:32642"
HAND_OSM = "tests/data/roads/hand.osm"
SHARED_OSM = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "osm"
L_M = 6371009 * 0.01 * math.pi / 180
AB, BC, CD = L_M / (60 / 3.6), L_M / (30 * 1.609344 / 3.6), L_M / (90 / 3.6)


def points(id_column, ids, lonlat):
    return gpd.GeoDataFrame({id_column: ids}, geometry=[Point(x, y) for x, y in lonlat], crs="EPSG:4326")


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    return build_network(HAND_OSM, analysis_crs=CRS, cache_dir=tmp_path_factory.mktemp("cache"))


def test_route_of_a_village_runs_along_the_roads_to_its_service(hand):
    services = points("service_id", ["S1", "S2"], [(68.0, 42.53), (68.0, 42.49)])
    villages = points("settlement_id", ["vA", "vB", "vFar"], [(68.0, 42.50), (68.0, 42.51), (68.30, 42.70)])
    times = nearest_service_minutes(hand, villages, services, analysis_crs=CRS, keep_routes=True)
    path = route(hand, times, 0)
    # from A the oneway K->A cannot be driven towards S2: the route goes north through A, B and C, then along the
    # road C-D to S1 (which is snapped onto that road, at D)
    assert hand.node_osm_id[path.nodes].tolist() == [1, 2, 3]
    assert path.minutes == pytest.approx((AB + BC + CD) / 60, abs=1 / 60)
    assert path.minutes == pytest.approx(times.minutes[0], rel=1e-12)
    lat_lon = path.lat_lon()
    assert lat_lon[0] == pytest.approx((42.50, 68.0), abs=1e-6) and lat_lon[-1] == pytest.approx(
        (42.53, 68.0), abs=1e-6
    )
    assert np.all(np.diff([lat for lat, _ in lat_lon]) > 0)  # northwards all the way, no detour
    assert route(hand, times, 2) is None  # not connected: no route
    plain = nearest_service_minutes(hand, villages, services, analysis_crs=CRS)
    assert plain.routes is None  # the normal path keeps nothing
    np.testing.assert_array_equal(plain.minutes, times.minutes)
    with pytest.raises(ValueError, match="keep_routes"):
        route(hand, plain, 0)


@pytest.mark.skipif(not SHARED_OSM.is_dir(), reason=f"real OSM extracts not found at {SHARED_OSM}")
@pytest.mark.parametrize("name, crs", [("kouvola.osm.pbf", "EPSG:32635"), ("north-bayreuth.osm.gz", "EPSG:32632")])
def test_every_route_on_a_real_network_is_the_shortest_path(tmp_path, name, crs):
    network = build_network(SHARED_OSM / name, analysis_crs=crs, cache_dir=tmp_path)
    rng = np.random.default_rng(7)
    nodes = rng.choice(network.n_nodes, 48, replace=False)
    lon, lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        network.x_m[nodes] + rng.normal(0, 100, 48), network.y_m[nodes] + rng.normal(0, 100, 48)
    )
    villages = points("settlement_id", [f"v{i}" for i in range(40)], list(zip(lon[:40], lat[:40])))
    services = points("service_id", [f"s{i}" for i in range(8)], list(zip(lon[40:], lat[40:])))
    times = nearest_service_minutes(network, villages, services, analysis_crs=crs, keep_routes=True)
    matrix = minutes_matrix(network, services, villages, cutoff_minutes=1e6, analysis_crs=crs).min(axis=0)
    drawn = 0
    for i in range(len(villages)):
        path = route(network, times, i)
        if path is None:  # no road joins it to a service: its time is the labelled straight-line estimate
            assert times.methods[i] == "estimate" or not np.isfinite(times.minutes[i])
            continue
        drawn += 1
        assert path.minutes == pytest.approx(times.minutes[i], rel=1e-9, abs=1e-9)
        assert path.minutes == pytest.approx(matrix[i], rel=1e-5)  # an independent search (float32) agrees
        # the polyline follows the roads: long enough for the time at the profile's top speed, and each road's
        # own vertices, not a straight line
        assert len(path.xy_m) >= len(path.nodes) + 2
        assert LineString(path.xy_m).length >= Point(path.xy_m[0]).distance(Point(path.xy_m[-1])) - 1e-6
    assert drawn >= 30
