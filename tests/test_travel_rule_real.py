"""The one travel rule on the real region: the Turkistan settlements with roads built from the two real, partial road
layers (../shared/data/turkistan/roads/), the district centres as services. No settlement is unreachable while there
are services; most are far from the mapped roads and get the labelled straight-line estimate.

The network is built here straight from the layers (vertices shared within about a metre join), so that this test
does not depend on the road-layer reader; ``QORGAU_TEST_TURKISTAN`` points at the folder when it is elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from geo.network import RoadNetwork, network_from_ways
from geo.osmfile import WaySet
from geo.speeds import DEFAULT_PROFILE
from geo.traveltime import METHOD_ESTIMATE, METHOD_NETWORK, nearest_service_minutes, travel_matrix
from tests.conftest import SHARED_TURKISTAN

TURKISTAN = Path(os.environ.get("QORGAU_TEST_TURKISTAN", SHARED_TURKISTAN))
LAYERS = ("south_strip.geojson", "major_generalised.geojson")
JOIN_DECIMALS = 5
"""Vertices equal to 5 decimals of a degree (about a metre) are one node."""
NOT_DRIVABLE = {"footway", "path", "pedestrian", "steps", "cycleway"}
UNKNOWN_CLASS_KMH = 30.0
"""Speed of a piece whose class the layer does not know (``road``), km/h."""

pytestmark = pytest.mark.skipif(
    not (TURKISTAN / "roads" / LAYERS[0]).is_file(), reason=f"real road layers not found in {TURKISTAN / 'roads'}"
)


def layer_network(analysis_crs: str) -> RoadNetwork:
    lines = gpd.GeoDataFrame(
        gpd.pd.concat([gpd.read_file(TURKISTAN / "roads" / name) for name in LAYERS], ignore_index=True)
    ).to_crs("EPSG:4326")
    lines = lines[~lines["highway"].isin(NOT_DRIVABLE)].explode(index_parts=False)
    coords = [np.asarray(g.coords) for g in lines.geometry]
    lengths = np.array([len(c) for c in coords])
    xy = np.vstack(coords)
    _, node_id = np.unique(np.round(xy, JOIN_DECIMALS), axis=0, return_inverse=True)
    speeds = np.array([DEFAULT_PROFILE.speeds_kmh.get(h, UNKNOWN_CLASS_KMH) for h in lines["highway"]], dtype=float)
    ways = WaySet(
        way_offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        node_id=node_id.ravel().astype(np.int64),
        lon=xy[:, 0],
        lat=xy[:, 1],
        speed_kmh=speeds,
        forward=np.ones(len(lines), dtype=bool),
        backward=np.ones(len(lines), dtype=bool),
    )
    return network_from_ways(ways, analysis_crs=analysis_crs, profile_description="two partial real layers")


@pytest.fixture(scope="module")
def real():
    from geo.region import load_region
    from planning.baseline import current_services

    region = load_region(TURKISTAN)
    services = region.services if not region.services.empty else current_services(region)
    return region, services, layer_network(region.analysis_crs)


def test_no_settlement_unreachable_when_services_exist(real):
    region, services, network = real
    assert len(services) and network.n_edges > 1000
    times = nearest_service_minutes(network, region.settlements, services, analysis_crs=region.analysis_crs)
    assert np.isfinite(times.minutes).all() and (times.status == "ok").all()
    by_road, estimated = (times.methods == METHOD_NETWORK), (times.methods == METHOD_ESTIMATE)
    assert (by_road | estimated).all() and by_road.any() and estimated.any()
    print(f"\nreal region: {by_road.sum()} settlements by road, {estimated.sum()} estimated of {len(times.minutes)}")
    # a village by road joins a road within the maximum access distance; one beyond it is always estimated
    assert (times.access_km[by_road] <= times.constants.max_access_km).all()
    assert (times.methods[times.access_km > times.constants.max_access_km] == METHOD_ESTIMATE).all()
    # the matrix path gives the same minutes and methods
    matrix = travel_matrix(network, services, region.settlements, cutoff_minutes=1e6, analysis_crs=region.analysis_crs)
    best = matrix.minutes.argmin(axis=0)
    np.testing.assert_allclose(matrix.minutes.min(axis=0), times.minutes, rtol=1e-4)
    assert (matrix.estimated[best, np.arange(len(best))] == estimated).all()
